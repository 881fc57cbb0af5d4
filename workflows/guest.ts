/**
 * The guest: the state a guest's workflow carries and every decision it takes, in one class (after
 * samples-typescript's safe-message-handlers, whose workflow wires its handlers to a class like this one).
 * `workflows/guest-lifecycle.ts` owns the wiring, the loop, the agenda's timer and continue-as-new; this file
 * says what each inbox item and each deadline does. The rules themselves are pure `domain/` functions fed the
 * state; every write is an activity keyed in Postgres (the record), so a run that starts without carried state
 * loads the guest from there. Failure rule: workflows/failures.ts.
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
  sleep,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { LifecycleMail } from '../domain/lifecycle-mails.js';
import type { GuestSnapshot } from '../contracts/guest.js';
import { nextDeadline, type DeadlineKind } from '../domain/agenda.js';
import { followUpWorkflowId, inStayCareWorkflowId } from '../domain/ids.js';
import {
  messageProblem,
  type GuestMessage,
  type StayCompletedMessage,
  type StayStartedMessage,
} from '../domain/messages.js';
import { MAIL_DELIVERY } from '../domain/mail-timing.js';
import { baseStage, stageAfterStay, type Stage } from '../domain/stages.js';
import { isTier } from '../domain/tiers.js';
import { dispositionOf } from './failures.js';
import { startChildOnce } from './kit/start-child-once.js';
import { inStayCare } from './in-stay-care.js';
import { postStayFollowUp } from './post-stay-follow-up.js';
import { startServiceRecovery } from './service-recovery.js';
import { tierReview } from './tier-review.js';
import type {
  AdjustPointsRequest,
  GuestLifecycleState,
  GuestStateView,
  InboxItem,
  PointsMovement,
  RedeemPointsRequest,
  SetTierFloorRequest,
  StaffRequestItem,
  TierFloorResult,
} from '../contracts/guest.js';
import type { FollowUpMail } from '../contracts/follow-up.js';
import { winBack } from './win-back.js';

/** How long after becoming an opted-in prospect the invitation to join goes out. */
const INVITATION_DELAY_MS = 3_600_000;

/** Stage transitions the state (and so the `state` query) keeps; all of them are in `stage_history`. */
const RECENT_STAGES_KEPT = 10;

// Short single-transaction reads and writes: local activities, one marker each in the guest's history.
const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  // Entity work must not be lost to an outage: retry until it succeeds, backing off to a minute.
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

export function initialState(): GuestLifecycleState {
  return {
    stage: 'prospect',
    tier: 'member',
    tierFloor: null,
    enrolled: false,
    stays: 0,
    nights: 0,
    pointsBalance: 0,
    lastStay: null,
    marketingConsent: false,
    redemptionMinimum: 0,
    agenda: {},
    reviewYear: 0,
    riskFlags: [],
    reviewedYear: null,
    winBack: null,
    invitationSent: false,
    invitationDueAt: null,
    stageChanges: 0,
    recentStages: [],
    eventsHandled: 0,
    eventsRejected: 0,
    lastError: null,
  };
}

const nowIso = () => new Date(Date.now()).toISOString();

/** What a staff Update is answered with: its result, or the refusal the Update throws. */
export type StaffResult = PointsMovement | TierFloorResult | { error: string; type: string };

export class Guest {
  readonly state: GuestLifecycleState;
  /** Messages, staff requests and children's reports, handled one at a time in arrival order. */
  readonly inbox: InboxItem[];
  /** The answers to staff requests handled, by request id, until their Update takes them. */
  readonly staffResults: Record<string, StaffResult> = {};
  /** Mails sent and not yet delivered (a planned one waits for its send time): the run continues after them. */
  mailsInFlight = 0;
  /** This run has held the year's review: time to continue as new. */
  reviewed = false;
  /**
   * Children this run started that are still running (a stay's follow-up, in-stay care, a case, a win-back).
   * After a review the run continues as new only once they have finished, so that each child's completion is
   * recorded in the history of the run that started it (see `waitsForOwnChildren`).
   */
  ownChildrenOpen = 0;
  /**
   * Set at the review (`patched('review-waits-for-own-children')`; runs recorded before it continued as new at
   * once). A child that finishes after its parent run has closed has nowhere to report: Temporal drops the
   * completion, and the time-skipping test server holds its clock for a parent that will never take it, so the
   * guest's timers stop (a December stay whose 30-day follow-up outlives the 1 January review: docs/testing.md).
   */
  waitsForOwnChildren = false;
  /**
   * Set at the review (`patched('review-result-in-window')`): the review's result mail, planned in the night,
   * waits for the guest's send window. Until it (and any other mail in flight) has gone, the run goes on as
   * usual — messages, deadlines — and continues as new after it, instead of waiting with its inbox closed.
   */
  waitsForHeldMails = false;
  /**
   * The state is the guest's: carried, or loaded from Postgres. Until then (a fresh run's first activation,
   * where an update-with-start's validator runs before the load) the balance is unknown: the validators leave
   * it to the request's turn in the loop.
   */
  loaded: boolean;
  /** While a stay is handled, the mails it causes are collected for its follow-up child. */
  private withFollowUp: FollowUpMail[] | null = null;

  constructor(
    readonly guestId: string,
    readonly workflowId: string,
    carried?: { state?: GuestLifecycleState | undefined; inbox?: InboxItem[] | undefined },
  ) {
    // A state carried from an older run may lack newer fields: defaults first.
    this.state = { ...initialState(), ...carried?.state };
    this.inbox = [...(carried?.inbox ?? [])];
    this.loaded = carried?.state !== undefined;
  }

  /** The `state` query. */
  view(): GuestStateView {
    const next = nextDeadline(this.state.agenda);
    return {
      ...this.state,
      guestId: this.guestId,
      pendingEvents: this.inbox.length,
      nextDeadline: next ?? null,
    };
  }

  /** A run without carried state starts from Postgres (a terminated or reset guest keeps tier, stage, balance). */
  async load(): Promise<void> {
    const s = await db.loadGuestState({ guestId: this.guestId, now: nowIso() });
    this.adopt(s);
    this.state.stage = s.stage;
    // (A result recorded before these were loaded has none of them.)
    const more = s as Partial<{ stageChanges: number; lapsedOn: string | null; unclosedCases: string[] }>;
    if (more.stageChanges !== undefined)
      this.state.stageChanges = Math.max(this.state.stageChanges, more.stageChanges);
    if (more.lapsedOn && !this.state.winBack)
      this.state.winBack = {
        workflowId: `${this.workflowId}-winback-${more.lapsedOn}`,
        lapsedOn: more.lapsedOn,
      };
    for (const caseId of more.unclosedCases ?? [])
      if (!this.state.riskFlags.includes(`case:${caseId}`))
        this.state.riskFlags = [...this.state.riskFlags, `case:${caseId}`];
    this.loaded = true;
  }

  /**
   * A win-back or a service case runs (their timers stay with the run that started them), or, after a review, a
   * child this run started has not finished yet.
   */
  get holdsChildren(): boolean {
    return (
      this.state.winBack !== null ||
      this.state.riskFlags.some((f) => f.startsWith('case:')) ||
      (this.waitsForOwnChildren && this.ownChildrenOpen > 0) ||
      (this.waitsForHeldMails && this.mailsInFlight > 0)
    );
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

  // ---- the staff Updates' validators: synchronous, against the state; a refusal writes nothing --------------

  validateRedeem(req: RedeemPointsRequest): void {
    requireRequestId(req.requestId);
    if (!Number.isInteger(req.points) || req.points <= 0)
      throw ApplicationFailure.nonRetryable('points must be a whole number above 0', 'InvalidAmount');
    if (req.points < this.state.redemptionMinimum)
      throw ApplicationFailure.nonRetryable(
        `the program's minimum redemption is ${this.state.redemptionMinimum} points`,
        'BelowMinimum',
      );
    const short = this.loaded && this.shortOf(-req.points);
    if (short) throw ApplicationFailure.nonRetryable(short, 'InsufficientPoints');
  }

  validateAdjust(req: AdjustPointsRequest): void {
    requireRequestId(req.requestId);
    if (!Number.isInteger(req.points) || req.points === 0)
      throw ApplicationFailure.nonRetryable('points must be a whole number other than 0', 'InvalidAmount');
    const short = this.loaded && this.shortOf(req.points);
    if (short) throw ApplicationFailure.nonRetryable(short, 'InsufficientPoints');
  }

  /**
   * Why moving `points` (negative: spending) would take the balance below 0, counting what the requests waiting
   * in the inbox promise to spend; null if it does not.
   */
  private shortOf(points: number, pending = this.pendingSpend()): string | null {
    if (points >= 0) return null;
    const available = this.state.pointsBalance - pending + this.pendingCredit();
    return available + points < 0 ? `the balance is ${available} points, ${-points} were asked for` : null;
  }

  validateFloor(req: SetTierFloorRequest): void {
    requireRequestId(req.requestId);
    if (!isTier(req.tier))
      throw ApplicationFailure.nonRetryable(`unknown tier '${String(req.tier)}'`, 'UnknownTier');
  }

  /** Points a case has put on the ledger whose message waits in the inbox: the validators count them as there. */
  private pendingCredit(): number {
    return this.inbox.reduce(
      (sum, i) =>
        sum + (i.type === 'points.compensated' || i.type === 'points.re_earned' ? Math.max(0, i.points) : 0),
      0,
    );
  }

  /** Points already promised to redemptions waiting in the inbox: the validators count them as spent. */
  private pendingSpend(): number {
    return this.inbox.reduce(
      (sum, i) =>
        sum +
        (i.type === 'staff.redeem' || (i.type === 'staff.adjust' && i.points < 0) ? Math.abs(i.points) : 0),
      0,
    );
  }

  // ---- one inbox item -------------------------------------------------------------------------------------

  /** The next item of the inbox: a staff request, a child's report, or a message (a bad one is a rejection). */
  async handle(item: InboxItem): Promise<void> {
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
    if (message.type !== 'stay.started') this.inviteIfProspect();
    this.state.eventsHandled += 1;
  }

  private async reject(message: GuestMessage, reason: string): Promise<void> {
    const eventId = typeof message?.eventId === 'string' ? message.eventId : '(none)';
    log.warn('message rejected', { eventId, reason });
    await db.rejectEvent({ eventId, reason });
    this.state.eventsRejected += 1;
    this.state.lastError = { eventId, reason, at: nowIso() };
  }

  // ---- what each message, request, deadline and report does -----------------------------------------------

  /** Takes what Postgres says (the record) into the state, in place. */
  private adopt(s: GuestSnapshot): void {
    const { state } = this;
    let agenda = state.invitationDueAt ? { ...s.agenda, invitation: state.invitationDueAt } : s.agenda;
    let reviewYear = s.reviewYear;
    // A review whose moment came while a message was being handled (its timer and the message at the same
    // instant) has not run: Postgres plans the next year's, the workflow keeps this one due.
    const reviewDue =
      state.agenda.tierReview !== undefined &&
      state.reviewYear > 0 &&
      s.reviewYear > state.reviewYear &&
      (state.reviewedYear ?? 0) < state.reviewYear;
    if (reviewDue) {
      agenda = { ...agenda, tierReview: state.agenda.tierReview! };
      reviewYear = state.reviewYear;
    }
    Object.assign(state, {
      tier: s.tier,
      tierFloor: s.tierFloor,
      enrolled: s.enrolled,
      stays: s.stays,
      nights: s.nights,
      pointsBalance: s.pointsBalance,
      lastStay: s.lastStay,
      marketingConsent: s.marketingConsent,
      redemptionMinimum: s.redemptionMinimum,
      // The invitation is the workflow's own deadline; the rest of the agenda comes from Postgres.
      agenda,
      reviewYear,
    });
  }

  private async refresh(): Promise<void> {
    this.adopt(await db.loadGuestState({ guestId: this.guestId, now: nowIso() }));
  }

  private async setStage(to: Stage, reason: string): Promise<void> {
    const { state, guestId } = this;
    if (state.stage === to) return;
    const from = state.stage;
    state.stage = to;
    state.stageChanges += 1;
    state.recentStages = [...state.recentStages, { from, to, reason, at: nowIso() }].slice(
      -RECENT_STAGES_KEPT,
    );
    // Keyed by the transition's number, not the time: a local activity may run again when its
    // workflow task is retried, at a later workflow time.
    await db.recordStage({
      guestId,
      from,
      to,
      reason,
      actor: 'workflow',
      at: nowIso(),
      key: `${this.workflowId}:stage:${state.stageChanges}:${to}`,
    });
  }

  /**
   * A lifecycle mail, not awaited by the loop (in flight until delivered; the run continues as new only after).
   * Mails a stay causes go with its follow-up child instead (fewer events on the guest's history per stay).
   */
  private sendMail(kind: LifecycleMail, key: string, vars?: Record<string, string | number | boolean>): void {
    this.sendMailKeyed(kind, `${this.workflowId}:${key}`, vars);
  }

  /** `sendMail` with the full idempotency key. */
  private sendMailKeyed(
    kind: LifecycleMail,
    key: string,
    vars?: Record<string, string | number | boolean>,
  ): void {
    const { guestId } = this;
    if (this.withFollowUp) {
      this.withFollowUp.push({ kind, key, ...(vars ? { vars } : {}) });
      return;
    }
    this.mailsInFlight += 1;
    mail
      .sendLifecycleMail({
        guestId,
        kind,
        key,
        now: nowIso(),
        ...(vars ? { vars } : {}),
      })
      .then(async (sent) => {
        // Planned for later (a marketing mail due outside the send window): wait for its time, then deliver.
        // Still in flight meanwhile, so the run continues as new only after it.
        if (sent.status === 'scheduled' && patched('mail-send-window')) {
          const wait = Date.parse(sent.sendAt) - Date.now();
          if (wait > 0) await sleep(wait);
          await planned.deliverPlannedMail({ outboxId: sent.outboxId });
        }
      })
      .catch((err: unknown) => log.warn('lifecycle mail not sent', { kind, error: String(err) }))
      .finally(() => {
        this.mailsInFlight -= 1;
      });
  }

  /**
   * An opted-in prospect is invited to join, an hour after the message that made them one: a stay or an
   * enrolment arriving with the profile (PMS events come unordered) makes the invitation moot.
   */
  private inviteIfProspect(): void {
    const { state } = this;
    if (
      state.stage === 'prospect' &&
      state.marketingConsent &&
      !state.invitationSent &&
      !state.invitationDueAt
    ) {
      state.invitationDueAt = new Date(Date.now() + INVITATION_DELAY_MS).toISOString();
      state.agenda = { ...state.agenda, invitation: state.invitationDueAt };
    }
  }

  private async endWinBack(): Promise<void> {
    const running = this.state.winBack;
    if (!running) return;
    this.state.winBack = null;
    try {
      await getExternalWorkflowHandle(running.workflowId).cancel();
    } catch (err) {
      log.info('win-back already finished', { workflowId: running.workflowId, error: String(err) });
    }
  }

  /** A lapsed or churned guest came back: reactivated, welcome-back bonus, coupon redeemed. */
  private async reactivate(
    reason: string,
    booking?: { bookingId: string; offerCode?: string },
  ): Promise<void> {
    // Each return its own bonus and mail: the lapse day of the win-back, or, once it is over (churned), the
    // stage change that ends this absence (a second return after a second churn is another key).
    const lapse = this.state.winBack?.lapsedOn ?? `${this.state.stage}-${this.state.stageChanges}`;
    await this.endWinBack();
    const r = await db.reactivate({
      guestId: this.guestId,
      key: `${this.workflowId}:welcome-back:${lapse}`,
      now: nowIso(),
      ...(booking ? { bookingPmsId: booking.bookingId } : {}),
      ...(booking?.offerCode ? { offerCode: booking.offerCode } : {}),
    });
    await this.setStage('reactivated', reason);
    this.sendMail('welcome-back', `welcome-back:${lapse}`, { bonusPoints: r.bonus });
  }

  private async reviewYearOf(year: number, key: string, childId: string, rerun = false): Promise<void> {
    const result = await executeChild(tierReview, {
      workflowId: childId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      args: [{ guestId: this.guestId, year, key, ...(rerun ? { rerun: true } : {}) }],
    });
    const { state } = this;
    state.reviewedYear = Math.max(state.reviewedYear ?? year, year);
    state.tier = result.tier;
    state.tierFloor = null;
    // The result mail (a re-run's only when the tier changed): sent from here, not by the child, so that it
    // waits for the guest's send window (the review runs in the night) while this loop goes on. A child from
    // before the patch has sent it already: the same key finds its row.
    if ((!rerun || result.tier !== result.previousTier) && patched('review-result-in-window')) {
      this.sendMailKeyed('tier-review-result', `${key}:mail`, {
        year,
        tier: result.tier,
        previousTier: result.previousTier,
        outcome: result.outcome,
      });
    }
  }

  private async handleMessage(message: GuestMessage): Promise<void> {
    const { state, guestId, workflowId } = this;
    switch (message.type) {
      case 'stay.completed':
        return this.handleStay(message);
      case 'stay.started':
        if (patched('in-stay-care')) await this.startInStayCare(message);
        break;
      case 'booking.created':
        if (
          state.winBack ||
          state.stage === 'lapsed' ||
          (state.stage === 'churned' && patched('churned-booking-reactivates'))
        ) {
          await this.reactivate('booked after lapsing', message.booking);
        } else this.inviteIfProspect();
        break;
      case 'profile.updated':
        await this.refresh();
        this.inviteIfProspect();
        break;
      case 'member.enrolled':
        await this.refresh();
        if (state.stage === 'prospect') {
          await this.setStage('member', `enrolled (${message.channel})`);
          this.sendMail('welcome-member', 'welcome-member');
          await this.refresh();
        }
        break;
      case 'points.compensated':
        // Written by the case's workflow: the balance is read again.
        await this.refresh();
        break;
      case 'points.re_earned':
        // Booked by an admin's re-earn (api/program/service.ts): the balance is read again, and the stay's base
        // points count toward its year, which may cross a tier (an upgrade, as a stay's) or change a year already
        // reviewed (its review runs again, as for a late stay). A message type of its own, which no recorded
        // history holds: no patch needed.
        await this.handleReEarn(message.stayId);
        break;
      case 'referral.rewarded':
        await this.refresh();
        this.sendMail('referral-bonus', `referral-bonus:${message.referredGuestId}`, {
          points: message.points,
        });
        break;
      case 'survey.answered':
        // A low score or "would not return" opens a service case (one per stay) and marks the guest at risk.
        if (message.score <= 2 || message.wouldReturn === 'no') {
          const opened = await db.openSurveyCase({
            guestId,
            guestWorkflowId: workflowId,
            stayId: message.stayId,
            score: message.score,
            now: nowIso(),
          });
          // The stay's case was worked and closed already (a second answer within the link's life): no new
          // flag, which no case would ever clear, and no child, which could not start again.
          if (opened.closed && patched('closed-survey-case')) break;
          await this.flagRisk(`case:${opened.caseId}`, 'low satisfaction score');
          this.track(
            await startServiceRecovery({ guestId, guestWorkflowId: workflowId, caseId: opened.caseId }),
          );
        }
        break;
      case 'case.opened':
        await this.flagRisk(`case:${message.caseId}`, 'open service case');
        this.track(
          await startServiceRecovery({ guestId, guestWorkflowId: workflowId, caseId: message.caseId }),
        );
        break;
      case 'case.closed':
        await this.clearRisk(`case:${message.caseId}`);
        break;
      case 'booking.cancelled':
      case 'churn.reason_given':
        break;
    }
    await db.markEventHandled({ eventId: message.eventId });
  }

  private async flagRisk(flag: string, reason: string) {
    const { state } = this;
    if (!state.riskFlags.includes(flag)) state.riskFlags = [...state.riskFlags, flag];
    if (state.stage !== 'lapsed' && state.stage !== 'churned' && state.stage !== 'prospect')
      await this.setStage('at_risk', reason);
  }

  private async clearRisk(flag: string) {
    const { state } = this;
    state.riskFlags = state.riskFlags.filter((f) => f !== flag);
    if (state.riskFlags.length === 0 && state.stage === 'at_risk') {
      await this.setStage(
        baseStage({ enrolled: true, totalStays: state.stays, tier: state.tier }),
        flag.startsWith('case:') ? 'service case closed' : `${flag} cleared`,
      );
    }
  }

  private async handleReEarn(stayId: string): Promise<void> {
    const { state, guestId, workflowId } = this;
    const r = await db.applyReEarn({ guestId, workflowId, stayId, now: nowIso() });
    this.adopt(r.snapshot);
    if (r.upgrade) {
      if (state.stage === 'member' || state.stage === 'regular')
        await this.setStage(
          baseStage({ enrolled: true, totalStays: state.stays, tier: state.tier }),
          `tier ${r.upgrade.tier} by a re-earned stay`,
        );
      this.sendMail('tier-upgrade', `tier-upgrade:${r.upgrade.tier}:re-earn-${stayId}`);
    }
    if (r.departureYear !== null && state.reviewedYear !== null && r.departureYear <= state.reviewedYear) {
      await this.reviewYearOf(
        r.departureYear,
        `${workflowId}:tier-review:${r.departureYear}:after-re-earn:${stayId}`,
        `${workflowId}-review-${r.departureYear}`,
        true,
      );
      await this.refresh();
    }
  }

  private async handleStay(message: StayCompletedMessage): Promise<void> {
    this.withFollowUp = [];
    try {
      await this.handleStayWithMails(message);
    } finally {
      this.withFollowUp = null;
    }
  }

  private async handleStayWithMails(message: StayCompletedMessage): Promise<void> {
    const { state, guestId, workflowId } = this;
    const before = state.stage;
    const applied = await db.applyStay({ guestId, workflowId, message, now: nowIso() });
    this.adopt(applied.snapshot);
    if (before === 'lapsed' || before === 'churned' || state.winBack) {
      await this.reactivate('stayed after lapsing');
    } else {
      await this.setStage(
        stageAfterStay({ current: before, totalStays: state.stays, tier: state.tier }),
        before === 'prospect' ? 'first stay (the program is open)' : `stay ${state.stays}`,
      );
    }
    if (applied.enrolledNow && before === 'prospect') this.sendMail('welcome-member', 'welcome-member');
    if (applied.upgrade)
      this.sendMail('tier-upgrade', `tier-upgrade:${applied.upgrade.tier}:${applied.stayId}`);
    if (applied.referral) {
      await db.tellGuest({
        guestId: applied.referral.referrerGuestId,
        message: {
          type: 'referral.rewarded',
          eventId: `referral:${guestId}`,
          source: 'workflow',
          occurredAt: nowIso(),
          referredGuestId: guestId,
          points: applied.referral.points,
        },
      });
    }
    // A stay of a year already reviewed (reported late) re-runs that year's review.
    if (state.reviewedYear !== null && applied.departureYear <= state.reviewedYear) {
      await this.reviewYearOf(
        applied.departureYear,
        `${workflowId}:tier-review:${applied.departureYear}:after:${applied.stayId}`,
        `${workflowId}-review-${applied.departureYear}`,
        true,
      );
      await this.refresh();
    }
    // Also for a repeat: the run that recorded the stay may have ended before it started the follow-up.
    this.track(
      await startChildOnce(postStayFollowUp, {
        workflowId: followUpWorkflowId(guestId, applied.stayId),
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: [
          {
            guestId,
            guestWorkflowId: workflowId,
            stayId: applied.stayId,
            checkedOutAt: message.occurredAt,
            delayMinutes: applied.settings.thankYouDelayMinutes,
            maxAgeDays: applied.settings.thankYouMaxAgeDays,
            stay: {
              propertyCode: message.stay.propertyCode,
              arrival: message.stay.arrival,
              departure: message.stay.departure,
              nights: message.stay.nights,
            },
            pointsEarned: applied.pointsEarned + applied.bonusPoints,
            pointsBalance: applied.balanceAfter,
            ...(this.withFollowUp && this.withFollowUp.length > 0 ? { mails: this.withFollowUp } : {}),
          },
        ],
      }),
    );
  }

  /** The check-in's in-stay care: one child per PMS stay (a repeat or a re-driven event finds it started). */
  private async startInStayCare(message: StayStartedMessage): Promise<void> {
    const { guestId, workflowId } = this;
    this.track(
      await startChildOnce(inStayCare, {
        workflowId: inStayCareWorkflowId(guestId, message.stay.pmsStayId),
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: [
          {
            guestId,
            guestWorkflowId: workflowId,
            source: message.source,
            pmsStayId: message.stay.pmsStayId,
            propertyCode: message.stay.propertyCode,
            checkedInAt: message.occurredAt,
          },
        ],
      }),
    );
  }

  private async handleStaff(item: StaffRequestItem): Promise<void> {
    const { guestId } = this;
    try {
      // Checked again at its turn: a request validated before a fresh run had loaded the balance.
      if (item.type !== 'staff.floor') {
        const short = this.shortOf(item.type === 'staff.redeem' ? -item.points : item.points, 0);
        if (short) {
          this.staffResults[item.requestId] = { error: short, type: 'InsufficientPoints' };
          return;
        }
      }
      if (item.type === 'staff.floor') {
        const r = await db.setTierFloor({
          guestId,
          requestId: item.requestId,
          tier: item.tier,
          now: nowIso(),
        });
        this.staffResults[item.requestId] = r;
      } else {
        const r = await db.postStaffPoints({
          guestId,
          requestId: item.requestId,
          kind: item.type === 'staff.redeem' ? 'redemption' : 'adjustment',
          points: item.type === 'staff.redeem' ? -item.points : item.points,
          now: nowIso(),
        });
        this.staffResults[item.requestId] = r;
      }
    } catch (err) {
      const d = dispositionOf(err);
      if ('failTask' in d)
        throw new Error(`unexpected failure, the workflow task will be retried: ${d.failTask}`, {
          cause: err,
        });
      // The ledger's own refusal keeps its type (InsufficientPoints: the API's 409).
      const cause = err instanceof ActivityFailure ? err.cause : err;
      const type =
        cause instanceof ApplicationFailure && cause.type === 'InsufficientPoints'
          ? cause.type
          : 'RequestFailed';
      this.staffResults[item.requestId] = { error: d.reject, type };
    }
    await this.refresh();
  }

  /** A deadline of the agenda has come. */
  async handleDeadline(kind: DeadlineKind): Promise<void> {
    const { state, guestId, workflowId } = this;
    const at = state.agenda[kind]!;
    const day = at.slice(0, 10);
    switch (kind) {
      case 'tierReview': {
        const year = state.reviewYear;
        if (state.tier !== 'member' || state.tierFloor) {
          await this.reviewYearOf(year, `${workflowId}:tier-review:${year}`, `${workflowId}-review-${year}`);
        }
        state.reviewedYear = year;
        this.reviewed = true;
        this.waitsForOwnChildren = patched('review-waits-for-own-children');
        this.waitsForHeldMails = patched('review-result-in-window');
        if (state.stage === 'vip' || state.stage === 'regular') {
          await this.setStage(
            baseStage({ enrolled: true, totalStays: state.stays, tier: state.tier }),
            `tier review ${year}`,
          );
        }
        break;
      }
      case 'atRisk':
        await this.setStage('at_risk', 'no stay for 9 months');
        break;
      case 'lapse': {
        await this.setStage('lapsed', 'no stay for 12 months');
        const child = `${workflowId}-winback-${day}`;
        state.winBack = { workflowId: child, lapsedOn: day };
        this.track(
          await startChildOnce(winBack, {
            workflowId: child,
            parentClosePolicy: ParentClosePolicy.ABANDON,
            args: [{ guestId, guestWorkflowId: workflowId, lapsedAt: at }],
          }),
        );
        break;
      }
      case 'firstYearReminder':
        if (state.stays <= 1) {
          await this.setStage('at_risk', 'a single stay, first anniversary in 3 months');
          this.sendMail('first-year-come-back', `first-year:${day}`);
        } else this.sendMail('first-year-reminder', `first-year:${day}`);
        break;
      case 'tierKeepReminder':
        this.sendMail('tier-keep-reminder', `tier-keep:${day}`);
        break;
      case 'pointsExpiryWarning':
        this.sendMail('points-expiry-warning', `points-expiry-warning:${day}`);
        break;
      case 'pointsExpiry': {
        const r = await db.expirePoints({
          guestId,
          key: `${workflowId}:points-expiry:${day}`,
          now: nowIso(),
        });
        if (r.points > 0) this.sendMail('points-expired', `points-expired:${day}`, { points: r.points });
        break;
      }
      case 'birthday':
        this.sendMail('birthday-greeting', `birthday:${day}`);
        break;
      case 'invitation':
        state.invitationDueAt = null;
        if (state.stage === 'prospect' && state.marketingConsent && !state.invitationSent) {
          state.invitationSent = true;
          this.sendMail('enrolment-invitation', 'enrolment-invitation');
        }
        break;
    }
    await this.refresh();
    // A deadline that an activity planned again for the same instant must not fire twice.
    if (state.agenda[kind] === at) delete state.agenda[kind];
  }

  private async handleChild(item: Extract<InboxItem, { type: 'child.finished' }>) {
    const { state } = this;
    if (item.kind === 'winBack' && item.outcome === 'churned' && state.stage === 'lapsed') {
      state.winBack = null;
      await this.setStage('churned', 'no answer to three win-back offers');
      await this.refresh();
    }
  }
}

function requireRequestId(id: unknown) {
  if (typeof id !== 'string' || id.length === 0)
    throw ApplicationFailure.nonRetryable('requestId is required', 'RequestIdRequired');
}

/** The reason to record for a failed message, or a rethrow that fails the workflow task (workflows/failures.ts). */
function rejectionOf(err: unknown): string {
  const disposition = dispositionOf(err);
  if ('reject' in disposition) return disposition.reject;
  // Not a TemporalFailure: the SDK fails the workflow task and retries it; the run and its inbox stay.
  throw new Error(`unexpected failure, the workflow task will be retried: ${disposition.failTask}`);
}
