import { createHmac, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  inStayReportLinkUrl,
  LinkError,
  MAX_TOKEN_LENGTH,
  satisfactionLinkUrl,
  signLink,
  surveyLinkUrl,
  verifyLink,
  whyLinkUrl,
  type LinkErrorReason,
} from './links.js';

const SECRET = 'links-unit-secret-0123456789';
const OTHER = 'another-links-secret-9876543210';
const NOW = 1_800_000_000;
const guestId = '3f6c2a4e-8d1b-4c7e-9a2f-5b0d1e2c3a4b';

function token(over: Partial<Parameters<typeof signLink>[0]> = {}): string {
  return signLink({ purpose: 'why', guestId, expiresAt: NOW + 3600, secret: SECRET, ...over });
}

function refusal(t: string, opts: Partial<Parameters<typeof verifyLink>[1]> = {}): LinkError {
  try {
    verifyLink(t, { secret: SECRET, purpose: 'why', now: NOW, ...opts });
  } catch (err) {
    expect(err).toBeInstanceOf(LinkError);
    return err as LinkError;
  }
  throw new Error('the token was accepted');
}

const reasonOf = (t: string, opts: Partial<Parameters<typeof verifyLink>[1]> = {}): LinkErrorReason =>
  refusal(t, opts).reason;

describe('signLink / verifyLink', () => {
  it('round-trips purpose, guest and expiry, with a nonce, as a URL-safe token', () => {
    const t = token();
    expect(t).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(t)).toBe(t);
    const payload = verifyLink(t, { secret: SECRET, purpose: 'why', now: NOW });
    expect(payload).toMatchObject({ purpose: 'why', guestId, exp: NOW + 3600 });
    expect(payload.nonce).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(Object.keys(payload).sort()).toEqual(['exp', 'guestId', 'nonce', 'purpose']);
  });

  it('carries no personal data: the payload is the purpose, the guest id, the expiry and a nonce', () => {
    const body = JSON.parse(Buffer.from(token().split('.')[0]!, 'base64url').toString()) as object;
    expect(Object.keys(body).sort()).toEqual(['e', 'g', 'n', 'p']);
  });

  it('makes a different token each time (nonce)', () => {
    expect(token()).not.toBe(token());
  });

  it('takes the expiry as a Date or as unix seconds, and refuses milliseconds', () => {
    const fromDate = token({ expiresAt: new Date((NOW + 60) * 1000 + 999) });
    expect(verifyLink(fromDate, { secret: SECRET, purpose: 'why', now: NOW }).exp).toBe(NOW + 60);
    expect(() => token({ expiresAt: (NOW + 60) * 1000 })).toThrow(RangeError);
    expect(() => token({ expiresAt: 1.5 })).toThrow(RangeError);
    expect(() => token({ expiresAt: new Date(Number.NaN) })).toThrow(RangeError);
  });

  it('is valid until the expiry second, expired from it on (with the payload, for the page language)', () => {
    const t = token({ expiresAt: NOW + 10 });
    expect(verifyLink(t, { secret: SECRET, purpose: 'why', now: NOW + 9 }).guestId).toBe(guestId);
    const err = refusal(t, { now: NOW + 10 });
    expect(err.reason).toBe('expired');
    expect(err.payload?.guestId).toBe(guestId);
    expect(reasonOf(t, { now: NOW + 86_400 })).toBe('expired');
  });

  it('defaults now to the clock', () => {
    const live = token({ expiresAt: Math.floor(Date.now() / 1000) + 60 });
    expect(verifyLink(live, { secret: SECRET, purpose: 'why' }).guestId).toBe(guestId);
    const dead = token({ expiresAt: Math.floor(Date.now() / 1000) - 1 });
    expect(() => verifyLink(dead, { secret: SECRET, purpose: 'why' })).toThrow(/expired/);
  });

  it('refuses another secret, and accepts any of a rotation list', () => {
    expect(reasonOf(token(), { secret: OTHER })).toBe('bad_signature');
    expect(verifyLink(token(), { secret: [OTHER, SECRET], purpose: 'why', now: NOW }).guestId).toBe(guestId);
  });

  it('refuses a link made for another purpose', () => {
    const err = refusal(token({ purpose: 'survey' }));
    expect(err.reason).toBe('wrong_purpose');
    expect(err.message).toContain("'survey'");
  });

  it('refuses any changed character, in the payload or the signature', () => {
    const t = token();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < t.length; i++) {
      if (t[i] === '.') continue;
      const replacement = alphabet[(alphabet.indexOf(t[i]!) + 1) % alphabet.length]!;
      const tampered = t.slice(0, i) + replacement + t.slice(i + 1);
      expect(['bad_signature', 'malformed'], `position ${i}`).toContain(reasonOf(tampered));
    }
  });

  it('refuses a payload re-signed by someone without the secret (changed guest, later expiry)', () => {
    const [payloadB64, signature] = token().split('.') as [string, string];
    const body = JSON.parse(Buffer.from(payloadB64, 'base64url').toString()) as Record<string, unknown>;
    for (const change of [{ g: randomUUID() }, { e: NOW + 10 ** 8 }, { p: 'unsubscribe' }]) {
      const forged = Buffer.from(JSON.stringify({ ...body, ...change })).toString('base64url');
      expect(reasonOf(`${forged}.${signature}`)).toBe('bad_signature');
      const wrongKey = createHmac('sha256', OTHER).update(`glink1.${forged}`).digest('base64url');
      expect(reasonOf(`${forged}.${wrongKey}`)).toBe('bad_signature');
    }
  });

  it('refuses what is not a token as malformed', () => {
    const t = token();
    for (const bad of [
      '',
      '.',
      'abc',
      `${t}.x`,
      t.replace('.', ''),
      `${t}=`,
      'a b.c',
      'x'.repeat(MAX_TOKEN_LENGTH + 1),
    ])
      expect(reasonOf(bad), JSON.stringify(bad.slice(0, 40))).toBe('malformed');
  });

  it('refuses a well-signed payload that is not ours (signed with the secret, but not a link payload)', () => {
    for (const body of [
      'not json',
      '[]',
      '{"p":"why","g":"not-a-uuid","e":1900000000,"n":"abc"}',
      '{"p":"why"}',
    ]) {
      const b64 = Buffer.from(body).toString('base64url');
      const sig = createHmac('sha256', SECRET).update(`glink1.${b64}`).digest('base64url');
      expect(reasonOf(`${b64}.${sig}`), body).toBe('malformed');
    }
  });

  it('refuses a short secret and bad inputs when signing', () => {
    expect(() => token({ secret: 'short' })).toThrow(/16 characters/);
    expect(() => verifyLink(token(), { secret: 'short', purpose: 'why' })).toThrow(/16 characters/);
    expect(() => token({ guestId: 'guest@example.com' })).toThrow(/UUID/);
    expect(() => token({ purpose: 'Why Now' })).toThrow(/purpose/);
  });
});

describe('whyLinkUrl', () => {
  it('puts a why token under the base URL, with or without a trailing slash', () => {
    for (const baseUrl of ['https://hotel.example', 'https://hotel.example/']) {
      const url = whyLinkUrl({ baseUrl, guestId, secret: SECRET, expiresAt: NOW + 60 });
      const m = /^https:\/\/hotel\.example\/v1\/links\/why\/([A-Za-z0-9_.-]+)$/.exec(url);
      expect(m, url).not.toBeNull();
      expect(verifyLink(m![1]!, { secret: SECRET, purpose: 'why', now: NOW }).guestId).toBe(guestId);
    }
  });
});

describe('links with data (survey, in-stay report, satisfaction)', () => {
  const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
  const payloadOf = (t: string) =>
    JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  const stayId = '0b9e6f4a-1c2d-4e3f-8a9b-0c1d2e3f4a5b';
  const caseId = '7d1e2f3a-4b5c-4d6e-9f0a-1b2c3d4e5f6a';

  it('carries the stay, the property or the case and the answer, and nothing personal', () => {
    const survey = tokenOf(
      surveyLinkUrl({
        baseUrl: 'https://hotel.example',
        guestId,
        stayId,
        secret: SECRET,
        now: new Date(NOW * 1000),
      }),
    );
    const p = verifyLink(survey, { secret: SECRET, purpose: 'survey', now: NOW });
    expect(p).toMatchObject({ purpose: 'survey', guestId, exp: NOW + 30 * 86_400, data: { s: stayId } });
    expect(Object.keys(payloadOf(survey)).sort()).toEqual(['d', 'e', 'g', 'n', 'p']);

    const report = inStayReportLinkUrl({
      baseUrl: 'https://hotel.example/',
      guestId,
      pmsStayId: '住客-12345',
      propertyCode: 'SHA-BUND',
      secret: SECRET,
      days: 2,
      now: new Date(NOW * 1000),
    });
    expect(report).toMatch(/^https:\/\/hotel\.example\/v1\/links\/report\/[A-Za-z0-9_.-]+$/);
    expect(
      verifyLink(tokenOf(report), { secret: SECRET, purpose: 'in_stay_report', now: NOW }),
    ).toMatchObject({
      exp: NOW + 2 * 86_400,
      data: { s: '住客-12345', h: 'SHA-BUND' },
    });

    for (const satisfied of [true, false]) {
      const t = tokenOf(
        satisfactionLinkUrl({
          baseUrl: 'https://h.example',
          guestId,
          caseId,
          satisfied,
          secret: SECRET,
          expiresAt: NOW + 60,
        }),
      );
      expect(verifyLink(t, { secret: SECRET, purpose: 'satisfaction', now: NOW }).data).toEqual({
        c: caseId,
        y: satisfied,
      });
    }
  });

  it('signs the data: another stay or the other answer under the same signature is refused', () => {
    const t = tokenOf(
      satisfactionLinkUrl({
        baseUrl: 'https://h.example',
        guestId,
        caseId,
        satisfied: false,
        secret: SECRET,
        expiresAt: NOW + 60,
      }),
    );
    const [payload, signature] = t.split('.') as [string, string];
    const body = payloadOf(t);
    const forged = Buffer.from(JSON.stringify({ ...body, d: { c: caseId, y: true } })).toString('base64url');
    expect(payload).not.toBe(forged);
    expect(reasonOf(`${forged}.${signature}`, { purpose: 'satisfaction' })).toBe('bad_signature');
  });

  it('refuses data that is not a few short ids', () => {
    const sign = (data: Record<string, unknown>) =>
      signLink({
        purpose: 'survey',
        guestId,
        expiresAt: NOW + 60,
        secret: SECRET,
        data: data as Record<string, string>,
      });
    expect(() => sign({})).toThrow(/link data/);
    expect(() => sign({ a: '1', b: '2', c: '3', d: '4', e: '5' })).toThrow(/link data/);
    expect(() => sign({ s: 'x'.repeat(121) })).toThrow(/link data/);
    expect(() => sign({ s: '' })).toThrow(/link data/);
    expect(() => sign({ s: 'a\nb' })).toThrow(/link data/);
    expect(() => sign({ 'stay id': 'x' })).toThrow(/link data/);
    expect(() => sign({ s: 1 })).toThrow(/link data/);
    expect(() => sign({ s: { nested: true } })).toThrow(/link data/);
    expect(() =>
      surveyLinkUrl({ baseUrl: 'https://h.example', guestId, stayId: 'PMS-1', secret: SECRET }),
    ).toThrow(/UUID/);
    // The longest ids still make a token under the limit.
    const longest = inStayReportLinkUrl({
      baseUrl: 'https://h.example',
      guestId,
      pmsStayId: '住'.repeat(120),
      propertyCode: '店'.repeat(120),
      secret: SECRET,
    });
    const t = tokenOf(longest);
    expect(t.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    expect(verifyLink(t, { secret: SECRET, purpose: 'in_stay_report' }).data?.s).toBe('住'.repeat(120));
  });

  it('a payload whose data is not a few short ids is not one of ours, signed or not', () => {
    const bad = Buffer.from(
      JSON.stringify({ p: 'survey', g: guestId, e: NOW + 60, n: 'abcdefgh', d: { s: ['x'] } }),
    ).toString('base64url');
    const mac = createHmac('sha256', SECRET).update(`glink1.${bad}`).digest('base64url');
    expect(reasonOf(`${bad}.${mac}`, { purpose: 'survey' })).toBe('malformed');
  });
});
