/**
 * Loyalty tiers and the qualifying activity each needs within a calendar year
 * (docs/program.md: Hilton Honors' thresholds; Silver is at
 * least 4 stays or 10 nights in a year). The thresholds come from the program
 * rules version in force (domain/program.ts); DEFAULT_TIER_RULES are the
 * defaults the first version carries.
 */
import { TIER_NAMES, type ProgramRules, type TierName } from './program.js';

export const TIERS = TIER_NAMES;
export type Tier = TierName;

export interface YearActivity {
  stays: number;
  nights: number;
  basePoints: number;
}

export const DEFAULT_TIER_RULES: ProgramRules['tiers'] = {
  silver: { stays: 4, nights: 10, basePoints: 25_000, bonusPercent: 20 },
  gold: { stays: 20, nights: 40, basePoints: 75_000, bonusPercent: 80 },
  diamond: { stays: 30, nights: 60, basePoints: 120_000, bonusPercent: 100 },
};

/** The highest tier any one measure of `activity` reaches. */
export function tierEarnedBy(
  activity: YearActivity,
  tiers: ProgramRules['tiers'] = DEFAULT_TIER_RULES,
): Tier {
  let earned: Tier = 'member';
  for (const tier of ['silver', 'gold', 'diamond'] as const) {
    const t = tiers[tier];
    if (activity.stays >= t.stays || activity.nights >= t.nights || activity.basePoints >= t.basePoints)
      earned = tier;
  }
  return earned;
}

/**
 * The tier whose bonus a stay earned, for a stay recorded before its tier was (migration 027): the lowest tier
 * whose bonus on `basePoints` is `bonusPoints`, `member` for no bonus; the nearest when none matches exactly.
 */
export function bonusTierOf(
  basePoints: number,
  bonusPoints: number,
  tiers: ProgramRules['tiers'] = DEFAULT_TIER_RULES,
): Tier {
  if (bonusPoints <= 0 || basePoints <= 0) return 'member';
  let best: Tier = 'member';
  let gap = bonusPoints;
  for (const tier of ['silver', 'gold', 'diamond'] as const) {
    const d = Math.abs(tierBonusPoints(basePoints, tier, tiers) - bonusPoints);
    if (d < gap) {
      best = tier;
      gap = d;
    }
  }
  return best;
}

export function tierRank(tier: Tier): number {
  return TIERS.indexOf(tier);
}

export function higherTier(a: Tier, b: Tier): Tier {
  return tierRank(a) >= tierRank(b) ? a : b;
}

export function isTier(value: unknown): value is Tier {
  return typeof value === 'string' && (TIERS as readonly string[]).includes(value);
}

/**
 * How the annual review decides. On 1 January in the guest's zone (deadline `tierReview`, with a jitter of up to
 * 6 hours stable per guest: domain/agenda.ts), the guest's workflow starts the `tierReview` child
 * (workflows/tier-review.ts), whose activity reads last year's stays, nights and base points
 * (db/repositories/lifecycle.ts `yearActivity`) and the rules version in force. Then:
 *
 * - `earned` is the highest tier any one of the three measures reaches that year (`tierEarnedBy`);
 * - the soft landing: the guest keeps the higher of `earned` and one tier below the current one, so a tier falls
 *   at most one step a year;
 * - a manual floor set by an admin holds the guest at or above it, and the review clears it;
 * - the outcome is `up`, `kept`, `down`, or `floor` (the floor alone kept the tier), recorded as a `tier_history`
 *   row valid through the end of this year, and told to the guest by the `tier-review-result` mail;
 * - a late stay of a reviewed year re-runs that year's review from where the first one started (a re-run is
 *   recorded and mailed only when the tier changes).
 */
export function reviewedTier(input: { current: Tier; earned: Tier; floor: Tier | null }): Tier {
  const oneDown = TIERS[Math.max(0, tierRank(input.current) - 1)]!;
  const landed = higherTier(input.earned, oneDown);
  return input.floor ? higherTier(landed, input.floor) : landed;
}

/** What is still missing to keep (or reach) `tier` this year: nights or stays, whichever is nearer. */
export function shortfall(
  activity: YearActivity,
  tier: Exclude<Tier, 'member'>,
  tiers: ProgramRules['tiers'] = DEFAULT_TIER_RULES,
): { nights: number; stays: number } | null {
  const t = tiers[tier];
  if (activity.stays >= t.stays || activity.nights >= t.nights || activity.basePoints >= t.basePoints)
    return null;
  return { nights: t.nights - activity.nights, stays: t.stays - activity.stays };
}

/** The tier bonus on a stay's base points, by the tier held when the stay completes. */
export function tierBonusPoints(
  basePoints: number,
  tier: Tier,
  tiers: ProgramRules['tiers'] = DEFAULT_TIER_RULES,
): number {
  if (tier === 'member') return 0;
  return Math.floor((basePoints * tiers[tier].bonusPercent) / 100);
}

export interface TierProgress {
  /** The calendar year counted (the review on 1 January next year decides from it). */
  year: number;
  /** The last day that counts: `YYYY-12-31`. */
  by: string;
  activity: YearActivity;
  /** What is still missing this year to keep the tier held (null: a member, or kept already). */
  keep: { tier: Exclude<Tier, 'member'>; nights: number; stays: number } | null;
  /** The tier held is earned again this year: the review keeps it. */
  kept: boolean;
  /** What is still missing to reach the tier above (null: Diamond, or reached this year). */
  next: { tier: Exclude<Tier, 'member'>; nights: number; stays: number } | null;
}

/**
 * Where a guest stands this year, for the staff's guest page: "3 nights or 1 stay to keep Gold by 31 December",
 * and what the next tier still needs. The same measures as the review (`tierEarnedBy`, `shortfall`).
 */
export function tierProgress(input: {
  tier: Tier;
  activity: YearActivity;
  year: number;
  tiers?: ProgramRules['tiers'];
}): TierProgress {
  const tiers = input.tiers ?? DEFAULT_TIER_RULES;
  const rank = tierRank(input.tier);
  const held = input.tier === 'member' ? null : input.tier;
  const keepShort = held ? shortfall(input.activity, held, tiers) : null;
  const above = TIERS[rank + 1];
  const nextShort = above && above !== 'member' ? shortfall(input.activity, above, tiers) : null;
  return {
    year: input.year,
    by: `${input.year}-12-31`,
    activity: input.activity,
    keep: held && keepShort ? { tier: held, ...keepShort } : null,
    kept: held !== null && keepShort === null,
    next: above && above !== 'member' && nextShort ? { tier: above, ...nextShort } : null,
  };
}

/** A member the next review would move down if nothing changes: the requalification forecast's entry. */
export interface RequalificationForecast {
  tier: Exclude<Tier, 'member'>;
  /** What the review would decide on this year's activity as it stands (`reviewedTier`). */
  forecast: Tier;
  /** Nights or stays still missing to keep `tier` (`shortfall`): either is enough. */
  short: { nights: number; stays: number };
  /** An admin's floor holds the tier anyway (`forecast` is the tier held). */
  heldByFloor: boolean;
}

/**
 * Whether the next review would move a member down on this year's activity as it stands, and by how much they
 * fall short: the members the keep-your-tier reminder goes to (domain/agenda.ts `tierKeepReminder`, the same
 * `shortfall`), with what the review would then decide. Null for a member, or a tier already kept this year.
 */
export function requalificationForecast(input: {
  tier: Tier;
  floor: Tier | null;
  activity: YearActivity;
  tiers?: ProgramRules['tiers'];
}): RequalificationForecast | null {
  if (input.tier === 'member') return null;
  const tiers = input.tiers ?? DEFAULT_TIER_RULES;
  const short = shortfall(input.activity, input.tier, tiers);
  if (!short) return null;
  const forecast = reviewedTier({
    current: input.tier,
    earned: tierEarnedBy(input.activity, tiers),
    floor: input.floor,
  });
  return { tier: input.tier, forecast, short, heldByFloor: forecast === input.tier };
}

/** Whether the forecast moves the member down at the review (not held there, or higher, by a floor). */
export function dropsAtReview(forecast: RequalificationForecast | null): boolean {
  return forecast !== null && tierRank(forecast.forecast) < tierRank(forecast.tier);
}

/** One tier's bounds of the forecast: see `requalificationBounds`. */
export interface RequalificationBound {
  tier: Exclude<Tier, 'member'>;
  /** The year's activity is below all three: the tier is not kept yet. */
  stays: number;
  nights: number;
  basePoints: number;
  /** Floors that hold the tier anyway (the tier itself and above). */
  holdingFloors: Tier[];
}

/**
 * The members the next review would move down, as bounds a statement finds them by
 * (db/repositories/segments.ts `forecastQuery`): a member holding `tier` whose year's stays, nights and base
 * points are all below its thresholds, and whose floor, if any, is not among `holdingFloors`. The same verdict
 * as `dropsAtReview(requalificationForecast(…))`, which domain/tiers.test.ts checks over generated members.
 */
export function requalificationBounds(
  tiers: ProgramRules['tiers'] = DEFAULT_TIER_RULES,
): RequalificationBound[] {
  return (['silver', 'gold', 'diamond'] as const).map((tier) => ({
    tier,
    stays: tiers[tier].stays,
    nights: tiers[tier].nights,
    basePoints: tiers[tier].basePoints,
    holdingFloors: TIERS.filter((t) => tierRank(t) >= tierRank(tier)),
  }));
}
