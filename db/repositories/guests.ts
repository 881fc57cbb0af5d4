import type { Knex } from 'knex';
import type { GuestProfile } from '../../domain/types.js';

export interface GuestRow {
  id: string;
  source: string;
  pms_profile_id: string;
  first_name: string;
  last_name: string;
  email: string;
  locale: string;
  timezone: string;
  profile_as_of: Date;
  created_at: Date;
  updated_at: Date;
}

/**
 * Creates the guest known to the PMS by (source, pmsProfileId), or refreshes
 * the profile when `asOf` is newer than what we hold (events arrive unordered).
 */
export async function upsertFromPms(
  db: Knex,
  input: { source: string; profile: GuestProfile; asOf: Date },
): Promise<{ guest: GuestRow; created: boolean }> {
  const { source, profile, asOf } = input;
  const rows = await db('guests')
    .insert({
      source,
      pms_profile_id: profile.pmsProfileId,
      first_name: profile.firstName,
      last_name: profile.lastName,
      email: profile.email,
      locale: profile.locale,
      timezone: profile.timezone,
      profile_as_of: asOf,
    })
    .onConflict(['source', 'pms_profile_id'])
    .merge({
      first_name: db.raw(
        'case when excluded.profile_as_of > guests.profile_as_of then excluded.first_name else guests.first_name end',
      ),
      last_name: db.raw(
        'case when excluded.profile_as_of > guests.profile_as_of then excluded.last_name else guests.last_name end',
      ),
      email: db.raw(
        'case when excluded.profile_as_of > guests.profile_as_of then excluded.email else guests.email end',
      ),
      locale: db.raw(
        'case when excluded.profile_as_of > guests.profile_as_of then excluded.locale else guests.locale end',
      ),
      timezone: db.raw(
        'case when excluded.profile_as_of > guests.profile_as_of then excluded.timezone else guests.timezone end',
      ),
      profile_as_of: db.raw('greatest(excluded.profile_as_of, guests.profile_as_of)'),
      updated_at: db.fn.now(),
    })
    .returning<(GuestRow & { inserted: boolean })[]>(['*', db.raw('(xmax = 0) as inserted')]);
  const { inserted, ...guest } = rows[0]!;
  return { guest, created: inserted };
}

export async function findById(db: Knex, id: string): Promise<GuestRow | undefined> {
  return (await db<GuestRow>('guests').where({ id }).first()) ?? undefined;
}

/** The guest known to `source` by its profile ID, locked for the rest of the transaction. */
export async function findByPmsProfileForUpdate(
  db: Knex,
  source: string,
  pmsProfileId: string,
): Promise<GuestRow | undefined> {
  return (
    (await db<GuestRow>('guests').where({ source, pms_profile_id: pmsProfileId }).forUpdate().first()) ??
    undefined
  );
}

export const PROFILE_FIELDS = ['first_name', 'last_name', 'email', 'locale', 'timezone'] as const;

/** The profile fields that differ between two versions of a guest, as `{ field: value }` pairs. */
export function profileChanges(before: GuestRow, after: GuestRow) {
  const changed = PROFILE_FIELDS.filter((f) => before[f] !== after[f]);
  return {
    before: Object.fromEntries(changed.map((f) => [f, before[f]])),
    after: Object.fromEntries(changed.map((f) => [f, after[f]])),
    changed: changed.length > 0,
  };
}
