/**
 * The history of a guest's marketing consent (migration 030, docs/privacy.md): one row per change, written in the
 * transaction that changes `guests.marketing_consent`. Every writer calls `recordChange` with the value before
 * and after; nothing is written when they are equal (the erasure's own row excepted: `always`).
 */
import type { Knex } from 'knex';

/** Where a change came from. `backfill`: the value migration 030 found (one row per guest then). */
export const CONSENT_SOURCES = ['backfill', 'pms', 'unsubscribe_link', 'staff', 'import', 'erasure'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

export interface ConsentRow {
  id: number;
  guest_id: string;
  from_consent: boolean | null;
  to_consent: boolean;
  source: ConsentSource;
  actor: string | null;
  event_id: string | null;
  at: Date;
}

export interface ConsentChange {
  guestId: string;
  /** The value before (null: none recorded, a first value). */
  from: boolean | null;
  to: boolean;
  source: ConsentSource;
  /** The API key's name, `pms:event:<id>`, `guest:link`. */
  actor?: string | null | undefined;
  /** The PMS event, link message or audit entry that carried the change. */
  eventId?: string | null | undefined;
  /** When the change was made (default: the transaction's time). */
  at?: Date | undefined;
  /** Written even when `from` equals `to` (an erasure records that marketing stopped for good). */
  always?: boolean;
}

/** Records the change in the caller's transaction; true when a row was written. */
export async function recordChange(db: Knex, c: ConsentChange): Promise<boolean> {
  if (c.from === c.to && !c.always) return false;
  await db('consent_history').insert({
    guest_id: c.guestId,
    from_consent: c.from,
    to_consent: c.to,
    source: c.source,
    actor: c.actor ?? null,
    event_id: c.eventId ?? null,
    ...(c.at ? { at: c.at } : {}),
  });
  return true;
}

/** The guest's consent history, oldest first. */
export async function historyOf(db: Knex, guestId: string): Promise<ConsentRow[]> {
  const rows = await db<ConsentRow>('consent_history').where({ guest_id: guestId }).orderBy(['at', 'id']);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}
