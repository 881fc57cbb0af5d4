/**
 * Backups of the engine's database (docs/operations.md "Backups and restore"): `npm run backup` writes one
 * consistent dump with `pg_dump` (custom format: one snapshot of every table, compressed, restorable table by
 * table); `npm run restore -- <file>` loads it into an empty database with `pg_restore`. The client programs
 * are PG_BIN_DIR's, else those on PATH when they are as new as the server, else PostgreSQL 18's provisioned
 * into the tools cache (stack/provision.ts `ensurePgTools`): a pg_dump older than the server refuses to run.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ensurePgTools } from './provision.js';
import type { StepLog } from './step.js';

const run = promisify(execFile);

/** The two programs a backup and a restore run. */
export interface PgTools {
  pgDump: string;
  pgRestore: string;
}

/** A connection URL split into what the programs take: the URL without its password, and the password. */
function connection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dbname: u.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

/** The database's name in a URL (`guest_lifecycle`). */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres';
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `no PostgreSQL answers at ${new URL(url).host} (${(err as Error).message}): start it (npm run dev) or set DATABASE_URL`,
      { cause: err },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The server's major version (18 for 18.4). */
export async function serverMajor(url: string): Promise<number> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ v: string }>("select current_setting('server_version_num') as v");
    return Math.floor(Number(rows[0]!.v) / 10_000);
  });
}

/** The major version a client program reports (`pg_dump (PostgreSQL) 18.3` → 18), or 0 if it does not run. */
async function programMajor(program: string): Promise<number> {
  try {
    const { stdout } = await run(program, ['--version'], { timeout: 10_000 });
    return Number(/\(PostgreSQL\)\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * pg_dump and pg_restore for a server of major version `major`: PG_BIN_DIR's as they are; those on PATH when
 * at least as new; else the provisioned PostgreSQL 18 programs (newer than the server is fine for pg_dump).
 */
export async function pgToolsFor(input: {
  major: number;
  binDir?: string | undefined;
  cacheDir: string;
  log: StepLog;
}): Promise<PgTools> {
  const inDir = (dir: string) => ({
    pgDump: path.join(dir, 'pg_dump'),
    pgRestore: path.join(dir, 'pg_restore'),
  });
  if (input.binDir) {
    const tools = inDir(input.binDir);
    if (!existsSync(tools.pgDump) || !existsSync(tools.pgRestore))
      throw new Error(`PG_BIN_DIR ${input.binDir} has no pg_dump and pg_restore`);
    return tools;
  }
  if ((await programMajor('pg_dump')) >= input.major && (await programMajor('pg_restore')) >= input.major)
    return { pgDump: 'pg_dump', pgRestore: 'pg_restore' };
  return inDir(await ensurePgTools({ cacheDir: input.cacheDir, log: input.log }));
}

/** `guest_lifecycle-20261206T164800Z.dump`: the database and the UTC instant, sortable by name. */
export function backupFileName(database: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${database}-${stamp}.dump`;
}

export interface BackupResult {
  file: string;
  bytes: number;
  /** Tables in the dump (from its table of contents). */
  tables: number;
}

/**
 * One dump of the database at `url` into `dir`. pg_dump reads every table in one repeatable-read snapshot, so
 * the dump is consistent while the engine runs. It is written beside its final name and renamed when pg_restore
 * can read its table of contents: a file with the final name is a whole dump.
 */
export async function backupDatabase(input: {
  url: string;
  dir: string;
  tools: PgTools;
  at?: Date;
}): Promise<BackupResult> {
  await mkdir(input.dir, { recursive: true });
  const file = path.resolve(input.dir, backupFileName(databaseName(input.url), input.at ?? new Date()));
  const partial = `${file}.partial`;
  const { dbname, env } = connection(input.url);
  try {
    await run(
      input.tools.pgDump,
      ['--format=custom', '--no-sync', `--file=${partial}`, `--dbname=${dbname}`],
      {
        env,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const tables = await tableCount(input.tools, partial);
    await rename(partial, file);
    return { file, bytes: (await stat(file)).size, tables };
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}

/** The number of tables whose data a dump holds (`pg_restore --list`). */
export async function tableCount(tools: PgTools, file: string): Promise<number> {
  const { stdout } = await run(tools.pgRestore, ['--list', file], { maxBuffer: 64 * 1024 * 1024 });
  return stdout.split('\n').filter((line) => /^\d+;.* TABLE DATA /.test(line)).length;
}

/** The tables and sequences a database holds outside PostgreSQL's own schemas. */
export async function userRelations(url: string): Promise<string[]> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ name: string }>(
      `select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p', 'S', 'v', 'm') and n.nspname not in ('pg_catalog', 'information_schema')
          and n.nspname not like 'pg\\_%' order by 1`,
    );
    return rows.map((r) => r.name);
  });
}

/** Creates database `name` on the server of `url` (connecting to its `postgres` database); the new URL. */
export async function createDatabase(url: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new Error(`--create-database ${name}: must be a lower-case name of letters, digits and _`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  await withClient(admin.toString(), async (c) => {
    const { rowCount } = await c.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount)
      throw new Error(`database ${name} exists already: restore into it by its URL if it is empty`);
    await c.query(`create database "${name}"`);
  });
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}

export class NotEmptyError extends Error {
  constructor(database: string, relations: string[]) {
    super(
      `database ${database} is not empty (${relations.length} tables and sequences, e.g. ${relations.slice(0, 3).join(', ')}): ` +
        'a restore goes into an empty database. Create one (--create-database <name>) and point DATABASE_URL at it.',
    );
    this.name = 'NotEmptyError';
  }
}

/**
 * Loads a dump into the empty database at `url`, in one transaction: it is all there or, on any error, nothing
 * is. Owners and grants are not restored: the tables belong to the user that restores.
 */
export async function restoreDatabase(input: { file: string; url: string; tools: PgTools }): Promise<{
  tables: number;
}> {
  if (!existsSync(input.file)) throw new Error(`no dump at ${input.file}`);
  const tables = await tableCount(input.tools, input.file);
  const present = await userRelations(input.url);
  if (present.length > 0) throw new NotEmptyError(databaseName(input.url), present);
  const { dbname, env } = connection(input.url);
  await run(
    input.tools.pgRestore,
    [
      '--no-owner',
      '--no-privileges',
      '--exit-on-error',
      '--single-transaction',
      `--dbname=${dbname}`,
      input.file,
    ],
    { env, maxBuffer: 16 * 1024 * 1024 },
  );
  return { tables };
}
