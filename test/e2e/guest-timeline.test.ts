/**
 * `GET /v1/guests/:id/timeline` over real HTTP, with the real worker on the dev server: a guest's first stay,
 * reported twelve days late, enrols the guest (a stage change), earns points, sends the welcome at once and has
 * its follow-up's first three steps suppressed as too old; staff redeem points with a note. The timeline lists
 * all of it newest first, with the key's name and no address, pages without gaps or repeats, and says what
 * happens next (the workflow's deadlines, the come-back offer still to come). Bad queries are 400s naming the
 * field, an unknown guest a 404, a guest without a workflow still has a timeline.
 */
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestWorkflowId } from '../../domain/ids.js';
import type { GuestTimelineEntry, PlannedMail } from '../../lib/guest-timeline.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { eventually, stayCompletedBody } from '../helpers.js';

const SECRET = 'e2e-timeline-pms-webhook-secret-0123456789';
const OPS = 'Front desk Ann (e2e timeline)';

let api: ApiStack;
let opsKey: string;

interface Page {
  guestId: string;
  limit: number;
  next: {
    deadlines: { kind: string; at: string }[];
    unavailable: string | null;
    plannedMails: PlannedMail[];
  } | null;
  entries: GuestTimelineEntry[];
  nextCursor: string | null;
}

interface ErrorAnswer {
  error: { code: string; details: { field?: string } };
}

beforeAll(async () => {
  api = await openApiStack({ name: 'e2e-timeline', pmsSecret: SECRET, keys: { ops: OPS } });
  opsKey = api.keyFor('ops');
});

afterAll(async () => {
  await api?.close();
});

const timeline = (guestId: string, query = '') =>
  api.request<Page>('GET', `/v1/guests/${guestId}/timeline${query}`, undefined, { key: opsKey });

type Of<K extends GuestTimelineEntry['kind']> = Extract<GuestTimelineEntry, { kind: K }>;
const ofKind = <K extends GuestTimelineEntry['kind']>(page: Page, kind: K): Of<K>[] =>
  page.entries.filter((e): e is Of<K> => e.kind === kind);

describe('GET /v1/guests/:id/timeline', () => {
  let guestId: string;
  let email: string;
  let pmsStayId: string;
  let full: Page;

  beforeAll(async () => {
    // Checked out twelve days ago: the thank-you (due 2 h after), the survey (1 day) and the review request
    // (3 days) are more than 7 days old when the follow-up plans them; the come-back offer (30 days) is to come.
    const checkOut = DateTime.utc().minus({ days: 12 }).startOf('hour');
    const body = stayCompletedBody({
      occurredAt: checkOut.toISO(),
      stay: {
        arrival: checkOut.minus({ days: 2 }).toISODate(),
        departure: checkOut.toISODate(),
        nights: 2,
      },
    });
    email = body.data.guest.email;
    pmsStayId = body.data.stay.pmsStayId;
    const res = await api.postPms(body);
    expect(res.status).toBe(202);
    guestId = ((await res.json()) as { guestId: string }).guestId;

    // The three stale steps suppressed and the welcome sent: the follow-up has reached its last step.
    await eventually(
      async () => {
        const page = (await timeline(guestId)).json;
        const mails = ofKind(page, 'mail');
        return mails.filter((m) => m.status === 'suppressed').length === 3 &&
          mails.some((m) => m.status === 'sent')
          ? page
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const redeemed = await api.request<{ ledgerId: number }>(
      'POST',
      `/v1/guests/${guestId}/points/redemptions`,
      { points: 200, note: 'Spa voucher, asked for at the front desk' },
      { key: opsKey, idempotencyKey: randomUUID() },
    );
    expect(redeemed.status).toBe(200);
    full = (await timeline(guestId, '?limit=200')).json;
  }, 90_000);

  it('lists the stay, the stage change, the mails and the staff redemption, newest first, without the address', () => {
    const at = full.entries.map((e) => Date.parse(e.at));
    expect(at).toEqual([...at].sort((a, b) => b - a));
    expect(new Set(full.entries.map((e) => e.id)).size).toBe(full.entries.length);

    const stay = ofKind(full, 'points').find((p) => p.reason === 'stay_base');
    expect(stay).toMatchObject({
      id: expect.stringMatching(/^ledger:\d+$/) as unknown,
      source: 'stay',
      points: 1802,
      balanceAfter: 1802,
      rulesVersion: 2,
      stay: { pmsStayId, propertyCode: 'SHA-BUND', nights: 2 },
    });
    expect(ofKind(full, 'stage')).toContainEqual(
      expect.objectContaining({ from: 'prospect', to: 'member', actor: 'workflow' }),
    );

    const mails = ofKind(full, 'mail');
    expect(mails.find((m) => m.status === 'sent')).toMatchObject({
      template: 'welcome-member',
      class: 'transactional',
      audience: 'guest',
      subject: expect.any(String) as unknown,
      sentAt: expect.any(String) as unknown,
      suppression: null,
    });
    const suppressed = mails.filter((m) => m.status === 'suppressed');
    expect(suppressed.map((m) => m.template).sort()).toEqual([
      'review-request',
      'satisfaction-survey',
      'stay-thank-you',
    ]);
    for (const m of suppressed) {
      expect(m.suppression?.code).toBe('stay_too_old');
      expect(m.suppression?.text).toMatch(/^stay_too_old: due \d{4}-\d{2}-\d{2}, more than 7 days ago$/);
    }

    const redemption = ofKind(full, 'action').find((a) => a.action === 'points.redeemed');
    expect(redemption).toMatchObject({
      actor: OPS,
      facts: {
        points: 200,
        note: 'Spa voucher, asked for at the front desk',
        result: { points: -200, balanceAfter: 1602 },
      },
    });
    expect(ofKind(full, 'points').find((p) => p.reason === 'redemption')).toMatchObject({
      points: -200,
      balanceAfter: 1602,
    });
    // The redemption came after the stay: it is listed before it.
    expect(full.entries.indexOf(redemption!)).toBeLessThan(full.entries.indexOf(stay!));

    expect(ofKind(full, 'pms_event')).toContainEqual(
      expect.objectContaining({ type: 'stay.completed', status: 'handled', rejectionReason: null }),
    );
    expect(ofKind(full, 'action').find((a) => a.action === 'guest.created')).toMatchObject({
      facts: { fields: expect.arrayContaining(['email', 'firstName']) as unknown },
    });

    // Facts, not contact data: no address, and no field named `to`.
    const json = JSON.stringify(full);
    expect(json).not.toContain(email);
    expect(json).not.toContain('"to_address"');
    expect(mails.every((m) => !('to' in m))).toBe(true);
  });

  it('says what happens next: the dated deadlines and the mail still to come', () => {
    expect(full.next?.unavailable).toBeNull();
    const deadlines = full.next!.deadlines;
    expect(deadlines.length).toBeGreaterThan(0);
    expect(deadlines.map((d) => d.kind)).toContain('lapse');
    for (const d of deadlines) expect(d.at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const times = deadlines.map((d) => Date.parse(d.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const comeBack = full.next!.plannedMails.find((m) => m.template === 'come-back-offer');
    expect(comeBack).toMatchObject({
      source: 'follow_up',
      cadence: 'post-stay',
      stepId: 'come-back',
      class: 'marketing',
      condition: 'no_booking_since_anchor',
    });
    // Due 30 days after the check-out, sent in the 09:00–20:00 window: 17 to 19 days from now.
    const days = (Date.parse(comeBack!.at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(17);
    expect(days).toBeLessThan(19);
    expect(full.next!.plannedMails.map((m) => m.template)).not.toContain('stay-thank-you');
  });

  it('pages: two pages of a limit cover every entry once, in order; later pages carry no `next`', async () => {
    const n = full.entries.length;
    expect(n).toBeGreaterThanOrEqual(8);
    const limit = Math.ceil(n / 2);
    const first = await timeline(guestId, `?limit=${limit}`);
    expect(first.status).toBe(200);
    expect(first.json.entries).toHaveLength(limit);
    expect(first.json.next?.deadlines.length).toBeGreaterThan(0);
    expect(first.json.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await timeline(guestId, `?limit=${limit}&cursor=${first.json.nextCursor}`);
    expect(second.status).toBe(200);
    expect(second.json.next).toBeNull();
    expect(second.json.nextCursor).toBeNull();
    expect([...first.json.entries, ...second.json.entries]).toEqual(full.entries);

    // One at a time, the same list.
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = (await timeline(guestId, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`)).json;
      ids.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor && ids.length <= n);
    expect(ids).toEqual(full.entries.map((e) => e.id));
  });

  it.each([
    ['?limit=0', 'limit'],
    ['?limit=201', 'limit'],
    ['?limit=ten', 'limit'],
    ['?limit=1&limit=2', 'limit'],
    ['?cursor=not%20a%20cursor', 'cursor'],
    [`?cursor=${Buffer.from('{"at":"yesterday","k":"mail:1"}').toString('base64url')}`, 'cursor'],
    ['?colour=red', 'colour'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    const r = await api.request<ErrorAnswer>('GET', `/v1/guests/${guestId}/timeline${query}`, undefined, {
      key: opsKey,
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'validation_failed', details: { field } });
  });

  it('answers 400 for an id that is not a guest id, 404 for an unknown guest', async () => {
    const bad = await api.request<ErrorAnswer>('GET', '/v1/guests/nobody/timeline', undefined, {
      key: opsKey,
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.field).toBe('id');
    const unknown = await api.request<ErrorAnswer>('GET', `/v1/guests/${randomUUID()}/timeline`, undefined, {
      key: opsKey,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatchObject({ code: 'guest_not_found', details: { field: 'id' } });
  });

  it('answers when the workflow has ended: no deadlines, and why; the entries all the same', async () => {
    await api.env.client.workflow.getHandle(guestWorkflowId(guestId)).terminate('timeline e2e');
    const r = await timeline(guestId, '?limit=200');
    expect(r.status).toBe(200);
    expect(r.json.next).toMatchObject({ deadlines: [], unavailable: 'workflow_not_running' });
    expect(r.json.entries).toEqual(full.entries);
  });

  it('answers for a guest whose workflow never started: no deadlines, and why', async () => {
    const [row] = await api.stack
      .db('guests')
      .insert({
        source: 'e2e-timeline',
        pms_profile_id: randomUUID(),
        first_name: 'Mei',
        last_name: 'Wang',
        email: `timeline-${randomUUID()}@guest.example`,
        locale: 'en',
        timezone: 'Asia/Shanghai',
        profile_as_of: new Date(),
      })
      .returning<{ id: string }[]>('id');
    const r = await timeline(row!.id);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      guestId: row!.id,
      limit: 50,
      next: { deadlines: [], unavailable: 'workflow_not_found', plannedMails: [] },
      entries: [],
      nextCursor: null,
    });
  });
});
