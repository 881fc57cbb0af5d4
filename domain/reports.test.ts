import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  average,
  bucketOf,
  bucketsOf,
  caseOpenAt,
  costUnits,
  daysInWindow,
  defaultInterval,
  guestRates,
  INTERVALS,
  MAX_REPORT_DAYS,
  netPromoterScore,
  rate,
  retentionBaseFrom,
  standingAt,
  stockSeries,
  stockSeriesFromNow,
  suppressionReasonOf,
  windowProblem,
  winBackOutcome,
} from './reports.js';
import { addDaysToDay } from './segments.js';

describe('the window', () => {
  it('counts both ends and refuses a reversed or too long window, naming `to`', () => {
    expect(daysInWindow('2026-01-01', '2026-01-01')).toBe(1);
    expect(daysInWindow('2026-01-01', '2026-12-31')).toBe(365);
    expect(windowProblem('2026-01-02', '2026-01-01')).toEqual({
      field: 'to',
      message: 'must be on or after from',
    });
    expect(windowProblem('2025-01-01', '2026-12-31')).toBeUndefined(); // 730 days
    expect(windowProblem('2024-01-01', '2025-12-31')).toBeUndefined(); // 731 (a leap year)
    expect(windowProblem('2024-01-01', '2026-01-01')?.field).toBe('to'); // 732
    expect(MAX_REPORT_DAYS).toBe(731);
  });

  it('is shown in days up to 62 days, weeks up to 182, else months', () => {
    expect(defaultInterval('2026-01-01', '2026-03-03')).toBe('day'); // 62
    expect(defaultInterval('2026-01-01', '2026-03-04')).toBe('week');
    expect(defaultInterval('2026-01-01', '2026-07-01')).toBe('week'); // 182
    expect(defaultInterval('2026-01-01', '2026-07-02')).toBe('month');
  });
});

describe('buckets', () => {
  it('are calendar days, Monday weeks and months, cut at both ends of the window', () => {
    expect(bucketsOf('2026-12-30', '2027-01-01', 'day').map((b) => b.start)).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
    ]);
    // 2026-12-02 is a Wednesday.
    expect(bucketsOf('2026-12-02', '2026-12-20', 'week')).toEqual([
      { start: '2026-12-02', end: '2026-12-06' },
      { start: '2026-12-07', end: '2026-12-13' },
      { start: '2026-12-14', end: '2026-12-20' },
    ]);
    expect(bucketsOf('2026-01-15', '2026-03-10', 'month')).toEqual([
      { start: '2026-01-15', end: '2026-01-31' },
      { start: '2026-02-01', end: '2026-02-28' },
      { start: '2026-03-01', end: '2026-03-10' },
    ]);
    expect(bucketOf('2026-12-20', '2026-12-02', 'week')).toBe('2026-12-14'); // a Sunday: its Monday
    expect(bucketOf('2026-12-03', '2026-12-02', 'week')).toBe('2026-12-02'); // cut at `from`
    expect(bucketOf('2028-02-29', '2028-01-10', 'month')).toBe('2028-02-01');
  });

  it('hold every day of the window exactly once, in the bucket bucketOf names', () => {
    const day = fc.integer({ min: 0, max: 3000 }).map((n) => addDaysToDay('2024-01-01', n));
    fc.assert(
      fc.property(
        day,
        fc.integer({ min: 0, max: 400 }),
        fc.constantFrom(...INTERVALS),
        (from, span, interval) => {
          const to = addDaysToDay(from, span);
          const buckets = bucketsOf(from, to, interval);
          expect(buckets[0]!.start).toBe(from);
          expect(buckets.at(-1)!.end).toBe(to);
          for (let i = 1; i < buckets.length; i++)
            expect(buckets[i]!.start).toBe(addDaysToDay(buckets[i - 1]!.end, 1));
          for (let d = from; d <= to; d = addDaysToDay(d, 7)) {
            const b = buckets.find((x) => x.start <= d && d <= x.end)!;
            expect(bucketOf(d, from, interval)).toBe(b.start);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('stocks', () => {
  const buckets = bucketsOf('2026-01-01', '2026-03-31', 'month');

  it("start from what happened before the window and add each bucket's changes", () => {
    const series = stockSeries(buckets, ['member', 'regular'] as const, [
      { bucket: null, key: 'member', delta: 5 },
      { bucket: null, key: 'regular', delta: 2 },
      { bucket: '2026-02-01', key: 'member', delta: -1 },
      { bucket: '2026-02-01', key: 'regular', delta: 1 },
      { bucket: '2026-03-01', key: 'member', delta: 3 },
    ]);
    expect(series).toEqual([
      { bucket: '2026-01-01', counts: { member: 5, regular: 2 } },
      { bucket: '2026-02-01', counts: { member: 4, regular: 3 } },
      { bucket: '2026-03-01', counts: { member: 7, regular: 3 } },
    ]);
  });

  it('a guest stands where their last row put them, before it where its `from` says, and is not counted before entering', () => {
    const rows = [
      { at: '2026-02-10T00:00:00Z', from: null, to: 'member' as const },
      { at: '2026-03-05T00:00:00Z', from: 'member' as const, to: 'regular' as const },
    ];
    const guest = { enteredAt: '2026-02-01T00:00:00Z', current: 'regular' as const };
    expect(standingAt(guest, rows, '2026-01-31T23:59:59Z', 'prospect')).toBeUndefined();
    expect(standingAt(guest, rows, '2026-02-05T00:00:00Z', 'prospect')).toBe('prospect');
    expect(standingAt(guest, rows, '2026-02-10T00:00:00Z', 'prospect')).toBe('member');
    expect(standingAt(guest, rows, '2026-06-01T00:00:00Z', 'prospect')).toBe('regular');
    // A row dated before the guest row (a workflow's clock): the guest counts from the row.
    expect(
      standingAt({ ...guest, enteredAt: '2026-03-01T00:00:00Z' }, rows, '2026-02-11T00:00:00Z', 'prospect'),
    ).toBe('member');
    // No row: where the guest row says, from its time; never entered: never counted.
    expect(
      standingAt(
        { enteredAt: '2026-01-01T00:00:00Z', current: 'gold' },
        [],
        '2026-02-01T00:00:00Z',
        'member',
      ),
    ).toBe('gold');
    expect(
      standingAt({ enteredAt: null, current: 'member' }, [], '2026-02-01T00:00:00Z', 'member'),
    ).toBeUndefined();
  });
});

describe('stocks counted back from now', () => {
  const KEYS = ['a', 'b', 'c'] as const;
  type K = (typeof KEYS)[number];
  const day0 = Date.parse('2026-01-01T00:00:00Z');
  const iso = (hours: number) => new Date(day0 + hours * 3_600_000).toISOString();
  /** A guest: entered at `entered` hours, then moves at increasing hours to the keys given. */
  const guest = fc.record({
    entered: fc.integer({ min: -2000, max: 3000 }),
    initial: fc.constantFrom(...KEYS),
    moves: fc.array(fc.tuple(fc.integer({ min: 1, max: 900 }), fc.constantFrom(...KEYS)), { maxLength: 4 }),
  });

  it("agree with each guest's standing at the end of each bucket", () => {
    fc.assert(
      fc.property(fc.array(guest, { maxLength: 12 }), (guests) => {
        const buckets = bucketsOf('2026-01-01', '2026-03-31', 'month');
        const start = iso(0);
        const end = (b: { end: string }) => `${addDaysToDay(b.end, 1)}T00:00:00.000Z`;
        const histories = guests.map((g) => {
          let at = g.entered;
          let from: K = g.initial;
          const rows = g.moves.map(([gap, to]) => {
            at += gap;
            const row = { at: iso(at), from, to };
            from = to;
            return row;
          });
          return { guest: { enteredAt: iso(g.entered), current: from }, rows, initial: g.initial };
        });
        // Forward: each guest's standing at each bucket's end.
        const expected = buckets.map((b) => {
          const counts = { a: 0, b: 0, c: 0 };
          const at = new Date(Date.parse(end(b)) - 1).toISOString();
          for (const h of histories) {
            const s = standingAt(h.guest, h.rows, at, h.initial);
            if (s) counts[s] += 1;
          }
          return { bucket: b.start, counts };
        });
        // Back from now: where they stand now, and the entries and moves since the window's start.
        const now: Record<K, number> = { a: 0, b: 0, c: 0 };
        const changes: { bucket: string | null; from: K | null; to: K; count: number }[] = [];
        const bucketOfInstant = (at: string) =>
          buckets.find((b) => at >= `${b.start}T00:00:00.000Z` && at < end(b))?.start ?? null;
        for (const h of histories) {
          now[h.guest.current] += 1;
          if (h.guest.enteredAt >= start)
            changes.push({ bucket: bucketOfInstant(h.guest.enteredAt), from: null, to: h.initial, count: 1 });
          for (const r of h.rows)
            if (r.at >= start)
              changes.push({ bucket: bucketOfInstant(r.at), from: r.from, to: r.to, count: 1 });
        }
        expect(stockSeriesFromNow(buckets, KEYS, now, changes)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('mails and cases', () => {
  it('a suppression reason is the first word of the text, else other', () => {
    expect(suppressionReasonOf('frequency_cap: 3 marketing mails since 2026-11-18')).toBe('frequency_cap');
    expect(suppressionReasonOf('no_marketing_consent')).toBe('no_marketing_consent');
    expect(suppressionReasonOf('something new: x')).toBe('other');
    expect(suppressionReasonOf('')).toBe('other');
  });

  it('1:10:100 weighs the cases by how long they waited', () => {
    expect(costUnits({ same_day: 4, next_day: 2, later: 1 })).toEqual({
      units: { same_day: 4, next_day: 20, later: 100 },
      total: 124,
    });
  });

  it('a case is open from its opening to its resolution; a reopened one from its opening on', () => {
    const c = { openedAt: '2026-03-01T10:00:00Z', resolvedAt: '2026-03-03T10:00:00Z', status: 'closed' };
    expect(caseOpenAt(c, '2026-03-01T09:59:59Z')).toBe(false);
    expect(caseOpenAt(c, '2026-03-02T00:00:00Z')).toBe(true);
    expect(caseOpenAt(c, '2026-03-03T10:00:00Z')).toBe(false);
    expect(caseOpenAt({ ...c, status: 'open' }, '2026-04-01T00:00:00Z')).toBe(true);
    expect(caseOpenAt({ ...c, resolvedAt: null, status: 'open' }, '2026-04-01T00:00:00Z')).toBe(true);
  });
});

describe('rates', () => {
  it('are fractions to four decimals, null over nothing', () => {
    expect(rate(1, 3)).toBe(0.3333);
    expect(rate(0, 0)).toBeNull();
    expect(average(7, 2)).toBe(3.5);
    expect(average(0, 0)).toBeNull();
  });

  it('retention takes the guests of the 12 months before the window; repeat stays the guests of the window with two stays by its end', () => {
    const from = '2026-01-01';
    const to = '2026-12-31';
    expect(retentionBaseFrom(from)).toBe('2025-01-01');
    // Stayed last year and this year: in the base, retained, a repeater.
    expect(guestRates(['2025-06-01', '2026-03-01'], from, to)).toEqual({
      base: true,
      retained: true,
      stayed: true,
      repeater: true,
    });
    // Last year only: in the base, not retained.
    expect(guestRates(['2025-06-01'], from, to)).toEqual({
      base: true,
      retained: false,
      stayed: false,
      repeater: false,
    });
    // A first stay in the window: not in the base, not a repeater…
    expect(guestRates(['2026-03-01'], from, to)).toEqual({
      base: false,
      retained: false,
      stayed: true,
      repeater: false,
    });
    // … two in the window: a repeater; a stay three years ago counts towards repeating, not towards the base.
    expect(guestRates(['2026-03-01', '2026-04-01'], from, to).repeater).toBe(true);
    expect(guestRates(['2023-03-01', '2026-04-01'], from, to)).toEqual({
      base: false,
      retained: false,
      stayed: true,
      repeater: true,
    });
    // A stay after the window counts for nothing; the base ends the day before `from`.
    expect(guestRates(['2026-03-01', '2027-01-05'], from, to).repeater).toBe(false);
    expect(guestRates(['2024-12-31', '2026-01-01'], from, to).base).toBe(false);
    expect(guestRates(['2025-01-01', '2026-12-31'], from, to).retained).toBe(true);
  });

  it("a win-back converts when the guest is reactivated before another lapse, by the window's end", () => {
    const end = '2027-01-01T00:00:00Z';
    expect(winBackOutcome([{ at: '2026-05-01T00:00:00Z', to: 'reactivated' }], end)).toBe('reactivated');
    expect(winBackOutcome([{ at: '2026-05-01T00:00:00Z', to: 'churned' }], end)).toBe('churned');
    expect(
      winBackOutcome(
        [
          { at: '2026-05-01T00:00:00Z', to: 'churned' },
          { at: '2026-07-01T00:00:00Z', to: 'reactivated' },
        ],
        end,
      ),
    ).toBe('reactivated');
    expect(winBackOutcome([{ at: '2027-02-01T00:00:00Z', to: 'reactivated' }], end)).toBe('open');
    expect(
      winBackOutcome(
        [
          { at: '2026-05-01T00:00:00Z', to: 'lapsed' },
          { at: '2026-06-01T00:00:00Z', to: 'reactivated' },
        ],
        end,
      ),
    ).toBe('open');
  });

  it('the net promoter score is % promoters less % detractors', () => {
    expect(netPromoterScore({ promoters: 5, passives: 3, detractors: 2 })).toBe(30);
    expect(netPromoterScore({ promoters: 1, passives: 0, detractors: 2 })).toBe(-33.3);
    expect(netPromoterScore({ promoters: 0, passives: 0, detractors: 0 })).toBeNull();
  });
});
