/** Shared pieces of the integration tests: the servers from global setup, a worker per test, event builders. */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, inject } from 'vitest';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import type { FaultInjector } from '../activities/faults.js';
import { createDb, type Db } from '../db/knex.js';
import { followUpWorkflowId } from '../domain/ids.js';
import type { OutboxRow } from '../db/repositories/outbox.js';
import {
  inStayReportLinkUrl,
  satisfactionLinkUrl,
  surveyLinkUrl,
  unsubscribeLinkUrl,
  whyLinkUrl,
} from '../lib/links.js';
import { createMailer } from '../lib/runtime.js';
import type { GuestProfile } from '../domain/types.js';
import {
  sampleStayCompletedBody,
  sampleStayCompletedMessage,
  type StayCompletedOverrides,
} from '../stack/sample-events.js';
import { startSmtpSink, type SmtpSink } from '../stack/smtp-sink.js';
import { registerSearchAttributes } from '../lib/search-attributes.js';

let runtimeInstalled = false;
function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // The file installed a runtime of its own first (sim/scenarios.test.ts, quieter still).
  }
}

/** The links secret of the test workers (mails carry links signed with it). */
export const TEST_LINKS_SECRET = 'test-links-secret-0123456789';

export const MAIL = {
  from: 'Guest Relations <guest-relations@hotel.example>',
  messageIdDomain: 'test.hotel.example',
};

/**
 * A time-skipping server of the caller's own (about a second to start): one per test file, or one per test for
 * long simulated spans (the server's clock only moves forward, and an activity or child left behind by one
 * test can hold its time skipping for every test after it). Time skipping is global to a server, so files
 * that run side by side never share one.
 */
export async function ownTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  // The SDK gives the server 5 s to answer; a JVM starting beside other test files can take longer, so a
  // start that timed out is tried again (a server it may have left runs on marked: the next run stops it).
  for (let attempt = 1; ; attempt++) {
    try {
      const env = await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: inject('testServerPath') } },
      });
      await registerSearchAttributes(env.connection, env.namespace ?? 'default');
      return env;
    } catch (err) {
      if (attempt >= 3 || !/did not start within/.test(String(err))) throw err;
    }
  }
}

/** The run's shared dev server (real Temporal, real time). */
export async function devServerEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createFromExistingServer({
    address: inject('devServerAddress'),
    namespace: 'default',
  });
}

export interface Stack {
  db: Db;
  sink: SmtpSink;
  deps: ActivityDeps;
  close(): Promise<void>;
}

let fileDatabase: Promise<string> | undefined;

/**
 * This test file's own database: a copy of the run's migrated template (`CREATE DATABASE … TEMPLATE`, a
 * fraction of a second), so files running side by side never see each other's rows or settings. With
 * TEST_DATABASE_URL (a server the run did not start, where the tests may not create databases) the files share
 * that database and run one at a time (vitest.config.ts).
 */
export function fileDatabaseUrl(): Promise<string> {
  fileDatabase ??= (async () => {
    const template = inject('databaseUrl');
    if (!inject('databasePerFile')) return template;
    const url = new URL(template);
    const templateName = decodeURIComponent(url.pathname.slice(1));
    const name = `test_${process.pid}_${randomUUID().slice(0, 8)}`;
    url.pathname = '/postgres';
    const admin = createDb(url.toString(), { poolMax: 1 });
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await admin.raw('CREATE DATABASE ?? TEMPLATE ??', [name, templateName]);
          break;
        } catch (err) {
          // Another file's copy can hold the template for a moment.
          if (attempt >= 20 || !/being accessed by other users/.test(String(err))) throw err;
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
    } finally {
      await admin.destroy();
    }
    url.pathname = `/${name}`;
    return url.toString();
  })();
  return fileDatabase;
}

/** Postgres pool, an SMTP sink of the test's own and the activity dependencies wired to them. */
export async function openStack(opts: { faults?: FaultInjector } = {}): Promise<Stack> {
  const db = createDb(await fileDatabaseUrl(), { poolMax: 5 });
  // Addresses at bounce.example do not exist: the sink refuses them with 550.
  const sink = await startSmtpSink({ rejectRecipients: (a) => a.endsWith('@bounce.example') });
  const mailer = createMailer(sink.smtpUrl);
  const deps: ActivityDeps = { db, mailer, mail: MAIL, ...(opts.faults ? { faults: opts.faults } : {}) };
  return {
    db,
    sink,
    deps,
    async close() {
      mailer.close();
      await sink.stop();
      await db.destroy();
    },
  };
}

export function uniqueTaskQueue(name: string): string {
  return `test-${name}-${randomUUID().slice(0, 8)}`;
}

/**
 * Gives each test of the calling file a time-skipping server and a worker of its own (beforeEach /
 * afterEach): years pass in each test, and nothing one test leaves running can hold the clock of the next.
 * `ready` hands the test's environment and task queue to the file's variables.
 */
export function workerPerTest(
  name: string,
  deps: () => ActivityDeps,
  ready: (test: { env: TestWorkflowEnvironment; taskQueue: string }) => void,
): void {
  let env: TestWorkflowEnvironment | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  beforeEach(async () => {
    env = await ownTimeSkippingEnv();
    const taskQueue = uniqueTaskQueue(name);
    ready({ env, taskQueue });
    worker = await createTestWorker(env, taskQueue, deps());
    running = worker.run();
  });
  afterEach(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    env = worker = running = undefined;
  });
}

export async function createTestWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  deps: ActivityDeps,
  /**
   * Wraps the real activities (a test that needs one to start only once something has happened holds it back
   * here; what it does is unchanged).
   */
  wrap: (activities: ReturnType<typeof createActivities>) => object = (a) => a,
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    activities: wrap(
      createActivities({
        temporal: env.client,
        taskQueue,
        whyUrl: ({ guestId, expiresAt }) =>
          whyLinkUrl({ baseUrl: 'http://127.0.0.1:3000', guestId, secret: TEST_LINKS_SECRET, expiresAt }),
        unsubscribeUrl: ({ guestId }) =>
          unsubscribeLinkUrl({ baseUrl: 'http://127.0.0.1:3000', guestId, secret: TEST_LINKS_SECRET }),
        surveyUrl: ({ guestId, stayId }) =>
          surveyLinkUrl({ baseUrl: 'http://127.0.0.1:3000', guestId, stayId, secret: TEST_LINKS_SECRET }),
        inStayReportUrl: ({ guestId, pmsStayId, propertyCode }) =>
          inStayReportLinkUrl({
            baseUrl: 'http://127.0.0.1:3000',
            guestId,
            pmsStayId,
            propertyCode,
            secret: TEST_LINKS_SECRET,
          }),
        satisfactionUrl: ({ guestId, caseId, satisfied, expiresAt }) =>
          satisfactionLinkUrl({
            baseUrl: 'http://127.0.0.1:3000',
            guestId,
            caseId,
            satisfied,
            secret: TEST_LINKS_SECRET,
            expiresAt,
          }),
        ...deps,
      }),
    ),
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
}

export {
  newPmsProfileId,
  sampleStayCompletedBody as stayCompletedBody,
  sampleStayCompletedMessage as stayCompletedMessage,
} from '../stack/sample-events.js';

/**
 * A stay as the PMS sends it and as the workflow receives it: the body (with
 * the guest's profile, for the guest row), and the message (ids and facts).
 */
export function sampleStay(overrides: StayCompletedOverrides = {}) {
  const body = sampleStayCompletedBody(overrides);
  const message = sampleStayCompletedMessage({
    ...overrides,
    id: body.id,
    guest: body.data.guest,
    stay: body.data.stay,
  });
  const profile: GuestProfile = body.data.guest;
  return { body, message, profile };
}

/** Creates the cadence `key` unless it exists (the API publishes versions of a cadence; it creates none). */
export async function ensureCadence(db: Db, input: { key: string; name: string }): Promise<void> {
  await db('cadences')
    .insert({ key: input.key, name: input.name, description: '' })
    .onConflict('key')
    .ignore();
}

export async function countRows(db: Db, table: string, where: Record<string, unknown> = {}): Promise<number> {
  const row = (await db(table).where(where).count({ n: '*' }).first()) as { n: number | string };
  return Number(row.n);
}

/**
 * Polls `fn` until it returns a value that is not undefined (real time). On a timeout the error carries what
 * `explain` says (for instance a workflow's history, `historySummary`), so a rare failure in CI can be read.
 */
export async function eventually<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  {
    timeoutMs = 30_000,
    everyMs = 100,
    explain,
  }: { timeoutMs?: number; everyMs?: number; explain?: () => Promise<string> } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const why = explain ? await explain().catch((err: unknown) => `(explain failed: ${String(err)})`) : '';
      throw new Error(`condition not met within ${timeoutMs} ms${why ? `\n${why}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The guest's outbox row once it is marked sent. */
export function sentMail(db: Db, where: Partial<OutboxRow>): Promise<OutboxRow> {
  return eventually(async () => {
    const row = await db<OutboxRow>('mail_outbox').where(where).first();
    return row?.status === 'sent' ? row : undefined;
  });
}

/**
 * Ends the post-stay follow-ups of a guest's stays that still run (a follow-up runs its cadence for a month,
 * abandoned by the guest's workflow), each once no activity of it is in flight. On the run's shared
 * time-skipping server a follow-up left behind would wake later with no worker on its task queue, and one that
 * closes after the run of its parent (the guest's workflow) has closed leaves the server's clock locked for every
 * test after it: call this before terminating the guest's workflow.
 */
export async function endFollowUps(env: TestWorkflowEnvironment, db: Db, guestId: string): Promise<void> {
  const stays: { id: string }[] = await db('stays').where({ guest_id: guestId }).select('id');
  for (const stay of stays) {
    const handle = env.client.workflow.getHandle(followUpWorkflowId(guestId, stay.id));
    const running = async () => {
      const d = await handle.describe().catch(() => undefined);
      return d?.status.name === 'RUNNING' ? d : undefined;
    };
    if (!(await running())) continue;
    await eventually(async () => {
      const d = await running();
      return !d || (d.raw.pendingActivities?.length ?? 0) === 0 ? true : undefined;
    });
    if (await running()) await handle.terminate('test done').catch(() => undefined);
  }
}

/**
 * A workflow's status and history in one line per event (type, activity or timer, failure message): what a
 * failing test prints to explain where the workflow stood.
 */
export async function historySummary(client: Client, workflowId: string): Promise<string> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  type Failure = { message?: string };
  const { events } = JSON.parse(historyToJSON(await handle.fetchHistory())) as {
    events: {
      eventId: string;
      eventTime: string;
      eventType: string;
      activityTaskScheduledEventAttributes?: { activityType: { name: string } };
      activityTaskFailedEventAttributes?: { failure?: Failure };
      workflowTaskFailedEventAttributes?: { failure?: Failure };
      workflowExecutionFailedEventAttributes?: { failure?: Failure };
      startChildWorkflowExecutionInitiatedEventAttributes?: { workflowId: string };
      timerStartedEventAttributes?: { startToFireTimeout: string };
      markerRecordedEventAttributes?: { markerName: string };
    }[];
  };
  const lines = events.map((e) =>
    [
      `  ${e.eventId} ${e.eventTime} ${e.eventType.replace(/^EVENT_TYPE_/, '')}`,
      e.activityTaskScheduledEventAttributes?.activityType.name,
      e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId,
      e.timerStartedEventAttributes?.startToFireTimeout,
      e.markerRecordedEventAttributes?.markerName,
      (
        e.activityTaskFailedEventAttributes ??
        e.workflowTaskFailedEventAttributes ??
        e.workflowExecutionFailedEventAttributes
      )?.failure?.message,
    ]
      .filter(Boolean)
      .join(' '),
  );
  const pending = (description.raw.pendingActivities ?? []).map(
    (p) =>
      `  pending ${p.activityType?.name ?? '?'} attempt ${p.attempt ?? 0}: ${p.lastFailure?.message ?? 'no failure'}`,
  );
  return [`${workflowId}: ${description.status.name}`, ...lines, ...pending].join('\n');
}

/**
 * A zone (a whole-hour UTC offset) where the server's clock now reads from `fromHour` to before `toHour`: guest mail
 * waits for the send window (09:00–20:00 local, domain/mail-policy.ts MAIL_TIMING), so a test that needs it to go at once
 * puts the guest where it is day, one about the window where it is night.
 */
export async function zoneWhereNowIs(
  env: { currentTimeMs(): Promise<number> },
  fromHour: number,
  toHour: number,
): Promise<string> {
  const nowMs = await env.currentTimeMs();
  for (let h = -12; h <= 14; h++) {
    const zone = h === 0 ? 'UTC' : `Etc/GMT${h > 0 ? '-' : '+'}${Math.abs(h)}`;
    const hour = DateTime.fromMillis(nowMs, { zone }).hour;
    if (hour >= fromHour && hour < toHour) return zone;
  }
  throw new Error(`no zone between ${fromHour}:00 and ${toHour}:00`);
}
