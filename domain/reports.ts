/**
 * The marketing dashboard's rules (`GET /v1/reports/<name>`, api/reports/; docs/reports.md): the reports and
 * their window, the buckets a window is cut into, the stock of guests by stage or tier at the end of each
 * bucket, what counts as a suppression reason, the 1:10:100 weights, the rates (retention, repeat stays,
 * win-back conversion, would return, net promoter score) and, for each report that decides per guest, the
 * verdict for one guest's facts. The statements of db/repositories/reports.ts compute the same over the whole
 * base; test/e2e/reports.test.ts checks that they agree with these functions on rows written there.
 *
 * Pure: dates are `YYYY-MM-DD` strings, instants ISO strings; no clock, no zone data (the statements turn
 * instants into local dates in the zone asked for).
 */
import { COST_BUCKETS, type CaseCostBucket } from './cases.js';
import { SUPPRESSION_REASONS, type SuppressionReason } from './mail-policy.js';
import { addDaysToDay, addMonthsToDay } from './segments.js';

/** Every report, by the last segment of its path (`GET /v1/reports/<name>`). */
export const REPORT_NAMES = [
  'guests-by-stage',
  'guests-by-tier',
  'stays-and-mails',
  'suppressed-mails',
  'cases',
  'cost-buckets',
  'retention',
  'win-back',
  'satisfaction',
  'churn-reasons',
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

/** The longest window a report takes, in days (both ends counted): two years and a leap day. */
export const MAX_REPORT_DAYS = 731;

/** How a window is cut for the series over time. */
export const INTERVALS = ['day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

/** Days from `from` to `to`, both counted (`2026-01-01`–`2026-01-01` is 1). */
export function daysInWindow(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** What is wrong with a window (`from` after `to`, longer than MAX_REPORT_DAYS), or undefined. */
export function windowProblem(from: string, to: string): { field: 'to'; message: string } | undefined {
  const days = daysInWindow(from, to);
  if (days < 1) return { field: 'to', message: 'must be on or after from' };
  if (days > MAX_REPORT_DAYS)
    return { field: 'to', message: `must be at most ${MAX_REPORT_DAYS} days after from (both counted)` };
  return undefined;
}

/** The interval a window is shown in when none is asked for: days up to 62 days, weeks up to 26 weeks, else months. */
export function defaultInterval(from: string, to: string): Interval {
  const days = daysInWindow(from, to);
  return days <= 62 ? 'day' : days <= 182 ? 'week' : 'month';
}

/** The day a bucket of `interval` holding `day` starts: the day, its Monday, the 1st of its month. */
function calendarStart(day: string, interval: Interval): string {
  if (interval === 'day') return day;
  if (interval === 'month') return `${day.slice(0, 7)}-01`;
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDaysToDay(day, -((weekday + 6) % 7));
}

/**
 * The bucket of a day in a window: the start of its day, week (Monday) or month, but never before `from` (the
 * first bucket is cut at the window's start; the last at its end). The statements group by the same
 * (`greatest(date_trunc(interval, day), from)`).
 */
export function bucketOf(day: string, from: string, interval: Interval): string {
  const start = calendarStart(day, interval);
  return start < from ? from : start;
}

/** A bucket: its first day and its last (both in the window). */
export interface Bucket {
  start: string;
  end: string;
}

/** The buckets of a window, in order: every day, week or calendar month that meets it, cut to the window. */
export function bucketsOf(from: string, to: string, interval: Interval): Bucket[] {
  const starts: string[] = [];
  for (let day = from; day <= to;) {
    starts.push(day);
    const start = calendarStart(day, interval);
    day =
      interval === 'day'
        ? addDaysToDay(day, 1)
        : interval === 'week'
          ? addDaysToDay(start, 7)
          : addMonthsToDay(start, 1);
  }
  return starts.map((start, i) => ({
    start,
    end: i + 1 < starts.length ? addDaysToDay(starts[i + 1]!, -1) : to,
  }));
}

// ---- stocks: guests by stage, members by tier ---------------------------------------------------------------

/**
 * One change of a stock: `delta` guests enter (+1) or leave (−1) `key` (a stage, a tier) in `bucket` (its start),
 * or before the window (`bucket` null). A guest who moves is −1 in the old key and +1 in the new.
 */
export interface StockChange<K extends string> {
  bucket: string | null;
  key: K;
  delta: number;
}

/** The stock at the end of each bucket, from the changes: everything before the window, then bucket by bucket. */
export function stockSeries<K extends string>(
  buckets: readonly Bucket[],
  keys: readonly K[],
  changes: readonly StockChange<K>[],
): { bucket: string; counts: Record<K, number> }[] {
  const counts = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  const byBucket = new Map<string, StockChange<K>[]>();
  for (const c of changes) {
    if (!(keys as readonly string[]).includes(c.key)) continue;
    if (c.bucket === null) counts[c.key] += c.delta;
    else byBucket.set(c.bucket, [...(byBucket.get(c.bucket) ?? []), c]);
  }
  return buckets.map((b) => {
    for (const c of byBucket.get(b.start) ?? []) counts[c.key] += c.delta;
    return { bucket: b.start, counts: { ...counts } };
  });
}

/**
 * The stock at the end of each bucket, counted back from now (what db/repositories/reports.ts reads: the guests
 * where they stand now, and only the changes since the window's start): before the window the stock was `now`
 * less every change since; then each bucket's changes (`bucket` null: after the window's end) are added back.
 * A change moves `count` guests from `from` (null: they entered) to `to`.
 */
export function stockSeriesFromNow<K extends string>(
  buckets: readonly Bucket[],
  keys: readonly K[],
  now: Partial<Record<K, number>>,
  changes: readonly { bucket: string | null; from: K | null; to: K; count: number }[],
): { bucket: string; counts: Record<K, number> }[] {
  const before: StockChange<K>[] = keys.map((k) => ({ bucket: null, key: k, delta: now[k] ?? 0 }));
  const inWindow: StockChange<K>[] = [];
  for (const c of changes) {
    before.push({ bucket: null, key: c.to, delta: -c.count });
    if (c.from !== null) before.push({ bucket: null, key: c.from, delta: c.count });
    if (c.bucket === null) continue;
    inWindow.push({ bucket: c.bucket, key: c.to, delta: c.count });
    if (c.from !== null) inWindow.push({ bucket: c.bucket, key: c.from, delta: -c.count });
  }
  return stockSeries(buckets, keys, [...before, ...inWindow]);
}

/**
 * Where a guest stands at an instant, from their history (stage_history or tier_history, in the order the rows
 * happened): the `to` of the last row at or before `at`; before the first row, that row's `from` (a stage row's
 * `from_stage` may be null: then `initial`); a guest with no row stands where the guest row says (`current`).
 * Counted from the guest's entry (`created_at` for stages, `enrolled_at` for tiers), or their first row if it is
 * earlier; never entered (null: a guest never enrolled), never counted. Each row's `from` is the `to` of the row
 * before it (the workflow records both): counted back from now, as db/repositories/reports.ts does, gives the
 * same.
 */
export function standingAt<K extends string>(
  guest: { enteredAt: string | null; current: K },
  rows: readonly { at: string; from: K | null; to: K }[],
  at: string,
  initial: K,
): K | undefined {
  if (guest.enteredAt === null) return undefined;
  const first = rows[0];
  const entered = first && Date.parse(first.at) < Date.parse(guest.enteredAt) ? first.at : guest.enteredAt;
  if (Date.parse(entered) > Date.parse(at)) return undefined;
  if (!first) return guest.current;
  let standing: K = first.from ?? initial;
  for (const r of rows) if (Date.parse(r.at) <= Date.parse(at)) standing = r.to;
  return standing;
}

// ---- mails ----------------------------------------------------------------------------------------------------

/** The statuses of `mail_outbox` a mail is counted by (`pending`: held for its send time, or not sent yet). */
export const MAIL_STATUSES = ['sent', 'pending', 'failed', 'suppressed'] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

/** A suppressed mail's reason: the first word of `suppression_reason` (domain/mail-policy.ts), else `other`. */
export function suppressionReasonOf(text: string): SuppressionReason | 'other' {
  const word = text.split(':', 1)[0]!.trim();
  return (SUPPRESSION_REASONS as readonly string[]).includes(word) ? (word as SuppressionReason) : 'other';
}

// ---- cases ----------------------------------------------------------------------------------------------------

/** 1:10:100 (domain/cases.ts `costBucket`): what a complaint costs, solved the same day, the next, or later. */
export const COST_WEIGHTS: Record<CaseCostBucket, number> = { same_day: 1, next_day: 10, later: 100 };

/** The cost of the cases in each bucket in units of a same-day case, and their total. */
export function costUnits(counts: Record<CaseCostBucket, number>): {
  units: Record<CaseCostBucket, number>;
  total: number;
} {
  const units = Object.fromEntries(COST_BUCKETS.map((b) => [b, counts[b] * COST_WEIGHTS[b]])) as Record<
    CaseCostBucket,
    number
  >;
  return { units, total: COST_BUCKETS.reduce((s, b) => s + units[b], 0) };
}

/**
 * Whether a case was open at an instant: opened by then and not resolved by then. A case reopened after its
 * resolution (`status` open again) counts as open from its opening: the table keeps its last resolution only.
 */
export function caseOpenAt(
  c: { openedAt: string; resolvedAt: string | null; status: string },
  at: string,
): boolean {
  if (Date.parse(c.openedAt) > Date.parse(at)) return false;
  if (c.status === 'open') return true;
  return c.resolvedAt === null || Date.parse(c.resolvedAt) > Date.parse(at);
}

// ---- rates ----------------------------------------------------------------------------------------------------

/** `part / whole` to four decimals; null when there is nothing to divide by. */
export function rate(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
}

/**
 * Retention rate and repeat-stay rate (docs/reports.md, from seed 002's 客户留存率 and 复购率 / 回头率) of one
 * guest, from the departure days of their stays (at the property, when the report is for one):
 *
 * - **retention**: the guest is in the base when a stay departed in the 12 months before `from`
 *   (`from − 12 months` to `from − 1 day`), and retained when, being in the base, a stay departed in the window;
 * - **repeat stays**: the guest is counted when a stay departed in the window, and is a repeater when, by the
 *   window's end, they have two stays or more (they came back, whether the first was in the window or before).
 */
export function guestRates(
  departures: readonly string[],
  from: string,
  to: string,
): { base: boolean; retained: boolean; stayed: boolean; repeater: boolean } {
  const baseFrom = retentionBaseFrom(from);
  const base = departures.some((d) => d >= baseFrom && d < from);
  const stayed = departures.some((d) => d >= from && d <= to);
  const repeater = stayed && departures.filter((d) => d <= to).length >= 2;
  return { base, retained: base && stayed, stayed, repeater };
}

/** The first day of the retention base: 12 calendar months before `from`. */
export function retentionBaseFrom(from: string): string {
  return addMonthsToDay(from, -12);
}

/**
 * A win-back's outcome at the window's end, from the guest's stage rows after its lapse (in order): reactivated
 * when the guest's stage became `reactivated` before another lapse (also after churning: the guest came back);
 * churned when it became `churned` and not reactivated; else still open (running, or ended by staff).
 */
export function winBackOutcome(
  after: readonly { at: string; to: string }[],
  end: string,
): 'reactivated' | 'churned' | 'open' {
  let churned = false;
  for (const r of after) {
    if (Date.parse(r.at) >= Date.parse(end) || r.to === 'lapsed') break;
    if (r.to === 'reactivated') return 'reactivated';
    if (r.to === 'churned') churned = true;
  }
  return churned ? 'churned' : 'open';
}

/**
 * The recommend answers (0–10) as a net promoter score: promoters (9–10) less detractors (0–6), in percent of
 * the answers, rounded to one decimal; null without an answer.
 */
export function netPromoterScore(recommend: {
  promoters: number;
  passives: number;
  detractors: number;
}): number | null {
  const answered = recommend.promoters + recommend.passives + recommend.detractors;
  return answered > 0
    ? Math.round(((recommend.promoters - recommend.detractors) / answered) * 1000) / 10
    : null;
}

/** The average of `sum` over `count` to two decimals; null when there is none. */
export function average(sum: number, count: number): number | null {
  return count > 0 ? Math.round((sum / count) * 100) / 100 : null;
}
