/**
 * `npm run simulate -- <scenario.json> [--json] [--histories=<dir>]`: one scenario on throwaway servers — embedded PostgreSQL
 * (migrated), the Temporal time-skipping test server, an SMTP sink, the real worker and API — and the guest's
 * timeline on stdout (text, or JSON with --json). Progress goes to stderr.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../config.js';
import { createDb, migrateLatest } from '../db/knex.js';
import { freePort } from '../stack/ports.js';
import { startEmbeddedPostgres } from '../stack/postgres.js';
import { ensureTestServer } from '../stack/provision.js';
import { consoleStepLog as log, step } from '../stack/step.js';
import { workflowsPath } from '../worker.js';
import { formatTimeline } from './format.js';
import { THROWAWAY_MARK } from '../stack/orphans.js';
import { runScenario } from './run.js';
import { loadScenario } from './scenario.js';
import { registerSearchAttributes } from '../lib/search-attributes.js';

const USAGE = 'usage: npm run simulate -- <scenario.json> [--json] [--histories=<dir>]';

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const files = argv.filter((a) => !a.startsWith('--'));
  const historiesDir = argv.find((a) => a.startsWith('--histories='))?.slice('--histories='.length);
  const unknown = argv.filter((a) => a.startsWith('--') && a !== '--json' && !a.startsWith('--histories='));
  if (files.length !== 1 || unknown.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const scenario = await loadScenario(files[0]!);
  const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });

  const scratch = await mkdtemp(path.join(tmpdir(), 'guest-lifecycle-sim-'));
  // Throwaway servers: a test run's global setup stops them if this process dies without its clean-up.
  process.env[THROWAWAY_MARK] = scratch;
  // As root, PostgreSQL runs as a `postgres` user that must reach its data folder in here.
  await chmod(scratch, 0o755);
  const cleanups: (() => Promise<unknown>)[] = [() => rm(scratch, { recursive: true, force: true })];
  try {
    log(`Simulating ${scenario.name ?? files[0]}:`);
    const testServer = await ensureTestServer({
      cacheDir: config.TOOLS_CACHE_DIR,
      version: config.TEMPORAL_TEST_SERVER_VERSION,
      existingPath: config.TEMPORAL_TEST_SERVER_PATH,
      log,
    });
    const port = await freePort();
    const [pg, env, bundle] = await Promise.all([
      step(log, `PostgreSQL (embedded, throwaway) on ${port}`, () =>
        startEmbeddedPostgres({ dataDir: path.join(scratch, 'pg'), port, persistent: false }),
      ),
      step(log, 'Temporal time-skipping test server', () =>
        TestWorkflowEnvironment.createTimeSkipping({
          server: { executable: { type: 'existing-path', path: testServer } },
        }).then(async (env) => {
          await registerSearchAttributes(env.connection, env.namespace ?? 'default');
          return env;
        }),
      ),
      step(log, 'Workflow bundle', () =>
        bundleWorkflowCode({
          workflowsPath,
          logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
        }),
      ),
    ]);
    cleanups.push(pg.stop, () => env.teardown());
    const db = createDb(pg.url);
    await step(log, 'Migrations', () => migrateLatest(db));
    await db.destroy();

    const timeline = await step(log, 'Scenario', () =>
      runScenario(
        scenario,
        { databaseUrl: pg.url, env, workflowBundle: { code: bundle.code }, log },
        historiesDir ? { historiesDir } : {},
      ),
    );
    process.stdout.write(json ? `${JSON.stringify(timeline, null, 2)}\n` : `${formatTimeline(timeline)}\n`);
    return 0;
  } finally {
    for (const c of cleanups.reverse()) await c().catch((err: unknown) => console.error(err));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
