/**
 * Staff requests end to end over real HTTP: the API, a Temporal dev server, a worker with the real
 * activities and PostgreSQL. Redemptions, adjustments and tier floors go through the guest workflow's
 * Updates (validated synchronously, applied once per Idempotency-Key); a refused request writes nothing.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { createApp } from '../../api/app.js';
import { createActivities } from '../../activities/index.js';
import { listen } from '../../api/server.js';
import type { GuestRow } from '../../db/repositories/guests.js';
import type { LedgerRow } from '../../db/repositories/ledger.js';
import type { StaffRequestRow } from '../../db/repositories/staff-requests.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { countRows, eventually, stayCompletedBody, type Stack } from '../helpers.js';

const SECRET = 'e2e-staff-pms-webhook-secret-0123456789';
const OPS = 'e2e front office (staff)';
const ADMIN = 'e2e loyalty admin';

let api: ApiStack;
let env: TestWorkflowEnvironment;
let stack: Stack;
let baseUrl: string;
let taskQueue: string;
let opsKey: string;
let adminKey: string;
let marketerKey: string;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-staff',
    pmsSecret: SECRET,
    keys: { ops: OPS, admin: ADMIN, marketer: 'e2e marketing (staff)' },
  });
  ({ env, stack, baseUrl, taskQueue } = api);
  opsKey = api.keyFor('ops');
  adminKey = api.keyFor('admin');
  marketerKey = api.keyFor('marketer');
});

afterAll(async () => {
  await api?.close();
});

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

async function staff(
  guestId: string,
  endpoint: 'points/redemptions' | 'points/adjustments' | 'tier-floor',
  body: unknown,
  opts: { key?: string; idempotencyKey?: string | null; url?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${opts.key ?? adminKey}`,
    'content-type': 'application/json',
  };
  if (opts.idempotencyKey !== null) headers['idempotency-key'] = opts.idempotencyKey ?? randomUUID();
  const res = await fetch(`${opts.url ?? baseUrl}/v1/guests/${guestId}/${endpoint}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

interface GuestView {
  guest: Record<string, unknown>;
  workflow: { state: { pointsBalance: number; tier: string; tierFloor: string | null } | null } | null;
  ledger: { points: number; balanceAfter: number; reason: string; staffRequestId: string | null }[];
  tierHistory: { tier: string; source: string }[];
  stageHistory: { to: string }[];
  bookings: unknown[];
}

/** The guest card (Postgres) with the workflow's live state beside it (`GET /v1/guests/:id/workflow`). */
async function getGuest(guestId: string): Promise<GuestView> {
  const headers = { authorization: `Bearer ${opsKey}` };
  const [card, live] = await Promise.all([
    fetch(`${baseUrl}/v1/guests/${guestId}`, { headers }),
    fetch(`${baseUrl}/v1/guests/${guestId}/workflow`, { headers }),
  ]);
  expect([card.status, live.status]).toEqual([200, 200]);
  const { workflow } = (await live.json()) as Pick<GuestView, 'workflow'>;
  return { ...((await card.json()) as Omit<GuestView, 'workflow'>), workflow };
}

/**
 * A guest with one stay of 1280.00 CNY (1802 points by rules version 2: 1280 × 0.140845 × 10 = 1802.8), once the
 * workflow's state knows the balance.
 */
async function guestWithBalance(): Promise<string> {
  const body = stayCompletedBody({ occurredAt: new Date(Date.now() - 3 * 3_600_000).toISOString() });
  const res = await api.postPms(body);
  expect(res.status).toBe(202);
  const { guestId } = (await res.json()) as { guestId: string };
  await eventually(async () =>
    (await getGuest(guestId)).workflow?.state?.pointsBalance === 1802 ? true : undefined,
  );
  return guestId;
}

/** Rows a staff request may write. */
async function counts(guestId: string) {
  return {
    ledger: await countRows(stack.db, 'points_ledger', { guest_id: guestId }),
    requests: await countRows(stack.db, 'staff_requests', { guest_id: guestId }),
    audit: await countRows(stack.db, 'audit_log', { subject: `guest:${guestId}` }),
    tiers: await countRows(stack.db, 'tier_history', { guest_id: guestId }),
  };
}

async function expectNothingWritten(guestId: string, before: Awaited<ReturnType<typeof counts>>) {
  await new Promise((r) => setTimeout(r, 300));
  expect(await counts(guestId)).toEqual(before);
}

describe('POST /v1/guests/:id/points/redemptions', () => {
  it('redeems points (ops): the ledger entry, the request applied and audited with the key name, once per Idempotency-Key', async () => {
    const guestId = await guestWithBalance();
    const key = randomUUID();
    const res = await staff(
      guestId,
      'points/redemptions',
      { points: 1000, note: 'spa voucher 😀' },
      {
        key: opsKey,
        idempotencyKey: key,
      },
    );
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(['balanceAfter', 'ledgerId', 'points', 'requestId']);
    expect(res.json).toMatchObject({ requestId: key, points: -1000, balanceAfter: 802 });
    expect(typeof res.json.ledgerId).toBe('number');
    expect(res.headers.get('idempotency-key')).toBe(key);

    const ledger = await stack.db<LedgerRow>('points_ledger').where({ staff_request_id: key });
    expect(ledger).toMatchObject([
      { id: res.json.ledgerId, points: -1000, balance_after: 802, source: 'redemption' },
    ]);
    expect(await stack.db<StaffRequestRow>('staff_requests').where({ id: key }).first()).toMatchObject({
      guest_id: guestId,
      kind: 'redemption',
      body: { points: 1000, note: 'spa voucher 😀' },
      actor: OPS,
      status: 'applied',
      result: { ledgerId: res.json.ledgerId, points: -1000, balanceAfter: 802 },
    });
    expect(
      await stack.db('audit_log').where({ subject: `guest:${guestId}`, action: 'points.redeemed' }),
    ).toMatchObject([{ actor: OPS, after: { requestId: key, note: 'spa voucher 😀' } }]);

    // The same request again: the same answer from Postgres, nothing new.
    const before = await counts(guestId);
    const again = await staff(
      guestId,
      'points/redemptions',
      { note: 'spa voucher 😀', points: 1000 },
      {
        key: opsKey,
        idempotencyKey: key.toUpperCase(),
      },
    );
    expect(again.status).toBe(200);
    expect(again.json).toEqual(res.json);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await expectNothingWritten(guestId, before);

    // The workflow knows the new balance; its history holds the request id and numbers, never the note.
    await eventually(async () =>
      (await getGuest(guestId)).workflow?.state?.pointsBalance === 802 ? true : undefined,
    );
    const history = await env.client.workflow.getHandle(`guest-${guestId}`).fetchHistory();
    const text = JSON.stringify(history);
    expect(text).not.toContain('spa voucher');
  });

  it('refuses a redemption over the balance (409 insufficient_points) or under the minimum (422), writing nothing', async () => {
    const guestId = await guestWithBalance();
    const before = await counts(guestId);
    const over = await staff(guestId, 'points/redemptions', { points: 20_000 }, { key: opsKey });
    expect(over.status).toBe(409);
    expect(over.json).toMatchObject({ error: { code: 'insufficient_points', details: { field: 'points' } } });
    await expectNothingWritten(guestId, before);

    // The program's minimum redemption is 140 points (rules version 2).
    const small = await staff(guestId, 'points/redemptions', { points: 100 }, { key: opsKey });
    expect(small.status).toBe(422);
    expect(small.json).toMatchObject({ error: { code: 'below_minimum', details: { field: 'points' } } });
    await expectNothingWritten(guestId, before);
    expect((await getGuest(guestId)).workflow?.state?.pointsBalance).toBe(1802);
  });

  it('the ledger itself refuses a redemption below zero, whatever the workflow believed (InsufficientPoints, nothing written)', async () => {
    const guestId = await guestWithBalance();
    const before = await counts(guestId);
    const acts = createActivities(stack.deps);
    const refused = await acts
      .postStaffPoints({
        guestId,
        requestId: randomUUID(),
        kind: 'redemption',
        points: -1803,
        now: new Date().toISOString(),
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect(refused).toMatchObject({
      type: 'InsufficientPoints',
      nonRetryable: true,
      message: 'the balance is 1802 points, 1803 were asked for',
    });
    await expectNothingWritten(guestId, before);
  });

  it('answers a retry without an Idempotency-Key as a new request, and makes a key when none is sent', async () => {
    const guestId = await guestWithBalance();
    const res = await staff(guestId, 'points/redemptions', { points: 1000 }, { idempotencyKey: null });
    expect(res.status).toBe(200);
    const requestId = res.json.requestId as string;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('idempotency-key')).toBe(requestId);
    expect(await stack.db<StaffRequestRow>('staff_requests').where({ id: requestId }).first()).toMatchObject({
      status: 'applied',
      actor: ADMIN,
    });
  });

  it('409 idempotency_key_reused for the same key with another body, and nothing is written', async () => {
    const guestId = await guestWithBalance();
    const key = randomUUID();
    expect(
      (await staff(guestId, 'points/redemptions', { points: 1000 }, { idempotencyKey: key })).status,
    ).toBe(200);
    const before = await counts(guestId);
    const other = await staff(guestId, 'points/redemptions', { points: 2000 }, { idempotencyKey: key });
    expect(other.status).toBe(409);
    expect(other.json).toMatchObject({
      error: { code: 'idempotency_key_reused', details: { header: 'Idempotency-Key' } },
    });
    await expectNothingWritten(guestId, before);
  });

  it('answers 503 without Temporal words when Temporal is unreachable; the retry applies the request once', async () => {
    const guestId = await guestWithBalance();
    const broken = createApp({
      db: stack.db,
      temporal: new Client({ connection: env.connection, namespace: 'no-such-namespace' }),
      taskQueue,
      logger: pino({ level: 'silent' }),
      pms: { webhookSecret: SECRET, toleranceSeconds: 300 },
    });
    const brokenServer = await listen(broken, '127.0.0.1', 0);
    const key = randomUUID();
    try {
      const failed = await staff(
        guestId,
        'points/redemptions',
        { points: 1000 },
        {
          idempotencyKey: key,
          url: `http://127.0.0.1:${(brokenServer.address() as AddressInfo).port}`,
        },
      );
      expect(failed.status).toBe(503);
      expect(failed.json).toMatchObject({
        error: { code: 'workflow_unavailable', details: { requestId: key } },
      });
      expect(JSON.stringify(failed.json)).not.toMatch(/namespace|grpc|temporal/i);
    } finally {
      await new Promise((r) => brokenServer.close(r));
    }
    expect(await countRows(stack.db, 'points_ledger', { staff_request_id: key })).toBe(0);

    const retried = await staff(guestId, 'points/redemptions', { points: 1000 }, { idempotencyKey: key });
    expect(retried.status).toBe(200);
    expect(retried.json).toMatchObject({ requestId: key, points: -1000, balanceAfter: 802 });
    expect(await countRows(stack.db, 'points_ledger', { staff_request_id: key })).toBe(1);
    expect(
      await countRows(stack.db, 'audit_log', { subject: `guest:${guestId}`, action: 'points.redeemed' }),
    ).toBe(1);
  });
});

describe('POST /v1/guests/:id/points/adjustments', () => {
  it('adjusts points (admin only) with a reason; 400 naming reason without one; 403 for ops', async () => {
    const guestId = await guestWithBalance();
    const before = await counts(guestId);
    const noReason = await staff(guestId, 'points/adjustments', { points: 250 });
    expect(noReason.status).toBe(400);
    expect(noReason.json).toMatchObject({
      error: { code: 'validation_failed', details: { field: 'reason' } },
    });
    const zero = await staff(guestId, 'points/adjustments', { points: 0, reason: 'nothing' });
    expect(zero.json).toMatchObject({ error: { code: 'validation_failed', details: { field: 'points' } } });
    const asOps = await staff(
      guestId,
      'points/adjustments',
      { points: 250, reason: 'goodwill' },
      { key: opsKey },
    );
    expect(asOps.status).toBe(403);
    expect(asOps.json).toMatchObject({ error: { code: 'forbidden', details: { role: 'ops' } } });
    const tooMuch = await staff(guestId, 'points/adjustments', { points: -20_000, reason: 'correction' });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.json).toMatchObject({
      error: { code: 'insufficient_points', details: { field: 'points' } },
    });
    await expectNothingWritten(guestId, before);

    const res = await staff(guestId, 'points/adjustments', {
      points: 250,
      reason: 'goodwill after a noisy room',
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({ points: 250, balanceAfter: 2052 });
    expect(
      await stack.db('audit_log').where({ subject: `guest:${guestId}`, action: 'points.adjusted' }),
    ).toMatchObject([{ actor: ADMIN, after: { reason: 'goodwill after a noisy room' } }]);
  });
});

describe('POST /v1/guests/:id/tier-floor', () => {
  it('sets a floor (admin): the tier rises to it, with a tier history row, audited', async () => {
    const guestId = await guestWithBalance();
    const res = await staff(guestId, 'tier-floor', { tier: 'gold', reason: 'owner’s guest' });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({ floor: 'gold', tier: 'gold' });
    expect(await stack.db<GuestRow>('guests').where({ id: guestId }).first()).toMatchObject({
      tier_floor: 'gold',
      tier: 'gold',
    });
    expect(
      await stack.db('audit_log').where({ subject: `guest:${guestId}`, action: 'tier.floor_set' }),
    ).toMatchObject([{ actor: ADMIN, after: { tier: 'gold', reason: 'owner’s guest' } }]);
    const view = await getGuest(guestId);
    expect(view.guest).toMatchObject({ tier: 'gold', tierFloor: 'gold' });
    expect(view.tierHistory).toEqual(
      expect.arrayContaining([expect.objectContaining({ tier: 'gold', source: 'floor' })]),
    );
    expect(view.stageHistory.length).toBeGreaterThan(0);
  });

  it('starts the workflow of a guest that has none (update-with-start)', async () => {
    const [guest] = await stack
      .db<GuestRow>('guests')
      .insert({
        source: 'pms',
        pms_profile_id: `P-staff-${randomUUID().slice(0, 8)}`,
        first_name: 'Nora',
        last_name: 'Quiet',
        email: `nora-${randomUUID().slice(0, 8)}@guest.example`,
        locale: 'en',
        timezone: 'Asia/Shanghai',
        profile_as_of: new Date(),
      })
      .returning('*');
    const res = await staff(guest!.id, 'tier-floor', { tier: 'silver', reason: 'status match' });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({ floor: 'silver', tier: 'silver' });
    const described = await env.client.workflow.getHandle(`guest-${guest!.id}`).describe();
    expect(described.status.name).toBe('RUNNING');
  });

  it('400 for an unknown tier or a missing reason, 403 for ops, 404 for an unknown guest; nothing written', async () => {
    const guestId = await guestWithBalance();
    const before = await counts(guestId);
    const platinum = await staff(guestId, 'tier-floor', { tier: 'platinum', reason: 'x' });
    expect(platinum.json).toMatchObject({ error: { code: 'validation_failed', details: { field: 'tier' } } });
    const noReason = await staff(guestId, 'tier-floor', { tier: 'gold' });
    expect(noReason.json).toMatchObject({
      error: { code: 'validation_failed', details: { field: 'reason' } },
    });
    const blank = await staff(guestId, 'tier-floor', { tier: 'gold', reason: '   ' });
    expect(blank.json).toMatchObject({ error: { code: 'validation_failed', details: { field: 'reason' } } });
    expect((await staff(guestId, 'tier-floor', { tier: 'gold', reason: 'x' }, { key: opsKey })).status).toBe(
      403,
    );
    expect(
      (await staff(guestId, 'tier-floor', { tier: 'gold', reason: 'x' }, { key: marketerKey })).status,
    ).toBe(403);
    await expectNothingWritten(guestId, before);

    const unknown = await staff(randomUUID(), 'tier-floor', { tier: 'gold', reason: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error: { code: 'guest_not_found', details: { field: 'id' } } });
    const badKey = await staff(
      guestId,
      'tier-floor',
      { tier: 'gold', reason: 'x' },
      { idempotencyKey: 'retry-1' },
    );
    expect(badKey.status).toBe(400);
    expect(badKey.json).toMatchObject({ error: { details: { header: 'Idempotency-Key' } } });
    await expectNothingWritten(guestId, before);
  });
});
