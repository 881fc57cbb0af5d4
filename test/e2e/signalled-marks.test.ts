/**
 * The API marks an event `signalled_at` in batches, a moment after it answered (docs/benchmarks.md). On
 * shutdown `flushSignalledMarks` writes the marks still pending, so a stopped API leaves the sweeper nothing to
 * re-signal. Real HTTP, a Temporal dev server (no worker: only the signal matters here) and PostgreSQL.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { flushSignalledMarks } from '../../api/pms/service.js';
import { sign } from '../../api/pms/signature.js';
import { listen } from '../../api/server.js';
import { devServerEnv, openStack, stayCompletedBody, uniqueTaskQueue, type Stack } from '../helpers.js';

const SECRET = 'e2e-marks-webhook-secret-0123456789';

let env: TestWorkflowEnvironment;
let stack: Stack;
let server: Server;
let baseUrl: string;
let taskQueue: string;

beforeAll(async () => {
  env = await devServerEnv();
  stack = await openStack();
  taskQueue = uniqueTaskQueue('marks');
  const app = createApp({
    db: stack.db,
    temporal: env.client,
    taskQueue,
    logger: pino({ level: 'silent' }),
    pms: { webhookSecret: SECRET, toleranceSeconds: 300 },
  });
  server = await listen(app, '127.0.0.1', 0);
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  // Nothing runs these guests' workflows: end them so they do not linger on the shared dev server.
  for await (const wf of env.client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    await env.client.workflow
      .getHandle(wf.workflowId)
      .terminate('test over')
      .catch(() => undefined);
  }
  await stack?.close();
  await env?.teardown();
});

async function post(body: unknown): Promise<{ status: number; duplicate?: boolean }> {
  const raw = JSON.stringify(body);
  const res = await fetch(`${baseUrl}/v1/pms/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature': sign(SECRET, raw, Math.floor(Date.now() / 1000)),
    },
    body: raw,
  });
  const json = (await res.json()) as { duplicate?: boolean };
  return { status: res.status, duplicate: json.duplicate };
}

it('writes every pending signalled_at mark on flush, so a shutdown leaves nothing to re-signal', async () => {
  const bodies = Array.from({ length: 12 }, () =>
    stayCompletedBody({ occurredAt: new Date(Date.now() - 3_600_000).toISOString() }),
  );
  const statuses = await Promise.all(bodies.map(post));
  expect(statuses.map((s) => s.status)).toEqual(bodies.map(() => 202));
  await flushSignalledMarks(stack.db);
  const rows = await stack
    .db('pms_events')
    .whereIn(
      'id',
      bodies.map((b) => b.id),
    )
    .select('id', 'signalled_at');
  expect(rows).toHaveLength(12);
  expect(rows.filter((r: { signalled_at: Date | null }) => r.signalled_at === null)).toEqual([]);
  // Nothing pending: returns at once, and a repeat of a marked event is answered without a new signal.
  await flushSignalledMarks(stack.db);
  expect(await post(bodies[0])).toEqual({ status: 202, duplicate: true });
});
