import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bonusTierOf,
  dropsAtReview,
  higherTier,
  requalificationBounds,
  TIERS,
  type Tier,
  requalificationForecast,
  reviewedTier,
  shortfall,
  tierBonusPoints,
  tierEarnedBy,
  tierProgress,
} from './tiers.js';

describe('tierEarnedBy', () => {
  it('is member below every silver measure', () => {
    expect(tierEarnedBy({ stays: 3, nights: 9, basePoints: 24_999 })).toBe('member');
  });
  it('earns silver with 4 stays or 10 nights or 25,000 base points in a year', () => {
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
    expect(higherTier('member', 'diamond')).toBe('diamond');
  });
});

describe('reviewedTier (soft landing)', () => {
  it('keeps a requalified tier and raises to what was earned', () => {
    expect(reviewedTier({ current: 'gold', earned: 'gold', floor: null })).toBe('gold');
    expect(reviewedTier({ current: 'silver', earned: 'gold', floor: null })).toBe('gold');
  });
  it('falls at most one tier', () => {
    expect(reviewedTier({ current: 'gold', earned: 'member', floor: null })).toBe('silver');
    expect(reviewedTier({ current: 'diamond', earned: 'member', floor: null })).toBe('gold');
    expect(reviewedTier({ current: 'silver', earned: 'member', floor: null })).toBe('member');
  });
  it('never goes below a manual floor', () => {
    expect(reviewedTier({ current: 'gold', earned: 'member', floor: 'gold' })).toBe('gold');
  });
});

describe('shortfall and bonus', () => {
  it('says how many nights or stays are missing to keep a tier', () => {
    expect(shortfall({ stays: 15, nights: 30, basePoints: 0 }, 'gold')).toEqual({ nights: 10, stays: 5 });
    expect(shortfall({ stays: 20, nights: 30, basePoints: 0 }, 'gold')).toBeNull();
  });
  it('gives Silver +20 %, Gold +80 %, Diamond +100 % on base points', () => {
    expect(tierBonusPoints(1000, 'member')).toBe(0);
    expect(tierBonusPoints(1000, 'silver')).toBe(200);
    expect(tierBonusPoints(1000, 'gold')).toBe(800);
    expect(tierBonusPoints(1000, 'diamond')).toBe(1000);
  });
});

describe('tierProgress', () => {
  it('says what is missing to keep the tier held and to reach the next, by the end of the year', () => {
    const p = tierProgress({
      tier: 'gold',
      activity: { stays: 19, nights: 37, basePoints: 1000 },
      year: 2027,
    });
    expect(p.by).toBe('2027-12-31');
    expect(p.keep).toEqual({ tier: 'gold', nights: 3, stays: 1 });
    expect(p.kept).toBe(false);
    expect(p.next).toEqual({ tier: 'diamond', nights: 23, stays: 11 });
  });
  it('a tier earned again is kept; a member has nothing to keep; Diamond has no next', () => {
    expect(
      tierProgress({ tier: 'silver', activity: { stays: 4, nights: 4, basePoints: 0 }, year: 2027 }),
    ).toMatchObject({ keep: null, kept: true, next: { tier: 'gold', nights: 36, stays: 16 } });
    expect(
      tierProgress({ tier: 'member', activity: { stays: 0, nights: 0, basePoints: 0 }, year: 2027 }),
    ).toMatchObject({ keep: null, kept: false, next: { tier: 'silver', nights: 10, stays: 4 } });
    expect(
      tierProgress({ tier: 'diamond', activity: { stays: 0, nights: 0, basePoints: 0 }, year: 2027 }).next,
    ).toBeNull();
  });
});

describe('requalificationForecast', () => {
  it('names a Gold short of keeping it: one step down, with the nights or stays missing', () => {
    expect(
      requalificationForecast({
        tier: 'gold',
        floor: null,
        activity: { stays: 15, nights: 37, basePoints: 0 },
      }),
    ).toEqual({ tier: 'gold', forecast: 'silver', short: { nights: 3, stays: 5 }, heldByFloor: false });
  });

  it('drops at most one step, however thin the year, and says when a floor holds the tier', () => {
    const none = { stays: 0, nights: 0, basePoints: 0 };
    expect(requalificationForecast({ tier: 'diamond', floor: null, activity: none })?.forecast).toBe('gold');
    expect(requalificationForecast({ tier: 'gold', floor: 'gold', activity: none })).toMatchObject({
      forecast: 'gold',
      heldByFloor: true,
    });
  });

  it('leaves out members and a tier kept this year, as the keep-your-tier reminder does', () => {
    expect(
      requalificationForecast({
        tier: 'member',
        floor: null,
        activity: { stays: 0, nights: 0, basePoints: 0 },
      }),
    ).toBeNull();
    expect(
      requalificationForecast({
        tier: 'silver',
        floor: null,
        activity: { stays: 4, nights: 4, basePoints: 0 },
      }),
    ).toBeNull();
  });
});

describe('requalificationBounds', () => {
  it('finds exactly the members the forecast moves down, for any activity and floor', () => {
    const bounds = requalificationBounds();
    const tier = fc.constantFrom(...TIERS);
    fc.assert(
      fc.property(
        tier,
        fc.option(tier, { nil: null }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 0, max: 150_000 }),
        (held: Tier, floor: Tier | null, stays, nights, basePoints) => {
          const b = bounds.find((x) => x.tier === held);
          const inBounds =
            !!b &&
            stays < b.stays &&
            nights < b.nights &&
            basePoints < b.basePoints &&
            (floor === null || !b.holdingFloors.includes(floor));
          const verdict = dropsAtReview(
            requalificationForecast({ tier: held, floor, activity: { stays, nights, basePoints } }),
          );
          expect(inBounds, JSON.stringify({ held, floor, stays, nights, basePoints })).toBe(verdict);
        },
      ),
    );
  });
});

describe('bonusTierOf (a stay recorded before its bonus tier was)', () => {
  it('is the tier whose bonus on the base points is the bonus row, member for none', () => {
    expect(bonusTierOf(1408, 0)).toBe('member');
    expect(bonusTierOf(0, 0)).toBe('member');
    for (const tier of ['silver', 'gold', 'diamond'] as const)
      expect(bonusTierOf(1408, tierBonusPoints(1408, tier))).toBe(tier);
    // Gold (80 %) and diamond (100 %) apart on a small base too.
    expect(bonusTierOf(5, tierBonusPoints(5, 'gold'))).toBe('gold');
  });
});
