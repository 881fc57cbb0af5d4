import type { ProgramRules } from './program.js';

/**
 * The versions of the program rules the migrations seed. Each is frozen once a migration has written it:
 * `program_rules` rows are immutable, and ledger rows written under a version are history. A change is a new
 * constant and a new migration, never an edit of one below.
 */

/**
 * Version 1 (the defaults of docs/program.md), seeded by the lifecycle migration
 * (db/migrations/20261124_005_lifecycle.ts), in force from 2000-01-01: 10 base points per CNY with Hilton's
 * thresholds, so a guest earned about 7.1 times as fast as at Hilton. Kept for stays departing before
 * version 2's `effective_from`.
 */
export const RULES_V1: ProgramRules = {
  programCurrency: 'CNY',
  basePointsPerUnit: 10,
  currencyRates: { CNY: 1, USD: 7.1, EUR: 7.7, GBP: 9, HKD: 0.91, JPY: 0.047, SGD: 5.3 },
  tiers: {
    silver: { nights: 10, stays: 4, basePoints: 25000, bonusPercent: 20 },
    gold: { nights: 40, stays: 20, basePoints: 75000, bonusPercent: 80 },
    diamond: { nights: 60, stays: 30, basePoints: 120000, bonusPercent: 100 },
  },
  referralBonus: 2000,
  welcomeBackBonus: 1000,
  redemptionMinimum: 1000,
  pointsExpiryMonths: 24,
  pointsExpiryWarningDays: 30,
  atRiskAfterMonths: 9,
  lapseAfterMonths: 12,
  firstYearReminderMonthsBefore: 3,
  tierKeepReminderDaysBefore: 60,
  reviewJitterHours: 6,
  winBack: { offerDays: [0, 30, 75], offers: ['10% off', '20% off', 'a free night'], answerWindowDays: 30 },
  greetingHour: 9,
};

/** Version 1's CNY per US dollar: the factor by which version 2 divides its CNY-valued numbers. */
export const V1_CNY_PER_USD = 7.1;

/**
 * Version 2 ("points that match the program they copy"), seeded by
 * db/migrations/20261206_016_program_rules_v2.ts, in force from {@link RULES_V2_EFFECTIVE_FROM}. Hilton's
 * thresholds stay (25,000 / 75,000 / 120,000 base points) and so does Hilton's earn: 10 base points per US
 * dollar of room revenue. Rates to USD are version 1's CNY rates divided by 7.1 (its CNY per USD), to six
 * significant digits, so the cross rates between the listed currencies are version 1's. The tier bonus is a
 * percentage of the base points and scales by itself. The referral and welcome-back bonuses and the redemption
 * minimum were CNY-era points: divided by 7.1 and rounded to tens (2000 → 280, 1000 → 140, 1000 → 140), keeping
 * their value relative to earning within 1 %. docs/program.md has the table of revenue per tier.
 */
export const RULES_V2: ProgramRules = {
  ...RULES_V1,
  programCurrency: 'USD',
  basePointsPerUnit: 10,
  currencyRates: {
    CNY: 0.140845,
    USD: 1,
    EUR: 1.08451,
    GBP: 1.26761,
    HKD: 0.128169,
    JPY: 0.00661972,
    SGD: 0.746479,
  },
  referralBonus: 280,
  welcomeBackBonus: 140,
  redemptionMinimum: 140,
};

/**
 * Version 2's first day: the first day of the qualification year in which it was published (2026), so that every
 * stay of that year decided from now on earns at one rate, and a stay reported late within the year is not paid
 * seven times what the stay after it earns. A stay departing before this day, reported late, earns by version 1
 * (CNY points and version 1's bonuses). Ledger rows already written under version 1 keep their numbers.
 */
export const RULES_V2_EFFECTIVE_FROM = '2026-01-01';

/** The rules a new program starts from today: the latest version. */
export const DEFAULT_RULES: ProgramRules = RULES_V2;
