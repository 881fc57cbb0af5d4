/**
 * The API marks an event `signalled_at` in batches, a moment after it answered (docs/benchmarks.md). On
 * shutdown `flushSignalledMarks` writes the marks still pending, so a stopped API leaves the sweeper nothing to
 * re-signal. Real HTTP, a Temporal dev server (no worker: only the signal matters here) and PostgreSQL.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { flushSignalledMarks } from '../../api/pms/signalled-marks.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { stayCompletedBody, type Stack } from '../helpers.js';

const SECRET = 'e2e-marks-webhook-secret-0123456789';

let api: ApiStack;
let env: TestWorkflowEnvironment;
let stack: Stack;
let taskQueue: string;

beforeAll(async () => {
  api = await openApiStack({ name: 'marks', pmsSecret: SECRET, worker: false });
  ({ env, stack, taskQueue } = api);
});

afterAll(async () => {
  // Nothing runs these guests' workflows: end them so they do not linger on the shared dev server.
  await api?.close(async () => {
    for await (const wf of env.client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
      await env.client.workflow
        .getHandle(wf.workflowId)
        .terminate('test over')
        .catch(() => undefined);
    }
  });
});

async function post(body: unknown): Promise<{ status: number; duplicate?: boolean }> {
  const res = await api.postPms(body);
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
