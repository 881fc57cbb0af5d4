/**
 * Shapes shared by the workflows, their messages and their callers. Kept apart
 * from the workflow files so that `messages.ts` and a workflow never import
 * each other. Plain data only: all of it travels through Temporal payloads,
 * and none of it is personal data (ids and facts).
 */
import type { LifecycleMail } from '../activities/lifecycle.js';
import type { LastStay } from '../db/repositories/standing.js';
import type { Agenda } from '../domain/agenda.js';
import type { GuestMessage } from '../domain/messages.js';
import type { Stage } from '../domain/stages.js';
import type { Tier } from '../domain/tiers.js';

export type { LastStay };

/** The last message the workflow could not act on, and why. */
export interface Rejection {
  eventId: string;
  reason: string;
  /** ISO instant (workflow clock). */
  at: string;
}

/** The guest's state as one run hands it to the next (continue-as-new). Ids and facts only. */
export interface GuestLifecycleState {
  stage: Stage;
  tier: Tier;
  tierFloor: Tier | null;
  enrolled: boolean;
  stays: number;
  nights: number;
  pointsBalance: number;
  lastStay: LastStay | null;
  marketingConsent: boolean;
  redemptionMinimum: number;
  /** The dated deadlines, as computed by an activity in the guest's time zone. */
  agenda: Agenda;
  /** Reasons the guest is at risk beyond the calendar (a low score, an open case), e.g. `case:<id>`. */
  riskFlags: string[];
  /** The calendar year (guest's local) the next 1 January review looks back on. */
  reviewYear: number;
  /** The last year whose tier review ran (a late stay of it re-runs it). */
  reviewedYear: number | null;
  /** The running win-back, if the guest has lapsed. */
  winBack: { workflowId: string; lapsedOn: string } | null;
  invitationSent: boolean;
  /** When the invitation to join is due (an opted-in prospect), if it is. */
  invitationDueAt: string | null;
  /** Stage transitions so far (keys the stage history rows). */
  stageChanges: number;
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

/** What the loop takes, in order: messages from outside, staff requests, children's reports. */
export type InboxItem = GuestMessage | StaffRequestItem | ({ type: 'child.finished' } & ChildFinished);

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

export interface TierReviewInput {
  guestId: string;
  year: number;
  /** Idempotency key of the review's tier row and mail (a re-run after a late stay has its own). */
  key: string;
  /** A re-run after a late stay of the year: recorded and mailed only when the tier changes. */
  rerun?: boolean;
}

export interface TierReviewResult {
  year: number;
  tier: Tier;
  previousTier: Tier;
  outcome: 'kept' | 'up' | 'down' | 'floor';
}

export interface WinBackInput {
  guestId: string;
  guestWorkflowId: string;
  /** ISO instant of the lapse: offers are dated from it (days in the program rules). */
  lapsedAt: string;
}

export interface PostStayFollowUpInput {
  guestId: string;
  /** The parent's workflow ID: prefix of this follow-up's idempotency keys. */
  guestWorkflowId: string;
  stayId: string;
  checkedOutAt: string;
  delayMinutes: number;
  /** A thank-you due more than this many days after check-out is not sent (default 7). */
  maxAgeDays?: number;
  stay: { propertyCode: string; arrival: string; departure: string; nights: number };
  pointsEarned: number;
  pointsBalance: number;
  /** Lifecycle mails the stay caused (welcome, upgrade, welcome back), sent by the follow-up at once. */
  mails?: FollowUpMail[];
  /**
   * The cadence the follow-up runs (default `post-stay`); it pins the cadence's current published version at
   * its start. `delayMinutes` is then not used: the cadence's steps say when each mail is due.
   */
  cadenceKey?: string;
}

/**
 * A marketer's request to move a running follow-up to another published version of its cadence (B's API sends
 * it with `requestId` as the Update id).
 */
export interface MoveFollowUpRequest {
  requestId: string;
  toVersion: number;
}

/** The follow-up moved from version `from` to `to`; `pendingSteps`: the new version's step ids still to come. */
export interface MoveFollowUpResult {
  from: number;
  to: number;
  pendingSteps: string[];
}

/** What the `followUpState` query answers (ids and facts). */
export interface FollowUpStateView {
  cadenceKey: string;
  version: number;
  movedFrom: number | null;
  stepsDone: string[];
  /** The next step not yet planned and its due time (ISO), or a planned mail waiting for its send time. */
  waitingFor: { stepId: string; until: string; kind: 'due' | 'send' } | null;
  finished: boolean;
}

/** A lifecycle mail decided by the guest's workflow and sent by a child. */
export interface FollowUpMail {
  kind: LifecycleMail;
  /** The full idempotency key. */
  key: string;
  vars?: Record<string, string | number | boolean>;
}

/** What became of one step of the cadence: its outbox row (sent, suppressed with the reason, or failed). */
export interface FollowUpStepOutcome {
  id: string;
  outboxId: number;
  status: 'sent' | 'suppressed' | 'failed';
  reason?: string;
}

/**
 * Outbox ids only: the Message-ID and the address stay in Postgres. A follow-up started before cadences
 * returned the thank-you alone; one that runs a cadence returns its version and every step.
 */
export type PostStayFollowUpResult =
  | { thankYou: { outboxId: number } }
  | { thankYou: { outboxId: number; suppressed: string } }
  | {
      cadence: { key: string; version: number; movedFrom: number | null };
      steps: FollowUpStepOutcome[];
    };

/** The in-stay care of one PMS stay (a child of the guest's workflow, started by `stay.started`). */
export interface InStayCareInput {
  guestId: string;
  /** The parent's workflow ID: prefix of this child's idempotency keys. */
  guestWorkflowId: string;
  /** The PMS stay (source and the PMS's id): its `stay_checkins` row says whether the guest is in house. */
  source: string;
  pmsStayId: string;
  propertyCode: string;
  /** ISO instant of the check-in. */
  checkedInAt: string;
}

/** What became of the in-stay check: outbox id, its status, the local time it was due, why not sent. */
export interface InStayCareResult {
  outboxId: number;
  status: 'sent' | 'suppressed' | 'failed';
  /** `yyyy-LL-dd HH:mm` in the property's (else the guest's) zone. */
  localCheckAt: string;
  reason?: string;
}

export interface PmsEventSweeperInput {
  /** Time between passes (default 60 s). */
  intervalSeconds?: number;
  /** Events per pass (default 100). */
  batchSize?: number;
  /** An event never signalled is re-driven this long after it was received (default 60 s). */
  unsignalledAfterSeconds?: number;
  /** A signalled event not handled this long after the signal is re-driven (default 300 s, doubling per re-drive). */
  unhandledAfterSeconds?: number;
  /** Passes per run before continue-as-new (default 200). */
  passesPerRun?: number;
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

/** What a child reports to its parent when it is done. */
export type ChildFinished =
  | { kind: 'tierReview'; year: number; tier: string; previousTier: string }
  | { kind: 'winBack'; outcome: 'reactivated' | 'churned' | 'cancelled'; lapsedOn: string };

// ---- service recovery (child `guest-<id>-case-<caseId>`, workflows/service-recovery.ts) ----------------------

/** open (also after a reopening) → resolved (waiting for the guest's satisfaction) → closed. */
export type CaseStatus = 'open' | 'resolved' | 'closed';
/** The highest escalation so far. */
export type CaseSlaState = 'on_track' | 'duty_manager' | 'general_manager';
export type CompensationKind = 'points' | 'refund' | 'upgrade_voucher';
/** 1:10:100 (seed 000): solved the same local day, the next, or later. */
export type CaseCostBucket = 'same_day' | 'next_day' | 'later';

/** A case's dated deadlines (ISO instants), computed by an activity with luxon; absent = nothing due. */
export interface CaseAgenda {
  /** The acknowledgement mail should have gone by then (1 hour after the case opened). */
  ackDue?: string;
  /** Escalation to the duty manager: end of the local day (in-stay) or 24 h after opening (or reopening). */
  dutyManager?: string;
  /** Escalation to the general manager: 72 h after opening (or reopening). */
  generalManager?: string;
  /** The satisfaction check, 3 days after the resolution. */
  satisfactionCheck?: string;
  /** No answer by then (7 days after the check): the case closes without one. */
  satisfactionAnswerDue?: string;
}
export type CaseDeadlineKind = keyof CaseAgenda;

/** Amounts in cents of the frontline limit's currency. */
export interface CaseLimits {
  currency: string;
  /** Granted at once up to this; 0 = every compensation waits for a manager. */
  frontlineCents: number;
  /** What a manager may approve. */
  managerCents: number;
}

/** Where a case stands, as an activity reads it from Postgres (ids, enums and numbers only). */
export interface CaseSnapshot {
  status: CaseStatus;
  slaState: CaseSlaState;
  acknowledged: boolean;
  resolutions: number;
  reopened: number;
  /** The satisfaction check of the current resolution went out. */
  satisfactionAsked: boolean;
  agenda: CaseAgenda;
  limits: CaseLimits;
  /** Compensations above the frontline limit, waiting for a manager. */
  awaitingApproval: { compensationId: string; valueCents: number }[];
}

export interface ServiceRecoveryState extends CaseSnapshot {
  /** Requests taken from the inbox, over every run. */
  itemsHandled: number;
  /** Requests refused when their turn came (after their validator had let them in). */
  itemsRefused: number;
  /** Deadlines already handled (`<kind>@<at>`, the latest few): an agenda read again never fires one twice. */
  deadlinesDone: string[];
}

/** What the case's loop takes, in order: staff requests from the API, each answered with its result. */
export type CaseInboxItem =
  | { type: 'assign'; requestId: string }
  | { type: 'note'; requestId: string }
  | {
      type: 'compensation';
      requestId: string;
      kind: CompensationKind;
      valueCents: number;
      points: number | null;
    }
  | { type: 'approval'; requestId: string; compensationId: string }
  | { type: 'resolve'; requestId: string }
  | { type: 'satisfaction'; requestId: string; satisfied: boolean };

export interface ServiceRecoveryInput {
  guestId: string;
  /** The parent's workflow ID (`guest-<id>`): told `case.closed` when the case closes. */
  guestWorkflowId: string;
  caseId: string;
  /** Carried by continue-as-new. */
  state?: ServiceRecoveryState;
  inbox?: CaseInboxItem[];
}

export interface ServiceRecoveryResult {
  caseId: string;
  status: CaseStatus;
  resolutions: number;
  reopened: number;
}

/** Update inputs: ids, enums and numbers; the words (assignee, note, resolution) are in `case_requests`. */
export interface CaseRequest {
  requestId: string;
}

export interface CompensationRequest {
  requestId: string;
  kind: CompensationKind;
  /** The value in cents of the frontline limit's currency (the API converts). */
  valueCents: number;
  /** For `points`: how many (a ledger row with reason `compensation`). */
  points?: number;
}

export interface ApproveCompensationRequest {
  requestId: string;
  /** The compensation's request id. */
  compensationId: string;
}

export interface SatisfactionAnswer {
  requestId: string;
  satisfied: boolean;
}

/** What a case Update answers: where the case stands after it, and what the step did. */
export interface CaseStepResult {
  status: CaseStatus;
  compensation?: {
    compensationId: string;
    status: 'granted' | 'awaiting_approval';
    valueCents: number;
    ledgerId: number | null;
    /** Points on the guest's ledger (a points compensation); absent in results recorded before it was kept. */
    points?: number | null;
  };
  costBucket?: CaseCostBucket;
}

/** What the `caseState` query answers. */
export interface CaseStateView extends ServiceRecoveryState {
  caseId: string;
  guestId: string;
  pendingItems: number;
  nextDeadline: { kind: CaseDeadlineKind; at: string } | null;
}
