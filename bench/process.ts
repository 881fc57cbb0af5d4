/**
 * What every bench process does around its measurement (bench/stay-events.ts, bench/guest-reads.ts): a time
 * limit, Ctrl-C and friends stop it in order, and a refusal explained in its message (`BenchError`, a missing
 * tool) is printed without a stack trace.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDb, migrateLatest, type Db } from '../db/knex.js';
import { freePort } from '../stack/ports.js';
import { startEmbeddedPostgres } from '../stack/postgres.js';
import { consoleStepLog as log, MissingToolError, step } from '../stack/step.js';

/** A refusal or failure explained in its message: printed without a stack trace. */
export class BenchError extends Error {
  override name = 'BenchError';
}

/** A reader of whole-number options: out of `min`–`max`, a BenchError naming the option, with the usage. */
export function wholeNumbers(usage: string) {
  return (name: string, raw: string, min: number, max: number): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new BenchError(`--${name} must be a whole number from ${min} to ${max}, got '${raw}'\n${usage}`);
    return n;
  };
}

export function runBench(opts: {
  main: () => Promise<void>;
  /** Stops what the bench started, then exits with `code` (once; later calls wait). */
  shutdown: (code: number, why?: string) => Promise<unknown>;
  stopping: () => boolean;
  timeLimitMs: number;
}): void {
  const limit = setTimeout(
    () => void opts.shutdown(1, `Time limit of ${opts.timeLimitMs / 60_000} minutes reached: stopping.`),
    opts.timeLimitMs,
  );
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(signal, () => void opts.shutdown(code, `${signal}: stopping…`));
  }
  opts
    .main()
    .then(() => {
      clearTimeout(limit);
      return opts.shutdown(typeof process.exitCode === 'number' ? process.exitCode : 0);
    })
    .catch((err: unknown) => {
      clearTimeout(limit);
      if (opts.stopping()) return;
      if (err instanceof MissingToolError || err instanceof BenchError) log(`\n${err.message}`);
      else console.error(err);
      return opts.shutdown(1);
    });
}

/** What a bench starts, stopped in reverse order on the way out (each given 15 s), then the process exits. */
export function benchStops() {
  const stops: { name: string; stop: () => Promise<unknown> }[] = [];
  let stopping = false;
  return {
    onStop: (name: string, stop: () => Promise<unknown>): void => {
      stops.push({ name, stop });
    },
    stopping: () => stopping,
    shutdown: async (code: number, why?: string): Promise<never> => {
      if (stopping) return new Promise<never>(() => undefined);
      stopping = true;
      if (why) log(`\n${why}`);
      for (const { name, stop } of stops.splice(0).reverse()) {
        await Promise.race([stop(), new Promise((r) => setTimeout(r, 15_000))]).catch((err: unknown) =>
          log(`  ✗ stop ${name}: ${err instanceof Error ? err.message : 'failed'}`),
        );
      }
      process.exit(code);
    },
  };
}

/**
 * A throwaway embedded PostgreSQL in a temp folder, on a free port, migrated: the bench's database (its knex pool,
 * its server and its folder stopped and removed on the way out).
 */
export async function throwawayPostgres(
  onStop: (name: string, stop: () => Promise<unknown>) => void,
  opts: { poolMax?: number } = {},
): Promise<{ db: Db; url: string }> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'guest-lifecycle-bench-'));
  // As root, PostgreSQL runs as a `postgres` user that must be able to reach its data folder in here.
  await chmod(scratch, 0o755);
  onStop('temp folder', () => rm(scratch, { recursive: true, force: true }));
  const port = await freePort();
  const server = await step(log, `PostgreSQL (embedded, throwaway) on 127.0.0.1:${port}`, () =>
    startEmbeddedPostgres({ dataDir: path.join(scratch, 'pg'), port, persistent: false }),
  );
  onStop('PostgreSQL', server.stop);
  const db = createDb(server.url, opts.poolMax ? { poolMax: opts.poolMax } : {});
  onStop('knex pool', () => db.destroy());
  await step(log, 'Migrations', () => migrateLatest(db));
  return { db, url: server.url };
}
