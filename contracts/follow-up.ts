/**
 * The post-stay follow-up of one stay (`postStayFollowUp`, a child of the guest's workflow, ID
 * `guest-<guestId>-stay-<stayId>-follow-up`): input, result, the move Update and the state query. A leaf module.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { LifecycleMail } from '../domain/lifecycle-mails.js';

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
 * A marketer's request to move a running follow-up to another published version of its cadence (api/marketing/cadences.ts sends
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

// ---- messages ------------------------------------------------------------------------------------------------

/**
 * Move a running follow-up to another published version of its cadence (marketer, through the API, one
 * Update per follow-up with the request's id as Update id). Steps the follow-up has done (by step id) are not
 * repeated; a step of the new version whose due time has passed is planned at once (and, due more than the
 * follow-up's `maxAgeDays` ago, recorded as suppressed `stay_too_old`). The validator refuses synchronously,
 * writing nothing: `InvalidVersion` (not a whole number ≥ 1), `SameVersion` (the version it runs),
 * `FollowUpFinished` (its steps are all done). A version that is not published fails the Update with
 * `InvalidVersion` before anything changes.
 */
export const moveFollowUpUpdate = defineUpdate<MoveFollowUpResult, [MoveFollowUpRequest]>('moveFollowUp');

/** What the follow-up runs and has done. */
export const followUpStateQuery = defineQuery<FollowUpStateView>('followUpState');
