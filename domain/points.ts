/**
 * How points are earned (the numbers of each rules version: docs/program.md; rules as data: domain/program.ts).
 *
 * - **Base points of a stay**: the room revenue × the currency's rate to the program currency × the version's
 *   points per unit (version 2: 10 per US dollar), by the version in force on the stay's departure (`baseEarn`
 *   below). Money is handled in cents as a decimal string, never a float. A currency without a rate earns 0 and
 *   the stay is flagged `no_rate_for_currency` until an admin re-earns it under a version that has the rate
 *   (domain/re-earn.ts; ledger reason `stay_re_earn`).
 * - **Tier bonus**: +20 / 80 / 100 % of the base points for silver / gold / diamond, by the tier held when the
 *   stay completes (domain/tiers.ts `tierBonusPoints`).
 * - **Bonuses** (program rules): the referrer's bonus on the referred member's first stay (`referralBonus`),
 *   the welcome-back bonus of a lapsed guest's return (`welcomeBackBonus`).
 * - **By hand**: an admin's adjustment and a compensation on a service case.
 * - **Spent or lost**: a redemption (at least `redemptionMinimum`), and the expiry of the whole balance
 *   `pointsExpiryMonths` (24) after the last stay or redemption (domain/agenda.ts).
 *
 * Every movement is a `points_ledger` row with its reason, source and rules version, written once under its
 * idempotency key (db/repositories/ledger.ts).
 */
import type { ProgramRules } from './program.js';

/** '1280.5' -> 128050. Throws on anything that is not a non-negative decimal with at most two fraction digits. */
export function toCents(amount: string): number {
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(amount);
  if (!m) throw new RangeError(`not a money amount: ${amount}`);
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/**
 * `perUnit` points per whole unit of revenue (already in the program currency), rounded down. `perUnit` is taken
 * to a millionth of a point (version 2's 10 × 0.00661972 per yen is 0.0661972; hundredths would make it 0.07, 6 %
 * too much), and the product is exact in bigint arithmetic.
 */
export function basePointsForStay(roomRevenue: string, perUnit: number): number {
  const cents = BigInt(toCents(roomRevenue));
  const perUnitMillionths = BigInt(Math.round(perUnit * 1_000_000));
  return Number((cents * perUnitMillionths) / 100_000_000n);
}

export type EarnFlag = 'no_rate_for_currency';

/** Base points of a stay by a rules version: revenue × rate to the program currency × points per unit. */
export function baseEarn(
  input: { roomRevenue: string; currency: string },
  rules: Pick<ProgramRules, 'basePointsPerUnit' | 'currencyRates'>,
): { points: number; flag: EarnFlag | null } {
  const rate = rules.currencyRates[input.currency];
  if (rate === undefined || !(rate > 0)) return { points: 0, flag: 'no_rate_for_currency' };
  return { points: basePointsForStay(input.roomRevenue, rules.basePointsPerUnit * rate), flag: null };
}
