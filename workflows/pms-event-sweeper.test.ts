/**
 * The sweeper re-drives PMS events whose effects are missing: events never
 * signalled (Temporal refused, the PMS gave up) and events signalled to a run
 * that was terminated before it handled them. Time-skipping server, real
 * activities, Postgres.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import type { RedriveResult } from '../activities/pms-events.js';
import * as guests from '../db/repositories/guests.js';
import * as pmsEvents from '../db/repositories/pms-events.js';
import * as checkins from '../db/repositories/stay-checkins.js';
import { guestWorkflowId, inStayCareWorkflowId } from '../domain/ids.js';
import {
  countRows,
  createTestWorker,
  endFollowUps,
  eventually,
  openStack,
  ownTimeSkippingEnv,
  sampleStay,
  uniqueTaskQueue,
  type Stack,
} from '../test/helpers.js';
import { HISTORIES_DIR } from '../test/histories.js';
import { stayStartedBody } from '../test/pms-samples.js';
import { guestMessageSignal } from '../contracts/guest.js';
import type { pmsEventSweeper } from './pms-event-sweeper.js';

let env: TestWorkflowEnvironment;
let stack: Stack;
beforeAll(async () => {
  env = await ownTimeSkippingEnv();
  stack = await openStack();
});
afterAll(async () => {
  await stack?.close();
  await env?.teardown();
});

/** A guest and a recorded stay event, as the API leaves them before it signals. */
async function recordedEvent(opts: { receivedSecondsAgo: number }) {
  const stay = sampleStay({ occurredAt: new Date(Date.now() - 86_400_000).toISOString() });
  const guest = (await guests.insertIfAbsent(stack.db, {
    source: 'pms',
    profile: stay.profile,
    asOf: new Date(),
  }))!;
  await pmsEvents.insertIfAbsent(stack.db, {
    id: stay.message.eventId,
    type: 'stay.completed',
    occurredAt: new Date(stay.message.occurredAt),
    payloadHash: stay.message.eventId,
    payload: stay.body,
    guestId: guest.id,
    workflowId: guestWorkflowId(guest.id),
  });
  await stack
    .db('pms_events')
    .where({ id: stay.message.eventId })
    .update({ received_at: stack.db.raw(`now() - make_interval(secs => ?)`, [opts.receivedSecondsAgo]) });
  return { stay, guestId: guest.id };
}

const handled = (eventId: string) =>
  eventually(async () => ((await pmsEvents.findById(stack.db, eventId))?.handled_at ? true : undefined));

describe('pmsEventSweeper', () => {
  it('hands on an event never signalled, and one whose run was terminated before handling it', async () => {
    const taskQueue = uniqueTaskQueue('sweeper');
    const never = await recordedEvent({ receivedSecondsAgo: 120 });
    const lost = await recordedEvent({ receivedSecondsAgo: 900 });
    const fresh = await recordedEvent({ receivedSecondsAgo: 0 });

    // `lost` reached a run that was terminated before any worker handled it.
    const lostWorkflowId = guestWorkflowId(lost.guestId);
    await env.client.workflow.signalWithStart('guestLifecycle', {
      workflowId: lostWorkflowId,
      taskQueue,
      args: [{ guestId: lost.guestId }],
      signal: guestMessageSignal,
      signalArgs: [lost.stay.message],
    });
    await env.client.workflow.getHandle(lostWorkflowId).terminate('lost with its run');
    await stack
      .db('pms_events')
      .where({ id: lost.stay.message.eventId })
      .update({ signalled_at: stack.db.raw(`now() - interval '10 minutes'`) });

    const worker = await createTestWorker(env, taskQueue, stack.deps);
    await worker.runUntil(async () => {
      const sweeper = await env.client.workflow.start<typeof pmsEventSweeper>('pmsEventSweeper', {
        workflowId: `sweeper-${taskQueue}`,
        taskQueue,
        // Other test files may leave older open events behind: a batch that takes them all, ours included.
        args: [{ intervalSeconds: 60, batchSize: 1000 }],
      });
      await handled(never.stay.message.eventId);
      await handled(lost.stay.message.eventId);
      if (process.env.RECORD_HISTORIES) {
        await writeFile(
          path.join(HISTORIES_DIR, 'redrive.pmsEventSweeper.json'),
          historyToJSON(await sweeper.fetchHistory()),
        );
      }
      await sweeper.terminate('test done');
      for (const { guestId } of [never, lost]) {
        expect(await countRows(stack.db, 'stays', { guest_id: guestId })).toBe(1);
        expect(await countRows(stack.db, 'points_ledger', { guest_id: guestId })).toBe(1);
        // The follow-ups first: one that closes after its parent's run has closed leaves the test server's clock locked.
        await endFollowUps(env, stack.db, guestId);
        await env.client.workflow.getHandle(guestWorkflowId(guestId)).terminate('test done');
      }
    });
    expect((await pmsEvents.findById(stack.db, never.stay.message.eventId))!.redrive_count).toBe(1);
    expect((await pmsEvents.findById(stack.db, lost.stay.message.eventId))!.redrive_count).toBe(1);
    // Younger than a minute and never signalled: left for the PMS's own retry.
    expect(await pmsEvents.findById(stack.db, fresh.stay.message.eventId)).toMatchObject({
      signalled_at: null,
      redrive_count: 0,
    });
  });

  it('is bounded per pass and idempotent: a re-driven event is not signalled again at once', async () => {
    const events = [
      await recordedEvent({ receivedSecondsAgo: 3_600 }),
      await recordedEvent({ receivedSecondsAgo: 3_500 }),
    ];
    const acts = createActivities({
      ...stack.deps,
      temporal: env.client,
      taskQueue: uniqueTaskQueue('no-worker'),
    });
    const pass = (): Promise<RedriveResult> =>
      new MockActivityEnvironment().run(
        (i: Parameters<typeof acts.redrivePmsEvents>[0]) => acts.redrivePmsEvents(i),
        {
          limit: 1,
          unsignalledAfterSeconds: 60,
          unhandledAfterSeconds: 300,
        },
      );
    const ids = events.map((e) => e.stay.message.eventId);
    const counts = async () =>
      Promise.all(ids.map(async (id) => (await pmsEvents.findById(stack.db, id))!.redrive_count));
    // Older events from other tests may be first in line: run passes until both of ours are taken.
    for (let i = 0; i < 20 && (await counts()).some((c) => c === 0); i++) {
      expect((await pass()).found).toBeLessThanOrEqual(1);
    }
    expect(await counts()).toEqual([1, 1]);
    // No worker handles them here; another pass right away leaves them alone (backoff).
    await pass();
    await pass();
    expect(await counts()).toEqual([1, 1]);
    for (const e of events)
      await env.client.workflow.getHandle(guestWorkflowId(e.guestId)).terminate('test done');
  });

  it('re-drives a check-in never signalled (a row from before the stored message): the in-stay care starts', async () => {
    const taskQueue = uniqueTaskQueue('sweeper-checkin');
    const body = stayStartedBody({ occurredAt: new Date(Date.now() - 3_600_000).toISOString() });
    const guest = (await guests.insertIfAbsent(stack.db, {
      source: 'pms',
      profile: body.data.guest,
      asOf: new Date(),
    }))!;
    await checkins.insertIfAbsent(stack.db, {
      guestId: guest.id,
      source: 'pms',
      eventId: body.id,
      checkedInAt: new Date(body.occurredAt),
      stay: body.data.stay,
    });
    // No `message`: the sweeper rebuilds it from the body (messageFromPmsEvent).
    await pmsEvents.insertIfAbsent(stack.db, {
      id: body.id,
      type: 'stay.started',
      occurredAt: new Date(body.occurredAt),
      payloadHash: body.id,
      payload: body,
      guestId: guest.id,
      workflowId: guestWorkflowId(guest.id),
    });
    await stack
      .db('pms_events')
      .where({ id: body.id })
      .update({ received_at: stack.db.raw(`now() - interval '2 minutes'`) });

    const worker = await createTestWorker(env, taskQueue, stack.deps);
    const childId = inStayCareWorkflowId(guest.id, body.data.stay.pmsStayId);
    await worker.runUntil(async () => {
      const sweeper = await env.client.workflow.start<typeof pmsEventSweeper>('pmsEventSweeper', {
        workflowId: `sweeper-${taskQueue}`,
        taskQueue,
        args: [{ intervalSeconds: 60, batchSize: 1000 }],
      });
      await handled(body.id);
      await sweeper.terminate('test done');
      const child = await env.client.workflow.getHandle(childId).describe();
      expect(child.type).toBe('inStayCare');
      await env.client.workflow.getHandle(childId).terminate('test done');
      await env.client.workflow.getHandle(guestWorkflowId(guest.id)).terminate('test done');
    });
    expect((await pmsEvents.findById(stack.db, body.id))!.redrive_count).toBe(1);
  });
});
