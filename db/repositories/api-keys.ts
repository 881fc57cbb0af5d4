import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

export const ROLES = ['ops', 'manager', 'marketer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKeyRow {
  id: number;
  name: string;
  role: Role;
  key_hash: string;
  key_prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Creates a key and returns it in plain text: the only time it is ever seen. */
export async function create(
  db: Knex,
  input: { name: string; role: Role },
): Promise<{ id: number; key: string }> {
  const key = `gle_${randomBytes(24).toString('base64url')}`;
  const [row] = await db<ApiKeyRow>('api_keys')
    .insert({ name: input.name, role: input.role, key_hash: hashKey(key), key_prefix: key.slice(0, 8) })
    .returning('id');
  return { id: row!.id, key };
}

export const DEV_OPS_KEY_NAME = 'dev ops (npm run dev)';

/**
 * What became of the public dev ops key (DEV_OPS_API_KEY, known to everyone who reads the repository):
 * `skipped` on a database that is not the embedded dev one, else `created`, `active` (seeded before) or
 * `revoked` (revoked by hand: it stays revoked).
 */
export type DevOpsKeySeed = 'skipped' | 'created' | 'active' | 'revoked';

/**
 * Seeds the dev ops key, only on the embedded dev database (`embedded`: `npm run dev` started it), so that a
 * real database never accepts a public key. A key that exists is left exactly as it is: a seed never renames,
 * re-roles or un-revokes it.
 */
export async function seedDevOpsKey(
  db: Knex,
  opts: { key: string; embedded: boolean },
): Promise<DevOpsKeySeed> {
  if (!opts.embedded) return 'skipped';
  const inserted = await db<ApiKeyRow>('api_keys')
    .insert({
      name: DEV_OPS_KEY_NAME,
      role: 'ops',
      key_hash: hashKey(opts.key),
      key_prefix: opts.key.slice(0, 8),
    })
    .onConflict('key_hash')
    .ignore()
    .returning('id');
  if (inserted.length > 0) return 'created';
  const row = await db<ApiKeyRow>('api_keys')
    .where({ key_hash: hashKey(opts.key) })
    .first('revoked_at');
  return row?.revoked_at ? 'revoked' : 'active';
}

export async function findActiveByKey(db: Knex, key: string): Promise<ApiKeyRow | undefined> {
  return (
    (await db<ApiKeyRow>('api_keys')
      .where({ key_hash: hashKey(key) })
      .whereNull('revoked_at')
      .first()) ?? undefined
  );
}

export async function list(db: Knex): Promise<Omit<ApiKeyRow, 'key_hash'>[]> {
  return db<ApiKeyRow>('api_keys')
    .select('id', 'name', 'role', 'key_prefix', 'created_at', 'revoked_at')
    .orderBy('id');
}

export async function revoke(db: Knex, id: number): Promise<boolean> {
  return (await db('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() })) > 0;
}

// --- console sessions (db/migrations/20261206_021_staff_sessions.ts) ---------------------------------------

/** Opens a session for an active key; returns the cookie's token (stored only as its hash). */
export async function openSession(
  db: Knex,
  input: { apiKeyId: number; hours: number },
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const [row] = await db('staff_sessions')
    .insert({
      token_hash: hashKey(token),
      api_key_id: input.apiKeyId,
      expires_at: db.raw(`now() + make_interval(hours => ?)`, [input.hours]),
    })
    .returning<{ expires_at: Date }[]>('expires_at');
  return { token, expiresAt: row!.expires_at };
}

/** The key behind a session that has not expired, if the key is still active. */
export async function findSessionKey(
  db: Knex,
  token: string,
): Promise<(ApiKeyRow & { session_expires_at: Date }) | undefined> {
  const row: (ApiKeyRow & { session_expires_at: Date }) | undefined = await db('staff_sessions as s')
    .join('api_keys as k', 'k.id', 's.api_key_id')
    .where('s.token_hash', hashKey(token))
    .where('s.expires_at', '>', db.fn.now())
    .whereNull('k.revoked_at')
    .first('k.*', 's.expires_at as session_expires_at');
  return row;
}

/** Ends a session (sign out); also clears sessions that expired, so the table does not grow. */
export async function closeSession(db: Knex, token: string): Promise<void> {
  await db('staff_sessions')
    .where('token_hash', hashKey(token))
    .orWhere('expires_at', '<=', db.fn.now())
    .delete();
}
