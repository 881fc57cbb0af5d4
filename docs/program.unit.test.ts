import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULES_V1, RULES_V2, V1_CNY_PER_USD } from '../domain/default-rules.js';
import { baseEarn } from '../domain/points.js';
import { revenueToReach, tierRevenueRows } from '../domain/program-table.js';
import { tierEarnedBy } from '../domain/tiers.js';

const cells = (line: string) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());

/** The rows of the table between the markers of docs/program.md, without the separator row. */
function docTable(): string[][] {
  const doc = readFileSync(new URL('./program.md', import.meta.url), 'utf8');
  const start = doc.indexOf('<!-- tier-revenue-table:v2 -->');
  const end = doc.indexOf('<!-- /tier-revenue-table:v2 -->');
  expect(start).toBeGreaterThan(0);
  return doc
    .slice(start, end)
    .split('\n')
    .filter((l) => l.trim().startsWith('|') && !/^\|[\s|:-]+\|$/.test(l.trim()))
    .map(cells);
}

describe('docs/program.md: revenue per tier under version 2', () => {
  it('is the table the rules give', () => {
    expect(docTable()).toEqual(tierRevenueRows(RULES_V2));
  });

  it('each amount reaches the threshold and one unit less does not', () => {
    for (const currency of Object.keys(RULES_V2.currencyRates)) {
      for (const tier of ['silver', 'gold', 'diamond'] as const) {
        const threshold = RULES_V2.tiers[tier].basePoints;
        const units = revenueToReach(threshold, currency, RULES_V2)!;
        expect(baseEarn({ roomRevenue: String(units), currency }, RULES_V2).points).toBeGreaterThanOrEqual(
          threshold,
        );
        expect(baseEarn({ roomRevenue: String(units - 1), currency }, RULES_V2).points).toBeLessThan(
          threshold,
        );
      }
    }
  });

  it('10 base points per US dollar: Silver at USD 2,500, Gold at 7,500, Diamond at 12,000', () => {
    expect(
      ['silver', 'gold', 'diamond'].map((t) =>
        revenueToReach(RULES_V2.tiers[t as 'gold'].basePoints, 'USD', RULES_V2),
      ),
    ).toEqual([2500, 7500, 12000]);
  });
});

describe('version 2 against version 1', () => {
  it('keeps the thresholds and the tier bonus percentages', () => {
    expect(RULES_V2.tiers).toEqual(RULES_V1.tiers);
  });

  it('keeps the cross rates of version 1 (rates to USD = CNY rates / 7.1, six significant digits)', () => {
    for (const [currency, cny] of Object.entries(RULES_V1.currencyRates)) {
      const usd = RULES_V2.currencyRates[currency]!;
      expect(Math.abs(usd - cny / V1_CNY_PER_USD) / usd).toBeLessThan(5e-6);
    }
    expect(Object.keys(RULES_V2.currencyRates).sort()).toEqual(Object.keys(RULES_V1.currencyRates).sort());
  });

  it('divides the CNY-valued bonuses and the redemption minimum by 7.1, rounded to tens', () => {
    for (const key of ['referralBonus', 'welcomeBackBonus', 'redemptionMinimum'] as const) {
      expect(RULES_V2[key]).toBe(Math.round(RULES_V1[key] / V1_CNY_PER_USD / 10) * 10);
    }
  });

  it('two 3-night stays in Paris at 900 EUR: Silver, then Diamond under version 1, a Member under version 2', () => {
    const stay = { roomRevenue: '900.00', currency: 'EUR' };
    const v1 = baseEarn(stay, RULES_V1).points;
    const v2 = baseEarn(stay, RULES_V2).points;
    expect(v1).toBe(69_300);
    expect(v2).toBe(9_760);
    expect(tierEarnedBy({ stays: 1, nights: 3, basePoints: v1 }, RULES_V1.tiers)).toBe('silver');
    expect(tierEarnedBy({ stays: 2, nights: 6, basePoints: 2 * v1 }, RULES_V1.tiers)).toBe('diamond');
    expect(tierEarnedBy({ stays: 2, nights: 6, basePoints: 2 * v2 }, RULES_V2.tiers)).toBe('member');
  });
});
