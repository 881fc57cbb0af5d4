/**
 * `stay.amended` and `stay.cancelled` end to end over HTTP (docs/api.md, docs/program.md "Corrections"):
 * - a completed stay amended with a higher revenue gets one correction ledger row (reason `stay_amended`, the
 *   difference of its base points), the stay row takes the new figures and the reason stays on the event's row;
 *   a repeat of the event (delivered again, or handed to the workflow again) changes nothing; a second amendment
 *   corrects again from the new figure, and an older one delivered late changes nothing;
 * - a cancelled stay's points are reversed (reason `stay_cancelled`), the balance is back, the stay row is marked
 *   and no longer counted, its follow-up is withdrawn (the row cancelled, the held thank-you suppressed with the
 *   reason, the workflow cancelled) and the SMTP sink receives no thank-you or survey after the cancel; a
 *   cancellation of a stay nobody knows is recorded as rejected with its reason and changes no row;
 * - bad input is a 400 naming the field and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lifecycle from '../../db/repositories/lifecycle.js';
import * as reports from '../../db/repositories/reports.js';
import * as segments from '../../db/repositories/segments.js';
import { firstStayIdOf, type StayRow } from '../../db/repositories/stays.js';
import { followUpWorkflowId, guestWorkflowId } from '../../domain/ids.js';
import { STAY_CANCELLED } from '../../domain/mail-policy.js';
import { PMS_SOURCE, type StayAmendedMessage } from '../../domain/messages.js';
import { baseEarn } from '../../domain/points.js';
import { versionInForce } from '../../domain/program.js';
import { signalGuest } from '../../lib/signal-guest.js';
import { countTables, openApiStack, type ApiStack } from '../api-stack.js';
import { eventually, historySummary, stayCompletedBody, zoneWhereNowIs } from '../helpers.js';

const SECRET = 'e2e-stay-amendments-pms-webhook-secret-0123456789';
const OPS = 'e2e front office (amendments)';

let api: ApiStack;

beforeAll(async () => {
  api = await openApiStack({ name: 'e2e-amend', pmsSecret: SECRET, keys: { ops: OPS } });
});

afterAll(async () => {
  await api?.close(async ({ env, stack }) => {
    // The follow-ups left running (a month of cadence) end with the test.
    const rows: { guest_id: string; id: string }[] = await stack.db('stays').select('guest_id', 'id');
    for (const r of rows) {
      await env.client.workflow
        .getHandle(followUpWorkflowId(r.guest_id, r.id))
        .terminate('test done')
        .catch(() => undefined);
    }
  });
});

const DAY = 86_400_000;

const stayRow = async (id: string) => (await api.stack.db<StayRow>('stays').where({ id }).first())!;
const outboxStatus = async (where: Record<string, unknown>) =>
  (await api.stack.db('mail_outbox').where(where).first()) as
    { id: number; status: string; suppression_reason: string | null } | undefined;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Base points of `roomRevenue` CNY by the rules in force on `departure`. */
async function basePoints(roomRevenue: string, departure: string): Promise<number> {
  const version = versionInForce(await lifecycle.rulesVersions(api.stack.db), departure)!;
  return baseEarn({ roomRevenue, currency: 'CNY' }, version.rules).points;
}

interface LedgerRow {
  points: string | number;
  reason: string;
  source: string;
  idempotency_key: string;
}
const ledgerOf = async (guestId: string) =>
  ((await api.stack.db('points_ledger').where({ guest_id: guestId }).orderBy('id')) as LedgerRow[]).map(
    (r) => ({ ...r, points: Number(r.points) }),
  );
const balanceOf = async (guestId: string) => (await ledgerOf(guestId)).reduce((sum, r) => sum + r.points, 0);

interface WorkflowState {
  stays: number;
  nights: number;
  pointsBalance: number;
  eventsHandled: number;
  eventsRejected: number;
}
const workflowState = async (guestId: string): Promise<WorkflowState | undefined> => {
  const res = await api.request<{ workflow: { state: WorkflowState | null } | null }>(
    'GET',
    `/v1/guests/${guestId}/workflow`,
    undefined,
    { key: api.keyFor('ops') },
  );
  return res.json.workflow?.state ?? undefined;
};

const eventRow = (id: string) =>
  api.stack.db('pms_events').where({ id }).first() as Promise<
    | {
        handled_at: Date | null;
        rejected_at: Date | null;
        rejection_reason: string | null;
        payload: { data: Record<string, unknown> };
      }
    | undefined
  >;

const explain = (guestId: string) => () => historySummary(api.env.client, guestWorkflowId(guestId));

/** A two-night stay checked out `hoursAgo` hours ago, 1000 CNY; waits until the workflow has recorded it. */
async function completedStay(opts: { hoursAgo: number; timezone?: string }) {
  const out = Date.now() - opts.hoursAgo * 3_600_000;
  const body = stayCompletedBody({
    occurredAt: new Date(out).toISOString(),
    ...(opts.timezone ? { guest: { timezone: opts.timezone } } : {}),
    stay: { arrival: day(out - 2 * DAY), departure: day(out), nights: 2, roomRevenue: '1000.00' },
  });
  const res = await api.postPms(body);
  expect(res.status).toBe(202);
  const { guestId } = (await res.json()) as { guestId: string };
  const stay = await eventually(
    async () => {
      const s = await api.stack.db<StayRow>('stays').where({ guest_id: guestId }).first();
      const state = await workflowState(guestId);
      return s && state?.stays === 1 ? s : undefined;
    },
    { explain: explain(guestId) },
  );
  return { body, guestId, stayId: stay.id };
}

type CompletedBody = Awaited<ReturnType<typeof completedStay>>['body'];

function amendedBody(
  completed: CompletedBody,
  o: { roomRevenue: string; occurredAt: string; reason?: string; id?: string },
) {
  return {
    id: o.id ?? `evt-amend-${Math.random().toString(36).slice(2)}`,
    type: 'stay.amended',
    occurredAt: o.occurredAt,
    data: {
      guest: completed.data.guest,
      stay: { ...completed.data.stay, roomRevenue: o.roomRevenue },
      ...(o.reason ? { amendment: { reason: o.reason } } : {}),
    },
  };
}

function cancelledBody(completed: CompletedBody, o: { occurredAt: string; pmsStayId?: string }) {
  return {
    id: `evt-cancel-${Math.random().toString(36).slice(2)}`,
    type: 'stay.cancelled',
    occurredAt: o.occurredAt,
    data: {
      guest: completed.data.guest,
      stay: { pmsStayId: o.pmsStayId ?? completed.data.stay.pmsStayId, propertyCode: 'SHA-BUND' },
      cancellation: { reason: 'posted to the wrong profile' },
    },
  };
}

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

/**
 * Where the guest counts by the stay's property: a report by property (its churn reasons, which name the guest by
 * `reason`), a segment of the property, and the guest's first stay (a referral's).
 */
async function countedAt(guestId: string, property: string, reason: string) {
  const db = api.stack.db;
  const today = day(Date.now());
  const w = { from: today, to: today, zone: 'UTC', interval: 'day' as const, starts: [today], property };
  const ctx = await segments.segmentContext(db, today);
  const inSegment = await segments
    .segmentQuery(db, { properties: [property] }, ctx, await segments.spenders(db, ctx))
    .where('x.id', guestId)
    .select('x.id');
  return {
    report: (await reports.churnReasons(db, w)).some((r) => r.reason === reason),
    segment: inSegment.length > 0,
    firstStay: await firstStayIdOf(db, guestId),
  };
}

describe('stay.amended', () => {
  it('corrects the points by a ledger row with its reason; a repeat changes nothing; a second amendment corrects again', async () => {
    const { body, guestId, stayId } = await completedStay({ hoursAgo: 1 });
    const departure = body.data.stay.departure;
    const base1000 = await basePoints('1000.00', departure);
    const base1500 = await basePoints('1500.00', departure);
    const base800 = await basePoints('800.00', departure);
    expect(base1500).toBeGreaterThan(base1000);
    expect(await ledgerOf(guestId)).toMatchObject([{ reason: 'stay_base', points: base1000 }]);

    // Amended with a higher revenue: one correction row, the difference.
    const first = amendedBody(body, {
      roomRevenue: '1500.00',
      occurredAt: minutesAgo(30),
      reason: 'folio final',
    });
    const res = await api.postPms(first);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ guestId, duplicate: false });
    await eventually(async () => ((await eventRow(first.id))?.handled_at ? true : undefined), {
      explain: explain(guestId),
    });
    const afterFirst = await ledgerOf(guestId);
    expect(afterFirst).toHaveLength(2);
    expect(afterFirst[1]).toMatchObject({
      reason: 'stay_amended',
      source: 'stay',
      points: base1500 - base1000,
      idempotency_key: `${guestWorkflowId(guestId)}:stay-amended-base:${first.id}`,
    });
    expect(await stayRow(stayId)).toMatchObject({
      room_revenue: '1500.00',
      revision: 1,
      amended_event_id: first.id,
      cancelled_at: null,
    });
    // The reason is free text: on the event's row, not in the workflow's history.
    expect((await eventRow(first.id))!.payload.data).toMatchObject({ amendment: { reason: 'folio final' } });
    const history = JSON.stringify(
      await api.env.client.workflow.getHandle(guestWorkflowId(guestId)).fetchHistory(),
    );
    expect(history).not.toContain('folio final');
    const state = await eventually(async () => {
      const s = await workflowState(guestId);
      return s?.pointsBalance === base1500 ? s : undefined;
    });
    expect(state).toMatchObject({ stays: 1, nights: 2 });

    // The same event again: a duplicate; and handed to the workflow again (a re-drive): nothing changes.
    const again = await api.postPms(first);
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ duplicate: true });
    const handled = state.eventsHandled;
    const message: StayAmendedMessage = {
      type: 'stay.amended',
      eventId: first.id,
      source: PMS_SOURCE,
      occurredAt: new Date(first.occurredAt).toISOString(),
      stay: { ...body.data.stay, roomRevenue: '1500.00' },
    };
    await signalGuest(api.env.client, { guestId, taskQueue: api.taskQueue, message });
    await eventually(async () =>
      (await workflowState(guestId))!.eventsHandled > handled ? true : undefined,
    );
    expect(await ledgerOf(guestId)).toEqual(afterFirst);
    expect((await stayRow(stayId)).revision).toBe(1);

    // A second amendment corrects again, from the new figure.
    const second = amendedBody(body, { roomRevenue: '800.00', occurredAt: minutesAgo(20) });
    expect((await api.postPms(second)).status).toBe(202);
    await eventually(async () => ((await eventRow(second.id))?.handled_at ? true : undefined));
    const afterSecond = await ledgerOf(guestId);
    expect(afterSecond).toHaveLength(3);
    expect(afterSecond[2]).toMatchObject({ reason: 'stay_amended', points: base800 - base1500 });
    expect(await balanceOf(guestId)).toBe(base800);
    expect(await stayRow(stayId)).toMatchObject({
      room_revenue: '800.00',
      revision: 2,
    });
    await eventually(async () =>
      (await workflowState(guestId))?.pointsBalance === base800 ? true : undefined,
    );

    // An amendment older than the one applied, delivered late: handled, and nothing changes.
    const late = amendedBody(body, { roomRevenue: '5000.00', occurredAt: minutesAgo(25) });
    expect((await api.postPms(late)).status).toBe(202);
    await eventually(async () => ((await eventRow(late.id))?.handled_at ? true : undefined));
    expect(await ledgerOf(guestId)).toEqual(afterSecond);
    expect((await stayRow(stayId)).room_revenue).toBe('800.00');
  });

  it('records an amendment of a stay not yet known as the completed stay with the amended values', async () => {
    const out = Date.now() - 3_600_000;
    const completed = stayCompletedBody({
      occurredAt: new Date(out).toISOString(),
      stay: { arrival: day(out - DAY), departure: day(out), nights: 1, roomRevenue: '600.00' },
    });
    const amended = amendedBody(completed, { roomRevenue: '900.00', occurredAt: minutesAgo(10) });
    const res = await api.postPms(amended);
    expect(res.status).toBe(202);
    const { guestId } = (await res.json()) as { guestId: string };
    await eventually(async () => ((await eventRow(amended.id))?.handled_at ? true : undefined), {
      explain: explain(guestId),
    });
    // The completed stay arriving after it changes nothing.
    expect((await api.postPms(completed)).status).toBe(202);
    await eventually(async () => ((await eventRow(completed.id))?.handled_at ? true : undefined));
    const stays = await api.stack.db('stays').where({ guest_id: guestId });
    expect(stays).toMatchObject([{ room_revenue: '900.00', event_id: amended.id, revision: 0 }]);
    expect(await ledgerOf(guestId)).toMatchObject([
      { reason: 'stay_base', points: await basePoints('900.00', completed.data.stay.departure) },
    ]);
  });
});

describe('stay.cancelled', () => {
  it('reverses the points, marks the stay, withdraws its follow-up: no thank-you or survey after the cancel', async () => {
    // Night where the guest is: the thank-you (due two hours after check-out) is held for the send window.
    const night = await zoneWhereNowIs(api.env, 0, 5);
    const { body, guestId, stayId } = await completedStay({ hoursAgo: 3, timezone: night });
    const workflowId = guestWorkflowId(guestId);
    const thankYouKey = `${workflowId}:stay-thank-you:${stayId}`;
    const held = await eventually(
      async () => {
        const row = await outboxStatus({ idempotency_key: thankYouKey });
        return row?.status === 'pending' ? row : undefined;
      },
      { explain: () => historySummary(api.env.client, followUpWorkflowId(guestId, stayId)) },
    );
    const earned = await balanceOf(guestId);
    expect(earned).toBeGreaterThan(0);
    // Until the cancel, the stay makes the guest one of its property's (a churn reason names the guest).
    const property = body.data.stay.propertyCode;
    const reason = `e2e cancelled stay ${guestId}`;
    await api.stack
      .db('guests')
      .where({ id: guestId })
      .update({ churn_reason: reason, churn_reason_at: new Date() });
    expect(await countedAt(guestId, property, reason)).toEqual({
      report: true,
      segment: true,
      firstStay: stayId,
    });

    const cancel = cancelledBody(body, { occurredAt: minutesAgo(5) });
    const cancelledAt = Date.now();
    expect((await api.postPms(cancel)).status).toBe(202);
    await eventually(async () => ((await eventRow(cancel.id))?.handled_at ? true : undefined), {
      explain: explain(guestId),
    });

    const ledger = await ledgerOf(guestId);
    const reversals = ledger.filter((r) => r.reason === 'stay_cancelled');
    expect(reversals.length).toBeGreaterThan(0);
    expect(reversals.reduce((s, r) => s + r.points, 0)).toBe(-earned);
    expect(await balanceOf(guestId)).toBe(0);
    const stay = await stayRow(stayId);
    expect(stay.cancelled_at).not.toBeNull();
    expect(stay.cancelled_event_id).toBe(cancel.id);
    // A cancelled stay is no stay: not in the property's reports or segments, and no first stay to pay a referral.
    expect(await countedAt(guestId, property, reason)).toEqual({
      report: false,
      segment: false,
      firstStay: undefined,
    });
    expect(await outboxStatus({ id: held.id })).toMatchObject({
      status: 'suppressed',
      suppression_reason: STAY_CANCELLED,
    });
    const followUp = followUpWorkflowId(guestId, stayId);
    expect(await api.stack.db('follow_ups').where({ workflow_id: followUp }).first()).toMatchObject({
      status: 'cancelled',
    });
    await eventually(async () => {
      const d = await api.env.client.workflow.getHandle(followUp).describe();
      return d.status.name === 'CANCELLED' ? true : undefined;
    });
    // The guest page shows it cancelled, and counts no stay.
    const card = await api.request<{
      totals: { stays: number };
      stays: { id: string; cancelledAt: string | null; revision: number }[];
    }>('GET', `/v1/guests/${guestId}`, undefined, { key: api.keyFor('ops') });
    expect(card.json.totals.stays).toBe(0);
    expect(card.json.stays).toEqual([expect.objectContaining({ id: stayId, revision: 0 })]);
    expect(card.json.stays[0]!.cancelledAt).not.toBeNull();
    // The carried totals follow: no stay, no points.
    await eventually(async () => {
      const s = await workflowState(guestId);
      return s?.stays === 0 && s.pointsBalance === 0 ? true : undefined;
    });

    // The same cancellation under another event id: nothing more.
    const repeat = { ...cancelledBody(body, { occurredAt: minutesAgo(4) }) };
    expect((await api.postPms(repeat)).status).toBe(202);
    await eventually(async () => ((await eventRow(repeat.id))?.handled_at ? true : undefined));
    expect(await ledgerOf(guestId)).toEqual(ledger);

    // No thank-you or survey went to the guest after the cancel, and none is left to go.
    await new Promise((r) => setTimeout(r, 1000));
    const to = body.data.guest.email;
    const received = api.stack.sink
      .messages()
      .filter((m) => m.to.includes(to) && Date.parse(m.receivedAt) >= cancelledAt);
    expect(received.map((m) => m.subject)).toEqual([]);
    const left = await api.stack
      .db('mail_outbox')
      .where({ guest_id: guestId })
      .whereIn('template', ['stay-thank-you', 'satisfaction-survey'])
      .whereIn('status', ['pending', 'sent']);
    expect(left).toEqual([]);
  });

  it('records a cancellation of a stay nobody knows as rejected with its reason, and changes no row', async () => {
    const { body, guestId, stayId } = await completedStay({ hoursAgo: 1 });
    // Its follow-up has recorded its row (it starts beside the guest's workflow).
    await eventually(async () =>
      (await api.stack
        .db('follow_ups')
        .where({ workflow_id: followUpWorkflowId(guestId, stayId) })
        .first())
        ? true
        : undefined,
    );
    const before = await countTables(api.stack.db, ['stays', 'points_ledger', 'mail_outbox', 'follow_ups']);
    const cancel = cancelledBody(body, { occurredAt: minutesAgo(1), pmsStayId: 'S-nobody-knows' });
    expect((await api.postPms(cancel)).status).toBe(202);
    const row = await eventually(async () => {
      const r = await eventRow(cancel.id);
      return r?.rejected_at ? r : undefined;
    });
    expect(row.rejection_reason).toMatch(/UnknownStay: stay S-nobody-knows is not known/);
    expect(await countTables(api.stack.db, ['stays', 'points_ledger', 'mail_outbox', 'follow_ups'])).toEqual(
      before,
    );
    expect(await api.stack.db('stays').where({ guest_id: guestId }).whereNotNull('cancelled_at')).toEqual([]);
  });
});

describe('bad input', () => {
  it('is a 400 naming the field, and writes nothing', async () => {
    const out = Date.now() - 3_600_000;
    const completed = stayCompletedBody({
      occurredAt: new Date(out).toISOString(),
      stay: { arrival: day(out - DAY), departure: day(out), nights: 1 },
    });
    const before = await countTables(api.stack.db, ['guests', 'pms_events', 'stays', 'points_ledger']);
    const cases: [unknown, string][] = [
      [
        (() => {
          const b = amendedBody(completed, { roomRevenue: '1.00', occurredAt: minutesAgo(1) });
          delete (b.data.stay as { roomRevenue?: string }).roomRevenue;
          return b;
        })(),
        'data.stay.roomRevenue',
      ],
      [
        amendedBody(completed, { roomRevenue: '1.00', occurredAt: minutesAgo(1), reason: 'x'.repeat(201) }),
        'data.amendment.reason',
      ],
      [
        { ...cancelledBody(completed, { occurredAt: minutesAgo(1) }), data: { guest: completed.data.guest } },
        'data.stay',
      ],
      [
        (() => {
          const b = cancelledBody(completed, { occurredAt: minutesAgo(1) });
          b.data.cancellation.reason = 'line\nbreak';
          return b;
        })(),
        'data.cancellation.reason',
      ],
    ];
    for (const [body, field] of cases) {
      const res = await api.postPms(body);
      expect(res.status, field).toBe(400);
      const answer = (await res.json()) as {
        error: { code: string; message: string; details: { field: string } };
      };
      expect(answer.error.code).toBe('validation_failed');
      expect(answer.error.details.field, JSON.stringify(answer)).toBe(field);
    }
    expect(await countTables(api.stack.db, ['guests', 'pms_events', 'stays', 'points_ledger'])).toEqual(
      before,
    );
  });
});
