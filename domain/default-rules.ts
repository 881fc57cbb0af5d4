import type { ProgramRules } from './program.js';

/**
 * The first version of the program rules (DOMAIN.md defaults: seed 000 and peers), seeded by the
 * lifecycle migration. Later versions are rows of `program_rules`; nothing reads this at run time.
 */
export const DEFAULT_RULES: ProgramRules = {
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
