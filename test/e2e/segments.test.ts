/**
 * Segments over HTTP (api/segments/, db/repositories/segments.ts) on guests and stays written here: the count
 * matches a count in SQL; each guest's value segment and tenure are what domain/segments.ts decides from the
 * same facts, and a filter by them takes exactly those guests; bad definitions are 400s naming the field.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as guests from '../../db/repositories/guests.js';
import { RULES_V2 } from '../../domain/default-rules.js';
import {
  addDaysToDay,
  addMonthsToDay,
  DEFAULT_SEGMENT_SETTINGS,
  lapsedWithin,
  quintileCuts,
  rfmMatches,
  rfmScores,
  tenureOf,
  valueSegment,
  type Tenure,
  type ValueSegment,
} from '../../domain/segments.js';
import type { Stage } from '../../domain/stages.js';
import { sampleGuest } from '../pms-samples.js';
import { openApiStack, type ApiStack } from '../api-stack.js';

let api: ApiStack;
const today = new Date().toISOString().slice(0, 10);

interface Made {
  id: string;
  stage: Stage;
  tier: string;
  locale: string;
  enrolledOn: string | null;
  /** Revenue in the last 12 months, in the program currency (USD by RULES_V2). */
  revenue: number;
  /** Stays ever, and the last departure (null: none). */
  stays: number;
  lastDeparture: string | null;
  /** The UTC day of the move to lapsed written here (lapsed guests only). */
  lapsedOn: string | null;
}
const made: Made[] = [];

const STAGE_CYCLE: Stage[] = ['member', 'regular', 'vip', 'lapsed', 'churned', 'prospect', 'at_risk'];
const TIER_CYCLE = ['member', 'silver', 'gold', 'diamond'];

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-segments',
    pmsSecret: 'e2e-segments-pms-webhook-secret-0123456789',
    worker: false,
    keys: { marketer: 'e2e segments marketer', ops: 'e2e segments ops' },
  });
  const db = api.stack.db;
  for (let i = 0; i < 48; i++) {
    const stage = STAGE_CYCLE[i % STAGE_CYCLE.length]!;
    const tier = TIER_CYCLE[i % TIER_CYCLE.length]!;
    const locale = i % 3 === 0 ? 'zh-CN' : 'en';
    // Enrolled from today back over two years; a prospect never.
    const enrolledOn = stage === 'prospect' ? null : addDaysToDay(today, -((i * 17) % 730));
    const row = await guests.insertIfAbsent(db, {
      source: 'pms',
      profile: sampleGuest({ firstName: `Seg${String(i).padStart(2, '0')}`, lastName: 'Guest', locale }),
      asOf: new Date(),
    });
    await db('guests')
      .where({ id: row!.id })
      .update({
        stage,
        tier,
        marketing_consent: i % 2 === 0,
        timezone: 'UTC',
        enrolled_at: enrolledOn ? `${enrolledOn}T12:00:00Z` : null,
      });
    // Stays: none for every fifth guest; else one or two in the window and one older (which does not count).
    let revenue = 0;
    let stayCount = 0;
    let lastDeparture: string | null = null;
    if (i % 5 !== 0) {
      const stays = [
        { departure: addDaysToDay(today, -(10 + i)), cny: 500 + i * 137 },
        ...(i % 2 ? [{ departure: addDaysToDay(today, -(100 + i)), cny: 250 + i * 11 }] : []),
        { departure: addMonthsToDay(today, -14), cny: 9000 },
      ];
      for (const s of stays) {
        await db('stays').insert({
          guest_id: row!.id,
          source: 'pms',
          pms_stay_id: `seg-${randomUUID()}`,
          property_code: i % 4 === 0 ? 'SEG-A' : 'SEG-B',
          arrival: addDaysToDay(s.departure, -1),
          departure: s.departure,
          nights: 1,
          room_revenue: s.cny,
          currency: 'CNY',
          checked_out_at: `${s.departure}T10:00:00Z`,
          event_id: `seg-event-${randomUUID()}`,
        });
        if (s.departure >= addMonthsToDay(today, -12)) revenue += s.cny * RULES_V2.currencyRates.CNY!;
        stayCount += 1;
        if (lastDeparture === null || s.departure > lastDeparture) lastDeparture = s.departure;
      }
    }
    // A lapsed guest moved to lapsed 30 to 135 days ago (stage_history); one lapsed guest has no such row.
    let lapsedOn: string | null = null;
    if (stage === 'lapsed' && i !== 3) {
      lapsedOn = addDaysToDay(today, -((i * 3) % 200));
      await db('stage_history').insert({
        guest_id: row!.id,
        from_stage: 'at_risk',
        to_stage: 'lapsed',
        reason: 'test',
        actor: 'workflow',
        idempotency_key: `seg-lapse-${row!.id}`,
        at: `${lapsedOn}T${i % 2 ? '00:00:01' : '23:59:59'}Z`,
      });
      // An older move to lapsed, long before: the recent one counts.
      await db('stage_history').insert({
        guest_id: row!.id,
        from_stage: 'at_risk',
        to_stage: 'lapsed',
        reason: 'test',
        actor: 'workflow',
        idempotency_key: `seg-lapse-old-${row!.id}`,
        at: `${addDaysToDay(today, -900)}T12:00:00Z`,
      });
    }
    // A guest back from lapsed: a recent move to lapsed, but the stage is no longer lapsed.
    if (stage === 'regular' && i % 2 === 0)
      await db('stage_history').insert({
        guest_id: row!.id,
        from_stage: 'at_risk',
        to_stage: 'lapsed',
        reason: 'test',
        actor: 'workflow',
        idempotency_key: `seg-lapse-back-${row!.id}`,
        at: `${addDaysToDay(today, -10)}T12:00:00Z`,
      });
    made.push({
      id: row!.id,
      stage,
      tier,
      locale,
      enrolledOn,
      revenue,
      stays: stayCount,
      lastDeparture,
      lapsedOn,
    });
  }
});

afterAll(async () => {
  await api?.close();
});

interface Preview {
  count: number;
  spenders: number;
  rfmCuts: { recencyDays: number[]; stays: number[]; revenue: number[] } | null;
  guests: {
    id: string;
    value: ValueSegment;
    tenure: Tenure;
    revenue: string | null;
    rfm: { r: number; f: number; m: number } | null;
  }[];
}

const preview = (body: unknown, role: 'marketer' | 'ops' = 'marketer') =>
  api.request<Preview & { error: { code: string; details: { field?: string } } }>(
    'POST',
    '/v1/segments/preview',
    body,
    { key: api.keyFor(role) },
  );

/** What domain/segments.ts decides for each guest written here. */
function expected() {
  const spenders = made
    .filter((g) => g.revenue > 0)
    .sort((a, b) => b.revenue - a.revenue || (a.id < b.id ? -1 : 1));
  return new Map(
    made.map((g) => {
      const rank = spenders.indexOf(g) + 1 || null;
      return [
        g.id,
        {
          value: valueSegment({ rank, spenders: spenders.length }),
          tenure: tenureOf({ stage: g.stage, enrolledOn: g.enrolledOn }, today, {
            newMemberDays: DEFAULT_SEGMENT_SETTINGS.newMemberDays,
            reminderMonths: RULES_V2.firstYearReminderMonthsBefore,
          }),
        },
      ];
    }),
  );
}

describe('POST /v1/segments/preview', () => {
  it('counts the whole base, and gives each guest the value segment and tenure the domain decides', async () => {
    const res = await preview({ definition: {}, limit: 100 });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.count).toBe(made.length);
    expect(res.json.spenders).toBe(made.filter((g) => g.revenue > 0).length);
    const want = expected();
    for (const g of res.json.guests)
      expect({ id: g.id, ...want.get(g.id) }).toEqual({ id: g.id, value: g.value, tenure: g.tenure });
    // Every kind shows up in the data, so the comparison above covers them.
    expect(new Set(res.json.guests.map((g) => g.value))).toEqual(
      new Set(['vip', 'major', 'ordinary', 'small']),
    );
    expect(new Set(res.json.guests.map((g) => g.tenure)).size).toBeGreaterThanOrEqual(5);
  });

  it('a filter by value segment or tenure takes exactly the guests the domain puts there', async () => {
    const want = expected();
    const definitions: { value?: ValueSegment[]; tenure?: Tenure[] }[] = [
      { value: ['vip', 'major'] },
      { value: ['small'] },
      { tenure: ['new', 'first_year_ending'] },
    ];
    for (const definition of definitions) {
      const res = await preview({ definition, limit: 100 });
      expect(res.status).toBe(200);
      const ids = made
        .filter((g) => {
          const w = want.get(g.id)!;
          return definition.value
            ? definition.value.includes(w.value)
            : definition.tenure!.includes(w.tenure);
        })
        .map((g) => g.id)
        .sort();
      expect(res.json.guests.map((g) => g.id).sort(), JSON.stringify(definition)).toEqual(ids);
      expect(res.json.count).toBe(ids.length);
    }
  });

  it('"gold, lapsed, zh-CN, with consent, stayed at SEG-B" matches a count in SQL', async () => {
    const res = await preview({
      definition: {
        tiers: ['gold'],
        stages: ['lapsed', 'churned'],
        languages: ['zh-CN'],
        properties: ['SEG-B'],
      },
    });
    expect(res.status).toBe(200);
    const { rows } = await api.stack.db.raw<{ rows: { n: number }[] }>(
      `select count(*)::int as n from guests g
        where g.tier = 'gold' and g.stage in ('lapsed', 'churned') and g.locale = 'zh-CN'
          and exists (select 1 from stays s where s.guest_id = g.id and s.property_code = 'SEG-B')`,
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
    expect(res.json.count).toBe(rows[0]!.n);
    const consent = await preview({ definition: { marketingConsent: true } });
    expect(consent.json.count).toBe(
      await api.stack
        .db('guests')
        .where({ marketing_consent: true })
        .count({ n: '*' })
        .first()
        .then((r) => Number((r as { n: string }).n)),
    );
  });

  it("RFM: the cut points and each guest's scores are the domain's from the same facts, and a filter takes exactly those guests", async () => {
    const stayed = made.filter((g) => g.lastDeparture !== null);
    const facts = new Map(
      stayed.map((g) => [
        g.id,
        {
          recencyDays: (Date.parse(today) - Date.parse(g.lastDeparture!)) / 86_400_000,
          stays: g.stays,
          revenue: Math.round(g.revenue * 100) / 100,
        },
      ]),
    );
    const all = [...facts.values()];
    const cuts = {
      recencyDays: quintileCuts(all.map((f) => f.recencyDays))!,
      stays: quintileCuts(all.map((f) => f.stays))!,
      revenue: quintileCuts(all.map((f) => f.revenue))!,
    };
    const res = await preview({ definition: {}, limit: 100 });
    expect(res.json.rfmCuts).toEqual(cuts);
    const scores = new Map(
      made.map((g) => [g.id, facts.has(g.id) ? rfmScores(facts.get(g.id)!, cuts) : null]),
    );
    for (const g of res.json.guests)
      expect({ id: g.id, rfm: g.rfm }).toEqual({ id: g.id, rfm: scores.get(g.id) });
    // The scores spread (the guests here have one to three stays, so frequency takes fewer).
    for (const [k, least] of [
      ['r', 3],
      ['f', 2],
      ['m', 3],
    ] as const)
      expect(new Set([...scores.values()].filter(Boolean).map((s) => s![k])).size).toBeGreaterThanOrEqual(
        least,
      );
    for (const rfm of [
      { recency: [4, 5], monetary: [3, 5] },
      { frequency: [1, 1] },
      { recency: [1, 2], frequency: [2, 5], monetary: [1, 4] },
    ] as const) {
      const res = await preview({ definition: { rfm }, limit: 100 });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      const ids = made.filter((g) => rfmMatches(scores.get(g.id)!, rfm)).map((g) => g.id);
      expect(ids.length, JSON.stringify(rfm)).toBeGreaterThan(0);
      expect(res.json.guests.map((g) => g.id).sort(), JSON.stringify(rfm)).toEqual(ids.sort());
      expect(res.json.count).toBe(ids.length);
    }
  });

  it('lapsed within N days: the lapsed whose move to lapsed is that recent, as the domain decides', async () => {
    for (const days of [30, 90, 180]) {
      const res = await preview({ definition: { lapsedWithinDays: days }, limit: 100 });
      expect(res.status).toBe(200);
      const ids = made.filter((g) => lapsedWithin(g, today, days)).map((g) => g.id);
      expect(ids.length, `${days}`).toBeGreaterThan(0);
      expect(res.json.guests.map((g) => g.id).sort(), `${days}`).toEqual(ids.sort());
    }
    // Fewer within 30 days than within 180, and with other fields every one must hold.
    const combined = await preview({
      definition: { lapsedWithinDays: 180, languages: ['zh-CN'] },
      limit: 100,
    });
    expect(combined.json.count).toBe(
      made.filter((g) => lapsedWithin(g, today, 180) && g.locale === 'zh-CN').length,
    );
  });

  it('400 naming the field for a bad definition; 403 for an ops key', async () => {
    for (const [body, field] of [
      [{ definition: { tiers: ['platinum'] } }, 'definition.tiers.0'],
      [{ definition: { colour: 'blue' } }, 'definition.colour'],
      [{ definition: { value: [] } }, 'definition.value'],
      [{ definition: {}, limit: 0 }, 'limit'],
      [{ definition: { rfm: { recency: [4, 2] } } }, 'definition.rfm.recency'],
      [{ definition: { rfm: { recency: [0, 2] } } }, 'definition.rfm.recency.0'],
      [{ definition: { rfm: { loyalty: [1, 2] } } }, 'definition.rfm.loyalty'],
      [{ definition: { rfm: {} } }, 'definition.rfm'],
      [{ definition: { lapsedWithinDays: 0 } }, 'definition.lapsedWithinDays'],
      [{ definition: { lapsedWithinDays: 1.5 } }, 'definition.lapsedWithinDays'],
      [{}, 'definition'],
    ] as const) {
      const res = await preview(body);
      expect(res.status, field).toBe(400);
      expect(res.json.error, field).toMatchObject({ code: 'validation_failed', details: { field } });
    }
    expect((await preview({ definition: {} }, 'ops')).status).toBe(403);
  });
});
