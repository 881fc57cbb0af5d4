import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../db/knex.js';
import { createApp } from '../app.js';
import { HttpError } from '../errors.js';
import { listen } from '../server.js';
import { sign, verifySignature } from './signature.js';

const secret = 'unit-test-secret-0123456789';
const previous = 'unit-test-previous-secret-012';
const body = Buffer.from('{"id":"evt-1"}');
const t = 1_790_000_000;

function verify(header: string | undefined, nowSeconds = t, secrets: readonly string[] = [secret]) {
  verifySignature({ header, rawBody: body, secrets, nowSeconds, toleranceSeconds: 300 });
}
function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof HttpError ? `${err.status} ${err.code}` : String(err);
  }
}

describe('PMS signature', () => {
  it('accepts its own signature within the tolerance, either side of now', () => {
    expect(codeOf(() => verify(sign(secret, body, t)))).toBeUndefined();
    expect(codeOf(() => verify(sign(secret, body, t), t + 300))).toBeUndefined();
    expect(codeOf(() => verify(sign(secret, body, t), t - 300))).toBeUndefined();
  });
  it('matches the documented format: HMAC-SHA256 of "<t>.<body>" in hex', () => {
    expect(sign(secret, body, t)).toMatch(/^t=1790000000,v1=[0-9a-f]{64}$/);
  });
  it('accepts any one matching v1 (the PMS may send one per secret)', () => {
    const good = sign(secret, body, t).split(',')[1]!;
    expect(codeOf(() => verify(`t=${t},v1=${'0'.repeat(64)},${good}`))).toBeUndefined();
  });
  it('rejects missing, malformed, stale and wrong signatures', () => {
    expect(codeOf(() => verify(undefined))).toBe('401 signature_missing');
    expect(codeOf(() => verify('v1=abc'))).toBe('401 signature_malformed');
    expect(codeOf(() => verify(`t=${t}`))).toBe('401 signature_malformed');
    expect(codeOf(() => verify(sign(secret, body, t), t + 301))).toBe('401 signature_expired');
    expect(codeOf(() => verify(sign('another-secret-0123456789', body, t)))).toBe('401 signature_mismatch');
    expect(codeOf(() => verify(sign(secret, Buffer.from('{"id":"evt-2"}'), t)))).toBe(
      '401 signature_mismatch',
    );
  });
});

describe('PMS secret rotation: current and previous secret', () => {
  const both = [secret, previous];
  it('verifies a signature made with either secret', () => {
    expect(codeOf(() => verify(sign(secret, body, t), t, both))).toBeUndefined();
    expect(codeOf(() => verify(sign(previous, body, t), t, both))).toBeUndefined();
    // A PMS that signs with both during its own switch-over.
    const [ts, v1Current] = sign(secret, body, t).split(',');
    const v1Previous = sign(previous, body, t).split(',')[1]!;
    expect(codeOf(() => verify(`${ts},${v1Previous},${v1Current}`, t, both))).toBeUndefined();
  });
  it('still refuses a third secret, another body, a stale timestamp', () => {
    expect(codeOf(() => verify(sign('a-third-secret-0123456789', body, t), t, both))).toBe(
      '401 signature_mismatch',
    );
    expect(codeOf(() => verify(sign(previous, Buffer.from('{"id":"evt-2"}'), t), t, both))).toBe(
      '401 signature_mismatch',
    );
    expect(codeOf(() => verify(sign(previous, body, t), t + 301, both))).toBe('401 signature_expired');
  });
  it('refuses the previous secret once it is removed', () => {
    expect(codeOf(() => verify(sign(previous, body, t), t, [secret]))).toBe('401 signature_mismatch');
  });
});

describe('PMS secret rotation through the app', () => {
  it('lets a body signed with the previous secret through to validation, and refuses a third secret', async () => {
    // The body fails validation, so neither the database nor Temporal is ever reached.
    const app = createApp({
      db: {} as Db,
      temporal: {} as Client,
      taskQueue: 'unused',
      logger: pino({ level: 'silent' }),
      pms: { webhookSecret: secret, previousWebhookSecret: previous, toleranceSeconds: 300 },
    });
    const server = await listen(app, '127.0.0.1', 0);
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/pms/events`;
      const post = async (key: string) => {
        const raw = '{"type":"stay.completed"}';
        const headers = { 'x-signature': sign(key, raw, Math.floor(Date.now() / 1000)) };
        const res = await fetch(url, { method: 'POST', headers, body: raw });
        return `${res.status} ${((await res.json()) as { error: { code: string } }).error.code}`;
      };
      expect(await post(secret)).toBe('400 validation_failed');
      expect(await post(previous)).toBe('400 validation_failed');
      expect(await post('a-third-secret-0123456789')).toBe('401 signature_mismatch');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
