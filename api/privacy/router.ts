/**
 * A guest's privacy (api/privacy/service.ts, docs/privacy.md), under `/v1/guests` beside api/guests/router.ts:
 * `GET /:id/consents` (ops, manager, admin: booleans, sources and times, no personal data), `GET /:id/export` and
 * `POST /:id/erasure` (admin). The app authenticates every route for ops, manager or admin first.
 */
import { Router } from 'express';
import { requireRole } from '../auth.js';
import { ROLES_FOR } from '../access.js';
import { reasonBody } from '../audited.js';
import { validationError } from '../errors.js';
import { params } from '../guests/router.js';
import { consentHistory, eraseGuest, exportGuest, type PrivacyDeps } from './service.js';

const guestIdOf = (p: unknown) => {
  const parsed = params.safeParse(p);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data.id;
};

export function privacyRouter(deps: PrivacyDeps): Router {
  const router = Router();
  const adminOnly = requireRole(deps.db, ROLES_FOR.admin);
  router.get('/:id/consents', async (req, res) => {
    res.json(await consentHistory(deps.db, guestIdOf(req.params)));
  });
  router.get('/:id/export', adminOnly, async (req, res) => {
    const guestId = guestIdOf(req.params);
    const data = await exportGuest(deps.db, { guestId, actor: req.principal!.name });
    res
      .set('Cache-Control', 'no-store')
      .set('Content-Disposition', `attachment; filename="guest-${guestId}.json"`)
      .json(data);
  });
  router.post('/:id/erasure', adminOnly, async (req, res) => {
    const guestId = guestIdOf(req.params);
    const body = reasonBody.safeParse(req.body ?? {});
    if (!body.success) throw validationError(body.error);
    res.json(await eraseGuest(deps, { guestId, actor: req.principal!.name, reason: body.data.reason }));
  });
  return router;
}
