/**
 * Care during the stay on a time-skipping server of its own, with the real activities, Postgres, an SMTP sink
 * and the PMS service functions the HTTP route calls (they record the check-in and signal the guest's
 * workflow): a check-in at 22:00 local → "how is your stay?" at 09:00 the next morning local with the report
 * link; a check-out reported before 09:00 → a suppressed row with its reason and no mail; a repeated
 * `stay.started` (same event, another event of the same PMS stay, a re-signal) → one check-in, one child, one
 * mail.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { acceptStayCompleted, acceptStayStarted } from '../api/pms/service.js';
import { stayCompletedSchema, stayStartedSchema } from '../api/pms/schema.js';
import * as cases from '../db/repositories/cases.js';
import type { PlannedOutboxRow } from '../db/repositories/outbox.js';
import type { StayCheckinRow } from '../db/repositories/stay-checkins.js';
import { guestWorkflowId, inStayCareWorkflowId } from '../domain/ids.js';
import { messageFromPmsEvent, PMS_SOURCE } from '../domain/messages.js';
import {
  countRows,
  eventually,
  openStack,
  workerPerTest,
  stayCompletedBody,
  type Stack,
} from '../test/helpers.js';
import { HISTORIES_DIR } from '../test/histories.js';
import { stayStartedBody } from '../test/pms-samples.js';
import { guestMessageSignal } from '../contracts/guest.js';
import type { InStayCareResult } from '../contracts/in-stay-care.js';

vi.setConfig({ testTimeout: 120_000 });

const ZONE = 'Asia/Shanghai';
const REPORT_BASE = 'http://127.0.0.1:3000/v1/links/in-stay/';

let env: TestWorkflowEnvironment;
let stack: Stack;
let taskQueue: string;
let property: string;

beforeAll(async () => {
  stack = await openStack();
  property = `IS-${randomUUID().slice(0, 8)}`;
  await cases.upsertPropertySettings(stack.db, {
    property_code: property,
    name: 'The Bund Shanghai',
    timezone: ZONE,
    duty_manager_email: null,
    general_manager_email: null,
  });
});
afterAll(async () => {
  await stack?.close();
});
workerPerTest(
  'in-stay',
  () => ({
    ...stack.deps,
    // Helper-free stand-in for api/links' signed link: what the mail must carry is the hook's answer.
    inStayReportUrl: ({ guestId, pmsStayId }) =>
      `${REPORT_BASE}${encodeURIComponent(guestId)}.${encodeURIComponent(pmsStayId)}`,
  }),
  (test) => ({ env, taskQueue } = test),
);

const pms = () => ({ db: stack.db, temporal: env.client, taskQueue, logger: pino({ level: 'silent' }) });
const local = (ms: number) => DateTime.fromMillis(ms, { zone: ZONE });

/** Skips the server's clock to the next `hour`:00 in Shanghai. */
async function advanceToLocal(hour: number) {
  const t = local(await env.currentTimeMs());
  let target = t.set({ hour, minute: 0, second: 0, millisecond: 0 });
  if (target <= t) target = target.plus({ days: 1 });
  await env.sleep(target.toMillis() - t.toMillis());
}

/** A check-in now (the server's clock) at the test property, for `nights` nights from today (local). */
async function checkIn(opts: { nights?: number; guest?: { pmsProfileId: string } } = {}) {
  const nowMs = await env.currentTimeMs();
  const today = local(nowMs);
  const body = stayStartedSchema.parse(
    stayStartedBody({
      occurredAt: new Date(nowMs).toISOString(),
      guest: { timezone: 'Europe/London', ...opts.guest },
      stay: {
        propertyCode: property,
        arrival: today.toISODate()!,
        expectedDeparture: today.plus({ days: opts.nights ?? 2 }).toISODate()!,
      },
    }),
  );
  const accepted = await acceptStayStarted(pms(), body);
  return { body, accepted };
}

const childOf = (guestId: string, pmsStayId: string) =>
  env.client.workflow.getHandle<() => Promise<InStayCareResult>>(inStayCareWorkflowId(guestId, pmsStayId));

/** The child, once the guest's workflow has started it. */
async function childResult(guestId: string, pmsStayId: string): Promise<InStayCareResult> {
  await eventually(async () => {
    try {
      await childOf(guestId, pmsStayId).describe();
      return true;
    } catch {
      return undefined;
    }
  });
  return childOf(guestId, pmsStayId).result();
}

const inStayRows = (guestId: string) =>
  stack.db<PlannedOutboxRow>('mail_outbox').where({ guest_id: guestId, template: 'in-stay-check' });

async function record(name: string, workflowId: string) {
  if (!process.env.RECORD_HISTORIES) return;
  await mkdir(HISTORIES_DIR, { recursive: true });
  const handle = env.client.workflow.getHandle(workflowId);
  const type = (await handle.describe()).type;
  await writeFile(
    path.join(HISTORIES_DIR, `${name}.${type}.json`),
    historyToJSON(await handle.fetchHistory()),
  );
}

describe('in-stay care', () => {
  it('asks "how is your stay?" at 09:00 the next morning (local) after a 22:00 check-in, with the report link', async () => {
    await advanceToLocal(22);
    const { body, accepted } = await checkIn({ nights: 1 });
    const guestId = accepted.guestId;
    expect(accepted.duplicate).toBe(false);
    const checkin = await stack
      .db<StayCheckinRow>('stay_checkins')
      .where({ pms_stay_id: body.data.stay.pmsStayId })
      .first();
    expect(checkin).toMatchObject({ guest_id: guestId, property_code: property, checked_out_at: null });

    const result = await childResult(guestId, body.data.stay.pmsStayId);
    const checkedIn = local(Date.parse(body.occurredAt));
    const nextMorning = checkedIn.plus({ days: 1 }).toFormat('yyyy-LL-dd');
    expect(result).toMatchObject({ status: 'sent', localCheckAt: `${nextMorning} 09:00` });

    const [row] = await inStayRows(guestId);
    expect(row).toMatchObject({ status: 'sent', class: 'transactional' });
    expect(local(row!.send_at!.getTime()).toFormat('yyyy-LL-dd HH:mm')).toBe(`${nextMorning} 09:00`);

    const [mail] = await stack.sink.waitFor((m) => m.messageId === row!.message_id);
    expect(mail!.subject).toBe('Grace, how is your stay at The Bund Shanghai?');
    const link = `${REPORT_BASE}${guestId}.${encodeURIComponent(body.data.stay.pmsStayId)}`;
    expect(mail!.text).toContain(link);
    expect(mail!.html).toContain(`href="${link}"`);

    // The guest's workflow handled the event; nothing personal went into the child's history.
    await eventually(async () =>
      (await countRows(stack.db, 'pms_events', { id: body.id, handled_at: null })) === 0 ? true : undefined,
    );
    const history = JSON.stringify(
      historyToJSON(await childOf(guestId, body.data.stay.pmsStayId).fetchHistory()),
    );
    expect(history).not.toContain(body.data.guest.email);
    expect(history).not.toContain('Hopper');
    await record('in-stay-check-sent', inStayCareWorkflowId(guestId, body.data.stay.pmsStayId));
  });

  it('records a suppressed row with the reason, and sends nothing, when the guest checked out before 09:00', async () => {
    await advanceToLocal(22);
    const { body, accepted } = await checkIn({ nights: 1 });
    const guestId = accepted.guestId;
    const pmsStayId = body.data.stay.pmsStayId;
    // An early departure: the check-out at 06:00 local, reported by the PMS at once.
    await advanceToLocal(6);
    const outMs = await env.currentTimeMs();
    const arrival = body.data.stay.arrival;
    const completed = await acceptStayCompleted(
      pms(),
      stayCompletedSchema.parse(
        stayCompletedBody({
          occurredAt: new Date(outMs).toISOString(),
          guest: body.data.guest,
          stay: {
            pmsStayId,
            propertyCode: property,
            arrival,
            departure: body.data.stay.expectedDeparture,
            nights: 1,
            roomRevenue: '980.00',
          },
        }),
      ),
    );
    expect(completed.guestId).toBe(guestId);
    const checkin = await stack.db<StayCheckinRow>('stay_checkins').where({ pms_stay_id: pmsStayId }).first();
    expect(checkin!.checked_out_at!.getTime()).toBe(outMs);

    const result = await childResult(guestId, pmsStayId);
    expect(result.status).toBe('suppressed');
    expect(result.reason).toBe(`not_in_house: checked out at ${new Date(outMs).toISOString()}`);
    const rows = await inStayRows(guestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: 'suppressed',
      suppression_reason: `not_in_house: checked out at ${new Date(outMs).toISOString()}`,
    });
    expect(
      stack.sink
        .messages()
        .filter((m) => m.to.includes(body.data.guest.email) && /how is your stay/.test(m.subject)),
    ).toEqual([]);
  });

  it('takes a repeated stay.started once: one check-in, one child, one mail', async () => {
    await advanceToLocal(22);
    const { body, accepted } = await checkIn();
    const guestId = accepted.guestId;
    const pmsStayId = body.data.stay.pmsStayId;
    // The same delivery again: a duplicate, not signalled again.
    const again = await acceptStayStarted(pms(), body);
    expect(again).toMatchObject({ guestId, duplicate: true });
    // Another event of the same PMS stay (a PMS that re-sends with a new id) and a re-signal (the sweeper).
    const other = await acceptStayStarted(pms(), { ...body, id: `evt-${randomUUID()}` });
    expect(other).toMatchObject({ guestId, duplicate: false });
    await env.client.workflow.signalWithStart('guestLifecycle', {
      workflowId: guestWorkflowId(guestId),
      taskQueue,
      args: [{ guestId }],
      signal: guestMessageSignal,
      signalArgs: [messageFromPmsEvent(PMS_SOURCE, body)!],
    });

    const result = await childResult(guestId, pmsStayId);
    expect(result.status).toBe('sent');
    // Every message handled (the repeats found the child started).
    await eventually(async () =>
      (await countRows(stack.db, 'pms_events', { guest_id: guestId, handled_at: null })) === 0
        ? true
        : undefined,
    );
    expect(await countRows(stack.db, 'stay_checkins', { pms_stay_id: pmsStayId })).toBe(1);
    expect(await countRows(stack.db, 'mail_outbox', { guest_id: guestId, template: 'in-stay-check' })).toBe(
      1,
    );
    const [row] = await inStayRows(guestId);
    const received = stack.sink.messages().filter((m) => m.messageId === row!.message_id);
    expect(received).toHaveLength(1);
    expect(received[0]!.deliveries).toBe(1);
  });
});
