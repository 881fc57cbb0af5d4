/** `GET /v1/guests/:id` for operations staff. */
import { Router } from 'express';
import { z } from 'zod';
import { validationError } from '../errors.js';
import { getGuest, type GuestServiceDeps } from './service.js';

const params = z.object({ id: z.uuid('must be a guest id (UUID)') });

export function guestsRouter(deps: GuestServiceDeps): Router {
  const router = Router();
  router.get('/:id', async (req, res) => {
    const parsed = params.safeParse(req.params);
    if (!parsed.success) throw validationError(parsed.error);
    res.json(await getGuest(deps, parsed.data.id));
  });
  return router;
}
