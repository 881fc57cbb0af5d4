/**
 * The PMS adapters end to end (docs/pms.md): Apaleo's and Mews's webhooks over real HTTP, the reservations
 * fetched from a fake PMS on loopback (test/fake-pms.ts), mapped, fed to the native intake and worked by the
 * guest's workflow (a worker with the real activities): stays and points, an amended folio, a 404 retried and
 * parked for ops, a Mews delivery of 50 events answered at once, duplicates, refused credentials, and the
 * catch-up sync (twice: the second finds everything known).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryRow } from '../../db/repositories/pms-adapters.js';
import type { StayRow } from '../../db/repositories/stays.js';
import { apaleoClient } from '../../lib/pms/apaleo.js';
import { mewsClient } from '../../lib/pms/mews.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import {
  apaleoReservation,
  FAKE_APALEO_CLIENT,
  FAKE_MEWS_TOKENS,
  putMewsReservation,
  startFakePms,
  type FakePms,
} from '../fake-pms.js';
import { countRows, eventually } from '../helpers.js';
import { pmsSync, parseSyncArgs } from '../../cli/pms-sync.js';
import { syncSummary } from '../../api/pms/adapters/sync.js';
import type { SyncRow } from '../../db/repositories/pms-adapters.js';

const APALEO_TOKEN = 'e2e-apaleo-path-token-0123456789';
const APALEO_BASIC = 'apaleo:e2e-apaleo-basic-password-0123';
const MEWS_TOKEN = 'e2e-mews-path-token-0123456789';
const ATTEMPTS = 3;
interface LedgerRow {
  guest_id: string;
  stay_id: string | null;
  points: number;
  reason: string;
}

const TABLES = ['guests', 'stays', 'bookings', 'points_ledger', 'pms_events', 'pms_deliveries'] as const;

let api: ApiStack;
let fake: FakePms;
let adminKey: string;
let deliveryNo = 0;

beforeAll(async () => {
  fake = await startFakePms();
  const timeoutMs = 5000;
  api = await openApiStack({
    name: 'pms-adapters',
    pmsSecret: 'e2e-pms-adapters-secret-0123456789',
    keys: { admin: 'e2e pms admin', ops: 'e2e pms ops' },
    pmsAdapters: {
      apaleo: { token: APALEO_TOKEN, basicAuth: APALEO_BASIC },
      mews: { token: MEWS_TOKEN },
      clients: {
        apaleo: apaleoClient({
          apiUrl: fake.url,
          identityUrl: fake.url,
          ...FAKE_APALEO_CLIENT,
          timeoutMs,
          pageSize: 7,
        }),
        mews: mewsClient({ apiUrl: fake.url, ...FAKE_MEWS_TOKENS, client: 'e2e', timeoutMs, pageSize: 20 }),
      },
      attempts: ATTEMPTS,
      retryBaseMs: 100,
    },
  });
  adminKey = api.keyFor('admin');
});

afterAll(async () => {
  await api?.close();
  await fake?.close();
});

const counts = async () => {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = await countRows(api.stack.db, t);
  return out;
};

function postApaleo(
  body: unknown,
  { token = APALEO_TOKEN, basic = APALEO_BASIC }: { token?: string; basic?: string | null } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (basic) headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  return fetch(`${api.baseUrl}/v1/pms/apaleo/${token}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
}

/** Apaleo's envelope of a reservation event, with a fresh delivery id unless given. */
const apaleoEvent = (entityId: string, type = 'checked-out', id = `delivery-${++deliveryNo}`) => ({
  topic: 'Reservation',
  type,
  id,
  accountId: 'FAKEACC',
  propertyId: 'FAKE',
  timestamp: Date.now(),
  data: { entityId },
});

const deliveryOf = (reservationId: string) =>
  api.stack
    .db<DeliveryRow>('pms_deliveries')
    .where({ reservation_id: reservationId })
    .orderBy('id', 'desc')
    .first();

const doneDelivery = (reservationId: string) =>
  eventually(async () => {
    const row = await deliveryOf(reservationId);
    return row?.status === 'done' ? row : undefined;
  });

describe('Apaleo', () => {
  it('answers the subscription health check with a 2xx and records nothing', async () => {
    const before = await counts();
    const res = await postApaleo({
      topic: 'System',
      type: 'healthcheck',
      id: 'hc-1',
      accountId: 'FAKEACC',
      timestamp: Date.now(),
    });
    expect(res.status).toBe(200);
    expect(await counts()).toEqual(before);
  });

  it('a checked-out delivery: fetched, fed, a stay row and points', async () => {
    const r = apaleoReservation(1);
    fake.apaleo.set(r.id, r);
    const res = await postApaleo(apaleoEvent(r.id));
    expect(res.status).toBe(202);
    const done = await doneDelivery(r.id);
    expect(done).toMatchObject({
      outcome: 'new',
      event_id: `apaleo:${r.id}:checked-out:1001.00`,
      attempts: 1,
    });
    const stay = await eventually(() => api.stack.db<StayRow>('stays').where({ pms_stay_id: r.id }).first());
    expect(stay).toMatchObject({ source: 'pms', property_code: 'FAKE', nights: 2, currency: 'CNY' });
    expect(Number(stay.room_revenue)).toBe(1001);
    const points = await eventually(async () => {
      const rows = await api.stack.db<LedgerRow>('points_ledger').where({ stay_id: stay.id });
      return rows.length > 0 ? rows : undefined;
    });
    expect(points.reduce((s, p: { points: number }) => s + p.points, 0)).toBeGreaterThan(0);
    expect(fake.fetches(r.id)).toBe(1);
  });

  it('a repeated delivery (same Apaleo id) changes nothing; a new one of the same state is "known"', async () => {
    const r = fake.apaleo.get(apaleoReservation(1).id)!;
    const first = (await deliveryOf(r.id))!;
    const before = await counts();
    const again = await postApaleo(apaleoEvent(r.id, 'checked-out', first.delivery_id!));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect(await counts()).toEqual(before);

    const other = await postApaleo(apaleoEvent(r.id, 'changed'));
    expect(other.status).toBe(202);
    const done = await doneDelivery(r.id);
    expect(done.id).not.toBe(first.id);
    expect(done.outcome).toBe('known');
    const after = await counts();
    expect({ ...after, pms_deliveries: before.pms_deliveries }).toEqual(before);
  });

  it('the folio changes later (revenue up): stay.amended, a correction ledger row with its reason', async () => {
    const r = apaleoReservation(2);
    fake.apaleo.set(r.id, r);
    await postApaleo(apaleoEvent(r.id));
    const stay = await eventually(() => api.stack.db<StayRow>('stays').where({ pms_stay_id: r.id }).first());
    await eventually(async () =>
      (await countRows(api.stack.db, 'points_ledger', { stay_id: stay.id })) > 0 ? true : undefined,
    );
    fake.apaleo.set(r.id, { ...r, totalGrossAmount: { amount: 1502, currency: 'CNY' } });
    await postApaleo(apaleoEvent(r.id, 'changed'));
    const done = await eventually(async () => {
      const row = await deliveryOf(r.id);
      return row?.status === 'done' && row.event_id?.includes(':amended:') ? row : undefined;
    });
    expect(done).toMatchObject({ outcome: 'new', event_id: `apaleo:${r.id}:amended:1502.00` });
    const correction = await eventually(() =>
      api.stack
        .db<LedgerRow>('points_ledger')
        .where({ guest_id: stay.guest_id, reason: 'stay_amended' })
        .first(),
    );
    expect(correction.points).toBeGreaterThan(0);
    const amended = await eventually(async () => {
      const row = await api.stack.db<StayRow>('stays').where({ id: stay.id }).first();
      return Number(row?.room_revenue) === 1502 ? row : undefined;
    });
    expect(amended.pms_stay_id).toBe(r.id);
  });

  it('a reservation cancelled after its stay was recorded: stay.cancelled, its points reversed', async () => {
    const r = apaleoReservation(5);
    fake.apaleo.set(r.id, r);
    await postApaleo(apaleoEvent(r.id));
    const stay = await eventually(() => api.stack.db<StayRow>('stays').where({ pms_stay_id: r.id }).first());
    await eventually(async () =>
      (await countRows(api.stack.db, 'points_ledger', { stay_id: stay.id })) > 0 ? true : undefined,
    );
    fake.apaleo.set(r.id, { ...r, status: 'Canceled', cancellationTime: new Date().toISOString() });
    await postApaleo(apaleoEvent(r.id, 'canceled'));
    const done = await eventually(async () => {
      const row = await deliveryOf(r.id);
      return row?.status === 'done' && row.kind === 'canceled' ? row : undefined;
    });
    expect(done).toMatchObject({ outcome: 'new', event_id: `apaleo:${r.id}:stay-cancelled` });
    const reversal = await eventually(() =>
      api.stack
        .db<LedgerRow>('points_ledger')
        .where({ guest_id: stay.guest_id, reason: 'stay_cancelled' })
        .first(),
    );
    expect(reversal.points).toBeLessThan(0);
  });

  it('a reservation answering 404: retried, then parked with the reason, visible at the admin endpoint', async () => {
    const r = apaleoReservation(3);
    fake.apaleo.set(r.id, r);
    fake.missing.add(r.id);
    expect((await postApaleo(apaleoEvent(r.id))).status).toBe(202);
    const parked = await eventually(async () => {
      const row = await deliveryOf(r.id);
      return row?.status === 'parked' ? row : undefined;
    });
    expect(fake.fetches(r.id)).toBe(ATTEMPTS);
    expect(parked.attempts).toBe(ATTEMPTS);
    expect(parked.parked_reason).toContain('answered 404');
    expect(parked.parked_reason).toContain(`after ${ATTEMPTS} attempts`);
    const listed = await api.request<{
      deliveries: { id: string; parkedReason: string }[];
      counts: { parked: number };
    }>('GET', '/v1/admin/pms/deliveries?status=parked', undefined, { key: adminKey });
    expect(listed.status).toBe(200);
    expect(listed.json.deliveries.map((d) => d.id)).toContain(String(parked.id));
    expect(listed.json.deliveries.find((d) => d.id === String(parked.id))!.parkedReason).toContain('404');
    expect(await countRows(api.stack.db, 'pms_events', { id: `apaleo:${r.id}:checked-out:1003.00` })).toBe(0);

    // Ops re-drive it once the PMS answers: fed.
    fake.missing.delete(r.id);
    const redriven = await api.request<{ status: string }>(
      'POST',
      `/v1/admin/pms/deliveries/${parked.id}/redrive`,
      {},
      { key: adminKey },
    );
    expect(redriven.status).toBe(200);
    expect(redriven.json.status).toBe('pending');
    const done = await doneDelivery(r.id);
    expect(done).toMatchObject({
      id: parked.id,
      outcome: 'new',
      redrive_count: 1,
      redriven_by: 'e2e pms admin',
    });
    expect(
      await countRows(api.stack.db, 'audit_log', {
        action: 'pms.delivery.redrive',
        subject: `pms_delivery:${parked.id}`,
      }),
    ).toBe(1);
  });

  it('refuses a wrong token or basic auth with 401, writing nothing', async () => {
    const r = apaleoReservation(4);
    fake.apaleo.set(r.id, r);
    // Earlier tests' stays may still be landing (points, events): count what a delivery itself would write.
    const deliveries = await countRows(api.stack.db, 'pms_deliveries');
    const wrongToken = await postApaleo(apaleoEvent(r.id), { token: 'not-the-token-0123456789' });
    const noBasic = await postApaleo(apaleoEvent(r.id), { basic: null });
    const wrongBasic = await postApaleo(apaleoEvent(r.id), { basic: 'apaleo:wrong-password-0123456789' });
    const mews = await fetch(`${api.baseUrl}/v1/pms/mews/not-the-token-0123456789`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Events: [{ Discriminator: 'ServiceOrderUpdated', Value: { Id: 'x' } }] }),
    });
    for (const res of [wrongToken, noBasic, wrongBasic, mews]) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('webhook_unauthenticated');
    }
    expect(await countRows(api.stack.db, 'pms_deliveries')).toBe(deliveries);
    const events: { n: number }[] = await api.stack
      .db('pms_events')
      .whereLike('id', `apaleo:${r.id}:%`)
      .count<{ n: number }[]>('* as n');
    expect(Number(events[0]!.n)).toBe(0);
    expect(await countRows(api.stack.db, 'stays', { pms_stay_id: r.id })).toBe(0);
    expect(fake.fetches(r.id)).toBe(0);
  });
});

describe('Mews', () => {
  it('a delivery of 50 events is answered within 5 s; the work completes after the answer', async () => {
    const ids = Array.from(
      { length: 50 },
      (_, i) => putMewsReservation(fake, 100 + i, 'Confirmed', { daysAgo: -20 }).Id,
    );
    const body = {
      EnterpriseId: 'fake-enterprise',
      IntegrationId: 'fake-integration',
      Events: ids.map((Id) => ({ Discriminator: 'ServiceOrderUpdated', Value: { Id } })),
    };
    const started = performance.now();
    const res = await fetch(`${api.baseUrl}/v1/pms/mews/${MEWS_TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answeredMs = performance.now() - started;
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ events: 50, recorded: 50 });
    expect(answeredMs).toBeLessThan(5000);
    console.log(`Mews delivery of 50 events answered in ${answeredMs.toFixed(0)} ms`);

    const done = await eventually(
      async () => {
        const n = await api.stack
          .db('pms_deliveries')
          .where({ adapter: 'mews', status: 'done' })
          .count<{ n: string }[]>({ n: '*' });
        return Number(n[0]!.n) === 50 ? 50 : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(done).toBe(50);
    const events = await api.stack
      .db('pms_events')
      .whereIn(
        'id',
        ids.map((id) => `mews:${id}:confirmed`),
      )
      .count<{ n: string }[]>({ n: '*' });
    expect(Number(events[0]!.n)).toBe(50);
    const bookings = await api.stack
      .db('bookings')
      .whereIn('pms_booking_id', ids)
      .count<{ n: string }[]>({ n: '*' });
    expect(Number(bookings[0]!.n)).toBe(50);
  });

  it('the same delivery again: the states are known, nothing new', async () => {
    const ids = [...fake.mews.reservations.keys()];
    const before = await counts();
    const res = await fetch(`${api.baseUrl}/v1/pms/mews/${MEWS_TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        Events: ids.map((Id) => ({ Discriminator: 'ServiceOrderUpdated', Value: { Id } })),
      }),
    });
    expect(res.status).toBe(202);
    await eventually(async () =>
      (await api.stack.db('pms_deliveries').where({ adapter: 'mews', status: 'pending' }).first())
        ? undefined
        : true,
    );
    const outcomes = await api.stack
      .db('pms_deliveries')
      .where({ adapter: 'mews' })
      .where('id', '>', 0)
      .select('outcome');
    expect(outcomes.filter((o: { outcome: string }) => o.outcome === 'new')).toHaveLength(50);
    const after = await counts();
    expect({ ...after, pms_deliveries: 0 }).toEqual({ ...before, pms_deliveries: 0 });
  });
});

describe('catch-up sync', () => {
  interface SyncAnswer {
    id: string;
    status: string;
    seen: number;
    new: number;
    known: number;
    rejected: number;
    reasons: Record<string, number>;
  }

  it('feeds what is not yet known; a second run finds everything known and changes nothing', async () => {
    // The period's reservations: 20 checked out, 4 booked ahead, 1 no-show, 2 the mapping refuses.
    for (let n = 10; n < 30; n++)
      fake.apaleo.set(apaleoReservation(n).id, apaleoReservation(n, { daysAgo: n }));
    for (let n = 30; n < 34; n++) {
      const r = apaleoReservation(n, { daysAgo: -10, status: 'Confirmed' });
      fake.apaleo.set(r.id, r);
    }
    const noShow = apaleoReservation(34, {
      daysAgo: 5,
      status: 'NoShow',
      noShowTime: new Date().toISOString(),
    });
    fake.apaleo.set(noShow.id, noShow);
    const noMail = apaleoReservation(35, { daysAgo: 6 });
    fake.apaleo.set(noMail.id, { ...noMail, primaryGuest: { lastName: 'Nomail' } });
    const odd = apaleoReservation(36, { daysAgo: 7, status: 'Tentative' });
    fake.apaleo.set(odd.id, odd);
    const since = new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10);
    const until = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);

    // The first run through the admin endpoint, as the console starts it.
    const started = await api.request<SyncAnswer>(
      'POST',
      '/v1/admin/pms/syncs',
      { adapter: 'apaleo', since, until },
      {
        key: adminKey,
      },
    );
    expect(started.status).toBe(202);
    const first = await eventually(async () => {
      const got = await api.request<SyncAnswer>('GET', `/v1/admin/pms/syncs/${started.json.id}`, undefined, {
        key: adminKey,
      });
      return got.json.status === 'running' ? undefined : got.json;
    });
    const firstRow = (await api.stack
      .db('pms_syncs')
      .where({ id: first.id })
      .select('*', api.stack.db.raw('since::text as since'), api.stack.db.raw('until::text as until'))
      .first()) as SyncRow;
    console.log(`First sync:\n${syncSummary(firstRow)}`);
    expect(first.status).toBe('done');
    expect(first.seen).toBe(fake.apaleo.size);
    // The 20 stays, 4 bookings and the no-show are new, those the webhooks fed already known.
    expect(first.new).toBeGreaterThanOrEqual(25);
    expect(first.known).toBeGreaterThanOrEqual(2);
    expect(first.rejected).toBe(2);
    expect(first.reasons).toEqual({ 'primaryGuest has no email': 1, 'status Tentative maps to no event': 1 });
    expect(fake.listCalls).toBeGreaterThanOrEqual(Math.ceil(fake.apaleo.size / 7));
    await eventually(async () => ((await countRows(api.stack.db, 'stays')) >= 21 ? true : undefined));
    // The workflows are still writing what the first run fed: count once nothing has moved for a second.
    const before = await eventually(
      async () => {
        const a = await counts();
        await new Promise((r) => setTimeout(r, 1000));
        const b = await counts();
        return JSON.stringify(a) === JSON.stringify(b) ? b : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const stays = before.stays!;

    // The second run from the CLI's code: everything known, nothing written but its own row.
    const lines: string[] = [];
    const second = await pmsSync(
      parseSyncArgs(['--adapter', 'apaleo', '--since', since, '--until', until]),
      {
        db: api.stack.db,
        temporal: api.env.client,
        taskQueue: api.taskQueue,
        defaults: { timezone: 'UTC', locale: 'en' },
        toleranceSeconds: 300,
        clients: {
          apaleo: apaleoClient({
            apiUrl: fake.url,
            identityUrl: fake.url,
            ...FAKE_APALEO_CLIENT,
            timeoutMs: 5000,
          }),
        },
      },
      { startedBy: 'cli:e2e', stderr: { write: (l: string) => lines.push(l), isTTY: false } },
    );
    console.log(`Second sync:\n${syncSummary(second)}`);
    expect(second).toMatchObject({ status: 'done', new_count: 0, rejected_count: 2 });
    expect(second.known_count).toBe(first.new + first.known);
    expect(await counts()).toEqual(before);
    expect(await countRows(api.stack.db, 'stays')).toBe(stays);
    // The progress bar (cli/progress.ts): a line per tenth off a terminal, with rate and ETA.
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines.at(-1)).toMatch(
      /\[#{24}\] 100% reservations (\d+)\/\1 \(new 0, known \d+, rejected 2\) {2}[\d.]+\/s {2}ETA 0s\n$/,
    );

    const history = await api.request<{ syncs: SyncAnswer[] }>('GET', '/v1/admin/pms/syncs', undefined, {
      key: adminKey,
    });
    expect(history.json.syncs.map((h) => h.id).slice(0, 2)).toEqual([String(second.id), first.id]);
  });

  it('refuses a bad period and an unconfigured adapter, writing nothing', async () => {
    const before = await countRows(api.stack.db, 'pms_syncs');
    const backwards = await api.request<{ error: { details: { field: string } } }>(
      'POST',
      '/v1/admin/pms/syncs',
      { adapter: 'apaleo', since: '2026-10-10', until: '2026-10-01' },
      { key: adminKey },
    );
    expect(backwards.status).toBe(400);
    expect(backwards.json.error.details.field).toBe('until');
    const unknown = await api.request(
      'POST',
      '/v1/admin/pms/syncs',
      { adapter: 'opera', since: '2026-10-01' },
      { key: adminKey },
    );
    expect(unknown.status).toBe(400);
    expect(await countRows(api.stack.db, 'pms_syncs')).toBe(before);
  });
});
