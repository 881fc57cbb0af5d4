/**
 * Service recovery of one case (child `guest-<guestId>-case-<caseId>` of the guest's workflow, started on
 * `case.opened`): an entity for the case's life, in guest-lifecycle.ts's style. Read it top to bottom:
 *
 * 1. Wiring: staff requests from the API (assign, note, compensation, approval, resolution, the guest's
 *    satisfaction answer) are Updates whose synchronous validators check them against the case's state and
 *    push them onto one inbox; each is answered with its result. The `caseState` query shows everything.
 * 2. A run without carried state loads the case from Postgres; an open case not yet acknowledged gets its
 *    acknowledgement mail at once (due within the hour).
 * 3. The loop waits for the inbox or the next deadline of the case's agenda (one timer: `condition(fn, ms)`):
 *    ack due, the duty manager (end of the local day for an in-stay case, else 24 h), the general manager
 *    (72 h), the satisfaction check (3 days after the resolution) and its answer's due date. The agenda is
 *    computed by an activity in the property's zone. A positive answer (or none) closes the case; a negative
 *    one reopens it. Closed: the parent hears `case.closed` (a guest message) and the run ends.
 *
 * No personal data or free text here: requests carry their `case_requests` id, enums and numbers; the words
 * are in Postgres. Every write is a keyed activity that audits it. Mails are not awaited by the loop; the run
 * waits for them before it ends or continues as new. Failure rule: workflows/failures.ts.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { ActivityFailure } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import type { CaseMail, CaseStep } from '../contracts/case.js';
import { MAIL_DELIVERY } from '../domain/mail-timing.js';
import { dispositionOf } from './failures.js';
import { startChildOnce } from './start-child-once.js';
import {
  addCaseNoteUpdate,
  answerSatisfactionUpdate,
  approveCompensationUpdate,
  assignCaseUpdate,
  caseStateQuery,
  requestCompensationUpdate,
  resolveCaseUpdate,
} from '../contracts/case.js';
import { caseWorkflowId } from '../domain/ids.js';
import {
  CASE_DEADLINES,
  COMPENSATION_KINDS,
  type CaseDeadlineKind,
  type CaseStatus,
} from '../domain/cases.js';
import { earliestDeadline } from '../domain/agenda.js';
import type {
  ApproveCompensationRequest,
  CaseInboxItem,
  CaseRequest,
  CaseSnapshot,
  CaseStateView,
  CaseStepResult,
  CompensationRequest,
  SatisfactionAnswer,
  ServiceRecoveryInput,
  ServiceRecoveryResult,
  ServiceRecoveryState,
} from '../contracts/case.js';

export type { ServiceRecoveryInput, ServiceRecoveryResult } from '../contracts/case.js';

/** Continue-as-new after this many requests even if the server has not suggested it yet. */
export const CASE_ITEMS_PER_RUN = 200;

// Short single-transaction reads and writes: local activities, one marker each in the case's history.
const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
// Mail talks to SMTP: a regular activity, retried with backoff, not awaited by the loop.
const mail = proxyActivities<Activities>({
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
// A planned mail's delivery at its send time: one SMTP attempt, as in the follow-up.
const planned = proxyActivities<Activities>({
  startToCloseTimeout: MAIL_DELIVERY.startToCloseMs,
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
// Telling the parent talks to Temporal (signal-with-start: a guest between runs still hears it).
const temporal = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

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

function initialCaseState(): ServiceRecoveryState {
  return {
    status: 'open',
    slaState: 'on_track',
    acknowledged: false,
    resolutions: 0,
    reopened: 0,
    satisfactionAsked: false,
    agenda: {},
    limits: { currency: 'USD', frontlineCents: 0, managerCents: 0 },
    awaitingApproval: [],
    itemsHandled: 0,
    itemsRefused: 0,
    deadlinesDone: [],
  };
}

const nowIso = () => new Date(Date.now()).toISOString();
const refused = (message: string, type: string) => ApplicationFailure.nonRetryable(message, type);

export async function serviceRecovery(input: ServiceRecoveryInput): Promise<ServiceRecoveryResult> {
  const { guestId, caseId } = input;
  const { workflowId } = workflowInfo();
  const inbox: CaseInboxItem[] = [...(input.inbox ?? [])];
  const results: Record<string, CaseStepResult | { error: string; type: string }> = {};
  let state: ServiceRecoveryState = { ...initialCaseState(), ...input.state };
  // Until the case is loaded the limits are unknown: validators leave them to the item's turn.
  let loaded = input.state !== undefined;
  let handledThisRun = 0;
  let mailsInFlight = 0;

  const doneKey = (kind: CaseDeadlineKind, at: string) => `${kind}@${at}`;
  const nextDeadline = () =>
    earliestDeadline(CASE_DEADLINES, state.agenda, (kind, at) =>
      state.deadlinesDone.includes(doneKey(kind, at)),
    );

  // ---- 1. wiring ----------------------------------------------------------------------------------
  setHandler(caseStateQuery, (): CaseStateView => ({
    ...state,
    caseId,
    guestId,
    pendingItems: inbox.length,
    nextDeadline: nextDeadline() ?? null,
  }));

  /** The status once the requests already let in have been handled. */
  const projected = (): CaseStatus =>
    inbox.reduce<CaseStatus>((status, item) => {
      if (item.type === 'resolve' && status === 'open') return 'resolved';
      if (item.type === 'satisfaction' && status === 'resolved') return item.satisfied ? 'closed' : 'open';
      return status;
    }, state.status);
  /** Compensations that will be waiting for a manager once the inbox is handled. */
  const waitingForApproval = () =>
    state.awaitingApproval.filter(
      (c) => !inbox.some((i) => i.type === 'approval' && i.compensationId === c.compensationId),
    ).length +
    inbox.filter((i) => i.type === 'compensation' && (!loaded || i.valueCents > state.limits.frontlineCents))
      .length;

  const requireRequestId = (id: unknown) => {
    if (typeof id !== 'string' || id.length === 0)
      throw refused('requestId is required', 'RequestIdRequired');
  };
  const requireNotClosed = () => {
    if (projected() === 'closed') throw refused('the case is closed', 'CaseClosed');
  };
  const awaitResult = async (item: CaseInboxItem): Promise<CaseStepResult> => {
    inbox.push(item);
    await condition(() => results[item.requestId] !== undefined);
    const result = results[item.requestId]!;
    delete results[item.requestId];
    if ('error' in result) throw refused(result.error, result.type);
    return result;
  };

  setHandler(assignCaseUpdate, (req) => awaitResult({ type: 'assign', requestId: req.requestId }), {
    validator: (req: CaseRequest) => {
      requireRequestId(req.requestId);
      requireNotClosed();
    },
  });
  setHandler(addCaseNoteUpdate, (req) => awaitResult({ type: 'note', requestId: req.requestId }), {
    validator: (req: CaseRequest) => {
      requireRequestId(req.requestId);
      requireNotClosed();
    },
  });
  setHandler(
    requestCompensationUpdate,
    (req) =>
      awaitResult({
        type: 'compensation',
        requestId: req.requestId,
        kind: req.kind,
        valueCents: req.valueCents,
        points: req.kind === 'points' ? (req.points ?? null) : null,
      }),
    {
      validator: (req: CompensationRequest) => {
        requireRequestId(req.requestId);
        requireNotClosed();
        if (!COMPENSATION_KINDS.includes(req.kind))
          throw refused(`unknown compensation kind '${String(req.kind)}'`, 'UnknownCompensationKind');
        if (!Number.isSafeInteger(req.valueCents) || req.valueCents <= 0)
          throw refused('the value must be a whole number of cents above 0', 'InvalidAmount');
        if (req.kind === 'points' && (!Number.isSafeInteger(req.points) || (req.points ?? 0) <= 0))
          throw refused('points compensation needs a whole number of points above 0', 'PointsRequired');
        if (loaded && req.valueCents > state.limits.managerCents)
          throw refused(
            `above what a manager may approve (${state.limits.managerCents / 100} ${state.limits.currency})`,
            'AboveManagerLimit',
          );
      },
    },
  );
  setHandler(
    approveCompensationUpdate,
    (req) => awaitResult({ type: 'approval', requestId: req.requestId, compensationId: req.compensationId }),
    {
      validator: (req: ApproveCompensationRequest) => {
        requireRequestId(req.requestId);
        requireNotClosed();
        // A run started by this very request (update-with-start) has not read the case yet: the approval's
        // turn checks it against Postgres.
        if (!loaded) return;
        const waiting = state.awaitingApproval.find((c) => c.compensationId === req.compensationId);
        const approving = inbox.some((i) => i.type === 'approval' && i.compensationId === req.compensationId);
        if (!waiting || approving)
          throw refused(
            `compensation ${String(req.compensationId)} is not waiting for approval`,
            'CompensationNotPending',
          );
        if (waiting.valueCents > state.limits.managerCents)
          throw refused(
            `above what a manager may approve (${state.limits.managerCents / 100} ${state.limits.currency})`,
            'AboveManagerLimit',
          );
      },
    },
  );
  setHandler(resolveCaseUpdate, (req) => awaitResult({ type: 'resolve', requestId: req.requestId }), {
    validator: (req: CaseRequest) => {
      requireRequestId(req.requestId);
      requireNotClosed();
      const status = projected();
      if (status !== 'open') throw refused(`the case is ${status}, not open`, 'CaseNotOpen');
      if (waitingForApproval() > 0)
        throw refused(
          'a compensation is waiting for a manager to approve it',
          'CompensationAwaitingApproval',
        );
    },
  });
  setHandler(
    answerSatisfactionUpdate,
    (req) => awaitResult({ type: 'satisfaction', requestId: req.requestId, satisfied: req.satisfied }),
    {
      validator: (req: SatisfactionAnswer) => {
        requireRequestId(req.requestId);
        if (typeof req.satisfied !== 'boolean')
          throw refused('satisfied must be true or false', 'InvalidAnswer');
        // Not read yet (a run started by this request): checked at its turn.
        if (!loaded) return;
        const status = projected();
        if (status !== 'resolved')
          throw refused(`the case is ${status}: no satisfaction check is open`, 'NotAwaitingSatisfaction');
      },
    },
  );

  // ---- helpers ------------------------------------------------------------------------------------
  const adopt = (s: CaseSnapshot) => {
    state = { ...state, ...s };
    loaded = true;
  };

  const sendMail = (kind: CaseMail, key: string) => {
    mailsInFlight += 1;
    mail
      .sendCaseMail({ caseId, kind, key: `${workflowId}:${key}`, now: nowIso() })
      .then(async (sent) => {
        if (kind === 'case-acknowledgement' && sent.status === 'sent') state.acknowledged = true;
        // Planned for the guest's send window (a resolution at night): wait for its time, then deliver. Still in
        // flight meanwhile, so the case closes (or continues as new) only after it.
        if (sent.status === 'scheduled' && patched('case-mails-send-window')) {
          const wait = Date.parse(sent.sendAt) - Date.now();
          if (wait > 0) await sleep(wait);
          await planned.deliverPlannedMail({ outboxId: sent.outboxId });
        }
      })
      .catch((err: unknown) => log.warn('case mail not sent', { kind, error: String(err) }))
      .finally(() => {
        mailsInFlight -= 1;
      });
  };

  // ---- the items ----------------------------------------------------------------------------------
  async function step(item: CaseInboxItem): Promise<CaseStep> {
    const common = { caseId, requestId: item.requestId, now: nowIso() };
    switch (item.type) {
      case 'assign':
        return db.assignCase(common);
      case 'note':
        return db.addCaseNote(common);
      case 'compensation':
        if (item.valueCents > state.limits.managerCents)
          throw refused('above what a manager may approve', 'AboveManagerLimit');
        return db.compensateCase({
          ...common,
          kind: item.kind,
          valueCents: item.valueCents,
          points: item.points,
          grant: item.valueCents <= state.limits.frontlineCents,
        });
      case 'approval':
        return db.approveCompensation({ ...common, compensationId: item.compensationId });
      case 'resolve':
        return db.resolveCase(common);
      case 'satisfaction':
        return db.answerSatisfaction({ ...common, satisfied: item.satisfied });
    }
  }

  async function handleItem(item: CaseInboxItem): Promise<void> {
    let done: CaseStep;
    try {
      done = await step(item);
    } catch (err) {
      results[item.requestId] = refusalOf(err);
      state.itemsRefused += 1;
      return;
    }
    adopt(done.snapshot);
    // Points granted: the guest's workflow hears it before the request is answered, so a redemption the staff
    // make next counts them (its validator checks the balance that workflow holds).
    const granted = done.result.compensation;
    if (
      granted?.status === 'granted' &&
      granted.ledgerId !== null &&
      (granted.points ?? 0) > 0 &&
      patched('tell-guest-of-compensation-points')
    )
      await temporal.tellGuest({
        guestId,
        message: {
          type: 'points.compensated',
          eventId: `case:${caseId}:compensation:${granted.compensationId}`,
          source: 'service-recovery',
          occurredAt: nowIso(),
          caseId,
          points: granted.points ?? 0,
        },
      });
    results[item.requestId] = done.result;
    if (item.type === 'resolve') sendMail('case-resolution', `resolution:${state.resolutions}`);
  }

  async function handleDeadline(kind: CaseDeadlineKind, at: string): Promise<void> {
    state.deadlinesDone = [...state.deadlinesDone, doneKey(kind, at)].slice(-20);
    const { act, snapshot } = await db.caseDeadline({ caseId, kind, now: nowIso() });
    adopt(snapshot);
    if (act === 'escalate')
      sendMail(
        kind === 'dutyManager' ? 'case-escalation-duty-manager' : 'case-escalation-general-manager',
        `escalation:${kind}`,
      );
    if (act === 'ask') sendMail('case-satisfaction-check', `satisfaction-check:${state.resolutions}`);
  }

  // ---- 2. a run without carried state starts from Postgres ----------------------------------------
  if (!input.state) adopt(await db.loadCase({ caseId, now: nowIso() }));
  if (state.status === 'open' && !state.acknowledged) sendMail('case-acknowledgement', 'acknowledgement');

  // ---- 3. the loop --------------------------------------------------------------------------------
  const timeToContinue = () => workflowInfo().continueAsNewSuggested || handledThisRun >= CASE_ITEMS_PER_RUN;
  const settled = () => allHandlersFinished() && mailsInFlight === 0;
  for (;;) {
    if (inbox.length === 0 && (state.status === 'closed' || timeToContinue())) {
      // Requests let in meanwhile are handled first; mails in flight finish in this run.
      await condition(() => settled() || inbox.length > 0);
      if (inbox.length > 0) continue;
      if (state.status === 'closed') break;
      return continueAsNew<typeof serviceRecovery>({ ...input, state, inbox });
    }
    const next = nextDeadline();
    const wait = next ? Math.max(1, Date.parse(next.at) - Date.now()) : undefined;
    const woken = await condition(() => inbox.length > 0, wait);
    if (!woken && next) {
      await handleDeadline(next.kind, next.at);
      continue;
    }
    const item = inbox.shift();
    if (!item) continue;
    await handleItem(item);
    state.itemsHandled += 1;
    handledThisRun += 1;
  }

  // ---- closed: the parent clears the guest's at-risk flag ----------------------------------------
  await temporal.tellGuest({
    guestId,
    message: {
      type: 'case.closed',
      eventId: `case:${caseId}:closed`,
      source: 'service-recovery',
      occurredAt: nowIso(),
      caseId,
    },
  });
  return { caseId, status: state.status, resolutions: state.resolutions, reopened: state.reopened };
}

/** What the Update answers for a request refused when its turn came; an unexpected failure fails the task. */
function refusalOf(err: unknown): { error: string; type: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.nonRetryable)
    return { error: cause.message, type: cause.type ?? 'RequestFailed' };
  const disposition = dispositionOf(err);
  if ('reject' in disposition) return { error: disposition.reject, type: 'RequestFailed' };
  throw new Error(`unexpected failure, the workflow task will be retried: ${disposition.failTask}`);
}
