/**
 * End to end over real HTTP: the API, a Temporal dev server, a worker with
 * the real activities, PostgreSQL and an SMTP sink. Signed PMS events go in;
 * rows, workflow state and received mail come out.
 */
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { sign } from '../../api/pms/signature.js';
import { listen } from '../../api/server.js';
import type { GuestRow } from '../../db/repositories/guests.js';
import type { BookingRow } from '../../db/repositories/bookings.js';
import type { PmsEventRow } from '../../db/repositories/pms-events.js';
import { openApiStack, type ApiStack, type PmsPostOptions } from '../api-stack.js';
import {
  bookingCancelledBody,
  bookingCreatedBody,
  memberEnrolledBody,
  profileUpdatedBody,
  type ProfileExtrasInput,
} from '../pms-samples.js';
import { countRows, eventually, stayCompletedBody, type Stack } from '../helpers.js';

const SECRET = 'e2e-pms-webhook-secret-0123456789';
/** A recent check-out: thank-yous are not sent for stays older than a week (program setting). */
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const TABLES = [
  'guests',
  'stays',
  'points_ledger',
  'mail_outbox',
  'pms_events',
  'audit_log',
  'bookings',
] as const;
/** The thank-you of a stay (a prospect's first stay also gets the welcome of the program). */
const isThankYou = (email: string) => (m: { to: string[]; text: string }) =>
  m.to.includes(email) && m.text.includes('points for this stay');

let api: ApiStack;
let env: TestWorkflowEnvironment;
let stack: Stack;
let baseUrl: string;
let taskQueue: string;
let opsKey: string;
let marketerKey: string;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e',
    pmsSecret: SECRET,
    keys: { ops: 'e2e front office', marketer: 'e2e marketing' },
  });
  ({ env, stack, baseUrl, taskQueue } = api);
  opsKey = api.keyFor('ops');
  marketerKey = api.keyFor('marketer');
});

function getGuest(id: string, key: string | null = opsKey): Promise<Response> {
  return fetch(`${baseUrl}/v1/guests/${id}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
}

/** The guest's workflow as Temporal has it now (`GET /v1/guests/:id/workflow`). */
async function liveWorkflow<T = { state: { eventsHandled: number } }>(id: string): Promise<T> {
  const res = await fetch(`${baseUrl}/v1/guests/${id}/workflow`, {
    headers: { authorization: `Bearer ${opsKey}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { workflow: T }).workflow;
}

afterAll(async () => {
  await api?.close();
});

const now = () => Math.floor(Date.now() / 1000);

async function postEvent(
  body: unknown,
  opts: PmsPostOptions = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await api.postPms(body, opts);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Row counts of every table and the workflows started on this test's task queue. */
async function snapshot(tables: readonly string[] = TABLES) {
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const row = (await stack.db(t).count({ n: '*' }).first()) as { n: number | string };
    counts[t] = Number(row.n);
  }
  counts.workflows = (await env.client.workflow.count(`TaskQueue = '${taskQueue}'`)).count;
  return counts;
}

/** The guest's workflow handled (or rejected) every event of the guest, and no mail of it is still pending. */
async function settled(guestId: string) {
  await eventually(async () => {
    const open = await countRows(stack.db, 'pms_events', {
      guest_id: guestId,
      handled_at: null,
      rejected_at: null,
    });
    const pending = await countRows(stack.db, 'mail_outbox', { guest_id: guestId, status: 'pending' });
    return open + pending > 0 ? undefined : true;
  });
}

async function expectNothingChanged(before: Record<string, number>, tables: readonly string[] = TABLES) {
  // Give a wrongly started workflow the time to show in visibility before comparing.
  await new Promise((r) => setTimeout(r, 300));
  expect(await snapshot(tables)).toEqual(before);
}

/**
 * The tables only the API writes (the workflows count comes with them): what a refused request must leave
 * alone while the workflows of earlier tests may still be sending mail.
 */
const API_TABLES = ['guests', 'pms_events', 'audit_log', 'bookings'] as const;

describe('POST /v1/pms/events: a stay from the PMS to the mail', () => {
  it('accepts a signed stay.completed, runs the guest workflow, and serves the guest', async () => {
    const body = stayCompletedBody({ occurredAt: new Date(Date.now() - 3 * 3600_000).toISOString() });
    const res = await postEvent(body);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ eventId: body.id, duplicate: false });
    const guestId = res.json.guestId as string;
    expect(res.json.workflowId).toBe(`guest-${guestId}`);

    const [mail] = await stack.sink.waitFor(isThankYou(body.data.guest.email));
    // 1280.00 CNY × 0.140845 USD/CNY × 10 points per USD = 1802.8 → 1802 (rules version 2).
    expect(mail!.text).toContain('You earned 1802 points for this stay. Your balance is now 1802 points.');

    const guest = await eventually(async () => {
      const r = await getGuest(guestId);
      const g = (await r.json()) as { mails: { template: string; status: string }[] };
      return g.mails.some((m) => m.template === 'stay-thank-you' && m.status === 'sent') ? g : undefined;
    });
    expect(guest).toMatchObject({
      guest: {
        id: guestId,
        pmsProfileId: body.data.guest.pmsProfileId,
        email: body.data.guest.email,
        locale: 'en',
      },
      workflowId: `guest-${guestId}`,
      stays: [{ pmsStayId: body.data.stay.pmsStayId, roomRevenue: '1280.00', currency: 'CNY', nights: 2 }],
      ledger: [{ points: 1802, balanceAfter: 1802, reason: 'stay_base', rulesVersion: 2 }],
    });
    expect(await liveWorkflow(guestId)).toMatchObject({
      workflowId: `guest-${guestId}`,
      status: 'RUNNING',
      state: {
        stage: 'member',
        tier: 'member',
        stays: 1,
        nights: 2,
        pointsBalance: 1802,
        lastStay: { pmsStayId: body.data.stay.pmsStayId },
      },
    });
    expect(guest.mails).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          template: 'stay-thank-you',
          status: 'sent',
          messageId: mail!.messageId,
          to: body.data.guest.email,
        }),
      ]),
    );
    const event = await stack.db<PmsEventRow>('pms_events').where({ id: body.id }).first();
    expect(event).toMatchObject({ guest_id: guestId, workflow_id: `guest-${guestId}` });
    expect(event!.signalled_at).not.toBeNull();
    const audit = await stack.db('audit_log').where({ subject: `guest:${guestId}` });
    expect(audit).toMatchObject([
      {
        actor: `pms:event:${body.id}`,
        action: 'guest.created',
        after: { email: body.data.guest.email, locale: 'en' },
      },
    ]);
  });

  it('refreshes the profile from a newer event, audits the change, and ignores an older one', async () => {
    const first = stayCompletedBody({ occurredAt: '2026-05-01T10:00:00Z' });
    const profile = first.data.guest;
    const guestId = (await postEvent(first)).json.guestId as string;
    const newer = stayCompletedBody({
      occurredAt: '2026-06-01T10:00:00Z',
      guest: { ...profile, email: 'new.address@guest.example', locale: 'zh-CN' },
      stay: { arrival: '2026-05-30', departure: '2026-06-01', nights: 2 },
    });
    const older = stayCompletedBody({
      occurredAt: '2026-04-01T10:00:00Z',
      guest: { ...profile, lastName: 'Byron' },
      stay: { arrival: '2026-03-30', departure: '2026-04-01', nights: 2 },
    });
    expect((await postEvent(newer)).status).toBe(202);
    expect((await postEvent(older)).status).toBe(202);

    const guest = await stack.db<GuestRow>('guests').where({ id: guestId }).first();
    expect(guest).toMatchObject({
      email: 'new.address@guest.example',
      locale: 'zh-CN',
      last_name: 'Lovelace',
    });
    const audit = await stack
      .db('audit_log')
      .where({ subject: `guest:${guestId}` })
      .orderBy('id');
    expect(audit.map((a: { action: string }) => a.action)).toEqual([
      'guest.created',
      'guest.profile_updated',
    ]);
    expect(audit[1]).toMatchObject({
      actor: `pms:event:${newer.id}`,
      before: { email: profile.email, locale: 'en' },
      after: { email: 'new.address@guest.example', locale: 'zh-CN' },
    });
    // All three stays count, whatever order they came in.
    await eventually(async () => {
      return (await liveWorkflow(guestId)).state.eventsHandled === 3 ? true : undefined;
    });
    expect(await stack.db('stays').where({ guest_id: guestId }).count({ n: '*' }).first()).toEqual({ n: 3 });
  });

  it('treats a retry that re-serialises the same event differently as a duplicate, not a conflict', async () => {
    const body = stayCompletedBody({ occurredAt: hoursAgo(6), stay: { roomRevenue: '1280.50' } });
    const first = await postEvent(body);
    expect(first.status).toBe(202);
    // Keys in another order, revenue as a number, whitespace: the same event.
    const { data, ...rest } = body;
    const reshaped = { data: { stay: { ...data.stay, roomRevenue: 1280.5 }, guest: data.guest }, ...rest };
    const again = await postEvent(undefined, { raw: JSON.stringify(reshaped, null, 2) });
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ eventId: body.id, guestId: first.json.guestId, duplicate: true });
  });

  it('does a repeated delivery and the same stay under a new event id once', async () => {
    const body = stayCompletedBody({ occurredAt: hoursAgo(2) });
    const first = await postEvent(body);
    const again = await postEvent(body);
    const renamed = await postEvent({ ...body, id: `${body.id}-b` });
    expect([first.status, again.status, renamed.status]).toEqual([202, 202, 202]);
    expect(again.json).toMatchObject({ eventId: body.id, duplicate: true, guestId: first.json.guestId });
    expect(renamed.json).toMatchObject({ duplicate: false, guestId: first.json.guestId });
    const guestId = first.json.guestId as string;

    await stack.sink.waitFor(isThankYou(body.data.guest.email));
    await eventually(async () => {
      return (await liveWorkflow(guestId)).state.eventsHandled === 2 ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await stack.db('stays').where({ guest_id: guestId }).count({ n: '*' }).first()).toEqual({ n: 1 });
    expect(await stack.db('points_ledger').where({ guest_id: guestId }).count({ n: '*' }).first()).toEqual({
      n: 1,
    });
    expect(
      await stack
        .db('mail_outbox')
        .where({ guest_id: guestId, template: 'stay-thank-you' })
        .count({ n: '*' })
        .first(),
    ).toEqual({ n: 1 });
    expect(await stack.db('pms_events').where({ guest_id: guestId }).count({ n: '*' }).first()).toEqual({
      n: 2,
    });
    const mails = stack.sink.messages().filter(isThankYou(body.data.guest.email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.deliveries).toBe(1);
  });

  it("records a burst of concurrent deliveries of one new guest's event once", async () => {
    const body = stayCompletedBody({ occurredAt: hoursAgo(5) });
    const results = await Promise.all(Array.from({ length: 6 }, () => postEvent(body)));
    expect(results.map((r) => r.status)).toEqual([202, 202, 202, 202, 202, 202]);
    const guestIds = new Set(results.map((r) => r.json.guestId));
    expect(guestIds.size).toBe(1);
    await stack.sink.waitFor(isThankYou(body.data.guest.email));
    await new Promise((r) => setTimeout(r, 500));
    const pmsProfileId = body.data.guest.pmsProfileId;
    expect(
      await stack.db('guests').where({ pms_profile_id: pmsProfileId }).count({ n: '*' }).first(),
    ).toEqual({ n: 1 });
    const guestId = [...guestIds][0] as string;
    for (const table of ['stays', 'points_ledger', 'pms_events']) {
      expect(await stack.db(table).where({ guest_id: guestId }).count({ n: '*' }).first()).toEqual({ n: 1 });
    }
    expect(
      await stack
        .db('mail_outbox')
        .where({ guest_id: guestId, template: 'stay-thank-you' })
        .count({ n: '*' })
        .first(),
    ).toEqual({ n: 1 });
    expect(
      await stack
        .db('audit_log')
        .where({ subject: `guest:${guestId}` })
        .count({ n: '*' })
        .first(),
    ).toEqual({ n: 1 });
    expect(stack.sink.messages().filter(isThankYou(body.data.guest.email))).toHaveLength(1);
  });

  it('answers 503 when Temporal cannot take the signal, keeps the event, and signals it on the retry', async () => {
    // An API whose Temporal namespace does not exist: signalWithStart fails after the event is recorded.
    const logLines: string[] = [];
    const broken = createApp({
      db: stack.db,
      temporal: new Client({ connection: env.connection, namespace: 'no-such-namespace' }),
      taskQueue,
      logger: pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) }),
      pms: { webhookSecret: SECRET, toleranceSeconds: 300 },
    });
    const brokenServer = await listen(broken, '127.0.0.1', 0);
    const body = stayCompletedBody({ occurredAt: hoursAgo(7) });
    try {
      const failed = await postEvent(body, {
        url: `http://127.0.0.1:${(brokenServer.address() as AddressInfo).port}`,
      });
      expect(failed.status).toBe(503);
      expect(failed.json).toMatchObject({
        error: { code: 'workflow_unavailable', details: { eventId: body.id } },
      });
      // The answer says what to do, not what Temporal said; the log has Temporal's error.
      expect(JSON.stringify(failed.json)).not.toMatch(/namespace|grpc|temporal|not found/i);
      const warned = logLines.map(
        (l) => JSON.parse(l) as { msg: string; eventId?: string; err?: { message?: string } },
      );
      const logged = warned.find((l) => l.eventId === body.id);
      expect(logged?.err?.message).toMatch(/no-such-namespace/);
    } finally {
      await new Promise((r) => brokenServer.close(r));
    }
    const recorded = await stack.db<PmsEventRow>('pms_events').where({ id: body.id }).first();
    expect(recorded!.signalled_at).toBeNull();

    const retried = await postEvent(body);
    expect(retried.status).toBe(202);
    expect(retried.json).toMatchObject({ eventId: body.id, guestId: recorded!.guest_id, duplicate: false });
    await stack.sink.waitFor(isThankYou(body.data.guest.email));
    expect(
      (await stack.db<PmsEventRow>('pms_events').where({ id: body.id }).first())!.signalled_at,
    ).not.toBeNull();
  });

  it('rejects an event ID reused with a different body (409) and changes nothing', async () => {
    const body = stayCompletedBody({ occurredAt: hoursAgo(3) });
    const accepted = await postEvent(body);
    expect(accepted.status).toBe(202);
    await stack.sink.waitFor(isThankYou(body.data.guest.email));
    await settled(accepted.json.guestId as string);
    const before = await snapshot();
    const changed = { ...body, data: { ...body.data, guest: { ...body.data.guest, firstName: 'Changed' } } };
    const res = await postEvent(changed);
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ error: { code: 'event_id_reused', details: { field: 'id' } } });
    await expectNothingChanged(before);
    const guest = await stack
      .db<GuestRow>('guests')
      .where({ pms_profile_id: body.data.guest.pmsProfileId })
      .first();
    expect(guest!.first_name).toBe('Ada');
  });
});

describe('POST /v1/pms/events: bad input gets a clear error and changes nothing', () => {
  const fieldCases: {
    name: string;
    mutate: (b: ReturnType<typeof stayCompletedBody>) => unknown;
    field: string;
  }[] = [
    {
      name: 'a missing guest email',
      mutate: (b) => ({ ...b, data: { ...b.data, guest: { ...b.data.guest, email: undefined } } }),
      field: 'data.guest.email',
    },
    {
      name: 'nights as a string',
      mutate: (b) => ({ ...b, data: { ...b.data, stay: { ...b.data.stay, nights: '2' } } }),
      field: 'data.stay.nights',
    },
    {
      name: 'nights that disagree with the dates',
      mutate: (b) => ({ ...b, data: { ...b.data, stay: { ...b.data.stay, nights: 3 } } }),
      field: 'data.stay.nights',
    },
    {
      name: 'a departure before arrival',
      mutate: (b) => ({ ...b, data: { ...b.data, stay: { ...b.data.stay, departure: '2026-03-09' } } }),
      field: 'data.stay.departure',
    },
    {
      name: 'revenue with three decimals',
      mutate: (b) => ({ ...b, data: { ...b.data, stay: { ...b.data.stay, roomRevenue: 10.005 } } }),
      field: 'data.stay.roomRevenue',
    },
    {
      name: 'revenue above the per-stay maximum',
      mutate: (b) => ({ ...b, data: { ...b.data, stay: { ...b.data.stay, roomRevenue: '300000000' } } }),
      field: 'data.stay.roomRevenue',
    },
    {
      name: 'a check-out in the future',
      mutate: (b) => ({ ...b, occurredAt: new Date(Date.now() + 86_400_000).toISOString() }),
      field: 'occurredAt',
    },
    {
      name: 'an unknown time zone',
      mutate: (b) => ({ ...b, data: { ...b.data, guest: { ...b.data.guest, timezone: 'Mars/Olympus' } } }),
      field: 'data.guest.timezone',
    },
    {
      name: 'a lower-case currency',
      mutate: (b) => ({ ...b, data: { ...b.data, stay: { ...b.data.stay, currency: 'cny' } } }),
      field: 'data.stay.currency',
    },
    {
      name: 'an occurredAt that is not an instant',
      mutate: (b) => ({ ...b, occurredAt: 'yesterday' }),
      field: 'occurredAt',
    },
    { name: 'a missing event id', mutate: (b) => ({ ...b, id: undefined }), field: 'id' },
    { name: 'a missing type', mutate: (b) => ({ ...b, type: undefined }), field: 'type' },
  ];

  for (const c of fieldCases) {
    it(`400 for ${c.name}, naming ${c.field}`, async () => {
      const before = await snapshot();
      const res = await postEvent(c.mutate(stayCompletedBody()));
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: { code: 'validation_failed', details: { field: c.field } } });
      expect((res.json.error as { message: string }).message).toContain(c.field);
      await expectNothingChanged(before);
    });
  }

  it('400 for malformed JSON', async () => {
    const before = await snapshot();
    const res = await postEvent(undefined, { raw: '{"id": "evt-1", "type": ' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'malformed_json', details: { field: '(body)' } } });
    await expectNothingChanged(before);
  });

  it('401 for a missing, malformed, wrong or expired signature', async () => {
    const before = await snapshot();
    const body = stayCompletedBody();
    const raw = JSON.stringify(body);
    const cases: [Parameters<typeof postEvent>[1], string][] = [
      [{ signature: null }, 'signature_missing'],
      [{ signature: 'sha256=abc' }, 'signature_malformed'],
      [{ secret: 'another-secret-0123456789abcdef' }, 'signature_mismatch'],
      [{ signature: sign(SECRET, `${raw} `, now()) }, 'signature_mismatch'],
      // A minute beyond the 300 s tolerance: the cases are built before they are sent, and a loaded machine must
      // not bring `+301` back inside it by the time the server reads it (which happened: the event was accepted).
      [{ timestamp: now() - 360 }, 'signature_expired'],
      [{ timestamp: now() + 360 }, 'signature_expired'],
    ];
    for (const [opts, code] of cases) {
      const res = await postEvent(body, opts);
      expect({ status: res.status, code: (res.json.error as { code: string }).code }).toEqual({
        status: 401,
        code,
      });
    }
    await expectNothingChanged(before);
  });

  it('422 for an event type it does not handle', async () => {
    const before = await snapshot();
    const res = await postEvent({ ...stayCompletedBody(), type: 'reservation.cancelled' });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({
      error: {
        code: 'unsupported_event_type',
        details: {
          field: 'type',
          supported: [
            'stay.completed',
            'stay.amended',
            'stay.cancelled',
            'stay.started',
            'booking.created',
            'booking.cancelled',
            'profile.updated',
            'member.enrolled',
          ],
        },
      },
    });
    await expectNothingChanged(before);
  });

  it('413 for a body over 256 kB', async () => {
    const before = await snapshot();
    const body = stayCompletedBody();
    const res = await postEvent({ ...body, padding: 'x'.repeat(260 * 1024) });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ error: { code: 'payload_too_large' } });
    await expectNothingChanged(before);
  });
});

/** The message the API signalled for an event, as kept in pms_events.message for the sweeper. */
async function storedMessage(eventId: string): Promise<Record<string, unknown>> {
  const row = await stack.db<PmsEventRow>('pms_events').where({ id: eventId }).first();
  expect(row, `event ${eventId} recorded`).toBeDefined();
  return row!.message as Record<string, unknown>;
}

/** No name, address, phone or birthday in what travels through Temporal. */
function expectNoPersonalData(message: unknown, values: (string | null | undefined)[]) {
  const json = JSON.stringify(message);
  for (const v of values) if (v) expect(json, `the message quotes ${v}`).not.toContain(v);
}

const personalDataOf = (g: { firstName: string; lastName: string; email: string }) => [
  g.email,
  g.firstName,
  g.lastName,
];

async function guestRow(pmsProfileId: string): Promise<GuestRow> {
  const row = await stack
    .db<GuestRow>('guests')
    .where({ source: 'pms', pms_profile_id: pmsProfileId })
    .first();
  expect(row, `guest ${pmsProfileId}`).toBeDefined();
  return row!;
}

async function handled(eventId: string) {
  return eventually(async () => {
    const row = await stack.db<PmsEventRow>('pms_events').where({ id: eventId }).first();
    return row?.handled_at ? row : undefined;
  });
}

async function expectRefused(
  body: unknown,
  expected: { status: number; code: string; field: string },
): Promise<void> {
  const before = await snapshot(API_TABLES);
  const res = await postEvent(body);
  expect({ status: res.status, json: res.json }).toMatchObject({
    status: expected.status,
    json: { error: { code: expected.code, details: { field: expected.field } } },
  });
  await expectNothingChanged(before, API_TABLES);
}

describe('POST /v1/pms/events: booking.created and booking.cancelled', () => {
  it('records a booking of a new guest (a prospect), signals ids and facts only, and does a repeat once', async () => {
    const body = bookingCreatedBody({ occurredAt: hoursAgo(1) });
    const res = await postEvent(body);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ eventId: body.id, duplicate: false });
    const guestId = res.json.guestId as string;

    const guest = await guestRow(body.data.guest.pmsProfileId);
    expect(guest).toMatchObject({
      id: guestId,
      stage: 'prospect',
      member_number: null,
      email: body.data.guest.email,
    });
    const booking = body.data.booking;
    expect(await stack.db<BookingRow>('bookings').where({ pms_booking_id: booking.bookingId })).toMatchObject(
      [
        {
          guest_id: guestId,
          source: 'pms',
          property_code: 'SHA-BUND',
          arrival: '2026-06-10',
          departure: '2026-06-13',
          offer_code: 'SPRING26',
          status: 'created',
          cancelled_at: null,
        },
      ],
    );
    const message = await storedMessage(body.id);
    expect(message).toEqual({
      type: 'booking.created',
      eventId: body.id,
      source: 'pms',
      occurredAt: new Date(body.occurredAt).toISOString(),
      booking: {
        bookingId: booking.bookingId,
        propertyCode: 'SHA-BUND',
        arrival: '2026-06-10',
        departure: '2026-06-13',
        offerCode: 'SPRING26',
      },
    });
    expectNoPersonalData(message, personalDataOf(body.data.guest));
    expect(await stack.db('audit_log').where({ subject: `guest:${guestId}` })).toMatchObject([
      { action: 'guest.created', actor: `pms:event:${body.id}` },
    ]);
    // The guest's workflow took it.
    await handled(body.id);

    const again = await postEvent(body);
    expect(again).toMatchObject({ status: 202, json: { eventId: body.id, guestId, duplicate: true } });
    const renamed = await postEvent({ ...body, id: `${body.id}-b` });
    expect(renamed).toMatchObject({ status: 202, json: { guestId, duplicate: false } });
    expect(await countRows(stack.db, 'bookings', { pms_booking_id: booking.bookingId })).toBe(1);
    expect(await countRows(stack.db, 'guests', { pms_profile_id: body.data.guest.pmsProfileId })).toBe(1);
  });

  it('cancels a booking; a cancellation that comes first is kept when the booking arrives late', async () => {
    const created = bookingCreatedBody({ occurredAt: hoursAgo(3) });
    const guest = created.data.guest;
    const guestId = (await postEvent(created)).json.guestId as string;
    const cancelled = bookingCancelledBody({
      occurredAt: hoursAgo(2),
      guest,
      booking: { bookingId: created.data.booking.bookingId },
    });
    expect((await postEvent(cancelled)).json).toMatchObject({ guestId, duplicate: false });
    expect(
      await stack
        .db<BookingRow>('bookings')
        .where({ pms_booking_id: created.data.booking.bookingId })
        .first(),
    ).toMatchObject({ status: 'cancelled', cancelled_at: new Date(cancelled.occurredAt) });
    const message = await storedMessage(cancelled.id);
    expect(message).toEqual({
      type: 'booking.cancelled',
      eventId: cancelled.id,
      source: 'pms',
      occurredAt: new Date(cancelled.occurredAt).toISOString(),
      booking: { bookingId: created.data.booking.bookingId },
    });
    expectNoPersonalData(message, personalDataOf(guest));
    await handled(cancelled.id);

    // Unordered delivery: the cancellation (with the booking's facts) before the booking.
    const early = bookingCancelledBody({
      occurredAt: hoursAgo(1),
      guest,
      booking: { propertyCode: 'PEK-WFJ', arrival: '2026-07-01', departure: '2026-07-03' },
    });
    expect((await postEvent(early)).status).toBe(202);
    const late = bookingCreatedBody({
      occurredAt: hoursAgo(4),
      guest,
      booking: { bookingId: early.data.booking.bookingId, propertyCode: 'PEK-WFJ' },
    });
    expect((await postEvent(late)).status).toBe(202);
    expect(
      await stack.db<BookingRow>('bookings').where({ pms_booking_id: early.data.booking.bookingId }),
    ).toMatchObject([{ guest_id: guestId, status: 'cancelled', property_code: 'PEK-WFJ' }]);

    // A cancellation of a booking never seen, without its facts: the event is recorded, no booking is.
    const bare = bookingCancelledBody({ occurredAt: hoursAgo(1), guest });
    expect((await postEvent(bare)).status).toBe(202);
    expect(await countRows(stack.db, 'bookings', { pms_booking_id: bare.data.booking.bookingId })).toBe(0);
    expect(await storedMessage(bare.id)).toMatchObject({
      booking: { bookingId: bare.data.booking.bookingId },
    });
  });

  it("422 for another guest's booking, and nothing is written", async () => {
    const mine = bookingCreatedBody({ occurredAt: hoursAgo(2) });
    expect((await postEvent(mine)).status).toBe(202);
    const bookingId = mine.data.booking.bookingId;
    const expected = { status: 422, code: 'booking_owned_by_another_guest', field: 'data.booking.bookingId' };
    await expectRefused(bookingCreatedBody({ occurredAt: hoursAgo(1), booking: { bookingId } }), expected);
    await expectRefused(bookingCancelledBody({ occurredAt: hoursAgo(1), booking: { bookingId } }), expected);
  });

  const bad: { name: string; body: () => unknown; field: string }[] = [
    {
      name: 'a departure before arrival',
      body: () => bookingCreatedBody({ booking: { arrival: '2026-06-10', departure: '2026-06-09' } }),
      field: 'data.booking.departure',
    },
    {
      name: 'a booking over 366 nights',
      body: () => bookingCreatedBody({ booking: { arrival: '2026-06-10', departure: '2027-06-12' } }),
      field: 'data.booking.departure',
    },
    {
      name: 'a booking without arrival',
      body: () => bookingCreatedBody({ booking: { arrival: undefined } }),
      field: 'data.booking.arrival',
    },
    {
      name: 'an offer code with a line break',
      body: () => bookingCreatedBody({ booking: { offerCode: 'WB-\nX' } }),
      field: 'data.booking.offerCode',
    },
    {
      name: 'a cancellation without bookingId',
      body: () => bookingCancelledBody({ booking: { bookingId: undefined } }),
      field: 'data.booking.bookingId',
    },
    {
      name: 'a booking without its guest',
      body: () => ({ ...bookingCreatedBody(), data: { booking: bookingCreatedBody().data.booking } }),
      field: 'data.guest',
    },
    {
      name: 'a booking made in the future',
      body: () => bookingCreatedBody({ occurredAt: new Date(Date.now() + 3_600_000).toISOString() }),
      field: 'occurredAt',
    },
  ];
  for (const c of bad) {
    it(`400 for ${c.name}, naming ${c.field}`, async () => {
      await expectRefused(c.body(), { status: 400, code: 'validation_failed', field: c.field });
    });
  }
});

describe('POST /v1/pms/events: profile.updated', () => {
  it('records phone, birthday and consent from a newer event, audits them, and signals only which fields changed', async () => {
    const first = bookingCreatedBody({ occurredAt: hoursAgo(5) });
    const guestId = (await postEvent(first)).json.guestId as string;
    const before = await guestRow(first.data.guest.pmsProfileId);
    expect(before).toMatchObject({ phone: null, birthday: null, marketing_consent: false });

    const update = profileUpdatedBody({
      occurredAt: hoursAgo(4),
      guest: { ...first.data.guest, email: 'grace.new@guest.example', locale: 'zh-CN' },
      extras: { phone: '+86 21 6321 0000', birthday: '1985-07-09', marketingConsent: true },
    });
    const res = await postEvent(update);
    expect(res).toMatchObject({ status: 202, json: { guestId, duplicate: false } });
    expect(await guestRow(first.data.guest.pmsProfileId)).toMatchObject({
      email: 'grace.new@guest.example',
      locale: 'zh-CN',
      phone: '+86 21 6321 0000',
      birthday: '1985-07-09',
      marketing_consent: true,
    });
    const audit = await stack
      .db('audit_log')
      .where({ subject: `guest:${guestId}`, action: 'guest.profile_updated' })
      .orderBy('id');
    expect(audit).toMatchObject([
      {
        actor: `pms:event:${update.id}`,
        before: {
          email: first.data.guest.email,
          locale: 'en',
          phone: null,
          birthday: null,
          marketing_consent: false,
        },
        after: {
          email: 'grace.new@guest.example',
          locale: 'zh-CN',
          phone: '+86 21 6321 0000',
          birthday: '1985-07-09',
          marketing_consent: true,
        },
      },
    ]);
    const message = await storedMessage(update.id);
    expect({ ...message, changed: [...(message.changed as string[])].sort() }).toEqual({
      type: 'profile.updated',
      eventId: update.id,
      source: 'pms',
      occurredAt: new Date(update.occurredAt).toISOString(),
      changed: ['birthday', 'email', 'locale', 'marketingConsent', 'phone'],
      marketingConsent: true,
      timezone: first.data.guest.timezone,
      locale: 'zh-CN',
      birthdayKnown: true,
    });
    expectNoPersonalData(message, [
      ...personalDataOf(first.data.guest),
      'grace.new@guest.example',
      '+86 21 6321 0000',
      '6321',
      '1985-07-09',
    ]);
    await handled(update.id);

    // An older update changes nothing, and says so.
    const older = profileUpdatedBody({
      occurredAt: hoursAgo(4.5),
      guest: first.data.guest,
      extras: { phone: '+1 212 555 0100', marketingConsent: false },
    });
    expect((await postEvent(older)).status).toBe(202);
    expect(await guestRow(first.data.guest.pmsProfileId)).toMatchObject({
      phone: '+86 21 6321 0000',
      marketing_consent: true,
      email: 'grace.new@guest.example',
    });
    expect(await storedMessage(older.id)).toMatchObject({ changed: [], marketingConsent: true });

    // null clears a phone; a birthday the event does not carry is kept.
    const cleared = profileUpdatedBody({
      occurredAt: hoursAgo(3),
      guest: { ...first.data.guest, email: 'grace.new@guest.example', locale: 'zh-CN' },
      extras: { phone: null },
    });
    expect((await postEvent(cleared)).status).toBe(202);
    expect(await guestRow(first.data.guest.pmsProfileId)).toMatchObject({
      phone: null,
      birthday: '1985-07-09',
      marketing_consent: true,
    });
    expect(await storedMessage(cleared.id)).toMatchObject({ changed: ['phone'], birthdayKnown: true });

    // The repeat of an update is a duplicate; the guest is unchanged.
    expect(await postEvent(update)).toMatchObject({ status: 202, json: { duplicate: true } });
    expect((await guestRow(first.data.guest.pmsProfileId)).phone).toBeNull();
  });

  it('creates a guest first known by a profile update, with its extras', async () => {
    const body = profileUpdatedBody({ occurredAt: hoursAgo(2) });
    const res = await postEvent(body);
    expect(res.status).toBe(202);
    expect(await guestRow(body.data.guest.pmsProfileId)).toMatchObject({
      id: res.json.guestId,
      stage: 'prospect',
      phone: '+1 212 555 0199',
      birthday: '1985-07-09',
      marketing_consent: true,
    });
    const message = await storedMessage(body.id);
    expect(message).toMatchObject({ marketingConsent: true, birthdayKnown: true });
    expect(message.changed).toEqual(
      expect.arrayContaining(['email', 'phone', 'birthday', 'marketingConsent']),
    );
    expectNoPersonalData(message, [...personalDataOf(body.data.guest), '+1 212 555 0199', '1985-07-09']);
  });

  const extrasCases: { name: string; extras: unknown; field: string }[] = [
    { name: 'a birthday in the future', extras: { birthday: '2099-01-01' }, field: 'data.guest.birthday' },
    { name: 'a birthday before 1900', extras: { birthday: '1899-12-31' }, field: 'data.guest.birthday' },
    { name: 'a birthday that is no date', extras: { birthday: '2001-02-29' }, field: 'data.guest.birthday' },
    { name: 'a phone with letters', extras: { phone: 'call me' }, field: 'data.guest.phone' },
    { name: 'a phone with three digits', extras: { phone: '+1 2-3' }, field: 'data.guest.phone' },
    {
      name: 'consent as a string',
      extras: { marketingConsent: 'yes' },
      field: 'data.guest.marketingConsent',
    },
  ];
  for (const c of extrasCases) {
    it(`400 for ${c.name}, naming ${c.field}`, async () => {
      const body = profileUpdatedBody({ occurredAt: hoursAgo(1), extras: c.extras as ProfileExtrasInput });
      await expectRefused(body, { status: 400, code: 'validation_failed', field: c.field });
    });
  }
});

describe('POST /v1/pms/events: member.enrolled', () => {
  it('gives a new member a number, stable on a repeat and on a second enrolment', async () => {
    const body = memberEnrolledBody({ occurredAt: hoursAgo(3) });
    const res = await postEvent(body);
    expect(res).toMatchObject({ status: 202, json: { eventId: body.id, duplicate: false } });
    const memberNumber = res.json.memberNumber as string;
    expect(memberNumber).toMatch(/^M[1-9]\d{8}$/);
    const guestId = res.json.guestId as string;
    expect(await guestRow(body.data.guest.pmsProfileId)).toMatchObject({
      id: guestId,
      member_number: memberNumber,
      enrolled_at: new Date(body.occurredAt),
      enrolment_channel: 'front_desk',
      referred_by_guest_id: null,
    });
    expect(
      await stack.db('audit_log').where({ subject: `guest:${guestId}`, action: 'guest.enrolled' }),
    ).toMatchObject([
      {
        actor: `pms:event:${body.id}`,
        before: { member_number: null },
        after: { member_number: memberNumber, enrolment_channel: 'front_desk' },
      },
    ]);
    const message = await storedMessage(body.id);
    expect(message).toEqual({
      type: 'member.enrolled',
      eventId: body.id,
      source: 'pms',
      occurredAt: new Date(body.occurredAt).toISOString(),
      channel: 'front_desk',
    });
    expectNoPersonalData(message, [...personalDataOf(body.data.guest), memberNumber]);
    await handled(body.id);

    expect(await postEvent(body)).toMatchObject({ status: 202, json: { duplicate: true, memberNumber } });
    const second = memberEnrolledBody({
      occurredAt: hoursAgo(1),
      guest: body.data.guest,
      enrolment: { channel: 'online' },
    });
    expect(await postEvent(second)).toMatchObject({ status: 202, json: { duplicate: false, memberNumber } });
    expect(await guestRow(body.data.guest.pmsProfileId)).toMatchObject({
      member_number: memberNumber,
      enrolled_at: new Date(body.occurredAt),
      enrolment_channel: 'front_desk',
    });
    expect(
      await countRows(stack.db, 'audit_log', { subject: `guest:${guestId}`, action: 'guest.enrolled' }),
    ).toBe(1);
  });

  it('records the referrer named by member number, and signals its guest id', async () => {
    const referrer = await postEvent(memberEnrolledBody({ occurredAt: hoursAgo(2) }));
    const number = referrer.json.memberNumber as string;
    const body = memberEnrolledBody({
      occurredAt: hoursAgo(1),
      enrolment: { channel: 'online', referredBy: ` ${number.toLowerCase()} ` },
    });
    const res = await postEvent(body);
    expect(res.status).toBe(202);
    expect(await guestRow(body.data.guest.pmsProfileId)).toMatchObject({
      referred_by_guest_id: referrer.json.guestId,
      enrolment_channel: 'online',
    });
    const message = await storedMessage(body.id);
    expect(message).toMatchObject({ channel: 'online', referredByGuestId: referrer.json.guestId });
    expectNoPersonalData(message, [...personalDataOf(body.data.guest), number]);
  });

  it('422 for a referrer no member has, or the guest itself; nothing is written', async () => {
    // Member numbers never start with M0.
    await expectRefused(
      memberEnrolledBody({ occurredAt: hoursAgo(1), enrolment: { referredBy: 'M012345678' } }),
      { status: 422, code: 'unknown_member', field: 'data.enrolment.referredBy' },
    );
    const own = memberEnrolledBody({ occurredAt: hoursAgo(2) });
    const enrolled = await postEvent(own);
    const number = enrolled.json.memberNumber as string;
    // Its workflow has run (and so shows in visibility) before the count the refusal is compared with.
    await settled(enrolled.json.guestId as string);
    await expectRefused(
      memberEnrolledBody({
        occurredAt: hoursAgo(1),
        guest: own.data.guest,
        enrolment: { referredBy: number },
      }),
      { status: 422, code: 'self_referral', field: 'data.enrolment.referredBy' },
    );
  });

  const cases: { name: string; body: () => unknown; field: string }[] = [
    {
      name: 'a referrer that is no member number',
      body: () => memberEnrolledBody({ enrolment: { referredBy: 'X12' } }),
      field: 'data.enrolment.referredBy',
    },
    {
      name: 'an unknown channel',
      body: () => memberEnrolledBody({ enrolment: { channel: 'phone' } }),
      field: 'data.enrolment.channel',
    },
    {
      name: 'a missing enrolment',
      body: () => ({ ...memberEnrolledBody(), data: { guest: memberEnrolledBody().data.guest } }),
      field: 'data.enrolment',
    },
  ];
  for (const c of cases) {
    it(`400 for ${c.name}, naming ${c.field}`, async () => {
      await expectRefused(c.body(), { status: 400, code: 'validation_failed', field: c.field });
    });
  }
});

describe('GET /v1/guests/:id', () => {
  it('401 without a key or with an unknown one, 403 for a role other than ops, manager or admin', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const none = await getGuest(id, null);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({
      error: { code: 'unauthenticated', details: { header: 'Authorization' } },
    });
    expect((await getGuest(id, 'gle_not-a-real-key')).status).toBe(401);
    const marketer = await getGuest(id, marketerKey);
    expect(marketer.status).toBe(403);
    expect(await marketer.json()).toMatchObject({
      error: { code: 'forbidden', details: { role: 'marketer' } },
    });
  });

  it('404 for an unknown guest, 400 for an id that is not a UUID', async () => {
    const unknown = await getGuest('00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      error: { code: 'guest_not_found', details: { field: 'id' } },
    });
    const bad = await getGuest('not-a-uuid');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'validation_failed', details: { field: 'id' } },
    });
  });
});
