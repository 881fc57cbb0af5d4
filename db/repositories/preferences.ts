/** A guest's preferences and taboos (db/migrations/20261206_022_guest_preferences.ts). */
import type { Knex } from 'knex';
import type { FactSource, PreferenceCategory, PreferenceKind } from '../../domain/preferences.js';

export interface PreferenceRow {
  id: number;
  guest_id: string;
  kind: PreferenceKind;
  category: PreferenceCategory;
  text: string;
  source: FactSource;
  recorded_by: string;
  created_at: Date;
}

/** The facts in force of the guests, taboos first, newest first. */
export async function listActive(db: Knex, guestIds: readonly string[]): Promise<PreferenceRow[]> {
  if (guestIds.length === 0) return [];
  return db<PreferenceRow>('guest_preferences')
    .whereIn('guest_id', guestIds)
    .whereNull('removed_at')
    .orderByRaw(`guest_id, kind = 'taboo' desc, created_at desc, id desc`)
    .select('id', 'guest_id', 'kind', 'category', 'text', 'source', 'recorded_by', 'created_at');
}

export async function add(
  db: Knex,
  row: Pick<PreferenceRow, 'guest_id' | 'kind' | 'category' | 'text' | 'source' | 'recorded_by'>,
): Promise<PreferenceRow> {
  const [inserted] = await db<PreferenceRow>('guest_preferences').insert(row).returning('*');
  return inserted!;
}

/** Marks a fact of the guest removed; false when there is none in force with that id. */
export async function remove(db: Knex, input: { guestId: string; id: number; by: string }): Promise<boolean> {
  const n = await db('guest_preferences')
    .where({ id: input.id, guest_id: input.guestId })
    .whereNull('removed_at')
    .update({ removed_at: db.fn.now(), removed_by: input.by });
  return n > 0;
}
