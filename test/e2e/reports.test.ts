/**
 * The dashboard's reports over HTTP (api/reports/, db/repositories/reports.ts) on rows written here, directly in
 * Postgres, in 2025 (the reports read the record; nothing here depends on the day the test runs, but for the
 * cases open now): for a property of the test's own, every number of every report is the one worked out by
 * hand below, in Shanghai's days (one mail and one tier change sit on the edge of the year there and not in
 * UTC); for the whole group, the numbers are those domain/reports.ts decides over every row of the database;
 * another property and an unknown one filter; bad queries are 400s naming the field.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bucketsOf,
  guestRates,
  rate,
  retentionBaseFrom,
  standingAt,
  winBackOutcome,
  type ReportName,
} from '../../domain/reports.js';
import { addDaysToDay } from '../../domain/segments.js';
import { STAGES, type Stage } from '../../domain/stages.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { seedReportSamples } from '../report-samples.js';

let api: ApiStack;
const tag = randomUUID().slice(0, 5).toUpperCase();
const P = `RPT${tag}`;
const Q = `RPQ${tag}`;
const WINDOW = { from: '2025-01-01', to: '2025-12-31', zone: 'Asia/Shanghai', interval: 'month' };
const MONTHS = bucketsOf('2025-01-01', '2025-12-31', 'month').map((b) => b.start);

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-reports',
    pmsSecret: 'e2e-reports-pms-webhook-secret-0123456789',
    worker: false,
    keys: { marketer: 'e2e reports marketer', admin: 'e2e reports admin', ops: 'e2e reports ops' },
  });
  // The rows every number below is worked out from (test/report-samples.ts).
  await seedReportSamples(api.stack.db, tag);
});

afterAll(async () => {
  await api?.close();
});

async function report<T>(
  name: ReportName,
  query: Record<string, string>,
  role: 'marketer' | 'admin' = 'marketer',
) {
  const res = await api.request<T>(
    'GET',
    `/v1/reports/${name}?${new URLSearchParams(query).toString()}`,
    undefined,
    {
      key: api.keyFor(role),
    },
  );
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json;
}

/** A monthly series as rows of `[month, value]`, for reading. */
const monthly = <T>(series: { bucket: string }[], pick: (s: never) => T) =>
  series.map((s) => [s.bucket.slice(0, 7), pick(s as never)]);

interface StockAnswer {
  window: { buckets: string[]; interval: string; property: string | null; zone: string };
  series: { bucket: string; counts: Record<string, number> }[];
}

describe('a property of its own, in Shanghai days, by month', () => {
  const q = { ...WINDOW, property: P };

  it('guests by stage at the end of each month, from the stage history', async () => {
    const a = await report<StockAnswer & { stages: string[] }>('guests-by-stage', q);
    expect(a.window).toEqual({ ...WINDOW, property: P, buckets: MONTHS });
    expect(a.stages).toEqual([...STAGES]);
    const nonZero = (c: Record<string, number>) => Object.fromEntries(Object.entries(c).filter(([, n]) => n));
    expect(monthly(a.series, (s: { counts: Record<string, number> }) => nonZero(s.counts))).toEqual([
      ['2025-01', { member: 3, lapsed: 1 }],
      ['2025-02', { member: 2, regular: 1, lapsed: 1 }],
      ['2025-03', { member: 3, regular: 1, lapsed: 1 }],
      ['2025-04', { member: 3, regular: 1, lapsed: 1 }],
      ['2025-05', { member: 3, regular: 1, at_risk: 1, lapsed: 1 }],
      ['2025-06', { member: 2, regular: 1, at_risk: 1, lapsed: 2 }],
      ['2025-07', { member: 1, regular: 2, at_risk: 1, lapsed: 2 }],
      ['2025-08', { member: 1, regular: 2, lapsed: 3 }],
      ['2025-09', { member: 1, regular: 2, lapsed: 2, reactivated: 1 }],
      ['2025-10', { member: 1, regular: 2, lapsed: 1, reactivated: 2 }],
      ['2025-11', { member: 1, regular: 2, lapsed: 1, reactivated: 2 }],
      ['2025-12', { member: 1, regular: 2, lapsed: 1, reactivated: 2 }],
    ]);
    // Every stage is in every entry, zeros included.
    for (const s of a.series) expect(Object.keys(s.counts)).toEqual([...STAGES]);
  });

  it('members by tier, a review at 00:10 on 1 January in Shanghai counted in January', async () => {
    const a = await report<StockAnswer & { tiers: string[] }>('guests-by-tier', q);
    expect(a.tiers).toEqual(['member', 'silver', 'gold', 'diamond']);
    expect(monthly(a.series, (s: { counts: Record<string, number> }) => s.counts)).toEqual([
      ['2025-01', { member: 3, silver: 1, gold: 0, diamond: 0 }],
      ['2025-02', { member: 2, silver: 2, gold: 0, diamond: 0 }],
      ['2025-03', { member: 3, silver: 2, gold: 0, diamond: 0 }],
      ['2025-04', { member: 3, silver: 2, gold: 0, diamond: 0 }],
      ['2025-05', { member: 4, silver: 2, gold: 0, diamond: 0 }],
      ['2025-06', { member: 4, silver: 2, gold: 0, diamond: 0 }],
      ['2025-07', { member: 3, silver: 2, gold: 1, diamond: 0 }],
      ['2025-08', { member: 3, silver: 2, gold: 1, diamond: 0 }],
      ['2025-09', { member: 3, silver: 2, gold: 1, diamond: 0 }],
      ['2025-10', { member: 3, silver: 2, gold: 1, diamond: 0 }],
      ['2025-11', { member: 3, silver: 2, gold: 1, diamond: 0 }],
      ['2025-12', { member: 3, silver: 2, gold: 1, diamond: 0 }],
    ]);
  });

  it('stays by departure and guest mails by the day planned, by status; the 1 January mail only in Shanghai', async () => {
    interface A {
      series: { bucket: string; stays: number; nights: number; mails: Record<string, number> }[];
      totals: { stays: number; nights: number; mails: Record<string, number> };
    }
    const a = await report<A>('stays-and-mails', q);
    const none = { sent: 0, pending: 0, failed: 0, suppressed: 0 };
    expect(monthly(a.series, (s: A['series'][number]) => [s.stays, s.nights, s.mails])).toEqual([
      ['2025-01', [0, 0, { ...none, suppressed: 1 }]],
      ['2025-02', [1, 2, { ...none, sent: 1 }]],
      ['2025-03', [1, 2, { ...none, suppressed: 1 }]],
      ['2025-04', [0, 0, none]],
      ['2025-05', [1, 2, none]],
      ['2025-06', [0, 0, none]],
      ['2025-07', [1, 3, { sent: 0, pending: 1, failed: 1, suppressed: 1 }]],
      ['2025-08', [0, 0, none]],
      ['2025-09', [0, 0, none]],
      ['2025-10', [1, 2, none]],
      ['2025-11', [0, 0, none]],
      ['2025-12', [0, 0, none]],
    ]);
    expect(a.totals).toEqual({
      stays: 5,
      nights: 11,
      mails: { sent: 1, pending: 1, failed: 1, suppressed: 3 },
    });
    const utc = await report<A>('stays-and-mails', { ...q, zone: 'UTC' });
    expect(utc.totals.mails).toEqual({ sent: 1, pending: 1, failed: 1, suppressed: 2 });
    expect(utc.series[0]!.mails.suppressed).toBe(0);
  });

  it('suppressed mails by the first word of their reason, an unknown word as other', async () => {
    const a = await report<{
      total: number;
      reasons: { reason: string; mails: number; marketing: number; transactional: number }[];
    }>('suppressed-mails', q);
    expect(a.total).toBe(3);
    expect(a.reasons.map((r) => r.reason)).toEqual([
      'guest_erased',
      'no_guest',
      'no_staff_address',
      'not_in_house',
      'stay_too_old',
      'condition_not_met',
      'no_marketing_consent',
      'exit_condition',
      'open_service_case',
      'quiet_period',
      'frequency_cap',
      'other',
    ]);
    expect(a.reasons.filter((r) => r.mails > 0)).toEqual([
      { reason: 'condition_not_met', mails: 1, marketing: 0, transactional: 1 },
      { reason: 'frequency_cap', mails: 1, marketing: 1, transactional: 0 },
      { reason: 'other', mails: 1, marketing: 1, transactional: 0 },
    ]);
  });

  it('cases opened, resolved and escalated per month, the cases open at each month end, and now', async () => {
    interface A {
      now: { open: number; breached: number };
      totals: { opened: number; resolved: number; breaches: Record<string, number> };
      series: {
        bucket: string;
        opened: number;
        resolved: number;
        breaches: Record<string, number>;
        openAtEnd: number;
      }[];
    }
    const a = await report<A>('cases', q);
    expect(a.now).toEqual({ open: 2, breached: 2 });
    expect(a.totals).toEqual({ opened: 3, resolved: 3, breaches: { duty_manager: 1, general_manager: 1 } });
    expect(
      monthly(a.series, (s: A['series'][number]) => [
        s.opened,
        s.resolved,
        s.breaches.duty_manager,
        s.breaches.general_manager,
        s.openAtEnd,
      ]),
    ).toEqual([
      ['2025-01', [0, 1, 0, 0, 0]],
      ['2025-02', [0, 0, 0, 0, 0]],
      ['2025-03', [1, 1, 0, 0, 0]],
      ['2025-04', [0, 0, 0, 0, 0]],
      ['2025-05', [1, 1, 1, 0, 1]],
      ['2025-06', [0, 0, 0, 0, 1]],
      ['2025-07', [0, 0, 0, 0, 1]],
      ['2025-08', [0, 0, 0, 0, 1]],
      ['2025-09', [0, 0, 0, 0, 1]],
      ['2025-10', [0, 0, 0, 0, 1]],
      ['2025-11', [1, 0, 0, 1, 2]],
      ['2025-12', [0, 0, 0, 0, 2]],
    ]);
  });

  it('cases resolved in the window by 1:10:100 bucket, with their cost in same-day units', async () => {
    const a = await report<{ cases: number; units: number; buckets: unknown[] }>('cost-buckets', q);
    expect(a).toMatchObject({
      cases: 3,
      units: 201,
      buckets: [
        { bucket: 'same_day', weight: 1, cases: 1, share: 0.3333, units: 1 },
        { bucket: 'next_day', weight: 10, cases: 0, share: 0, units: 0 },
        { bucket: 'later', weight: 100, cases: 2, share: 0.6667, units: 200 },
      ],
    });
  });

  it('retention: of the guests of 2024, those back in 2025; repeat stays: of the guests of 2025, those with two stays', async () => {
    const a = await report<{ baseFrom: string; group: unknown; properties: unknown[] }>('retention', q);
    const rates = { base: 2, retained: 1, retentionRate: 0.5, stayed: 4, repeaters: 3, repeatStayRate: 0.75 };
    expect(a).toMatchObject({
      baseFrom: '2024-01-01',
      group: rates,
      properties: [{ property: P, ...rates }],
    });
  });

  it('win-back conversion: two lapses in the window, one back by its end', async () => {
    const a = await report<{ totals: unknown; series: { bucket: string }[] }>('win-back', q);
    expect(a.totals).toEqual({ started: 2, reactivated: 1, churned: 0, open: 1, conversionRate: 0.5 });
    expect(a.series.filter((s) => (s as unknown as { started: number }).started > 0)).toEqual([
      { bucket: '2025-06-01', started: 1, reactivated: 0, churned: 0, open: 1 },
      { bucket: '2025-08-01', started: 1, reactivated: 1, churned: 0, open: 0 },
    ]);
  });

  it('satisfaction: score, intent to return and recommend, by property and by department', async () => {
    const a = await report<{ overall: unknown; byProperty: unknown[]; byDepartment: unknown[] }>(
      'satisfaction',
      q,
    );
    const overall = {
      responses: 4,
      averageScore: 4,
      wouldReturn: { yes: 2, maybe: 1, no: 1, yesRate: 0.5 },
      recommend: { answered: 3, average: 7, promoters: 1, passives: 1, detractors: 1, nps: 0 },
    };
    expect(a.overall).toEqual(overall);
    expect(a.byProperty).toEqual([{ property: P, ...overall }]);
    expect(a.byDepartment).toEqual([
      {
        department: 'front_office',
        responses: 1,
        averageScore: 4,
        wouldReturn: { yes: 0, maybe: 1, no: 0, yesRate: 0 },
        recommend: { answered: 1, average: 8, promoters: 0, passives: 1, detractors: 0, nps: 0 },
        caseChecks: { satisfied: 0, unsatisfied: 1, satisfiedRate: 0 },
      },
      {
        department: 'housekeeping',
        responses: 1,
        averageScore: 2,
        wouldReturn: { yes: 0, maybe: 0, no: 1, yesRate: 0 },
        recommend: { answered: 1, average: 3, promoters: 0, passives: 0, detractors: 1, nps: -100 },
        caseChecks: { satisfied: 1, unsatisfied: 0, satisfiedRate: 1 },
      },
      {
        department: 'none',
        responses: 2,
        averageScore: 5,
        wouldReturn: { yes: 2, maybe: 0, no: 0, yesRate: 1 },
        recommend: { answered: 1, average: 10, promoters: 1, passives: 0, detractors: 0, nps: 100 },
        caseChecks: { satisfied: 0, unsatisfied: 0, satisfiedRate: null },
      },
    ]);
  });

  it('churn reasons given in the window, every reason listed', async () => {
    const a = await report<{
      total: number;
      reasons: { reason: string; guests: number; share: number | null }[];
    }>('churn-reasons', q);
    expect(a.total).toBe(1);
    expect(a.reasons).toEqual([
      { reason: 'moved_away', guests: 1, share: 1 },
      { reason: 'travel_less', guests: 0, share: 0 },
      { reason: 'other_hotel', guests: 0, share: 0 },
      { reason: 'price', guests: 0, share: 0 },
      { reason: 'bad_experience', guests: 0, share: 0 },
      { reason: 'other', guests: 0, share: 0 },
    ]);
  });

  it('by week and by day, the buckets are cut at the window and the figures the same', async () => {
    const weekly = await report<{ window: { buckets: string[]; interval: string }; totals: unknown }>(
      'stays-and-mails',
      { ...q, interval: 'week' },
    );
    expect(weekly.window.interval).toBe('week');
    // 1 January 2025 is a Wednesday: the first week is cut to it, then Mondays.
    expect(weekly.window.buckets.slice(0, 3)).toEqual(['2025-01-01', '2025-01-06', '2025-01-13']);
    expect(weekly.totals).toEqual({
      stays: 5,
      nights: 11,
      mails: { sent: 1, pending: 1, failed: 1, suppressed: 3 },
    });
    const daily = await report<{
      window: { buckets: string[]; interval: string };
      series: { bucket: string; stays: number }[];
    }>('stays-and-mails', { from: '2025-07-01', to: '2025-07-31', zone: WINDOW.zone, property: P });
    expect(daily.window.interval).toBe('day');
    expect(daily.window.buckets).toHaveLength(31);
    expect(daily.series.filter((s) => s.stays > 0)).toMatchObject([{ bucket: '2025-07-07', stays: 1 }]);
  });
});

describe('the filters', () => {
  it('another property has its own figures, and the admin sees them too', async () => {
    const q = { ...WINDOW, property: Q };
    const retention = await report<{ group: unknown }>('retention', q, 'admin');
    expect(retention.group).toEqual({
      base: 1,
      retained: 0,
      retentionRate: 0,
      stayed: 1,
      repeaters: 0,
      repeatStayRate: 0,
    });
    const winBack = await report<{ totals: unknown }>('win-back', q);
    expect(winBack.totals).toEqual({ started: 1, reactivated: 0, churned: 1, open: 0, conversionRate: 0 });
    const churn = await report<{ total: number; reasons: { reason: string; guests: number }[] }>(
      'churn-reasons',
      q,
    );
    expect(churn.reasons.filter((r) => r.guests)).toEqual([{ reason: 'price', guests: 1, share: 1 }]);
    const cost = await report<{ cases: number; units: number }>('cost-buckets', q);
    expect(cost).toMatchObject({ cases: 1, units: 10 });
  });

  it('an unknown property has nothing', async () => {
    const q = { ...WINDOW, property: `NONE${tag}` };
    const stages = await report<StockAnswer>('guests-by-stage', q);
    expect(stages.series.every((s) => Object.values(s.counts).every((n) => n === 0))).toBe(true);
    const sat = await report<{ overall: { responses: number }; byProperty: unknown[] }>('satisfaction', q);
    expect(sat.overall.responses).toBe(0);
    expect(sat.byProperty).toEqual([]);
  });

  it('the whole group agrees with the domain over every row of the database', async () => {
    const db = api.stack.db;
    // Retention and repeat stays: domain/reports.ts guestRates per guest, over all stays.
    const stays = await db('stays').select<{ guest_id: string; property_code: string; departure: string }[]>(
      'guest_id',
      'property_code',
      'departure',
    );
    const sums = (rows: typeof stays) => {
      const byGuest = new Map<string, string[]>();
      for (const s of rows) byGuest.set(s.guest_id, [...(byGuest.get(s.guest_id) ?? []), s.departure]);
      const verdicts = [...byGuest.values()].map((d) => guestRates(d, WINDOW.from, WINDOW.to));
      const n = (k: keyof (typeof verdicts)[number]) => verdicts.filter((v) => v[k]).length;
      return {
        base: n('base'),
        retained: n('retained'),
        retentionRate: rate(n('retained'), n('base')),
        stayed: n('stayed'),
        repeaters: n('repeater'),
        repeatStayRate: rate(n('repeater'), n('stayed')),
      };
    };
    const retention = await report<{
      baseFrom: string;
      group: unknown;
      properties: { property: string }[];
    }>('retention', WINDOW);
    expect(retention.baseFrom).toBe(retentionBaseFrom(WINDOW.from));
    expect(retention.group).toEqual(sums(stays));
    for (const code of [P, Q])
      expect(retention.properties.find((p) => p.property === code)).toEqual({
        property: code,
        ...sums(stays.filter((s) => s.property_code === code)),
      });

    // Guests by stage: domain/reports.ts standingAt per guest at the end of each month (Shanghai, UTC+8).
    const guests = await db('guests').select<{ id: string; created_at: Date; stage: Stage }[]>(
      'id',
      'created_at',
      'stage',
    );
    const history = await db('stage_history')
      .orderBy([{ column: 'at' }, { column: 'id' }])
      .select<{ guest_id: string; at: Date; from_stage: Stage | null; to_stage: Stage }[]>(
        'guest_id',
        'at',
        'from_stage',
        'to_stage',
      );
    const stagesAnswer = await report<StockAnswer>('guests-by-stage', WINDOW);
    const ends = bucketsOf(WINDOW.from, WINDOW.to, 'month').map(
      (b) => `${addDaysToDay(b.end, 1)}T00:00:00+08:00`,
    );
    const expected = ends.map((end) => {
      const counts = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
      for (const g of guests) {
        const rows = history
          .filter((h) => h.guest_id === g.id)
          .map((h) => ({ at: h.at.toISOString(), from: h.from_stage, to: h.to_stage }));
        const at = new Date(Date.parse(end) - 1).toISOString();
        const s = standingAt(
          { enteredAt: g.created_at.toISOString(), current: g.stage },
          rows,
          at,
          'prospect',
        );
        if (s) counts[s] += 1;
      }
      return counts;
    });
    expect(stagesAnswer.series.map((s) => s.counts)).toEqual(expected);
    // F, the prospect without a row, counts from June.
    expect(stagesAnswer.series[5]!.counts.prospect).toBeGreaterThanOrEqual(1);

    // Win-backs: each lapse of the window, its outcome by winBackOutcome.
    const end = `${addDaysToDay(WINDOW.to, 1)}T00:00:00+08:00`;
    const start = `${WINDOW.from}T00:00:00+08:00`;
    const outcomes = { started: 0, reactivated: 0, churned: 0, open: 0 };
    history.forEach((h, i) => {
      if (h.to_stage !== 'lapsed' || h.at < new Date(start) || h.at >= new Date(end)) return;
      const after = history
        .slice(i + 1)
        .filter((r) => r.guest_id === h.guest_id)
        .map((r) => ({ at: r.at.toISOString(), to: r.to_stage }));
      outcomes.started += 1;
      outcomes[winBackOutcome(after, new Date(end).toISOString())] += 1;
    });
    const winBack = await report<{ totals: Record<string, unknown> }>('win-back', WINDOW);
    expect(winBack.totals).toEqual({
      ...outcomes,
      conversionRate: rate(outcomes.reactivated, outcomes.started),
    });
  });
});

describe('bad queries', () => {
  const bad = async (query: Record<string, string>, field: string) => {
    const res = await api.request<{ error: { code: string; details: { field: string } } }>(
      'GET',
      `/v1/reports/cases?${new URLSearchParams(query).toString()}`,
      undefined,
      { key: api.keyFor('marketer') },
    );
    expect(res.status, JSON.stringify(res.json)).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
    expect(res.json.error.details.field).toBe(field);
  };

  it('are 400s naming the field', async () => {
    await bad({ to: '2025-12-31' }, 'from');
    await bad({ from: '2025-01-01' }, 'to');
    await bad({ from: '2025-13-01', to: '2025-12-31' }, 'from');
    await bad({ from: '2025-02-01', to: '2025-01-31' }, 'to');
    await bad({ from: '2023-01-01', to: '2025-01-02' }, 'to');
    await bad({ ...WINDOW, zone: 'Mars/Olympus' }, 'zone');
    await bad({ ...WINDOW, interval: 'year' }, 'interval');
    await bad({ ...WINDOW, property: '' }, 'property');
    await bad({ ...WINDOW, colour: 'red' }, 'colour');
  });

  it('an ops key is refused', async () => {
    const res = await api.request<{ error: { code: string } }>(
      'GET',
      `/v1/reports/retention?${new URLSearchParams(WINDOW).toString()}`,
      undefined,
      { key: api.keyFor('ops') },
    );
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('forbidden');
  });
});
