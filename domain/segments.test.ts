import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDaysToDay,
  addMonthsToDay,
  DEFAULT_SEGMENT_SETTINGS,
  lapsedFrom,
  lapsedWithin,
  quintileCuts,
  quintileScore,
  revenueShareOfTop,
  rfmMatches,
  rfmScores,
  scoreRange,
  scoreSpanRange,
  segmentSettingsFaults,
  tenureBounds,
  tenureOf,
  valueRankBounds,
  valueSegment,
  valueSegmentRanks,
  VALUE_SEGMENTS,
  type QuintileCuts,
  type Score,
} from './segments.js';
import type { Stage } from './stages.js';

const TENURE = { newMemberDays: 90, reminderMonths: 3 };

describe('value segments (Pareto)', () => {
  it('splits 100 spenders 5 / 15 / 50 / 30 by rank with the default shares', () => {
    const counts = { vip: 0, major: 0, ordinary: 0, small: 0 };
    for (let rank = 1; rank <= 100; rank++) counts[valueSegment({ rank, spenders: 100 })] += 1;
    expect(counts).toEqual({ vip: 5, major: 15, ordinary: 50, small: 30 });
    expect(valueRankBounds(100)).toEqual({ vip: 5, major: 20, ordinary: 70 });
  });

  it('gives a small base its VIP, and a guest who spent nothing is small', () => {
    expect(valueSegment({ rank: 1, spenders: 3 })).toBe('vip');
    expect(valueSegment({ rank: null, spenders: 3 })).toBe('small');
    expect(valueSegment({ rank: 1, spenders: 0 })).toBe('small');
  });

  it('agrees with its bounds for every rank and base', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, at) => {
        const rank = Math.max(1, Math.ceil(at * n));
        const b = valueRankBounds(n);
        const byBounds =
          rank <= b.vip ? 'vip' : rank <= b.major ? 'major' : rank <= b.ordinary ? 'ordinary' : 'small';
        expect(valueSegment({ rank, spenders: n })).toBe(byBounds);
      }),
    );
  });

  it('gives each segment the ranks valueSegment puts in it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 3000 }), (n, r) => {
        const rank = r === 0 || r > n ? null : r;
        const segment = valueSegment({ rank, spenders: n });
        for (const s of VALUE_SEGMENTS) {
          const w = valueSegmentRanks(s, valueRankBounds(n));
          const holds =
            rank === null ? w.withoutSpend : rank > w.after && (w.upTo === null || rank <= w.upTo);
          expect(holds, `${s} for rank ${rank} of ${n}`).toBe(s === segment);
        }
      }),
    );
  });

  it('measures the Pareto share: the top 20 % of 10 guests bring 80 % here', () => {
    expect(revenueShareOfTop([400, 400, 25, 25, 25, 25, 25, 25, 25, 25])).toBeCloseTo(0.8);
    expect(revenueShareOfTop([])).toBe(0);
  });

  it('refuses shares that do not rise and days that are not whole', () => {
    expect(segmentSettingsFaults(DEFAULT_SEGMENT_SETTINGS)).toEqual([]);
    expect(
      segmentSettingsFaults({
        value: { vipShare: 0.3, majorShare: 0.2, ordinaryShare: 0.7 },
        newMemberDays: 0.5,
      }),
    ).toEqual([
      { field: 'value', message: expect.stringContaining('must rise') as string },
      { field: 'newMemberDays', message: expect.stringContaining('whole number') as string },
    ]);
  });
});

describe('RFM scores', () => {
  const cuts: QuintileCuts = [10, 20, 30, 40];

  it('scores 1–5 by the cut points the value is above, reversed when less is better', () => {
    expect([5, 10, 11, 25, 40, 41].map((v) => quintileScore(v, cuts, true))).toEqual([1, 1, 2, 3, 4, 5]);
    expect([5, 10, 11, 25, 40, 41].map((v) => quintileScore(v, cuts, false))).toEqual([5, 5, 4, 3, 2, 1]);
    expect(
      rfmScores(
        { recencyDays: 30, stays: 6, revenue: 5000 },
        { recencyDays: [60, 180, 365, 730], stays: [1, 1, 2, 4], revenue: [200, 500, 1000, 3000] },
      ),
    ).toEqual({ r: 5, f: 5, m: 5 });
  });

  it('gives the same score to equal values, even when cut points tie', () => {
    expect(quintileScore(1, [1, 1, 2, 4], true)).toBe(1);
    expect(quintileScore(2, [1, 1, 2, 4], true)).toBe(3);
  });

  it('agrees with the ranges a statement filters by', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: -10, max: 1100 }),
        fc.boolean(),
        (raw, value, more) => {
          const c = [...raw].sort((a, b) => a - b) as unknown as QuintileCuts;
          const score = quintileScore(value, c, more);
          for (const s of [1, 2, 3, 4, 5] as Score[]) {
            const r = scoreRange(s, c, more);
            const inRange = (r.above === null || value > r.above) && (r.atMost === null || value <= r.atMost);
            expect(inRange, `score ${s} of ${value} in ${JSON.stringify(c)}`).toBe(s === score);
          }
        },
      ),
    );
  });
});

describe('RFM cut points and spans', () => {
  it('cuts at the first value reaching each fifth of the base, as percentile_disc does', () => {
    expect(quintileCuts([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).toEqual([2, 4, 6, 8]);
    expect(quintileCuts([1, 1, 1, 1, 2, 3])).toEqual([1, 1, 1, 2]);
    expect(quintileCuts([7])).toEqual([7, 7, 7, 7]);
    expect(quintileCuts([])).toBeNull();
    expect(quintileCuts(Array.from({ length: 15 }, (_, i) => i + 1))).toEqual([3, 6, 9, 12]);
  });

  it('scores about a fifth of a base of distinct values at each score', () => {
    const values = Array.from({ length: 100 }, (_, i) => i);
    const cuts = quintileCuts(values)!;
    const counts = [0, 0, 0, 0, 0];
    for (const v of values) counts[quintileScore(v, cuts, true) - 1]! += 1;
    expect(counts).toEqual([20, 20, 20, 20, 20]);
  });

  it('a span of scores is the range of values a statement filters by', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: -5, max: 60 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        (base, value, a, b, more) => {
          const cuts = quintileCuts(base)!;
          const span = [a, b] as const;
          const r = scoreSpanRange(span, cuts, more);
          const inRange =
            !r.none && (r.above === null || value > r.above) && (r.atMost === null || value <= r.atMost);
          const score = quintileScore(value, cuts, more);
          expect(inRange, `${value} in ${JSON.stringify(cuts)} span ${a}–${b}`).toBe(
            score >= a && score <= b,
          );
        },
      ),
    );
  });

  it('matches a guest when every measure given scores within its span; a guest without a stay never', () => {
    const scores = { r: 5, f: 1, m: 3 } as const;
    expect(rfmMatches(scores, {})).toBe(true);
    expect(rfmMatches(scores, { recency: [4, 5], monetary: [3, 3] })).toBe(true);
    expect(rfmMatches(scores, { recency: [4, 5], frequency: [2, 5] })).toBe(false);
    expect(rfmMatches(null, {})).toBe(false);
  });
});

describe('lapsed within N days', () => {
  const today = '2026-12-06';
  it('takes a lapsed guest whose move to lapsed is on or after the day N days ago', () => {
    expect(lapsedFrom(today, 90)).toBe('2026-09-07');
    expect(lapsedWithin({ stage: 'lapsed', lapsedOn: '2026-09-07' }, today, 90)).toBe(true);
    expect(lapsedWithin({ stage: 'lapsed', lapsedOn: '2026-09-06' }, today, 90)).toBe(false);
    expect(lapsedWithin({ stage: 'lapsed', lapsedOn: null }, today, 90)).toBe(false);
    // Lapsed recently, then back: not lapsed any more.
    expect(lapsedWithin({ stage: 'reactivated', lapsedOn: '2026-12-01' }, today, 90)).toBe(false);
  });

  it('agrees with the day a statement compares with, for any day and N', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 3650 }), (ago, days) => {
        const lapsedOn = addDaysToDay(today, -ago);
        expect(lapsedWithin({ stage: 'lapsed', lapsedOn }, today, days)).toBe(
          lapsedOn >= lapsedFrom(today, days),
        );
        expect(lapsedWithin({ stage: 'lapsed', lapsedOn }, today, days)).toBe(ago <= days);
      }),
    );
  });
});

describe('tenure', () => {
  const today = '2026-12-06';

  it('adds calendar months and days, clamping to the month end', () => {
    expect(addMonthsToDay('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonthsToDay('2024-03-31', -1)).toBe('2024-02-29');
    expect(addMonthsToDay('2026-12-06', -12)).toBe('2025-12-06');
    expect(addMonthsToDay('2026-12-06', 1)).toBe('2027-01-06');
    expect(addDaysToDay('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('names new members, a first year ending within 3 months, the established, prospects, lapsed and churned', () => {
    const t = (stage: Stage, enrolledOn: string | null) => tenureOf({ stage, enrolledOn }, today, TENURE);
    expect(t('member', '2026-12-06')).toBe('new');
    expect(t('member', '2026-09-08')).toBe('new'); // the 90th day
    expect(t('member', '2026-09-07')).toBe('established');
    expect(t('member', '2025-12-06')).toBe('first_year_ending'); // the anniversary is today
    expect(t('regular', '2026-03-06')).toBe('first_year_ending'); // three months away
    expect(t('member', '2026-03-07')).toBe('established');
    expect(t('member', '2025-12-05')).toBe('established'); // past the first year
    expect(t('prospect', null)).toBe('prospect');
    expect(t('lapsed', '2024-01-01')).toBe('lapsed');
    expect(t('churned', '2024-01-01')).toBe('churned');
  });

  it('agrees with the bounds a statement filters by', () => {
    const b = tenureBounds(today, TENURE);
    expect(b).toEqual({
      newFrom: '2026-09-08',
      firstYearEndingFrom: '2025-12-06',
      firstYearEndingTo: '2026-03-06',
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1200 }), (daysAgo) => {
        const enrolledOn = addDaysToDay(today, -daysAgo);
        const tenure = tenureOf({ stage: 'member', enrolledOn }, today, TENURE);
        const byBounds =
          enrolledOn >= b.newFrom
            ? 'new'
            : enrolledOn >= b.firstYearEndingFrom && enrolledOn <= b.firstYearEndingTo
              ? 'first_year_ending'
              : 'established';
        expect(tenure).toBe(byBounds);
      }),
    );
  });
});
