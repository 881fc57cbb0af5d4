/**
 * The front desk's arrivals (`GET /v1/arrivals?property=&date=`) over real HTTP: guests and bookings come in as
 * signed PMS events (booking, cancellation, enrolment, profile with a birthday); what the guest's workflow would
 * have recorded since (stays, tier, stage, cases, a survey answer, follow-ups, a taboo) is written with the repositories
 * the activities use. No worker runs, so nothing changes those rows behind the test. Every brief field is
 * checked; a cancelled booking, another property's and another day's arrivals are left out; a day of three
 * arrivals costs no more statements than a day of one (but the lapses, asked only for a lapsed guest); bad queries are a 400 naming the parameter.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cadences from '../../db/repositories/cadences.js';
import * as cases from '../../db/repositories/cases.js';
import * as lifecycle from '../../db/repositories/lifecycle.js';
import * as preferences from '../../db/repositories/preferences.js';
import * as stays from '../../db/repositories/stays.js';
import * as surveys from '../../db/repositories/survey-responses.js';
import { caseWorkflowId, followUpWorkflowId } from '../../domain/ids.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import {
  bookingCancelledBody,
  bookingCreatedBody,
  memberEnrolledBody,
  newBookingId,
  profileUpdatedBody,
  sampleGuest,
} from '../pms-samples.js';

const SECRET = 'e2e-arrivals-pms-webhook-secret-0123456789';
const DAY = '2026-12-20';
const NEXT_DAY = '2026-12-21';

let api: ApiStack;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-arrivals',
    pmsSecret: SECRET,
    worker: false,
    keys: { ops: 'e2e front desk (arrivals)', marketer: 'e2e marketing (arrivals)' },
  });
});

afterAll(async () => {
  await api?.close();
});

interface Answer {
  property: string;
  date: string;
  count: number;
  arrivals: Record<string, unknown>[];
  error?: { code: string; details: { field: string } };
}

const arrivalsAt = (property: string, date: string, key: string | null = api.keyFor('ops')) =>
  api.request<Answer>(
    'GET',
    `/v1/arrivals?property=${encodeURIComponent(property)}&date=${date}`,
    undefined,
    { key },
  );

async function pms(body: unknown): Promise<{ guestId: string; memberNumber?: string }> {
  const res = await api.postPms(body);
  expect(res.status, JSON.stringify(body)).toBe(202);
  return (await res.json()) as { guestId: string; memberNumber?: string };
}

/** A guest through a booking event, with the booking's PMS id. */
async function booked(
  guest: { firstName: string; lastName: string; locale?: string },
  booking: { propertyCode: string; arrival: string; departure: string; offerCode?: string },
) {
  const profile = sampleGuest({ locale: 'en', ...guest });
  const bookingId = newBookingId();
  const { guestId } = await pms(
    bookingCreatedBody({ guest: profile, booking: { bookingId, offerCode: undefined, ...booking } }),
  );
  return { guestId, profile, bookingId };
}

async function stay(guestId: string, propertyCode: string, arrival: string, departure: string) {
  const nights = (Date.parse(departure) - Date.parse(arrival)) / 86_400_000;
  const { stay: row } = await stays.insertIfAbsent(api.stack.db, {
    guestId,
    source: 'pms',
    eventId: `evt-fixture-${randomUUID()}`,
    checkedOutAt: new Date(`${departure}T03:00:00Z`),
    stay: {
      pmsStayId: `S-${randomUUID().slice(0, 12)}`,
      propertyCode,
      arrival,
      departure,
      nights,
      roomRevenue: '900.00',
      currency: 'USD',
    },
  });
  return row.id;
}

async function openCase(
  guestId: string,
  o: { priority: 'low' | 'normal' | 'high' | 'urgent'; openedAt: string; category?: 'facilities' | 'other' },
) {
  const id = randomUUID();
  await cases.openCase(
    api.stack.db,
    {
      id,
      guestId,
      workflowId: caseWorkflowId(guestId, id),
      source: 'phone',
      category: o.category ?? 'facilities',
      priority: o.priority,
      propertyCode: 'ARR-OLD',
      department: 'front_office',
      receivedBy: 'Front desk',
      openedAt: new Date(o.openedAt),
      idempotencyKey: id,
    },
    'e2e arrivals',
  );
  return id;
}

describe('GET /v1/arrivals', () => {
  it('lists the day’s arrivals at the property by name, each with its brief', async () => {
    const property = `ARR-${randomUUID().slice(0, 8)}`;
    const db = api.stack.db;

    // 张伟: a gold member with two stays, three cases (one closed), a low survey score, a follow-up running,
    // a birthday on the second night.
    const zhang = await booked(
      { firstName: '伟', lastName: '张', locale: 'zh-CN' },
      { propertyCode: property, arrival: DAY, departure: '2026-12-23', offerCode: 'WINTER26' },
    );
    const { memberNumber } = await pms(memberEnrolledBody({ guest: zhang.profile }));
    await pms(
      profileUpdatedBody({
        guest: zhang.profile,
        extras: { birthday: '1988-12-21', marketingConsent: true },
        occurredAt: '2026-03-06T08:00:00Z',
      }),
    );
    await stay(zhang.guestId, 'ARR-OLD', '2026-03-01', '2026-03-04');
    const lastStayId = await stay(zhang.guestId, 'ARR-LAST', '2026-09-10', '2026-09-12');
    await lifecycle.recordTier(db, {
      guestId: zhang.guestId,
      tier: 'gold',
      previous: 'member',
      validFrom: '2026-09-12',
      validThrough: '2027-12-31',
      source: 'upgrade',
      reason: 'e2e arrivals',
      rulesVersion: 2,
      key: `e2e-arrivals:tier:${zhang.guestId}`,
      at: new Date('2026-09-12T03:00:00Z'),
    });
    await lifecycle.recordStage(db, {
      guestId: zhang.guestId,
      from: 'member',
      to: 'vip',
      reason: 'e2e arrivals',
      actor: 'workflow',
      at: new Date('2026-09-12T03:00:00Z'),
      key: `e2e-arrivals:stage:${zhang.guestId}`,
    });
    await openCase(zhang.guestId, { priority: 'normal', openedAt: '2026-09-13T08:00:00Z' });
    const urgentId = await openCase(zhang.guestId, {
      priority: 'urgent',
      openedAt: '2026-09-14T08:00:00Z',
      category: 'other',
    });
    await cases.updateCase(db, urgentId, { sla_state: 'duty_manager' });
    const closedId = await openCase(zhang.guestId, { priority: 'urgent', openedAt: '2026-09-01T08:00:00Z' });
    await cases.updateCase(db, closedId, { status: 'closed', closed_at: new Date('2026-09-05T08:00:00Z') });
    const { row: answer } = await surveys.recordAnswer(
      db,
      {
        guestId: zhang.guestId,
        stayId: lastStayId,
        answer: { score: 2, wouldReturn: 'no', recommend: 3, comment: 'The room was cold.' },
        actor: 'e2e arrivals',
      },
      (row) => `survey:${row.stay_id}:${row.answers}`,
    );
    const followUpId = followUpWorkflowId(zhang.guestId, lastStayId);
    await cadences.insertFollowUp(db, {
      workflowId: followUpId,
      guestId: zhang.guestId,
      stayId: lastStayId,
      cadenceKey: 'post-stay',
      version: 1,
      startedAt: new Date('2026-09-12T03:00:00Z'),
    });
    await cadences.markStepDone(db, { workflowId: followUpId, stepId: 'thank-you' });
    // What the front desk must know: a taboo recorded on the guest card (api/guests/preferences.ts).
    await preferences.add(db, {
      guest_id: zhang.guestId,
      kind: 'taboo',
      category: 'food',
      text: 'No coriander',
      source: 'staff',
      recorded_by: 'e2e front desk',
    });

    // Ada Lovelace: lapsed (a win-back runs), never stayed, a birthday outside the stay.
    const ada = await booked(
      { firstName: 'Ada', lastName: 'Lovelace' },
      { propertyCode: property, arrival: DAY, departure: '2026-12-22' },
    );
    await pms(profileUpdatedBody({ guest: ada.profile, extras: { birthday: '1990-12-22' } }));
    await lifecycle.recordStage(db, {
      guestId: ada.guestId,
      from: 'member',
      to: 'lapsed',
      reason: 'e2e arrivals',
      actor: 'workflow',
      at: new Date('2026-11-30T01:00:00Z'),
      key: `e2e-arrivals:stage:${ada.guestId}`,
    });

    // George Byron: one stay, nothing else.
    const byron = await booked(
      { firstName: 'george', lastName: 'byron' },
      { propertyCode: property, arrival: DAY, departure: '2026-12-21' },
    );
    await stay(byron.guestId, property, '2026-05-01', '2026-05-02');

    // Left out: a cancelled booking, another property's arrival, the next day's arrival.
    const cancelled = await booked(
      { firstName: 'Carl', lastName: 'Cancelled' },
      { propertyCode: property, arrival: DAY, departure: '2026-12-22' },
    );
    await pms(
      bookingCancelledBody({
        guest: cancelled.profile,
        booking: { bookingId: cancelled.bookingId },
        occurredAt: '2026-03-05T08:00:00Z',
      }),
    );
    await booked(
      { firstName: 'Elsewhere', lastName: 'Aaron' },
      { propertyCode: `${property}-2`, arrival: DAY, departure: '2026-12-22' },
    );
    await booked(
      { firstName: 'Tomorrow', lastName: 'Aaron' },
      { propertyCode: property, arrival: NEXT_DAY, departure: '2026-12-22' },
    );

    const zhangBooking = await db('bookings')
      .where({ pms_booking_id: zhang.bookingId })
      .first<{ id: string; created_at: Date }>('id', 'created_at');

    const res = await arrivalsAt(property, DAY);
    expect(res.status).toBe(200);
    expect(res.json.property).toBe(property);
    expect(res.json.date).toBe(DAY);
    expect(res.json.count).toBe(3);
    expect(res.json.arrivals.map((a) => (a.guest as { id: string }).id)).toEqual([
      byron.guestId,
      ada.guestId,
      zhang.guestId,
    ]);
    const [byronBrief, adaBrief, zhangBrief] = res.json.arrivals;

    expect(zhangBrief).toEqual({
      guest: {
        id: zhang.guestId,
        firstName: '伟',
        lastName: '张',
        memberNumber,
        language: 'zh-CN',
        marketingConsent: true,
        stage: 'vip',
      },
      booking: {
        id: zhangBooking.id,
        pmsBookingId: zhang.bookingId,
        arrival: DAY,
        departure: '2026-12-23',
        nights: 3,
        offerCode: 'WINTER26',
        bookedAt: zhangBooking.created_at.toISOString(),
      },
      tier: {
        name: 'gold',
        validThrough: '2027-12-31',
        rulesVersion: 2,
        benefits: [
          { code: 'bonus_points', percent: 80 },
          { code: 'member_rate' },
          { code: 'free_wifi' },
          { code: 'digital_key' },
          { code: 'late_checkout' },
          { code: 'bottled_water' },
          { code: 'room_upgrade', upTo: 'preferred_room' },
          { code: 'daily_breakfast' },
        ],
      },
      stays: {
        count: 2,
        last: { propertyCode: 'ARR-LAST', arrival: '2026-09-10', departure: '2026-09-12' },
      },
      openCases: {
        count: 2,
        mostUrgent: {
          id: urgentId,
          status: 'open',
          category: 'other',
          priority: 'urgent',
          slaState: 'duty_manager',
          propertyCode: 'ARR-OLD',
          openedAt: '2026-09-14T08:00:00.000Z',
        },
      },
      lastSurvey: {
        stayId: lastStayId,
        score: 2,
        wouldReturn: 'no',
        recommend: 3,
        answeredAt: answer.answered_at.toISOString(),
      },
      followUp: {
        running: 1,
        latest: {
          workflowId: followUpId,
          stayId: lastStayId,
          cadenceKey: 'post-stay',
          cadenceVersion: 1,
          stepsDone: ['thank-you'],
          startedAt: '2026-09-12T03:00:00.000Z',
        },
      },
      winBack: null,
      preferences: [
        {
          id: expect.any(Number) as number,
          kind: 'taboo',
          category: 'food',
          text: 'No coriander',
          source: 'staff',
          recordedBy: 'e2e front desk',
          at: expect.any(String) as string,
        },
      ],
      birthdayDuringStay: '2026-12-21',
    });
    // The guest's words stay on the case and the survey row: the brief carries none.
    expect(JSON.stringify(res.json)).not.toContain('cold');

    expect(adaBrief).toMatchObject({
      guest: { id: ada.guestId, firstName: 'Ada', lastName: 'Lovelace', memberNumber: null, language: 'en' },
      booking: { pmsBookingId: ada.bookingId, nights: 2, offerCode: null },
      tier: {
        name: 'member',
        benefits: [
          { code: 'member_rate' },
          { code: 'free_wifi' },
          { code: 'digital_key' },
          { code: 'late_checkout' },
        ],
      },
      stays: { count: 0, last: null },
      openCases: { count: 0, mostUrgent: null },
      lastSurvey: null,
      followUp: null,
      winBack: { lapsedAt: '2026-11-30T01:00:00.000Z' },
      preferences: [],
      birthdayDuringStay: null,
    });
    expect(adaBrief!.guest).toMatchObject({ stage: 'lapsed' });

    expect(byronBrief).toMatchObject({
      guest: { id: byron.guestId, firstName: 'george', lastName: 'byron' },
      stays: { count: 1, last: { propertyCode: property, arrival: '2026-05-01', departure: '2026-05-02' } },
      openCases: { count: 0, mostUrgent: null },
      followUp: null,
      winBack: null,
      birthdayDuringStay: null,
    });

    // The next day has its own arrival; another property's too.
    expect((await arrivalsAt(property, NEXT_DAY)).json.count).toBe(1);
    expect((await arrivalsAt(`${property}-2`, DAY)).json.count).toBe(1);
    expect((await arrivalsAt(`${property}-none`, DAY)).json).toEqual({
      property: `${property}-none`,
      date: DAY,
      count: 0,
      arrivals: [],
    });

    // Statements do not grow with the arrivals: the facts are read for the whole list at once.
    const statements = async (p: string, date: string) => {
      let n = 0;
      // The key's check is left out: the app trusts a key it checked for a few seconds (api/auth.ts).
      const count = (q: { sql: string }) => void (q.sql.includes('api_keys') ? 0 : (n += 1));
      db.on('query', count);
      try {
        expect((await arrivalsAt(p, date)).status).toBe(200);
      } finally {
        db.off('query', count);
      }
      return n;
    };
    // Whatever earlier requests still write in the background must not be counted: wait for a quiet 300 ms.
    for (let busy = true; busy;) {
      let seen = 0;
      const see = () => void (seen += 1);
      db.on('query', see);
      await new Promise((r) => setTimeout(r, 300));
      db.off('query', see);
      busy = seen > 0;
    }
    await statements(property, DAY);
    const one = await statements(property, NEXT_DAY);
    const three = await statements(property, DAY);
    // The bookings, six kinds of facts (preferences too) and the rules; the lapses only when a guest is lapsed.
    expect(three).toBeLessThanOrEqual(8);
    expect(three - one).toBe(1);
  });

  it('refuses what it must: 400 naming the parameter, 401 without a key, 403 for a marketer', async () => {
    for (const [query, field] of [
      ['', 'property'],
      [`date=${DAY}`, 'property'],
      ['property=ARR-X', 'date'],
      ['property=ARR-X&date=2026-02-30', 'date'],
      ['property=ARR-X&date=20261220', 'date'],
      [`property=ARR-X&date=${DAY}&colour=red`, 'colour'],
      [`property=A&property=B&date=${DAY}`, 'property'],
      [`property=${encodeURIComponent('ARR\u0000')}&date=${DAY}`, 'property'],
      [`property=${'P'.repeat(41)}&date=${DAY}`, 'property'],
    ] as const) {
      const res = await api.request<Answer>('GET', `/v1/arrivals?${query}`, undefined, {
        key: api.keyFor('ops'),
      });
      expect(res.status, query).toBe(400);
      expect(res.json.error, query).toMatchObject({ code: 'validation_failed', details: { field } });
    }
    expect((await arrivalsAt('ARR-X', DAY, null)).status).toBe(401);
    expect((await arrivalsAt('ARR-X', DAY, api.keyFor('marketer'))).status).toBe(403);
  });
});
