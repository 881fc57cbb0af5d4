import type { Knex } from 'knex';
import type { StayFacts } from '../../domain/types.js';

export interface StayRow {
  id: string;
  guest_id: string;
  source: string;
  pms_stay_id: string;
  property_code: string;
  arrival: string;
  departure: string;
  nights: number;
  room_revenue: string;
  currency: string;
  checked_out_at: Date;
  event_id: string;
  created_at: Date;
}

/** Records a stay once per (source, pmsStayId); a repeat returns the row already there. */
export async function insertIfAbsent(
  db: Knex,
  input: { guestId: string; source: string; eventId: string; checkedOutAt: Date; stay: StayFacts },
): Promise<{ stay: StayRow; created: boolean }> {
  const { stay } = input;
  const inserted = (await db('stays')
    .insert({
      guest_id: input.guestId,
      source: input.source,
      pms_stay_id: stay.pmsStayId,
      property_code: stay.propertyCode,
      arrival: stay.arrival,
      departure: stay.departure,
      nights: stay.nights,
      room_revenue: stay.roomRevenue,
      currency: stay.currency,
      checked_out_at: input.checkedOutAt,
      event_id: input.eventId,
    })
    .onConflict(['source', 'pms_stay_id'])
    .ignore()
    .returning('*')) as StayRow[];
  if (inserted[0]) return { stay: inserted[0], created: true };
  const existing = await db<StayRow>('stays')
    .where({ source: input.source, pms_stay_id: stay.pmsStayId })
    .first();
  if (!existing) throw new Error(`stay ${input.source}/${stay.pmsStayId} vanished after a conflict`);
  if (existing.guest_id !== input.guestId) {
    throw new StayOwnedByAnotherGuestError(input.source, stay.pmsStayId);
  }
  return { stay: existing, created: false };
}

export class StayOwnedByAnotherGuestError extends Error {
  constructor(source: string, pmsStayId: string) {
    super(`stay ${source}/${pmsStayId} is already recorded for another guest`);
    this.name = 'StayOwnedByAnotherGuestError';
  }
}

export interface StaySummary {
  totalStays: number;
  totalNights: number;
  /** Stays and nights whose departure falls in `year`. */
  yearStays: number;
  yearNights: number;
  lastStay: StayRow | undefined;
}

export async function summary(db: Knex, guestId: string, year: number): Promise<StaySummary> {
  const agg = (await db('stays')
    .where({ guest_id: guestId })
    .select(
      db.raw('count(*)::int as total_stays'),
      db.raw('coalesce(sum(nights), 0)::int as total_nights'),
      db.raw('count(*) filter (where extract(year from departure) = ?)::int as year_stays', [year]),
      db.raw('coalesce(sum(nights) filter (where extract(year from departure) = ?), 0)::int as year_nights', [
        year,
      ]),
    )
    .first()) as { total_stays: number; total_nights: number; year_stays: number; year_nights: number };
  const lastStay = await db<StayRow>('stays')
    .where({ guest_id: guestId })
    .orderBy([
      { column: 'departure', order: 'desc' },
      { column: 'created_at', order: 'desc' },
    ])
    .first();
  return {
    totalStays: agg.total_stays,
    totalNights: agg.total_nights,
    yearStays: agg.year_stays,
    yearNights: agg.year_nights,
    lastStay,
  };
}

export async function listByGuest(db: Knex, guestId: string): Promise<StayRow[]> {
  return db<StayRow>('stays').where({ guest_id: guestId }).orderBy('departure', 'desc');
}
