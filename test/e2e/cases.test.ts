/**
 * Service cases end to end over real HTTP: the API, a Temporal dev server, a worker with the real activities
 * and PostgreSQL. A case opened by ops flags the guest at risk and gets its acknowledgement; staff list and
 * filter cases, assign, note, compensate (converted to the frontline limit's currency; above it a manager
 * approves), resolve, and record the guest's satisfaction, which closes the case and clears the flag. Roles,
 * validation, Idempotency-Key replays and refusals that write nothing.
 *
 * Until the guest's workflow starts the case's child on `case.opened` itself, `ensureCase` starts it the same
 * way (same workflow ID; whichever comes second finds it running).
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cases from '../../db/repositories/cases.js';
import { guestWorkflowId } from '../../domain/ids.js';
import { caseWorkflowId } from '../../domain/ids.js';
import { openApiStack, type Answer as ApiAnswer, type ApiStack } from '../api-stack.js';
import { countRows, eventually, stayCompletedBody, type Stack } from '../helpers.js';

const SECRET = 'e2e-cases-pms-webhook-secret-0123456789';
const OPS = 'e2e guest relations (cases)';
const MANAGER = 'e2e duty manager (cases)';
const PROPERTY = `E2E-${randomUUID().slice(0, 6)}`;

let api: ApiStack;
let env: TestWorkflowEnvironment;
let stack: Stack;
let taskQueue: string;
let opsKey: string;
let managerKey: string;
let adminKey: string;
let marketerKey: string;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-cases',
    pmsSecret: SECRET,
    keys: { ops: OPS, manager: MANAGER, admin: 'e2e admin (cases)', marketer: 'e2e marketer (cases)' },
  });
  ({ env, stack, taskQueue } = api);
  opsKey = api.keyFor('ops');
  managerKey = api.keyFor('manager');
  adminKey = api.keyFor('admin');
  marketerKey = api.keyFor('marketer');
  await cases.upsertPropertySettings(stack.db, {
    property_code: PROPERTY,
    name: 'The Peninsula Test',
    timezone: 'Asia/Shanghai',
    duty_manager_email: 'duty@peninsula.hotel.example',
    general_manager_email: 'gm@peninsula.hotel.example',
  });
});

afterAll(async () => {
  await api?.close();
});

type Answer = ApiAnswer<Record<string, unknown>>;

async function call(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  opts: { key?: string | null; idempotencyKey?: string } = {},
): Promise<Answer> {
  const key = opts.key === undefined ? opsKey : opts.key;
  return api.request(method, path, body, { key, idempotencyKey: opts.idempotencyKey });
}

/** A guest with a stay at PROPERTY, through the PMS webhook. */
async function guestWithStay(): Promise<{ guestId: string; email: string }> {
  const body = stayCompletedBody({
    occurredAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
    stay: { propertyCode: PROPERTY },
  });
  const res = await api.postPms(body);
  expect(res.status).toBe(202);
  const { guestId } = (await res.json()) as { guestId: string };
  await eventually(async () =>
    (await countRows(stack.db, 'stays', { guest_id: guestId })) === 1 ? true : undefined,
  );
  return { guestId, email: body.data.guest.email };
}

/** What the guest's workflow does on `case.opened` once wired: the case's child. */
async function ensureCase(guestId: string, caseId: string) {
  try {
    await env.client.workflow.start('serviceRecovery', {
      workflowId: caseWorkflowId(guestId, caseId),
      taskQueue,
      args: [{ guestId, guestWorkflowId: guestWorkflowId(guestId), caseId }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

async function riskFlags(guestId: string): Promise<string[]> {
  const res = await call('GET', `/v1/guests/${guestId}/workflow`);
  const workflow = res.json.workflow as { state: { riskFlags: string[] } | null } | null;
  return workflow?.state?.riskFlags ?? [];
}

const newCase = (guestId: string, over: Record<string, unknown> = {}) => ({
  guestId,
  source: 'phone',
  category: 'service_attitude',
  cause: 'staff_attitude',
  priority: 'high',
  propertyCode: PROPERTY,
  department: 'front_office',
  receivedBy: 'Liu Yang',
  description:
    'The night receptionist was rude when the guest asked for a late check-out.\nGuest very upset.',
  ...over,
});

/** Rows a case request may write. */
async function counts(caseId: string) {
  return {
    requests: await countRows(stack.db, 'case_requests', { case_id: caseId }),
    notes: await countRows(stack.db, 'case_notes', { case_id: caseId }),
    compensations: await countRows(stack.db, 'case_compensations', { case_id: caseId }),
    audit: await countRows(stack.db, 'audit_log', { subject: `case:${caseId}` }),
  };
}

describe('/v1/cases', () => {
  it('refuses what it must: no key 401, marketer 403, bad bodies 400 naming the field, unknown guest 404; nothing written', async () => {
    const { guestId } = await guestWithStay();
    const before = await countRows(stack.db, 'service_cases', { guest_id: guestId });
    expect((await call('POST', '/v1/cases', newCase(guestId), { key: null })).status).toBe(401);
    const forbidden = await call('POST', '/v1/cases', newCase(guestId), { key: marketerKey });
    expect(forbidden.status).toBe(403);
    for (const [over, field] of [
      [{ source: 'carrier_pigeon' }, 'source'],
      [{ category: 'noise' }, 'category'],
      [{ department: 'kitchen' }, 'department'],
      [{ receivedBy: '' }, 'receivedBy'],
      [{ receivedBy: 'a\nb' }, 'receivedBy'],
      [{ description: 'nul \u0000' }, 'description'],
      [{ guestId: 'not-a-uuid' }, 'guestId'],
      [{ stayId: randomUUID() }, 'stayId'],
      [{ guestId: randomUUID() }, 'guestId'],
      [{ occurredAt: 'yesterday' }, 'occurredAt'],
      // A case received tomorrow would hold its acknowledgement and escalations back until then.
      [{ occurredAt: new Date(Date.now() + 86_400_000).toISOString() }, 'occurredAt'],
    ] as const) {
      const res = await call('POST', '/v1/cases', newCase(guestId, over));
      expect([400, 404, 422], JSON.stringify(over)).toContain(res.status);
      expect((res.json.error as { details: { field: string } }).details.field, JSON.stringify(over)).toBe(
        field,
      );
    }
    const badKey = await call('POST', '/v1/cases', newCase(guestId), { idempotencyKey: 'again' });
    expect(badKey.status).toBe(400);
    expect((badKey.json.error as { details: { header: string } }).details.header).toBe('Idempotency-Key');
    expect(await countRows(stack.db, 'service_cases', { guest_id: guestId })).toBe(before);

    expect((await call('GET', '/v1/cases?status=pending')).status).toBe(400);
    expect((await call('GET', '/v1/cases/nope')).json.error).toMatchObject({ details: { field: 'id' } });
    expect((await call('GET', `/v1/cases/${randomUUID()}`)).status).toBe(404);
    expect((await call('POST', `/v1/cases/${randomUUID()}/notes`, { text: 'x' })).status).toBe(404);
  });

  it('opens a case (at risk, acknowledged), lists and filters it, assigns, notes, compensates (a manager approves above the limit), resolves and closes on a satisfied answer', async () => {
    const { guestId, email } = await guestWithStay();
    const caseId = randomUUID();
    const opened = await call('POST', '/v1/cases', newCase(guestId), { idempotencyKey: caseId });
    expect(opened.status, JSON.stringify(opened.json)).toBe(201);
    expect(opened.json).toMatchObject({
      id: caseId,
      guestId,
      workflowId: caseWorkflowId(guestId, caseId),
      status: 'open',
      source: 'phone',
      owner: 'Liu Yang',
      slaState: 'on_track',
    });
    // The same request again: the same case; the same key for another case: 409.
    const again = await call('POST', '/v1/cases', newCase(guestId), { idempotencyKey: caseId });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(
      (await call('POST', '/v1/cases', newCase(guestId, { category: 'safety' }), { idempotencyKey: caseId }))
        .status,
    ).toBe(409);
    expect(await countRows(stack.db, 'service_cases', { id: caseId })).toBe(1);
    await ensureCase(guestId, caseId);

    // The guest is at risk; the acknowledgement reaches the guest.
    await eventually(async () => ((await riskFlags(guestId)).includes(`case:${caseId}`) ? true : undefined));
    const ack = await eventually(() =>
      stack.sink.messages().find((m) => m.to.includes(email) && m.subject.includes('feedback')),
    );
    expect(ack.text).toContain('The Peninsula Test');
    await eventually(async () =>
      (await cases.findCase(stack.db, caseId))?.acknowledged_at ? true : undefined,
    );

    // Listed and filtered.
    const ids = async (query: string) =>
      ((await call('GET', `/v1/cases?${query}`)).json.cases as { id: string }[]).map((c) => c.id);
    expect(await ids(`status=open&department=front_office&property=${PROPERTY}`)).toContain(caseId);
    expect(await ids(`guestId=${guestId}&sla=on_track`)).toEqual([caseId]);
    expect(await ids(`guestId=${guestId}&sla=duty_manager`)).toEqual([]);
    expect(await ids(`guestId=${guestId}&status=closed`)).toEqual([]);
    expect(await ids(`department=housekeeping&guestId=${guestId}`)).toEqual([]);
    const second = randomUUID();
    expect(
      (await call('POST', '/v1/cases', newCase(guestId, { source: 'letter' }), { idempotencyKey: second }))
        .status,
    ).toBe(201);
    await ensureCase(guestId, second);
    const page1 = await call('GET', `/v1/cases?guestId=${guestId}&limit=1`);
    const page2 = await call('GET', `/v1/cases?guestId=${guestId}&limit=1&before=${String(page1.json.next)}`);
    expect(
      [...(page1.json.cases as { id: string }[]), ...(page2.json.cases as { id: string }[])]
        .map((c) => c.id)
        .sort(),
    ).toEqual([caseId, second].sort());
    expect(page2.json.next).toBeNull();

    // Assign and note, audited with the key's name.
    const assigned = await call('POST', `/v1/cases/${caseId}/assign`, {
      assignee: 'Sun Mei',
      department: 'guest_relations',
    });
    expect(assigned.status, JSON.stringify(assigned.json)).toBe(200);
    expect(assigned.json).toMatchObject({ status: 'open' });
    const noteKey = randomUUID();
    const note = await call(
      'POST',
      `/v1/cases/${caseId}/notes`,
      { text: 'Apologised by phone.' },
      { idempotencyKey: noteKey },
    );
    expect(note.status).toBe(200);
    const noteAgain = await call(
      'POST',
      `/v1/cases/${caseId}/notes`,
      { text: 'Apologised by phone.' },
      { idempotencyKey: noteKey },
    );
    expect(noteAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(await countRows(stack.db, 'case_notes', { case_id: caseId })).toBe(1);

    // 1,000 points worth 100 USD: granted at once, a ledger row with reason compensation.
    const small = await call('POST', `/v1/cases/${caseId}/compensations`, {
      kind: 'points',
      amount: '100.00',
      currency: 'USD',
      points: 1000,
    });
    expect(small.status, JSON.stringify(small.json)).toBe(200);
    expect(small.json.compensation).toMatchObject({ status: 'granted', valueCents: 10000 });
    const ledger = await stack.db('points_ledger').where({ guest_id: guestId, reason: 'compensation' });
    expect(ledger).toMatchObject([{ points: 1000, source: 'compensation' }]);
    // A refund of 20,000 CNY is 2,816.90 USD at the rules' rates (7.1 CNY per USD): above 2,000 USD, it waits.
    const big = await call('POST', `/v1/cases/${caseId}/compensations`, {
      kind: 'refund',
      amount: 20000,
      currency: 'CNY',
    });
    expect(big.status, JSON.stringify(big.json)).toBe(200);
    expect(big.json.compensation).toMatchObject({ status: 'awaiting_approval', valueCents: 281690 });
    const compensationId = (big.json.compensation as { compensationId: string }).compensationId;
    // Bodies the schema refuses, and points on a refund.
    for (const body of [
      { kind: 'points', amount: '10.00', currency: 'USD' },
      { kind: 'refund', amount: '10.00', currency: 'USD', points: 5 },
      { kind: 'refund', amount: 0, currency: 'USD' },
      { kind: 'refund', amount: '10.00', currency: 'usd' },
      { kind: 'cash', amount: '10.00', currency: 'USD' },
    ])
      expect(
        (await call('POST', `/v1/cases/${caseId}/compensations`, body)).status,
        JSON.stringify(body),
      ).toBe(400);
    expect(
      (
        await call('POST', `/v1/cases/${caseId}/compensations`, {
          kind: 'refund',
          amount: '10.00',
          currency: 'XYZ',
        })
      ).json.error,
    ).toMatchObject({ code: 'unknown_currency', details: { field: 'currency' } });

    // Only a manager approves; refusals write nothing.
    const before = await counts(caseId);
    const approvePath = `/v1/cases/${caseId}/compensations/${compensationId}/approve`;
    expect((await call('POST', approvePath, {}, { key: opsKey })).status).toBe(403);
    expect((await call('POST', approvePath, {}, { key: adminKey })).status).toBe(403);
    const wrong = await call(
      'POST',
      `/v1/cases/${caseId}/compensations/${randomUUID()}/approve`,
      {},
      { key: managerKey },
    );
    // No such compensation on this case: 404, nothing written.
    expect(wrong.status).toBe(404);
    expect(wrong.json.error).toMatchObject({
      code: 'compensation_not_found',
      details: { field: 'compensationId' },
    });
    const early = await call('POST', `/v1/cases/${caseId}/resolve`, { resolution: 'Apologised.' });
    expect(early.json.error).toMatchObject({ code: 'compensation_awaiting_approval' });
    expect(await counts(caseId)).toEqual(before);
    const approveKey = randomUUID();
    const approved = await call(
      'POST',
      approvePath,
      { note: 'Loyal guest.' },
      { key: managerKey, idempotencyKey: approveKey },
    );
    expect(approved.status, JSON.stringify(approved.json)).toBe(200);
    expect(approved.json.compensation).toMatchObject({ compensationId, status: 'granted' });
    const replay = await call(
      'POST',
      approvePath,
      { note: 'Loyal guest.' },
      { key: managerKey, idempotencyKey: approveKey },
    );
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await call('POST', approvePath, {}, { key: managerKey })).json.error).toMatchObject({
      code: 'compensation_not_pending',
    });

    // Resolved; a satisfaction answer closes it; the guest is no longer at risk for it.
    const resolved = await call('POST', `/v1/cases/${caseId}/resolve`, {
      resolution: 'Receptionist coached; apology letter from the front office manager.',
      cause: 'staff_attitude',
    });
    expect(resolved.status, JSON.stringify(resolved.json)).toBe(200);
    expect(resolved.json).toMatchObject({ status: 'resolved', costBucket: 'same_day' });
    expect(
      (await call('POST', `/v1/cases/${caseId}/resolve`, { resolution: 'again' })).json.error,
    ).toMatchObject({
      code: 'case_not_open',
    });
    const resolutionMail = await eventually(() =>
      stack.sink.messages().find((m) => m.to.includes(email) && m.subject.includes('has been resolved')),
    );
    expect(resolutionMail.text).toContain('1000 points');
    expect(resolutionMail.text).toContain('20000.00 CNY');
    const closed = await call('POST', `/v1/cases/${caseId}/satisfaction`, {
      satisfied: true,
      comment: 'Thank you!',
    });
    expect(closed.status, JSON.stringify(closed.json)).toBe(200);
    expect(closed.json).toMatchObject({ status: 'closed' });
    await eventually(async () => ((await riskFlags(guestId)).includes(`case:${caseId}`) ? undefined : true));
    expect((await riskFlags(guestId)).includes(`case:${second}`)).toBe(true);

    const view = await call('GET', `/v1/cases/${caseId}`);
    expect(view.json.case).toMatchObject({
      status: 'closed',
      satisfied: true,
      assignee: 'Sun Mei',
      department: 'guest_relations',
      cause: 'staff_attitude',
      costBucket: 'same_day',
      description: newCase(guestId).description,
    });
    expect(view.json.notes).toMatchObject([{ author: OPS, text: 'Apologised by phone.' }]);
    expect(view.json.compensations).toMatchObject([
      { kind: 'points', points: 1000, status: 'granted', requestedBy: OPS, approvedBy: null },
      {
        kind: 'refund',
        amount: '20000.00',
        currency: 'CNY',
        value: '2816.90',
        limitCurrency: 'USD',
        approvedBy: MANAGER,
      },
    ]);
    expect(
      (view.json.audit as { action: string; actor: string }[]).map((a) => `${a.action}:${a.actor}`),
    ).toEqual([
      `case.opened:${OPS}`,
      'case.acknowledged:workflow',
      `case.assigned:${OPS}`,
      `case.note_added:${OPS}`,
      `case.compensation_granted:${OPS}`,
      `case.compensation_requested:${OPS}`,
      `case.compensation_approved:${MANAGER}`,
      `case.resolved:${OPS}`,
      `case.closed:${OPS}`,
    ]);
    // Nothing more on a closed case.
    const late = await call('POST', `/v1/cases/${caseId}/notes`, { text: 'late' });
    expect(late.status).toBe(409);
    expect(late.json.error).toMatchObject({ code: 'case_closed' });
    expect(await countRows(stack.db, 'case_notes', { case_id: caseId })).toBe(1);

    await env.client.workflow.getHandle(caseWorkflowId(guestId, second)).terminate('test done');
  });

  it('counts points a case granted at once: a redemption of the whole new balance right after the compensation goes through', async () => {
    const { guestId } = await guestWithStay();
    const balance = async () =>
      Number(
        (
          (await stack.db('points_ledger').where({ guest_id: guestId }).orderBy('id', 'desc').first()) as {
            balance_after: string;
          }
        ).balance_after,
      );
    const caseId = randomUUID();
    expect((await call('POST', '/v1/cases', newCase(guestId), { idempotencyKey: caseId })).status).toBe(201);
    await ensureCase(guestId, caseId);
    // 5,000 points worth 100 USD, within the frontline limit: granted at once by the case's workflow.
    const comp = await call('POST', `/v1/cases/${caseId}/compensations`, {
      kind: 'points',
      amount: '100.00',
      currency: 'USD',
      points: 5000,
    });
    expect(comp.status, JSON.stringify(comp.json)).toBe(200);
    expect(comp.json.compensation).toMatchObject({ status: 'granted', points: 5000 });
    const all = await balance();
    // Everything, compensation included, in the very next request: the guest's workflow already counts it.
    const redeem = await call(
      'POST',
      `/v1/guests/${guestId}/points/redemptions`,
      { points: all },
      { idempotencyKey: randomUUID() },
    );
    expect(redeem.status, JSON.stringify(redeem.json)).toBe(200);
    expect(await balance()).toBe(0);
    // And the workflow's own balance agrees with the ledger.
    const live = await call('GET', `/v1/guests/${guestId}/workflow`);
    expect(live.json.workflow).toMatchObject({ state: { pointsBalance: 0 } });
  });

  it("takes a request made the moment the case is opened: the case's workflow is started with it, once", async () => {
    const { guestId } = await guestWithStay();
    const caseId = randomUUID();
    expect((await call('POST', '/v1/cases', newCase(guestId), { idempotencyKey: caseId })).status).toBe(201);
    // At once, before the guest's workflow has started the case's: no 503, no retry.
    const note = await call('POST', `/v1/cases/${caseId}/notes`, { text: 'Called back at once.' });
    expect(note.status, JSON.stringify(note.json)).toBe(200);
    expect(await countRows(stack.db, 'case_notes', { case_id: caseId })).toBe(1);
    // The guest's workflow finds it started (one run), and it works the case as usual: acknowledged.
    await eventually(async () =>
      (await stack.db('service_cases').where({ id: caseId }).first<{ acknowledged_at: Date | null }>())
        ?.acknowledged_at
        ? true
        : undefined,
    );
    const runs: string[] = [];
    for await (const w of env.client.workflow.list({
      query: `WorkflowId = '${caseWorkflowId(guestId, caseId)}'`,
    }))
      runs.push(w.runId);
    expect(runs).toHaveLength(1);
  });
});
