/**
 * PMS webhook signatures: `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 * Secrets are rotated without downtime: the API verifies against the current and the previous secret, and
 * the PMS may send several v1 values; one match with one secret is enough.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../errors.js';

export function sign(secret: string, rawBody: Buffer | string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.`).update(rawBody).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export function verifySignature(input: {
  header: string | undefined;
  rawBody: Buffer;
  /** The current secret first, then the one being rotated out (if any). */
  secrets: readonly string[];
  nowSeconds: number;
  toleranceSeconds: number;
}): void {
  const { header } = input;
  if (!header)
    throw new HttpError(401, 'signature_missing', 'X-Signature header is required', {
      header: 'X-Signature',
    });
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && v && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && v && /^[0-9a-f]{64}$/i.test(v)) v1.push(v.toLowerCase());
  }
  if (t === undefined || v1.length === 0) {
    throw new HttpError(
      401,
      'signature_malformed',
      'X-Signature must be t=<unix seconds>,v1=<hex HMAC-SHA256>',
      {
        header: 'X-Signature',
      },
    );
  }
  if (Math.abs(input.nowSeconds - t) > input.toleranceSeconds) {
    throw new HttpError(
      401,
      'signature_expired',
      `signature timestamp is more than ${input.toleranceSeconds}s away from now`,
      {
        header: 'X-Signature',
        timestamp: t,
        toleranceSeconds: input.toleranceSeconds,
      },
    );
  }
  if (input.secrets.length === 0) throw new Error('verifySignature needs at least one secret');
  const expected = input.secrets.map((secret) =>
    createHmac('sha256', secret).update(`${t}.`).update(input.rawBody).digest(),
  );
  // Every pair is compared, in constant time each: which secret matched does not show in the timing.
  let ok = false;
  for (const hex of v1) {
    const given = Buffer.from(hex, 'hex');
    for (const mac of expected) ok = timingSafeEqual(given, mac) || ok;
  }
  if (!ok)
    throw new HttpError(401, 'signature_mismatch', 'X-Signature does not match the body', {
      header: 'X-Signature',
    });
}
