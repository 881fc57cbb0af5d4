/**
 * What the guest's decisions read and return (domain/guest-decisions.ts, domain/come-back-offers.ts): plain
 * data, which the `Guest` class (workflows/guest.ts) carries out with its activities and children.
 */
import type { LifecycleMail } from './lifecycle-mails.js';
import type { Stage } from './stages.js';
import type { Tier } from './tiers.js';

/** What the decisions read of the guest's state (contracts/guest.ts `GuestLifecycleState` holds all of it). */
export interface GuestFacts {
  stage: Stage;
  tier: Tier;
  tierFloor: Tier | null;
  stays: number;
  marketingConsent: boolean;
  /** e.g. `case:<id>`: an open service case. */
  riskFlags: readonly string[];
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
}

/** A stage to record (a `stage_history` row), and why. */
export interface StageChange {
  to: Stage;
  reason: string;
}

export type MailVars = Record<string, string | number | boolean>;

/**
 * A lifecycle mail to send: its kind, its facts, and its idempotency key after the guest's workflow ID
 * (`<workflowId>:<key>`, domain/ids.ts `idempotencyKey`).
 */
export interface MailOrder {
  kind: LifecycleMail;
  key: string;
  vars?: MailVars;
}

/** A `winBack` child to start (workflows/win-back.ts) for the lapse of `lapsedOn`. */
export interface WinBackStart {
  workflowId: string;
  lapsedOn: string;
  /** ISO instant of the lapse deadline: the offers are dated from it. */
  lapsedAt: string;
}

/** A `tierReview` child to run for `year` (a re-run: for a late stay of a year already reviewed). */
export interface ReviewRun {
  year: number;
  /** After the guest's workflow ID, as `MailOrder.key`. */
  key: string;
  rerun: boolean;
}

/**
 * What a deadline of the agenda does, carried out in this order: the state's fields, the stage, the win-back
 * child, the points expiry (whose mail depends on what expired), the mail.
 */
export interface DeadlinePlan {
  set?: Partial<Pick<GuestFacts, 'invitationDueAt' | 'invitationSent'>>;
  stage?: StageChange;
  winBack?: WinBackStart;
  /** Expire the balance (its ledger key after the guest's workflow ID); `day` keys the mail that tells of it. */
  expirePoints?: { key: string; day: string };
  mail?: MailOrder;
}
