/** The public dev ops key is seeded only on the embedded dev database, and a seed never revives a revoked key. */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from '../db/knex.js';
import * as apiKeys from '../db/repositories/api-keys.js';
import { countRows, fileDatabaseUrl } from '../test/helpers.js';

const db = createDb(await fileDatabaseUrl(), { poolMax: 2 });
afterAll(() => db.destroy());

/** A key of this test's own: the test database is shared with the other test files. */
const newKey = () => `dev-ops-key-${randomUUID()}`;
const rows = (key: string) => countRows(db, 'api_keys', { key_hash: apiKeys.hashKey(key) });

describe('seedDevOpsKey', () => {
  it('seeds nothing on a database that is not the embedded dev one (DATABASE_URL)', async () => {
    const key = newKey();
    expect(await apiKeys.seedDevOpsKey(db, { key, embedded: false })).toBe('skipped');
    expect(await rows(key)).toBe(0);
    expect(await apiKeys.findActiveByKey(db, key)).toBeUndefined();
  });

  it('creates the key once on the embedded database; a second seed changes nothing', async () => {
    const key = newKey();
    expect(await apiKeys.seedDevOpsKey(db, { key, embedded: true })).toBe('created');
    const row = await apiKeys.findActiveByKey(db, key);
    expect(row).toMatchObject({ name: apiKeys.DEV_OPS_KEY_NAME, role: 'ops', revoked_at: null });

    // Renamed by hand: the next `npm run dev` leaves it as it is.
    await db('api_keys').where({ id: row!.id }).update({ name: 'renamed' });
    expect(await apiKeys.seedDevOpsKey(db, { key, embedded: true })).toBe('active');
    expect(await rows(key)).toBe(1);
    expect(await apiKeys.findActiveByKey(db, key)).toMatchObject({
      id: row!.id,
      name: 'renamed',
      role: 'ops',
    });
  });

  it('never un-revokes: a revoked dev key stays revoked', async () => {
    const key = newKey();
    await apiKeys.seedDevOpsKey(db, { key, embedded: true });
    const { id } = (await apiKeys.findActiveByKey(db, key))!;
    expect(await apiKeys.revoke(db, id)).toBe(true);
    const revokedAt = async () => (await db<apiKeys.ApiKeyRow>('api_keys').where({ id }).first())?.revoked_at;
    const revokedBefore = await revokedAt();
    expect(revokedBefore).toBeInstanceOf(Date);

    expect(await apiKeys.seedDevOpsKey(db, { key, embedded: true })).toBe('revoked');
    expect(await apiKeys.findActiveByKey(db, key)).toBeUndefined();
    expect(await revokedAt()).toEqual(revokedBefore);
    expect(await rows(key)).toBe(1);
  });
});
