/**
 * Staff audiences authenticate with `Authorization: Bearer <api key>`; keys
 * are stored hashed, each with one role. The PMS authenticates by signing
 * its webhooks instead (api/pms/signature.ts).
 */
import type { RequestHandler } from 'express';
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

export function requireRole(db: Db, roles: readonly Role[]): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) {
      throw new HttpError(401, 'unauthenticated', 'Authorization: Bearer <api key> is required', {
        header: 'Authorization',
      });
    }
    const key = await apiKeys.findActiveByKey(db, match[1]!);
    if (!key)
      throw new HttpError(401, 'unauthenticated', 'unknown or revoked API key', { header: 'Authorization' });
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
