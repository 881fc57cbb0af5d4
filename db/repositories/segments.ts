/**
 * Segments over the whole base (domain/segments.ts has the rules, docs/segments.md what they mean): the count
 * and a first page of the guests a definition takes. Two statements: the number of guests who spent in the
 * window (the value segments' rank bounds depend on it), then the segment itself.
 *
 * - Revenue: each stay departing on or after `since`, its room revenue times its currency's rate in `rates`
 *   (the rules in force; a currency without a rate counts 0), summed per guest and ranked, the most first.
 * - Tenure: the enrolment day in the guest's own zone against domain/segments.ts `tenureBounds`, in the order
 *   `tenureOf` decides (test/e2e/segments.test.ts checks the two agree on every guest).
 */
import type { Knex } from 'knex';
import { DEFAULT_RULES } from '../../domain/default-rules.js';
import { versionInForce } from '../../domain/program.js';
import {
  addMonthsToDay,
  segmentSettingsOf,
  tenureBounds,
  valueRankBounds,
  valueSegmentRanks,
  type SegmentDefinition,
  type SegmentSettings,
  type Tenure,
  type ValueSegment,
} from '../../domain/segments.js';
import { rulesVersions } from './lifecycle.js';

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
}

/** The segment context of `today` ('YYYY-MM-DD', UTC): the revenue window, rates and settings in force. */
export async function segmentContext(db: Knex, today: string): Promise<SegmentContext> {
  const rules = versionInForce(await rulesVersions(db), today)?.rules ?? DEFAULT_RULES;
  return {
    today,
    since: addMonthsToDay(today, -12),
    rates: rules.currencyRates,
    settings: segmentSettingsOf(rules),
    reminderMonths: rules.firstYearReminderMonthsBefore,
  };
}

export interface SegmentGuestRow {
  id: string;
  first_name: string;
  last_name: string;
  stage: string;
  tier: string;
  locale: string;
  marketing_consent: boolean;
  value_rank: number | null;
  revenue: string | null;
  tenure: Tenure;
}

/** The revenue per guest who spent in the window, ranked (1: the most; ties by guest id). */
function rankedRevenue(db: Knex, ctx: SegmentContext) {
  const revenue = db('stays as s')
    .select('s.guest_id')
    .select(
      db.raw('sum(s.room_revenue * coalesce((?::jsonb ->> s.currency)::numeric, 0)) as revenue', [
        JSON.stringify(ctx.rates),
      ]),
    )
    .where('s.departure', '>=', ctx.since)
    .groupBy('s.guest_id');
  return db
    .select(
      'guest_id',
      'revenue',
      db.raw('row_number() over (order by revenue desc, guest_id) as value_rank'),
    )
    .from(revenue.as('rv'))
    .where('revenue', '>', 0);
}

/** The guests who spent in the window. */
export async function spenders(db: Knex, ctx: SegmentContext): Promise<number> {
  const row = (await db.with('ranked', rankedRevenue(db, ctx)).from('ranked').count({ n: '*' }).first()) as {
    n: number | string;
  };
  return Number(row.n);
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
  const inner = db
    .with('ranked', rankedRevenue(db, ctx))
    .from('guests as g')
    .leftJoin('ranked as r', 'r.guest_id', 'g.id')
    .select(
      'g.id',
      'g.first_name',
      'g.last_name',
      'g.stage',
      'g.tier',
      'g.locale',
      'g.marketing_consent',
      db.raw('r.value_rank::int as value_rank'),
      db.raw('round(r.revenue, 2)::text as revenue'),
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
          o.where('r.value_rank', '>', ranks.after);
          if (ranks.upTo !== null) o.where('r.value_rank', '<=', ranks.upTo);
        });
        if (ranks.withoutSpend) w.orWhereNull('r.value_rank');
      }
    });
  }
  const outer = db.from(inner.as('x'));
  if (d.tenure?.length) outer.whereIn('x.tenure', d.tenure);
  return outer;
}

/** How many guests `definition` takes, and the first `limit` of them by name. */
export async function previewSegment(
  db: Knex,
  definition: SegmentDefinition,
  ctx: SegmentContext,
  limit: number,
): Promise<{ count: number; spenders: number; guests: SegmentGuestRow[] }> {
  const spent = await spenders(db, ctx);
  const [countRow, guests] = await Promise.all([
    segmentQuery(db, definition, ctx, spent).count({ n: '*' }).first() as Promise<{ n: number | string }>,
    segmentQuery(db, definition, ctx, spent)
      .select('x.*')
      .orderByRaw('lower(x.last_name), lower(x.first_name), x.id')
      .limit(limit) as Promise<SegmentGuestRow[]>,
  ]);
  return { count: Number(countRow.n), spenders: spent, guests };
}
