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

/** A statement in pg's `$n` form with its parameters in order, under the name it is prepared as. */
export interface PreparedStatement {
  name: string;
  text: string;
  values: unknown[];
}

/**
 * A statement written with `:name` parameters (as knex's named bindings; `::type` casts are left alone) turned
 * once into pg's `$n` form, each name one parameter however often it appears: `bind` gives the statement with
 * the values of one call.
 */
export function preparedStatement<P extends Record<string, unknown>>(name: string, sql: string) {
  const names: string[] = [];
  const text = sql.replace(/(?<![:\w]):([A-Za-z_]\w*)/g, (_, param: string) => {
    if (!names.includes(param)) names.push(param);
    return `$${names.indexOf(param) + 1}`;
  });
  return {
    bind: (params: P): PreparedStatement => ({ name, text, values: names.map((n) => params[n]) }),
  };
}

/**
 * Runs a statement as a named prepared statement on one of the pool's connections: each connection plans it
 * once and keeps the plan (knex plans every statement each time it runs). For a statement a page runs on
 * every request whose planning costs more than its execution: the guest card (db/repositories/guest-card.ts).
 * Behind PgBouncer in transaction pooling this needs its `max_prepared_statements` (1.21 or later).
 */
export async function runPrepared<R>(db: Db, statement: PreparedStatement): Promise<R[]> {
  const client = db.client as {
    acquireConnection(): Promise<pg.ClientBase>;
    releaseConnection(c: pg.ClientBase): Promise<void>;
  };
  const conn = await client.acquireConnection();
  try {
    return (await conn.query<R & pg.QueryResultRow>(statement)).rows;
  } finally {
    await client.releaseConnection(conn);
  }
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
