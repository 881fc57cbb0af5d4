/**
 * Preferences and taboos on the guest card (api/guests/preferences.ts) over real HTTP: recorded with the key's
 * name and source `staff`, shown on `GET /v1/guests/:id` taboos first, removed by marking, each audited; bad
 * input is a 400 naming the field and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as guests from '../../db/repositories/guests.js';
import { sampleGuest } from '../pms-samples.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { countRows } from '../helpers.js';

let api: ApiStack;
let guestId: string;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-prefs',
    pmsSecret: 'e2e-prefs-pms-webhook-secret-0123456789',
    worker: false,
    keys: { ops: 'Lin Front Desk', marketer: 'e2e prefs marketer' },
  });
  const row = await guests.insertIfAbsent(api.stack.db, {
    source: 'pms',
    profile: sampleGuest({ firstName: '小明', lastName: '王', locale: 'zh-CN' }),
    asOf: new Date(),
  });
  guestId = row!.id;
});

afterAll(async () => {
  await api?.close();
});

interface GuestAnswer {
  preferences: {
    id: number;
    kind: string;
    category: string;
    text: string;
    source: string;
    recordedBy: string;
  }[];
}

describe('preferences and taboos', () => {
  it('records a preference and a taboo with the source and who recorded them, taboos first', async () => {
    const ops = { key: api.keyFor('ops') };
    const a = await api.request(
      'POST',
      `/v1/guests/${guestId}/preferences`,
      {
        kind: 'preference',
        category: 'pillow',
        text: 'Buckwheat pillow',
      },
      ops,
    );
    expect(a.status).toBe(201);
    const b = await api.request(
      'POST',
      `/v1/guests/${guestId}/preferences`,
      {
        kind: 'taboo',
        category: 'food',
        text: '不吃香菜',
      },
      ops,
    );
    expect(b.status).toBe(201);
    const view = await api.request<GuestAnswer>('GET', `/v1/guests/${guestId}`, undefined, ops);
    expect(view.json.preferences.map((p) => [p.kind, p.text, p.source, p.recordedBy])).toEqual([
      ['taboo', '不吃香菜', 'staff', 'Lin Front Desk'],
      ['preference', 'Buckwheat pillow', 'staff', 'Lin Front Desk'],
    ]);
    const audits = await api.stack
      .db('audit_log')
      .where({ subject: `guest:${guestId}`, action: 'guest.preference.add' })
      .select<{ actor: string }[]>('actor');
    expect(audits.map((x) => x.actor)).toEqual(['Lin Front Desk', 'Lin Front Desk']);
  });

  it('removes one by marking it; a second removal is a 404', async () => {
    const ops = { key: api.keyFor('ops') };
    const before = await api.request<GuestAnswer>('GET', `/v1/guests/${guestId}`, undefined, ops);
    const id = before.json.preferences[0]!.id;
    const removed = await api.request('POST', `/v1/guests/${guestId}/preferences/${id}/remove`, {}, ops);
    expect(removed.status).toBe(200);
    const after = await api.request<GuestAnswer>('GET', `/v1/guests/${guestId}`, undefined, ops);
    expect(after.json.preferences.map((p) => p.id)).not.toContain(id);
    const row = await api.stack.db('guest_preferences').where({ id }).first<{ removed_by: string }>();
    expect(row.removed_by).toBe('Lin Front Desk');
    const again = await api.request<{ error: { code: string } }>(
      'POST',
      `/v1/guests/${guestId}/preferences/${id}/remove`,
      {},
      ops,
    );
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe('preference_not_found');
  });

  it('refuses bad input naming the field, an unknown guest, and a marketer; writes nothing', async () => {
    const ops = { key: api.keyFor('ops') };
    const rows = await countRows(api.stack.db, 'guest_preferences');
    const bad = await api.request<{ error: { details: { field: string } } }>(
      'POST',
      `/v1/guests/${guestId}/preferences`,
      { kind: 'wish', category: 'room', text: 'x' },
      ops,
    );
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.field).toBe('kind');
    const empty = await api.request<{ error: { details: { field: string } } }>(
      'POST',
      `/v1/guests/${guestId}/preferences`,
      { kind: 'taboo', category: 'room', text: '   ' },
      ops,
    );
    expect(empty.json.error.details.field).toBe('text');
    const unknown = await api.request(
      'POST',
      '/v1/guests/00000000-0000-4000-8000-000000000009/preferences',
      { kind: 'taboo', category: 'room', text: 'Low floor' },
      ops,
    );
    expect(unknown.status).toBe(404);
    const marketer = await api.request(
      'POST',
      `/v1/guests/${guestId}/preferences`,
      { kind: 'taboo', category: 'room', text: 'Low floor' },
      { key: api.keyFor('marketer') },
    );
    expect(marketer.status).toBe(403);
    expect(await countRows(api.stack.db, 'guest_preferences')).toBe(rows);
  });
});
