/**
 * Capacity: the worker never runs more activities at once than its pool has
 * connections, and an activity needs one connection, not several at once.
 */
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities, type ApplyStayResult } from '../../activities/index.js';
import type { GuestSnapshot } from '../../contracts/guest.js';
import { ACQUIRE_CONNECTION_TIMEOUT_MS, createDb, type Db } from '../../db/knex.js';
import * as guests from '../../db/repositories/guests.js';
import { workerOptions } from '../../worker.js';
import {
  MAIL,
  fileDatabaseUrl,
  openStack,
  ownTimeSkippingEnv,
  sampleStay,
  uniqueTaskQueue,
  type Stack,
} from '../helpers.js';

let env: TestWorkflowEnvironment;
let stack: Stack;
let onePool: Db;
beforeAll(async () => {
  env = await ownTimeSkippingEnv();
  stack = await openStack();
  onePool = createDb(await fileDatabaseUrl(), { poolMax: 1 });
});
afterAll(async () => {
  await onePool?.destroy();
  await stack?.close();
  await env?.teardown();
});

describe('capacity', () => {
  it('bounds activity concurrency by the database pool', () => {
    const options = workerOptions({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: uniqueTaskQueue('capacity'),
      poolMax: 7,
      deps: stack.deps,
      workflowBundle: { codePath: inject('workflowBundlePath') },
    });
    expect(options).toMatchObject({
      maxConcurrentActivityTaskExecutions: 7,
      maxConcurrentLocalActivityExecutions: 7,
      shutdownGraceTime: '20 seconds',
    });
  });

  it('applies a stay and loads a guest with a pool of one connection, well inside the acquire timeout', async () => {
    const stay = sampleStay({ occurredAt: new Date(Date.now() - 3_600_000).toISOString() });
    const guest = (await guests.insertIfAbsent(onePool, {
      source: 'pms',
      profile: stay.profile,
      asOf: new Date(),
    }))!;
    const acts = createActivities({ db: onePool, mailer: stack.deps.mailer, mail: MAIL });
    const started = Date.now();
    const applied: ApplyStayResult = await new MockActivityEnvironment().run(
      (i: Parameters<typeof acts.applyStay>[0]) => acts.applyStay(i),
      {
        guestId: guest.id,
        workflowId: `guest-${guest.id}`,
        message: stay.message,
        now: new Date().toISOString(),
      },
    );
    const loaded: GuestSnapshot = await new MockActivityEnvironment().run(
      (i: Parameters<typeof acts.loadGuestState>[0]) => acts.loadGuestState(i),
      { guestId: guest.id, now: new Date().toISOString() },
    );
    // A second connection wanted while the first is held would wait out the acquire timeout and fail.
    expect(Date.now() - started).toBeLessThan(ACQUIRE_CONNECTION_TIMEOUT_MS);
    // 1280.00 CNY by rules version 2: 1802 points.
    expect(applied.snapshot).toMatchObject({ stays: 1, pointsBalance: 1802 });
    expect(loaded).toMatchObject({ stays: 1, nights: 2, pointsBalance: 1802, stage: 'member' });
  });
});
