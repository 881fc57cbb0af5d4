/**
 * `GET /v1/workflows` over real HTTP against the dev server's visibility: the guest's workflow publishes its
 * stage, tier and last property as search attributes (contracts/guest.ts), and staff filter on them, a page at
 * a time. Bad filters are a 400 naming the field.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestWorkflowId } from '../../domain/ids.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { eventually, stayCompletedBody } from '../helpers.js';

let api: ApiStack;
let opsKey: string;
const PROPERTY_A = `WFA${randomUUID().slice(0, 6).toUpperCase()}`;
const PROPERTY_B = `WFB${randomUUID().slice(0, 6).toUpperCase()}`;

interface Listed {
  workflows: {
    workflowId: string;
    type: string;
    status: string;
    guest: { stage: string; tier: string; lastProperty: string; openCases: number } | null;
  }[];
  nextCursor: string | null;
}

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-workflows',
    pmsSecret: 'e2e-workflows-pms-webhook-secret-0123456789',
    keys: { ops: 'e2e workflows ops', marketer: 'e2e workflows marketer' },
  });
  opsKey = api.keyFor('ops');
});

afterAll(async () => {
  await api?.close();
});

async function guestStayingAt(property: string): Promise<string> {
  const res = await api.postPms(
    stayCompletedBody({
      occurredAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
      stay: { propertyCode: property },
    }),
  );
  expect(res.status).toBe(202);
  return ((await res.json()) as { guestId: string }).guestId;
}

const list = (query: string) =>
  api.request<Listed>('GET', `/v1/workflows?${query}`, undefined, { key: opsKey });

describe('GET /v1/workflows', () => {
  it("filters guests' workflows by type, status, stage, tier and property, a page at a time", async () => {
    const [a1, a2, b] = [
      await guestStayingAt(PROPERTY_A),
      await guestStayingAt(PROPERTY_A),
      await guestStayingAt(PROPERTY_B),
    ];
    const atA = await eventually(async () => {
      const r = await list(
        `type=guestLifecycle&status=Running&stage=member&tier=member&property=${PROPERTY_A}`,
      );
      return r.json.workflows.length === 2 ? r : undefined;
    });
    expect(atA.status).toBe(200);
    expect(atA.json.workflows.map((w) => w.workflowId).sort()).toEqual(
      [guestWorkflowId(a1), guestWorkflowId(a2)].sort(),
    );
    expect(atA.json.workflows[0]).toMatchObject({
      type: 'guestLifecycle',
      status: 'Running',
      guest: { stage: 'member', tier: 'member', lastProperty: PROPERTY_A, openCases: 0 },
    });
    // Whose each run is: the id from the workflow id, the name from Postgres (Temporal holds ids only).
    const named = atA.json.workflows[0] as unknown as { guestId: string; guestName: { firstName: string } };
    expect([a1, a2]).toContain(named.guestId);
    expect(named.guestName.firstName).toEqual(expect.any(String));

    const atB = await list(`type=guestLifecycle&property=${PROPERTY_B}`);
    expect(atB.json.workflows.map((w) => w.workflowId)).toEqual([guestWorkflowId(b)]);
    expect((await list(`property=${PROPERTY_B}&tier=gold`)).json.workflows).toEqual([]);

    // One at a time: the cursor gives the other, and then no more.
    const first = await list(`property=${PROPERTY_A}&limit=1`);
    expect(first.json.workflows).toHaveLength(1);
    expect(first.json.nextCursor).toEqual(expect.any(String));
    const second = await list(`property=${PROPERTY_A}&limit=1&cursor=${first.json.nextCursor}`);
    expect(second.json.workflows).toHaveLength(1);
    expect(second.json.workflows[0]!.workflowId).not.toBe(first.json.workflows[0]!.workflowId);
  });

  it('shows one workflow: its state, next deadlines, pending work, last events and the Web UI link', async () => {
    const guestId = await guestStayingAt(PROPERTY_A);
    const workflowId = guestWorkflowId(guestId);
    const detail = await eventually(async () => {
      const r = await api.request<{
        type: string;
        status: string;
        state: { stage: string; stays: number } | null;
        nextDeadlines: { kind: string; at: string }[];
        pendingChildren: { workflowId: string; type: string }[];
        lastEvents: { eventId: number; type: string; at: string }[];
        webUiUrl: string;
      }>('GET', `/v1/workflows/${workflowId}`, undefined, { key: opsKey });
      return r.status === 200 && r.json.state?.stays === 1 ? r.json : undefined;
    });
    expect(detail).toMatchObject({ type: 'guestLifecycle', status: 'Running', state: { stage: 'member' } });
    const times = detail.nextDeadlines.map((d) => Date.parse(d.at));
    expect(times.length).toBeGreaterThan(0);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(detail.nextDeadlines.map((d) => d.kind)).toContain('lapse');
    expect(detail.lastEvents.length).toBeGreaterThan(0);
    expect(detail.lastEvents[0]!.eventId).toBeGreaterThan(detail.lastEvents.at(-1)!.eventId);
    expect(detail.lastEvents.map((e) => e.type)).toContain('WorkflowExecutionSignaled');
    expect(detail.webUiUrl).toMatch(
      new RegExp(
        `^http://127\\.0\\.0\\.1:8233/namespaces/default/workflows/${workflowId}/[0-9a-f-]+/history$`,
      ),
    );

    const missing = await api.request<{ error: { code: string } }>(
      'GET',
      '/v1/workflows/guest-nobody',
      undefined,
      {
        key: opsKey,
      },
    );
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('workflow_not_found');
    const bad = await api.request<{ error: { details: { field: string } } }>(
      'GET',
      `/v1/workflows/${encodeURIComponent('guest x')}`,
      undefined,
      { key: opsKey },
    );
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.field).toBe('id');
  });

  it.each([
    ['stage=sleeping', 'stage'],
    ['tier=platinum', 'tier'],
    ['type=somethingElse', 'type'],
    ['status=running', 'status'],
    ["property=A' OR '1'='1", 'property'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['cursor=not a cursor', 'cursor'],
    ['colour=red', 'colour'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    const r = await api.request<{ error: { code: string; details: { field: string } } }>(
      'GET',
      `/v1/workflows?${encodeURI(query)}`,
      undefined,
      { key: opsKey },
    );
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'validation_failed', details: { field } });
  });

  it('is for staff: a marketer gets 403', async () => {
    const r = await api.request('GET', '/v1/workflows', undefined, { key: api.keyFor('marketer') });
    expect(r.status).toBe(403);
  });
});
