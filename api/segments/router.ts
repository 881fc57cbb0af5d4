/**
 * Marketers' segments (marketer, admin: api/access.ts): `POST /v1/segments/preview` counts the guests a
 * definition takes and shows the first of them by name (api/segments/service.ts; the rules: domain/segments.ts,
 * docs/segments.md).
 */
import { Router } from 'express';
import { validationError } from '../errors.js';
import { previewBody } from './schema.js';
import { previewSegment, type SegmentsDeps } from './service.js';

/** Mounted at `/v1/segments`, behind the marketing roles and a JSON body (api/app.ts). */
export function segmentsRouter(deps: SegmentsDeps): Router {
  const router = Router();
  router.post('/preview', async (req, res) => {
    const parsed = previewBody.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    res.json(await previewSegment(deps, parsed.data));
  });
  return router;
}
