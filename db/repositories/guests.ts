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

export const PROFILE_FIELDS = ['first_name', 'last_name', 'email', 'locale', 'timezone'] as const;
export type ProfileFields = Pick<GuestRow, (typeof PROFILE_FIELDS)[number]>;

function profileColumns(profile: GuestProfile): ProfileFields {
  return {
    first_name: profile.firstName,
    last_name: profile.lastName,
    email: profile.email,
    locale: profile.locale,
    timezone: profile.timezone,
  };
}

export function profileOf(row: GuestRow): ProfileFields {
  return Object.fromEntries(PROFILE_FIELDS.map((f) => [f, row[f]])) as ProfileFields;
}

/** Creates the guest known to `source` by `pmsProfileId` unless it exists (then `guest` is undefined). */
export async function insertIfAbsent(
  db: Knex,
  input: { source: string; profile: GuestProfile; asOf: Date },
): Promise<GuestRow | undefined> {
  const [row] = await db<GuestRow>('guests')
    .insert({
      source: input.source,
      pms_profile_id: input.profile.pmsProfileId,
      ...profileColumns(input.profile),
      profile_as_of: input.asOf,
    })
    .onConflict(['source', 'pms_profile_id'])
    .ignore()
    .returning('*');
  return row;
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

/** Overwrites the profile with one as of `asOf`; returns the row after. */
export async function updateProfile(
  db: Knex,
  id: string,
  profile: GuestProfile,
  asOf: Date,
): Promise<GuestRow> {
  const [row] = await db<GuestRow>('guests')
    .where({ id })
    .update({ ...profileColumns(profile), profile_as_of: asOf, updated_at: db.fn.now() })
    .returning('*');
  if (!row) throw new Error(`guest ${id} vanished while updating its profile`);
  return row;
}

/** The profile fields that differ between two versions of a guest. */
export function profileChanges(before: ProfileFields, after: ProfileFields) {
  const changed = PROFILE_FIELDS.filter((f) => before[f] !== after[f]);
  return {
    before: Object.fromEntries(changed.map((f) => [f, before[f]])),
    after: Object.fromEntries(changed.map((f) => [f, after[f]])),
    changed: changed.length > 0,
  };
}

export async function findById(db: Knex, id: string): Promise<GuestRow | undefined> {
  return (await db<GuestRow>('guests').where({ id }).first()) ?? undefined;
}
