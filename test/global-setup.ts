/**
 * One set of real servers for the whole test run: embedded PostgreSQL (a
 * throwaway data folder, migrated: the template each test file copies into a
 * database of its own), a Temporal dev server (in memory, for end-to-end
 * tests), the time-skipping test server's executable (each file that skips
 * time starts its own), and the workflow bundle built once. Tests reach them
 * through `inject()`.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../config.js';
import { createDb, migrateLatest } from '../db/knex.js';
import { freePort } from '../stack/ports.js';
import { startEmbeddedPostgres } from '../stack/postgres.js';
import { ensureTemporalCli, ensureTestServer } from '../stack/provision.js';
import { consoleStepLog as log, step } from '../stack/step.js';
import { startTemporalDevServer } from '../stack/temporal-dev.js';
import { workflowsPath } from '../worker.js';
import { THROWAWAY_MARK, stopOrphans } from '../stack/orphans.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated database: the template of each file's own (test/helpers.ts fileDatabaseUrl). */
    databaseUrl: string;
    /** false with TEST_DATABASE_URL: the files share that database (and run one at a time). */
    databasePerFile: boolean;
    devServerAddress: string;
    workflowBundlePath: string;
    /** The time-skipping test server executable, for tests that need a server of their own. */
    testServerPath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
  const scratch = await mkdtemp(path.join(tmpdir(), 'guest-lifecycle-test-'));
  // As root, PostgreSQL runs as a `postgres` user that must be able to reach its data folder in here.
  await chmod(scratch, 0o755);
  const cleanups: (() => Promise<unknown>)[] = [() => rm(scratch, { recursive: true, force: true })];
  const teardown = async () => {
    for (const c of cleanups.reverse()) await c().catch((err: unknown) => console.error(err));
  };

  try {
    log('Test servers:');
    // Servers an interrupted earlier run left behind would hold memory and CPU through this one. This run's
    // servers (and the time-skipping servers its files start) inherit the mark.
    await stopOrphans(config.TOOLS_CACHE_DIR, log);
    process.env[THROWAWAY_MARK] = scratch;
    const [cli, testServer] = await Promise.all([
      // TEMPORAL_ADDRESS: end-to-end tests use that server instead of a dev server of their own.
      config.TEMPORAL_ADDRESS
        ? undefined
        : ensureTemporalCli({ cacheDir: config.TOOLS_CACHE_DIR, version: config.TEMPORAL_CLI_VERSION, log }),
      ensureTestServer({
        cacheDir: config.TOOLS_CACHE_DIR,
        version: config.TEMPORAL_TEST_SERVER_VERSION,
        existingPath: config.TEMPORAL_TEST_SERVER_PATH,
        log,
      }),
    ]);

    let databaseUrl = process.env.TEST_DATABASE_URL;
    if (!databaseUrl) {
      const port = await freePort();
      const pg = await step(log, `PostgreSQL (embedded, throwaway) on ${port}`, () =>
        startEmbeddedPostgres({ dataDir: path.join(scratch, 'pg'), port, persistent: false }),
      );
      cleanups.push(pg.stop);
      databaseUrl = pg.url;
    }
    const db = createDb(databaseUrl);
    await step(log, 'Migrations', () => migrateLatest(db));
    await db.destroy();

    let devServerAddress = config.TEMPORAL_ADDRESS;
    if (cli) {
      const devPort = await freePort();
      const dev = await step(log, `Temporal dev server (in memory) on ${devPort}`, () =>
        startTemporalDevServer({
          binary: cli,
          port: devPort,
          uiPort: 0,
          namespace: 'default',
          headless: true,
        }),
      );
      cleanups.push(dev.stop);
      devServerAddress = dev.address;
    }

    const bundle = await step(log, 'Workflow bundle', () =>
      bundleWorkflowCode({
        workflowsPath,
        logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
      }),
    );
    const workflowBundlePath = path.join(scratch, 'workflow-bundle.js');
    await writeFile(workflowBundlePath, bundle.code);

    project.provide('databaseUrl', databaseUrl);
    project.provide('databasePerFile', !process.env.TEST_DATABASE_URL);
    project.provide('devServerAddress', devServerAddress!);
    project.provide('workflowBundlePath', workflowBundlePath);
    project.provide('testServerPath', testServer);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
