/**
 * Check-ins the PMS reported (`stay.started`), once per `(source, pms_stay_id)`. A check-in belongs to the
 * guest whose event first reported it; the stay's `stay.completed` sets `checked_out_at`. A check-out that
 * arrived first (the PMS delivers unordered) is found in `stays` and copied at once.
 */
import type { Knex } from 'knex';

export interface StayCheckinRow {
  id: string;
  guest_id: string;
  source: string;
  pms_stay_id: string;
  property_code: string;
  /** 'YYYY-MM-DD' */
  arrival: string;
  expected_departure: string;
  checked_in_at: Date;
  checked_out_at: Date | null;
  event_id: string;
  created_at: Date;
}

export interface CheckinFacts {
  pmsStayId: string;
  propertyCode: string;
  arrival: string;
  expectedDeparture: string;
}

/**
 * Records a check-in unless its PMS stay is known; returns the row there (`created` says whether it is new).
 * A known check-in is left as it is: the first report wins.
 */
export async function insertIfAbsent(
  db: Knex,
  input: { guestId: string; source: string; eventId: string; checkedInAt: Date; stay: CheckinFacts },
): Promise<{ checkin: StayCheckinRow; created: boolean }> {
  const s = input.stay;
  const checkedOut = await db<{ source: string; pms_stay_id: string; checked_out_at: Date }>('stays')
    .where({ source: input.source, pms_stay_id: s.pmsStayId })
    .first('checked_out_at');
  const [inserted] = (await db('stay_checkins')
    .insert({
      guest_id: input.guestId,
      source: input.source,
      pms_stay_id: s.pmsStayId,
      property_code: s.propertyCode,
      arrival: s.arrival,
      expected_departure: s.expectedDeparture,
      checked_in_at: input.checkedInAt,
      checked_out_at: checkedOut?.checked_out_at ?? null,
      event_id: input.eventId,
    })
    .onConflict(['source', 'pms_stay_id'])
    .ignore()
    .returning('*')) as StayCheckinRow[];
  if (inserted) return { checkin: inserted, created: true };
  const existing = await findByPmsStay(db, input.source, s.pmsStayId);
  if (!existing) throw new Error(`check-in ${input.source}/${s.pmsStayId} vanished after a conflict`);
  return { checkin: existing, created: false };
}

export async function findByPmsStay(
  db: Knex,
  source: string,
  pmsStayId: string,
): Promise<StayCheckinRow | undefined> {
  return (
    (await db<StayCheckinRow>('stay_checkins').where({ source, pms_stay_id: pmsStayId }).first()) ?? undefined
  );
}

/** The stay's check-out: sets `checked_out_at` once (a repeat or a later report changes nothing). */
export async function markCheckedOut(
  db: Knex,
  input: { source: string; pmsStayId: string; at: Date },
): Promise<void> {
  await db('stay_checkins')
    .where({ source: input.source, pms_stay_id: input.pmsStayId })
    .whereNull('checked_out_at')
    .update({ checked_out_at: input.at });
}

/** The guest's check-ins without a check-out, newest first. */
export async function openByGuest(db: Knex, guestId: string): Promise<StayCheckinRow[]> {
  return db<StayCheckinRow>('stay_checkins')
    .where({ guest_id: guestId })
    .whereNull('checked_out_at')
    .orderBy('checked_in_at', 'desc');
}
