/** Business-key identifiers shared by the API, workflows and activities. */

/** The guest's entity workflow. */
export function guestWorkflowId(guestId: string): string {
  return `guest-${guestId}`;
}

/** The follow-up child of one stay. */
export function followUpWorkflowId(guestId: string, stayId: string): string {
  return `guest-${guestId}-stay-${stayId}-follow-up`;
}

/** Idempotency key of a side effect: `<workflowId>:<purpose>` (DESIGN.md "Side effects are idempotent"). */
export function idempotencyKey(workflowId: string, purpose: string): string {
  return `${workflowId}:${purpose}`;
}

/** The in-stay care child of one PMS stay (its check-in): `guest-<id>-in-stay-<pmsStayId>`. */
export function inStayCareWorkflowId(guestId: string, pmsStayId: string): string {
  return `guest-${guestId}-in-stay-${pmsStayId}`;
}
