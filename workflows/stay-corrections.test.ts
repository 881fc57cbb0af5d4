/**
 * The guest's workflow when the PMS corrects and then voids a stay (`stay.amended`, `stay.cancelled`), on a
 * time-skipping server of its own with the real activities, Postgres and the SMTP sink: the amendment's ledger
 * row and the carried balance; the cancellation's reversal, the stay marked and no longer counted, and the
 * stay's follow-up withdrawn — its held thank-you suppressed with the reason, its row and workflow cancelled —
 * so that two days later no thank-you or survey has gone. `RECORD_HISTORIES=1` keeps the histories
 * (`stay-amended-cancelled.*.json`) for workflows/replay.test.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as guests from '../db/repositories/guests.js';
import * as pmsEvents from '../db/repositories/pms-events.js';
import type { OutboxRow } from '../db/repositories/outbox.js';
import type { StayRow } from '../db/repositories/stays.js';
import { followUpWorkflowId, guestWorkflowId } from '../domain/ids.js';
import { STAY_CANCELLED } from '../domain/mail-policy.js';
import type { GuestMessage, StayAmendedMessage, StayCancelledMessage } from '../domain/messages.js';
import {
  createTestWorker,
  endFollowUps,
  eventually,
  historySummary,
  openStack,
  ownTimeSkippingEnv,
  sampleStay,
  uniqueTaskQueue,
  zoneWhereNowIs,
  type Stack,
} from '../test/helpers.js';
import { HISTORIES_DIR } from '../test/histories.js';
import { guestMessageSignal, stateQuery, type GuestLifecycleInput } from '../contracts/guest.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

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

async function recordEvent(guestId: string, message: GuestMessage, payload: unknown) {
  await pmsEvents.insertIfAbsent(stack.db, {
    id: message.eventId,
    type: message.type,
    occurredAt: new Date(message.occurredAt),
    payloadHash: message.eventId,
    payload,
    guestId,
    workflowId: guestWorkflowId(guestId),
  });
}

const stateOf = (workflowId: string) =>
  env.client.withDeadline(Date.now() + 2000, () =>
    env.client.workflow.getHandle(workflowId).query(stateQuery),
  );

const handled = (eventId: string) =>
  eventually(async () => ((await pmsEvents.findById(stack.db, eventId))?.handled_at ? true : undefined));

describe('a stay amended, then cancelled', () => {
  it('corrects the points, then reverses them and withdraws the follow-up: no thank-you or survey goes', async () => {
    // Three hours ago, where it is night now: the thank-you (due two hours after check-out) waits for 09:00.
    const now = await env.currentTimeMs();
    const out = new Date(now - 3 * HOUR);
    const d = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const zone = await zoneWhereNowIs(env, 0, 5);
    const stay = sampleStay({
      occurredAt: out.toISOString(),
      guest: { timezone: zone },
      stay: {
        arrival: d(out.getTime() - 2 * DAY),
        departure: d(out.getTime()),
        nights: 2,
        roomRevenue: '1000',
      },
    });
    const guest = (await guests.insertIfAbsent(stack.db, {
      source: 'pms',
      profile: stay.profile,
      asOf: out,
    }))!;
    const guestId = guest.id;
    const workflowId = guestWorkflowId(guestId);
    const taskQueue = uniqueTaskQueue('corrections');
    const amended: StayAmendedMessage = {
      ...stay.message,
      type: 'stay.amended',
      eventId: `${stay.message.eventId}-amended`,
      occurredAt: new Date(now - 2 * HOUR).toISOString(),
      stay: { ...stay.message.stay, roomRevenue: '1500.00' },
    };
    const cancelled: StayCancelledMessage = {
      type: 'stay.cancelled',
      eventId: `${stay.message.eventId}-cancelled`,
      source: 'pms',
      occurredAt: new Date(now - HOUR).toISOString(),
      stay: { pmsStayId: stay.message.stay.pmsStayId },
    };
    await recordEvent(guestId, stay.message, stay.body);
    await recordEvent(guestId, amended, { reason: 'folio final' });
    await recordEvent(guestId, cancelled, {});
    const signal = (message: GuestMessage) =>
      env.client.workflow.signalWithStart('guestLifecycle', {
        workflowId,
        taskQueue,
        args: [{ guestId } satisfies GuestLifecycleInput],
        signal: guestMessageSignal,
        signalArgs: [message],
      });

    const worker = await createTestWorker(env, taskQueue, stack.deps);
    await worker.runUntil(async () => {
      await signal(stay.message);
      await handled(stay.message.eventId);
      const [stayRow] = await stack.db<StayRow>('stays').where({ guest_id: guestId });
      const followUp = followUpWorkflowId(guestId, stayRow!.id);
      const thankYou = await eventually(
        async () => {
          const row = await stack
            .db<OutboxRow>('mail_outbox')
            .where({ guest_id: guestId, template: 'stay-thank-you' })
            .first();
          return row?.status === 'pending' ? row : undefined;
        },
        { explain: () => historySummary(env.client, followUp) },
      );

      // Amended: 1000 → 1500 CNY is 1408 → 2112 base points (rules version 2): one row of 704.
      await signal(amended);
      await handled(amended.eventId);
      expect(
        await stack.db('points_ledger').where({ guest_id: guestId }).orderBy('id').select('points', 'reason'),
      ).toEqual([
        { points: 1408, reason: 'stay_base' },
        { points: 704, reason: 'stay_amended' },
      ]);
      expect((await stateOf(workflowId)).pointsBalance).toBe(2112);

      // Cancelled: reversed, marked, not counted; the follow-up withdrawn.
      await signal(cancelled);
      await handled(cancelled.eventId);
      expect(
        await stack
          .db('points_ledger')
          .where({ guest_id: guestId, reason: 'stay_cancelled' })
          .select('points', 'source'),
      ).toEqual([{ points: -2112, source: 'stay' }]);
      const marked = (await stack.db<StayRow>('stays').where({ id: stayRow!.id }).first())!;
      expect(marked.cancelled_event_id).toBe(cancelled.eventId);
      expect(await stack.db('mail_outbox').where({ id: thankYou.id }).first()).toMatchObject({
        status: 'suppressed',
        suppression_reason: STAY_CANCELLED,
      });
      expect(await stack.db('follow_ups').where({ workflow_id: followUp }).first()).toMatchObject({
        status: 'cancelled',
      });
      await eventually(async () =>
        (await env.client.workflow.getHandle(followUp).describe()).status.name === 'CANCELLED'
          ? true
          : undefined,
      );
      const state = await stateOf(workflowId);
      expect(state).toMatchObject({ stays: 0, nights: 0, pointsBalance: 0, eventsRejected: 0 });
      // No free text in the guest's history.
      expect(JSON.stringify(await env.client.workflow.getHandle(workflowId).fetchHistory())).not.toContain(
        'folio final',
      );

      // Two days on: the thank-you's send time and the survey's due time have passed; neither went.
      await env.sleep(2 * DAY);
      const sent = stack.sink
        .messages()
        .filter((m) => m.to.includes(stay.profile.email))
        .map((m) => m.headers['x-outbox-key'] ?? m.subject);
      expect(sent.filter((k) => /stay-thank-you|survey/.test(k))).toEqual([]);
      expect(
        await stack
          .db('mail_outbox')
          .where({ guest_id: guestId })
          .whereIn('template', ['stay-thank-you', 'satisfaction-survey'])
          .whereNot({ status: 'suppressed' }),
      ).toEqual([]);

      if (process.env.RECORD_HISTORIES) {
        await mkdir(HISTORIES_DIR, { recursive: true });
        for (const [id, type] of [
          [workflowId, 'guestLifecycle'],
          [followUp, 'postStayFollowUp'],
        ] as const) {
          const history = await env.client.workflow.getHandle(id).fetchHistory();
          await writeFile(
            path.join(HISTORIES_DIR, `stay-amended-cancelled.${type}.json`),
            historyToJSON(history),
          );
        }
      }
      await endFollowUps(env, stack.db, guestId);
      await env.client.workflow.getHandle(workflowId).terminate('test done');
    });
  });
});
