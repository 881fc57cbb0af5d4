import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

export const ROLES = ['ops', 'marketer', 'admin'] as const;
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

/** Creates a key and returns it in plain text: the only time it is ever seen. `key` fixes its value (dev seeding). */
export async function create(
  db: Knex,
  input: { name: string; role: Role; key?: string },
): Promise<{ id: number; key: string }> {
  const key = input.key ?? `gle_${randomBytes(24).toString('base64url')}`;
  const [row] = await db<ApiKeyRow>('api_keys')
    .insert({ name: input.name, role: input.role, key_hash: hashKey(key), key_prefix: key.slice(0, 8) })
    .onConflict('key_hash')
    .merge({ name: input.name, role: input.role, revoked_at: null })
    .returning('id');
  return { id: row!.id, key };
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
