/**
 * The statements of the marketing dashboard (`GET /v1/reports/<name>`, api/reports/service.ts): one or two per
 * report, each over the whole base, grouped in PostgreSQL. The rules they follow are domain/reports.ts's, which
 * says what each number is; docs/reports.md has the definitions and names these statements.
 *
 * Every statement takes a `ReportWindow`: the local days `from`–`to` (both counted) in `zone`, so an instant
 * counts in the window when it is at or after `from` 00:00 and before the day after `to` 00:00 there, and on the
 * local day it has there; a calendar date (a stay's departure) counts as it is. A bucket is the start of the
 * day, week (Monday) or month of that day, never before `from` (domain/reports.ts `bucketOf`).
 *
 * A report for one property takes: stays, cases and survey answers at that property (their own
 * `property_code`), and for what belongs to a guest rather than a stay (stage, tier, mails, win-backs, churn
 * reasons) the guests who stayed there at least once, as the segments' property filter does
 * (db/repositories/segments.ts).
 */
import type { Knex } from 'knex';
import type { Interval } from '../../domain/reports.js';

export interface ReportWindow {
  /** `YYYY-MM-DD`, both counted. */
  from: string;
  to: string;
  /** IANA zone the window's days and the buckets of instants are read in. */
  zone: string;
  interval: Interval;
  /** The first day of each bucket, in order (domain/reports.ts `bucketsOf`). */
  starts: string[];
  /** A property code, or null for the whole group. */
  property: string | null;
}

/** The window's first instant and the instant after its last day, in the window's zone. */
const START = '((:from::date)::timestamp at time zone :zone)';
const END = '((:to::date + 1)::timestamp at time zone :zone)';
/** The local day of an instant in the window's zone. */
const localDay = (instant: string) => `((${instant}) at time zone :zone)::date`;

/** The bucket a local day falls in (domain/reports.ts `bucketOf`); the interval is one of three words. */
function bucketOf(day: string, interval: Interval): string {
  if (interval === 'day') return `(${day})`;
  const unit = interval === 'week' ? 'week' : 'month';
  return `greatest(date_trunc('${unit}', (${day})::timestamp)::date, :from::date)`;
}

/** `<column> in (guests who stayed at the property)`, or nothing for the group (a cancelled stay is no stay). */
const guestsOfProperty = (w: ReportWindow, column: string) =>
  w.property === null
    ? 'true'
    : `${column} in (select guest_id from stays where property_code = :property and cancelled_at is null)`;

const params = (w: ReportWindow, more: Record<string, unknown> = {}) => ({
  from: w.from,
  to: w.to,
  zone: w.zone,
  ...(w.property === null ? {} : { property: w.property }),
  ...more,
});

async function rows<R>(db: Knex, sql: string, bindings: Record<string, unknown>): Promise<R[]> {
  const result = await db.raw<{ rows: R[] }>(sql, bindings);
  return result.rows;
}

/**
 * Where the guests stand now (`kind` now: `to` and how many) and what changed since the window's start
 * (`kind` change: from `from` to `to`, in `bucket`, null after the window's end), which
 * domain/reports.ts `stockSeriesFromNow` counts back from. Only the rows since the start are read.
 */
export interface StockRow {
  kind: 'now' | 'change';
  bucket: string | null;
  from: string | null;
  to: string;
  count: number;
}

/**
 * The guests' lifecycle stages (domain/reports.ts `standingAt`): now `guests.stage`; since the start, each
 * `stage_history` row (from its `from_stage`, null: prospect) and each guest who entered since (at the earlier of
 * `created_at` and their first row, in that row's `from_stage` or, with no row, `guests.stage`).
 */
export async function stageStock(db: Knex, w: ReportWindow): Promise<StockRow[]> {
  return stock(db, w, {
    current: 'g.stage',
    entered: 'g.created_at',
    member: 'true',
    history: 'stage_history',
    before: 'from_stage',
    after: 'to_stage',
    initial: 'prospect',
  });
}

/**
 * The members' tiers: the same over `tier_history` (from `previous_tier`) for the guests enrolled
 * (`enrolled_at`, their entry; a guest never enrolled is not a member and not counted), now `guests.tier`.
 */
export async function tierStock(db: Knex, w: ReportWindow): Promise<StockRow[]> {
  return stock(db, w, {
    current: 'g.tier',
    entered: 'g.enrolled_at',
    member: 'g.enrolled_at is not null',
    history: 'tier_history',
    before: 'previous_tier',
    after: 'tier',
    initial: 'member',
  });
}

/** The guests' columns and their history table, as literal SQL of this file (never input). */
interface StockSource {
  current: string;
  entered: string;
  /** Which guests count at all. */
  member: string;
  history: 'stage_history' | 'tier_history';
  before: string;
  after: string;
  initial: string;
}

function stock(db: Knex, w: ReportWindow, q: StockSource): Promise<StockRow[]> {
  // The guest set is not a CTE: each part reads only what it needs (the rows since the start, by index).
  const guests = `${q.member} and ${guestsOfProperty(w, 'g.id')}`;
  const rowsSince =
    q.member === 'true'
      ? `from ${q.history} h where h.at >= ${START} and ${guestsOfProperty(w, 'h.guest_id')}`
      : `from ${q.history} h join guests g on g.id = h.guest_id where h.at >= ${START} and ${guests}`;
  return rows<StockRow>(
    db,
    `with changes as (
       select h.at, coalesce(h.${q.before}, :initial) as "from", h.${q.after} as "to" ${rowsSince}
       union all
       select e.at, null, e.key
         from (select least(${q.entered}, f.at) as at,
                      case when f.at is null then ${q.current} else coalesce(f.before, :initial) end as key
                 from guests g
                 left join lateral (
                   select h.at, h.${q.before} as before from ${q.history} h
                    where h.guest_id = g.id order by h.at, h.id limit 1
                 ) f on true
                where ${q.entered} >= ${START} and ${guests}) e
        where e.at >= ${START}
     )
     select 'now' as kind, null::date as bucket, null as "from", ${q.current} as "to", count(*)::int as count
       from guests g where ${guests} group by ${q.current}
     union all
     select 'change', case when at < ${END} then ${bucketOf(localDay('at'), w.interval)} end, "from", "to",
            count(*)::int
       from changes group by 2, 3, 4`,
    params(w, { initial: q.initial }),
  );
}

/** Stays by the bucket of their departure day, with their nights (a cancelled stay is not counted). */
export async function staysPerBucket(
  db: Knex,
  w: ReportWindow,
): Promise<{ bucket: string; stays: number; nights: number }[]> {
  return rows(
    db,
    `select ${bucketOf('s.departure', w.interval)} as bucket, count(*)::int as stays, sum(s.nights)::int as nights
       from stays s
      where s.departure between :from::date and :to::date and s.cancelled_at is null
        ${w.property === null ? '' : 'and s.property_code = :property'}
      group by 1`,
    params(w),
  );
}

/**
 * Mails to guests (`audience` guest; staff escalations are not counted) by the bucket of the day they were
 * planned (`planned_at`, else `created_at` for rows queued before planning) and their status now. Each bucket is
 * counted as one range of the index on that instant (its first and next bucket's local midnight), so no row's
 * local day is computed: on a million mails, half the time of grouping each row by its day.
 */
export async function mailsPerBucket(
  db: Knex,
  w: ReportWindow,
): Promise<{ bucket: string; status: string; mails: number }[]> {
  const planned = 'coalesce(m.planned_at, m.created_at)';
  return rows(
    db,
    `with b as (
       select start as bucket, (start::timestamp at time zone :zone) as since,
              (coalesce(lead(start) over (order by start), :to::date + 1)::timestamp at time zone :zone) as before
         from unnest(:starts::date[]) start
     )
     select b.bucket, m.status, count(*)::int as mails
       from b join mail_outbox m on ${planned} >= b.since and ${planned} < b.before
      where m.audience = 'guest' and ${guestsOfProperty(w, 'm.guest_id')}
      group by 1, 2`,
    params(w, { starts: w.starts }),
  );
}

/** Suppressed guest mails planned in the window, by the first word of their reason and their class. */
export async function suppressedMails(
  db: Knex,
  w: ReportWindow,
): Promise<{ word: string; class: string; mails: number }[]> {
  const planned = 'coalesce(m.planned_at, m.created_at)';
  return rows(
    db,
    `select split_part(m.suppression_reason, ':', 1) as word, m.class, count(*)::int as mails
       from mail_outbox m
      where m.status = 'suppressed'
        and ${planned} >= ${START} and ${planned} < ${END}
        and m.audience = 'guest'
        and ${guestsOfProperty(w, 'm.guest_id')}
      group by 1, 2`,
    params(w),
  );
}

/**
 * The cases' events by bucket (`bucket` null before the window): `opened` (opened_at), `resolved` (resolved_at),
 * `breach` by the highest level reached (escalated_at, the last escalation), and `unopened` (−1 from the open
 * stock at the resolution of a case not open again: domain/reports.ts `caseOpenAt`).
 */
export async function caseEvents(
  db: Knex,
  w: ReportWindow,
): Promise<{ bucket: string | null; kind: string; level: string | null; cases: number }[]> {
  return rows(
    db,
    `with c as (
       select * from service_cases c where c.opened_at < ${END}
         ${w.property === null ? '' : 'and c.property_code = :property'}
     ),
     e as (
       select opened_at as at, 'opened' as kind, null as level from c
       union all select resolved_at, 'resolved', null from c where resolved_at is not null
       union all select resolved_at, 'unopened', null from c where resolved_at is not null and status <> 'open'
       union all select escalated_at, 'breach', sla_state from c
                  where sla_state <> 'on_track' and escalated_at is not null
     )
     select case when at < ${START} then null else ${bucketOf(localDay('at'), w.interval)} end as bucket,
            kind, level, count(*)::int as cases
       from e
      where at < ${END}
      group by 1, 2, 3`,
    params(w),
  );
}

/** The cases open now, and of them those escalated (an SLA breached). */
export async function casesOpenNow(db: Knex, w: ReportWindow): Promise<{ open: number; breached: number }> {
  const [row] = await rows<{ open: number; breached: number }>(
    db,
    `select count(*)::int as open, (count(*) filter (where sla_state <> 'on_track'))::int as breached
       from service_cases
      where status = 'open' ${w.property === null ? '' : 'and property_code = :property'}`,
    params(w),
  );
  return row ?? { open: 0, breached: 0 };
}

/** Cases resolved in the window by their 1:10:100 bucket (cases without one are not counted). */
export async function costBuckets(db: Knex, w: ReportWindow): Promise<{ bucket: string; cases: number }[]> {
  return rows(
    db,
    `select cost_bucket as bucket, count(*)::int as cases
       from service_cases
      where resolved_at >= ${START} and resolved_at < ${END} and cost_bucket is not null
        ${w.property === null ? '' : 'and property_code = :property'}
      group by 1`,
    params(w),
  );
}

export interface RetentionRow {
  /** null: the whole group (or the one property asked for). */
  property: string | null;
  base: number;
  retained: number;
  stayed: number;
  repeaters: number;
}

/**
 * Retention and repeat stays (domain/reports.ts `guestRates`) per guest from their stays departing by the
 * window's end, in one pass (by the index on `(guest_id, property_code, departure)`): for the group, and for each
 * property apart (a guest's stays at that property only); for one property, its stays alone, one row.
 */
export async function retention(db: Knex, w: ReportWindow, baseFrom: string): Promise<RetentionRow[]> {
  const one = w.property !== null;
  const sets = one ? 's.guest_id' : 'grouping sets ((s.guest_id, s.property_code), (s.guest_id))';
  const property = one ? 'null::text' : 'case when grouping(s.property_code) = 0 then s.property_code end';
  return rows(
    db,
    `with per as (
       select ${property} as property,
              bool_or(s.departure >= :baseFrom::date and s.departure < :from::date) as base,
              count(*) filter (where s.departure >= :from::date) as stays,
              count(*) as upto
         from stays s
        where s.departure <= :to::date and s.cancelled_at is null ${one ? 'and s.property_code = :property' : ''}
        group by ${sets}
     )
     select property,
            (count(*) filter (where base))::int as base,
            (count(*) filter (where base and stays > 0))::int as retained,
            (count(*) filter (where stays > 0))::int as stayed,
            (count(*) filter (where stays > 0 and upto >= 2))::int as repeaters
       from per
      group by property`,
    params(w, { baseFrom }),
  );
}

/**
 * The win-backs started in the window (a `lapsed` stage row: the lapse starts the win-back) by bucket, with
 * their outcome by the window's end (domain/reports.ts `winBackOutcome`): reactivated before another lapse,
 * else churned before it, else open.
 */
export async function winBacks(
  db: Knex,
  w: ReportWindow,
): Promise<{ bucket: string; outcome: 'reactivated' | 'churned' | 'open'; winBacks: number }[]> {
  return rows(
    db,
    `with l as (
       select h.id, h.guest_id, h.at from stage_history h
        where h.to_stage = 'lapsed' and h.at >= ${START} and h.at < ${END}
          and ${guestsOfProperty(w, 'h.guest_id')}
     )
     select ${bucketOf(localDay('l.at'), w.interval)} as bucket,
            case when o.back_at is not null and (o.next_lapse_at is null or o.back_at < o.next_lapse_at)
                   then 'reactivated'
                 when o.churned_at is not null and (o.next_lapse_at is null or o.churned_at < o.next_lapse_at)
                   then 'churned'
                 else 'open' end as outcome,
            count(*)::int as "winBacks"
       from l
      cross join lateral (
        select min(r.at) filter (where r.to_stage = 'reactivated') as back_at,
               min(r.at) filter (where r.to_stage = 'churned') as churned_at,
               min(r.at) filter (where r.to_stage = 'lapsed') as next_lapse_at
          from stage_history r
         where r.guest_id = l.guest_id and r.at < ${END}
           and (r.at > l.at or (r.at = l.at and r.id > l.id))
           and r.to_stage in ('reactivated', 'churned', 'lapsed')
      ) o
      group by 1, 2`,
    params(w),
  );
}

/** What the satisfaction figures sum: answers, scores, "would return" and the recommend answers by band. */
export interface SatisfactionSums {
  responses: number;
  score_sum: number;
  return_yes: number;
  return_maybe: number;
  return_no: number;
  promoters: number;
  passives: number;
  detractors: number;
  recommend_sum: number;
}

const SATISFACTION_SUMS = `count(*)::int as responses,
       coalesce(sum(r.score), 0)::int as score_sum,
       (count(*) filter (where r.would_return = 'yes'))::int as return_yes,
       (count(*) filter (where r.would_return = 'maybe'))::int as return_maybe,
       (count(*) filter (where r.would_return = 'no'))::int as return_no,
       (count(*) filter (where r.recommend >= 9))::int as promoters,
       (count(*) filter (where r.recommend between 7 and 8))::int as passives,
       (count(*) filter (where r.recommend <= 6))::int as detractors,
       coalesce(sum(r.recommend), 0)::int as recommend_sum`;

/**
 * Survey answers given in the window (`answered_at`), read once: by the property of the stay (and for all:
 * `key` null), and by department (an answer about a stay with service cases counts for each department those
 * cases are with; one about a stay without a case under null).
 */
export async function satisfaction(
  db: Knex,
  w: ReportWindow,
): Promise<(SatisfactionSums & { by: 'property' | 'department'; key: string | null })[]> {
  return rows(
    db,
    `with r as materialized (
       select r.stay_id, r.score, r.would_return, r.recommend, s.property_code
         from survey_responses r join stays s on s.id = r.stay_id
        where r.answered_at >= ${START} and r.answered_at < ${END}
          ${w.property === null ? '' : 'and s.property_code = :property'}
     ),
     d as (select distinct stay_id, department from service_cases where stay_id in (select stay_id from r))
     select 'property' as by, case when grouping(r.property_code) = 0 then r.property_code end as key,
            ${SATISFACTION_SUMS}
       from r group by grouping sets ((r.property_code), ())
     union all
     select 'department', d.department, ${SATISFACTION_SUMS}
       from r left join d on d.stay_id = r.stay_id
      group by d.department`,
    params(w),
  );
}

/** The guests' answers to a case's satisfaction check given in the window, by the case's department. */
export async function caseSatisfaction(
  db: Knex,
  w: ReportWindow,
): Promise<{ department: string; satisfied: number; unsatisfied: number }[]> {
  return rows(
    db,
    `select department, (count(*) filter (where satisfied))::int as satisfied,
            (count(*) filter (where not satisfied))::int as unsatisfied
       from service_cases
      where satisfaction_at >= ${START} and satisfaction_at < ${END} and satisfied is not null
        ${w.property === null ? '' : 'and property_code = :property'}
      group by 1`,
    params(w),
  );
}

/** The answers to the "why did you leave" question given in the window (the one in force per guest). */
export async function churnReasons(db: Knex, w: ReportWindow): Promise<{ reason: string; guests: number }[]> {
  return rows(
    db,
    `select g.churn_reason as reason, count(*)::int as guests
       from guests g
      where g.churn_reason is not null
        and g.churn_reason_at >= ${START} and g.churn_reason_at < ${END}
        and ${guestsOfProperty(w, 'g.id')}
      group by 1`,
    params(w),
  );
}
