import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { migrations } from './migrations/index.js';

// Return bigint counts and numeric money as JS numbers / strings we control in the repositories.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// DATE columns stay plain 'YYYY-MM-DD' strings: no time zone shift.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export type Db = Knex;

/**
 * How long a caller waits for a free connection before failing: well inside
 * every activity's start-to-close timeout (10 s for local activities), so a
 * busy pool fails an attempt that Temporal then retries.
 */
export const ACQUIRE_CONNECTION_TIMEOUT_MS = 5_000;

export function createDb(databaseUrl: string, opts: { poolMax?: number } = {}): Db {
  return knexFactory({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: 0, max: opts.poolMax ?? 10 },
    acquireConnectionTimeout: ACQUIRE_CONNECTION_TIMEOUT_MS,
  });
}

const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: () => Promise.resolve(Object.keys(migrations).sort()),
  getMigrationName: (name) => name,
  getMigration: (name) => {
    const m = migrations[name];
    if (!m) throw new Error(`unknown migration ${name}`);
    return Promise.resolve(m);
  },
};

/** Applies every pending migration; returns the names applied. */
export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}
