/**
 * The case: the state a service-recovery workflow carries and every decision it takes, in one class, on the
 * pattern of the `Guest` class (workflows/guest.ts). `workflows/service-recovery.ts` owns the wiring (the
 * Updates and their validators, the query), the loop, the agenda's timer and continue-as-new; this file says
 * what each staff request and each deadline does. The pure rules (the enums, the agenda, the cost bucket) are in
 * domain/cases.ts; every write is a keyed local activity that audits it (activities/cases.ts), so a run that
 * starts without carried state loads the case from Postgres. Failure rule: workflows/failures.ts.
 *
 * No personal data or free text here: requests carry their `case_requests` id, enums and numbers; the words are
 * in Postgres. Mails are not awaited by the loop; the run waits for them before it ends or continues as new.
 */
import {
  ApplicationFailure,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type {
  ApproveCompensationRequest,
  CaseInboxItem,
  CaseMail,
  CaseRequest,
  CaseSnapshot,
  CaseStateView,
  CaseStep,
  CaseStepResult,
  CompensationRequest,
  SatisfactionAnswer,
  ServiceRecoveryInput,
  ServiceRecoveryState,
} from '../contracts/case.js';
import { earliestDeadline } from '../domain/agenda.js';
import {
  CASE_DEADLINES,
  COMPENSATION_KINDS,
  type CaseDeadlineKind,
  type CaseStatus,
} from '../domain/cases.js';
import { dispositionOf, refusalOf } from './failures.js';
import { LOCAL_DB, MAIL, MAIL_DELIVERY_ATTEMPT, TEMPORAL_CALL } from './kit/activity-options.js';
import { InFlight, Inbox, type Refusal } from './kit/inbox.js';
import { PATCHES } from './kit/patches.js';
import { deliverIfScheduled } from './kit/planned-mail.js';

// Short single-transaction reads and writes: local activities, one marker each in the case's history.
const db = proxyLocalActivities<Activities>(LOCAL_DB);
// Mail talks to SMTP: a regular activity, retried with backoff, not awaited by the loop.
const mail = proxyActivities<Activities>(MAIL);
// A planned mail's delivery at its send time: one SMTP attempt, as in the follow-up.
const planned = proxyActivities<Activities>(MAIL_DELIVERY_ATTEMPT);
// Telling the parent talks to Temporal (signal-with-start: a guest between runs still hears it).
const temporal = proxyActivities<Activities>(TEMPORAL_CALL);

export function initialCaseState(): ServiceRecoveryState {
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
const doneKey = (kind: CaseDeadlineKind, at: string) => `${kind}@${at}`;

export class Case {
  readonly guestId: string;
  readonly caseId: string;
  state: ServiceRecoveryState;
  /** Staff requests, handled one at a time in arrival order, each answered with its result or refusal. */
  readonly inbox: Inbox<CaseInboxItem, CaseStepResult>;
  /** Mails sent and not yet delivered (a planned one waits for its send time): the run ends after them. */
  readonly mails = new InFlight();
  /**
   * The state is the case's: carried, or loaded from Postgres. Until then (a run started by an
   * update-with-start, whose validator runs before the load) the limits are unknown: validators leave them to
   * the request's turn in the loop.
   */
  loaded: boolean;

  constructor(
    input: ServiceRecoveryInput,
    readonly workflowId: string,
  ) {
    this.guestId = input.guestId;
    this.caseId = input.caseId;
    // A state carried from an older run may lack newer fields: defaults first.
    this.state = { ...initialCaseState(), ...input.state };
    this.inbox = new Inbox(input.inbox);
    this.loaded = input.state !== undefined;
  }

  /** The earliest deadline of the agenda not handled yet. */
  nextDeadline(): { kind: CaseDeadlineKind; at: string } | undefined {
    return earliestDeadline(CASE_DEADLINES, this.state.agenda, (kind, at) =>
      this.state.deadlinesDone.includes(doneKey(kind, at)),
    );
  }

  /** The `caseState` query. */
  view(): CaseStateView {
    return {
      ...this.state,
      caseId: this.caseId,
      guestId: this.guestId,
      pendingItems: this.inbox.length,
      nextDeadline: this.nextDeadline() ?? null,
    };
  }

  // ---- the staff Updates' validators: synchronous, against the state; a refusal writes nothing --------------

  /** The status once the requests already let in have been handled. */
  private projected(): CaseStatus {
    return this.inbox.items.reduce<CaseStatus>((status, item) => {
      if (item.type === 'resolve' && status === 'open') return 'resolved';
      if (item.type === 'satisfaction' && status === 'resolved') return item.satisfied ? 'closed' : 'open';
      return status;
    }, this.state.status);
  }

  /** Compensations that will be waiting for a manager once the inbox is handled. */
  private waitingForApproval(): number {
    const { state, loaded } = this;
    const items = this.inbox.items;
    return (
      state.awaitingApproval.filter(
        (c) => !items.some((i) => i.type === 'approval' && i.compensationId === c.compensationId),
      ).length +
      items.filter(
        (i) => i.type === 'compensation' && (!loaded || i.valueCents > state.limits.frontlineCents),
      ).length
    );
  }

  private requireNotClosed(): void {
    if (this.projected() === 'closed') throw refused('the case is closed', 'CaseClosed');
  }

  /** assignCase, addCaseNote: not on a closed case. */
  validateRequest(req: CaseRequest): void {
    requireRequestId(req.requestId);
    this.requireNotClosed();
  }

  validateCompensation(req: CompensationRequest): void {
    const { state } = this;
    requireRequestId(req.requestId);
    this.requireNotClosed();
    if (!(COMPENSATION_KINDS as readonly string[]).includes(req.kind))
      throw refused(`unknown compensation kind '${String(req.kind)}'`, 'UnknownCompensationKind');
    if (!Number.isSafeInteger(req.valueCents) || req.valueCents <= 0)
      throw refused('the value must be a whole number of cents above 0', 'InvalidAmount');
    if (req.kind === 'points' && (!Number.isSafeInteger(req.points) || (req.points ?? 0) <= 0))
      throw refused('points compensation needs a whole number of points above 0', 'PointsRequired');
    if (this.loaded && req.valueCents > state.limits.managerCents)
      throw refused(
        `above what a manager may approve (${state.limits.managerCents / 100} ${state.limits.currency})`,
        'AboveManagerLimit',
      );
  }

  validateApproval(req: ApproveCompensationRequest): void {
    const { state } = this;
    requireRequestId(req.requestId);
    this.requireNotClosed();
    // A run started by this very request (update-with-start) has not read the case yet: the approval's turn
    // checks it against Postgres.
    if (!this.loaded) return;
    const waiting = state.awaitingApproval.find((c) => c.compensationId === req.compensationId);
    const approving = this.inbox.items.some(
      (i) => i.type === 'approval' && i.compensationId === req.compensationId,
    );
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
  }

  validateResolve(req: CaseRequest): void {
    requireRequestId(req.requestId);
    this.requireNotClosed();
    const status = this.projected();
    if (status !== 'open') throw refused(`the case is ${status}, not open`, 'CaseNotOpen');
    if (this.waitingForApproval() > 0)
      throw refused('a compensation is waiting for a manager to approve it', 'CompensationAwaitingApproval');
  }

  validateSatisfaction(req: SatisfactionAnswer): void {
    requireRequestId(req.requestId);
    if (typeof req.satisfied !== 'boolean') throw refused('satisfied must be true or false', 'InvalidAnswer');
    // Not read yet (a run started by this request): checked at its turn.
    if (!this.loaded) return;
    const status = this.projected();
    if (status !== 'resolved')
      throw refused(`the case is ${status}: no satisfaction check is open`, 'NotAwaitingSatisfaction');
  }

  // ---- the case's life ------------------------------------------------------------------------------------

  /** Takes what Postgres says (the record) into the state. */
  private adopt(s: CaseSnapshot): void {
    this.state = { ...this.state, ...s };
    this.loaded = true;
  }

  /** A run without carried state starts from Postgres. */
  async load(): Promise<void> {
    this.adopt(await db.loadCase({ caseId: this.caseId, now: nowIso() }));
  }

  /** An open case not yet acknowledged gets its acknowledgement mail at once (due within the hour). */
  acknowledgeIfDue(): void {
    if (this.state.status === 'open' && !this.state.acknowledged)
      this.sendMail('case-acknowledgement', 'acknowledgement');
  }

  /** A case mail, not awaited by the loop (in flight until delivered; the run ends only after). */
  private sendMail(kind: CaseMail, key: string): void {
    this.mails.add(
      mail
        .sendCaseMail({ caseId: this.caseId, kind, key: `${this.workflowId}:${key}`, now: nowIso() })
        .then(async (sent) => {
          if (kind === 'case-acknowledgement' && sent.status === 'sent') this.state.acknowledged = true;
          // Planned for the guest's send window (a resolution at night): wait for its time, then deliver. Still
          // in flight meanwhile, so the case closes (or continues as new) only after it.
          await deliverIfScheduled(planned, sent, PATCHES.caseMailsSendWindow.id);
        })
        .catch((err: unknown) => log.warn('case mail not sent', { kind, error: String(err) })),
    );
  }

  /** One staff request's effect: one local activity applies it (effect, request applied, audit). */
  private async step(item: CaseInboxItem): Promise<CaseStep> {
    const { state } = this;
    const common = { caseId: this.caseId, requestId: item.requestId, now: nowIso() };
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

  /** The next staff request of the inbox, answered with its result, or its refusal at its turn. */
  async handle(item: CaseInboxItem): Promise<void> {
    const { guestId, caseId } = this;
    let done: CaseStep;
    try {
      done = await this.step(item);
    } catch (err) {
      this.inbox.answer(item.requestId, refusalAtItsTurn(err));
      this.state.itemsRefused += 1;
      return;
    }
    this.adopt(done.snapshot);
    // Points granted: the guest's workflow hears it before the request is answered, so a redemption the staff
    // make next counts them (its validator checks the balance that workflow holds).
    const granted = done.result.compensation;
    if (
      granted?.status === 'granted' &&
      granted.ledgerId !== null &&
      (granted.points ?? 0) > 0 &&
      patched(PATCHES.tellGuestOfCompensationPoints.id)
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
    this.inbox.answer(item.requestId, done.result);
    if (item.type === 'resolve') this.sendMail('case-resolution', `resolution:${this.state.resolutions}`);
  }

  /** A deadline of the agenda has come: an escalation, the satisfaction check, or the end of its wait. */
  async handleDeadline(kind: CaseDeadlineKind, at: string): Promise<void> {
    this.state.deadlinesDone = [...this.state.deadlinesDone, doneKey(kind, at)].slice(-20);
    const { act, snapshot } = await db.caseDeadline({ caseId: this.caseId, kind, now: nowIso() });
    this.adopt(snapshot);
    if (act === 'escalate')
      this.sendMail(
        kind === 'dutyManager' ? 'case-escalation-duty-manager' : 'case-escalation-general-manager',
        `escalation:${kind}`,
      );
    if (act === 'ask')
      this.sendMail('case-satisfaction-check', `satisfaction-check:${this.state.resolutions}`);
  }

  /** Closed: the guest's workflow hears `case.closed` (a guest message) and clears its at-risk flag. */
  async tellGuestClosed(): Promise<void> {
    const { guestId, caseId } = this;
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
  }
}

function requireRequestId(id: unknown): void {
  if (typeof id !== 'string' || id.length === 0) throw refused('requestId is required', 'RequestIdRequired');
}

/** What the Update answers for a request refused when its turn came; an unexpected failure fails the task. */
function refusalAtItsTurn(err: unknown): Refusal {
  const refusal = refusalOf(err);
  if (refusal) return { error: refusal.message, type: refusal.type ?? 'RequestFailed' };
  const disposition = dispositionOf(err);
  if ('reject' in disposition) return { error: disposition.reject, type: 'RequestFailed' };
  throw new Error(`unexpected failure, the workflow task will be retried: ${disposition.failTask}`);
}
