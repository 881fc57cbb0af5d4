/**
 * Bookings the PMS reported, once per `(source, pms_booking_id)`. A booking
 * belongs to the guest whose event first reported it; a cancellation marks
 * it (and is kept when a late `booking.created` arrives after it).
 */
import type { Knex } from 'knex';

export interface BookingRow {
  id: string;
  guest_id: string;
  source: string;
  pms_booking_id: string;
  property_code: string;
  /** 'YYYY-MM-DD' */
  arrival: string;
  departure: string;
  offer_code: string | null;
  /** created | cancelled */
  status: string;
  created_at: Date;
  cancelled_at: Date | null;
}

export interface BookingFacts {
  bookingId: string;
  propertyCode: string;
  arrival: string;
  departure: string;
  offerCode?: string | undefined;
}

export async function findByPmsId(
  db: Knex,
  source: string,
  pmsBookingId: string,
): Promise<BookingRow | undefined> {
  return (
    (await db<BookingRow>('bookings').where({ source, pms_booking_id: pmsBookingId }).first()) ?? undefined
  );
}

/** The id of the guest's booking the PMS calls `pmsBookingId`, if it is recorded. */
export async function findGuestBookingId(
  db: Knex,
  guestId: string,
  pmsBookingId: string,
): Promise<string | undefined> {
  const booking = await db<BookingRow>('bookings')
    .where({ guest_id: guestId, pms_booking_id: pmsBookingId })
    .first('id');
  return booking?.id;
}

/**
 * Records a booking unless it is known; returns the row there (`created` says whether it is new). A known
 * booking is left as it is: the first report wins and a cancellation stays.
 */
export async function insertIfAbsent(
  db: Knex,
  input: { guestId: string; source: string; booking: BookingFacts; cancelledAt?: Date },
): Promise<{ booking: BookingRow; created: boolean }> {
  const b = input.booking;
  const [inserted] = (await db('bookings')
    .insert({
      guest_id: input.guestId,
      source: input.source,
      pms_booking_id: b.bookingId,
      property_code: b.propertyCode,
      arrival: b.arrival,
      departure: b.departure,
      offer_code: b.offerCode ?? null,
      ...(input.cancelledAt ? { status: 'cancelled', cancelled_at: input.cancelledAt } : {}),
    })
    .onConflict(['source', 'pms_booking_id'])
    .ignore()
    .returning('*')) as BookingRow[];
  if (inserted) return { booking: inserted, created: true };
  const existing = await findByPmsId(db, input.source, b.bookingId);
  if (!existing) throw new Error(`booking ${input.source}/${b.bookingId} vanished after a conflict`);
  return { booking: existing, created: false };
}

/** Marks the booking cancelled (once: the first cancellation's time stays); returns the row after. */
export async function cancel(db: Knex, id: string, at: Date): Promise<BookingRow> {
  const [row] = (await db('bookings')
    .where({ id })
    .update({ status: 'cancelled', cancelled_at: db.raw('coalesce(cancelled_at, ?)', [at]) })
    .returning('*')) as BookingRow[];
  if (!row) throw new Error(`booking ${id} vanished while cancelling it`);
  return row;
}

/** The guest's bookings, newest first (at most `limit`). */
export async function listByGuest(db: Knex, guestId: string, limit = 100): Promise<BookingRow[]> {
  return db<BookingRow>('bookings')
    .where({ guest_id: guestId })
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit);
}
