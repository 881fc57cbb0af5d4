/**
 * `npm run dev`: everything up on one machine, each part real. Installs what
 * is missing, starts Postgres (embedded, data kept in DATA_DIR), runs the
 * migrations, starts the SMTP sink, the Temporal dev server with its Web UI
 * (state in a SQLite file), the worker and the API, and prints the URLs.
 * Each part can be pointed at a real server instead (DATABASE_URL, SMTP_URL,
 * TEMPORAL_ADDRESS). Ctrl-C stops everything; the next start finds it all again. A run that was killed
 * without stopping its servers (SIGKILL, power loss) leaves them, or their lock files, behind: the next start
 * stops them and goes on (see postgres.ts and temporal-dev.ts).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfigOrExit } from '../config.js';
import { createDb, migrateLatest } from '../db/knex.js';
import * as apiKeys from '../db/repositories/api-keys.js';
import * as cases from '../db/repositories/cases.js';
import {
  connectClient,
  connectWorkerConnection,
  createLogger,
  createMailer,
  createPooledMailer,
  temporalTarget,
} from '../lib/runtime.js';
import { createApp, MOUNT_SEGMENTS } from '../api/app.js';
import { createMetrics, listenMetrics } from '../lib/metrics.js';
import { appDepsFromConfig, listen } from '../api/server.js';
import { startPmsProcessor } from '../api/pms/adapters/index.js';
import { flushSignalledMarks } from '../api/pms/signalled-marks.js';
import {
  createWorker,
  ensureSweeper,
  inStayReportUrlFrom,
  satisfactionUrlFrom,
  surveyUrlFrom,
  unsubscribeUrlFrom,
  whyUrlFrom,
  workerTelemetry,
} from '../worker.js';
import { startEmbeddedPostgres } from './postgres.js';
import { ensureTemporalCli } from './provision.js';
import { startSmtpSink } from './smtp-sink.js';
import { consoleStepLog as log, MissingToolError, processArgv, readPidFile, step } from './step.js';
import { startTemporalDevServer } from './temporal-dev.js';

/**
 * One dev stack per data folder: its pid is kept in DATA_DIR/dev.pid while it runs. A second `npm run dev`
 * on the same folder stops here instead of taking the first one's servers for stale ones and stopping them.
 * A pid file whose process is gone, or is no longer a dev stack, is one a killed run left: it is replaced.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const pidFile = path.join(dataDir, 'dev.pid');
  const pid = await readPidFile(pidFile);
  const argv = pid === undefined || pid === process.pid ? undefined : await processArgv(pid);
  if (argv?.some((arg) => /(^|\/)stack\/dev\.[jt]s$/.test(arg))) {
    log(`npm run dev already runs on ${dataDir} (pid ${pid}). Stop it first (Ctrl-C in its terminal).`);
    process.exit(1);
  }
  await writeFile(pidFile, `${process.pid}\n`);
  return () => rm(pidFile, { force: true });
}

/** `npm run dev`'s metrics ports when METRICS_PORT and WORKER_METRICS_PORT are not set. */
const DEV_METRICS_PORT = 9464;
const DEV_WORKER_METRICS_PORT = 9465;

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  // Metrics on by default in development (each variable, when set, wins; 0 turns it off).
  const metricsPort = process.env.METRICS_PORT ? config.METRICS_PORT : DEV_METRICS_PORT;
  const workerMetricsPort = process.env.WORKER_METRICS_PORT
    ? config.WORKER_METRICS_PORT
    : DEV_WORKER_METRICS_PORT;
  // This script owns shutdown order (API, worker, then the servers): the SDK must not act on signals itself.
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      shutdownSignals: [],
      ...(workerMetricsPort > 0
        ? { telemetryOptions: workerTelemetry(config.METRICS_HOST, workerMetricsPort) }
        : {}),
    });
  } catch (err) {
    log(
      `Worker metrics could not listen on ${config.METRICS_HOST}:${workerMetricsPort} (${(err as Error).message}). Set WORKER_METRICS_PORT to a free port, or 0 for none.`,
    );
    process.exit(1);
  }
  const dataDir = path.resolve(config.DATA_DIR);
  const unlock = await lockDataDir(dataDir);
  const stops: { name: string; stop: () => Promise<unknown> }[] = [];
  const onStop = (name: string, stop: () => Promise<unknown>) => stops.push({ name, stop });
  // Ctrl-C reaches the child servers too (same process group), so a stop may find its process gone: bound each wait.
  const stopAll = async () => {
    for (const { name, stop } of stops.reverse()) {
      const timeout = new Promise<string>((resolve) =>
        setTimeout(() => resolve(`${name}: no answer in 10s`), 10_000),
      );
      const problem = await Promise.race([stop().then(() => undefined), timeout]).catch(
        (err: unknown) => `${name}: ${err instanceof Error ? err.message : 'failed'}`,
      );
      log(problem ? `  ✗ stop ${problem}` : `  ✓ stopped ${name}`);
    }
    await unlock();
  };

  log('Starting the guest lifecycle engine (dev stack)');
  try {
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      const pg = await step(log, `PostgreSQL (embedded) on 127.0.0.1:${config.EMBEDDED_PG_PORT}`, () =>
        startEmbeddedPostgres({
          dataDir: path.join(dataDir, 'postgres'),
          port: config.EMBEDDED_PG_PORT,
          persistent: true,
          log,
        }),
      );
      onStop('PostgreSQL', pg.stop);
      databaseUrl = pg.url;
    }
    const db = createDb(databaseUrl, { poolMax: config.DATABASE_POOL_MAX });
    onStop('database pool', async () => {
      // Runs after the API has closed (stops run in reverse): its pending signalled_at marks first.
      await flushSignalledMarks(db).catch(() => undefined);
      await db.destroy();
    });
    await step(
      log,
      'Migrations',
      () => migrateLatest(db),
      (applied) => (applied.length ? `applied ${applied.join(', ')}` : 'up to date'),
    );
    // A known key for the ops audience so the dev console and `npm run demo:stay` work out of the box; only on
    // the embedded database (never on DATABASE_URL), and one revoked by hand stays revoked.
    const devKey = await apiKeys.seedDevOpsKey(db, {
      key: config.DEV_OPS_API_KEY,
      embedded: config.NODE_ENV === 'development' && !config.DATABASE_URL,
    });
    // The demo's hotel (`npm run demo:stay` stays at SHA-BUND), so the console has a hotel and its zone to show
    // times in. Only on the embedded database, and only when it has no settings yet.
    if (config.NODE_ENV === 'development' && !config.DATABASE_URL)
      await cases.seedPropertySettings(db, {
        property_code: 'SHA-BUND',
        name: 'The Bund Shanghai',
        timezone: 'Asia/Shanghai',
        locale: 'zh-CN',
        duty_manager_email: 'duty.manager@sha-bund.hotel.example',
        general_manager_email: 'gm@sha-bund.hotel.example',
      });

    let temporalAddress = config.TEMPORAL_ADDRESS;
    let temporalUi: string | undefined;
    if (!temporalAddress) {
      const cli = await ensureTemporalCli({
        cacheDir: config.TOOLS_CACHE_DIR,
        version: config.TEMPORAL_CLI_VERSION,
        log,
      });
      const server = await step(log, `Temporal dev server on 127.0.0.1:${config.TEMPORAL_DEV_PORT}`, () =>
        startTemporalDevServer({
          binary: cli,
          port: config.TEMPORAL_DEV_PORT,
          uiPort: config.TEMPORAL_UI_PORT,
          namespace: config.TEMPORAL_NAMESPACE,
          dbFile: path.join(dataDir, 'temporal', 'dev.sqlite'),
          pidFile: path.join(dataDir, 'temporal', 'dev-server.pid'),
          log,
        }),
      );
      onStop('Temporal dev server', server.stop);
      temporalAddress = server.address;
      temporalUi = server.uiUrl;
    }

    let smtpUrl = config.SMTP_URL;
    let mailboxUrl: string | undefined;
    if (!smtpUrl) {
      const sink = await step(log, `SMTP sink on 127.0.0.1:${config.SMTP_SINK_PORT}`, () =>
        startSmtpSink({
          smtpPort: config.SMTP_SINK_PORT,
          mailboxPort: config.MAILBOX_PORT,
          storeFile: path.join(dataDir, 'mailbox.json'),
        }),
      );
      onStop('SMTP sink', sink.stop);
      smtpUrl = sink.smtpUrl;
      mailboxUrl = sink.mailboxUrl;
    }
    const mailer = createMailer(smtpUrl);
    const campaignMailer = createPooledMailer(smtpUrl, config.CAMPAIGN_SEND_CONCURRENCY);
    onStop('campaign mail pool', () => Promise.resolve(campaignMailer.close()));
    onStop('mailer', () => Promise.resolve(mailer.close()));

    const target = temporalTarget(config, temporalAddress);
    const workerConnection = await connectWorkerConnection(target);
    onStop('worker connection', () => workerConnection.close());
    const temporal = await connectClient(target);
    onStop('Temporal client', () => temporal.connection.close());
    const worker = await step(log, `Worker on task queue ${config.TEMPORAL_TASK_QUEUE}`, () =>
      createWorker({
        connection: workerConnection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        poolMax: config.DATABASE_POOL_MAX,
        deps: {
          db,
          mailer,
          campaignMailer,
          campaignConcurrency: config.CAMPAIGN_SEND_CONCURRENCY,
          mail: { from: config.MAIL_FROM, messageIdDomain: config.MAIL_MESSAGE_ID_DOMAIN },
          temporal,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          whyUrl: whyUrlFrom(config),
          unsubscribeUrl: unsubscribeUrlFrom(config),
          surveyUrl: surveyUrlFrom(config),
          inStayReportUrl: inStayReportUrlFrom(config),
          satisfactionUrl: satisfactionUrlFrom(config),
        },
      }),
    );
    const workerDone = worker.run();
    onStop('worker', async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerDone;
    });
    await step(log, 'PMS event sweeper (workflow pms-event-sweeper)', () =>
      ensureSweeper(temporal, config.TEMPORAL_TASK_QUEUE),
    );
    const apiLogger = createLogger(config, 'api');
    const metrics =
      metricsPort > 0 ? createMetrics({ db, logger: apiLogger, mountSegments: MOUNT_SEGMENTS }) : undefined;
    const appDeps = appDepsFromConfig(config, { db, temporal, logger: apiLogger });
    // The PMS adapters' deliveries (api/pms/adapters/processor.ts), worked behind the webhooks' answers.
    const pmsProcessor = startPmsProcessor(
      {
        db,
        temporal,
        taskQueue: appDeps.taskQueue,
        logger: apiLogger,
        toleranceSeconds: appDeps.pms.toleranceSeconds,
      },
      appDeps.pmsAdapters!,
    );
    onStop('PMS deliveries', () => pmsProcessor.stop());
    const app = createApp({ ...appDeps, ...(metrics ? { metrics } : {}) });
    const server = await step(log, `API on ${config.API_HOST}:${config.API_PORT}`, () =>
      listen(app, config.API_HOST, config.API_PORT),
    );
    onStop('API', () => new Promise((resolve) => server.close(resolve)));
    const metricsUrl = `http://${config.METRICS_HOST}:${metricsPort}/metrics`;
    if (metrics) {
      const metricsServer = await step(log, `Metrics on ${config.METRICS_HOST}:${metricsPort}`, () =>
        listenMetrics(metrics, config.METRICS_HOST, metricsPort).catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'EADDRINUSE'
            ? new Error(
                `port ${metricsPort} on ${config.METRICS_HOST} is taken: set METRICS_PORT to a free port, or 0 for none`,
              )
            : err;
        }),
      );
      onStop('metrics', () => new Promise((resolve) => metricsServer.close(resolve)));
    }

    const apiUrl = `http://${config.API_HOST}:${config.API_PORT}`;
    log('');
    log('Ready:');
    log(
      `  API                ${apiUrl}   (POST /v1/pms/events, GET /v1/guests?email=…, GET /v1/guests/:id, GET /v1/workflows?stage=…)`,
    );
    log(`  Console            ${apiUrl}/console/   (sign in with the ops API key below)`);
    log(`  API reference      ${apiUrl}/docs   (OpenAPI 3.1: ${apiUrl}/v1/openapi.json)`);
    log(`  Temporal Web UI    ${temporalUi ?? `(external Temporal at ${temporalAddress})`}`);
    log(`  Mailbox            ${mailboxUrl ?? `(external SMTP at ${smtpUrl})`}`);
    log(`  Temporal gRPC      ${temporalAddress}   namespace ${config.TEMPORAL_NAMESPACE}`);
    log(`  PostgreSQL         ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}`);
    if (metrics || workerMetricsPort > 0)
      log(
        `  Metrics            ${[metrics ? `${metricsUrl} (API, record)` : '', workerMetricsPort > 0 ? `http://${config.METRICS_HOST}:${workerMetricsPort}/metrics (worker)` : ''].filter(Boolean).join('   ')}`,
      );
    if (devKey === 'created' || devKey === 'active') {
      log(
        `  Ops API key        Authorization: Bearer ${config.DEV_OPS_API_KEY}   (dev only; npm run api-key for real ones)`,
      );
    } else {
      const why =
        devKey === 'revoked' ? 'the dev key is revoked' : 'no dev key outside the embedded database';
      log(`  Ops API key        (${why}) npm run api-key -- create --name <name> --role ops`);
    }
    log('Try it: npm run demo:stay     Stop: Ctrl-C');

    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`\n${signal}: stopping…`);
      void stopAll().then(() => {
        log('Stopped.');
        process.exit(0);
      });
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGHUP', () => shutdown('SIGHUP'));
    await workerDone;
    if (!stopping) {
      log('The worker stopped on its own; stopping the stack.');
      shutdown('worker stopped');
    }
  } catch (err) {
    await stopAll();
    if (err instanceof MissingToolError) {
      log(`\n${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
