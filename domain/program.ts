/**
 * The loyalty program's rules as data (docs/program.md):
 * one immutable version per row of `program_rules`, in force from its
 * `effective_from`. Decisions take the version as an argument and record its
 * number, so a rule change never re-decides history.
 */
export const TIER_NAMES = ['member', 'silver', 'gold', 'diamond'] as const;
export type TierName = (typeof TIER_NAMES)[number];

export interface TierRule {
  nights: number;
  stays: number;
  basePoints: number;
  /** Extra points on a stay's base points while the guest holds the tier (Silver 20, Gold 80, Diamond 100). */
  bonusPercent: number;
}

export interface ProgramRules {
  /** ISO 4217 code of the program currency (base points are per unit of it). */
  programCurrency: string;
  basePointsPerUnit: number;
  /** Program-currency units per unit of each currency; a stay in a currency not listed earns nothing. */
  currencyRates: Record<string, number>;
  tiers: Record<Exclude<TierName, 'member'>, TierRule>;
  referralBonus: number;
  welcomeBackBonus: number;
  redemptionMinimum: number;
  pointsExpiryMonths: number;
  pointsExpiryWarningDays: number;
  atRiskAfterMonths: number;
  lapseAfterMonths: number;
  firstYearReminderMonthsBefore: number;
  tierKeepReminderDaysBefore: number;
  reviewJitterHours: number;
  winBack: { offerDays: number[]; offers: string[]; answerWindowDays: number };
  /** Local hour of birthday greetings and other dated mails. */
  greetingHour: number;
  /** How marketers' segments cut the base (domain/segments.ts); DEFAULT_SEGMENT_SETTINGS when a version has none. */
  segments?: SegmentSettings;
}

/** How marketers' segments cut the base: the rules are domain/segments.ts's, the defaults its DEFAULT_SEGMENT_SETTINGS. */
export interface SegmentSettings {
  /** Cumulative shares of the guests who spent, by rank: VIP up to `vipShare`, then major, then ordinary. */
  value: { vipShare: number; majorShare: number; ordinaryShare: number };
  /** A member enrolled fewer days ago than this is new. */
  newMemberDays: number;
}

export interface RulesVersion {
  version: number;
  /** 'YYYY-MM-DD' */
  effectiveFrom: string;
  rules: ProgramRules;
}

/** The version in force on `date` ('YYYY-MM-DD'): the latest whose effective_from is not after it. */
export function versionInForce<V extends Pick<RulesVersion, 'effectiveFrom'>>(
  versions: readonly V[],
  date: string,
): V | undefined {
  let best: V | undefined;
  for (const v of versions) {
    if (v.effectiveFrom <= date && (!best || v.effectiveFrom > best.effectiveFrom)) best = v;
  }
  return best;
}
