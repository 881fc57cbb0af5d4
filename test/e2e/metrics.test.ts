/**
 * The API's Prometheus metrics (lib/metrics.ts) end to end: real requests, a worker with the real activities,
 * PostgreSQL, and `GET /metrics` on its own port. Request timings are labelled by route with ids as `:id`;
 * the gauges read what the record holds at the scrape: a mail refused for good, a mail overdue, the follow-up running on the published cadence, an open case and a compensation waiting for a
 * manager, a PMS event no workflow handled. A database that does not answer leaves `record_up` at 0 and the
 * scrape still answers.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/knex.js';
import * as pmsEvents from '../../db/repositories/pms-events.js';
import { createActivities } from '../../activities/index.js';
import { createMetrics, listenMetrics } from '../../lib/metrics.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { countRows, eventually, stayCompletedBody } from '../helpers.js';

const SECRET = 'e2e-metrics-pms-webhook-secret-0123456789';

let api: ApiStack;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-metrics',
    pmsSecret: SECRET,
    keys: { ops: 'e2e night auditor (metrics)' },
    // An event counts as unhandled at once here (60 s in production); a mail due over an hour ago is overdue.
    metrics: { unhandledAfterSeconds: 0, overdueAfterSeconds: 3600 },
  });
});

afterAll(async () => {
  await api?.close();
});

/** The scrape as `name{labels}` → value (labels as Prometheus prints them, in order). */
async function scrape(url = api.metricsUrl!): Promise<Map<string, number>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

const requests = (m: Map<string, number>, method: string, route: string, status: number) =>
  m.get(
    `guest_engine_http_request_duration_seconds_count{method="${method}",route="${route}",status="${status}"}`,
  ) ?? 0;

describe('GET /metrics', () => {
  it('times every request by route, ids as :id and unknown paths as one label', async () => {
    const before = await scrape();
    const guestId = randomUUID();
    const opsKey = api.keyFor('ops');
    const unknownGuest = await fetch(`${api.baseUrl}/v1/guests/${guestId}`, {
      headers: { authorization: `Bearer ${opsKey}` },
    });
    expect(unknownGuest.status).toBe(404);
    for (const path of ['/v1/nothing-here', `/v1/nothing/${randomUUID()}`, '/wp-admin/setup.php'])
      expect((await fetch(`${api.baseUrl}${path}`)).status).toBe(404);
    const stay = await api.postPms(stayCompletedBody({ occurredAt: new Date().toISOString() }));
    expect(stay.status).toBe(202);
    expect((await fetch(`${api.baseUrl}/v1/guests/${guestId}`)).status).toBe(401);
    // Refused before any route (no key): however its path is made of route names, one label.
    expect((await fetch(`${api.baseUrl}/v1/cases/notes/guests/links/points`)).status).toBe(401);

    const after = await scrape();
    const delta = (method: string, route: string, status: number) =>
      requests(after, method, route, status) - requests(before, method, route, status);
    expect(delta('GET', '/v1/guests/:id', 404)).toBe(1);
    expect(delta('GET', 'unmatched', 401)).toBe(2);
    expect(delta('POST', '/v1/pms/events', 202)).toBe(1);
    expect(delta('GET', 'unmatched', 404)).toBe(3);
    // No id, path or key in any label.
    const text = [...after.keys()].join('\n');
    expect(text).not.toContain(guestId);
    expect(text).not.toContain('wp-admin');
    expect(text).not.toContain('nothing');
    expect(text).not.toContain('/v1/cases/notes');
    // The process's own metrics are there too.
    expect(after.get('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('reads the record: a failed and a waiting mail, the running follow-up, an open case, a compensation awaiting approval, an unhandled PMS event', async () => {
    const db = api.stack.db;
    const before = await scrape();
    expect(before.get('guest_engine_record_up')).toBe(1);
    const gauge = (m: Map<string, number>, key: string) => m.get(`guest_engine_${key}`) ?? 0;

    // A member whose address the mail server refuses (550): the welcome fails for good. The stay's follow-up
    // runs on the published post-stay cadence.
    const body = stayCompletedBody({
      occurredAt: new Date().toISOString(),
      guest: { email: `metrics-${randomUUID().slice(0, 8)}@bounce.example` },
    });
    const res = await api.postPms(body);
    expect(res.status).toBe(202);
    const { guestId } = (await res.json()) as { guestId: string };
    await eventually(async () =>
      (await countRows(db, 'mail_outbox', { guest_id: guestId, status: 'failed' })) === 1 &&
      (await countRows(db, 'follow_ups', { guest_id: guestId, status: 'running' })) === 1
        ? true
        : undefined,
    );
    const followUp = (await db('follow_ups').where({ guest_id: guestId }).first()) as {
      cadence_key: string;
      cadence_version: number;
    };
    // A mail the planning activity queued for two hours ago that no worker delivered: pending and overdue.
    const planned = await createActivities(api.stack.deps).planMail({
      guestId,
      template: 'welcome-member',
      idempotencyKey: `metrics-test:${guestId}:stuck`,
      vars: { memberNumber: 'M-1' },
      marketing: false,
      now: new Date(Date.now() - 2 * 3_600_000).toISOString(),
    });
    expect(planned.status).toBe('pending');

    // A case by phone, and a refund above the frontline limit (2,000 USD): it waits for a manager.
    const opsKey = api.keyFor('ops');
    const caseId = randomUUID();
    const opened = await api.request<{ id: string }>(
      'POST',
      '/v1/cases',
      {
        guestId,
        source: 'phone',
        category: 'facilities',
        priority: 'normal',
        propertyCode: 'SHA-BUND',
        department: 'engineering',
        receivedBy: 'Night auditor',
      },
      { key: opsKey, idempotencyKey: caseId },
    );
    expect(opened.status, JSON.stringify(opened.json)).toBe(201);
    const refund = await api.request<{ compensation: { status: string } }>(
      'POST',
      `/v1/cases/${caseId}/compensations`,
      { kind: 'refund', amount: '2500.00', currency: 'USD' },
      { key: opsKey, idempotencyKey: randomUUID() },
    );
    expect(refund.status, JSON.stringify(refund.json)).toBe(200);
    expect(refund.json.compensation.status).toBe('awaiting_approval');

    // An event the API recorded but no workflow took (Temporal refused it): what the sweeper re-drives.
    await pmsEvents.insertIfAbsent(db, {
      id: `evt-metrics-${randomUUID()}`,
      type: 'profile.updated',
      occurredAt: new Date(),
      payloadHash: 'x',
      payload: {},
      guestId,
      workflowId: `guest-${guestId}`,
    });

    // Mails (the case's acknowledgement), follow-ups and events (the stay's, until its workflow handles it) come and
    // go: scrape while the rows stand still.
    const rows = async () => ({
      pending: await countRows(db, 'mail_outbox', { status: 'pending' }),
      failed: await countRows(db, 'mail_outbox', { status: 'failed' }),
      followUps: await countRows(db, 'follow_ups', {
        status: 'running',
        cadence_key: followUp.cadence_key,
        cadence_version: followUp.cadence_version,
      }),
      unsignalled: Number(
        (
          (await db('pms_events')
            .whereNull('handled_at')
            .whereNull('rejected_at')
            .whereNull('signalled_at')
            .count({ n: '*' })
            .first()) as { n: string }
        ).n,
      ),
    });
    const { after, pending, failed, unsignalled, followUps } = await eventually(async () => {
      const before = await rows();
      const m = await scrape();
      const now = await rows();
      return JSON.stringify(before) === JSON.stringify(now) ? { after: m, ...now } : undefined;
    });
    const delta = (key: string) => gauge(after, key) - gauge(before, key);
    // The welcome and the case's acknowledgement, both refused.
    expect(gauge(after, 'mails{state="failed"}')).toBe(failed);
    expect(
      await countRows(db, 'mail_outbox', { guest_id: guestId, status: 'failed' }),
    ).toBeGreaterThanOrEqual(1);
    expect(gauge(after, 'mails{state="pending"}')).toBe(pending);
    expect(pending).toBeGreaterThanOrEqual(1);
    expect(delta('mails{state="overdue"}')).toBe(1);
    // Its send time is the oldest due: about two hours ago.
    expect(gauge(after, 'mail_oldest_due_seconds')).toBeGreaterThanOrEqual(7200);
    expect(gauge(after, 'mail_oldest_due_seconds')).toBeLessThan(7200 + 120);
    expect(delta('service_cases_open{sla_state="on_track"}')).toBe(1);
    expect(delta('compensations_awaiting_approval')).toBe(1);
    expect(gauge(after, 'pms_events_unhandled{state="unsignalled"}')).toBe(unsignalled);
    expect(unsignalled).toBeGreaterThanOrEqual(1);
    expect(gauge(after, 'pms_event_oldest_unhandled_seconds')).toBeGreaterThanOrEqual(0);
    expect(
      gauge(
        after,
        `follow_ups_running{cadence="${followUp.cadence_key}",version="${followUp.cadence_version}"}`,
      ),
    ).toBe(followUps);
    expect(followUps).toBeGreaterThanOrEqual(1);
    expect(gauge(after, 'record_up')).toBe(1);
  });

  it('answers with record_up 0 when the database does not answer, and 404 for any other path', async () => {
    const db = createDb('postgres://nobody:nothing@127.0.0.1:1/none', { poolMax: 1 });
    const metrics = createMetrics({ db, logger: pino({ level: 'silent' }), timeoutMs: 500 });
    const server = await listenMetrics(metrics, '127.0.0.1', 0);
    try {
      const { port } = server.address() as { port: number };
      const m = await scrape(`http://127.0.0.1:${port}/metrics`);
      expect(m.get('guest_engine_record_up')).toBe(0);
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      await new Promise((r) => server.close(r));
      await db.destroy();
    }
  });
});
