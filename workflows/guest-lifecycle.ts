/**
 * The guest's entity workflow (ID `guest-<guestId>`): a thin loop over a
 * state object. Signals are queued and handled one at a time; bounded jobs
 * run as children; history stays bounded by continue-as-new.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, LastStay } from '../activities/index.js';
import { followUpWorkflowId, idempotencyKey } from '../domain/ids.js';
import { basePointsForStay } from '../domain/points.js';
import { stageAfterStay, type Stage } from '../domain/stages.js';
import { higherTier, tierEarnedBy, type Tier } from '../domain/tiers.js';
import type { StayCompletedEvent } from '../domain/types.js';
import { stateQuery, stayCompletedSignal, type GuestStateView } from './messages.js';
import { postStayFollowUp } from './post-stay-follow-up.js';

/** Carried across continue-as-new. Plain data only. */
export interface GuestLifecycleState {
  stage: Stage;
  tier: Tier;
  stays: number;
  nights: number;
  pointsBalance: number;
  lastStay: LastStay | null;
  eventsHandled: number;
  /** Recently handled stay IDs, newest last: a repeat delivery is skipped without work. */
  recentStayIds: string[];
  lastError: string | null;
}

export interface GuestLifecycleInput {
  guestId: string;
  state?: GuestLifecycleState;
  /** Events received but not handled before continue-as-new. */
  inbox?: StayCompletedEvent[];
  /** Continue-as-new after this many events even if the server has not suggested it (default EVENTS_PER_RUN). */
  maxEventsPerRun?: number;
}

/** Continue-as-new after this many events even if the server has not suggested it yet. */
export const EVENTS_PER_RUN = 500;
const RECENT_STAYS_KEPT = 50;

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // Entity work must not be lost to an outage: retry until it succeeds, backing off to a minute.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export function initialState(): GuestLifecycleState {
  return {
    stage: 'prospect',
    tier: 'blue',
    stays: 0,
    nights: 0,
    pointsBalance: 0,
    lastStay: null,
    eventsHandled: 0,
    recentStayIds: [],
    lastError: null,
  };
}

export async function guestLifecycle(input: GuestLifecycleInput): Promise<void> {
  const { guestId } = input;
  const state = input.state ?? initialState();
  const inbox: StayCompletedEvent[] = [...(input.inbox ?? [])];
  let handledThisRun = 0;

  setHandler(stayCompletedSignal, (event) => {
    inbox.push(event);
  });
  setHandler(stateQuery, (): GuestStateView => ({
    guestId,
    stage: state.stage,
    tier: state.tier,
    stays: state.stays,
    nights: state.nights,
    pointsBalance: state.pointsBalance,
    lastStay: state.lastStay,
    pendingEvents: inbox.length,
    eventsHandled: state.eventsHandled,
    lastError: state.lastError,
  }));

  const maxEventsPerRun = input.maxEventsPerRun ?? EVENTS_PER_RUN;
  const timeToContinue = () => workflowInfo().continueAsNewSuggested || handledThisRun >= maxEventsPerRun;

  for (;;) {
    await condition(() => inbox.length > 0 || timeToContinue());
    if (timeToContinue()) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof guestLifecycle>({
        guestId,
        state,
        inbox,
        maxEventsPerRun: input.maxEventsPerRun,
      });
    }
    const event = inbox.shift()!;
    try {
      await handleStayCompleted(guestId, state, event);
      state.lastError = null;
    } catch (err) {
      // A business failure of one event (e.g. a stay already filed under another guest)
      // must not end the guest's workflow: note it and go on with the next event.
      if (
        err instanceof ActivityFailure &&
        err.cause instanceof ApplicationFailure &&
        err.cause.nonRetryable
      ) {
        state.lastError = `${event.eventId}: ${err.cause.message}`;
        log.warn('stay event rejected', { eventId: event.eventId, error: err.cause.message });
      } else {
        throw err;
      }
    }
    state.eventsHandled += 1;
    handledThisRun += 1;
  }
}

async function handleStayCompleted(
  guestId: string,
  state: GuestLifecycleState,
  event: StayCompletedEvent,
): Promise<void> {
  const workflowId = workflowInfo().workflowId;
  const { stayId, created } = await acts.recordStay({ guestId, event });
  if (!created && state.recentStayIds.includes(stayId)) {
    log.info('stay already handled', { stayId, eventId: event.eventId });
    return;
  }

  const settings = await acts.getProgramSettings();
  const posting = await acts.postPoints({
    guestId,
    stayId,
    reason: 'stay_base',
    points: basePointsForStay(event.stay.roomRevenue, settings.basePointsPerCurrencyUnit),
    idempotencyKey: idempotencyKey(workflowId, `stay-base-points:${stayId}`),
  });

  const standing = await acts.getGuestStanding({ guestId, year: Number(event.stay.departure.slice(0, 4)) });
  state.tier = higherTier(
    state.tier,
    tierEarnedBy({
      stays: standing.yearStays,
      nights: standing.yearNights,
      basePoints: standing.yearBasePoints,
    }),
  );
  state.stage = stageAfterStay({ current: state.stage, totalStays: standing.totalStays, tier: state.tier });
  state.stays = standing.totalStays;
  state.nights = standing.totalNights;
  state.pointsBalance = standing.pointsBalance;
  state.lastStay = standing.lastStay;

  try {
    await startChild(postStayFollowUp, {
      workflowId: followUpWorkflowId(guestId, stayId),
      // The follow-up outlives a continue-as-new of its parent.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [
        {
          guestId,
          guestWorkflowId: workflowId,
          stayId,
          checkedOutAt: event.occurredAt,
          delayMinutes: settings.thankYouDelayMinutes,
          stay: {
            propertyCode: event.stay.propertyCode,
            arrival: event.stay.arrival,
            departure: event.stay.departure,
            nights: event.stay.nights,
          },
          pointsEarned: posting.points,
          pointsBalance: posting.balanceAfter,
        },
      ],
    });
  } catch (err) {
    // `@temporalio/workflow` does not re-export this failure class: match it by name.
    if (!(err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError')) throw err;
    log.info('follow-up already started', { stayId });
  }

  state.recentStayIds = [...state.recentStayIds, stayId].slice(-RECENT_STAYS_KEPT);
}
