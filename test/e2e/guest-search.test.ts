/**
 * Staff find a guest (`GET /v1/guests?…`) over real HTTP: by e-mail in any case, member number, PMS profile id,
 * phone, or part of the name; every given field must match; bad queries are a 400 naming the parameter.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { countRows, eventually, stayCompletedBody } from '../helpers.js';

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

interface Found {
  guests: { id: string; email: string; firstName: string; lastName: string; memberNumber: string | null }[];
  limit: number;
}

const find = (query: string, key: string | null = api.keyFor('ops')) =>
  api.request<Found & { error?: { code: string; details: { field: string } } }>(
    'GET',
    `/v1/guests?${query}`,
    undefined,
    { key },
  );

/** A guest through a PMS stay, with a last name and e-mail no other test uses. */
async function guest(firstName: string) {
  const tag = randomUUID().slice(0, 8);
  const body = stayCompletedBody({
    occurredAt: new Date().toISOString(),
    guest: { firstName, lastName: `Zhou${tag}`, email: `${firstName.toLowerCase()}.${tag}@guest.example` },
  });
  const res = await api.postPms(body);
  expect(res.status).toBe(202);
  const { guestId } = (await res.json()) as { guestId: string };
  await eventually(async () =>
    (await countRows(api.stack.db, 'stays', { guest_id: guestId })) === 1 ? true : undefined,
  );
  return { guestId, tag, body };
}

describe('GET /v1/guests (search)', () => {
  it('finds a guest by e-mail in any case, member number, PMS profile id or part of the name', async () => {
    const ada = await guest('Ada');
    const bo = await guest('Bo');
    const email = ada.body.data.guest.email;
    const ids = (f: Found) => f.guests.map((g) => g.id);

    const byEmail = await find(`email=${encodeURIComponent(email.toUpperCase())}`);
    expect(byEmail.status).toBe(200);
    expect(ids(byEmail.json)).toEqual([ada.guestId]);
    expect(byEmail.json.guests[0]).toMatchObject({ email, firstName: 'Ada', lastName: `Zhou${ada.tag}` });
    const memberNumber = byEmail.json.guests[0]!.memberNumber!;
    expect(memberNumber).toBeTruthy();

    expect(ids((await find(`memberNumber=${memberNumber}`)).json)).toEqual([ada.guestId]);
    expect(ids((await find(`pmsProfileId=${ada.body.data.guest.pmsProfileId}`)).json)).toEqual([ada.guestId]);
    // Part of the name, in any case; "last first" and "first last" both.
    expect(ids((await find(`name=zhou${ada.tag}`)).json)).toEqual([ada.guestId]);
    expect(ids((await find(`name=${encodeURIComponent(`Ada Zhou${ada.tag}`)}`)).json)).toEqual([ada.guestId]);
    expect(ids((await find(`name=${encodeURIComponent(`Zhou${bo.tag} Bo`)}`)).json)).toEqual([bo.guestId]);
    // Every given field must match.
    expect(ids((await find(`name=Bo&email=${encodeURIComponent(email)}`)).json)).toEqual([]);
    // LIKE's characters are literal: "%" finds nobody rather than everybody.
    expect(ids((await find('name=%25%25')).json)).toEqual([]);
    expect((await find('name=Zhou&limit=1')).json.guests).toHaveLength(1);
  });

  it('refuses what it must: 400 naming the parameter, 401 without a key, 403 for a marketer', async () => {
    for (const [query, field] of [
      ['', '(query)'],
      ['limit=5', '(query)'],
      ['colour=red', 'colour'],
      ['name=A', 'name'],
      ['email=a&email=b', 'email'],
      ['name=Ada&limit=0', 'limit'],
      ['name=Ada&limit=x', 'limit'],
      [`phone=${encodeURIComponent('+86\u0000')}`, 'phone'],
    ] as const) {
      const res = await find(query);
      expect(res.status, query).toBe(400);
      expect(res.json.error, query).toMatchObject({ code: 'validation_failed', details: { field } });
    }
    expect((await find('name=Ada', null)).status).toBe(401);
    expect((await find('name=Ada', api.keyFor('marketer'))).status).toBe(403);
  });
});
