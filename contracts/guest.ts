/**
 * The guest's entity workflow (`guestLifecycle`, ID `guest-<guestId>`): its input and state, the inbox items, the
 * one signal, the state query, the staff Updates and what they answer, and what its activities report. A leaf:
 * the API, lib/, activities/ and workflows/ import it; it imports only domain/ and the Temporal workflow API. Plain
 * data only: all of it travels through Temporal payloads, and none of it is personal data (ids and facts).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Agenda } from '../domain/agenda.js';
import type { GuestFacts } from '../domain/guest-plan.js';
import type { GuestMessage } from '../domain/messages.js';
import type { Stage } from '../domain/stages.js';
import type { Tier } from '../domain/tiers.js';

/** The workflow type, for clients that start or signal it by name. */
export const GUEST_WORKFLOW_TYPE = 'guestLifecycle';
/**
 * How a guest's run ends, when it ends at all (it otherwise continues as new for ever): the guest was erased
 * (docs/privacy.md). Temporal keeps it beyond Postgres, so a reconcile after a restore to before the erasure
 * erases the guest again (api/guests/reconcile.ts).
 */
export interface GuestRunEnded {
  erased: true;
}

/** The workflow function's signature, for typed clients (`signalWithStart<GuestLifecycleWorkflow>`). */
export type GuestLifecycleWorkflow = (input: GuestLifecycleInput) => Promise<GuestRunEnded | undefined>;

/** The guest's last stay, as the record has it. */
export interface LastStay {
  stayId: string;
  pmsStayId: string;
  propertyCode: string;
  arrival: string;
  departure: string;
  nights: number;
}

/** The guest as an activity reads it from Postgres when a run starts without carried state (ids and facts). */
export interface GuestSnapshot {
  stage: Stage;
  tier: Tier;
  tierFloor: Tier | null;
  tierValidThrough: string | null;
  enrolled: boolean;
  stays: number;
  nights: number;
  pointsBalance: number;
  lastStay: LastStay | null;
  marketingConsent: boolean;
  /** The program's minimum redemption (rules in force now), for the redeem validator. */
  redemptionMinimum: number;
  agenda: Agenda;
  /** The calendar year (guest's local) that the next 1 January review looks back on. */
  reviewYear: number;
  /** Set only for an erased guest (docs/privacy.md): a run that loads it ends at once. */
  erasedAt?: string;
}

/** The last message the workflow could not act on, and why. */
export interface Rejection {
  eventId: string;
  reason: string;
  /** ISO instant (workflow clock). */
  at: string;
}

/**
 * The guest's state as one run hands it to the next (continue-as-new). Ids and facts only: what the record gives
 * (GuestSnapshot, without the tier's validity), what the decisions read (domain/guest-plan.ts GuestFacts), and
 * the run's own counters.
 */
export interface GuestLifecycleState extends Omit<GuestSnapshot, 'tierValidThrough'>, GuestFacts {
  /** Reasons the guest is at risk beyond the calendar (a low score, an open case), e.g. `case:<id>`. */
  riskFlags: string[];
  /** The latest transitions, newest last (the full history is `stage_history`). */
  recentStages: { from: Stage; to: Stage; reason: string; at: string }[];
  /** Messages taken from the inbox, over every run. */
  eventsHandled: number;
  /** Messages recorded as rejected, over every run. */
  eventsRejected: number;
  lastError: Rejection | null;
}

/** A staff request on its way through the inbox (from an Update handler). */
export type StaffRequestItem =
  | { type: 'staff.redeem'; requestId: string; points: number }
  | { type: 'staff.adjust'; requestId: string; points: number }
  | { type: 'staff.floor'; requestId: string; tier: Tier };

/**
 * A staff action on its way through the inbox (from an Update handler): ids only. Its reason is in the
 * `audit_log` row whose id is `requestId` (api/guests/actions.ts, api/workflows/service.ts).
 */
export type StaffActionItem =
  | { type: 'staff.win_back'; requestId: string }
  | { type: 'staff.cancel_win_back'; requestId: string; workflowId: string }
  | { type: 'staff.reload'; requestId: string };

/** What the loop takes, in order: messages from outside, staff requests and actions, children's reports. */
export type InboxItem =
  GuestMessage | StaffRequestItem | StaffActionItem | ({ type: 'child.finished' } & ChildFinished);

export interface GuestLifecycleInput {
  guestId: string;
  /** Carried by continue-as-new; absent on a fresh start, when the run loads the guest from Postgres. */
  state?: GuestLifecycleState;
  /** Items received but not handled before continue-as-new. */
  inbox?: InboxItem[];
  /** Continue-as-new after this many messages even if the server has not suggested it (default 500). */
  maxEventsPerRun?: number;
}

/** What the `state` query answers: live detail of the running workflow. */
export interface GuestStateView extends GuestLifecycleState {
  guestId: string;
  /** Items received and not yet handled. */
  pendingEvents: number;
  /** The next deadline the workflow waits for. */
  nextDeadline: { kind: string; at: string } | null;
}

/** Update inputs: ids and numbers; the reason text is in `staff_requests` under `requestId`. */
export interface RedeemPointsRequest {
  requestId: string;
  points: number;
}

export interface AdjustPointsRequest {
  requestId: string;
  /** Positive adds, negative removes. */
  points: number;
}

export interface SetTierFloorRequest {
  requestId: string;
  tier: 'member' | 'silver' | 'gold' | 'diamond';
}

export interface PointsMovement {
  ledgerId: number;
  points: number;
  balanceAfter: number;
}

export interface TierFloorResult {
  floor: string;
  tier: string;
}

/** Staff actions (Update inputs): the id of their `audit_log` row, and ids; never the reason's text. */
export interface StaffActionRequest {
  requestId: string;
}

export interface CancelWinBackRequest extends StaffActionRequest {
  /** The win-back to stop: `guest-<guestId>-winback-<day>` (domain/come-back-offers.ts). */
  workflowId: string;
}

/** A win-back started by hand: its workflow and the instant its offers are dated from. */
export interface WinBackStarted {
  workflowId: string;
  lapsedOn: string;
  lapsedAt: string;
}

/** A win-back the guest's workflow held, let go of and asked to stop; the guest's stage (still lapsed). */
export interface WinBackCancelled {
  workflowId: string;
  stage: Stage;
}

/** What the guest's workflow holds after it read the guest again from Postgres (ids and facts). */
export interface GuestReloaded {
  stage: Stage;
  tier: Tier;
  tierFloor: Tier | null;
  pointsBalance: number;
  stays: number;
  nights: number;
  lastProperty: string | null;
  openCases: number;
  winBack: { workflowId: string; lapsedOn: string } | null;
}

/** What a child reports to its parent when it is done. */
export type ChildFinished =
  | { kind: 'tierReview'; year: number; tier: string; previousTier: string }
  | { kind: 'winBack'; outcome: 'reactivated' | 'churned' | 'cancelled'; lapsedOn: string };

// ---- messages ------------------------------------------------------------------------------------------------

/**
 * The one way into a guest's workflow: every message (a stay, a booking, a
 * profile change, an enrolment…) goes onto its inbox. Delivered with
 * signalWithStart, so the first message starts the workflow.
 */
export const guestMessageSignal = defineSignal<[GuestMessage]>('guestMessage');

/** What the guest's workflow knows now: its state, agenda and backlog. */
export const stateQuery = defineQuery<GuestStateView>('state');

/**
 * Staff requests, answered with a validated result. Each carries the id of a
 * `staff_requests` row (the free text stays in Postgres) and is sent with that
 * id as its Update id, so a retried request is harmless. The validators are
 * synchronous and throw ApplicationFailure with a type; a rejected request
 * writes nothing.
 */
/** Spend points (ops): more than 0, at least the program minimum, at most the balance. */
export const redeemPointsUpdate = defineUpdate<PointsMovement, [RedeemPointsRequest]>('redeemPoints');
/** Add or remove points by hand (admin): not zero, with a reason; never below a zero balance. */
export const adjustPointsUpdate = defineUpdate<PointsMovement, [AdjustPointsRequest]>('adjustPoints');
/** Hold the guest at or above a tier until the next review (admin), with a reason. */
export const setTierFloorUpdate = defineUpdate<TierFloorResult, [SetTierFloorRequest]>('setTierFloor');

/**
 * Staff actions (api/guests/actions.ts, api/workflows/service.ts), each sent with its `audit_log` row's id as
 * `requestId` and Update id. They join the inbox like the requests above; their validators are synchronous and
 * throw ApplicationFailure with a type, and each is checked again at its turn (a fresh run validates before it
 * has loaded the guest).
 */
/** Start a win-back by hand: refused `NotLapsed` (the guest is not lapsed) or `WinBackRunning`. */
export const startWinBackUpdate = defineUpdate<WinBackStarted, [StaffActionRequest]>('startWinBack');
/**
 * Stop the win-back the workflow holds (`state.winBack`): it lets go of it and asks it to stop, as when the guest
 * comes back; the guest stays lapsed. Refused `NotAWinBack` (not this guest's win-back), `NotHeld` (not the one
 * it holds: the API stops an orphan directly) or, at its turn, `NotRunning` (it has ended meanwhile).
 */
export const cancelWinBackUpdate = defineUpdate<WinBackCancelled, [CancelWinBackRequest]>('cancelWinBack');
/**
 * Read the guest again from Postgres (the record), as a run without carried state does at its start, and publish
 * the search attributes again (also for a run from before they were published).
 */
export const reloadGuestUpdate = defineUpdate<GuestReloaded, [StaffActionRequest]>('reloadGuest');

/** A child tells its parent it is done (tier review, win-back): the parent's inbox takes it as a message. */
export const childFinishedSignal = defineSignal<[ChildFinished]>('childFinished');

// ---- search attributes ---------------------------------------------------------------------------------------

/**
 * What staff filter guests' workflows on in Temporal's visibility (`GET /v1/workflows`, the Web UI). Never
 * personal data: Temporal stores search attributes unencrypted. A cluster on PostgreSQL allows about 10 custom
 * Keyword and 3 Int attributes per namespace; these use 3 and 1 (docs/operations.md "Search attributes").
 */
export const GUEST_STAGE = defineSearchAttributeKey('GuestStage', SearchAttributeType.KEYWORD);
export const GUEST_TIER = defineSearchAttributeKey('GuestTier', SearchAttributeType.KEYWORD);
/** The property of the guest's last stay (`LastProperty = 'SHA01'`). */
export const LAST_PROPERTY = defineSearchAttributeKey('LastProperty', SearchAttributeType.KEYWORD);
/** Service cases not yet closed. */
export const OPEN_CASES = defineSearchAttributeKey('OpenCases', SearchAttributeType.INT);

/** Every custom search attribute the engine uses, to register on a server (lib/search-attributes.ts). */
export const SEARCH_ATTRIBUTE_KEYS = [GUEST_STAGE, GUEST_TIER, LAST_PROPERTY, OPEN_CASES] as const;
