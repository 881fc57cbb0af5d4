/**
 * The dashboard's reports (`GET /v1/reports/<name>`): each reads its statements of db/repositories/reports.ts and
 * shapes the answer by the rules of domain/reports.ts — every bucket of the window present (zeros included),
 * every stage, tier, reason or cost bucket present, the rates computed once here. The console's charts and their
 * tables are drawn from these answers as they are (console/src/pages/dashboard/). docs/reports.md defines
 * each number.
 */
import type { Db } from '../../db/knex.js';
import * as reports from '../../db/repositories/reports.js';
import type { ReportWindow, SatisfactionSums } from '../../db/repositories/reports.js';
import { COST_BUCKETS, DEPARTMENTS, SLA_STATES } from '../../domain/cases.js';
import { SUPPRESSION_REASONS } from '../../domain/mail-policy.js';
import {
  average,
  bucketsOf,
  costUnits,
  COST_WEIGHTS,
  defaultInterval,
  MAIL_STATUSES,
  netPromoterScore,
  rate,
  retentionBaseFrom,
  stockSeries,
  stockSeriesFromNow,
  suppressionReasonOf,
  type Bucket,
  type Interval,
  type MailStatus,
  type ReportName,
} from '../../domain/reports.js';
import { STAGES } from '../../domain/stages.js';
import { TIERS } from '../../domain/tiers.js';
import { CHURN_REASONS } from '../links/pages.js';
import type { ReportQuery } from './schema.js';

export interface ReportsDeps {
  db: Db;
}

/** The window an answer is for: as asked, with the interval chosen and the buckets' first days. */
export interface WindowView {
  from: string;
  to: string;
  zone: string;
  interval: Interval;
  property: string | null;
  /** The first day of each bucket, in order (the series have one entry each, in this order). */
  buckets: string[];
}

interface Ctx {
  w: ReportWindow;
  buckets: Bucket[];
  view: WindowView;
}

function contextOf(q: ReportQuery): Ctx {
  const interval = q.interval ?? defaultInterval(q.from, q.to);
  const buckets = bucketsOf(q.from, q.to, interval);
  const starts = buckets.map((b) => b.start);
  const property = q.property ?? null;
  const w: ReportWindow = { from: q.from, to: q.to, zone: q.zone, interval, starts, property };
  return {
    w,
    buckets,
    view: { from: q.from, to: q.to, zone: q.zone, interval, property, buckets: starts },
  };
}

/** `{ key: 0, … }` for every key. */
const zeros = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

// ---- the reports ----------------------------------------------------------------------------------------------

/** Guests by lifecycle stage at the end of each bucket. */
async function guestsByStage(deps: ReportsDeps, ctx: Ctx) {
  const rows = await reports.stageStock(deps.db, ctx.w);
  return { window: ctx.view, stages: [...STAGES], series: stockOf(ctx, STAGES, rows) };
}

/** Members by tier at the end of each bucket. */
async function guestsByTier(deps: ReportsDeps, ctx: Ctx) {
  const rows = await reports.tierStock(deps.db, ctx.w);
  return { window: ctx.view, tiers: [...TIERS], series: stockOf(ctx, TIERS, rows) };
}

/** The stock per bucket from where the guests stand now and the changes since the start (unknown keys left out). */
function stockOf<K extends string>(ctx: Ctx, keys: readonly K[], rows: reports.StockRow[]) {
  const known = (k: string | null): k is K => k !== null && (keys as readonly string[]).includes(k);
  const now: Partial<Record<K, number>> = {};
  const changes: { bucket: string | null; from: K | null; to: K; count: number }[] = [];
  for (const r of rows) {
    if (r.kind === 'now') {
      if (known(r.to)) now[r.to] = (now[r.to] ?? 0) + r.count;
    } else if (known(r.to) && (r.from === null || known(r.from))) {
      changes.push({ bucket: r.bucket, from: r.from, to: r.to, count: r.count });
    }
  }
  return stockSeriesFromNow(ctx.buckets, keys, now, changes);
}

/** Stays (by departure day) and guest mails (by planned day, by status) per bucket. */
async function staysAndMails(deps: ReportsDeps, ctx: Ctx) {
  const [stays, mails] = await Promise.all([
    reports.staysPerBucket(deps.db, ctx.w),
    reports.mailsPerBucket(deps.db, ctx.w),
  ]);
  const series = ctx.buckets.map((b) => ({
    bucket: b.start,
    stays: 0,
    nights: 0,
    mails: zeros(MAIL_STATUSES),
  }));
  const at = new Map(series.map((s) => [s.bucket, s]));
  for (const r of stays) {
    const s = at.get(r.bucket);
    if (s) Object.assign(s, { stays: r.stays, nights: r.nights });
  }
  for (const r of mails) {
    const s = at.get(r.bucket);
    if (s && (MAIL_STATUSES as readonly string[]).includes(r.status))
      s.mails[r.status as MailStatus] += r.mails;
  }
  const totals = {
    stays: series.reduce((n, s) => n + s.stays, 0),
    nights: series.reduce((n, s) => n + s.nights, 0),
    mails: Object.fromEntries(
      MAIL_STATUSES.map((st) => [st, series.reduce((n, s) => n + s.mails[st], 0)]),
    ) as Record<MailStatus, number>,
  };
  return { window: ctx.view, series, totals };
}

const REASONS = [...SUPPRESSION_REASONS, 'other'] as const;

/** Suppressed guest mails by reason (the first word of the reason), marketing and transactional apart. */
async function suppressedMails(deps: ReportsDeps, ctx: Ctx) {
  const found = await reports.suppressedMails(deps.db, ctx.w);
  const rows = REASONS.map((reason) => ({ reason, mails: 0, marketing: 0, transactional: 0 }));
  for (const r of found) {
    const row = rows.find((x) => x.reason === suppressionReasonOf(r.word))!;
    row.mails += r.mails;
    if (r.class === 'marketing') row.marketing += r.mails;
    else row.transactional += r.mails;
  }
  return { window: ctx.view, total: rows.reduce((n, r) => n + r.mails, 0), reasons: rows };
}

const BREACH_LEVELS = SLA_STATES.filter((s) => s !== 'on_track');
type BreachLevel = (typeof BREACH_LEVELS)[number];

/** Cases opened, resolved and escalated (an SLA breached) per bucket, the cases open at each bucket's end, and now. */
async function cases(deps: ReportsDeps, ctx: Ctx) {
  const [events, now] = await Promise.all([
    reports.caseEvents(deps.db, ctx.w),
    reports.casesOpenNow(deps.db, ctx.w),
  ]);
  const open = stockSeries(
    ctx.buckets,
    ['open'] as const,
    events
      .filter((e) => e.kind === 'opened' || e.kind === 'unopened')
      .map((e) => ({
        bucket: e.bucket,
        key: 'open' as const,
        delta: e.kind === 'opened' ? e.cases : -e.cases,
      })),
  );
  const series = ctx.buckets.map((b, i) => ({
    bucket: b.start,
    opened: 0,
    resolved: 0,
    breaches: zeros(BREACH_LEVELS),
    openAtEnd: open[i]!.counts.open,
  }));
  const at = new Map(series.map((s) => [s.bucket, s]));
  for (const e of events) {
    const s = e.bucket === null ? undefined : at.get(e.bucket);
    if (!s) continue;
    if (e.kind === 'opened') s.opened += e.cases;
    else if (e.kind === 'resolved') s.resolved += e.cases;
    else if (e.kind === 'breach' && (BREACH_LEVELS as readonly string[]).includes(e.level ?? ''))
      s.breaches[e.level as BreachLevel] += e.cases;
  }
  return {
    window: ctx.view,
    now,
    totals: {
      opened: series.reduce((n, s) => n + s.opened, 0),
      resolved: series.reduce((n, s) => n + s.resolved, 0),
      breaches: Object.fromEntries(
        BREACH_LEVELS.map((l) => [l, series.reduce((n, s) => n + s.breaches[l], 0)]),
      ) as Record<BreachLevel, number>,
    },
    series,
  };
}

/** Cases resolved in the window by 1:10:100 bucket, with their cost in same-day units. */
async function costBuckets(deps: ReportsDeps, ctx: Ctx) {
  const found = await reports.costBuckets(deps.db, ctx.w);
  const counts = zeros(COST_BUCKETS);
  for (const r of found)
    if ((COST_BUCKETS as readonly string[]).includes(r.bucket))
      counts[r.bucket as keyof typeof counts] = r.cases;
  const { units, total } = costUnits(counts);
  const cases = COST_BUCKETS.reduce((n, b) => n + counts[b], 0);
  return {
    window: ctx.view,
    cases,
    units: total,
    buckets: COST_BUCKETS.map((b) => ({
      bucket: b,
      weight: COST_WEIGHTS[b],
      cases: counts[b],
      share: rate(counts[b], cases),
      units: units[b],
    })),
  };
}

const rates = (r: reports.RetentionRow) => ({
  base: r.base,
  retained: r.retained,
  retentionRate: rate(r.retained, r.base),
  stayed: r.stayed,
  repeaters: r.repeaters,
  repeatStayRate: rate(r.repeaters, r.stayed),
});

/** Retention rate and repeat-stay rate for the group (or the property asked for), and per property. */
async function retention(deps: ReportsDeps, ctx: Ctx) {
  const baseFrom = retentionBaseFrom(ctx.w.from);
  const found = await reports.retention(deps.db, ctx.w, baseFrom);
  const all = found.find((r) => r.property === null) ?? {
    property: null,
    base: 0,
    retained: 0,
    stayed: 0,
    repeaters: 0,
  };
  const properties =
    ctx.w.property === null
      ? found
          .filter((r): r is reports.RetentionRow & { property: string } => r.property !== null)
          .sort((a, b) => a.property.localeCompare(b.property))
          .map((r) => ({ property: r.property, ...rates(r) }))
      : [{ property: ctx.w.property, ...rates(all) }];
  return {
    window: ctx.view,
    /** The first day of the retention base: the 12 months before `from`. */
    baseFrom,
    group: rates(all),
    properties,
  };
}

const OUTCOMES = ['reactivated', 'churned', 'open'] as const;

/** Win-backs started in the window (lapses) per bucket, and how many came back, churned or are still open. */
async function winBack(deps: ReportsDeps, ctx: Ctx) {
  const found = await reports.winBacks(deps.db, ctx.w);
  const series = ctx.buckets.map((b) => ({ bucket: b.start, started: 0, ...zeros(OUTCOMES) }));
  const at = new Map(series.map((s) => [s.bucket, s]));
  for (const r of found) {
    const s = at.get(r.bucket);
    if (!s || !(OUTCOMES as readonly string[]).includes(r.outcome)) continue;
    s.started += r.winBacks;
    s[r.outcome] += r.winBacks;
  }
  const sum = (k: 'started' | (typeof OUTCOMES)[number]) => series.reduce((n, s) => n + s[k], 0);
  return {
    window: ctx.view,
    totals: {
      started: sum('started'),
      reactivated: sum('reactivated'),
      churned: sum('churned'),
      open: sum('open'),
      conversionRate: rate(sum('reactivated'), sum('started')),
    },
    series,
  };
}

const NO_SUMS: SatisfactionSums = {
  responses: 0,
  score_sum: 0,
  return_yes: 0,
  return_maybe: 0,
  return_no: 0,
  promoters: 0,
  passives: 0,
  detractors: 0,
  recommend_sum: 0,
};

/** The satisfaction figures of a set of answers. */
function figures(s: SatisfactionSums) {
  const answered = s.promoters + s.passives + s.detractors;
  return {
    responses: s.responses,
    averageScore: average(s.score_sum, s.responses),
    wouldReturn: {
      yes: s.return_yes,
      maybe: s.return_maybe,
      no: s.return_no,
      yesRate: rate(s.return_yes, s.responses),
    },
    recommend: {
      answered,
      average: average(s.recommend_sum, answered),
      promoters: s.promoters,
      passives: s.passives,
      detractors: s.detractors,
      nps: netPromoterScore(s),
    },
  };
}

/** Survey answers (score, would return, recommend) by property and by department, and cases' satisfaction checks. */
async function satisfaction(deps: ReportsDeps, ctx: Ctx) {
  const [answers, checks] = await Promise.all([
    reports.satisfaction(deps.db, ctx.w),
    reports.caseSatisfaction(deps.db, ctx.w),
  ]);
  const byProperty = answers.filter((r) => r.by === 'property').map((r) => ({ ...r, property: r.key }));
  const byDepartment = answers.filter((r) => r.by === 'department').map((r) => ({ ...r, department: r.key }));
  const overall = byProperty.find((r) => r.property === null) ?? NO_SUMS;
  const departments = [
    ...DEPARTMENTS.filter(
      (d) => byDepartment.some((r) => r.department === d) || checks.some((c) => c.department === d),
    ),
    'none' as const,
  ];
  return {
    window: ctx.view,
    overall: figures(overall),
    byProperty: byProperty
      .filter((r): r is typeof r & { property: string } => r.property !== null)
      .sort((a, b) => a.property.localeCompare(b.property))
      .map((r) => ({ property: r.property, ...figures(r) })),
    byDepartment: departments.map((d) => {
      const check = checks.find((c) => c.department === d);
      return {
        department: d,
        ...figures(byDepartment.find((r) => (r.department ?? 'none') === d) ?? NO_SUMS),
        caseChecks: {
          satisfied: check?.satisfied ?? 0,
          unsatisfied: check?.unsatisfied ?? 0,
          satisfiedRate: rate(check?.satisfied ?? 0, (check?.satisfied ?? 0) + (check?.unsatisfied ?? 0)),
        },
      };
    }),
  };
}

/** The answers to "why did you leave" given in the window, by reason. */
async function churnReasons(deps: ReportsDeps, ctx: Ctx) {
  const found = await reports.churnReasons(deps.db, ctx.w);
  const known = (r: string) => (CHURN_REASONS as readonly string[]).includes(r);
  const total = found.reduce((n, r) => n + r.guests, 0);
  const count = (reason: string) =>
    found.filter((r) => (known(r.reason) ? r.reason : 'other') === reason).reduce((n, r) => n + r.guests, 0);
  return {
    window: ctx.view,
    total,
    reasons: CHURN_REASONS.map((reason) => ({
      reason,
      guests: count(reason),
      share: rate(count(reason), total),
    })),
  };
}

const REPORTS = {
  'guests-by-stage': guestsByStage,
  'guests-by-tier': guestsByTier,
  'stays-and-mails': staysAndMails,
  'suppressed-mails': suppressedMails,
  cases,
  'cost-buckets': costBuckets,
  retention,
  'win-back': winBack,
  satisfaction,
  'churn-reasons': churnReasons,
} satisfies Record<ReportName, (deps: ReportsDeps, ctx: Ctx) => Promise<unknown>>;

export type ReportAnswer<N extends ReportName> = Awaited<ReturnType<(typeof REPORTS)[N]>>;

/** The report `name` for the window asked. */
export function runReport<N extends ReportName>(
  deps: ReportsDeps,
  name: N,
  query: ReportQuery,
): Promise<ReportAnswer<N>> {
  return (REPORTS[name] as (deps: ReportsDeps, ctx: Ctx) => Promise<ReportAnswer<N>>)(deps, contextOf(query));
}
