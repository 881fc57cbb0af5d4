/**
 * Loyalty tiers and the qualifying activity each needs within a calendar year
 * (DOMAIN.md "What peers do": Hilton Honors thresholds; seed 000: Silver is
 * at least 4 stays or 10 nights in a year). Reaching any one measure earns
 * the tier at once; losing a tier is the annual review's job, never a stay's.
 */
export const TIERS = ['blue', 'silver', 'gold', 'diamond'] as const;
export type Tier = (typeof TIERS)[number];

export interface YearActivity {
  stays: number;
  nights: number;
  basePoints: number;
}

export const TIER_THRESHOLDS: Record<Exclude<Tier, 'blue'>, YearActivity> = {
  silver: { stays: 4, nights: 10, basePoints: 25_000 },
  gold: { stays: 20, nights: 40, basePoints: 75_000 },
  diamond: { stays: 30, nights: 60, basePoints: 120_000 },
};

export function tierEarnedBy(activity: YearActivity): Tier {
  let earned: Tier = 'blue';
  for (const tier of ['silver', 'gold', 'diamond'] as const) {
    const t = TIER_THRESHOLDS[tier];
    if (activity.stays >= t.stays || activity.nights >= t.nights || activity.basePoints >= t.basePoints)
      earned = tier;
  }
  return earned;
}

export function higherTier(a: Tier, b: Tier): Tier {
  return TIERS.indexOf(a) >= TIERS.indexOf(b) ? a : b;
}
