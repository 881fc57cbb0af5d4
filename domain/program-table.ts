/**
 * What room revenue reaches each tier by base points under a rules version: the table of docs/program.md,
 * computed here so a unit test (docs/program.unit.test.ts) keeps the page and the rules together.
 */
import { basePointsForStay } from './points.js';
import type { ProgramRules } from './program.js';

const TIERS = ['silver', 'gold', 'diamond'] as const;

/**
 * The least whole amount of `currency` whose base points (by `rules`, in one stay or summed over several, since
 * points are rounded down per stay this is the least) reach `points`; undefined for a currency without a rate.
 */
export function revenueToReach(points: number, currency: string, rules: ProgramRules): number | undefined {
  const rate = rules.currencyRates[currency];
  if (rate === undefined || !(rate > 0)) return undefined;
  const perUnit = rules.basePointsPerUnit * rate;
  let units = Math.floor(points / perUnit);
  while (basePointsForStay(String(units), perUnit) < points) units += 1;
  while (units > 0 && basePointsForStay(String(units - 1), perUnit) >= points) units -= 1;
  return units;
}

/** The table's rows: a currency and the revenue reaching Silver, Gold, Diamond by base points. */
export function tierRevenueRows(rules: ProgramRules): string[][] {
  const header = [
    'currency',
    `rate to ${rules.programCurrency}`,
    `base points per unit`,
    ...TIERS.map(
      (t) => `${t[0]!.toUpperCase()}${t.slice(1)} (${rules.tiers[t].basePoints.toLocaleString('en-US')})`,
    ),
  ];
  const rows = Object.entries(rules.currencyRates).map(([currency, rate]) => [
    currency,
    String(rate),
    String(Number((rules.basePointsPerUnit * rate).toPrecision(6))),
    ...TIERS.map((t) => revenueToReach(rules.tiers[t].basePoints, currency, rules)!.toLocaleString('en-US')),
  ]);
  return [header, ...rows];
}
