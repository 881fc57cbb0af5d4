/**
 * The Temporal worker: registers the workflows and the activities built from
 * their dependencies, and makes sure the PMS event sweeper runs.
 * `npm run worker` runs it alone against TEMPORAL_ADDRESS, DATABASE_URL and
 * SMTP_URL; `npm run start:worker` runs the compiled build with the workflow
 * bundle made at build time; the dev stack runs it in-process.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import { Runtime, Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities, type ActivityDeps } from './activities/index.js';
import { loadConfigOrExit, type Config } from './config.js';
import {
  inStayReportLinkUrl,
  satisfactionLinkUrl,
  surveyLinkUrl,
  unsubscribeLinkUrl,
  whyLinkUrl,
} from './lib/links.js';
import { createDb } from './db/knex.js';
import {
  connectClient,
  connectWorkerConnection,
  createLogger,
  createMailer,
  createPooledMailer,
  requireServers,
  temporalTarget,
} from './lib/runtime.js';
import type { pmsEventSweeper } from './workflows/pms-event-sweeper.js';
import { SWEEPER_WORKFLOW_ID } from './domain/ids.js';

/** `workflows/index.ts` under tsx and vitest, `workflows/index.js` once compiled. */
export const workflowsPath = fileURLToPath(
  new URL(`./workflows/index${path.extname(import.meta.url)}`, import.meta.url),
);

/** The bundle `npm run build` writes beside the compiled worker (bundleWorkflowCode at build time). */
export const prebuiltBundlePath = fileURLToPath(new URL('./workflow-bundle.js', import.meta.url));

/** Activities that may run at once on one worker: one connection each, so never more than the pool. */
export function activitySlots(poolMax: number): number {
  return Math.max(1, poolMax);
}

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** The pool size behind `deps.db` (createDb's default 10 if omitted): activity concurrency is bounded by it. */
  poolMax?: number;
  /** A pre-built bundle (tests, production); otherwise the worker bundles `workflows/` at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create(workerOptions(opts));
}

/** The options `createWorker` starts the worker with. */
export function workerOptions(opts: CreateWorkerOptions): WorkerOptions {
  const slots = activitySlots(opts.poolMax ?? 10);
  return {
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    // Each activity holds at most one connection: together, never more than the pool serves, so none
    // waits for a connection longer than the pool's acquire timeout (inside every activity timeout).
    maxConcurrentActivityTaskExecutions: slots,
    maxConcurrentLocalActivityExecutions: slots,
    // On SIGTERM, running activities get this long to finish before they are cancelled.
    shutdownGraceTime: '20 seconds',
  };
}

/** Signs the "may we ask why?" links of churn mails with LINKS_SECRET, served under PUBLIC_BASE_URL. */
export function whyUrlFrom(config: Pick<Config, 'LINKS_SECRET' | 'PUBLIC_BASE_URL'>): ActivityDeps['whyUrl'] {
  return ({ guestId, expiresAt }) =>
    whyLinkUrl({ baseUrl: config.PUBLIC_BASE_URL, guestId, secret: config.LINKS_SECRET, expiresAt });
}

/** Signs the one-click unsubscribe links of marketing mail (RFC 8058) with LINKS_SECRET. */
export function unsubscribeUrlFrom(
  config: Pick<Config, 'LINKS_SECRET' | 'PUBLIC_BASE_URL'>,
): ActivityDeps['unsubscribeUrl'] {
  return ({ guestId }) =>
    unsubscribeLinkUrl({ baseUrl: config.PUBLIC_BASE_URL, guestId, secret: config.LINKS_SECRET });
}

/** Signs the post-stay survey links (SURVEY_LINK_DAYS from the moment the mail is made) with LINKS_SECRET. */
export function surveyUrlFrom(
  config: Pick<Config, 'LINKS_SECRET' | 'PUBLIC_BASE_URL' | 'SURVEY_LINK_DAYS'>,
): ActivityDeps['surveyUrl'] {
  return ({ guestId, stayId }) =>
    surveyLinkUrl({
      baseUrl: config.PUBLIC_BASE_URL,
      guestId,
      stayId,
      secret: config.LINKS_SECRET,
      days: config.SURVEY_LINK_DAYS,
    });
}

/** Signs the in-stay "report a problem" links (IN_STAY_REPORT_LINK_DAYS) with LINKS_SECRET. */
export function inStayReportUrlFrom(
  config: Pick<Config, 'LINKS_SECRET' | 'PUBLIC_BASE_URL' | 'IN_STAY_REPORT_LINK_DAYS'>,
): ActivityDeps['inStayReportUrl'] {
  return ({ guestId, pmsStayId, propertyCode }) =>
    inStayReportLinkUrl({
      baseUrl: config.PUBLIC_BASE_URL,
      guestId,
      pmsStayId,
      propertyCode,
      secret: config.LINKS_SECRET,
      days: config.IN_STAY_REPORT_LINK_DAYS,
    });
}

/** Signs the yes/no links of a case's satisfaction check (the case activity chooses their expiry). */
export function satisfactionUrlFrom(
  config: Pick<Config, 'LINKS_SECRET' | 'PUBLIC_BASE_URL'>,
): ActivityDeps['satisfactionUrl'] {
  return ({ guestId, caseId, satisfied, expiresAt }) =>
    satisfactionLinkUrl({
      baseUrl: config.PUBLIC_BASE_URL,
      guestId,
      caseId,
      satisfied,
      secret: config.LINKS_SECRET,
      expiresAt,
    });
}

/** The Temporal runtime's telemetry with its Prometheus exporter on `host:port` (`/metrics`). */
export function workerTelemetry(host: string, port: number) {
  return {
    metrics: {
      prometheus: { bindAddress: `${host}:${port}`, countersTotalSuffix: true, useSecondsForDurations: true },
    },
  };
}

/** Starts the sweeper unless it runs already (every worker calls this; one sweeper per namespace). */
export async function ensureSweeper(client: Client, taskQueue: string, logger?: Logger): Promise<void> {
  await client.workflow.start<typeof pmsEventSweeper>('pmsEventSweeper', {
    workflowId: SWEEPER_WORKFLOW_ID,
    taskQueue,
    args: [{}],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
  });
  logger?.info('PMS event sweeper running (workflow pms-event-sweeper)');
}

async function main(): Promise<void> {
  const loaded = loadConfigOrExit();
  const logger = createLogger(loaded, 'worker');
  const config = requireServers(loaded, logger, 'The worker', [
    'DATABASE_URL',
    'TEMPORAL_ADDRESS',
    'SMTP_URL',
  ]);
  if (config.WORKER_METRICS_PORT > 0) {
    // The SDK's Prometheus exporter: task and activity latencies, slots, failures (docs/operations.md "Metrics").
    Runtime.install({ telemetryOptions: workerTelemetry(config.METRICS_HOST, config.WORKER_METRICS_PORT) });
    logger.info(`worker metrics on http://${config.METRICS_HOST}:${config.WORKER_METRICS_PORT}/metrics`);
  }
  const db = createDb(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX });
  const target = temporalTarget(config, config.TEMPORAL_ADDRESS);
  const connection = await connectWorkerConnection(target);
  const client = await connectClient(target);
  // The compiled worker runs the bundle made by `npm run build`; from the sources it bundles at start.
  const bundled = existsSync(prebuiltBundlePath) && path.extname(import.meta.url) === '.js';
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    poolMax: config.DATABASE_POOL_MAX,
    deps: {
      db,
      mailer: createMailer(config.SMTP_URL),
      campaignMailer: createPooledMailer(config.SMTP_URL, config.CAMPAIGN_SEND_CONCURRENCY),
      campaignConcurrency: config.CAMPAIGN_SEND_CONCURRENCY,
      mail: { from: config.MAIL_FROM, messageIdDomain: config.MAIL_MESSAGE_ID_DOMAIN },
      temporal: client,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      whyUrl: whyUrlFrom(config),
      unsubscribeUrl: unsubscribeUrlFrom(config),
      surveyUrl: surveyUrlFrom(config),
      inStayReportUrl: inStayReportUrlFrom(config),
      satisfactionUrl: satisfactionUrlFrom(config),
    },
    ...(bundled ? { workflowBundle: { codePath: prebuiltBundlePath } } : {}),
  });
  await ensureSweeper(client, config.TEMPORAL_TASK_QUEUE, logger);
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, prebuiltBundle: bundled }, 'worker started');
  await worker.run();
  await db.destroy();
  await client.connection.close();
  await connection.close();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
