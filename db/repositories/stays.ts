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
  /** The rules version the stay was decided by. */
  rules_version: number | null;
  /** `no_rate_for_currency` while it waits for a rate (domain/points.ts); cleared when re-earned. */
  earn_flag: string | null;
  /** Amendments applied (`stay.amended`), the latest one's occurredAt and event (migration 027). */
  revision: number;
  amended_at: Date | null;
  amended_event_id: string | null;
  /** Voided by the PMS (`stay.cancelled`): kept, but no longer counted as a stay. */
  cancelled_at: Date | null;
  cancelled_event_id: string | null;
  /** The tier whose bonus the stay earned at check-out (null: recorded before migration 027). */
  bonus_tier: string | null;
}

/** Records a stay once per (source, pmsStayId); a repeat returns the row already there. */
export async function insertIfAbsent(
  db: Knex,
  input: {
    guestId: string;
    source: string;
    eventId: string;
    checkedOutAt: Date;
    stay: StayFacts;
    rulesVersion?: number;
    earnFlag?: string | null;
    bonusTier?: string;
  },
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
      rules_version: input.rulesVersion ?? null,
      earn_flag: input.earnFlag ?? null,
      bonus_tier: input.bonusTier ?? null,
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

/** The stay `(source, pmsStayId)`, whoever's it is. */
export async function findByPmsId(db: Knex, source: string, pmsStayId: string): Promise<StayRow | undefined> {
  return (await db<StayRow>('stays').where({ source, pms_stay_id: pmsStayId }).first()) ?? undefined;
}

/** The stay `(source, pmsStayId)` with its row locked (a correction), whoever's it is. */
export async function findByPmsIdForUpdate(
  db: Knex,
  source: string,
  pmsStayId: string,
): Promise<StayRow | undefined> {
  return (
    (await db<StayRow>('stays').where({ source, pms_stay_id: pmsStayId }).forUpdate().first()) ?? undefined
  );
}

/** A stay takes an amendment's facts: one more revision, `amended_at` the amendment's occurredAt. */
export async function amend(
  db: Knex,
  input: {
    stayId: string;
    stay: StayFacts;
    eventId: string;
    amendedAt: Date;
    rulesVersion: number;
    earnFlag: string | null;
  },
): Promise<StayRow> {
  const { stay } = input;
  const [row] = (await db('stays')
    .where({ id: input.stayId })
    .update({
      property_code: stay.propertyCode,
      arrival: stay.arrival,
      departure: stay.departure,
      nights: stay.nights,
      room_revenue: stay.roomRevenue,
      currency: stay.currency,
      rules_version: input.rulesVersion,
      earn_flag: input.earnFlag,
      revision: db.raw('revision + 1'),
      amended_at: input.amendedAt,
      amended_event_id: input.eventId,
    })
    .returning('*')) as StayRow[];
  return row!;
}

/**
 * A stay voided by the PMS: marked, kept. It no longer waits for a rate (`earn_flag` cleared): an admin's re-earn
 * must not pay it.
 */
export async function markCancelled(
  db: Knex,
  input: { stayId: string; eventId: string; at: Date },
): Promise<void> {
  await db('stays')
    .where({ id: input.stayId })
    .whereNull('cancelled_at')
    .update({ cancelled_at: input.at, cancelled_event_id: input.eventId, earn_flag: null });
}

/** What the stay's ledger rows add up to now: its base points and its tier bonus (corrections included). */
export async function pointsOf(db: Knex, stayId: string): Promise<{ base: number; bonus: number }> {
  const row = await db('points_ledger')
    .where({ stay_id: stayId })
    .first<{ base: string | number; bonus: string | number }>(
      db.raw(`coalesce(sum(points) filter (where source = 'stay'), 0)::bigint as base`),
      db.raw(`coalesce(sum(points) filter (where source = 'tier_bonus'), 0)::bigint as bonus`),
    );
  return { base: Number(row.base), bonus: Number(row.bonus) };
}

export async function listByGuest(db: Knex, guestId: string): Promise<StayRow[]> {
  return db<StayRow>('stays').where({ guest_id: guestId }).orderBy('departure', 'desc');
}

/** The guest's stay `stayId` (`stays.id`); undefined when there is none or it is another guest's. */
export async function findGuestStay(db: Knex, guestId: string, stayId: string): Promise<StayRow | undefined> {
  return (await db<StayRow>('stays').where({ id: stayId, guest_id: guestId }).first()) ?? undefined;
}

/** The guest's stay the PMS calls `pmsStayId`, once recorded (a stay is recorded at check-out). */
export async function findGuestStayByPmsId(
  db: Knex,
  guestId: string,
  pmsStayId: string,
): Promise<StayRow | undefined> {
  return (
    (await db<StayRow>('stays').where({ guest_id: guestId, pms_stay_id: pmsStayId }).first()) ?? undefined
  );
}

/**
 * The id of the guest's first stay by check-out, if any (a referral pays on the referred member's first stay; a
 * cancelled stay was no stay).
 */
export async function firstStayIdOf(db: Knex, guestId: string): Promise<string | undefined> {
  const first = await db<StayRow>('stays')
    .where({ guest_id: guestId })
    .whereNull('cancelled_at')
    .orderBy('checked_out_at')
    .first('id');
  return first?.id;
}

/** When the stay `(source, pmsStayId)` checked out, once recorded (a stay is recorded at check-out). */
export async function checkedOutAtOf(db: Knex, source: string, pmsStayId: string): Promise<Date | undefined> {
  const stay = await db<StayRow>('stays').where({ source, pms_stay_id: pmsStayId }).first('checked_out_at');
  return stay?.checked_out_at;
}

/**
 * The guest's stay named by `stayId`, the PMS's stay id or (when it has the form of one) a `stays.id`: its id and
 * property, or undefined.
 */
export async function findGuestStayByEitherId(
  db: Knex,
  guestId: string,
  stayId: string,
): Promise<Pick<StayRow, 'id' | 'property_code'> | undefined> {
  const uuid = /^[0-9a-f-]{36}$/i.test(stayId);
  return db<StayRow>('stays')
    .where({ guest_id: guestId })
    .andWhere((q) => {
      q.where({ pms_stay_id: stayId });
      if (uuid) q.orWhere({ id: stayId });
    })
    .first('id', 'property_code');
}
