/**
 * Signed, expiring links for mails (docs/api.md: survey, unsubscribe, "why did you leave", in-stay report,
 * case satisfaction). A token is `<payload>.<signature>`, both base64url: the payload is JSON `{ p: purpose,
 * g: guestId, e: expiry (unix seconds), n: nonce }`, plus for some purposes `d`, a few ids the page needs (a
 * stay id, a property code, a case id and the answer it stands for) — ids and facts, never a name or an
 * address — and the signature an HMAC-SHA256 over `glink1.<payload>` with the links secret, compared in
 * constant time. Tokens are URL-safe as they are.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface LinkPayload {
  purpose: string;
  guestId: string;
  /** Expiry, unix seconds: valid while now < exp. */
  exp: number;
  nonce: string;
  /** What else the link is about (ids, a yes/no), when its purpose needs it. */
  data?: LinkData;
}

/** At most MAX_DATA_KEYS short keys, each a string of at most MAX_DATA_VALUE characters or a boolean. */
export type LinkData = Record<string, string | boolean>;

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
const PURPOSE = /^[a-z][a-z0-9_-]{0,31}$/;
const DATA_KEY = /^[a-z][a-zA-Z0-9]{0,15}$/;
const MAX_DATA_KEYS = 4;
/** An id another system chose (a PMS stay id, a property code) is at most 120 characters (api/pms/schema.ts). */
const MAX_DATA_VALUE = 120;
/** Controls and unpaired surrogates: not in an id. */
const NOT_ID_TEXT = /\p{Cc}|\p{Cs}/u;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/**
 * Far above a real token (about 180 characters, 300 with a PMS stay id and a property code; the longest ids
 * in Chinese reach about 1,250): longer input is refused before any work.
 */
export const MAX_TOKEN_LENGTH = 1536;
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

function validData(d: unknown): d is LinkData {
  if (!d || typeof d !== 'object' || Array.isArray(d)) return false;
  const entries = Object.entries(d);
  return (
    entries.length > 0 &&
    entries.length <= MAX_DATA_KEYS &&
    entries.every(
      ([k, v]) =>
        DATA_KEY.test(k) &&
        (typeof v === 'boolean' ||
          (typeof v === 'string' && v.length > 0 && v.length <= MAX_DATA_VALUE && !NOT_ID_TEXT.test(v))),
    )
  );
}

/**
 * A token for `purpose` (lower-case, e.g. `why`) about `guestId`, valid until `expiresAt`; `data`: the ids
 * the page needs besides the guest (never personal data).
 */
export function signLink(input: {
  purpose: string;
  guestId: string;
  expiresAt: Date | number;
  secret: string;
  data?: LinkData;
}): string {
  checkSecret(input.secret);
  if (!PURPOSE.test(input.purpose)) throw new RangeError(`'${input.purpose}' is not a link purpose`);
  if (!UUID.test(input.guestId)) throw new RangeError('guestId must be a UUID');
  if (input.data !== undefined && !validData(input.data))
    throw new RangeError(
      `link data must be 1 to ${MAX_DATA_KEYS} short keys, each an id of at most ${MAX_DATA_VALUE} characters or a boolean`,
    );
  const body = {
    p: input.purpose,
    g: input.guestId.toLowerCase(),
    e: unixSeconds(input.expiresAt),
    n: randomBytes(6).toString('base64url'),
    ...(input.data ? { d: input.data } : {}),
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
  const { p, g, e, n, d } = raw as Record<string, unknown>;
  if (typeof p !== 'string' || !PURPOSE.test(p)) return undefined;
  if (typeof g !== 'string' || !UUID.test(g)) return undefined;
  if (typeof e !== 'number' || !Number.isSafeInteger(e) || e <= 0 || e > MAX_EXP) return undefined;
  if (typeof n !== 'string' || !BASE64URL.test(n) || n.length > 32) return undefined;
  if (d !== undefined && !validData(d)) return undefined;
  return { purpose: p, guestId: g, exp: e, nonce: n, ...(d !== undefined ? { data: d } : {}) };
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

const DAY_MS = 86_400_000;

function linkUrl(baseUrl: string, path: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/v1/links/${path}/${token}`;
}

function expiryOf(input: { expiresAt?: Date | number; now?: Date; days?: number }, defaultDays: number) {
  if (input.expiresAt !== undefined) return input.expiresAt;
  const days = input.days ?? defaultDays;
  if (!Number.isFinite(days) || days <= 0) throw new RangeError(`link days must be above 0 (got ${days})`);
  return new Date((input.now ?? new Date()).getTime() + days * DAY_MS);
}

/** The purpose of the post-stay survey link (satisfaction-survey mail → GET/POST /v1/links/survey/:token). */
export const SURVEY_LINK_PURPOSE = 'survey';
/** How long a survey link works unless configured otherwise (SURVEY_LINK_DAYS). */
export const SURVEY_LINK_DAYS = 30;

/**
 * `<baseUrl>/v1/links/survey/<token>`: the survey about one stay (`stayId`: `stays.id`). Valid for `days`
 * (default SURVEY_LINK_DAYS) from `now` unless `expiresAt` says otherwise; within that life a second answer
 * replaces the first.
 */
export function surveyLinkUrl(input: {
  baseUrl: string;
  guestId: string;
  stayId: string;
  secret: string;
  expiresAt?: Date | number;
  days?: number;
  now?: Date;
}): string {
  if (!UUID.test(input.stayId)) throw new RangeError('stayId must be a stay id (UUID)');
  const token = signLink({
    purpose: SURVEY_LINK_PURPOSE,
    guestId: input.guestId,
    expiresAt: expiryOf(input, SURVEY_LINK_DAYS),
    secret: input.secret,
    data: { s: input.stayId.toLowerCase() },
  });
  return linkUrl(input.baseUrl, 'survey', token);
}

/** The purpose of the in-stay report link (in-stay-check mail → GET/POST /v1/links/report/:token). */
export const IN_STAY_REPORT_LINK_PURPOSE = 'in_stay_report';
/** How long an in-stay report link works unless configured otherwise (IN_STAY_REPORT_LINK_DAYS). */
export const IN_STAY_REPORT_LINK_DAYS = 3;

/**
 * `<baseUrl>/v1/links/report/<token>`: "report a problem" during the stay `pmsStayId` (the PMS's id: the stay
 * is not recorded before check-out) at `propertyCode`, where the case it opens belongs. Valid for `days`
 * (default IN_STAY_REPORT_LINK_DAYS) from `now` unless `expiresAt` says otherwise.
 */
export function inStayReportLinkUrl(input: {
  baseUrl: string;
  guestId: string;
  pmsStayId: string;
  propertyCode: string;
  secret: string;
  expiresAt?: Date | number;
  days?: number;
  now?: Date;
}): string {
  const token = signLink({
    purpose: IN_STAY_REPORT_LINK_PURPOSE,
    guestId: input.guestId,
    expiresAt: expiryOf(input, IN_STAY_REPORT_LINK_DAYS),
    secret: input.secret,
    data: { s: input.pmsStayId, h: input.propertyCode },
  });
  return linkUrl(input.baseUrl, 'report', token);
}

/** The purpose of a case's satisfaction-check links (case-satisfaction-check mail → /v1/links/satisfaction/:token). */
export const SATISFACTION_LINK_PURPOSE = 'satisfaction';

/**
 * `<baseUrl>/v1/links/satisfaction/<token>`: "are you satisfied with how we solved it?" for case `caseId`,
 * with the answer the guest clicked (`satisfied`: the mail carries one link for yes and one for no), valid
 * until `expiresAt` (the case activity chooses it).
 */
export function satisfactionLinkUrl(input: {
  baseUrl: string;
  guestId: string;
  caseId: string;
  satisfied: boolean;
  secret: string;
  expiresAt: Date | number;
}): string {
  if (!UUID.test(input.caseId)) throw new RangeError('caseId must be a case id (UUID)');
  const token = signLink({
    purpose: SATISFACTION_LINK_PURPOSE,
    guestId: input.guestId,
    expiresAt: input.expiresAt,
    secret: input.secret,
    data: { c: input.caseId.toLowerCase(), y: input.satisfied },
  });
  return linkUrl(input.baseUrl, 'satisfaction', token);
}
