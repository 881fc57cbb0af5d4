/**
 * The guest: the state a guest's workflow carries, and what carries out its decisions.
 * `workflows/guest-lifecycle.ts` owns the wiring, the loop, the agenda's timer and continue-as-new; this file does
 * what each inbox item and each deadline asks (a class the handlers share, as in the safe-message-handlers sample
 * of github.com/temporalio/samples-typescript, message-passing/safe-message-handlers). What they ask is decided by
 * the pure functions of `domain/guest-decisions.ts` (who gets a come-back offer: `domain/come-back-offers.ts`),
 * which return plain data: the stage to record, the mail to send, the child to start. Every write is an activity
 * keyed in Postgres (the record), so a run that starts without carried state loads the guest from there. Failure
 * rule: workflows/failures.ts.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  executeChild,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { DeadlineKind } from '../domain/agenda.js';
import * as decide from '../domain/guest-decisions.js';
import { winBackByHand } from '../domain/come-back-offers.js';
import type { MailOrder, ReviewRun, StageChange, WinBackStart } from '../domain/guest-plan.js';
import { idempotencyKey } from '../domain/ids.js';
import {
  messageProblem,
  type GuestErasedMessage,
  type GuestMessage,
  type StayAmendedMessage,
  type StayCancelledMessage,
  type StayCompletedMessage,
} from '../domain/messages.js';
import type {
  GuestLifecycleState,
  GuestReloaded,
  GuestSnapshot,
  InboxItem,
  PointsMovement,
  StaffActionItem,
  StaffRequestItem,
  TierFloorResult,
  WinBackCancelled,
  WinBackStarted,
} from '../contracts/guest.js';
import type { FollowUpMail } from '../contracts/follow-up.js';
import { dispositionOf } from './failures.js';
import { inStayCare } from './in-stay-care.js';
import { postStayFollowUp } from './post-stay-follow-up.js';
import { startServiceRecovery } from './service-recovery.js';
import { LOCAL_DB, MAIL, MAIL_DELIVERY_ATTEMPT } from './kit/activity-options.js';
import { PATCHES } from './kit/patches.js';
import { deliverIfScheduled } from './kit/planned-mail.js';
import { startChildOnce } from './kit/start-child-once.js';
import { tierReview } from './tier-review.js';
import { winBack } from './win-back.js';

// Short single-transaction reads and writes: local activities, one marker each in the guest's history.
const db = proxyLocalActivities<Activities>(LOCAL_DB);
// Mail talks to SMTP: a regular activity, retried with backoff, not awaited by the loop.
const mail = proxyActivities<Activities>(MAIL);
// A planned mail's delivery at its send time: one SMTP attempt, as in the follow-up.
const planned = proxyActivities<Activities>(MAIL_DELIVERY_ATTEMPT);

const nowIso = () => new Date(Date.now()).toISOString();

/** A child of a business key (a stay, a check-in): it outlives this run, and a repeat finds it started. */
const onceFor = (workflowId: string) => ({
  workflowId,
  parentClosePolicy: ParentClosePolicy.ABANDON,
  workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
});

/** What a staff Update is answered with: its result, or the refusal the Update throws. */
export type StaffResult =
  | PointsMovement
  | TierFloorResult
  | WinBackStarted
  | WinBackCancelled
  | GuestReloaded
  | { error: string; type: string };

const STAFF_ACTIONS: ReadonlySet<string> = new Set<StaffActionItem['type']>([
  'staff.win_back',
  'staff.cancel_win_back',
  'staff.reload',
]);

/** A staff action (contracts/guest.ts `StaffActionItem`), not a request on points or the tier. */
export function isStaffAction(item: { type: string }): item is StaffActionItem {
  return STAFF_ACTIONS.has(item.type);
}

export class Guest {
  /** The answers to staff requests handled, by request id, until their Update takes them. */
  readonly staffResults: Record<string, StaffResult> = {};
  /** Mails sent and not yet delivered (a planned one waits for its send time): the run continues after them. */
  mailsInFlight = 0;
  /** Children this run started that are still running (a stay's follow-up, in-stay care, a case, a win-back). */
  ownChildrenOpen = 0;
  /** This run has held the year's review: time to continue as new (workflows/guest-lifecycle.ts). */
  reviewed = false;
  /**
   * Set at the review (its two patches: see `reviewLastYear`). The run then continues as new only once the children
   * it started have finished, since a child's completion after its parent run closed is lost (docs/testing.md,
   * "The calendar"), and once its mails have gone: the review's result mail waits for the guest's send window
   * while the run goes on as usual — messages, deadlines — instead of waiting with its inbox closed.
   */
  waitsForOwnChildren = false;
  waitsForHeldMails = false;
  /** Staff asked for the guest to be read again: the loop publishes the search attributes even if unchanged. */
  republish = false;
  /** The guest was erased (`forget`): the loop clears the search attributes and ends the run. */
  erased = false;
  /** While a stay is handled, the mails it causes are collected for its follow-up child. */
  private withFollowUp: FollowUpMail[] | null = null;

  constructor(
    readonly guestId: string,
    readonly workflowId: string,
    readonly state: GuestLifecycleState,
    /** Messages, staff requests and children's reports, handled one at a time in arrival order. */
    readonly inbox: InboxItem[],
    /**
     * The state is the guest's: carried, or loaded from Postgres. Until then (a fresh run's first activation,
     * where an update-with-start's validator runs before the load) the balance is unknown: the validators leave
     * it to the request's turn in the loop.
     */
    public loaded: boolean,
  ) {}

  /** A run without carried state starts from Postgres (a terminated or reset guest keeps tier, stage, balance). */
  async load(): Promise<void> {
    const s = await db.loadGuestState({ guestId: this.guestId, now: nowIso() });
    // An erased guest (docs/privacy.md): the run ends at once (the loop sees `erased`), whatever started it.
    if (s.erasedAt && patched(PATCHES.guestErased.id)) this.erased = true;
    Object.assign(
      this.state,
      decide.refreshed(this.state, s),
      decide.fromRecord(this.state, s, this.workflowId),
    );
    this.loaded = true;
  }

  /** Counts a child this run started until it finishes, however it ends (its result is not needed). */
  private track(child: { result(): Promise<unknown> } | undefined): void {
    if (!child) return;
    this.ownChildrenOpen += 1;
    child
      .result()
      .catch(() => undefined)
      .finally(() => {
        this.ownChildrenOpen -= 1;
      });
  }

  // ---- one inbox item -------------------------------------------------------------------------------------

  /** The next item of the inbox: a staff request, a child's report, or a message (a bad one is a rejection). */
  async handle(item: InboxItem): Promise<void> {
    if (isStaffAction(item)) return this.handleAction(item);
    if (item.type.startsWith('staff.')) return this.handleStaff(item as StaffRequestItem);
    if (item.type === 'child.finished') return this.handleChild(item);
    const message = item as GuestMessage;
    const problem = messageProblem(message);
    if (problem) await this.reject(message, problem);
    else {
      try {
        await this.handleMessage(message);
      } catch (err) {
        await this.reject(message, rejectionOf(err));
      }
    }
    // A guest still a prospect after the message (a booking, a profile with consent) is invited, once; not on a
    // check-in: the stay makes the guest a member at check-out (the program is open).
    if (message.type !== 'stay.started' && !this.erased) this.inviteIfProspect();
    this.state.eventsHandled += 1;
  }

  private async reject(message: GuestMessage, reason: string): Promise<void> {
    const eventId = typeof message?.eventId === 'string' ? message.eventId : '(none)';
    log.warn('message rejected', { eventId, reason });
    await db.rejectEvent({ eventId, reason });
    this.state.eventsRejected += 1;
    this.state.lastError = { eventId, reason, at: nowIso() };
  }

  // ---- carrying out: the record, stages, mails ------------------------------------------------------------

  /** Takes what Postgres says (the record) into the state, in place (domain/guest-decisions.ts `refreshed`). */
  private adopt(s: GuestSnapshot): void {
    Object.assign(this.state, decide.refreshed(this.state, s));
  }

  private async refresh(): Promise<void> {
    this.adopt(await db.loadGuestState({ guestId: this.guestId, now: nowIso() }));
  }

  private async setStage(change: StageChange | null | undefined): Promise<void> {
    if (!change) return;
    const at = nowIso();
    const next = decide.stageTransition(this.state, change, at);
    if (!next) return;
    const { from, ...moved } = next;
    Object.assign(this.state, moved);
    // Keyed by the transition's number, not the time: a local activity may run again when its
    // workflow task is retried, at a later workflow time.
    const key = idempotencyKey(this.workflowId, `stage:${moved.stageChanges}:${change.to}`);
    await db.recordStage({ guestId: this.guestId, from, ...change, actor: 'workflow', at, key });
  }

  /**
   * A lifecycle mail, not awaited by the loop (in flight until delivered; the run continues as new only after).
   * Mails a stay causes go with its follow-up child instead (fewer events on the guest's history per stay).
   */
  private sendMail(order: MailOrder | null | undefined): void {
    if (!order) return;
    const { kind, vars } = order;
    const key = idempotencyKey(this.workflowId, order.key);
    if (this.withFollowUp) {
      this.withFollowUp.push({ kind, key, ...(vars ? { vars } : {}) });
      return;
    }
    this.mailsInFlight += 1;
    mail
      .sendLifecycleMail({ guestId: this.guestId, kind, key, now: nowIso(), ...(vars ? { vars } : {}) })
      // Planned for later (a mail due outside the send window): wait for its time, then deliver. Still in
      // flight meanwhile, so the run continues as new only after it.
      .then((sent) => deliverIfScheduled(planned, sent, PATCHES.mailSendWindow.id))
      .catch((err: unknown) => log.warn('lifecycle mail not sent', { kind, error: String(err) }))
      .finally(() => {
        this.mailsInFlight -= 1;
      });
  }

  /** An opted-in prospect is invited to join, an hour from now (domain/guest-decisions.ts `invitationDueAt`). */
  private inviteIfProspect(): void {
    const due = decide.invitationDueAt(this.state, Date.now());
    if (!due) return;
    this.state.invitationDueAt = due;
    this.state.agenda = { ...this.state.agenda, invitation: due };
  }

  /** A lapsed or churned guest came back: win-back cancelled, reactivated, welcome-back bonus, coupon redeemed. */
  private async reactivate(reason: string, booking?: { bookingId: string; offerCode?: string }) {
    const key = decide.welcomeBackKey(this.state);
    const running = this.state.winBack;
    if (running) {
      this.state.winBack = null;
      try {
        await getExternalWorkflowHandle(running.workflowId).cancel();
      } catch (err) {
        log.info('win-back already finished', { workflowId: running.workflowId, error: String(err) });
      }
    }
    const r = await db.reactivate({
      guestId: this.guestId,
      key: idempotencyKey(this.workflowId, key),
      now: nowIso(),
      ...(booking ? { bookingPmsId: booking.bookingId } : {}),
      ...(booking?.offerCode ? { offerCode: booking.offerCode } : {}),
    });
    await this.setStage({ to: 'reactivated', reason });
    this.sendMail(decide.welcomeBackMail(key, r.bonus));
  }

  /** Runs a year's tier review (a child) and takes its tier. */
  private async review(run: ReviewRun): Promise<void> {
    const { state, guestId, workflowId } = this;
    const { year, rerun } = run;
    const result = await executeChild(tierReview, {
      workflowId: `${workflowId}-review-${year}`,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      args: [{ guestId, year, key: idempotencyKey(workflowId, run.key), ...(rerun ? { rerun: true } : {}) }],
    });
    state.reviewedYear = Math.max(state.reviewedYear ?? year, year);
    state.tier = result.tier;
    state.tierFloor = null;
    // The result mail: sent from here, not by the child, so that it waits for the guest's send window (the review
    // runs in the night) while this loop goes on. A child from before the patch has sent it already: the same key
    // finds its row.
    const resultMail = decide.reviewResultMail(run, result);
    if (resultMail && patched(PATCHES.reviewResultInWindow.id)) this.sendMail(resultMail);
  }

  // ---- what each message, request, deadline and report does -----------------------------------------------

  private async handleMessage(message: GuestMessage): Promise<void> {
    const { state, guestId, workflowId } = this;
    switch (message.type) {
      case 'stay.completed':
        return this.handleStay(message);
      // Before their patches: a type the workflow did not know, rejected (messageProblem) with these words.
      case 'stay.amended':
        if (!patched(PATCHES.stayAmended.id))
          return this.reject(message, `unknown message type '${message.type}'`);
        return this.handleCorrection(message);
      case 'stay.cancelled':
        if (!patched(PATCHES.stayCancelled.id))
          return this.reject(message, `unknown message type '${message.type}'`);
        return this.handleCorrection(message);
      case 'stay.started':
        if (patched(PATCHES.inStayCare.id)) {
          // One child per PMS stay: a repeat or a re-driven event finds it started.
          const care = decide.inStayCareChild(this, message);
          this.track(await startChildOnce(inStayCare, { ...onceFor(care.workflowId), args: [care.input] }));
        }
        break;
      case 'booking.created': {
        const back = decide.returnsOnBooking(state);
        if (back === 'lapsed' || (back === 'churned' && patched(PATCHES.churnedBookingReactivates.id)))
          await this.reactivate('booked after lapsing', message.booking);
        else this.inviteIfProspect();
        break;
      }
      case 'profile.updated':
        await this.refresh();
        this.inviteIfProspect();
        break;
      case 'member.enrolled': {
        await this.refresh();
        const enrolment = decide.onEnrolment(state, message.channel);
        if (enrolment) {
          await this.setStage(enrolment.stage);
          this.sendMail(enrolment.mail);
          await this.refresh();
        }
        break;
      }
      case 'points.compensated':
        // Written by the case's workflow: the balance is read again.
        await this.refresh();
        break;
      case 'points.re_earned':
        // Booked by an admin's re-earn: a message type of its own, which no recorded history holds (no patch).
        await this.handleReEarn(message.stayId);
        break;
      case 'referral.rewarded':
        await this.refresh();
        this.sendMail(decide.referralBonusMail(message));
        break;
      case 'survey.answered':
        if (decide.opensServiceCase(message)) {
          const opened = await db.openSurveyCase({
            guestId,
            guestWorkflowId: workflowId,
            stayId: message.stayId,
            score: message.score,
            now: nowIso(),
          });
          // The stay's case was worked and closed already (a second answer within the link's life): no new
          // flag, which no case would ever clear, and no child, which could not start again.
          if (opened.closed && patched(PATCHES.closedSurveyCase.id)) break;
          await this.openCase(opened.caseId, 'low satisfaction score');
        }
        break;
      case 'case.opened':
        await this.openCase(message.caseId, 'open service case');
        break;
      case 'case.closed': {
        const cleared = decide.riskCleared(state, decide.caseFlag(message.caseId));
        state.riskFlags = cleared.riskFlags;
        await this.setStage(cleared.stage);
        break;
      }
      case 'guest.erased':
        if (patched(PATCHES.guestErased.id)) await this.forget(message);
        break;
      case 'booking.cancelled':
      case 'churn.reason_given':
        break;
    }
    await db.markEventHandled({ eventId: message.eventId });
  }

  // ---- privacy (docs/privacy.md) ----------------------------------------------------------------------------

  /**
   * The guest was erased (its Postgres rows are anonymised already, and the mails waiting for their send time
   * withdrawn): the children that may still run — those the erasure found (follow-ups, cases, in-stay care) and
   * the win-back this run holds — are asked to stop (each withdraws what it holds and ends cancelled; one that has
   * finished is passed over); the carried state forgets the agenda, the last stay, the flags and transitions; the
   * loop then clears the search attributes and ends the run (workflows/guest-lifecycle.ts). Ids only.
   */
  private async forget(message: GuestErasedMessage): Promise<void> {
    const children = new Set(message.childWorkflowIds);
    if (this.state.winBack) children.add(this.state.winBack.workflowId);
    for (const workflowId of children) {
      try {
        await getExternalWorkflowHandle(workflowId).cancel();
      } catch (err) {
        log.info('child not running', { workflowId, error: String(err) });
      }
    }
    Object.assign(this.state, {
      agenda: {},
      lastStay: null,
      riskFlags: [],
      recentStages: [],
      winBack: null,
      invitationDueAt: null,
      lastError: null,
    });
    this.erased = true;
  }

  /** A service case: the guest is flagged at risk until it closes, and the case's workflow starts. */
  private async openCase(caseId: string, reason: string): Promise<void> {
    const { state, guestId, workflowId } = this;
    const flagged = decide.riskFlagged(state, decide.caseFlag(caseId), reason);
    state.riskFlags = flagged.riskFlags;
    await this.setStage(flagged.stage);
    this.track(await startServiceRecovery({ guestId, guestWorkflowId: workflowId, caseId }));
  }

  private async handleReEarn(stayId: string): Promise<void> {
    const { guestId, workflowId } = this;
    const r = await db.applyReEarn({ guestId, workflowId, stayId, now: nowIso() });
    this.adopt(r.snapshot);
    const plan = decide.afterReEarn(this.state, stayId, r);
    await this.setStage(plan.stage);
    this.sendMail(plan.mail);
    if (plan.review) {
      await this.review(plan.review);
      await this.refresh();
    }
  }

  private async handleStay(message: StayCompletedMessage): Promise<void> {
    const { state, guestId, workflowId } = this;
    const mails: FollowUpMail[] = [];
    this.withFollowUp = mails;
    try {
      const before = state.stage;
      const applied = await db.applyStay({ guestId, workflowId, message, now: nowIso() });
      this.adopt(applied.snapshot);
      const plan = decide.afterStay(before, state, applied);
      if (plan.reactivate) await this.reactivate(plan.reactivate);
      await this.setStage(plan.stage);
      for (const m of plan.mails) this.sendMail(m);
      if (applied.referral) {
        const { referrerGuestId, points } = applied.referral;
        await db.tellGuest({
          guestId: referrerGuestId,
          message: decide.referralRewarded(guestId, points, nowIso()),
        });
      }
      if (plan.review) {
        await this.review(plan.review);
        await this.refresh();
      }
      // Also for a repeat: the run that recorded the stay may have ended before it started the follow-up.
      const followUp = decide.followUpChild(this, message, applied, mails);
      this.track(
        await startChildOnce(postStayFollowUp, { ...onceFor(followUp.workflowId), args: [followUp.input] }),
      );
    } finally {
      this.withFollowUp = null;
    }
  }

  /**
   * The PMS corrected or voided a stay: one local activity corrects the stay row and the ledger (and marks the
   * event handled); the carried totals follow the record. A cancelled stay's follow-up is cancelled as staff
   * cancel one (it withdraws what it still holds and ends cancelled). An amendment of a stay not yet known is
   * the completed stay with the amended values (deliveries are unordered).
   */
  private async handleCorrection(message: StayAmendedMessage | StayCancelledMessage): Promise<void> {
    const { guestId, workflowId } = this;
    const r = await db.correctStay({ guestId, workflowId, message, now: nowIso() });
    if (r.outcome === 'unknown' && message.type === 'stay.amended')
      return this.handleStay({ ...message, type: 'stay.completed' });
    this.adopt(r.snapshot);
    if (message.type === 'stay.cancelled' && r.followUpWorkflowId) {
      try {
        await getExternalWorkflowHandle(r.followUpWorkflowId).cancel();
      } catch (err) {
        log.info('follow-up not running', { workflowId: r.followUpWorkflowId, error: String(err) });
      }
    }
    const plan = decide.afterCorrection(this.state, message.eventId, {
      upgrade: r.upgrade,
      departureYear: r.departureYear,
      changed: r.outcome === 'amended' || r.outcome === 'cancelled',
    });
    await this.setStage(plan.stage);
    this.sendMail(plan.mail);
    if (plan.review) {
      await this.review(plan.review);
      await this.refresh();
    }
  }

  private async handleStaff(item: StaffRequestItem): Promise<void> {
    const { guestId, state } = this;
    const { requestId } = item;
    // Checked again at its turn: a request validated before a fresh run had loaded the balance.
    const points = item.type === 'staff.floor' ? 0 : decide.staffPoints(item);
    const short = decide.pointsShort(points, state.pointsBalance, this.inbox, false);
    if (short) {
      this.staffResults[requestId] = { error: short, type: 'InsufficientPoints' };
      return;
    }
    try {
      this.staffResults[requestId] =
        item.type === 'staff.floor'
          ? await db.setTierFloor({ guestId, requestId, tier: item.tier, now: nowIso() })
          : await db.postStaffPoints({
              guestId,
              requestId,
              kind: item.type === 'staff.redeem' ? 'redemption' : 'adjustment',
              points,
              now: nowIso(),
            });
    } catch (err) {
      this.staffResults[requestId] = staffFailure(err);
    }
    await this.refresh();
  }

  /** A deadline of the agenda has come. */
  async handleDeadline(kind: DeadlineKind): Promise<void> {
    const { state, guestId, workflowId } = this;
    const at = state.agenda[kind]!;
    if (kind === 'tierReview') await this.reviewLastYear();
    else {
      const plan = decide.atDeadline(kind, at, state, workflowId);
      Object.assign(state, plan.set);
      await this.setStage(plan.stage);
      if (plan.winBack) await this.startWinBack(plan.winBack);
      if (plan.expirePoints) {
        const key = idempotencyKey(workflowId, plan.expirePoints.key);
        const r = await db.expirePoints({ guestId, key, now: nowIso() });
        this.sendMail(decide.pointsExpiredMail(plan.expirePoints.day, r.points));
      }
      this.sendMail(plan.mail);
    }
    await this.refresh();
    // A deadline that an activity planned again for the same instant must not fire twice.
    if (state.agenda[kind] === at) delete state.agenda[kind];
  }

  /** The win-back of a lapse (or one staff start by hand): held in the state until it ends, outliving this run. */
  private async startWinBack(start: WinBackStart): Promise<void> {
    const { guestId, workflowId } = this;
    this.state.winBack = { workflowId: start.workflowId, lapsedOn: start.lapsedOn };
    this.track(
      await startChildOnce(winBack, {
        workflowId: start.workflowId,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [{ guestId, guestWorkflowId: workflowId, lapsedAt: start.lapsedAt }],
      }),
    );
  }

  /**
   * A staff action (api/guests/actions.ts, api/workflows/service.ts), checked again at its turn: its validator
   * may have run before a fresh run loaded the guest, or before an item ahead of it changed the state.
   */
  private async handleAction(item: StaffActionItem): Promise<void> {
    const { requestId } = item;
    switch (item.type) {
      case 'staff.win_back': {
        const refusal = decide.winBackStartRefusal(this.state);
        if (refusal) {
          this.staffResults[requestId] = { error: refusal.message, type: refusal.type };
          return;
        }
        const start = winBackByHand(this.workflowId, nowIso());
        await this.startWinBack(start);
        const { workflowId, lapsedOn, lapsedAt } = start;
        this.staffResults[requestId] = { workflowId, lapsedOn, lapsedAt };
        return;
      }
      case 'staff.cancel_win_back': {
        const refusal = decide.winBackCancelRefusal(this.workflowId, this.state, item.workflowId);
        if (refusal) {
          this.staffResults[requestId] = { error: refusal.message, type: refusal.type };
          return;
        }
        // Asked to stop as when the guest comes back (`reactivate`): it withdraws a mail it holds and ends
        // `cancelled` without a report; the guest stays lapsed, and may get another by hand.
        try {
          await getExternalWorkflowHandle(item.workflowId).cancel();
        } catch (err) {
          log.info('win-back not running', { workflowId: item.workflowId, error: String(err) });
          this.staffResults[requestId] = {
            error: `the win-back ${item.workflowId} is not running`,
            type: 'NotRunning',
          };
          return;
        }
        this.state.winBack = null;
        this.staffResults[requestId] = { workflowId: item.workflowId, stage: this.state.stage };
        return;
      }
      case 'staff.reload': {
        // The load step of a run without carried state, again: the record's facts, stage and open cases.
        await this.load();
        this.republish = true;
        const { stage, tier, tierFloor, pointsBalance, stays, nights, winBack: running } = this.state;
        const { lastProperty, openCases } = decide.searchFactsOf(this.state);
        this.staffResults[requestId] = {
          stage,
          tier,
          tierFloor,
          pointsBalance,
          stays,
          nights,
          lastProperty,
          openCases,
          winBack: running,
        };
        return;
      }
    }
  }

  /** The 1 January review of last year; after it the run continues as new (workflows/guest-lifecycle.ts). */
  private async reviewLastYear(): Promise<void> {
    const { state } = this;
    const year = state.reviewYear;
    const run = decide.annualReview(state);
    if (run) await this.review(run);
    state.reviewedYear = year;
    this.reviewed = true;
    this.waitsForOwnChildren = patched(PATCHES.reviewWaitsForOwnChildren.id);
    this.waitsForHeldMails = patched(PATCHES.reviewResultInWindow.id);
    await this.setStage(decide.stageAfterReview(state, year));
  }

  private async handleChild(item: Extract<InboxItem, { type: 'child.finished' }>) {
    const churned = decide.afterWinBack(item, this.state);
    if (!churned) return;
    this.state.winBack = null;
    await this.setStage(churned);
    await this.refresh();
  }
}

/** A staff request an activity refused: the answer its Update throws, or a rethrow that fails the workflow task. */
function staffFailure(err: unknown): { error: string; type: string } {
  const d = dispositionOf(err);
  if ('failTask' in d)
    throw new Error(`unexpected failure, the workflow task will be retried: ${d.failTask}`, { cause: err });
  // The ledger's own refusal keeps its type (InsufficientPoints: the API's 409).
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const insufficient = cause instanceof ApplicationFailure && cause.type === 'InsufficientPoints';
  return { error: d.reject, type: insufficient ? 'InsufficientPoints' : 'RequestFailed' };
}

/** The reason to record for a failed message, or a rethrow that fails the workflow task (workflows/failures.ts). */
function rejectionOf(err: unknown): string {
  const disposition = dispositionOf(err);
  if ('reject' in disposition) return disposition.reject;
  // Not a TemporalFailure: the SDK fails the workflow task and retries it; the run and its inbox stay.
  throw new Error(`unexpected failure, the workflow task will be retried: ${disposition.failTask}`);
}
