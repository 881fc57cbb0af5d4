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

/** The key of the request: `Authorization: Bearer <key>`, else the console's session cookie. */
export async function keyOf(db: Db, req: Request): Promise<apiKeys.ApiKeyRow> {
  const header = req.get('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      throw new HttpError(401, 'unauthenticated', 'Authorization: Bearer <api key> is required', {
        header: 'Authorization',
      });
    const key = await apiKeys.findActiveByKey(db, match[1]!);
    if (!key)
      throw new HttpError(401, 'unauthenticated', 'unknown or revoked API key', { header: 'Authorization' });
    return key;
  }
  const token = sessionTokenOf(req);
  if (!token) {
    throw new HttpError(401, 'unauthenticated', 'Authorization: Bearer <api key> is required', {
      header: 'Authorization',
    });
  }
  const key = await apiKeys.findSessionKey(db, token);
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
