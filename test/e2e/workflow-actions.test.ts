/**
 * Staff actions on workflows over real HTTP (the API, a Temporal dev server, a worker with the real activities,
 * PostgreSQL): cancelling a win-back or a post-stay follow-up (`POST /v1/workflows/:id/cancel`), a win-back by
 * hand, a reload and a restart of the guest's workflow (`POST /v1/guests/:id/win-back | reload | restart`). Each
 * takes a reason, writes one `audit_log` row (actor: the key's name) and leaves the workflows as it says; each
 * refusal is a 409 saying why that writes no row and changes no workflow.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import * as ledger from '../../db/repositories/ledger.js';
import { FOLLOW_UP_CANCELLED, WIN_BACK_ENDED } from '../../domain/mail-policy.js';
import { followUpWorkflowId, guestWorkflowId } from '../../domain/ids.js';
import { stateQuery, type GuestStateView } from '../../contracts/guest.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { eventually, newPmsProfileId, stayCompletedBody, zoneWhereNowIs } from '../helpers.js';
import { profileUpdatedBody } from '../pms-samples.js';

const OPS = 'e2e front office (actions)';
const MANAGER = 'e2e duty manager (actions)';
const ADMIN = 'e2e loyalty admin (actions)';
const DAY = 86_400_000;

let api: ApiStack;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-actions',
    pmsSecret: 'e2e-actions-pms-webhook-secret-0123456789',
    keys: { ops: OPS, manager: MANAGER, admin: ADMIN },
  });
});

afterAll(async () => {
  await api?.close();
});

interface ErrorAnswer {
  error: { code: string; message: string; details: Record<string, unknown> };
}

interface AuditRow {
  id: number;
  actor: string;
  action: string;
  subject: string;
  after: Record<string, unknown>;
}

const post = <T>(path: string, body: unknown, role: 'ops' | 'manager' | 'admin' = 'ops') =>
  api.request<T>('POST', path, body, { key: api.keyFor(role) });

const STAFF_ACTIONS = ['workflow.cancel', 'guest.win_back.start', 'guest.reload', 'guest.restart'];

/** The guest's audit rows of staff actions, oldest first. */
const auditOf = (guestId: string): Promise<AuditRow[]> =>
  api.stack
    .db('audit_log')
    .where({ subject: `guest:${guestId}` })
    .whereIn('action', STAFF_ACTIONS)
    .orderBy('id');

/**
 * A stay checked out `agoMs` ago by a guest where it is `[fromHour, toHour)` o'clock now (with `consent`, the
 * guest's profile with marketing consent came first): the guest's id.
 */
async function guestWithStay(
  agoMs: number,
  hours: [number, number] = [10, 17],
  consent = false,
): Promise<string> {
  const out = Date.now() - agoMs;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const timezone = await zoneWhereNowIs({ currentTimeMs: () => Promise.resolve(Date.now()) }, ...hours);
  const pmsProfileId = newPmsProfileId();
  if (consent) {
    const profile = await api.postPms(
      profileUpdatedBody({
        occurredAt: new Date(out - 3 * DAY).toISOString(),
        guest: { pmsProfileId, timezone },
        extras: { marketingConsent: true },
      }),
    );
    expect(profile.status).toBe(202);
  }
  const res = await api.postPms(
    stayCompletedBody({
      occurredAt: new Date(out).toISOString(),
      guest: { pmsProfileId, timezone },
      stay: { arrival: day(out - 2 * DAY), departure: day(out), nights: 2 },
    }),
  );
  expect(res.status).toBe(202);
  return ((await res.json()) as { guestId: string }).guestId;
}

const guestHandle = (guestId: string) => api.env.client.workflow.getHandle(guestWorkflowId(guestId));

/** The guest workflow's state once `ok` holds for it. */
function stateWhen(guestId: string, ok: (s: GuestStateView) => boolean): Promise<GuestStateView> {
  return eventually(async () => {
    const s = await guestHandle(guestId)
      .query(stateQuery)
      .catch(() => undefined);
    return s && ok(s) ? s : undefined;
  });
}

const statusOf = async (workflowId: string, runId?: string) =>
  (await api.env.client.workflow.getHandle(workflowId, runId).describe()).status.name;

/**
 * A lapsed guest (a stay 370 days ago) whose win-back runs and has planned its first offer (sent at once where it
 * is day, held for 09:00 where it is night): ids.
 */
async function lapsedGuest(hours: [number, number] = [10, 17], consent = false) {
  const guestId = await guestWithStay(370 * DAY, hours, consent);
  const state = await stateWhen(guestId, (s) => s.stage === 'lapsed' && s.winBack !== null);
  const winBackId = state.winBack!.workflowId;
  await eventually(async () =>
    (await api.stack.db('mail_outbox').where({ guest_id: guestId, template: 'win-back-offer' }).first())
      ? true
      : undefined,
  );
  return { guestId, winBackId };
}

describe('POST /v1/workflows/:id/cancel', () => {
  it("cancels a follow-up: its held mail withdrawn, its row cancelled, the guest's workflow runs on", async () => {
    // Night where the guest is: the thank-you is planned for 09:00 local, held by the follow-up.
    const guestId = await guestWithStay(3 * 3_600_000, [1, 6]);
    const stay = await eventually(() =>
      api.stack.db('stays').where({ guest_id: guestId }).first<{ id: string } | undefined>('id'),
    );
    const workflowId = followUpWorkflowId(guestId, stay.id);
    const thankYou = await eventually(() =>
      api.stack
        .db('mail_outbox')
        .where({ guest_id: guestId, template: 'stay-thank-you' })
        .first<{ id: number; status: string } | undefined>('id', 'status'),
    );
    expect(thankYou.status).toBe('pending');
    const runId = (await api.env.client.workflow.getHandle(workflowId).describe()).runId;

    // Without a reason, or one too short once trimmed: 400 naming `reason`, nothing written.
    for (const body of [{}, { reason: '  ab  ' }, { reason: 'x'.repeat(501) }, undefined]) {
      const bad = await post<ErrorAnswer>(`/v1/workflows/${workflowId}/cancel`, body);
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatchObject({ code: 'validation_failed', details: { field: 'reason' } });
    }
    expect(await auditOf(guestId)).toEqual([]);
    expect(await statusOf(workflowId)).toBe('RUNNING');

    const reason = 'Guest asked at the desk to stop the follow-up mails';
    const done = await post<Record<string, unknown>>(`/v1/workflows/${workflowId}/cancel`, {
      reason: `  ${reason}  `,
    });
    expect(done.status).toBe(200);
    expect(done.json).toEqual({
      workflowId,
      runId,
      type: 'postStayFollowUp',
      guestId,
      heldByGuest: null,
      status: 'Canceled',
      auditId: expect.any(Number) as unknown,
    });
    const [row, ...more] = await auditOf(guestId);
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      id: done.json.auditId,
      actor: OPS,
      action: 'workflow.cancel',
      subject: `guest:${guestId}`,
      after: { reason, type: 'postStayFollowUp', workflowId, runId, outcome: 'done' },
    });
    // What it held is withdrawn, its row says cancelled; the guest's workflow runs on.
    expect(
      await api.stack.db('mail_outbox').where({ id: thankYou.id }).first('status', 'suppression_reason'),
    ).toEqual({ status: 'suppressed', suppression_reason: FOLLOW_UP_CANCELLED });
    expect(await api.stack.db('follow_ups').where({ workflow_id: workflowId }).first('status')).toEqual({
      status: 'cancelled',
    });
    expect(await statusOf(guestWorkflowId(guestId))).toBe('RUNNING');
    await stateWhen(guestId, (s) => s.stage === 'member' && s.stays === 1);
    // The reason stays in Postgres: no history holds it.
    const history = historyToJSON(await api.env.client.workflow.getHandle(workflowId).fetchHistory());
    expect(history).not.toContain('stop the follow-up');

    // Cancelled already: 409 not_running, nothing written.
    const again = await post<ErrorAnswer>(`/v1/workflows/${workflowId}/cancel`, { reason });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({
      code: 'not_running',
      details: { field: 'id', workflowId, type: 'postStayFollowUp', status: 'Canceled' },
    });
    // The guest's own workflow is not a cancellable type: 409 not_cancellable.
    const own = await post<ErrorAnswer>(`/v1/workflows/${guestWorkflowId(guestId)}/cancel`, { reason });
    expect(own.status).toBe(409);
    expect(own.json.error).toMatchObject({
      code: 'not_cancellable',
      details: { field: 'id', type: 'guestLifecycle' },
    });
    expect(await statusOf(guestWorkflowId(guestId))).toBe('RUNNING');
    expect(await auditOf(guestId)).toHaveLength(1);

    const missing = await post<ErrorAnswer>(`/v1/workflows/guest-${randomUUID()}-winback-2026-01-01/cancel`, {
      reason,
    });
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({ code: 'workflow_not_found', details: { field: 'id' } });
  });

  it("cancels a win-back through the guest's workflow: it ends, the guest stays lapsed with none", async () => {
    // Night where the guest (who takes marketing mail) is: the first offer waits for 09:00, held by the win-back.
    const { guestId, winBackId } = await lapsedGuest([1, 6], true);
    const offer = await api.stack
      .db('mail_outbox')
      .where({ guest_id: guestId, template: 'win-back-offer' })
      .first<{ id: number; status: string }>('id', 'status');
    expect(offer.status).toBe('pending');
    const runId = (await api.env.client.workflow.getHandle(winBackId).describe()).runId;
    const reason = 'Complained about the offers';
    const done = await post<Record<string, unknown>>(
      `/v1/workflows/${winBackId}/cancel`,
      { reason },
      'manager',
    );
    expect(done.status).toBe(200);
    expect(done.json).toEqual({
      workflowId: winBackId,
      runId,
      type: 'winBack',
      guestId,
      heldByGuest: true,
      status: 'Completed',
      auditId: expect.any(Number) as unknown,
    });
    expect(await auditOf(guestId)).toMatchObject([
      {
        actor: MANAGER,
        action: 'workflow.cancel',
        after: {
          reason,
          type: 'winBack',
          workflowId: winBackId,
          runId,
          lapsedOn: winBackId.slice(-10),
          heldByGuest: true,
          stage: 'lapsed',
        },
      },
    ]);
    // It ended `cancelled` (no churn), and the guest's workflow no longer holds it.
    expect(await api.env.client.workflow.getHandle(winBackId).result()).toBe('cancelled');
    const state = await guestHandle(guestId).query(stateQuery);
    expect(state).toMatchObject({ stage: 'lapsed', winBack: null });
    expect(await statusOf(guestWorkflowId(guestId))).toBe('RUNNING');
    // The offer it held is withdrawn: no win-back mail goes.
    expect(
      await api.stack.db('mail_outbox').where({ id: offer.id }).first('status', 'suppression_reason'),
    ).toEqual({
      status: 'suppressed',
      suppression_reason: WIN_BACK_ENDED,
    });

    const again = await post<ErrorAnswer>(`/v1/workflows/${winBackId}/cancel`, { reason });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'not_running', details: { status: 'Completed' } });
    expect(await auditOf(guestId)).toHaveLength(1);
  });

  it("stops a win-back the guest's workflow does not hold (an orphan) directly", async () => {
    const guestId = await guestWithStay(3 * 3_600_000);
    await stateWhen(guestId, (s) => s.stays === 1);
    const orphan = `${guestWorkflowId(guestId)}-winback-2020-01-01`;
    await api.env.client.workflow.start('winBack', {
      workflowId: orphan,
      taskQueue: api.taskQueue,
      args: [{ guestId, guestWorkflowId: guestWorkflowId(guestId), lapsedAt: new Date().toISOString() }],
    });
    const done = await post<Record<string, unknown>>(`/v1/workflows/${orphan}/cancel`, {
      reason: 'Started by mistake',
    });
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ type: 'winBack', heldByGuest: false, status: 'Completed' });
    expect(await api.env.client.workflow.getHandle(orphan).result()).toBe('cancelled');
    expect(await auditOf(guestId)).toMatchObject([
      { action: 'workflow.cancel', after: { workflowId: orphan, heldByGuest: false, outcome: 'done' } },
    ]);
    expect(await guestHandle(guestId).query(stateQuery)).toMatchObject({ stage: 'member', winBack: null });
  });
});

describe('POST /v1/guests/:id/win-back, /restart', () => {
  it('starts a win-back by hand for a lapsed guest without one; a restart knows it from the record', async () => {
    const { guestId, winBackId } = await lapsedGuest();
    const reason = 'Guest called, wants offers again';

    // A win-back runs: the guest's workflow refuses (409 win_back_running), nothing written.
    const running = await post<ErrorAnswer>(`/v1/guests/${guestId}/win-back`, { reason });
    expect(running.status).toBe(409);
    expect(running.json.error).toMatchObject({ code: 'win_back_running', details: { field: 'id', guestId } });
    expect(await auditOf(guestId)).toEqual([]);

    expect((await post(`/v1/workflows/${winBackId}/cancel`, { reason: 'Stop for now' })).status).toBe(200);
    const started = await post<{
      guestId: string;
      winBack: { workflowId: string; runId: string; lapsedOn: string; lapsedAt: string };
      auditId: number;
    }>(`/v1/guests/${guestId}/win-back`, { reason });
    expect(started.status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    expect(started.json).toEqual({
      guestId,
      winBack: {
        workflowId: `${guestWorkflowId(guestId)}-winback-${today}`,
        runId: expect.any(String) as unknown,
        lapsedOn: today,
        lapsedAt: expect.any(String) as unknown,
      },
      auditId: expect.any(Number) as unknown,
    });
    const byHand = started.json.winBack;
    expect(byHand.workflowId).not.toBe(winBackId);
    expect(await statusOf(byHand.workflowId, byHand.runId)).toBe('RUNNING');
    expect((await guestHandle(guestId).query(stateQuery)).winBack).toEqual({
      workflowId: byHand.workflowId,
      lapsedOn: today,
    });
    // Its first offer, dated from now, under keys of its own.
    await eventually(async () =>
      (await api.stack
        .db('mail_outbox')
        .where({ guest_id: guestId, template: 'win-back-offer' })
        .andWhereLike('idempotency_key', `%win-back:${today}:offer-1`)
        .first())
        ? true
        : undefined,
    );
    expect((await auditOf(guestId)).at(-1)).toMatchObject({
      id: started.json.auditId,
      actor: OPS,
      action: 'guest.win_back.start',
      after: { reason, type: 'winBack', ...byHand, outcome: 'done' },
    });

    // Restarted (admin): the fresh run loads the guest from Postgres, with the win-back started by hand.
    const previous = (await guestHandle(guestId).describe()).runId;
    const restart = await post<{ runId: string; previousRunId: string | null; auditId: number }>(
      `/v1/guests/${guestId}/restart`,
      { reason: 'State looked wrong after the cancel' },
      'admin',
    );
    expect(restart.status).toBe(200);
    expect(restart.json).toEqual({
      guestId,
      workflowId: guestWorkflowId(guestId),
      runId: expect.any(String) as unknown,
      previousRunId: previous,
      auditId: expect.any(Number) as unknown,
    });
    expect(restart.json.runId).not.toBe(previous);
    const ended = await api.env.client.workflow.getHandle(guestWorkflowId(guestId), previous).fetchHistory();
    const terminated = ended.events!.at(-1)!.workflowExecutionTerminatedEventAttributes;
    expect(terminated?.reason).toBe(`restarted by staff (audit ${restart.json.auditId})`);
    const fresh = await stateWhen(guestId, (s) => s.stage === 'lapsed');
    expect(fresh).toMatchObject({
      stage: 'lapsed',
      winBack: { workflowId: byHand.workflowId, lapsedOn: today },
    });
    expect((await guestHandle(guestId).describe()).runId).toBe(restart.json.runId);
    expect((await auditOf(guestId)).at(-1)).toMatchObject({
      actor: ADMIN,
      action: 'guest.restart',
      after: {
        reason: 'State looked wrong after the cancel',
        type: 'guestLifecycle',
        previousRunId: previous,
        runId: restart.json.runId,
        outcome: 'done',
      },
    });

    // Cancelled too, and restarted again: the fresh run knows no win-back runs.
    expect((await post(`/v1/workflows/${byHand.workflowId}/cancel`, { reason: 'Stop again' })).status).toBe(
      200,
    );
    expect((await post(`/v1/guests/${guestId}/restart`, { reason: 'Once more' }, 'admin')).status).toBe(200);
    expect(await stateWhen(guestId, (s) => s.stage === 'lapsed')).toMatchObject({ winBack: null });
  });

  it('refuses a win-back for a guest who is not lapsed (409 not_lapsed) and an unknown guest (404)', async () => {
    const guestId = await guestWithStay(3 * 3_600_000);
    await stateWhen(guestId, (s) => s.stays === 1);
    const refused = await post<ErrorAnswer>(`/v1/guests/${guestId}/win-back`, { reason: 'Try it anyway' });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({ code: 'not_lapsed', details: { field: 'id' } });
    expect(refused.json.error.message).toMatch(/member, not lapsed/);
    expect(await auditOf(guestId)).toEqual([]);
    expect((await guestHandle(guestId).query(stateQuery)).winBack).toBeNull();

    const unknown = randomUUID();
    for (const action of ['win-back', 'reload', 'restart'])
      expect(
        (await post<ErrorAnswer>(`/v1/guests/${unknown}/${action}`, { reason: 'Who is this' }, 'admin')).json
          .error,
      ).toMatchObject({ code: 'guest_not_found', details: { field: 'id' } });
    expect(await auditOf(unknown)).toEqual([]);
  });

  it('restarts a guest with no running workflow: a fresh run from Postgres', async () => {
    const guestId = await guestWithStay(3 * 3_600_000);
    const before = await stateWhen(guestId, (s) => s.stays === 1);
    await guestHandle(guestId).terminate('test: no run');
    const restart = await post<{ runId: string; previousRunId: string | null }>(
      `/v1/guests/${guestId}/restart`,
      { reason: 'Nothing runs for this guest' },
      'admin',
    );
    expect(restart.status).toBe(200);
    expect(restart.json.previousRunId).toBeNull();
    expect(await statusOf(guestWorkflowId(guestId), restart.json.runId)).toBe('RUNNING');
    expect(await stateWhen(guestId, (s) => s.stays === 1)).toMatchObject({
      stage: before.stage,
      tier: before.tier,
      pointsBalance: before.pointsBalance,
    });
  });
});

describe('POST /v1/guests/:id/reload', () => {
  it('reads the guest again from Postgres and publishes the search attributes again', async () => {
    const guestId = await guestWithStay(3 * 3_600_000);
    const before = await stateWhen(guestId, (s) => s.stays === 1);
    // The record changes behind the workflow's back.
    await api.stack.db('guests').where({ id: guestId }).update({ tier: 'silver', stage: 'regular' });
    await ledger.post(api.stack.db, {
      guestId,
      points: 500,
      reason: 'adjustment',
      idempotencyKey: `test:${randomUUID()}`,
    });
    const reason = 'Tier corrected in the PMS by hand';
    const done = await post<Record<string, unknown>>(`/v1/guests/${guestId}/reload`, { reason });
    expect(done.status).toBe(200);
    const runId = (await guestHandle(guestId).describe()).runId;
    expect(done.json).toEqual({
      guestId,
      workflowId: guestWorkflowId(guestId),
      runId,
      holds: {
        stage: 'regular',
        tier: 'silver',
        tierFloor: null,
        pointsBalance: before.pointsBalance + 500,
        stays: 1,
        nights: 2,
        lastProperty: 'SHA-BUND',
        openCases: 0,
        winBack: null,
      },
      auditId: expect.any(Number) as unknown,
    });
    expect(await guestHandle(guestId).query(stateQuery)).toMatchObject({
      stage: 'regular',
      tier: 'silver',
      pointsBalance: before.pointsBalance + 500,
    });
    expect(await auditOf(guestId)).toMatchObject([
      {
        actor: OPS,
        action: 'guest.reload',
        after: { reason, type: 'guestLifecycle', runId, holds: { tier: 'silver' }, outcome: 'done' },
      },
    ]);
    // The guest's page lists it for the timeline.
    const page = await api.request<{ staffActions: unknown[] }>('GET', `/v1/guests/${guestId}`, undefined, {
      key: api.keyFor('ops'),
    });
    expect(page.json.staffActions).toEqual([
      {
        auditId: done.json.auditId,
        action: 'guest.reload',
        actor: OPS,
        at: expect.any(String) as unknown,
        reason,
        type: 'guestLifecycle',
        workflowId: guestWorkflowId(guestId),
        runId,
        outcome: 'done',
      },
    ]);
    // What staff filter on follows (GET /v1/workflows?tier=silver).
    await eventually(async () => {
      const r = await api.request<{ guest: { stage: string; tier: string } | null }>(
        'GET',
        `/v1/workflows/${guestWorkflowId(guestId)}`,
        undefined,
        { key: api.keyFor('ops') },
      );
      return r.json.guest?.tier === 'silver' && r.json.guest.stage === 'regular' ? true : undefined;
    });
  });
});
