/**
 * What the tier-change preview decides from (domain/tier-review.ts `previewTierChanges`): every guest's standing for
 * the next review, grouped: the tier held, the floor, the stage, whether enrolled (or stayed), and the year's
 * stays, nights and base points, counted as db/repositories/lifecycle.ts `yearActivity` counts them for the
 * review itself (stays departing in the year; their base points, corrections included: db/repositories/ledger.ts `STAY_BASE_POINTS_SQL`; cancelled stays not counted).
 * Each measure is reported at its cut (domain/tier-review.ts `activityCuts`: the highest threshold of the rules
 * compared at or below it), which changes no decision by those rules, and guests who then stand alike are one row
 * with their number: the base comes back in a few hundred rows. One statement; the decision is the domain's.
 */
import type { Knex } from 'knex';
import type { ActivityCuts, ReviewFactsGroup } from '../../domain/tier-review.js';
import type { Stage } from '../../domain/stages.js';
import { isTier } from '../../domain/tiers.js';
import { STAY_BASE_POINTS_SQL } from './ledger.js';

export const REVIEW_FACTS_SQL = `
with ys as materialized (
  select id, guest_id, nights from stays where departure >= :from and departure < :to and cancelled_at is null
), st as (
  select guest_id, count(*)::int as stays, sum(nights)::int as nights from ys group by guest_id
), bp as (
  select l.guest_id, sum(l.points)::bigint as base_points
  from points_ledger l join ys on ys.id = l.stay_id
  where ${STAY_BASE_POINTS_SQL}
  group by l.guest_id
), facts as (
  select g.tier, g.tier_floor, g.stage,
         (g.enrolled_at is not null or st.guest_id is not null
          or exists (select 1 from stays a where a.guest_id = g.id and a.cancelled_at is null)) as enrolled,
         coalesce(st.stays, 0) as stays, coalesce(st.nights, 0) as nights,
         coalesce(bp.base_points, 0)::bigint as base_points,
         (select max(extract(year from t.valid_from))::int from tier_history t
           where t.guest_id = g.id and t.source = 'import') as imported_in
  from guests g
  left join st on st.guest_id = g.id
  left join bp on bp.guest_id = g.id
)
select tier, tier_floor, stage, enrolled,
       coalesce((:stayCuts::int[])[width_bucket(stays, :stayCuts::int[])], 0) as stays,
       coalesce((:nightCuts::int[])[width_bucket(nights, :nightCuts::int[])], 0) as nights,
       coalesce((:pointCuts::bigint[])[width_bucket(base_points, :pointCuts::bigint[])], 0) as base_points,
       case when imported_in >= :year then imported_in end as imported_in,
       count(*)::int as members
from facts
group by 1, 2, 3, 4, 5, 6, 7, 8`;

/**
 * The base for the review of `year` (stays departing from 1 January to 31 December), grouped, each measure at
 * its cut among `cuts` (domain/tier-review.ts `activityCuts` of the tier rules the caller decides by).
 */
export async function reviewFacts(db: Knex, year: number, cuts: ActivityCuts): Promise<ReviewFactsGroup[]> {
  const { rows } = await db.raw<{
    rows: {
      tier: string;
      tier_floor: string | null;
      stage: Stage;
      enrolled: boolean;
      stays: number;
      nights: number;
      base_points: number;
      imported_in: number | null;
      members: number;
    }[];
  }>(REVIEW_FACTS_SQL, reviewFactsBindings(year, cuts));
  return rows.map((r) => ({
    // As the review reads them (activities/lifecycle.ts `reviewTier`): an unknown tier is a member's.
    tier: isTier(r.tier) ? r.tier : 'member',
    floor: isTier(r.tier_floor) ? r.tier_floor : null,
    stage: r.stage,
    enrolled: r.enrolled,
    activity: { stays: r.stays, nights: r.nights, basePoints: Number(r.base_points) },
    // An imported tier held at this review (domain/tier-review.ts `importedTierHeld`).
    importedIn: r.imported_in,
    members: r.members,
  }));
}

/** The statement's parameters (bench/rules-preview.ts explains it with them). */
export function reviewFactsBindings(year: number, cuts: ActivityCuts) {
  // An empty array makes width_bucket fail: a cut of 0 changes nothing (every value is at or above it).
  const arr = (c: number[]) => (c.length ? c : [0]);
  return {
    year,
    from: `${year}-01-01`,
    to: `${year + 1}-01-01`,
    stayCuts: arr(cuts.stays),
    nightCuts: arr(cuts.nights),
    pointCuts: arr(cuts.basePoints),
  };
}
