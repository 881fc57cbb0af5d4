/**
 * Points: base earn per unit of room revenue in the program currency, with a
 * per-currency rate table (a currency without a rate earns nothing and is
 * flagged). Money arrives as a decimal string and is handled in cents to
 * avoid float drift.
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
