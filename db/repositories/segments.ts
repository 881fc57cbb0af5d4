/**
 * Segments over the whole base (domain/segments.ts has the rules, docs/segments.md what they mean): the count
 * and a first page of the guests a definition takes. Two statements: the number of guests who spent in the
 * window (the value segments' rank bounds depend on it), then the segment itself.
 *
 * - Revenue: each stay departing on or after `since`, its room revenue times its currency's rate in `rates`
 *   (the rules in force; a currency without a rate counts 0), summed per guest and ranked, the most first.
 * - Tenure: the enrolment day in the guest's own zone against domain/segments.ts `tenureBounds`, in the order
 *   `tenureOf` decides (test/e2e/segments.test.ts checks the two agree on every guest).
 * - RFM: each guest's facts (days since the last departure, stays, revenue in the window) from one pass over
 *   the stays; the base's quintile cut points by `percentile_disc` (`rfmCuts`, domain/segments.ts
 *   `quintileCuts` is the same rule), and a filter by scores compares with the bounds `scoreSpanRange` gives.
 * - Lapsed within N days: the stage is lapsed and a move to lapsed (stage_history) on or after
 *   domain/segments.ts `lapsedFrom`.
 * - Saved segments (db/migrations/20261206_023_segments.ts), the pages of a segment's guests by name (keyset),
 *   the export through a server-side cursor, and the requalification forecast (domain/tiers.ts
 *   `requalificationBounds`).
 */
import type { Knex } from 'knex';
import { DEFAULT_RULES } from '../../domain/default-rules.js';
import { versionInForce, type ProgramRules } from '../../domain/program.js';
import {
  addMonthsToDay,
  lapsedFrom,
  QUINTILE_SHARES,
  RFM_MEASURES,
  scoreSpanRange,
  segmentSettingsOf,
  tenureBounds,
  valueRankBounds,
  valueSegmentRanks,
  type QuintileCuts,
  type RfmCuts,
  type RfmFilter,
  type SegmentDefinition,
  type SegmentSettings,
  type Tenure,
  type ValueSegment,
} from '../../domain/segments.js';
import { requalificationBounds } from '../../domain/tiers.js';
import { rulesVersions } from './lifecycle.js';
import { STAY_BASE_POINTS_SQL } from './ledger.js';

export interface SegmentContext {
  /** 'YYYY-MM-DD': the day the tenure and the revenue window are counted from. */
  today: string;
  /** The first departure day that counts as revenue ('YYYY-MM-DD', 12 months before `today`). */
  since: string;
  /** Program-currency units per unit of each currency (the rules in force). */
  rates: Record<string, number>;
  settings: SegmentSettings;
  /** firstYearReminderMonthsBefore of the rules in force. */
  reminderMonths: number;
  /** The base's RFM cut points (`rfmCuts`); null when no guest has a stay. */
  rfm: RfmCuts | null;
  /** The guests who spent in the window, counted with the cut points (`spenders` gives it). */
  spenders: number;
}

/**
 * The segment context of `today` ('YYYY-MM-DD', UTC): the revenue window, rates and settings in force, the
 * base's RFM cut points and the number of guests who spent (one statement over the stays).
 */
export async function segmentContext(db: Knex, today: string): Promise<SegmentContext> {
  const rules = versionInForce(await rulesVersions(db), today)?.rules ?? DEFAULT_RULES;
  const ctx = {
    today,
    since: addMonthsToDay(today, -12),
    rates: rules.currencyRates,
    settings: segmentSettingsOf(rules),
    reminderMonths: rules.firstYearReminderMonthsBefore,
  };
  return { ...ctx, ...(await rfmCuts(db, ctx)) };
}

/**
 * Per guest with a stay (not a cancelled one), in one pass over the stays: the last departure, the days since it (`recency_days`),
 * the stays, and the revenue departing in the window in the program currency, exact (`revenue_exact`, which
 * value ranks by) and to the cent (`revenue`, which RFM scores).
 */
function guestFacts(db: Knex, ctx: Pick<SegmentContext, 'today' | 'since' | 'rates'>) {
  const perGuest = db('stays as s')
    .select('s.guest_id')
    .select(db.raw('max(s.departure) as last_departure'))
    .select(db.raw('count(*)::int as stays'))
    .select(
      db.raw(
        'coalesce(sum(s.room_revenue * coalesce((?::jsonb ->> s.currency)::numeric, 0)) filter (where s.departure >= ?), 0) as revenue_exact',
        [JSON.stringify(ctx.rates), ctx.since],
      ),
    )
    .whereNull('s.cancelled_at')
    .groupBy('s.guest_id');
  return db
    .from(perGuest.as('pg'))
    .select(
      'pg.guest_id',
      'pg.last_departure',
      db.raw('(?::date - pg.last_departure) as recency_days', [ctx.today]),
      'pg.stays',
      'pg.revenue_exact',
      db.raw('round(pg.revenue_exact, 2) as revenue'),
    );
}

/**
 * The base's RFM cut points: the 20th, 40th, 60th and 80th percentiles (`percentile_disc`: each a value some
 * guest has, domain/segments.ts `quintileCuts`) of each measure over the guests with a stay; and, from the
 * same pass, the guests who spent in the window.
 */
export async function rfmCuts(
  db: Knex,
  ctx: Pick<SegmentContext, 'today' | 'since' | 'rates'>,
): Promise<{ rfm: RfmCuts | null; spenders: number }> {
  const shares = `array[${QUINTILE_SHARES.join(',')}]::float8[]`;
  const row = (await db
    .with('f', guestFacts(db, ctx))
    .from('f')
    .select(
      db.raw('count(*)::int as n'),
      db.raw('(count(*) filter (where revenue_exact > 0))::int as spenders'),
      db.raw(`percentile_disc(${shares}) within group (order by recency_days) as recency`),
      db.raw(`percentile_disc(${shares}) within group (order by stays) as stays`),
      db.raw(`(percentile_disc(${shares}) within group (order by revenue))::text[] as revenue`),
    )
    .first()) as { n: number; spenders: number; recency: number[]; stays: number[]; revenue: string[] };
  if (!row || row.n === 0) return { rfm: null, spenders: 0 };
  const cuts = (v: (number | string)[]) => v.map(Number) as unknown as QuintileCuts;
  return {
    rfm: { recencyDays: cuts(row.recency), stays: cuts(row.stays), revenue: cuts(row.revenue) },
    spenders: row.spenders,
  };
}

export interface SegmentGuestRow {
  id: string;
  first_name: string;
  last_name: string;
  member_number: string | null;
  email: string;
  stage: string;
  tier: string;
  locale: string;
  marketing_consent: boolean;
  value_rank: number | null;
  /** Revenue in the window, to the cent; null without a stay. */
  revenue: string | null;
  /** Days since the last departure; null without a stay. */
  recency_days: number | null;
  /** Stays ever (0: none). */
  stays: number;
  tenure: Tenure;
}

/**
 * The guests who spent in the window (revenue above 0 in the program currency): the value segments rank them.
 * Counted with the context (`segmentContext`), in the same pass as the RFM cut points.
 */
export function spenders(_db: Knex, ctx: SegmentContext): Promise<number> {
  return Promise.resolve(ctx.spenders);
}

/** The tenure of `g` in SQL: domain/segments.ts `tenureOf`, with its bounds. */
function tenureSql(db: Knex, ctx: SegmentContext) {
  const b = tenureBounds(ctx.today, {
    newMemberDays: ctx.settings.newMemberDays,
    reminderMonths: ctx.reminderMonths,
  });
  return db.raw(
    `case
       when g.stage = 'lapsed' then 'lapsed'
       when g.stage = 'churned' then 'churned'
       when g.enrolled_at is null then 'prospect'
       when (g.enrolled_at at time zone g.timezone)::date >= ?::date then 'new'
       when (g.enrolled_at at time zone g.timezone)::date between ?::date and ?::date then 'first_year_ending'
       else 'established'
     end`,
    [b.newFrom, b.firstYearEndingFrom, b.firstYearEndingTo],
  );
}

/**
 * The guests of `definition`, not yet ordered or limited, with their rank, revenue and tenure: the rows of `x`
 * (`x.id` the guest). A campaign's audience is planned from it (db/repositories/campaigns.ts).
 */
export function segmentQuery(db: Knex, definition: SegmentDefinition, ctx: SegmentContext, spent: number) {
  const tenure = tenureSql(db, ctx);
  // Each guest's facts with its rank by revenue among those who spent (the spenders sort first, so the
  // numbering among them is their rank); the CTE sits on the outer statement, so the subquery `x` is flattened
  // and a column nobody reads is never computed.
  const facts = db
    .from(guestFacts(db, ctx).as('f0'))
    .select(
      'f0.*',
      db.raw(
        'case when f0.revenue_exact > 0 then row_number() over (order by (f0.revenue_exact > 0) desc, f0.revenue_exact desc, f0.guest_id) end as value_rank',
      ),
    );
  const inner = db
    .from('guests as g')
    .leftJoin('f', 'f.guest_id', 'g.id')
    .select(
      'g.id',
      'g.first_name',
      'g.last_name',
      'g.member_number',
      'g.email',
      'g.stage',
      'g.tier',
      'g.locale',
      'g.marketing_consent',
      db.raw('f.value_rank::int as value_rank'),
      db.raw('f.revenue::text as revenue'),
      db.raw('f.recency_days'),
      db.raw('coalesce(f.stays, 0) as stays'),
      db.raw('(?) as tenure', [tenure]),
    );
  const d = definition;
  if (d.stages?.length) inner.whereIn('g.stage', d.stages);
  if (d.tiers?.length) inner.whereIn('g.tier', d.tiers);
  if (d.languages?.length) inner.whereIn('g.locale', d.languages);
  if (d.marketingConsent !== undefined) inner.where('g.marketing_consent', d.marketingConsent);
  if (d.properties?.length) {
    const properties = d.properties;
    inner.whereExists(
      db
        .select(db.raw('1'))
        .from('stays as ps')
        .whereRaw('ps.guest_id = g.id')
        .whereNull('ps.cancelled_at')
        .whereIn('ps.property_code', properties),
    );
  }
  if (d.value?.length) {
    const bounds = valueRankBounds(spent, ctx.settings.value);
    const segments: ValueSegment[] = d.value;
    inner.where((w) => {
      for (const segment of segments) {
        const ranks = valueSegmentRanks(segment, bounds);
        w.orWhere((o) => {
          o.where('f.value_rank', '>', ranks.after);
          if (ranks.upTo !== null) o.where('f.value_rank', '<=', ranks.upTo);
        });
        if (ranks.withoutSpend) w.orWhereNull('f.value_rank');
      }
    });
  }
  if (d.rfm) rfmWhere(db, inner, d.rfm, ctx.rfm);
  if (d.lapsedWithinDays !== undefined) {
    const from = `${lapsedFrom(ctx.today, d.lapsedWithinDays)}T00:00:00Z`;
    inner.where('g.stage', 'lapsed').whereExists(
      db
        .select(db.raw('1'))
        .from('stage_history as sh')
        .whereRaw('sh.guest_id = g.id')
        .where('sh.to_stage', 'lapsed')
        .where('sh.at', '>=', db.raw('?::timestamptz', [from])),
    );
  }
  const outer = db.with('f', facts).from(inner.as('x'));
  if (d.tenure?.length) outer.whereIn('x.tenure', d.tenure);
  return outer;
}

/** The RFM filter: each measure given within the values its span of scores takes (domain `scoreSpanRange`). */
function rfmWhere(db: Knex, q: Knex.QueryBuilder, filter: RfmFilter, cuts: RfmCuts | null) {
  const column = { recencyDays: 'f.recency_days', stays: 'f.stays', revenue: 'f.revenue' } as const;
  // A guest without a stay has no score.
  q.whereNotNull('f.guest_id');
  for (const measure of Object.keys(RFM_MEASURES) as (keyof RfmFilter)[]) {
    const span = filter[measure];
    if (!span) continue;
    const { fact, moreIsBetter } = RFM_MEASURES[measure];
    const range = cuts ? scoreSpanRange(span, cuts[fact], moreIsBetter) : null;
    if (!range || range.none) {
      q.whereRaw('false');
      continue;
    }
    if (range.above !== null) q.where(db.raw(column[fact]), '>', range.above);
    if (range.atMost !== null) q.where(db.raw(column[fact]), '<=', range.atMost);
  }
}

/** The order guests are listed and paged in: by name, any case, then id. */
const NAME_ORDER = 'lower(x.last_name), lower(x.first_name), x.id';

/** Where a page of guests by name starts: after this guest. */
export interface NameCursor {
  lastName: string;
  firstName: string;
  id: string;
}

function afterName(q: Knex.QueryBuilder, after: NameCursor | undefined) {
  if (after)
    q.whereRaw('(lower(x.last_name), lower(x.first_name), x.id) > (lower(?), lower(?), ?::uuid)', [
      after.lastName,
      after.firstName,
      after.id,
    ]);
  return q;
}

/** How many guests `definition` takes. */
export async function countSegment(
  db: Knex,
  definition: SegmentDefinition,
  ctx: SegmentContext,
  spent: number,
): Promise<number> {
  const row = (await segmentQuery(db, definition, ctx, spent).count({ n: '*' }).first()) as {
    n: number | string;
  };
  return Number(row.n);
}

/** A page of the guests of `definition` by name, after `after`; `next` is set when there are more. */
export async function segmentPage(
  db: Knex,
  definition: SegmentDefinition,
  ctx: SegmentContext,
  spent: number,
  page: { limit: number; after?: NameCursor | undefined },
): Promise<{ rows: SegmentGuestRow[]; next: NameCursor | null }> {
  const rows = (await afterName(segmentQuery(db, definition, ctx, spent).select('x.*'), page.after)
    .orderByRaw(NAME_ORDER)
    .limit(page.limit + 1)) as SegmentGuestRow[];
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  const last = shown[shown.length - 1];
  return {
    rows: shown,
    next: more && last ? { lastName: last.last_name, firstName: last.first_name, id: last.id } : null,
  };
}

/**
 * Every row of `query` (a statement of this file), `batch` at a time through a server-side cursor in a
 * read-only transaction: the statement runs once however many rows it has. `each` may wait (a response
 * draining); it returns false to stop early (the client went away).
 */
export async function eachBatch<R>(
  db: Knex,
  query: Knex.QueryBuilder,
  batch: number,
  each: (rows: R[]) => Promise<boolean>,
): Promise<void> {
  const { sql, bindings } = query.toSQL();
  await db.transaction(
    async (trx) => {
      await trx.raw(`declare segment_rows no scroll cursor for ${sql}`, bindings);
      for (;;) {
        const { rows } = await trx.raw<{ rows: R[] }>(`fetch ${Math.floor(batch)} from segment_rows`);
        if (rows.length === 0) break;
        if (!(await each(rows))) break;
        if (rows.length < batch) break;
      }
    },
    { readOnly: true },
  );
}

/** Every guest of `definition` by name, as `eachBatch` gives them. */
export function segmentRows(
  db: Knex,
  definition: SegmentDefinition,
  ctx: SegmentContext,
  spent: number,
): Knex.QueryBuilder {
  return segmentQuery(db, definition, ctx, spent).select('x.*').orderByRaw(NAME_ORDER);
}

/** How many guests `definition` takes, and the first `limit` (at least 1) of them by name. */
export async function previewSegment(
  db: Knex,
  definition: SegmentDefinition,
  ctx: SegmentContext,
  limit: number,
): Promise<{ count: number; spenders: number; guests: SegmentGuestRow[] }> {
  const spent = await spenders(db, ctx);
  // One statement: the first page by name, each row carrying the count of the whole segment.
  const rows = (await segmentQuery(db, definition, ctx, spent)
    .select('x.*', db.raw('count(*) over () as segment_count'))
    .orderByRaw(NAME_ORDER)
    .limit(limit)) as (SegmentGuestRow & { segment_count?: number | string })[];
  const count = rows.length ? Number(rows[0]!.segment_count) : 0;
  const guests = rows.map(({ segment_count: _count, ...g }) => g);
  return { count, spenders: spent, guests };
}

// ---------------------------------------------------------------------------------------------- saved segments

export interface SavedSegmentRow {
  id: string;
  name: string;
  definition: SegmentDefinition;
  created_by: string;
  updated_by: string;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
  archived_by: string | null;
}

/** Whether an error is the unique index on a live segment's name (db/migrations/20261206_023_segments.ts). */
export function isNameTaken(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && e.constraint === 'segments_name_live';
}

export async function insertSegment(
  db: Knex,
  input: { name: string; definition: SegmentDefinition; by: string },
): Promise<SavedSegmentRow> {
  const [row] = (await db('segments')
    .insert({
      name: input.name,
      definition: JSON.stringify(input.definition),
      created_by: input.by,
      updated_by: input.by,
    })
    .returning('*')) as SavedSegmentRow[];
  return row!;
}

/** The live segments (not archived), the last changed first. */
export async function listSegments(db: Knex): Promise<SavedSegmentRow[]> {
  return (await db('segments')
    .whereNull('archived_at')
    .orderBy([
      { column: 'updated_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(500)) as SavedSegmentRow[];
}

/** A segment by id, archived or not. */
export async function getSegment(db: Knex, id: string): Promise<SavedSegmentRow | undefined> {
  return (await db('segments').where({ id }).first()) as SavedSegmentRow | undefined;
}

/** Renames or redefines a live segment; undefined when there is none. */
export async function updateSegment(
  db: Knex,
  id: string,
  input: { name?: string | undefined; definition?: SegmentDefinition | undefined; by: string },
): Promise<SavedSegmentRow | undefined> {
  const [row] = (await db('segments')
    .where({ id })
    .whereNull('archived_at')
    .update({
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.definition !== undefined ? { definition: JSON.stringify(input.definition) } : {}),
      updated_by: input.by,
      updated_at: db.fn.now(),
    })
    .returning('*')) as SavedSegmentRow[];
  return row;
}

/** Archives a live segment (its row stays); undefined when there is none. */
export async function archiveSegment(db: Knex, id: string, by: string): Promise<SavedSegmentRow | undefined> {
  const [row] = (await db('segments')
    .where({ id })
    .whereNull('archived_at')
    .update({ archived_at: db.fn.now(), archived_by: by })
    .returning('*')) as SavedSegmentRow[];
  return row;
}

/** Records a CSV export: who took which list, and how many rows it had (null: the download broke off). */
export async function recordExport(
  db: Knex,
  input: { segmentId: string | null; kind: 'segment' | 'forecast'; by: string },
): Promise<number> {
  const rows: { id: number }[] = await db('segment_exports')
    .insert({ segment_id: input.segmentId, kind: input.kind, exported_by: input.by })
    .returning('id');
  return rows[0]!.id;
}

export async function finishExport(db: Knex, id: number, rows: number): Promise<void> {
  await db('segment_exports').where({ id }).update({ rows });
}

// ---------------------------------------------------------------------------------------------- forecast

export interface ForecastContext {
  /** The calendar year whose activity counts (departures in it, as the review reads them). */
  year: number;
  /** The review's day, `year + 1`-01-01: the rules version in force then decides. */
  reviewOn: string;
  tiers: ProgramRules['tiers'];
}

/** The forecast's year and rules: the activity of `today`'s year, the rules in force on the next 1 January. */
export async function forecastContext(db: Knex, today: string): Promise<ForecastContext> {
  const year = Number(today.slice(0, 4));
  const reviewOn = `${year + 1}-01-01`;
  const rules = versionInForce(await rulesVersions(db), reviewOn)?.rules ?? DEFAULT_RULES;
  return { year, reviewOn, tiers: rules.tiers };
}

export interface ForecastRow {
  id: string;
  first_name: string;
  last_name: string;
  member_number: string | null;
  email: string;
  locale: string;
  tier: string;
  tier_floor: string | null;
  stays: number;
  nights: number;
  base_points: number;
}

/**
 * The members the next review would move down, with their year's activity (db/repositories/lifecycle.ts
 * `yearActivity`: stays and nights departing in the year, base points of those stays): domain/tiers.ts
 * `requalificationBounds`. The rows of `x`, not yet ordered; `tier` narrows to one tier held.
 */
export function forecastQuery(db: Knex, fc: ForecastContext, filter: { tier?: string | undefined } = {}) {
  const from = `${fc.year}-01-01`;
  const to = `${fc.year + 1}-01-01`;
  const activity = db('stays as s')
    .select('s.guest_id')
    .select(db.raw('count(*)::int as stays'), db.raw('sum(s.nights)::int as nights'))
    .where('s.departure', '>=', from)
    .where('s.departure', '<', to)
    .whereNull('s.cancelled_at')
    .groupBy('s.guest_id');
  const base = db('points_ledger as l')
    .join('stays as s2', 's2.id', 'l.stay_id')
    .select('l.guest_id', db.raw('sum(l.points)::bigint as base_points'))
    .whereRaw(STAY_BASE_POINTS_SQL)
    .where('s2.departure', '>=', from)
    .where('s2.departure', '<', to)
    .groupBy('l.guest_id');
  const inner = db
    .with('a', activity)
    .with('b', base)
    .from('guests as g')
    .leftJoin('a', 'a.guest_id', 'g.id')
    .leftJoin('b', 'b.guest_id', 'g.id')
    .select(
      'g.id',
      'g.first_name',
      'g.last_name',
      'g.member_number',
      'g.email',
      'g.locale',
      'g.tier',
      'g.tier_floor',
      db.raw('coalesce(a.stays, 0) as stays'),
      db.raw('coalesce(a.nights, 0) as nights'),
      db.raw('coalesce(b.base_points, 0) as base_points'),
    )
    .where((w) => {
      for (const b of requalificationBounds(fc.tiers)) {
        w.orWhere((o) => {
          o.where('g.tier', b.tier)
            .whereRaw('coalesce(a.stays, 0) < ?', [b.stays])
            .whereRaw('coalesce(a.nights, 0) < ?', [b.nights])
            .whereRaw('coalesce(b.base_points, 0) < ?', [b.basePoints])
            .where((f) => {
              f.whereNull('g.tier_floor').orWhereNotIn('g.tier_floor', b.holdingFloors);
            });
        });
      }
    });
  if (filter.tier) inner.where('g.tier', filter.tier);
  return db.from(inner.as('x'));
}

export async function countForecast(
  db: Knex,
  fc: ForecastContext,
  filter: { tier?: string | undefined } = {},
): Promise<{ count: number; byTier: Record<string, number> }> {
  const rows: { tier: string; n: number | string }[] = await forecastQuery(db, fc, filter)
    .select('x.tier')
    .count({ n: '*' })
    .groupBy('x.tier');
  const byTier = Object.fromEntries(rows.map((r) => [r.tier, Number(r.n)]));
  return { count: rows.reduce((s, r) => s + Number(r.n), 0), byTier };
}

export async function forecastPage(
  db: Knex,
  fc: ForecastContext,
  filter: { tier?: string | undefined },
  page: { limit: number; after?: NameCursor | undefined },
): Promise<{ rows: ForecastRow[]; next: NameCursor | null }> {
  const rows = (await afterName(forecastQuery(db, fc, filter).select('x.*'), page.after)
    .orderByRaw(NAME_ORDER)
    .limit(page.limit + 1)) as ForecastRow[];
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  const last = shown[shown.length - 1];
  return {
    rows: shown,
    next: more && last ? { lastName: last.last_name, firstName: last.first_name, id: last.id } : null,
  };
}

/** Every member of the forecast by name, as `eachBatch` gives them. */
export function forecastRows(db: Knex, fc: ForecastContext, filter: { tier?: string | undefined } = {}) {
  return forecastQuery(db, fc, filter).select('x.*').orderByRaw(NAME_ORDER);
}
