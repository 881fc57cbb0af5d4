/**
 * The guest's entity workflow (ID `guest-<guestId>`), after the safe-message-handlers sample
 * (github.com/temporalio/samples-typescript, message-passing/safe-message-handlers). Read it
 * top to bottom:
 *
 * 1. Wiring: the one signal pushes a GuestMessage onto the inbox; the staff Updates validate synchronously
 *    against the state and push a request onto the same inbox; children report by signal onto it too. The
 *    `state` query shows everything.
 * 2. A run without carried state loads the guest from Postgres.
 * 3. The loop waits for the inbox or the next deadline of the agenda (one timer, kept while messages come and
 *    go), handles one item, and continues-as-new after each annual review, when the server suggests it, or after
 *    `maxEventsPerRun` items — always after `allHandlersFinished`, never from a handler.
 *
 * What each item and deadline does — the guest's decisions — is in `workflows/guest.ts` (the `Guest` class),
 * on pure `domain/` rules; every write is an activity keyed in Postgres. Failure rule: workflows/failures.ts.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { PATCHES } from './kit/patches.js';
import { nextDeadline } from '../domain/agenda.js';
import {
  searchFactsOf,
  staffRefusal,
  winBackCancelRefusal,
  winBackStartRefusal,
  type Refusal,
} from '../domain/guest-decisions.js';
import { Guest } from './guest.js';
import {
  adjustPointsUpdate,
  cancelWinBackUpdate,
  childFinishedSignal,
  guestMessageSignal,
  redeemPointsUpdate,
  reloadGuestUpdate,
  setTierFloorUpdate,
  startWinBackUpdate,
  stateQuery,
  GUEST_STAGE,
  GUEST_TIER,
  LAST_PROPERTY,
  OPEN_CASES,
} from '../contracts/guest.js';
import type {
  AdjustPointsRequest,
  CancelWinBackRequest,
  GuestLifecycleInput,
  GuestLifecycleState,
  GuestReloaded,
  GuestRunEnded,
  InboxItem,
  PointsMovement,
  RedeemPointsRequest,
  SetTierFloorRequest,
  StaffActionItem,
  StaffActionRequest,
  StaffRequestItem,
  TierFloorResult,
  WinBackCancelled,
  WinBackStarted,
} from '../contracts/guest.js';

export type { GuestLifecycleInput, GuestLifecycleState } from '../contracts/guest.js';

/** A guest the workflow knows nothing of yet; a state carried from an older run gets the fields it lacks from here. */
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

/** Staff requests and actions: an Update waits for each, so the run answers them before it continues as new. */
const isStaffRequest = (item: InboxItem): item is StaffRequestItem | StaffActionItem =>
  item.type.startsWith('staff.');

// Each staff Update's request as an inbox item; its validator checks the same item (domain/guest-decisions.ts).
const redeemItem = (req: RedeemPointsRequest): StaffRequestItem => ({
  type: 'staff.redeem',
  requestId: req.requestId,
  points: req.points,
});
const adjustItem = (req: AdjustPointsRequest): StaffRequestItem => ({
  type: 'staff.adjust',
  requestId: req.requestId,
  points: req.points,
});
const floorItem = (req: SetTierFloorRequest): StaffRequestItem => ({
  type: 'staff.floor',
  requestId: req.requestId,
  tier: req.tier,
});

/** Continue-as-new after this many items even if the server has not suggested it yet. */
export const EVENTS_PER_RUN = 500;

export async function guestLifecycle(input: GuestLifecycleInput): Promise<GuestRunEnded | undefined> {
  const guest = new Guest(
    input.guestId,
    workflowInfo().workflowId,
    // A state carried from an older run may lack newer fields: defaults first.
    { ...initialState(), ...input.state },
    [...(input.inbox ?? [])],
    input.state !== undefined,
  );
  const { inbox } = guest;

  // ---- 1. wiring ----------------------------------------------------------------------------------------------
  setHandler(guestMessageSignal, (message) => {
    inbox.push(message);
  });
  setHandler(childFinishedSignal, (finished) => {
    inbox.push({ type: 'child.finished', ...finished });
  });
  setHandler(stateQuery, () => ({
    ...guest.state,
    guestId: input.guestId,
    pendingEvents: inbox.length,
    nextDeadline: nextDeadline(guest.state.agenda) ?? null,
  }));

  /** A staff request joins the inbox like any message; its Update waits for the loop to answer it. */
  const awaitResult = async <T>(item: StaffRequestItem | StaffActionItem): Promise<T> => {
    inbox.push(item);
    await condition(() => guest.staffResults[item.requestId] !== undefined);
    const result = guest.staffResults[item.requestId]!;
    delete guest.staffResults[item.requestId];
    if ('error' in result) throw ApplicationFailure.nonRetryable(result.error, result.type);
    return result as T;
  };
  /** A staff Update's validator: synchronous, against the state; a refusal writes nothing. */
  const refuse = (request: StaffRequestItem) => {
    const refusal = staffRefusal(request, guest.state, guest.loaded ? inbox : null);
    if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
  };
  setHandler(redeemPointsUpdate, (req) => awaitResult<PointsMovement>(redeemItem(req)), {
    validator: (req: RedeemPointsRequest) => refuse(redeemItem(req)),
  });
  setHandler(adjustPointsUpdate, (req) => awaitResult<PointsMovement>(adjustItem(req)), {
    validator: (req: AdjustPointsRequest) => refuse(adjustItem(req)),
  });
  setHandler(setTierFloorUpdate, (req) => awaitResult<TierFloorResult>(floorItem(req)), {
    validator: (req: SetTierFloorRequest) => refuse(floorItem(req)),
  });

  // Staff actions (contracts/guest.ts): the workflow decides; a refusal is the API's 409.
  const refuseWith = (refusal: Refusal | null) => {
    if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
  };
  const requestIdProblem = (req: StaffActionRequest): Refusal | null =>
    typeof req?.requestId === 'string' && req.requestId.length > 0
      ? null
      : { message: 'requestId is required', type: 'RequestIdRequired' };
  setHandler(
    startWinBackUpdate,
    (req) => awaitResult<WinBackStarted>({ type: 'staff.win_back', requestId: req.requestId }),
    {
      validator: (req: StaffActionRequest) => {
        refuseWith(requestIdProblem(req));
        // Before a fresh run has loaded the guest, the request's turn decides.
        if (guest.loaded) refuseWith(winBackStartRefusal(guest.state));
      },
    },
  );
  setHandler(
    cancelWinBackUpdate,
    (req) =>
      awaitResult<WinBackCancelled>({
        type: 'staff.cancel_win_back',
        requestId: req.requestId,
        workflowId: req.workflowId,
      }),
    {
      validator: (req: CancelWinBackRequest) => {
        refuseWith(requestIdProblem(req));
        const held = guest.loaded ? guest.state : null;
        refuseWith(winBackCancelRefusal(workflowInfo().workflowId, held, req.workflowId));
      },
    },
  );
  setHandler(
    reloadGuestUpdate,
    (req) => awaitResult<GuestReloaded>({ type: 'staff.reload', requestId: req.requestId }),
    { validator: (req: StaffActionRequest) => refuseWith(requestIdProblem(req)) },
  );

  // ---- 2. a run without carried state starts from Postgres ----------------------------------------------------
  if (!input.state) await guest.load();

  /**
   * The guest was erased (workflows/guest.ts `forget` and `load`, docs/privacy.md): no search attribute is left,
   * and the run ends; what is still in the inbox (ids) goes with it.
   */
  const forgotten = (): GuestRunEnded => {
    upsertSearchAttributes([
      { key: GUEST_STAGE, value: null },
      { key: GUEST_TIER, value: null },
      { key: LAST_PROPERTY, value: null },
      { key: OPEN_CASES, value: null },
    ]);
    return { erased: true };
  };
  if (guest.erased) return forgotten();

  // What staff filter on (contracts/guest.ts search attributes), upserted when it changes: at the start of a run
  // whose attributes differ (a new guest, a run before them), then after an item or a deadline that changed the
  // stage, the tier, the last property or the open cases. Each upsert is one history event.
  // A run continued as new starts with its predecessor's attributes, and a member the import created with the
  // record's (api/imports/workflows.ts): no upsert until something changes.
  const carried = workflowInfo().typedSearchAttributes;
  let published: string | undefined =
    carried.get(GUEST_STAGE) === undefined
      ? undefined
      : JSON.stringify({
          stage: carried.get(GUEST_STAGE),
          tier: carried.get(GUEST_TIER),
          lastProperty: carried.get(LAST_PROPERTY) ?? null,
          openCases: carried.get(OPEN_CASES),
        });
  const publish = () => {
    const facts = searchFactsOf(guest.state);
    const text = JSON.stringify(facts);
    // Staff asked for a reload (reloadGuest): published again even if unchanged (a run whose index is behind).
    const forced = guest.republish;
    guest.republish = false;
    if ((text === published && !forced) || !patched(PATCHES.searchAttributes.id)) return;
    published = text;
    upsertSearchAttributes([
      { key: GUEST_STAGE, value: facts.stage },
      { key: GUEST_TIER, value: facts.tier },
      { key: LAST_PROPERTY, value: facts.lastProperty },
      { key: OPEN_CASES, value: facts.openCases },
    ]);
  };
  publish();

  // ---- 3. the loop --------------------------------------------------------------------------------------------
  const maxEventsPerRun = input.maxEventsPerRun ?? EVENTS_PER_RUN;
  let handledThisRun = 0;
  // After a review, the run ends once no win-back or service case is running (their timers stay with the run that
  // started them) and, since the review's patches (Guest.waitsForOwnChildren), no child this run started and no
  // mail it sent is: a child's completion must land in the history of the run that started it (docs/testing.md,
  // "The calendar").
  const holdsChildren = () =>
    guest.state.winBack !== null ||
    guest.state.riskFlags.some((f) => f.startsWith('case:')) ||
    (guest.waitsForOwnChildren && guest.ownChildrenOpen > 0) ||
    (guest.waitsForHeldMails && guest.mailsInFlight > 0);
  const timeToContinue = () =>
    (guest.reviewed && !holdsChildren()) ||
    workflowInfo().continueAsNewSuggested ||
    handledThisRun >= maxEventsPerRun;

  // One timer, for the earliest deadline, kept while messages come and go and replaced only when that
  // deadline changes (the updatable timer of github.com/temporalio/samples-typescript,
  // timer-examples/src/updatable-timer.ts): a stay costs no timer events.
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
    const next = nextDeadline(guest.state.agenda);
    // A deadline already due that no timer has fired for (a lapse a late-reported stay brings, a reminder due
    // when a run starts) needs no timer: it is handled at once, after the messages waiting (a 1 ms timer would
    // cost five events and a round trip).
    if (
      next &&
      fired !== next.at &&
      Date.parse(next.at) <= Date.now() &&
      patched(PATCHES.dueDeadlineAtOnce.id)
    ) {
      if (inbox.length === 0 && !timeToContinue()) {
        // A timer armed for this very instant (it passed while a message was handled) is not needed any more.
        // (Cancelling it came after the first histories of this path: its own patch.)
        if (armed?.at === next.at && patched(PATCHES.cancelDueTimer.id)) arm(undefined);
        await guest.handleDeadline(next.kind);
        publish();
        continue;
      }
    } else arm(next?.at);
    await condition(() => inbox.length > 0 || timeToContinue() || (next !== undefined && fired === next.at));
    if (timeToContinue()) {
      if (patched(PATCHES.answerStaffBeforeContinuing.id)) {
        // A staff Update waits for this loop to answer it: answer every one queued (and any that comes while
        // mails are in flight) before the run ends, or the run would wait for handlers that wait for it. The
        // other messages are carried to the next run.
        for (;;) {
          const i = inbox.findIndex(isStaffRequest);
          if (i >= 0) {
            await guest.handle(inbox.splice(i, 1)[0]!);
            continue;
          }
          if (allHandlersFinished() && guest.mailsInFlight === 0) break;
          await condition(
            () => inbox.some(isStaffRequest) || (allHandlersFinished() && guest.mailsInFlight === 0),
          );
        }
      } else await condition(() => allHandlersFinished() && guest.mailsInFlight === 0);
      return continueAsNew<typeof guestLifecycle>({
        guestId: input.guestId,
        state: guest.state,
        inbox,
        maxEventsPerRun: input.maxEventsPerRun,
      });
    }
    if (inbox.length === 0 && next && fired === next.at) {
      fired = undefined;
      armed = undefined;
      await guest.handleDeadline(next.kind);
      publish();
      continue;
    }
    await guest.handle(inbox.shift()!);
    handledThisRun += 1;
    if (guest.erased) return forgotten();
    publish();
  }
}
