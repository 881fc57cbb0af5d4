/**
 * What the tier-change preview decides from (domain/tier-review.ts `previewTierChanges`): every guest's standing for
 * the next review, grouped: the tier held, the floor, the stage, whether enrolled (or stayed), and the year's
 * stays, nights and base points, counted as db/repositories/lifecycle.ts `yearActivity` counts them for the
 * review itself (stays departing in the year; the `stay_base` and `stay_re_earn` ledger rows of those stays).
 * Guests who stand alike are one row with their number, so the base comes back in far fewer rows than guests.
 * One statement; the decision is the domain's.
 */
import type { Knex } from 'knex';
import type { ReviewFactsGroup } from '../../domain/tier-review.js';
import type { Stage } from '../../domain/stages.js';
import { isTier } from '../../domain/tiers.js';

const REVIEW_FACTS_SQL = `
with st as (
  select guest_id, count(*)::int as stays, sum(nights)::int as nights
  from stays where departure >= :from and departure < :to
  group by guest_id
), bp as (
  select l.guest_id, sum(l.points)::bigint as base_points
  from points_ledger l join stays s on s.id = l.stay_id
  where l.reason in ('stay_base', 'stay_re_earn') and s.departure >= :from and s.departure < :to
  group by l.guest_id
)
select g.tier, g.tier_floor, g.stage,
       (g.enrolled_at is not null or st.guest_id is not null
        or exists (select 1 from stays a where a.guest_id = g.id)) as enrolled,
       coalesce(st.stays, 0) as stays, coalesce(st.nights, 0) as nights,
       coalesce(bp.base_points, 0)::bigint as base_points, count(*)::int as members
from guests g
left join st on st.guest_id = g.id
left join bp on bp.guest_id = g.id
group by 1, 2, 3, 4, 5, 6, 7`;

/** The base for the review of `year` (stays departing from 1 January to 31 December), grouped. */
export async function reviewFacts(db: Knex, year: number): Promise<ReviewFactsGroup[]> {
  const { rows } = await db.raw<{
    rows: {
      tier: string;
      tier_floor: string | null;
      stage: Stage;
      enrolled: boolean;
      stays: number;
      nights: number;
      base_points: number;
      members: number;
    }[];
  }>(REVIEW_FACTS_SQL, { from: `${year}-01-01`, to: `${year + 1}-01-01` });
  return rows.map((r) => ({
    // As the review reads them (activities/lifecycle.ts `reviewTier`): an unknown tier is a member's.
    tier: isTier(r.tier) ? r.tier : 'member',
    floor: isTier(r.tier_floor) ? r.tier_floor : null,
    stage: r.stage,
    enrolled: r.enrolled,
    activity: { stays: r.stays, nights: r.nights, basePoints: Number(r.base_points) },
    members: r.members,
  }));
}
