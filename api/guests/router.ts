/** `GET /v1/guests/:id` for operations staff. */
import { Router } from 'express';
import { z } from 'zod';
import { HttpError, validationError } from '../errors.js';
import { getGuest, type GuestServiceDeps } from './service.js';

const params = z.object({ id: z.uuid('must be a guest id (UUID)') });

export function guestsRouter(deps: GuestServiceDeps): Router {
  const router = Router();
  // Express decodes `:id` before the handler runs and would answer a bad escape (`%`, `%ED%A0%80`) without
  // naming the parameter: check the raw segment first.
  router.use((req, _res, next) => {
    // req.url is relative to the mount point and still percent-encoded: `/<id>?…`.
    const segment = req.url.split('?', 1)[0]!.split('/')[1] ?? '';
    try {
      decodeURIComponent(segment);
    } catch {
      throw new HttpError(400, 'validation_failed', 'id: must be a guest id (UUID)', {
        field: 'id',
        issues: [{ field: 'id', code: 'invalid_format', message: 'must be a guest id (UUID)' }],
      });
    }
    next();
  });
  router.get('/:id', async (req, res) => {
    const parsed = params.safeParse(req.params);
    if (!parsed.success) throw validationError(parsed.error);
    res.json(await getGuest(deps, parsed.data.id));
  });
  return router;
}
