/**
 * A stay in a currency without a rate (BRL: no rules version lists it) end to end over HTTP: it earns 0 and is
 * flagged; the guest page lists it as waiting for a rate and the gauge `guest_engine_stays_awaiting_rate` counts
 * it; an admin publishes a rules version with the rate (`POST /v1/program/rules`) and re-earns the waiting stays
 * (`POST /v1/admin/stays/re-earn`): the points are booked once (a ledger row with its reason, version and key), the
 * guest's workflow learns the balance (a redemption against it is answered) and, the points counting toward the
 * year's base points, upgrades the guest to Silver; the page and the gauge are clear, and a second call changes
 * nothing. Bad input to either endpoint is a 400 naming the field and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lifecycle from '../../db/repositories/lifecycle.js';
import { RULES_V2 } from '../../domain/default-rules.js';
import { countTables, openApiStack, type ApiStack } from '../api-stack.js';
import { eventually, stayCompletedBody } from '../helpers.js';

const SECRET = 'e2e-re-earn-pms-webhook-secret-0123456789';
const ADMIN = 'e2e loyalty admin (re-earn)';
const OPS = 'e2e front office (re-earn)';

let api: ApiStack;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-re-earn',
    pmsSecret: SECRET,
    keys: { admin: ADMIN, ops: OPS },
    metrics: {},
  });
});

afterAll(async () => {
  await api?.close();
});

interface GuestPage {
  workflow: { state: { stays: number; pointsBalance: number; tier: string } | null } | null;
  guest: { tier: string };
  tierHistory: { tier: string; previousTier: string; source: string; reason: string; rulesVersion: number }[];
  stays: { id: string; currency: string; earnFlag: string | null; rulesVersion: number | null }[];
  staysAwaitingRate: {
    stayId: string;
    currency: string;
    roomRevenue: string;
    earnFlag: string;
    rulesVersion: number | null;
  }[];
  ledger: { points: number; reason: string; source: string; rulesVersion: number | null; stayId: string }[];
}

interface ReEarnAnswer {
  reEarned: {
    stayId: string;
    guestId: string;
    ledgerId: number;
    points: number;
    rulesVersion: number;
    idempotencyKey: string;
    signalled: boolean;
  }[];
  stillWaiting: { stayId: string; currency: string }[];
}

/** The guest card (Postgres) with the workflow's live state beside it (`GET /v1/guests/:id/workflow`). */
const page = async (guestId: string): Promise<GuestPage> => {
  const key = { key: api.keyFor('ops') };
  const [card, live] = await Promise.all([
    api.request<Omit<GuestPage, 'workflow'>>('GET', `/v1/guests/${guestId}`, undefined, key),
    api.request<Pick<GuestPage, 'workflow'>>('GET', `/v1/guests/${guestId}/workflow`, undefined, key),
  ]);
  return { ...card.json, workflow: live.json.workflow };
};

async function awaitingRateGauge(): Promise<number> {
  const text = await (await fetch(api.metricsUrl!)).text();
  const line = text.split('\n').find((l) => l.startsWith('guest_engine_stays_awaiting_rate '));
  return Number(line!.split(' ')[1]);
}

/** Everything the two endpoints may write. */
const written = () =>
  countTables(api.stack.db, ['program_rules', 'points_ledger', 'audit_log', 'staff_requests']).then(
    async (counts) => ({
      ...counts,
      flagged: Number(
        (
          (await api.stack.db('stays').whereNotNull('earn_flag').count({ n: '*' }).first()) as {
            n: string | number;
          }
        ).n,
      ),
    }),
  );

const today = () => new Date().toISOString().slice(0, 10);
const DAY = 86_400_000;

/** A two-night stay checked out a minute ago, 15,000 Brazilian reais. */
async function brlStay(): Promise<{ guestId: string; stayId: string }> {
  const out = Date.now() - 60_000;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const body = stayCompletedBody({
    occurredAt: new Date(out).toISOString(),
    stay: {
      arrival: day(out - 2 * DAY),
      departure: day(out),
      nights: 2,
      roomRevenue: '15000.00',
      currency: 'BRL',
    },
  });
  const res = await api.postPms(body);
  expect(res.status).toBe(202);
  const { guestId } = (await res.json()) as { guestId: string };
  const seen = await eventually(async () => {
    const p = await page(guestId);
    return p.workflow?.state?.stays === 1 && p.stays.length === 1 ? p : undefined;
  });
  return { guestId, stayId: seen.stays[0]!.id };
}

const withBrl = { ...RULES_V2, currencyRates: { ...RULES_V2.currencyRates, BRL: 0.18 } };

let guestId = '';
let stayId = '';

describe('a stay in a currency without a rate', () => {
  it('earns 0, is flagged, shows on the guest page as waiting for a rate, and the gauge counts it', async () => {
    ({ guestId, stayId } = await brlStay());
    const p = await page(guestId);
    expect(p.ledger).toMatchObject([{ points: 0, reason: 'stay_base', rulesVersion: 2, stayId }]);
    expect(p.stays).toMatchObject([{ id: stayId, currency: 'BRL', earnFlag: 'no_rate_for_currency' }]);
    expect(p.staysAwaitingRate).toEqual([
      expect.objectContaining({
        stayId,
        currency: 'BRL',
        roomRevenue: '15000.00',
        earnFlag: 'no_rate_for_currency',
        rulesVersion: 2,
      }),
    ]);
    expect(p.workflow?.state?.pointsBalance).toBe(0);
    expect(await awaitingRateGauge()).toBe(1);

    // No version has the rate yet: the re-earn leaves it waiting and writes nothing.
    const before = await written();
    const early = await api.request<ReEarnAnswer>(
      'POST',
      '/v1/admin/stays/re-earn',
      {},
      {
        key: api.keyFor('admin'),
      },
    );
    expect(early.status).toBe(200);
    expect(early.json).toEqual({
      reEarned: [],
      stillWaiting: [expect.objectContaining({ stayId, currency: 'BRL' })],
    });
    expect(await written()).toEqual(before);
  });

  it('bad input to the rules and re-earn endpoints: 400 naming the field (422 for a day too early), nothing written', async () => {
    const admin = { key: api.keyFor('admin') };
    const before = await written();
    const rules = (body: unknown) =>
      api.request<{ error: { code: string; details: { field?: string } } }>(
        'POST',
        '/v1/program/rules',
        body,
        admin,
      );
    const cases: [unknown, number, string, string][] = [
      [{ rules: withBrl }, 400, 'validation_failed', 'effectiveFrom'],
      [{ effectiveFrom: '2099-02-30', rules: withBrl }, 400, 'validation_failed', 'effectiveFrom'],
      [{ effectiveFrom: today() }, 400, 'validation_failed', 'rules'],
      [
        { effectiveFrom: today(), rules: { ...withBrl, basePointsPerUnit: -1 } },
        400,
        'validation_failed',
        'rules.basePointsPerUnit',
      ],
      [
        {
          effectiveFrom: today(),
          rules: { ...withBrl, currencyRates: { ...withBrl.currencyRates, BRL: 'cheap' } },
        },
        400,
        'validation_failed',
        'rules.currencyRates.BRL',
      ],
      [
        {
          effectiveFrom: today(),
          rules: { ...withBrl, currencyRates: { ...withBrl.currencyRates, USD: 0.9 } },
        },
        400,
        'validation_failed',
        'rules.currencyRates.USD',
      ],
      [
        {
          effectiveFrom: today(),
          rules: { ...withBrl, tiers: { ...withBrl.tiers, gold: { ...withBrl.tiers.gold, nights: 5 } } },
        },
        400,
        'validation_failed',
        'rules.tiers.gold.nights',
      ],
      [
        {
          effectiveFrom: today(),
          rules: {
            ...withBrl,
            segments: { value: { vipShare: 0.3, majorShare: 0.2, ordinaryShare: 0.7 }, newMemberDays: 90 },
          },
        },
        400,
        'validation_failed',
        'rules.segments.value',
      ],
      [
        {
          effectiveFrom: today(),
          rules: {
            ...withBrl,
            segments: { value: { vipShare: 0, majorShare: 0.2, ordinaryShare: 0.7 }, newMemberDays: 90 },
          },
        },
        400,
        'validation_failed',
        'rules.segments.value.vipShare',
      ],
      [
        { effectiveFrom: today(), rules: { ...withBrl, colour: 'blue' } },
        400,
        'validation_failed',
        'rules.colour',
      ],
      [{ effectiveFrom: '2026-01-01', rules: withBrl }, 422, 'effective_from_too_early', 'effectiveFrom'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await rules(body);
      expect({ status: res.status, code: res.json.error.code, field: res.json.error.details.field }).toEqual({
        status,
        code,
        field,
      });
    }
    const forOps = await api.request(
      'POST',
      '/v1/program/rules',
      { effectiveFrom: today(), rules: withBrl },
      {
        key: api.keyFor('ops'),
      },
    );
    expect(forOps.status).toBe(403);

    const reEarn = (body: unknown) =>
      api.request<{ error: { code: string; details: { field?: string } } }>(
        'POST',
        '/v1/admin/stays/re-earn',
        body,
        admin,
      );
    for (const [body, field] of [
      [{ limit: 0 }, 'limit'],
      [{ limit: 'all' }, 'limit'],
      [{ currency: 'brl' }, 'currency'],
      [{ colour: 'blue' }, 'colour'],
    ] as const) {
      const res = await reEarn(body);
      expect({ status: res.status, code: res.json.error.code, field: res.json.error.details.field }).toEqual({
        status: 400,
        code: 'validation_failed',
        field,
      });
    }
    expect(
      (await api.request('POST', '/v1/admin/stays/re-earn', {}, { key: api.keyFor('ops') })).status,
    ).toBe(403);
    expect(await written()).toEqual(before);
  });

  it('an admin publishes a version with the rate; one re-earn books the points once and tells the workflow; a second changes nothing', async () => {
    const admin = { key: api.keyFor('admin') };
    const published = await api.request<{ version: number; effectiveFrom: string; createdBy: string }>(
      'POST',
      '/v1/program/rules',
      { effectiveFrom: today(), rules: withBrl, note: 'BRL added' },
      admin,
    );
    expect(published.status).toBe(201);
    expect(published.json).toMatchObject({ version: 3, effectiveFrom: today(), createdBy: ADMIN });
    expect(
      await api.stack
        .db('audit_log')
        .where({ action: 'program.rules_published', subject: 'program_rules:3' }),
    ).toMatchObject([{ actor: ADMIN, after: { version: 3, note: 'BRL added' } }]);
    const listed = await api.request<{ inForce: number; versions: { version: number }[] }>(
      'GET',
      '/v1/program/rules',
      undefined,
      { key: api.keyFor('ops') },
    );
    expect(listed.json.inForce).toBe(3);
    expect(listed.json.versions.map((v) => v.version)).toEqual([3, 2, 1]);

    const first = await api.request<ReEarnAnswer>(
      'POST',
      '/v1/admin/stays/re-earn',
      { currency: 'BRL' },
      admin,
    );
    expect(first.status).toBe(200);
    // 15,000 BRL × 0.18 USD/BRL × 10 points per USD = 27,000, by version 3: over Silver's 25,000 base points.
    expect(first.json).toEqual({
      reEarned: [
        {
          stayId,
          guestId,
          ledgerId: expect.any(Number) as number,
          points: 27000,
          balanceAfter: 27000,
          rulesVersion: 3,
          idempotencyKey: `stay-re-earn:${stayId}`,
          signalled: true,
        },
      ],
      stillWaiting: [],
    });
    const rows = await api.stack.db('points_ledger').where({ guest_id: guestId }).orderBy('id');
    expect(rows).toMatchObject([
      { points: 0, reason: 'stay_base', rules_version: 2, stay_id: stayId },
      {
        points: 27000,
        balance_after: 27000,
        reason: 'stay_re_earn',
        source: 'stay',
        rules_version: 3,
        stay_id: stayId,
        idempotency_key: `stay-re-earn:${stayId}`,
      },
    ]);
    expect(
      await api.stack.db('audit_log').where({ action: 'stay.re_earned', subject: `guest:${guestId}` }),
    ).toMatchObject([{ actor: ADMIN, after: { stayId, points: 27000, rulesVersion: 3 } }]);
    // The re-earned base points count toward the year's qualifying base points (tier upgrades, the review).
    const year = Number(
      (
        await api.stack.db('stays').where({ id: stayId }).first<{ departure: string }>('departure')
      ).departure.slice(0, 4),
    );
    expect(await lifecycle.yearActivity(api.stack.db, guestId, year)).toEqual({
      stays: 1,
      nights: 2,
      basePoints: 27000,
    });

    // The guest's workflow read its balance again; the page lists nothing waiting; the gauge is 0.
    const p = await eventually(async () => {
      const q = await page(guestId);
      // The card reads Postgres and the workflow answers apart: wait for both to say so.
      return q.workflow?.state?.pointsBalance === 27000 &&
        q.workflow.state.tier === 'silver' &&
        q.guest.tier === 'silver'
        ? q
        : undefined;
    });
    expect(p.staysAwaitingRate).toEqual([]);
    expect(p.stays).toMatchObject([{ id: stayId, earnFlag: null }]);
    // The re-earned points crossed Silver's 25,000: the guest's workflow upgraded her, as a stay would have.
    expect(p.guest.tier).toBe('silver');
    expect(p.tierHistory).toMatchObject([
      { tier: 'silver', previousTier: 'member', source: 'upgrade', rulesVersion: 3 },
    ]);
    expect(p.tierHistory[0]!.reason).toMatch(/27000 base points \(a stay re-earned\)/);
    // The congratulation is planned with the tier reached (sent now, or held for the guest's send window when the
    // dev server's clock says it is night there).
    const upgradeMail = await eventually(async () => {
      const rows = await api.stack
        .db('mail_outbox')
        .where({ guest_id: guestId, template: 'tier-upgrade' })
        .select<{ status: string; facts: Record<string, unknown> | null }[]>('status', 'facts');
      return rows.length === 1 ? rows[0] : undefined;
    });
    expect(['pending', 'sent']).toContain(upgradeMail.status);
    expect(upgradeMail.facts).toMatchObject({ tier: 'silver' });
    expect(await awaitingRateGauge()).toBe(0);
    // A redemption is validated against the balance the workflow holds: it knows the re-earned points.
    const redeemed = await api.request<{ points: number; balanceAfter: number }>(
      'POST',
      `/v1/guests/${guestId}/points/redemptions`,
      { points: 1000 },
      { key: api.keyFor('ops') },
    );
    expect(redeemed.status).toBe(200);
    expect(redeemed.json).toMatchObject({ points: -1000, balanceAfter: 26000 });

    // A second call: nothing to do, nothing written.
    const before = await written();
    const second = await api.request<ReEarnAnswer>('POST', '/v1/admin/stays/re-earn', {}, admin);
    expect(second.status).toBe(200);
    expect(second.json).toEqual({ reEarned: [], stillWaiting: [] });
    expect(await written()).toEqual(before);
    expect(
      await api.stack
        .db('points_ledger')
        .where({ guest_id: guestId, reason: 'stay_re_earn' })
        .count({ n: '*' }),
    ).toEqual([{ n: 1 }]);
  });
});
