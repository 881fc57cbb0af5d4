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
