/**
 * The console's sign-in (docs/console.md "Sign-in"). A staff member pastes an API key once; the API checks it and
 * answers with a session cookie, so the key never stays in the browser:
 *
 * - `POST /v1/session` `{ key }` → 200 `{ name, role, expiresAt, can }` and `Set-Cookie: gle_session=…;
 *   HttpOnly; SameSite=Strict; Path=/; Max-Age=…` (`Secure` where configured). Scripts cannot read the cookie,
 *   and no other site's page can send it.
 * - `GET /v1/session` → who is signed in (`{ signedIn: false }` when nobody is), `DELETE /v1/session` → signed
 *   out (`{ signedIn: false }`), cookie cleared.
 *
 * The session ends CONSOLE_SESSION_HOURS after sign-in (a hard expiry) or when its key is revoked
 * (db/repositories/api-keys.ts `findSessionKey`). Every route then accepts the cookie where it accepts the key
 * (api/auth.ts); a request that writes with the cookie must also carry `X-Console: 1`, a header a form on
 * another site cannot set (defence in depth beside SameSite=Strict).
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/knex.js';
import * as apiKeys from '../../db/repositories/api-keys.js';
import type { Role } from '../../db/repositories/api-keys.js';
import { ROLES_FOR, type Audience } from '../access.js';
import { forgetSession, keyOf, SESSION_COOKIE, sessionTokenOf } from '../auth.js';
import { HttpError, validationError } from '../errors.js';

export interface SessionDeps {
  db: Db;
  /** CONSOLE_SESSION_HOURS. */
  hours: number;
  /** CONSOLE_SECURE_COOKIE. */
  secureCookie: boolean;
}

export const sessionBody = z.strictObject({
  key: z.string({ message: 'must be an API key' }).trim().min(8, 'must be an API key').max(200, 'too long'),
});

/** What the console may show a role: one flag per audience of api/access.ts. */
export function canOf(role: Role): Record<Audience, boolean> {
  return Object.fromEntries(
    Object.entries(ROLES_FOR).map(([audience, roles]) => [
      audience,
      (roles as readonly Role[]).includes(role),
    ]),
  ) as Record<Audience, boolean>;
}

function cookie(deps: SessionDeps, value: string, maxAgeSeconds: number): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(deps.secureCookie ? ['Secure'] : []),
  ].join('; ');
}

export const view = (key: { name: string; role: Role }, expiresAt: Date | null) => ({
  name: key.name,
  role: key.role,
  /** When the session ends (null: a key sent in the header, which has no session). */
  expiresAt: expiresAt?.toISOString() ?? null,
  can: canOf(key.role),
});

export function sessionRouter(deps: SessionDeps): Router {
  const router = Router();
  router.post('/', async (req: Request, res: Response) => {
    const parsed = sessionBody.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    const key = await apiKeys.findActiveByKey(deps.db, parsed.data.key);
    if (!key) throw new HttpError(401, 'unauthenticated', 'unknown or revoked API key', { field: 'key' });
    const session = await apiKeys.openSession(deps.db, { apiKeyId: key.id, hours: deps.hours });
    res.set('Set-Cookie', cookie(deps, session.token, deps.hours * 3600));
    res.set('Cache-Control', 'no-store');
    res.json(view(key, session.expiresAt));
  });
  // Who is signed in: the console asks on every start, so a browser without a session gets a 200 that says so
  // (a 401 would be logged as an error by the browser). A key in the Authorization header is checked as anywhere.
  router.get('/', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const token = sessionTokenOf(req);
    if (!req.get('authorization')) {
      const found = token ? await apiKeys.findSessionKey(deps.db, token) : undefined;
      if (!found) {
        if (token) res.set('Set-Cookie', cookie(deps, '', 0));
        res.json({ signedIn: false });
        return;
      }
      res.json({ signedIn: true, via: 'session', ...view(found, found.session_expires_at) });
      return;
    }
    const key = await keyOf(deps.db, req);
    res.json({ signedIn: true, via: 'key', ...view(key, null) });
  });
  router.delete('/', async (req, res) => {
    const token = sessionTokenOf(req);
    if (token) {
      await apiKeys.closeSession(deps.db, token);
      forgetSession(req, token);
    }
    res.set('Set-Cookie', cookie(deps, '', 0));
    res.json({ signedIn: false });
  });
  return router;
}
