/**
 * Staff audiences authenticate with `Authorization: Bearer <api key>`; keys
 * are stored hashed, each with one role. The PMS authenticates by signing
 * its webhooks instead (api/pms/signature.ts).
 */
import type { Request, RequestHandler } from 'express';
import type { Db } from '../db/knex.js';
import * as apiKeys from '../db/repositories/api-keys.js';
import type { Role } from '../db/repositories/api-keys.js';
import { HttpError } from './errors.js';

export interface Principal {
  keyId: number;
  name: string;
  role: Role;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    /** The app's cache of keys and sessions checked (KeyCache, `keyCache` middleware). */
    keyCache?: KeyCache;
  }
}

/** The console's session cookie (api/console/session.ts). */
export const SESSION_COOKIE = 'gle_session';

/** The session token of the request's cookie, if it carries one. */
export function sessionTokenOf(req: Request): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=') || undefined;
  }
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Entries a cache holds at most; a full cache starts again empty. */
const KEY_CACHE_ENTRIES = 10_000;

/**
 * The keys and console sessions this process checked in the last few seconds (API_KEY_CACHE_SECONDS), by the
 * SHA-256 of the key or token: a request with one of them is let in without asking Postgres again, which
 * spares every staff request a round trip (docs/benchmarks.md). What that costs: a key revoked, or a session
 * ended, by another process (`npm run api-key -- revoke`, another API instance) still works here until its
 * entry ends, at most that many seconds. A sign-out through this process forgets its session at once; an entry
 * never outlives its session's expiry. One cache per app (createApp, api/app.ts: `keyCache`).
 */
export class KeyCache {
  private readonly entries = new Map<string, { key: apiKeys.ApiKeyRow; until: number }>();
  constructor(private readonly ttlMs: number) {}

  get(id: string, now = Date.now()): apiKeys.ApiKeyRow | undefined {
    const hit = this.entries.get(id);
    if (!hit) return undefined;
    if (hit.until > now) return hit.key;
    this.entries.delete(id);
    return undefined;
  }

  put(id: string, key: apiKeys.ApiKeyRow, endsAt?: Date, now = Date.now()): void {
    if (this.entries.size >= KEY_CACHE_ENTRIES) this.entries.clear();
    this.entries.set(id, { key, until: Math.min(now + this.ttlMs, endsAt?.getTime() ?? Infinity) });
  }

  forget(id: string): void {
    this.entries.delete(id);
  }
}

/** The middleware that hands every request the app's cache, which trusts a check for `seconds` (0: no cache). */
export function keyCache(seconds: number): RequestHandler {
  const cache = seconds > 0 ? new KeyCache(seconds * 1000) : undefined;
  return (req, _res, next) => {
    if (cache) req.keyCache = cache;
    next();
  };
}

/** Forgets a console session this app ended (sign-out), so it stops working here at once. */
export function forgetSession(req: Request, token: string): void {
  req.keyCache?.forget(`session:${apiKeys.hashKey(token)}`);
}

/** The key of the request: `Authorization: Bearer <key>`, else the console's session cookie. */
export async function keyOf(db: Db, req: Request): Promise<apiKeys.ApiKeyRow> {
  const cache = req.keyCache;
  const header = req.get('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      throw new HttpError(401, 'unauthenticated', 'Authorization: Bearer <api key> is required', {
        header: 'Authorization',
      });
    const id = cache && `key:${apiKeys.hashKey(match[1]!)}`;
    const cached = id ? cache.get(id) : undefined;
    if (cached) return cached;
    const key = await apiKeys.findActiveByKey(db, match[1]!);
    if (!key)
      throw new HttpError(401, 'unauthenticated', 'unknown or revoked API key', { header: 'Authorization' });
    if (id) cache.put(id, key);
    return key;
  }
  const token = sessionTokenOf(req);
  if (!token) {
    throw new HttpError(401, 'unauthenticated', 'Authorization: Bearer <api key> is required', {
      header: 'Authorization',
    });
  }
  const id = cache && `session:${apiKeys.hashKey(token)}`;
  let key: apiKeys.ApiKeyRow | undefined = id ? cache.get(id) : undefined;
  if (!key) {
    const found = await apiKeys.findSessionKey(db, token);
    if (found && id) cache.put(id, found, found.session_expires_at);
    key = found;
  }
  if (!key)
    throw new HttpError(401, 'unauthenticated', 'the console session has ended: sign in again', {
      cookie: SESSION_COOKIE,
    });
  // A write with the cookie must come from the console's own script (SameSite=Strict already keeps other
  // sites' pages from sending the cookie; a form cannot set this header).
  if (!SAFE_METHODS.has(req.method) && req.get('x-console') !== '1')
    throw new HttpError(403, 'console_header_missing', 'a write with the session cookie needs X-Console: 1', {
      header: 'X-Console',
    });
  return key;
}

export function requireRole(db: Db, roles: readonly Role[]): RequestHandler {
  return async (req, _res, next) => {
    const key = await keyOf(db, req);
    if (!roles.includes(key.role)) {
      throw new HttpError(
        403,
        'forbidden',
        `role '${key.role}' may not do this; needs one of ${roles.join(', ')}`,
        {
          role: key.role,
          allowed: roles,
        },
      );
    }
    req.principal = { keyId: key.id, name: key.name, role: key.role };
    next();
  };
}
