/**
 * Signed, expiring links for mails (DESIGN.md "API": survey, unsubscribe, "why did you leave"). A token is
 * `<payload>.<signature>`, both base64url: the payload is JSON `{ p: purpose, g: guestId, e: expiry (unix
 * seconds), n: nonce }` — a guest id, never a name or an address — and the signature an HMAC-SHA256 over
 * `glink1.<payload>` with the links secret, compared in constant time. Tokens are URL-safe as they are.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface LinkPayload {
  purpose: string;
  guestId: string;
  /** Expiry, unix seconds: valid while now < exp. */
  exp: number;
  nonce: string;
}

export type LinkErrorReason = 'malformed' | 'bad_signature' | 'expired' | 'wrong_purpose';

/**
 * Why a token was refused. For `expired` and `wrong_purpose` the signature was good, and `payload` says
 * whose link it was (a page may still speak the guest's language).
 */
export class LinkError extends Error {
  constructor(
    public readonly reason: LinkErrorReason,
    message: string,
    public readonly payload?: LinkPayload,
  ) {
    super(message);
    this.name = 'LinkError';
  }
}

const DOMAIN = 'glink1.';
const PURPOSE = /^[a-z][a-z0-9-]{0,31}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Far above a real token (about 180 characters): longer input is refused before any work. */
export const MAX_TOKEN_LENGTH = 512;
/** Year 3000: an expiry beyond is a mistake (milliseconds passed for seconds). */
const MAX_EXP = 32_503_680_000;

function mac(secret: string, payloadB64: string): Buffer {
  return createHmac('sha256', secret)
    .update(DOMAIN + payloadB64)
    .digest();
}

function unixSeconds(at: Date | number): number {
  const s = at instanceof Date ? Math.floor(at.getTime() / 1000) : at;
  if (!Number.isSafeInteger(s) || s <= 0 || s > MAX_EXP)
    throw new RangeError(`expiresAt must be a Date or unix seconds before year 3000 (got ${String(at)})`);
  return s;
}

function checkSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < 16)
    throw new RangeError('the links secret must be at least 16 characters');
}

/** A token for `purpose` (lower-case, e.g. `why`) about `guestId`, valid until `expiresAt`. */
export function signLink(input: {
  purpose: string;
  guestId: string;
  expiresAt: Date | number;
  secret: string;
}): string {
  checkSecret(input.secret);
  if (!PURPOSE.test(input.purpose)) throw new RangeError(`'${input.purpose}' is not a link purpose`);
  if (!UUID.test(input.guestId)) throw new RangeError('guestId must be a UUID');
  const body = {
    p: input.purpose,
    g: input.guestId.toLowerCase(),
    e: unixSeconds(input.expiresAt),
    n: randomBytes(6).toString('base64url'),
  };
  const payloadB64 = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
  return `${payloadB64}.${mac(input.secret, payloadB64).toString('base64url')}`;
}

function parsePayload(payloadB64: string): LinkPayload | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payloadB64, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const { p, g, e, n } = raw as Record<string, unknown>;
  if (typeof p !== 'string' || !PURPOSE.test(p)) return undefined;
  if (typeof g !== 'string' || !UUID.test(g)) return undefined;
  if (typeof e !== 'number' || !Number.isSafeInteger(e) || e <= 0 || e > MAX_EXP) return undefined;
  if (typeof n !== 'string' || !BASE64URL.test(n) || n.length > 32) return undefined;
  return { purpose: p, guestId: g, exp: e, nonce: n };
}

/**
 * The payload of a token signed with `secret` (or any of `secret` during a rotation), for `purpose`, not
 * expired at `now` (unix seconds, default the clock). Otherwise a `LinkError`: `malformed`, `bad_signature`
 * (checked before the payload is read), `wrong_purpose`, `expired`.
 */
export function verifyLink(
  token: string,
  opts: { secret: string | readonly string[]; purpose: string; now?: number },
): LinkPayload {
  const secrets = typeof opts.secret === 'string' ? [opts.secret] : opts.secret;
  if (secrets.length === 0) throw new RangeError('no links secret');
  secrets.forEach(checkSecret);
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH)
    throw new LinkError('malformed', 'the link is not one of ours');
  const parts = token.split('.');
  if (parts.length !== 2 || !BASE64URL.test(parts[0]!) || !BASE64URL.test(parts[1]!))
    throw new LinkError('malformed', 'the link is not one of ours');
  const [payloadB64, signatureB64] = parts as [string, string];
  const given = Buffer.from(signatureB64, 'base64url');
  // A SHA-256 is 32 bytes; anything else cannot match (and timingSafeEqual needs equal lengths). The last
  // character carries two spare bits: only the canonical spelling counts, so a token has one form.
  const signed =
    given.length === 32 &&
    given.toString('base64url') === signatureB64 &&
    secrets.some((secret) => timingSafeEqual(given, mac(secret, payloadB64)));
  if (!signed) throw new LinkError('bad_signature', 'the link has been altered or was not signed by us');
  const payload = parsePayload(payloadB64);
  if (!payload) throw new LinkError('malformed', 'the link is not one of ours');
  if (payload.purpose !== opts.purpose)
    throw new LinkError(
      'wrong_purpose',
      `the link is for '${payload.purpose}', not '${opts.purpose}'`,
      payload,
    );
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (now >= payload.exp) throw new LinkError('expired', 'the link has expired', payload);
  return payload;
}

/** The purpose of the "may we ask why?" link (churn-why mail → GET/POST /v1/links/why/:token). */
export const WHY_LINK_PURPOSE = 'why';

/** `<baseUrl>/v1/links/why/<token>`: the link the churn-why mail carries. */
export function whyLinkUrl(input: {
  baseUrl: string;
  guestId: string;
  secret: string;
  expiresAt: Date | number;
}): string {
  const token = signLink({
    purpose: WHY_LINK_PURPOSE,
    guestId: input.guestId,
    expiresAt: input.expiresAt,
    secret: input.secret,
  });
  return `${input.baseUrl.replace(/\/+$/, '')}/v1/links/why/${token}`;
}

/** The purpose of the one-click unsubscribe link (marketing mail → GET/POST /v1/links/unsubscribe/:token). */
export const UNSUBSCRIBE_LINK_PURPOSE = 'unsubscribe';

/** How long an unsubscribe link works: a guest may find an old mail months later. */
export const UNSUBSCRIBE_LINK_DAYS = 365;

/**
 * `<baseUrl>/v1/links/unsubscribe/<token>`: the link of a marketing mail's `List-Unsubscribe` header (RFC 8058
 * one-click POST) and its footer. Valid for UNSUBSCRIBE_LINK_DAYS from `now` unless `expiresAt` says otherwise.
 */
export function unsubscribeLinkUrl(input: {
  baseUrl: string;
  guestId: string;
  secret: string;
  expiresAt?: Date | number;
  now?: Date;
}): string {
  const from = input.now ?? new Date();
  const token = signLink({
    purpose: UNSUBSCRIBE_LINK_PURPOSE,
    guestId: input.guestId,
    expiresAt: input.expiresAt ?? new Date(from.getTime() + UNSUBSCRIBE_LINK_DAYS * 86_400_000),
    secret: input.secret,
  });
  return `${input.baseUrl.replace(/\/+$/, '')}/v1/links/unsubscribe/${token}`;
}
