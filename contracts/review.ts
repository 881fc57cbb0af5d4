/** The annual tier review (`tierReview`, a child of the guest's workflow): input and result. A leaf module. */
import type { Tier } from '../domain/tiers.js';

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
