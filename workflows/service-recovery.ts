/**
 * Service recovery of one case (child `guest-<guestId>-case-<caseId>` of the guest's workflow, started on
 * `case.opened`): an entity for the case's life, wired as workflows/guest-lifecycle.ts is. Read it top to bottom:
 *
 * 1. Wiring: staff requests from the API (assign, note, compensation, approval, resolution, the guest's
 *    satisfaction answer) are Updates whose synchronous validators check them against the case's state and
 *    push them onto one inbox (workflows/kit/inbox.ts); each is answered with its result. The `caseState` query
 *    shows everything.
 * 2. A run without carried state loads the case from Postgres; an open case not yet acknowledged gets its
 *    acknowledgement mail at once (due within the hour).
 * 3. The loop waits for the inbox or the next deadline of the case's agenda (one timer: `condition(fn, ms)`):
 *    ack due, the duty manager (end of the local day for an in-stay case, else 24 h), the general manager
 *    (72 h), the satisfaction check (3 days after the resolution) and its answer's due date. The agenda is
 *    computed by an activity in the property's zone (domain/cases.ts planCaseAgenda). A positive answer (or
 *    none) closes the case; a negative one reopens it. Closed: the parent hears `case.closed` (a guest message)
 *    and the run ends.
 *
 * What each request and deadline does — the case's decisions — is in workflows/case.ts (the `Case` class).
 */
import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  condition,
  continueAsNew,
  setHandler,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import {
  addCaseNoteUpdate,
  answerSatisfactionUpdate,
  approveCompensationUpdate,
  assignCaseUpdate,
  caseStateQuery,
  requestCompensationUpdate,
  resolveCaseUpdate,
} from '../contracts/case.js';
import type {
  ApproveCompensationRequest,
  CaseRequest,
  CompensationRequest,
  SatisfactionAnswer,
  ServiceRecoveryInput,
  ServiceRecoveryResult,
} from '../contracts/case.js';
import { caseWorkflowId } from '../domain/ids.js';
import { Case } from './case.js';
import { startChildOnce } from './kit/start-child-once.js';

/** Continue-as-new after this many requests even if the server has not suggested it yet. */
export const CASE_ITEMS_PER_RUN = 200;

/** For the guest's workflow: starts the case's child (ABANDON; one already started, or closed, is fine). */
export async function startServiceRecovery(input: {
  guestId: string;
  guestWorkflowId: string;
  caseId: string;
}): Promise<ChildWorkflowHandle<typeof serviceRecovery> | undefined> {
  return startChildOnce(serviceRecovery, {
    workflowId: caseWorkflowId(input.guestId, input.caseId),
    parentClosePolicy: ParentClosePolicy.ABANDON,
    // A repeated `case.opened` never restarts a closed case.
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    args: [{ guestId: input.guestId, guestWorkflowId: input.guestWorkflowId, caseId: input.caseId }],
  });
}

export async function serviceRecovery(input: ServiceRecoveryInput): Promise<ServiceRecoveryResult> {
  const kase = new Case(input, workflowInfo().workflowId);
  const { inbox } = kase;

  // ---- 1. wiring ----------------------------------------------------------------------------------
  setHandler(caseStateQuery, () => kase.view());
  /** A request that is its id alone: one inbox item, answered by the loop. */
  const byId = (type: 'assign' | 'note' | 'resolve') => (req: CaseRequest) =>
    inbox.request({ type, requestId: req.requestId });
  setHandler(assignCaseUpdate, byId('assign'), {
    validator: (req: CaseRequest) => kase.validateRequest(req),
  });
  setHandler(addCaseNoteUpdate, byId('note'), { validator: (req: CaseRequest) => kase.validateRequest(req) });
  setHandler(
    requestCompensationUpdate,
    (req) =>
      inbox.request({
        type: 'compensation',
        requestId: req.requestId,
        kind: req.kind,
        valueCents: req.valueCents,
        points: req.kind === 'points' ? (req.points ?? null) : null,
      }),
    { validator: (req: CompensationRequest) => kase.validateCompensation(req) },
  );
  setHandler(
    approveCompensationUpdate,
    (req) =>
      inbox.request({ type: 'approval', requestId: req.requestId, compensationId: req.compensationId }),
    { validator: (req: ApproveCompensationRequest) => kase.validateApproval(req) },
  );
  setHandler(resolveCaseUpdate, byId('resolve'), {
    validator: (req: CaseRequest) => kase.validateResolve(req),
  });
  setHandler(
    answerSatisfactionUpdate,
    (req) => inbox.request({ type: 'satisfaction', requestId: req.requestId, satisfied: req.satisfied }),
    { validator: (req: SatisfactionAnswer) => kase.validateSatisfaction(req) },
  );

  // ---- 2. a run without carried state starts from Postgres ----------------------------------------
  if (!input.state) await kase.load();
  kase.acknowledgeIfDue();

  // ---- 3. the loop --------------------------------------------------------------------------------
  let handledThisRun = 0;
  const timeToContinue = () => workflowInfo().continueAsNewSuggested || handledThisRun >= CASE_ITEMS_PER_RUN;
  for (;;) {
    if (inbox.length === 0 && (kase.state.status === 'closed' || timeToContinue())) {
      // Requests let in meanwhile are handled first; mails in flight finish in this run.
      if (!(await inbox.settled(() => !kase.mails.idle))) continue;
      if (kase.state.status === 'closed') break;
      return continueAsNew<typeof serviceRecovery>({ ...input, state: kase.state, inbox: inbox.items });
    }
    const next = kase.nextDeadline();
    const wait = next ? Math.max(1, Date.parse(next.at) - Date.now()) : undefined;
    const woken = await condition(() => inbox.length > 0, wait);
    if (!woken && next) {
      await kase.handleDeadline(next.kind, next.at);
      continue;
    }
    const item = inbox.shift();
    if (!item) continue;
    await kase.handle(item);
    kase.state.itemsHandled += 1;
    handledThisRun += 1;
  }

  // ---- closed: the parent clears the guest's at-risk flag ----------------------------------------
  await kase.tellGuestClosed();
  const { state } = kase;
  return {
    caseId: input.caseId,
    status: state.status,
    resolutions: state.resolutions,
    reopened: state.reopened,
  };
}
