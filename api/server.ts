/**
 * The API alone (`npm run api`): for deployments where Postgres and Temporal
 * already run. `npm run dev` starts it in-process with the embedded stack.
 */
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { DEV_PMS_WEBHOOK_SECRET, loadConfigOrExit, type Config } from '../config.js';
import { createDb } from '../db/knex.js';
import { connectClient, createLogger, requireServers, temporalTarget } from '../lib/runtime.js';
import { createMetrics, listenMetrics } from '../lib/metrics.js';
import { createApp, MOUNT_SEGMENTS, type AppDeps } from './app.js';
import { flushSignalledMarks } from './pms/signalled-marks.js';
import { pmsAdaptersFromConfig, startPmsProcessor } from './pms/adapters/index.js';

export function listen(app: ReturnType<typeof createApp>, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}

export function appDepsFromConfig(
  config: Config,
  rest: Pick<AppDeps, 'db' | 'temporal' | 'logger'>,
): AppDeps {
  return {
    ...rest,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    pms: {
      webhookSecret: config.PMS_WEBHOOK_SECRET,
      previousWebhookSecret: config.PMS_WEBHOOK_SECRET_PREVIOUS,
      toleranceSeconds: config.PMS_SIGNATURE_TOLERANCE_SECONDS,
    },
    links: { secret: config.LINKS_SECRET },
    temporalUi: {
      url: config.TEMPORAL_UI_URL ?? `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`,
      namespace: config.TEMPORAL_NAMESPACE,
    },
    console: {
      sessionHours: config.CONSOLE_SESSION_HOURS,
      secureCookie: config.CONSOLE_SECURE_COOKIE ?? config.NODE_ENV === 'production',
    },
    keyCacheSeconds: config.API_KEY_CACHE_SECONDS,
    pmsAdapters: pmsAdaptersFromConfig(config),
  };
}

async function main(): Promise<void> {
  const loaded = loadConfigOrExit();
  const logger = createLogger(loaded, 'api');
  const config = requireServers(loaded, logger, 'The API', ['DATABASE_URL', 'TEMPORAL_ADDRESS']);
  if (config.PMS_WEBHOOK_SECRET === DEV_PMS_WEBHOOK_SECRET) {
    // Anyone could sign PMS events with the public dev secret.
    logger.fatal('The API needs PMS_WEBHOOK_SECRET: the built-in one is for `npm run dev` only');
    process.exit(1);
  }
  if (config.PMS_WEBHOOK_SECRET_PREVIOUS === DEV_PMS_WEBHOOK_SECRET) {
    logger.fatal('PMS_WEBHOOK_SECRET_PREVIOUS is the public dev secret: unset it');
    process.exit(1);
  }
  const db = createDb(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX });
  const temporal = await connectClient(temporalTarget(config, config.TEMPORAL_ADDRESS));
  const metrics =
    config.METRICS_PORT > 0 ? createMetrics({ db, logger, mountSegments: MOUNT_SEGMENTS }) : undefined;
  const appDeps = appDepsFromConfig(config, { db, temporal, logger });
  // The PMS adapters' deliveries are worked here, behind the webhooks' answers (api/pms/adapters/processor.ts).
  const processor = startPmsProcessor(
    { db, temporal, taskQueue: appDeps.taskQueue, logger, toleranceSeconds: appDeps.pms.toleranceSeconds },
    appDeps.pmsAdapters!,
  );
  const server = await listen(
    createApp({ ...appDeps, ...(metrics ? { metrics } : {}) }),
    config.API_HOST,
    config.API_PORT,
  );
  logger.info(`API listening on http://${config.API_HOST}:${config.API_PORT}`);
  const metricsServer = metrics
    ? await listenMetrics(metrics, config.METRICS_HOST, config.METRICS_PORT)
    : undefined;
  if (metricsServer) logger.info(`metrics on http://${config.METRICS_HOST}:${config.METRICS_PORT}/metrics`);
  const stop = () => {
    metricsServer?.close();
    server.close(() => {
      // The signalled_at marks of the last requests, written in batches: written now, not left to the sweeper.
      void flushSignalledMarks(db)
        .catch((err: unknown) =>
          logger.warn({ err }, 'signalled_at marks not written; the sweeper re-drives them'),
        )
        .then(() => processor.stop())
        .then(() => Promise.all([db.destroy(), temporal.connection.close()]))
        .then(() => process.exit(0));
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
