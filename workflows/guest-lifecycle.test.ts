/**
 * The guest's workflow on the time-skipping test server, with the real
 * activities against PostgreSQL and a real SMTP sink.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failOnceAt, type FaultInjector } from '../activities/faults.js';
import * as guests from '../db/repositories/guests.js';
import type { OutboxRow } from '../db/repositories/outbox.js';
import type { StayRow } from '../db/repositories/stays.js';
import { followUpWorkflowId, guestWorkflowId } from '../domain/ids.js';
import type { StayCompletedEvent } from '../domain/types.js';
import {
  countRows,
  createTestWorker,
  eventually,
  openStack,
  sentMail,
  stayCompletedEvent,
  timeSkippingEnv,
  uniqueTaskQueue,
  type Stack,
} from '../test/helpers.js';
import { HISTORIES_DIR } from '../test/histories.js';
import type { GuestLifecycleInput } from './guest-lifecycle.js';
import { stateQuery, stayCompletedSignal } from './messages.js';

const HOUR = 3_600_000;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** Creates the guest row (as the API does), then hands `events` to the guest's workflow. */
async function run(
  stack: Stack,
  events: StayCompletedEvent[],
  body: (ctx: { guestId: string; workflowId: string; taskQueue: string }) => Promise<void>,
  opts: { faults?: FaultInjector; maxEventsPerRun?: number; recordAs?: string } = {},
) {
  const first = events[0]!;
  const guest = (await guests.insertIfAbsent(stack.db, {
    source: 'pms',
    profile: first.guest,
    asOf: new Date(first.occurredAt),
  }))!;
  const taskQueue = uniqueTaskQueue('guest');
  const worker = await createTestWorker(
    env,
    taskQueue,
    opts.faults ? { ...stack.deps, faults: opts.faults } : stack.deps,
  );
  const workflowId = guestWorkflowId(guest.id);
  // Every event is in the workflow's history before the worker first runs it: what a run
  // sees at once does not depend on timing.
  for (const event of events) {
    await env.client.workflow.signalWithStart('guestLifecycle', {
      workflowId,
      taskQueue,
      args: [{ guestId: guest.id, maxEventsPerRun: opts.maxEventsPerRun }],
      signal: stayCompletedSignal,
      signalArgs: [event],
    });
  }
  await worker.runUntil(async () => {
    await body({ guestId: guest.id, workflowId, taskQueue });
    if (opts.recordAs) await recordHistories(stack, opts.recordAs, guest.id, workflowId);
    await env.client.workflow.getHandle(workflowId).terminate('test done');
  });
  return guest.id;
}

/**
 * With RECORD_HISTORIES=1 (`npm run record:histories`), keeps the scenario's
 * histories as replay fixtures: the guest's workflow and its first follow-up.
 */
async function recordHistories(stack: Stack, name: string, guestId: string, workflowId: string) {
  if (!process.env.RECORD_HISTORIES) return;
  await mkdir(HISTORIES_DIR, { recursive: true });
  const stay = await stack.db<StayRow>('stays').where({ guest_id: guestId }).orderBy('created_at').first();
  const ids = [workflowId, ...(stay ? [followUpWorkflowId(guestId, stay.id)] : [])];
  for (const id of ids) {
    const handle = env.client.workflow.getHandle(id);
    const type = (await handle.describe()).type;
    await writeFile(
      path.join(HISTORIES_DIR, `${name}.${type}.json`),
      historyToJSON(await handle.fetchHistory()),
    );
  }
}

async function stateOf(workflowId: string) {
  // A query can be lost when it races a continue-as-new on the test server: bound each one.
  return env.client.withDeadline(Date.now() + 2000, () =>
    env.client.workflow.getHandle(workflowId).query(stateQuery),
  );
}

/** The workflow's state once it has handled `count` events. */
function stateAfter(workflowId: string, count: number) {
  return eventually(async () => {
    const s = await stateOf(workflowId).catch(() => undefined);
    return s?.eventsHandled === count ? s : undefined;
  });
}

describe('guestLifecycle', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await openStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('records the stay, posts base points, and thanks the guest two hours after check-out', async () => {
    const checkOut = new Date(await env.currentTimeMs());
    const event = stayCompletedEvent({
      occurredAt: checkOut.toISOString(),
      stay: { roomRevenue: '1280.50', nights: 2 },
    });
    await run(
      stack,
      [event],
      async ({ guestId, workflowId }) => {
        const state = await stateAfter(workflowId, 1);
        expect(state).toMatchObject({
          stage: 'member',
          tier: 'blue',
          stays: 1,
          nights: 2,
          pointsBalance: 12805,
        });
        expect(state.lastStay).toMatchObject({
          pmsStayId: event.stay.pmsStayId,
          propertyCode: 'SHA-BUND',
          nights: 2,
        });

        const stays = await stack.db<StayRow>('stays').where({ guest_id: guestId });
        expect(stays).toHaveLength(1);
        const ledger = await stack.db('points_ledger').where({ guest_id: guestId });
        expect(ledger).toMatchObject([
          { points: 12805, balance_after: 12805, reason: 'stay_base', stay_id: stays[0]!.id },
        ]);

        await env.sleep(2 * HOUR - 5 * 60_000);
        expect(await countRows(stack.db, 'mail_outbox', { guest_id: guestId })).toBe(0);
        expect(stack.sink.messages().filter((m) => m.to.includes(event.guest.email))).toHaveLength(0);

        await env.sleep(10 * 60_000);
        const [mail] = await stack.sink.waitFor((m) => m.to.includes(event.guest.email));
        expect(mail!.subject).toBe('Thank you for staying with us, Ada');
        expect(mail!.text).toContain('SHA-BUND from 2026-03-10 to 2026-03-12 (2 nights)');
        expect(mail!.text).toContain(
          'You earned 12805 points for this stay. Your balance is now 12805 points.',
        );
        expect(mail!.deliveries).toBe(1);
        const outbox = await sentMail(stack.db, { guest_id: guestId });
        expect(outbox.message_id).toBe(mail!.messageId);
      },
      { recordAs: 'thank-you-after-delay' },
    );
  });

  it('sends at once when the check-out is already older than the delay, in the guest locale', async () => {
    const event = stayCompletedEvent({
      occurredAt: '2026-01-05T02:00:00Z',
      guest: { locale: 'zh-CN', firstName: '伟', lastName: '王', email: 'wang.wei@guest.example' },
      stay: { arrival: '2026-01-04', departure: '2026-01-05', nights: 1, roomRevenue: '688' },
    });
    await run(stack, [event], async () => {
      const [mail] = await stack.sink.waitFor((m) => m.to.includes('wang.wei@guest.example'));
      expect(mail!.subject).toBe('王伟，感谢您的入住');
      expect(mail!.text).toContain('本次入住您获得 6880 积分，当前积分余额为 6880 分');
    });
  });

  it('handles a stay delivered twice (new event id) once: one stay row, one ledger entry, one mail', async () => {
    const event = stayCompletedEvent({ occurredAt: '2026-02-01T10:00:00Z' });
    const again = { ...event, eventId: `${event.eventId}-redelivered` };
    await run(
      stack,
      [event, again],
      async ({ guestId, workflowId }) => {
        await stateAfter(workflowId, 2);
        await stack.sink.waitFor((m) => m.to.includes(event.guest.email));
        expect(await countRows(stack.db, 'stays', { guest_id: guestId })).toBe(1);
        expect(await countRows(stack.db, 'points_ledger', { guest_id: guestId })).toBe(1);
        expect(await countRows(stack.db, 'mail_outbox', { guest_id: guestId })).toBe(1);
        expect((await stateOf(workflowId)).stays).toBe(1);
      },
      { recordAs: 'duplicate-stay' },
    );
    const mails = stack.sink.messages().filter((m) => m.to.includes(event.guest.email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.deliveries).toBe(1);
  });

  it('stays exactly-once when the ledger, outbox and mail activities fail after their write and are retried', async () => {
    const faults = failOnceAt('ledger.afterPost', 'outbox.afterEnqueue', 'mail.afterSend');
    const event = stayCompletedEvent({
      occurredAt: '2026-02-02T10:00:00Z',
      guest: { email: 'retry@guest.example' },
    });
    await run(
      stack,
      [event],
      async ({ guestId }) => {
        await stack.sink.waitFor((m) => m.to.includes('retry@guest.example'));
        await eventually(() => (faults.fired.length === 3 ? true : undefined));
        const outbox = await sentMail(stack.db, { guest_id: guestId });
        expect(outbox.attempts).toBe(1);
        expect(await countRows(stack.db, 'points_ledger', { guest_id: guestId })).toBe(1);
        expect(await countRows(stack.db, 'mail_outbox', { guest_id: guestId })).toBe(1);
      },
      { faults },
    );
    expect(faults.fired).toEqual(['ledger.afterPost', 'outbox.afterEnqueue', 'mail.afterSend']);
    const mails = stack.sink.messages().filter((m) => m.to.includes('retry@guest.example'));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.deliveries).toBe(1);
  });

  it('accumulates the balance over stays, makes a regular, and earns silver at four stays in a year', async () => {
    const profile = stayCompletedEvent().guest;
    const events = [1, 2, 3, 4].map((n) =>
      stayCompletedEvent({
        occurredAt: `2026-0${n}-03T10:00:00Z`,
        guest: profile,
        stay: { arrival: `2026-0${n}-02`, departure: `2026-0${n}-03`, nights: 1, roomRevenue: '100' },
      }),
    );
    await run(
      stack,
      events.slice(0, 2),
      async ({ workflowId, taskQueue, guestId }) => {
        const afterTwo = await stateAfter(workflowId, 2);
        expect(afterTwo).toMatchObject({ stage: 'regular', tier: 'blue', stays: 2, pointsBalance: 2000 });
        for (const event of events.slice(2)) {
          await env.client.workflow.signalWithStart('guestLifecycle', {
            workflowId,
            taskQueue,
            args: [{ guestId }],
            signal: stayCompletedSignal,
            signalArgs: [event],
          });
        }
        const afterFour = await stateAfter(workflowId, 4);
        expect(afterFour).toMatchObject({
          stage: 'regular',
          tier: 'silver',
          stays: 4,
          nights: 4,
          pointsBalance: 4000,
        });
        const balances = (await stack.db('points_ledger').where({ guest_id: guestId }).orderBy('id')).map(
          (r: { balance_after: number }) => r.balance_after,
        );
        expect(balances).toEqual([1000, 2000, 3000, 4000]);
        await stack.sink.waitFor(
          (m) => m.to.includes(profile.email) && m.text.includes('Your balance is now 4000 points'),
        );
      },
      { recordAs: 'four-stays-silver' },
    );
  });

  it('records a stay already filed under another guest as lastError and goes on with the next event', async () => {
    const other = stayCompletedEvent({ occurredAt: '2026-08-02T10:00:00Z' });
    await run(stack, [other], async ({ guestId }) => {
      await stack.sink.waitFor((m) => m.to.includes(other.guest.email));
      expect(await countRows(stack.db, 'stays', { guest_id: guestId })).toBe(1);
    });
    const profile = stayCompletedEvent().guest;
    const clash = stayCompletedEvent({
      occurredAt: '2026-08-03T10:00:00Z',
      guest: profile,
      stay: { pmsStayId: other.stay.pmsStayId },
    });
    const fine = stayCompletedEvent({ occurredAt: '2026-08-04T10:00:00Z', guest: profile });
    await run(stack, [clash, fine], async ({ guestId, workflowId }) => {
      const state = await stateAfter(workflowId, 2);
      expect(state).toMatchObject({ stays: 1, lastError: null });
      expect(await countRows(stack.db, 'stays', { guest_id: guestId })).toBe(1);
      expect(await countRows(stack.db, 'points_ledger', { guest_id: guestId })).toBe(1);
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      expect(JSON.stringify(history)).toContain('StayOwnedByAnotherGuest');
    });
  });

  it('marks a mail the server refuses (550) failed, once, without retrying forever', async () => {
    const event = stayCompletedEvent({
      occurredAt: '2026-08-05T10:00:00Z',
      guest: { email: 'nobody@bounce.example' },
    });
    await run(stack, [event], async ({ guestId }) => {
      const row = await eventually(async () => {
        const r = await stack.db<OutboxRow>('mail_outbox').where({ guest_id: guestId }).first();
        return r?.status === 'failed' ? r : undefined;
      });
      expect(row.attempts).toBe(1);
      expect(row.last_error).toContain('550');
      const stay = (await stack.db<StayRow>('stays').where({ guest_id: guestId }).first())!;
      const child = env.client.workflow.getHandle(followUpWorkflowId(guestId, stay.id));
      await expect(child.result()).rejects.toThrow();
      expect((await child.describe()).status.name).toBe('FAILED');
      expect(stack.sink.messages().filter((m) => m.to.includes('nobody@bounce.example'))).toHaveLength(0);
    });
  });

  it('continues as new after maxEventsPerRun events, carrying its state and unhandled events', async () => {
    const profile = stayCompletedEvent().guest;
    const events = [1, 2, 3].map((n) =>
      stayCompletedEvent({
        occurredAt: `2026-07-1${n}T10:00:00Z`,
        guest: profile,
        stay: { arrival: `2026-07-0${n}`, departure: `2026-07-1${n}`, nights: 10, roomRevenue: '50' },
      }),
    );
    await run(
      stack,
      events,
      async ({ guestId, workflowId }) => {
        const state = await stateAfter(workflowId, 3);
        expect(state).toMatchObject({
          stays: 3,
          nights: 30,
          pointsBalance: 1500,
          tier: 'silver',
          lastError: null,
        });
        // The running execution was continued from an earlier run of the same workflow ID, which ended so.
        const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
        const previousRunId =
          history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
        expect(previousRunId).toBeTruthy();
        const previous = await env.client.workflow.getHandle(workflowId, previousRunId!).describe();
        expect(previous.status.name).toBe('CONTINUED_AS_NEW');
        // The third event arrived before the first run ended and was carried into the next one.
        const started = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
        const carried = JSON.parse(Buffer.from(started!.data!).toString()) as GuestLifecycleInput;
        expect(carried.inbox?.map((e) => e.eventId)).toEqual([events[2]!.eventId]);
        expect(carried.state).toMatchObject({ eventsHandled: 2, stays: 2 });
        expect(await countRows(stack.db, 'points_ledger', { guest_id: guestId })).toBe(3);
      },
      { maxEventsPerRun: 2, recordAs: 'continue-as-new' },
    );
  });
});
