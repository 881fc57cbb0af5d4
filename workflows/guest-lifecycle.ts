/**
 * The guest's entity workflow (ID `guest-<guestId>`), after
 * samples-typescript's safe-message-handlers: signal handlers only push onto
 * one inbox; the main loop takes one message at a time, decides with pure
 * `domain/` rules and lets activities do the writes; continue-as-new happens
 * in the loop, after `allHandlersFinished`, never in a handler.
 *
 * Failure rule (docs/architecture.md "When something fails"):
 * - a message the workflow cannot act on (it fails `messageProblem`, or an
 *   activity refuses it with a non-retryable ApplicationFailure) is a
 *   recorded rejection: the PMS event is marked rejected with the reason,
 *   `lastError` shows it, and the loop goes on with the next message;
 * - retryable activity failures are retried by Temporal without limit, so
 *   they never reach this code;
 * - anything else is unexpected (a bug, a cancelled activity): it fails the
 *   workflow *task*, not the workflow. The run stays open with its inbox,
 *   Temporal retries the task, and a fixed deployment continues it.
 */
import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyLocalActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { followUpWorkflowId } from '../domain/ids.js';
import { messageProblem, type GuestMessage, type StayCompletedMessage } from '../domain/messages.js';
import { stageAfterStay, stageFromHistory } from '../domain/stages.js';
import { higherTier, tierEarnedBy } from '../domain/tiers.js';
import { dispositionOf } from './failures.js';
import { guestMessageSignal, stateQuery } from './messages.js';
import { postStayFollowUp } from './post-stay-follow-up.js';
import type { GuestLifecycleInput, GuestLifecycleState, GuestStateView } from './types.js';

export type { GuestLifecycleInput, GuestLifecycleState } from './types.js';

/** Continue-as-new after this many messages even if the server has not suggested it yet. */
export const EVENTS_PER_RUN = 500;

// Short single-transaction writes: local activities, recorded as one marker each in the guest's history.
const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
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
    eventsRejected: 0,
    lastError: null,
  };
}

export async function guestLifecycle(input: GuestLifecycleInput): Promise<void> {
  const { guestId } = input;
  const inbox: GuestMessage[] = [...(input.inbox ?? [])];
  let handledThisRun = 0;

  setHandler(guestMessageSignal, (message) => {
    inbox.push(message);
  });
  // Registered before the first await, so a query never misses it; answers the initial state until loaded.
  let state = input.state ?? initialState();
  setHandler(stateQuery, (): GuestStateView => ({ ...state, guestId, pendingEvents: inbox.length }));

  // A run without carried state (first start, or a guest whose run failed or was terminated) starts
  // from what Postgres knows, never from a blank prospect.
  if (!input.state) state = await loadState(guestId);

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
    const message = inbox.shift()!;
    const problem = messageProblem(message);
    if (problem) {
      await reject(state, message, problem);
    } else {
      try {
        await handle(guestId, state, message);
      } catch (err) {
        await reject(state, message, rejectionOf(err));
      }
    }
    state.eventsHandled += 1;
    handledThisRun += 1;
  }
}

async function loadState(guestId: string): Promise<GuestLifecycleState> {
  const year = new Date(Date.now()).getUTCFullYear();
  const standing = await db.loadGuestState({ guestId, year });
  const tier = higherTier(tierEarnedBy(standing.year), tierEarnedBy(standing.previousYear));
  return {
    ...initialState(),
    stage: stageFromHistory({ totalStays: standing.totalStays, tier }),
    tier,
    stays: standing.totalStays,
    nights: standing.totalNights,
    pointsBalance: standing.pointsBalance,
    lastStay: standing.lastStay,
  };
}

/**
 * The reason to record for a failed message, or a rethrow that fails the
 * workflow task (see the failure rule at the top of this file).
 */
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
  state.lastError = { eventId, reason, at: new Date(Date.now()).toISOString() };
}

async function handle(guestId: string, state: GuestLifecycleState, message: GuestMessage): Promise<void> {
  switch (message.type) {
    case 'stay.completed':
      return handleStayCompleted(guestId, state, message);
  }
}

async function handleStayCompleted(
  guestId: string,
  state: GuestLifecycleState,
  message: StayCompletedMessage,
): Promise<void> {
  const workflowId = workflowInfo().workflowId;
  // Records the stay, posts its points and marks the event handled in one transaction; a repeat changes nothing.
  const applied = await db.applyStay({ guestId, workflowId, message });
  const { standing } = applied;
  state.tier = higherTier(state.tier, tierEarnedBy(standing.year));
  state.stage = stageAfterStay({ current: state.stage, totalStays: standing.totalStays, tier: state.tier });
  state.stays = standing.totalStays;
  state.nights = standing.totalNights;
  state.pointsBalance = standing.pointsBalance;
  state.lastStay = standing.lastStay;

  // Also for a repeat: the run that recorded the stay may have ended before it started the follow-up.
  try {
    await startChild(postStayFollowUp, {
      workflowId: followUpWorkflowId(guestId, applied.stayId),
      // The follow-up outlives a continue-as-new of its parent.
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
          pointsEarned: applied.pointsEarned,
          pointsBalance: applied.balanceAfter,
        },
      ],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    log.info('follow-up already started', { stayId: applied.stayId });
  }
}
