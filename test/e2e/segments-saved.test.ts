/**
 * Saved segments, their guests and CSV, and the requalification forecast over HTTP (api/segments/,
 * db/repositories/segments.ts) on guests, stays and ledger rows written here: a saved segment's count matches
 * a count in SQL, its pages cover every guest once in name order, the CSV parsed back holds the same guests
 * with the same facts, the forecast is the members domain/tiers.ts moves down with their shortfall; bad inputs
 * are 400s naming the field and write nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as guests from '../../db/repositories/guests.js';
import { RULES_V2 } from '../../domain/default-rules.js';
import { addDaysToDay } from '../../domain/segments.js';
import { dropsAtReview, requalificationForecast, type Tier } from '../../domain/tiers.js';
import { sampleGuest } from '../pms-samples.js';
import { countTables, openApiStack, type ApiStack } from '../api-stack.js';

let api: ApiStack;
const today = new Date().toISOString().slice(0, 10);
const year = Number(today.slice(0, 4));

interface Made {
  id: string;
  firstName: string;
  lastName: string;
  tier: Tier;
  floor: Tier | null;
  locale: string;
  email: string;
  memberNumber: string | null;
  /** This year's stays, nights and base points. */
  activity: { stays: number; nights: number; basePoints: number };
}
const made: Made[] = [];

// Names that tie when case is ignored, Chinese and Latin, and one that a spreadsheet would read as a formula.
const LAST = ['Ng', 'ng', 'NG', 'Zhou', '王', 'Adams', "O'Brien", '=SUM(A1)'];
const FIRST = ['Mei', 'mei', 'Li, Na', '小明', 'Ann "Annie"'];
const TIER_CYCLE: Tier[] = ['member', 'silver', 'gold', 'diamond'];
const N = 131;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-segments-saved',
    pmsSecret: 'e2e-segments-saved-pms-webhook-secret-0123456789',
    worker: false,
    keys: { marketer: 'Marketing Chen', admin: 'Admin Qian', ops: 'Front desk Lin' },
  });
  const db = api.stack.db;
  for (let i = 0; i < N; i++) {
    const firstName = FIRST[i % FIRST.length]!;
    const lastName = LAST[i % LAST.length]!;
    const locale = i % 3 === 0 ? 'zh-CN' : 'en';
    const tier = TIER_CYCLE[i % TIER_CYCLE.length]!;
    // A floor on every 9th member: some hold the tier, one (silver under a gold) is a floor below nothing.
    const floor: Tier | null = tier !== 'member' && i % 9 === 0 ? (i % 2 ? tier : 'silver') : null;
    const row = await guests.insertIfAbsent(db, {
      source: 'pms',
      profile: sampleGuest({ firstName, lastName, locale }),
      asOf: new Date(),
    });
    const memberNumber = tier === 'member' && i % 2 ? null : `M${String(100000 + i)}`;
    await db('guests')
      .where({ id: row!.id })
      .update({
        tier,
        tier_floor: floor,
        stage: i % 4 === 0 ? 'lapsed' : 'member',
        marketing_consent: i % 2 === 0,
        member_number: memberNumber,
        enrolled_at: `${addDaysToDay(today, -400)}T00:00:00Z`,
      });
    // This year: 0 to 24 stays of 1 to 3 nights, departing today or earlier this year (never before 1 January).
    const activity = { stays: 0, nights: 0, basePoints: 0 };
    const stays = (i * 7) % 25;
    for (let k = 0; k < stays; k++) {
      let departure = addDaysToDay(today, -((k * 3) % 300));
      if (departure < `${year}-01-01`) departure = today;
      const nights = 1 + ((i + k) % 3);
      const stayId = randomUUID();
      await db('stays').insert({
        id: stayId,
        guest_id: row!.id,
        source: 'pms',
        pms_stay_id: `saved-${randomUUID()}`,
        property_code: 'SAVED-A',
        arrival: addDaysToDay(departure, -nights),
        departure,
        nights,
        room_revenue: 800,
        currency: 'CNY',
        checked_out_at: `${departure}T10:00:00Z`,
        event_id: `saved-event-${randomUUID()}`,
      });
      const points = 1000 * nights;
      activity.basePoints += points;
      await db('points_ledger').insert({
        guest_id: row!.id,
        points,
        balance_after: activity.basePoints,
        reason: 'stay_base',
        stay_id: stayId,
        idempotency_key: `saved-points-${stayId}`,
      });
      activity.stays += 1;
      activity.nights += nights;
    }
    made.push({
      id: row!.id,
      firstName,
      lastName,
      tier,
      floor,
      locale,
      email: row!.email,
      memberNumber,
      activity,
    });
  }
}, 120_000);

afterAll(async () => {
  await api?.close();
});

type Role = 'marketer' | 'admin' | 'ops';
interface ErrorAnswer {
  error: { code: string; message: string; details: { field?: string } };
}

async function call<T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  role: Role = 'marketer',
) {
  const res = await fetch(`${api.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${api.keyFor(role)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: (text ? JSON.parse(text) : undefined) as T & ErrorAnswer,
  };
}

interface Saved {
  id: string;
  name: string;
  definition: Record<string, unknown>;
  createdBy: string;
  updatedBy: string;
  archivedAt: string | null;
}
interface Guest {
  id: string;
  memberNumber: string | null;
  firstName: string;
  lastName: string;
  email: string;
  language: string;
  tier: string;
  stays: number;
  rfm: { r: number; f: number; m: number } | null;
  value: string;
  tenure: string;
  revenue: string | null;
}

/** RFC 4180, as the export writes it (a BOM first, CRLF lines, quoted fields with doubled quotes). */
function parseCsv(text: string): string[][] {
  expect(text.charCodeAt(0)).toBe(0xfeff);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field).toBe('');
  return rows;
}

/** Every page of a saved segment's guests, following nextCursor. */
async function allPages(id: string, limit: number): Promise<{ guests: Guest[]; pages: number }> {
  const out: Guest[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q: string = cursor ? `&cursor=${cursor}` : '';
    const res = await call<{ guests: Guest[]; nextCursor: string | null }>(
      'GET',
      `/v1/segments/${id}/guests?limit=${limit}${q}`,
    );
    expect(res.status, res.text).toBe(200);
    expect(res.json.guests.length).toBeLessThanOrEqual(limit);
    out.push(...res.json.guests);
    cursor = res.json.nextCursor;
    pages += 1;
  } while (cursor);
  return { guests: out, pages };
}

const sqlCount = async (sql: string, bindings: unknown[] = []) =>
  (
    await api.stack.db.raw<{ rows: { n: number }[] }>(
      `select count(*)::int as n from (${sql}) q`,
      bindings as never,
    )
  ).rows[0]!.n;

describe('saved segments', () => {
  let segment: Saved;

  it("saves a definition under a name with the key's name, lists it, and opens it with a count that matches SQL", async () => {
    const definition = { tiers: ['gold', 'diamond'], languages: ['en'], marketingConsent: true };
    const res = await call<{ segment: Saved }>('POST', '/v1/segments', {
      name: '  Gold+ English, agreed ',
      definition,
    });
    expect(res.status, res.text).toBe(201);
    segment = res.json.segment;
    expect(segment).toMatchObject({
      name: 'Gold+ English, agreed',
      definition,
      createdBy: 'Marketing Chen',
      archivedAt: null,
    });
    const row: unknown = await api.stack.db('segments').where({ id: segment.id }).first();
    expect(row).toMatchObject({ name: 'Gold+ English, agreed', definition, created_by: 'Marketing Chen' });

    const list = await call<{ segments: Saved[] }>('GET', '/v1/segments');
    expect(list.json.segments.map((s) => s.id)).toContain(segment.id);

    const opened = await call<{ segment: Saved; count: number; asOf: string }>(
      'GET',
      `/v1/segments/${segment.id}`,
    );
    expect(opened.status).toBe(200);
    expect(opened.json.asOf).toBe(today);
    const n = await sqlCount(
      `select 1 from guests where tier in ('gold', 'diamond') and locale = 'en' and marketing_consent`,
    );
    expect(n).toBeGreaterThan(5);
    expect(opened.json.count).toBe(n);
  });

  it('pages cover every guest once, in name order, whatever the page size', async () => {
    const whole = await call<{ segment: Saved }>('POST', '/v1/segments', {
      name: 'Everyone',
      definition: {},
    });
    expect(whole.status).toBe(201);
    for (const limit of [1, 7, 50, 200]) {
      const { guests: got, pages } = await allPages(whole.json.segment.id, limit);
      expect(got.length, `limit ${limit}`).toBe(N);
      expect(new Set(got.map((g) => g.id)).size).toBe(N);
      expect(pages).toBe(Math.max(1, Math.ceil(N / limit)));
      // Name order: last name, first name, any case, then id (the keyset the cursor carries).
      const key = (g: Guest) => [g.lastName.toLowerCase(), g.firstName.toLowerCase(), g.id] as const;
      for (let i = 1; i < got.length; i++) {
        const [a, b] = [key(got[i - 1]!), key(got[i]!)];
        expect(
          a[0] === b[0] ? (a[1] === b[1] ? a[2] < b[2] : true) : true,
          `${a.join('|')} before ${b.join('|')}`,
        ).toBe(true);
      }
    }
    const page = await call<{ guests: Guest[] }>(
      'GET',
      `/v1/segments/${whole.json.segment.id}/guests?limit=200`,
    );
    const wang = page.json.guests.find((g) => g.lastName === '王')!;
    const made1 = made.find((m) => m.id === wang.id)!;
    expect(wang).toMatchObject({
      email: made1.email,
      memberNumber: made1.memberNumber,
      language: made1.locale,
    });
  });

  it('exports the segment as CSV: a header, every guest once with the facts of the guest list, recorded', async () => {
    const res = await fetch(`${api.baseUrl}/v1/segments/${segment.id}/export.csv`, {
      headers: { authorization: `Bearer ${api.keyFor('marketer')}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="segment-\d{4}-\d{2}-\d{2}\.csv"; filename\*=UTF-8''Gold%2B%20English%2C%20agreed%20/,
    );
    const rows = parseCsv(new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer()));
    const [header, ...body] = rows;
    expect(header).toEqual([
      'id',
      'member_number',
      'first_name',
      'last_name',
      'email',
      'language',
      'marketing_consent',
      'stage',
      'tier',
      'value',
      'tenure',
      'revenue',
      'stays',
      'recency_days',
      'rfm_recency',
      'rfm_frequency',
      'rfm_monetary',
    ]);
    const { guests: listed } = await allPages(segment.id, 200);
    expect(body.length).toBe(listed.length);
    expect(body.map((r) => r[0])).toEqual(listed.map((g) => g.id));
    for (const [i, r] of body.entries()) {
      const g = listed[i]!;
      const rec = Object.fromEntries(header!.map((h, k) => [h, r[k]]));
      expect(rec, g.id).toEqual({
        id: g.id,
        member_number: g.memberNumber ?? '',
        first_name: g.firstName,
        last_name: g.lastName.startsWith('=') ? `'${g.lastName}` : g.lastName,
        email: g.email,
        language: 'en',
        marketing_consent: 'true',
        stage: rec.stage,
        tier: g.tier,
        value: g.value,
        tenure: g.tenure,
        revenue: g.revenue ?? '',
        stays: String(g.stays),
        recency_days: rec.recency_days,
        rfm_recency: g.rfm ? String(g.rfm.r) : '',
        rfm_frequency: g.rfm ? String(g.rfm.f) : '',
        rfm_monetary: g.rfm ? String(g.rfm.m) : '',
      });
    }
    // A name with a comma and quotes comes back whole; one that looks like a formula is defused.
    expect(body.some((r) => r[2] === 'Ann "Annie"' || r[2] === 'Li, Na')).toBe(true);
    expect(body.every((r) => !r[3]!.startsWith('='))).toBe(true);
    const exported: unknown = await api.stack.db('segment_exports').where({ segment_id: segment.id }).first();
    expect(exported).toMatchObject({ kind: 'segment', exported_by: 'Marketing Chen', rows: body.length });
  });

  it('renames and redefines, refuses a name taken, archives, and a name archived is free again', async () => {
    const changed = await call<{ segment: Saved }>(
      'POST',
      `/v1/segments/${segment.id}`,
      {
        definition: { tiers: ['gold'] },
      },
      'admin',
    );
    expect(changed.status, changed.text).toBe(200);
    expect(changed.json.segment).toMatchObject({
      name: 'Gold+ English, agreed',
      definition: { tiers: ['gold'] },
      updatedBy: 'Admin Qian',
      createdBy: 'Marketing Chen',
    });
    const opened = await call<{ count: number }>('GET', `/v1/segments/${segment.id}`);
    expect(opened.json.count).toBe(await sqlCount(`select 1 from guests where tier = 'gold'`));

    const taken = await call('POST', '/v1/segments', { name: 'gold+ ENGLISH, agreed', definition: {} });
    expect(taken.status).toBe(409);
    expect(taken.json.error).toMatchObject({ code: 'name_taken', details: { field: 'name' } });
    const renameTaken = await call('POST', `/v1/segments/${segment.id}`, { name: 'EVERYONE' });
    expect(renameTaken.status).toBe(409);

    const archived = await call<{ segment: Saved }>('DELETE', `/v1/segments/${segment.id}`);
    expect(archived.status).toBe(200);
    expect(archived.json.segment.archivedAt).not.toBeNull();
    expect(
      (await api.stack.db('segments').where({ id: segment.id }).first<{ archived_by: string }>('archived_by'))
        .archived_by,
    ).toBe('Marketing Chen');
    const list = await call<{ segments: Saved[] }>('GET', '/v1/segments');
    expect(list.json.segments.map((s) => s.id)).not.toContain(segment.id);
    // Still readable by id (what went to it keeps its name), no longer changeable.
    expect((await call('GET', `/v1/segments/${segment.id}`)).status).toBe(200);
    expect((await call('DELETE', `/v1/segments/${segment.id}`)).status).toBe(404);
    expect((await call('POST', `/v1/segments/${segment.id}`, { name: 'x' })).status).toBe(404);
    const again = await call('POST', '/v1/segments', { name: 'Gold+ English, agreed', definition: {} });
    expect(again.status).toBe(201);
  });

  it('400 naming the field, and nothing written; 404 for an unknown id; 403 for an ops key', async () => {
    const before = await countTables(api.stack.db, ['segments', 'segment_exports']);
    const bad: [string, 'GET' | 'POST' | 'DELETE', unknown, string][] = [
      ['/v1/segments', 'POST', { definition: {} }, 'name'],
      ['/v1/segments', 'POST', { name: '', definition: {} }, 'name'],
      ['/v1/segments', 'POST', { name: 'x'.repeat(101), definition: {} }, 'name'],
      [
        '/v1/segments',
        'POST',
        { name: 'Bad tier', definition: { tiers: ['platinum'] } },
        'definition.tiers.0',
      ],
      [
        '/v1/segments',
        'POST',
        { name: 'Bad rfm', definition: { rfm: { monetary: [5, 1] } } },
        'definition.rfm.monetary',
      ],
      [
        '/v1/segments',
        'POST',
        { name: 'Bad days', definition: { lapsedWithinDays: -1 } },
        'definition.lapsedWithinDays',
      ],
      ['/v1/segments', 'POST', { name: 'Extra', definition: {}, colour: 'red' }, 'colour'],
      ['/v1/segments/not-a-uuid', 'GET', undefined, 'id'],
      ['/v1/segments/not-a-uuid/guests', 'GET', undefined, 'id'],
      [`/v1/segments/${randomUUID()}/guests?limit=0`, 'GET', undefined, 'limit'],
      [`/v1/segments/${randomUUID()}/guests?limit=201`, 'GET', undefined, 'limit'],
      [`/v1/segments/${randomUUID()}/guests?page=2`, 'GET', undefined, 'page'],
      ['/v1/segments/forecast?tier=member', 'GET', undefined, 'tier'],
      ['/v1/segments/forecast?cursor=!!', 'GET', undefined, 'cursor'],
      ['/v1/segments/forecast?cursor=bm90LWEtY3Vyc29y', 'GET', undefined, 'cursor'],
      ['/v1/segments/forecast.csv?tier=platinum', 'GET', undefined, 'tier'],
    ];
    const someId = (await api.stack.db('segments').whereNull('archived_at').first<{ id: string }>('id')).id;
    bad.push([`/v1/segments/${someId}`, 'POST', {}, '(body)']);
    bad.push([
      `/v1/segments/${someId}`,
      'POST',
      { name: 'ok', definition: { stages: [] } },
      'definition.stages',
    ]);
    for (const [path, method, body, field] of bad) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path} ${res.text}`).toBe(400);
      expect(res.json.error, `${method} ${path}`).toMatchObject({
        code: 'validation_failed',
        details: { field },
      });
    }
    expect(await countTables(api.stack.db, ['segments', 'segment_exports'])).toEqual(before);
    for (const [method, path] of [
      ['GET', `/v1/segments/${randomUUID()}`],
      ['GET', `/v1/segments/${randomUUID()}/guests`],
      ['GET', `/v1/segments/${randomUUID()}/export.csv`],
      ['POST', `/v1/segments/${randomUUID()}`],
      ['DELETE', `/v1/segments/${randomUUID()}`],
    ] as const) {
      const res = await call(method, path, method === 'POST' ? { name: 'n' } : undefined);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    for (const [method, path] of [
      ['GET', '/v1/segments'],
      ['POST', '/v1/segments'],
      ['GET', '/v1/segments/forecast'],
      ['GET', `/v1/segments/${someId}/export.csv`],
    ] as const) {
      expect(
        (await call(method, path, method === 'POST' ? { name: 'n', definition: {} } : undefined, 'ops'))
          .status,
      ).toBe(403);
    }
    expect(await countTables(api.stack.db, ['segments', 'segment_exports'])).toEqual(before);
  });
});

describe('GET /v1/segments/forecast', () => {
  /** The members domain/tiers.ts moves down at the next review, from the activity written here. */
  const expected = () =>
    made
      .map((m) => ({
        m,
        f: requalificationForecast({
          tier: m.tier,
          floor: m.floor,
          activity: m.activity,
          tiers: RULES_V2.tiers,
        }),
      }))
      .filter(({ f }) => dropsAtReview(f));

  it('lists exactly the members the review moves down, each with the nights or stays short, paged, with a count', async () => {
    const want = expected();
    expect(want.length).toBeGreaterThan(20);
    // Some members keep their tier this year, and a floor holds some others.
    expect(made.filter((m) => m.tier !== 'member').length).toBeGreaterThan(want.length);
    const got: {
      id: string;
      tier: string;
      forecast: string;
      short: { nights: number; stays: number };
      activity: unknown;
    }[] = [];
    let cursor: string | null = null;
    let count: number | undefined;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const res = await call<{
        count: number;
        byTier: Record<string, number>;
        reviewOn: string;
        members: typeof got;
        nextCursor: string | null;
      }>('GET', `/v1/segments/forecast?limit=9${q}`);
      expect(res.status, res.text).toBe(200);
      expect(res.json.reviewOn).toBe(`${year + 1}-01-01`);
      count = res.json.count;
      expect(Object.values(res.json.byTier).reduce((a, b) => a + b, 0)).toBe(count);
      got.push(...res.json.members);
      cursor = res.json.nextCursor;
    } while (cursor);
    expect(count).toBe(want.length);
    expect(got.map((g) => g.id).sort()).toEqual(want.map((w) => w.m.id).sort());
    for (const g of got) {
      const w = want.find((x) => x.m.id === g.id)!;
      expect({ id: g.id, tier: g.tier, forecast: g.forecast, short: g.short, activity: g.activity }).toEqual({
        id: g.id,
        tier: w.m.tier,
        forecast: w.f!.forecast,
        short: w.f!.short,
        activity: w.m.activity,
      });
    }
    const gold = await call<{ count: number; members: { tier: string }[] }>(
      'GET',
      '/v1/segments/forecast?tier=gold&limit=200',
    );
    expect(gold.json.count).toBe(want.filter((w) => w.m.tier === 'gold').length);
    expect(gold.json.members.every((m) => m.tier === 'gold')).toBe(true);
  });

  it('exports the forecast as CSV, one row per member with the shortfall', async () => {
    const res = await fetch(`${api.baseUrl}/v1/segments/forecast.csv`, {
      headers: { authorization: `Bearer ${api.keyFor('admin')}` },
    });
    expect(res.status).toBe(200);
    const [header, ...body] = parseCsv(
      new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer()),
    );
    expect(header).toEqual([
      'id',
      'member_number',
      'first_name',
      'last_name',
      'email',
      'language',
      'tier',
      'forecast_tier',
      'floor',
      'stays',
      'nights',
      'base_points',
      'short_nights',
      'short_stays',
    ]);
    const want = expected();
    expect(body.length).toBe(want.length);
    for (const r of body) {
      const w = want.find((x) => x.m.id === r[0])!;
      expect(r.slice(6), r[0]).toEqual([
        w.m.tier,
        w.f!.forecast,
        w.m.floor ?? '',
        String(w.m.activity.stays),
        String(w.m.activity.nights),
        String(w.m.activity.basePoints),
        String(w.f!.short.nights),
        String(w.f!.short.stays),
      ]);
    }
    const exported: unknown = await api.stack.db('segment_exports').where({ kind: 'forecast' }).first();
    expect(exported).toMatchObject({ segment_id: null, exported_by: 'Admin Qian', rows: want.length });
  });
});
