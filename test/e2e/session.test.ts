/**
 * The console's sign-in (api/console/session.ts) over real HTTP: a key traded for an HttpOnly, SameSite=Strict cookie
 * with a bounded lifetime; the cookie opens what the key's role opens; a write with the cookie needs
 * `X-Console: 1`; sign-out, a revoked key and an expired session all end it. Bad input changes nothing.
 */
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { listen } from '../../api/server.js';
import * as apiKeys from '../../db/repositories/api-keys.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { countRows } from '../helpers.js';

let api: ApiStack;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-session',
    pmsSecret: 'e2e-session-pms-webhook-secret-0123456789',
    worker: false,
    keys: { ops: 'e2e session ops', marketer: 'e2e session marketer' },
  });
});

afterAll(async () => {
  await api?.close();
});

async function call(
  method: string,
  path: string,
  o: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${api.baseUrl}${path}`, {
    method,
    headers: {
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(o.cookie ? { cookie: o.cookie } : {}),
      ...o.headers,
    },
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: (text ? JSON.parse(text) : null) as Json };
}

interface Json {
  signedIn?: boolean;
  name?: string;
  expiresAt: string;
  error: { code: string; details: Record<string, unknown> };
}

async function signIn(key: string): Promise<{ cookie: string; setCookie: string; json: Json }> {
  const res = await call('POST', '/v1/session', { body: { key } });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0]!, setCookie, json: res.json };
}

describe('console sessions', () => {
  it('trades a key for an HttpOnly, SameSite=Strict cookie that lasts 8 hours, and says who is signed in', async () => {
    const { cookie, setCookie, json } = await signIn(api.keyFor('ops'));
    expect(setCookie).toMatch(
      /^gle_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/,
    );
    expect(json).toMatchObject({ name: 'e2e session ops', role: 'ops', can: { staff: true, admin: false } });
    const hours = (Date.parse(json.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(7.9);
    expect(hours).toBeLessThanOrEqual(8);
    // The token is stored as its hash only.
    const rows = await api.stack.db('staff_sessions').select<{ token_hash: string }[]>('token_hash');
    expect(rows.map((r) => r.token_hash)).not.toContain(cookie.split('=')[1]);

    const who = await call('GET', '/v1/session', { cookie });
    expect(who.json).toMatchObject({ signedIn: true, via: 'session', name: 'e2e session ops' });
    expect((await call('GET', '/v1/guests?name=nobody', { cookie })).status).toBe(200);
    expect((await call('GET', '/v1/templates', { cookie })).status).toBe(403);
  });

  it('answers a browser without a session with signedIn false, not a 401', async () => {
    expect((await call('GET', '/v1/session')).json).toEqual({ signedIn: false });
    const stale = await call('GET', '/v1/session', { cookie: 'gle_session=not-a-session' });
    expect(stale.json).toEqual({ signedIn: false });
    expect(stale.headers.get('set-cookie')).toMatch(/^gle_session=; .*Max-Age=0/);
    expect((await call('GET', '/v1/guests?name=nobody', { cookie: 'gle_session=x' })).status).toBe(401);
  });

  it('refuses a write with the cookie but without X-Console: 1, and writes nothing', async () => {
    const { cookie } = await signIn(api.keyFor('ops'));
    const body = { points: 10 };
    const path = '/v1/guests/00000000-0000-4000-8000-000000000001/points/redemptions';
    const bare = await call('POST', path, { cookie, body });
    expect(bare.status).toBe(403);
    expect(bare.json.error).toMatchObject({
      code: 'console_header_missing',
      details: { header: 'X-Console' },
    });
    const marked = await call('POST', path, { cookie, body, headers: { 'x-console': '1' } });
    expect(marked.status).toBe(404);
    expect(await countRows(api.stack.db, 'staff_requests')).toBe(0);
  });

  it('refuses a missing or unknown key with the field named, and opens no session', async () => {
    const before = await countRows(api.stack.db, 'staff_sessions');
    const missing = await call('POST', '/v1/session', { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.json.error.details.field).toBe('key');
    const unknown = await call('POST', '/v1/session', { body: { key: 'gle_not-a-real-key-at-all' } });
    expect(unknown.status).toBe(401);
    expect(unknown.json.error.details.field).toBe('key');
    expect(unknown.headers.get('set-cookie')).toBeNull();
    expect(await countRows(api.stack.db, 'staff_sessions')).toBe(before);
  });

  it('ends at sign-out, when the key is revoked, and when it expires', async () => {
    const a = await signIn(api.keyFor('ops'));
    const out = await call('DELETE', '/v1/session', { cookie: a.cookie });
    expect(out.status).toBe(200);
    expect(out.json).toEqual({ signedIn: false });
    expect(out.headers.get('set-cookie')).toMatch(/^gle_session=; .*Max-Age=0/);
    expect((await call('GET', '/v1/session', { cookie: a.cookie })).json).toEqual({ signedIn: false });

    const { id, key } = await apiKeys.create(api.stack.db, { name: 'e2e soon revoked', role: 'ops' });
    const b = await signIn(key);
    await apiKeys.revoke(api.stack.db, id);
    expect((await call('GET', '/v1/guests?name=nobody', { cookie: b.cookie })).status).toBe(401);

    const c = await signIn(api.keyFor('marketer'));
    await api.stack
      .db('staff_sessions')
      .update({ expires_at: api.stack.db.raw(`now() - interval '1 second'`) });
    expect((await call('GET', '/v1/templates', { cookie: c.cookie })).status).toBe(401);
  });
});

describe('keys and sessions checked, trusted for a while (API_KEY_CACHE_SECONDS)', () => {
  it('a key revoked elsewhere works here until the check ends, no longer; a sign-out here ends at once', async () => {
    // An app of its own on the same database, trusting a check for 1 s.
    const app = createApp({
      db: api.stack.db,
      temporal: api.env.client,
      taskQueue: api.taskQueue,
      logger: pino({ level: 'silent' }),
      pms: { webhookSecret: 'e2e-session-pms-webhook-secret-0123456789', toleranceSeconds: 300 },
      keyCacheSeconds: 1,
    });
    const server = await listen(app, '127.0.0.1', 0);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const get = async (path: string, headers: Record<string, string>) =>
      (await fetch(`${base}${path}`, { headers })).status;
    try {
      const { id, key } = await apiKeys.create(api.stack.db, {
        name: 'e2e cached then revoked',
        role: 'ops',
      });
      const bearer = { authorization: `Bearer ${key}` };
      expect(await get('/v1/guests?name=nobody', bearer)).toBe(200);
      // Revoked by another process (the CLI does this): this app trusts its check a while longer…
      await apiKeys.revoke(api.stack.db, id);
      expect(await get('/v1/guests?name=nobody', bearer)).toBe(200);
      // …and asks again once it has ended.
      await new Promise((r) => setTimeout(r, 1100));
      expect(await get('/v1/guests?name=nobody', bearer)).toBe(401);

      // A session signed out through this app ends here at once, though it was just checked.
      const signIn = await fetch(`${base}/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key: api.keyFor('ops') }),
      });
      const cookie = { cookie: (signIn.headers.get('set-cookie') ?? '').split(';')[0]! };
      expect(await get('/v1/guests?name=nobody', cookie)).toBe(200);
      const out = await fetch(`${base}/v1/session`, { method: 'DELETE', headers: cookie });
      expect(out.status).toBe(200);
      expect(await get('/v1/guests?name=nobody', cookie)).toBe(401);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
