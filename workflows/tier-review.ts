/**
 * The annual tier review of one guest-year (child `guest-<id>-review-<year>`):
 * requalify on that year's activity by the rules in force on 1 January after
 * it, down at most one tier, never below a manual floor (domain/tiers.ts
 * `reviewedTier`, applied in one transaction by `reviewTier`). The result
 * mail is the guest's workflow's (before 'review-result-in-window' it was
 * this child's). A late stay of a reviewed year runs it again.
 */
import { patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { TierReviewInput, TierReviewResult } from '../contracts/review.js';
import { LOCAL_DB, MAIL } from './kit/activity-options.js';
import { PATCHES } from './kit/patches.js';

const db = proxyLocalActivities<Activities>(LOCAL_DB);
const mail = proxyActivities<Activities>(MAIL);

export async function tierReview(input: TierReviewInput): Promise<TierReviewResult> {
  const now = new Date(Date.now()).toISOString();
  const r = await db.reviewTier({
    guestId: input.guestId,
    year: input.year,
    key: input.key,
    now,
    ...(input.rerun ? { rerun: true } : {}),
  });
  // A re-run after a late stay tells the guest only when the tier changed. The guest's workflow sends the result
  // now (PATCHES.reviewResultInWindow, workflows/guest.ts reviewYearOf), so that the mail can wait for the
  // guest's send window without holding the guest's loop: the review runs in the night.
  if ((!input.rerun || r.tier !== r.previousTier) && !patched(PATCHES.reviewResultInWindow.id))
    await mail.sendLifecycleMail({
      guestId: input.guestId,
      kind: 'tier-review-result',
      key: `${input.key}:mail`,
      now,
      vars: { year: input.year, tier: r.tier, previousTier: r.previousTier, outcome: r.outcome },
    });
  return { year: input.year, tier: r.tier, previousTier: r.previousTier, outcome: r.outcome };
}
