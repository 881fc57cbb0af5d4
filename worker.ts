/**
 * The Temporal worker: registers the workflows and the activities built from
 * their dependencies. `npm run worker` runs it alone against TEMPORAL_ADDRESS,
 * DATABASE_URL and SMTP_URL; the dev stack runs it in-process.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities/index.js';
import { loadConfigOrExit } from './config.js';
import { createDb } from './db/knex.js';
import {
  connectWorkerConnection,
  createLogger,
  createMailer,
  requireServers,
  temporalTarget,
} from './lib/runtime.js';

/** `workflows/index.ts` under tsx and vitest, `workflows/index.js` once compiled. */
export const workflowsPath = fileURLToPath(
  new URL(`./workflows/index${path.extname(import.meta.url)}`, import.meta.url),
);

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A pre-built bundle (tests build one per run); otherwise the worker bundles `workflows/`. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
  });
}

async function main(): Promise<void> {
  const loaded = loadConfigOrExit();
  const logger = createLogger(loaded, 'worker');
  const config = requireServers(loaded, logger, 'The worker', [
    'DATABASE_URL',
    'TEMPORAL_ADDRESS',
    'SMTP_URL',
  ]);
  const db = createDb(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX });
  const connection = await connectWorkerConnection(temporalTarget(config, config.TEMPORAL_ADDRESS));
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: {
      db,
      mailer: createMailer(config.SMTP_URL),
      mail: { from: config.MAIL_FROM, messageIdDomain: config.MAIL_MESSAGE_ID_DOMAIN },
    },
  });
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker started');
  await worker.run();
  await db.destroy();
  await connection.close();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
