/** `POST /v1/segments/preview`: the count and the first guests of a segment, by the rules in force today. */
import type { Db } from '../../db/knex.js';
import * as segments from '../../db/repositories/segments.js';
import { valueRankBounds, valueSegment, type SegmentDefinition } from '../../domain/segments.js';

export interface SegmentsDeps {
  db: Db;
}

export async function previewSegment(
  deps: SegmentsDeps,
  body: { definition: SegmentDefinition; limit: number },
  now = new Date(),
) {
  const ctx = await segments.segmentContext(deps.db, now.toISOString().slice(0, 10));
  const found = await segments.previewSegment(deps.db, body.definition, ctx, body.limit);
  return {
    /** The day the segment was counted on (UTC): tenure and the 12 months of revenue are counted from it. */
    asOf: ctx.today,
    count: found.count,
    /** Guests who spent in the last 12 months, and the last rank of each value segment among them. */
    spenders: found.spenders,
    valueBounds: valueRankBounds(found.spenders, ctx.settings.value),
    guests: found.guests.map((g) => ({
      id: g.id,
      firstName: g.first_name,
      lastName: g.last_name,
      stage: g.stage,
      tier: g.tier,
      language: g.locale,
      marketingConsent: g.marketing_consent,
      value: valueSegment({ rank: g.value_rank, spenders: found.spenders }, ctx.settings.value),
      /** Revenue of the last 12 months in the program currency (null: none). */
      revenue: g.revenue,
      tenure: g.tenure,
    })),
  };
}
