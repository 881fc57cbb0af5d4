import { describe, expect, it } from 'vitest';
import { baseEarn, basePointsForStay, toCents } from './points.js';

describe('basePointsForStay', () => {
  it('gives 10 points per unit of room revenue by default, rounded down', () => {
    expect(basePointsForStay('1280.00', 10)).toBe(12800);
    expect(basePointsForStay('1280.55', 10)).toBe(12805);
    expect(basePointsForStay('0.09', 10)).toBe(0);
    expect(basePointsForStay('0', 10)).toBe(0);
  });
  it('honours a fractional rate without float drift', () => {
    expect(basePointsForStay('100.10', 1.5)).toBe(150);
    expect(basePointsForStay('0.29', 100)).toBe(29);
  });
});

describe('baseEarn', () => {
  const rules = { basePointsPerUnit: 10, currencyRates: { CNY: 1, USD: 7.1 } };
  it('converts to the program currency by the rate table', () => {
    expect(baseEarn({ roomRevenue: '100', currency: 'CNY' }, rules)).toEqual({ points: 1000, flag: null });
    expect(baseEarn({ roomRevenue: '100', currency: 'USD' }, rules)).toEqual({ points: 7100, flag: null });
  });
  it('earns nothing and flags a currency without a rate', () => {
    expect(baseEarn({ roomRevenue: '100', currency: 'XAF' }, rules)).toEqual({
      points: 0,
      flag: 'no_rate_for_currency',
    });
  });
});

describe('toCents', () => {
  it('reads decimal strings', () => {
    expect(toCents('12')).toBe(1200);
    expect(toCents('12.5')).toBe(1250);
    expect(toCents('12.05')).toBe(1205);
  });
  it('refuses what is not money', () => {
    for (const bad of ['', '-1', '1.234', '1e3', 'abc', '1.']) expect(() => toCents(bad)).toThrow(RangeError);
  });
});

describe('baseEarn by version 2 (10 base points per US-dollar equivalent)', () => {
  it('converts each listed currency to USD first', async () => {
    const { RULES_V2 } = await import('./default-rules.js');
    const earn = (roomRevenue: string, currency: string) =>
      baseEarn({ roomRevenue, currency }, RULES_V2).points;
    expect(earn('100', 'USD')).toBe(1000);
    // 1280 × 0.140845 × 10 = 1802.8 (version 1: 12,800).
    expect(earn('1280.00', 'CNY')).toBe(1802);
    // 900 × 1.08451 × 10 = 9760.59.
    expect(earn('900', 'EUR')).toBe(9760);
    // 50,000 × 0.00661972 × 10 = 3309.86: the points per yen are kept to a millionth, not rounded to 0.07.
    expect(earn('50000', 'JPY')).toBe(3309);
    expect(baseEarn({ roomRevenue: '1000', currency: 'BRL' }, RULES_V2)).toEqual({
      points: 0,
      flag: 'no_rate_for_currency',
    });
  });
});
