/**
 * End to end over real HTTP (API, Temporal dev server, a worker with the real activities, PostgreSQL, an SMTP
 * sink): the signed `stay.started` event (202 with a check-in row and the guest's in-stay care started; 400 and
 * 422 naming the field with nothing written; a repeat answered `duplicate`; the stay's `stay.completed` marks
 * the check-out), and the guest view `GET /v1/guests/:id` for ops, managers and admins with every mail's
 * class, status, planned send time and suppression reason, the guest's open cases and the stay they are in
 * house for.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import * as cases from '../../db/repositories/cases.js';
import type { PmsEventRow } from '../../db/repositories/pms-events.js';
import type { StayCheckinRow } from '../../db/repositories/stay-checkins.js';
import { guestWorkflowId, inStayCareWorkflowId } from '../../domain/ids.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { countRows, eventually, stayCompletedBody, type Stack } from '../helpers.js';
import { stayStartedBody } from '../pms-samples.js';

const SECRET = 'e2e-in-stay-webhook-secret-0123456789';
/** What a PMS request writes itself (stays and mails are the workflows' and may move behind a test's back). */
const TABLES = ['guests', 'pms_events', 'audit_log', 'stay_checkins', 'bookings'] as const;
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const daysFromNow = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);

let api: ApiStack;
let env: TestWorkflowEnvironment;
let stack: Stack;
let baseUrl: string;
let taskQueue: string;
const keys: Record<'ops' | 'manager' | 'admin' | 'marketer', string> = {
  ops: '',
  manager: '',
  admin: '',
  marketer: '',
};

beforeAll(async () => {
  api = await openApiStack({
    name: 'in-stay-e2e',
    pmsSecret: SECRET,
    keys: {
      ops: 'e2e in-stay ops',
      manager: 'e2e in-stay manager',
      admin: 'e2e in-stay admin',
      marketer: 'e2e in-stay marketer',
    },
  });
  ({ env, stack, baseUrl, taskQueue } = api);
  for (const role of ['ops', 'manager', 'admin', 'marketer'] as const) keys[role] = api.keyFor(role);
});

afterAll(async () => {
  await api?.close();
});

async function postEvent(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await api.postPms(body);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function counts() {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = await countRows(stack.db, t);
  return out;
}

/** A check-in three hours ago, expected to leave in two days. */
const checkin = (o: Parameters<typeof stayStartedBody>[0] = {}) =>
  stayStartedBody({
    occurredAt: hoursAgo(3),
    ...o,
    stay: { arrival: hoursAgo(3).slice(0, 10), expectedDeparture: daysFromNow(2), ...o.stay },
  });

interface ErrorAnswer {
  error: { code: string; message: string; details: { field?: string } };
}

describe('POST /v1/pms/events stay.started', () => {
  it('202: records the check-in, and the guest workflow starts the in-stay care of that PMS stay', async () => {
    const body = checkin();
    const answer = await postEvent(body);
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ eventId: body.id, duplicate: false });
    const guestId = answer.json.guestId as string;
    expect(answer.json.workflowId).toBe(guestWorkflowId(guestId));
    const row = await stack
      .db<StayCheckinRow>('stay_checkins')
      .where({ pms_stay_id: body.data.stay.pmsStayId })
      .first();
    expect(row).toMatchObject({
      guest_id: guestId,
      source: 'pms',
      property_code: 'SHA-BUND',
      arrival: body.data.stay.arrival,
      expected_departure: body.data.stay.expectedDeparture,
      checked_out_at: null,
      event_id: body.id,
    });
    expect(row!.checked_in_at.toISOString()).toBe(body.occurredAt);
    // The event becomes an ids-and-facts message, handled by the guest's workflow, which starts the child.
    const event = await stack.db<PmsEventRow>('pms_events').where({ id: body.id }).first();
    expect(event!.message).toEqual({
      type: 'stay.started',
      eventId: body.id,
      source: 'pms',
      occurredAt: body.occurredAt,
      stay: {
        pmsStayId: body.data.stay.pmsStayId,
        propertyCode: 'SHA-BUND',
        arrival: body.data.stay.arrival,
        expectedDeparture: body.data.stay.expectedDeparture,
      },
    });
    await eventually(async () =>
      (await countRows(stack.db, 'pms_events', { id: body.id, handled_at: null })) === 0 ? true : undefined,
    );
    const child = await env.client.workflow
      .getHandle(inStayCareWorkflowId(guestId, body.data.stay.pmsStayId))
      .describe();
    expect(child.type).toBe('inStayCare');
    expect(child.status.name).toBe('RUNNING');

    // The same delivery again: 202 duplicate, nothing new.
    const before = await counts();
    const again = await postEvent(body);
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ eventId: body.id, guestId, duplicate: true });
    expect(await counts()).toEqual(before);

    // The stay's check-out marks the check-in.
    const out = stayCompletedBody({
      occurredAt: hoursAgo(1),
      guest: body.data.guest,
      stay: {
        pmsStayId: body.data.stay.pmsStayId,
        arrival: daysFromNow(-2),
        departure: daysFromNow(0),
        nights: 2,
      },
    });
    expect((await postEvent(out)).status).toBe(202);
    const marked = await stack
      .db<StayCheckinRow>('stay_checkins')
      .where({ pms_stay_id: body.data.stay.pmsStayId })
      .first();
    expect(marked!.checked_out_at!.toISOString()).toBe(out.occurredAt);
  });

  it.each([
    ['data.stay.expectedDeparture', { stay: { expectedDeparture: '2026-02-30' } }],
    ['data.stay.expectedDeparture', { stay: { arrival: '2026-03-10', expectedDeparture: '2026-03-10' } }],
    ['data.stay.pmsStayId', { stay: { pmsStayId: '' } }],
    ['data.stay.propertyCode', { stay: { propertyCode: 'x'.repeat(41) } }],
    ['data.guest.email', { guest: { email: 'not-an-address' } }],
    ['occurredAt', { occurredAt: new Date(Date.now() + 3_600_000).toISOString() }],
    ['data.stay.arrival', { stay: { arrival: daysFromNow(5), expectedDeparture: daysFromNow(7) } }],
  ] as const)('400 naming %s, nothing written', async (field, o) => {
    const body = checkin(o);
    if ('occurredAt' in o) body.occurredAt = o.occurredAt;
    const before = await counts();
    const answer = await postEvent(body);
    expect(answer.status).toBe(400);
    expect((answer.json as unknown as ErrorAnswer).error.details.field).toBe(field);
    expect(await counts()).toEqual(before);
  });

  it('400 naming the field for a missing stay block; 422 for a PMS stay another guest checked in; nothing written', async () => {
    const body = checkin();
    const { stay: _stay, ...withoutStay } = body.data;
    let before = await counts();
    const missing = await postEvent({ ...body, data: withoutStay });
    expect(missing.status).toBe(400);
    expect((missing.json as unknown as ErrorAnswer).error.details.field).toBe('data.stay');
    expect(await counts()).toEqual(before);

    expect((await postEvent(body)).status).toBe(202);
    const other = checkin({ stay: { pmsStayId: body.data.stay.pmsStayId } });
    before = await counts();
    const taken = await postEvent(other);
    expect(taken.status).toBe(422);
    expect(taken.json).toMatchObject({
      error: { code: 'stay_owned_by_another_guest', details: { field: 'data.stay.pmsStayId' } },
    });
    expect(await counts()).toEqual(before);
  });
});

describe('GET /v1/guests/:id: the guest view', () => {
  function getGuest(id: string, key: string): Promise<Response> {
    return fetch(`${baseUrl}/v1/guests/${id}`, { headers: { authorization: `Bearer ${key}` } });
  }

  /** A zone where it is now between 01:00 and 07:00: a marketing mail planned now waits for 09:00 there. */
  function zoneAtNight(): string {
    for (let h = -12; h <= 14; h++) {
      const zone = h === 0 ? 'UTC' : `Etc/GMT${h > 0 ? '-' : '+'}${Math.abs(h)}`;
      const hour = DateTime.now().setZone(zone).hour;
      if (hour >= 1 && hour < 7) return zone;
    }
    throw new Error('no zone at night');
  }

  it('shows ops, managers and admins every mail with class, status, send time and suppression reason, the open cases and the stay in house', async () => {
    const zone = zoneAtNight();
    const body = checkin({ guest: { timezone: zone } });
    const accepted = await postEvent(body);
    expect(accepted.status).toBe(202);
    const guestId = accepted.json.guestId as string;

    // Two marketing mails planned through the planning activity: one held for the send window, one suppressed.
    const acts = createActivities({ ...stack.deps, temporal: env.client, taskQueue });
    await stack.db('guests').where({ id: guestId }).update({ marketing_consent: true });
    const held = await acts.planMail({
      guestId,
      template: 'birthday-greeting',
      idempotencyKey: `e2e:${guestId}:held`,
      vars: {},
      marketing: true,
    });
    expect(held.status).toBe('pending');
    await stack.db('guests').where({ id: guestId }).update({ marketing_consent: false });
    const skipped = await acts.planMail({
      guestId,
      template: 'birthday-greeting',
      idempotencyKey: `e2e:${guestId}:skipped`,
      vars: {},
      marketing: true,
    });
    expect(skipped).toMatchObject({ status: 'suppressed', reason: 'no_marketing_consent' });

    // An open case of the guest, and a closed one (not listed).
    const opened = async (status: 'open' | 'closed') => {
      const id = randomUUID();
      await cases.openCase(
        stack.db,
        {
          id,
          guestId,
          workflowId: `guest-${guestId}-case-${id}`,
          source: 'in_stay',
          category: 'facilities',
          priority: 'high',
          propertyCode: 'SHA-BUND',
          department: 'engineering',
          receivedBy: 'e2e',
          openedAt: new Date(),
          idempotencyKey: `e2e:${id}`,
        },
        'e2e',
      );
      if (status === 'closed') await stack.db('service_cases').where({ id }).update({ status: 'closed' });
      return id;
    };
    const openId = await opened('open');
    await opened('closed');

    for (const role of ['ops', 'manager', 'admin'] as const) {
      const res = await getGuest(guestId, keys[role]);
      expect(res.status, role).toBe(200);
      const view = (await res.json()) as {
        mails: Record<string, unknown>[];
        openCases: Record<string, unknown>[];
        inHouse: Record<string, unknown> | null;
      };
      const byId = (id: number) => view.mails.find((m) => m.id === id);
      expect(byId(held.outboxId), role).toMatchObject({
        template: 'birthday-greeting',
        class: 'marketing',
        status: 'pending',
        suppressionReason: null,
      });
      const sendAt = DateTime.fromISO(byId(held.outboxId)!.sendAt as string, { zone });
      expect(sendAt.toFormat('HH:mm')).toBe('09:00');
      expect(byId(skipped.outboxId), role).toMatchObject({
        class: 'marketing',
        status: 'suppressed',
        sendAt: null,
        suppressionReason: 'no_marketing_consent',
      });
      expect(view.openCases, role).toEqual([
        expect.objectContaining({
          id: openId,
          status: 'open',
          source: 'in_stay',
          category: 'facilities',
          slaState: 'on_track',
        }),
      ]);
      expect(view.inHouse, role).toMatchObject({
        pmsStayId: body.data.stay.pmsStayId,
        propertyCode: 'SHA-BUND',
        expectedDeparture: body.data.stay.expectedDeparture,
      });
    }

    const marketer = await getGuest(guestId, keys.marketer);
    expect(marketer.status).toBe(403);
    expect(await marketer.json()).toMatchObject({
      error: { code: 'forbidden', details: { role: 'marketer', allowed: ['ops', 'manager', 'admin'] } },
    });
  });

  it('shows no stay in house once the check-out is in', async () => {
    const body = checkin();
    const accepted = await postEvent(body);
    const guestId = accepted.json.guestId as string;
    await stack
      .db('stay_checkins')
      .where({ pms_stay_id: body.data.stay.pmsStayId })
      .update({ checked_out_at: new Date() });
    const view = (await (await getGuest(guestId, keys.manager)).json()) as { inHouse: unknown };
    expect(view.inHouse).toBeNull();
  });
});
