/**
 * The guest's entity workflow (ID `guest-<guestId>`), after samples-typescript's
 * safe-message-handlers. Read it top to bottom:
 *
 * 1. Wiring: the one signal pushes a GuestMessage onto the inbox; the staff
 *    Updates validate synchronously against the state and push a request onto
 *    the same inbox; children report by signal onto it too. The `state` query
 *    shows everything.
 * 2. A run without carried state loads the guest from Postgres.
 * 3. The loop waits for the inbox or the next deadline of the agenda (one
 *    timer: `condition(fn, ms)`), handles one item, and continues-as-new after
 *    each annual review, when the server suggests it, or after
 *    `maxEventsPerRun` items — always after `allHandlersFinished`.
 *
 * The guest's decisions are pure `domain/` rules; every write is an activity
 * keyed in Postgres. Failure rule: see workflows/failures.ts.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import type { GuestSnapshot, LifecycleMail } from '../activities/lifecycle.js';
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
import {
  adjustPointsUpdate,
  childFinishedSignal,
  guestMessageSignal,
  redeemPointsUpdate,
  setTierFloorUpdate,
  stateQuery,
} from './messages.js';
import { inStayCare } from './in-stay-care.js';
import { postStayFollowUp } from './post-stay-follow-up.js';
import { startServiceRecovery } from './service-recovery.js';
import { tierReview } from './tier-review.js';
import type {
  AdjustPointsRequest,
  FollowUpMail,
  GuestLifecycleInput,
  GuestLifecycleState,
  GuestStateView,
  InboxItem,
  PointsMovement,
  RedeemPointsRequest,
  SetTierFloorRequest,
  StaffRequestItem,
  TierFloorResult,
} from './types.js';
import { winBack } from './win-back.js';

export type { GuestLifecycleInput, GuestLifecycleState } from './types.js';

/** Continue-as-new after this many items even if the server has not suggested it yet. */
export const EVENTS_PER_RUN = 500;

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

export async function guestLifecycle(input: GuestLifecycleInput): Promise<void> {
  const { guestId } = input;
  const { workflowId } = workflowInfo();
  const inbox: InboxItem[] = [...(input.inbox ?? [])];
  const staffResults: Record<string, PointsMovement | TierFloorResult | { error: string; type: string }> = {};
  // A state carried from an older run may lack newer fields: defaults first.
  let state: GuestLifecycleState = { ...initialState(), ...input.state };
  let handledThisRun = 0;
  let mailsInFlight = 0;
  let reviewed = false;

  // ---- 1. wiring ----------------------------------------------------------------------------------
  setHandler(guestMessageSignal, (message) => {
    inbox.push(message);
  });
  setHandler(childFinishedSignal, (finished) => {
    inbox.push({ type: 'child.finished', ...finished });
  });
  setHandler(stateQuery, (): GuestStateView => {
    const next = nextDeadline(state.agenda);
    return { ...state, guestId, pendingEvents: inbox.length, nextDeadline: next ?? null };
  });

  /** Points already promised to redemptions waiting in the inbox: the validator counts them as spent. */
  const pendingSpend = () =>
    inbox.reduce(
      (sum, i) =>
        sum +
        (i.type === 'staff.redeem' || (i.type === 'staff.adjust' && i.points < 0) ? Math.abs(i.points) : 0),
      0,
    );
  const awaitResult = async <T>(item: StaffRequestItem): Promise<T> => {
    inbox.push(item);
    await condition(() => staffResults[item.requestId] !== undefined);
    const result = staffResults[item.requestId]!;
    delete staffResults[item.requestId];
    if ('error' in result) throw ApplicationFailure.nonRetryable(result.error, result.type);
    return result as T;
  };

  setHandler(
    redeemPointsUpdate,
    (req) =>
      awaitResult<PointsMovement>({ type: 'staff.redeem', requestId: req.requestId, points: req.points }),
    {
      validator: (req: RedeemPointsRequest) => {
        requireRequestId(req.requestId);
        if (!Number.isInteger(req.points) || req.points <= 0)
          throw ApplicationFailure.nonRetryable('points must be a whole number above 0', 'InvalidAmount');
        if (req.points < state.redemptionMinimum)
          throw ApplicationFailure.nonRetryable(
            `the program's minimum redemption is ${state.redemptionMinimum} points`,
            'BelowMinimum',
          );
        const available = state.pointsBalance - pendingSpend();
        if (req.points > available)
          throw ApplicationFailure.nonRetryable(
            `the balance is ${available} points, ${req.points} were asked for`,
            'InsufficientPoints',
          );
      },
    },
  );
  setHandler(
    adjustPointsUpdate,
    (req) =>
      awaitResult<PointsMovement>({ type: 'staff.adjust', requestId: req.requestId, points: req.points }),
    {
      validator: (req: AdjustPointsRequest) => {
        requireRequestId(req.requestId);
        if (!Number.isInteger(req.points) || req.points === 0)
          throw ApplicationFailure.nonRetryable(
            'points must be a whole number other than 0',
            'InvalidAmount',
          );
        if (state.pointsBalance - pendingSpend() + req.points < 0)
          throw ApplicationFailure.nonRetryable(
            'an adjustment cannot take the balance below 0',
            'InsufficientPoints',
          );
      },
    },
  );
  setHandler(
    setTierFloorUpdate,
    (req) => awaitResult<TierFloorResult>({ type: 'staff.floor', requestId: req.requestId, tier: req.tier }),
    {
      validator: (req: SetTierFloorRequest) => {
        requireRequestId(req.requestId);
        if (!isTier(req.tier))
          throw ApplicationFailure.nonRetryable(`unknown tier '${String(req.tier)}'`, 'UnknownTier');
      },
    },
  );

  // ---- helpers the handlers below share -----------------------------------------------------------
  const adopt = (s: GuestSnapshot) => {
    state = {
      ...state,
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
      agenda: state.invitationDueAt ? { ...s.agenda, invitation: state.invitationDueAt } : s.agenda,
      reviewYear: s.reviewYear,
    };
  };
  const refresh = async () => adopt(await db.loadGuestState({ guestId, now: nowIso() }));

  const setStage = async (to: Stage, reason: string) => {
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
      key: `${workflowId}:stage:${state.stageChanges}:${to}`,
    });
  };

  /** Mails a stay causes go with its follow-up child (fewer events on the guest's history per stay). */
  let withFollowUp: FollowUpMail[] | null = null;
  const sendMail = (kind: LifecycleMail, key: string, vars?: Record<string, string | number | boolean>) => {
    if (withFollowUp) {
      withFollowUp.push({ kind, key: `${workflowId}:${key}`, ...(vars ? { vars } : {}) });
      return;
    }
    mailsInFlight += 1;
    mail
      .sendLifecycleMail({
        guestId,
        kind,
        key: `${workflowId}:${key}`,
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
        mailsInFlight -= 1;
      });
  };

  /**
   * An opted-in prospect is invited to join, an hour after the message that made them one: a stay or an
   * enrolment arriving with the profile (PMS events come unordered) makes the invitation moot.
   */
  const inviteIfProspect = () => {
    if (
      state.stage === 'prospect' &&
      state.marketingConsent &&
      !state.invitationSent &&
      !state.invitationDueAt
    ) {
      state.invitationDueAt = new Date(Date.now() + INVITATION_DELAY_MS).toISOString();
      state.agenda = { ...state.agenda, invitation: state.invitationDueAt };
    }
  };

  const endWinBack = async () => {
    const running = state.winBack;
    if (!running) return;
    state.winBack = null;
    try {
      await getExternalWorkflowHandle(running.workflowId).cancel();
    } catch (err) {
      log.info('win-back already finished', { workflowId: running.workflowId, error: String(err) });
    }
  };

  /** A lapsed or churned guest came back: reactivated, welcome-back bonus, coupon redeemed. */
  const reactivate = async (reason: string, booking?: { bookingId: string; offerCode?: string }) => {
    const lapse = state.winBack?.lapsedOn ?? state.stage;
    await endWinBack();
    const r = await db.reactivate({
      guestId,
      key: `${workflowId}:welcome-back:${lapse}`,
      now: nowIso(),
      ...(booking ? { bookingPmsId: booking.bookingId } : {}),
      ...(booking?.offerCode ? { offerCode: booking.offerCode } : {}),
    });
    await setStage('reactivated', reason);
    sendMail('welcome-back', `welcome-back:${lapse}`, { bonusPoints: r.bonus });
  };

  const reviewYearOf = async (year: number, key: string, childId: string, rerun = false) => {
    const result = await executeChild(tierReview, {
      workflowId: childId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      args: [{ guestId, year, key, ...(rerun ? { rerun: true } : {}) }],
    });
    state.reviewedYear = Math.max(state.reviewedYear ?? year, year);
    state.tier = result.tier;
    state.tierFloor = null;
  };

  // ---- the items ----------------------------------------------------------------------------------
  async function handleMessage(message: GuestMessage): Promise<void> {
    switch (message.type) {
      case 'stay.completed':
        return handleStay(message);
      case 'stay.started':
        if (patched('in-stay-care')) await startInStayCare(message);
        break;
      case 'booking.created':
        if (state.winBack || state.stage === 'lapsed') {
          await reactivate('booked after lapsing', message.booking);
        } else inviteIfProspect();
        break;
      case 'profile.updated':
        await refresh();
        inviteIfProspect();
        break;
      case 'member.enrolled':
        await refresh();
        if (state.stage === 'prospect') {
          await setStage('member', `enrolled (${message.channel})`);
          sendMail('welcome-member', 'welcome-member');
          await refresh();
        }
        break;
      case 'referral.rewarded':
        await refresh();
        sendMail('referral-bonus', `referral-bonus:${message.referredGuestId}`, { points: message.points });
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
          await flagRisk(`case:${opened.caseId}`, 'low satisfaction score');
          await startServiceRecovery({ guestId, guestWorkflowId: workflowId, caseId: opened.caseId });
        }
        break;
      case 'case.opened':
        await flagRisk(`case:${message.caseId}`, 'open service case');
        await startServiceRecovery({ guestId, guestWorkflowId: workflowId, caseId: message.caseId });
        break;
      case 'case.closed':
        await clearRisk(`case:${message.caseId}`);
        break;
      case 'booking.cancelled':
      case 'churn.reason_given':
        break;
    }
    await db.markEventHandled({ eventId: message.eventId });
  }

  async function flagRisk(flag: string, reason: string) {
    if (!state.riskFlags.includes(flag)) state.riskFlags = [...state.riskFlags, flag];
    if (state.stage !== 'lapsed' && state.stage !== 'churned' && state.stage !== 'prospect')
      await setStage('at_risk', reason);
  }

  async function clearRisk(flag: string) {
    state.riskFlags = state.riskFlags.filter((f) => f !== flag);
    if (state.riskFlags.length === 0 && state.stage === 'at_risk') {
      await setStage(
        baseStage({ enrolled: true, totalStays: state.stays, tier: state.tier }),
        `${flag} closed`,
      );
    }
  }

  async function handleStay(message: StayCompletedMessage): Promise<void> {
    withFollowUp = [];
    try {
      await handleStayWithMails(message);
    } finally {
      withFollowUp = null;
    }
  }

  async function handleStayWithMails(message: StayCompletedMessage): Promise<void> {
    const before = state.stage;
    const applied = await db.applyStay({ guestId, workflowId, message, now: nowIso() });
    adopt(applied.snapshot);
    if (before === 'lapsed' || before === 'churned' || state.winBack) {
      await reactivate('stayed after lapsing');
    } else {
      await setStage(
        stageAfterStay({ current: before, totalStays: state.stays, tier: state.tier }),
        before === 'prospect' ? 'first stay (the program is open)' : `stay ${state.stays}`,
      );
    }
    if (applied.enrolledNow && before === 'prospect') sendMail('welcome-member', 'welcome-member');
    if (applied.upgrade) sendMail('tier-upgrade', `tier-upgrade:${applied.upgrade.tier}:${applied.stayId}`);
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
      await reviewYearOf(
        applied.departureYear,
        `${workflowId}:tier-review:${applied.departureYear}:after:${applied.stayId}`,
        `${workflowId}-review-${applied.departureYear}`,
        true,
      );
      await refresh();
    }
    // Also for a repeat: the run that recorded the stay may have ended before it started the follow-up.
    try {
      await startChild(postStayFollowUp, {
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
            ...(withFollowUp && withFollowUp.length > 0 ? { mails: withFollowUp } : {}),
          },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      log.info('follow-up already started', { stayId: applied.stayId });
    }
  }

  /** The check-in's in-stay care: one child per PMS stay (a repeat or a re-driven event finds it started). */
  async function startInStayCare(message: StayStartedMessage): Promise<void> {
    try {
      await startChild(inStayCare, {
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
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      log.info('in-stay care already started', { pmsStayId: message.stay.pmsStayId });
    }
  }

  async function handleStaff(item: StaffRequestItem): Promise<void> {
    try {
      if (item.type === 'staff.floor') {
        const r = await db.setTierFloor({
          guestId,
          requestId: item.requestId,
          tier: item.tier,
          now: nowIso(),
        });
        staffResults[item.requestId] = r;
      } else {
        const r = await db.postStaffPoints({
          guestId,
          requestId: item.requestId,
          kind: item.type === 'staff.redeem' ? 'redemption' : 'adjustment',
          points: item.type === 'staff.redeem' ? -item.points : item.points,
          now: nowIso(),
        });
        staffResults[item.requestId] = r;
      }
    } catch (err) {
      const d = dispositionOf(err);
      if ('failTask' in d)
        throw new Error(`unexpected failure, the workflow task will be retried: ${d.failTask}`, {
          cause: err,
        });
      staffResults[item.requestId] = { error: d.reject, type: 'RequestFailed' };
    }
    await refresh();
  }

  async function handleDeadline(kind: DeadlineKind): Promise<void> {
    const at = state.agenda[kind]!;
    const day = at.slice(0, 10);
    switch (kind) {
      case 'tierReview': {
        const year = state.reviewYear;
        if (state.tier !== 'member' || state.tierFloor) {
          await reviewYearOf(year, `${workflowId}:tier-review:${year}`, `${workflowId}-review-${year}`);
        }
        state.reviewedYear = year;
        reviewed = true;
        if (state.stage === 'vip' || state.stage === 'regular') {
          await setStage(
            baseStage({ enrolled: true, totalStays: state.stays, tier: state.tier }),
            `tier review ${year}`,
          );
        }
        break;
      }
      case 'atRisk':
        await setStage('at_risk', 'no stay for 9 months');
        break;
      case 'lapse': {
        await setStage('lapsed', 'no stay for 12 months');
        const child = `${workflowId}-winback-${day}`;
        state.winBack = { workflowId: child, lapsedOn: day };
        try {
          await startChild(winBack, {
            workflowId: child,
            parentClosePolicy: ParentClosePolicy.ABANDON,
            args: [{ guestId, guestWorkflowId: workflowId, lapsedAt: at }],
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
        break;
      }
      case 'firstYearReminder':
        if (state.stays <= 1) {
          await setStage('at_risk', 'a single stay, first anniversary in 3 months');
          sendMail('first-year-come-back', `first-year:${day}`);
        } else sendMail('first-year-reminder', `first-year:${day}`);
        break;
      case 'tierKeepReminder':
        sendMail('tier-keep-reminder', `tier-keep:${day}`);
        break;
      case 'pointsExpiryWarning':
        sendMail('points-expiry-warning', `points-expiry-warning:${day}`);
        break;
      case 'pointsExpiry': {
        const r = await db.expirePoints({
          guestId,
          key: `${workflowId}:points-expiry:${day}`,
          now: nowIso(),
        });
        if (r.points > 0) sendMail('points-expired', `points-expired:${day}`, { points: r.points });
        break;
      }
      case 'birthday':
        sendMail('birthday-greeting', `birthday:${day}`);
        break;
      case 'invitation':
        state.invitationDueAt = null;
        if (state.stage === 'prospect' && state.marketingConsent && !state.invitationSent) {
          state.invitationSent = true;
          sendMail('enrolment-invitation', 'enrolment-invitation');
        }
        break;
    }
    await refresh();
    // A deadline that an activity planned again for the same instant must not fire twice.
    if (state.agenda[kind] === at) delete state.agenda[kind];
  }

  async function handleChild(item: Extract<InboxItem, { type: 'child.finished' }>) {
    if (item.kind === 'winBack' && item.outcome === 'churned' && state.stage === 'lapsed') {
      state.winBack = null;
      await setStage('churned', 'no answer to three win-back offers');
      await refresh();
    }
  }

  // ---- 2. a run without carried state starts from Postgres ----------------------------------------
  if (!input.state) {
    const s = await db.loadGuestState({ guestId, now: nowIso() });
    adopt(s);
    state.stage = s.stage;
  }

  // ---- 3. the loop --------------------------------------------------------------------------------
  const maxEventsPerRun = input.maxEventsPerRun ?? EVENTS_PER_RUN;
  // After a review, the run ends once no win-back or service case is running (their timers stay with the run
  // that started them;
  // the time-skipping test server also stalls children whose parent continued-as-new, sdk-java PR #1539).
  const timeToContinue = () =>
    (reviewed && !state.winBack && !state.riskFlags.some((f) => f.startsWith('case:'))) ||
    workflowInfo().continueAsNewSuggested ||
    handledThisRun >= maxEventsPerRun;
  // One timer, for the earliest deadline, kept while messages come and go and replaced only when that
  // deadline changes (samples-typescript's updatable timer): a stay costs no timer events.
  let armed: { at: string; scope: CancellationScope } | undefined;
  let fired: string | undefined;
  const arm = (at: string | undefined) => {
    if (armed?.at === at) return;
    armed?.scope.cancel();
    armed = undefined;
    if (at === undefined) return;
    const scope = new CancellationScope();
    armed = { at, scope };
    scope
      .run(() => sleep(Math.max(1, Date.parse(at) - Date.now())))
      .then(
        () => {
          if (armed?.at === at) fired = at;
        },
        (err: unknown) => {
          if (!isCancellation(err)) throw err;
        },
      );
  };
  for (;;) {
    const next = nextDeadline(state.agenda);
    arm(next?.at);
    await condition(() => inbox.length > 0 || timeToContinue() || (next !== undefined && fired === next.at));
    if (timeToContinue()) {
      await condition(() => allHandlersFinished() && mailsInFlight === 0);
      return continueAsNew<typeof guestLifecycle>({
        guestId,
        state,
        inbox,
        maxEventsPerRun: input.maxEventsPerRun,
      });
    }
    if (inbox.length === 0 && next && fired === next.at) {
      fired = undefined;
      armed = undefined;
      await handleDeadline(next.kind);
      continue;
    }
    const item = inbox.shift()!;
    if (item.type.startsWith('staff.')) {
      await handleStaff(item as StaffRequestItem);
    } else if (item.type === 'child.finished') {
      await handleChild(item);
    } else {
      const message = item as GuestMessage;
      const problem = messageProblem(message);
      if (problem) await reject(state, message, problem);
      else {
        try {
          await handleMessage(message);
        } catch (err) {
          await reject(state, message, rejectionOf(err));
        }
      }
      // A guest still a prospect after the message (a booking, a profile with consent) is invited, once; not on a
      // check-in: the stay makes the guest a member at check-out (the program is open).
      if (message.type !== 'stay.started') inviteIfProspect();
      state.eventsHandled += 1;
    }
    handledThisRun += 1;
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

async function reject(state: GuestLifecycleState, message: GuestMessage, reason: string): Promise<void> {
  const eventId = typeof message?.eventId === 'string' ? message.eventId : '(none)';
  log.warn('message rejected', { eventId, reason });
  await db.rejectEvent({ eventId, reason });
  state.eventsRejected += 1;
  state.lastError = { eventId, reason, at: nowIso() };
}
