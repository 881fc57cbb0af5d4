/** Business-key identifiers shared by the API, workflows and activities. */

/** The guest's entity workflow. */
export function guestWorkflowId(guestId: string): string {
  return `guest-${guestId}`;
}

/** The follow-up child of one stay. */
export function followUpWorkflowId(guestId: string, stayId: string): string {
  return `guest-${guestId}-stay-${stayId}-follow-up`;
}

/** Idempotency key of a side effect: `<workflowId>:<purpose>` (docs/architecture.md "Exactly once"). */
export function idempotencyKey(workflowId: string, purpose: string): string {
  return `${workflowId}:${purpose}`;
}

/** The in-stay care child of one PMS stay (its check-in): `guest-<id>-in-stay-<pmsStayId>`. */
export function inStayCareWorkflowId(guestId: string, pmsStayId: string): string {
  return `guest-${guestId}-in-stay-${pmsStayId}`;
}

/** A guest's service-recovery case: a child of the guest's workflow (`guest-<guestId>-case-<caseId>`). */
export function caseWorkflowId(guestId: string, caseId: string): string {
  return `guest-${guestId}-case-${caseId}`;
}

/** A campaign's fan-out (workflows/campaign.ts); its mails' idempotency keys are `campaign-<id>:<guestId>`. */
export function campaignWorkflowId(campaignId: string): string {
  return `campaign-${campaignId}`;
}

/** The PMS event sweeper: one per namespace, started by every worker with "use existing". */
export const SWEEPER_WORKFLOW_ID = 'pms-event-sweeper';

const GUEST_ID_IN_WORKFLOW_ID =
  /^guest-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:-|$)/;

/** The guest whose workflow or child a workflow ID names (`guest-<guestId>…`), or null for any other ID. */
export function guestIdOfWorkflowId(workflowId: string): string | null {
  return GUEST_ID_IN_WORKFLOW_ID.exec(workflowId)?.[1] ?? null;
}

const FOLLOW_UP_WORKFLOW_ID =
  /^guest-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-stay-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-follow-up$/;

/** The guest and stay a follow-up's workflow ID names (followUpWorkflowId), or null for any other ID. */
export function followUpOfWorkflowId(workflowId: string): { guestId: string; stayId: string } | null {
  const m = FOLLOW_UP_WORKFLOW_ID.exec(workflowId);
  return m ? { guestId: m[1]!, stayId: m[2]! } : null;
}
