/**
 * Staff find a guest (`GET /v1/guests?…`) over real HTTP: by e-mail (a whole address exactly, or part of one),
 * member number, PMS profile id, phone by its digits, part of the name in any script and case, tier and stage;
 * every given field must match; a page at a time in name order with a cursor; each row with its last stay. Each
 * kind of search is answered by its index (migration 019). Bad queries are a 400 naming the parameter.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lifecycle from '../../db/repositories/lifecycle.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { countRows, eventually, stayCompletedBody } from '../helpers.js';
import { profileUpdatedBody } from '../pms-samples.js';

const SECRET = 'e2e-search-pms-webhook-secret-0123456789';

let api: ApiStack;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-search',
    pmsSecret: SECRET,
    keys: { ops: 'e2e front desk (search)', marketer: 'e2e marketing (search)' },
  });
});

afterAll(async () => {
  await api?.close();
});

interface FoundGuest {
  id: string;
  pmsProfileId: string;
  email: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  memberNumber: string | null;
  stage: string;
  tier: string;
  lastStayDate: string | null;
  lastProperty: string | null;
  createdAt: string;
}

interface Found {
  guests: FoundGuest[];
  limit: number;
  nextCursor: string | null;
}

const find = (query: string, key: string | null = api.keyFor('ops')) =>
  api.request<Found & { error?: { code: string; details: { field: string } } }>(
    'GET',
    `/v1/guests?${query}`,
    undefined,
    { key },
  );
const ids = (f: Found) => f.guests.map((g) => g.id);
const q = encodeURIComponent;

/** A guest through a PMS stay (at SHA-BUND, 10–12 March 2026), with a tag no other test uses. */
async function guest(
  firstName: string,
  lastName?: (tag: string) => string,
  stay: { propertyCode?: string; arrival?: string; departure?: string; nights?: number } = {},
) {
  const tag = randomUUID().slice(0, 8);
  const body = stayCompletedBody({
    occurredAt: new Date().toISOString(),
    guest: {
      firstName,
      lastName: lastName ? lastName(tag) : `Zhou${tag}`,
      email: `${/^[a-z]+$/i.test(firstName) ? firstName.toLowerCase() : 'guest'}.${tag}@guest.example`,
    },
    stay,
  });
  const res = await api.postPms(body);
  expect(res.status).toBe(202);
  const { guestId } = (await res.json()) as { guestId: string };
  // The stay recorded and the guest a member: the workflow writes nothing more for it (the tests below change
  // the tier and the stage themselves).
  await eventually(async () =>
    (await countRows(api.stack.db, 'stays', { guest_id: guestId })) === 1 &&
    (await countRows(api.stack.db, 'guests', { id: guestId, stage: 'member' })) === 1
      ? true
      : undefined,
  );
  return { guestId, tag, body };
}

describe('GET /v1/guests (search)', () => {
  it('finds a guest by e-mail, member number, PMS profile id or part of the name, with its last stay', async () => {
    const ada = await guest('Ada');
    const bo = await guest('Bo', undefined, {
      propertyCode: 'SHA-PUDONG',
      arrival: '2026-04-01',
      departure: '2026-04-03',
    });
    const email = ada.body.data.guest.email;

    const byEmail = await find(`email=${q(email.toUpperCase())}`);
    expect(byEmail.status).toBe(200);
    expect(ids(byEmail.json)).toEqual([ada.guestId]);
    expect(byEmail.json.guests[0]).toMatchObject({
      email,
      firstName: 'Ada',
      lastName: `Zhou${ada.tag}`,
      lastStayDate: '2026-03-12',
      lastProperty: 'SHA-BUND',
    });
    expect(byEmail.json.nextCursor).toBeNull();
    const memberNumber = byEmail.json.guests[0]!.memberNumber!;
    expect(memberNumber).toBeTruthy();

    expect(ids((await find(`memberNumber=${memberNumber}`)).json)).toEqual([ada.guestId]);
    expect(ids((await find(`pmsProfileId=${ada.body.data.guest.pmsProfileId}`)).json)).toEqual([ada.guestId]);
    // Part of the name, in any case; "last first" and "first last" both.
    expect(ids((await find(`name=zhou${ada.tag}`)).json)).toEqual([ada.guestId]);
    expect(ids((await find(`name=${q(`Ada Zhou${ada.tag}`)}`)).json)).toEqual([ada.guestId]);
    const boFound = await find(`name=${q(`Zhou${bo.tag} Bo`)}`);
    expect(ids(boFound.json)).toEqual([bo.guestId]);
    expect(boFound.json.guests[0]).toMatchObject({ lastStayDate: '2026-04-03', lastProperty: 'SHA-PUDONG' });
    // Every given field must match.
    expect(ids((await find(`name=Bo&email=${q(email)}`)).json)).toEqual([]);
    // LIKE's characters are literal: "%" finds nobody rather than everybody.
    expect(ids((await find('name=%25%25')).json)).toEqual([]);
    expect((await find('name=Zhou&limit=1')).json.guests).toHaveLength(1);
  });

  it('finds part of a Chinese name: the given name, the surname with it, written with or without a space', async () => {
    const tag = randomUUID().slice(0, 4);
    // Surnames no other test uses: the tag's characters mapped to CJK ideographs.
    const cjk = (s: string) =>
      [...s].map((c) => String.fromCodePoint(0x4e00 + parseInt(c, 16) * 37)).join('');
    const surname = `${cjk(tag)}张`;
    const ming = await guest('小明', () => surname);
    const hong = await guest('小红', () => surname);

    const names = async (term: string) => ids((await find(`name=${q(term)}`)).json);
    expect(await names('小明')).toContain(ming.guestId);
    expect(await names('小明')).not.toContain(hong.guestId);
    expect(await names(`${surname}小明`)).toEqual([ming.guestId]);
    expect(await names(`${surname} 小明`)).toEqual([ming.guestId]);
    expect(await names(`小红 ${surname}`)).toEqual([hong.guestId]);
    expect(await names(`张小`)).toEqual(expect.arrayContaining([ming.guestId, hong.guestId]));
    // Both, by name: the same surname, then 小明 (U+5C0F U+660E) before 小红 (U+5C0F U+7EA2).
    expect(await names(surname)).toEqual([ming.guestId, hong.guestId]);
    expect(await names('明张')).toEqual([]);
  });

  it('finds part of an e-mail address, and a whole address only exactly', async () => {
    const ada = await guest('Ada');
    const email = ada.body.data.guest.email; // ada.<tag>@guest.example
    expect(ids((await find(`email=${q(ada.tag.toUpperCase())}`)).json)).toEqual([ada.guestId]);
    expect(ids((await find(`email=${q(`da.${ada.tag}@gue`)}`)).json)).toEqual([ada.guestId]);
    // A whole address is compared exactly: one that merely contains another does not match it.
    expect(ids((await find(`email=${q(`a.${ada.tag}@guest.example`)}`)).json)).toEqual([]);
    expect(ids((await find(`email=${q(email)}`)).json)).toEqual([ada.guestId]);
  });

  it('finds a phone number by its digits, also without the country code', async () => {
    const ada = await guest('Ada');
    const digits = String(Date.now()).slice(-8);
    const res = await api.postPms(
      profileUpdatedBody({
        guest: ada.body.data.guest,
        occurredAt: new Date().toISOString(),
        extras: { phone: `+86 (139) ${digits.slice(0, 4)}-${digits.slice(4)}` },
      }),
    );
    expect(res.status).toBe(202);
    await eventually(async () =>
      (await api.stack.db('guests').where({ id: ada.guestId }).first<{ phone: string | null }>('phone'))
        ?.phone
        ? true
        : undefined,
    );
    const phones = async (phone: string) => ids((await find(`phone=${q(phone)}`)).json);
    expect(await phones(`+86139${digits}`)).toEqual([ada.guestId]);
    expect(await phones(`139 ${digits.slice(0, 4)} ${digits.slice(4)}`)).toEqual([ada.guestId]);
    expect(await phones(`(0139) ${digits}`)).toEqual([]);
    expect(await phones(`+1 139${digits}`)).toEqual([]);
  });

  it('filters by tier and stage, alone too, and pages in name order with a cursor', async () => {
    const family = (tag: string) => `Pager${tag}`;
    const first = await guest('Dora', family);
    const tag = first.tag;
    const rest: Awaited<ReturnType<typeof guest>>[] = [];
    for (const name of ['carl', 'Bea', 'Ann', 'Eve']) rest.push(await guest(name, () => family(tag)));
    const byName = [rest[2]!, rest[1]!, rest[0]!, first, rest[3]!].map((g) => g.guestId); // Ann Bea carl Dora Eve

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof find>> = await find(
        `name=${family(tag)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.json.guests.length).toBeLessThanOrEqual(2);
      seen.push(...ids(page.json));
      cursor = page.json.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual(byName);
    expect(pages).toBe(3);

    // Tier and stage as the guest's record has them (the workflow recorded a member with one stay).
    await lifecycle.recordTier(api.stack.db, {
      guestId: rest[1]!.guestId,
      tier: 'diamond',
      previous: 'member',
      validFrom: '2026-03-12',
      validThrough: '2027-12-31',
      source: 'floor',
      reason: 'e2e search',
      rulesVersion: 2,
      key: `e2e-search:tier:${rest[1]!.guestId}`,
      at: new Date(),
    });
    await lifecycle.recordStage(api.stack.db, {
      guestId: rest[3]!.guestId,
      from: 'member',
      to: 'lapsed',
      reason: 'e2e search',
      actor: 'workflow',
      at: new Date(),
      key: `e2e-search:stage:${rest[3]!.guestId}`,
    });
    expect(ids((await find('tier=diamond')).json)).toEqual([rest[1]!.guestId]);
    expect(ids((await find('stage=lapsed')).json)).toEqual([rest[3]!.guestId]);
    expect(ids((await find(`stage=member&name=${family(tag)}`)).json)).toEqual(
      byName.filter((id) => id !== rest[3]!.guestId),
    );
    expect(ids((await find(`tier=diamond&stage=lapsed`)).json)).toEqual([]);
    const members = await find('tier=member&limit=3');
    expect(members.json.guests).toHaveLength(3);
    expect(members.json.nextCursor).toEqual(expect.any(String));
  });

  it('answers each kind of search from its index (migration 019)', async () => {
    const db = api.stack.db;
    // The statement the API ran, planned again with sequential scans off: it must be able to use the index.
    const planOf = async (query: string) => {
      let statement: { sql: string; bindings: unknown[] } | undefined;
      const keep = (data: { sql: string; bindings?: unknown[] }) => {
        if (data.sql.includes('left join lateral'))
          statement = { sql: data.sql, bindings: data.bindings ?? [] };
      };
      db.on('query', keep);
      try {
        expect((await find(query)).status).toBe(200);
      } finally {
        db.off('query', keep);
      }
      return db.transaction(async (trx) => {
        await trx.raw('set local enable_seqscan = off');
        // The event's SQL may carry pg's $n placeholders; knex's raw takes ?.
        const { rows } = await trx.raw<{ rows: { 'QUERY PLAN': string }[] }>(
          `explain ${statement!.sql.replace(/\$\d+/g, '?')}`,
          statement!.bindings as never[],
        );
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    };
    expect(await planOf('name=小明')).toContain('guests_name_bigrams');
    expect(await planOf('name=Lovelace')).toContain('guests_name_bigrams');
    expect(await planOf('email=lovelace')).toContain('guests_email_bigrams');
    expect(await planOf(`email=${q('ada@guest.example')}`)).toContain('guests_email_lower');
    expect(await planOf('phone=13912345678')).toContain('guests_phone_digits');
    expect(await planOf('stage=lapsed')).toContain('guests_stage_name');
    expect(await planOf('tier=gold')).toContain('guests_tier_name');
  });

  it('refuses what it must: 400 naming the parameter, 401 without a key, 403 for a marketer', async () => {
    const notOurs = Buffer.from(JSON.stringify(['a', 'b', 'not-a-uuid'])).toString('base64url');
    for (const [query, field] of [
      ['', '(query)'],
      ['limit=5', '(query)'],
      ['colour=red', 'colour'],
      ['name=A', 'name'],
      ['email=a&email=b', 'email'],
      ['email=ab', 'email'],
      ['name=Ada&limit=0', 'limit'],
      ['name=Ada&limit=x', 'limit'],
      [`phone=${q('+86\u0000')}`, 'phone'],
      ['phone=123', 'phone'],
      ['phone=abc1234', 'phone'],
      ['tier=platinum', 'tier'],
      ['stage=vipp', 'stage'],
      ['tier=gold&cursor=%21%21', 'cursor'],
      [`tier=gold&cursor=${notOurs}`, 'cursor'],
      ['tier=gold&cursor=bm90IGpzb24', 'cursor'],
    ] as const) {
      const res = await find(query);
      expect(res.status, query).toBe(400);
      expect(res.json.error, query).toMatchObject({ code: 'validation_failed', details: { field } });
    }
    expect((await find('name=Ada', null)).status).toBe(401);
    expect((await find('name=Ada', api.keyFor('marketer'))).status).toBe(403);
  });
});
