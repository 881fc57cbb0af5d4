/**
 * PMS webhook signatures: `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 * Several v1 values may be sent while a secret is rotated; one match is enough.
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
  secret: string;
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
  const expected = createHmac('sha256', input.secret).update(`${t}.`).update(input.rawBody).digest();
  const ok = v1.some((hex) => {
    const given = Buffer.from(hex, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!ok)
    throw new HttpError(401, 'signature_mismatch', 'X-Signature does not match the body', {
      header: 'X-Signature',
    });
}
