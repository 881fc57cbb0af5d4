import { describe, expect, it } from 'vitest';
import { higherTier, tierEarnedBy } from './tiers.js';

describe('tierEarnedBy', () => {
  it('is blue below every silver measure', () => {
    expect(tierEarnedBy({ stays: 3, nights: 9, basePoints: 24_999 })).toBe('blue');
  });
  it('earns silver with 4 stays or 10 nights or 25,000 base points in a year (seed 000)', () => {
    expect(tierEarnedBy({ stays: 4, nights: 4, basePoints: 0 })).toBe('silver');
    expect(tierEarnedBy({ stays: 1, nights: 10, basePoints: 0 })).toBe('silver');
    expect(tierEarnedBy({ stays: 1, nights: 1, basePoints: 25_000 })).toBe('silver');
  });
  it('earns gold and diamond at their thresholds', () => {
    expect(tierEarnedBy({ stays: 20, nights: 0, basePoints: 0 })).toBe('gold');
    expect(tierEarnedBy({ stays: 0, nights: 40, basePoints: 0 })).toBe('gold');
    expect(tierEarnedBy({ stays: 0, nights: 59, basePoints: 119_999 })).toBe('gold');
    expect(tierEarnedBy({ stays: 30, nights: 0, basePoints: 0 })).toBe('diamond');
    expect(tierEarnedBy({ stays: 0, nights: 0, basePoints: 120_000 })).toBe('diamond');
  });
});

describe('higherTier', () => {
  it('never lowers a tier', () => {
    expect(higherTier('gold', 'silver')).toBe('gold');
    expect(higherTier('blue', 'diamond')).toBe('diamond');
    expect(higherTier('silver', 'silver')).toBe('silver');
  });
});
