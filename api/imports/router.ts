/**
 * Member imports for admins (docs/import.md, docs/api.md "Member import"):
 * - `POST /v1/admin/imports`               the CSV as the body (`text/csv`), `?fileName=`: streamed to disk, then
 *                                          imported in the background; 202 with the import (200: imported before)
 * - `GET  /v1/admin/imports`               the imports, newest first, with their counts and progress
 * - `GET  /v1/admin/imports/:id`           one import: counts, workflows started, rate and ETA
 * - `GET  /v1/admin/imports/:id/report`    its bad lines as CSV (`line,field,message`)
 * Mounted before `/v1/admin` (whose router takes JSON bodies only).
 */
import { Router } from 'express';
import { z } from 'zod';
import { ROLES_FOR } from '../access.js';
import { requireRole } from '../auth.js';
import { HttpError, validationError } from '../errors.js';
import { text } from '../pms/schema.js';
import {
  cleanFileName,
  getImport,
  importReport,
  listImports,
  uploadImport,
  type ImportServiceDeps,
} from './service.js';

export const importParams = z.object({
  id: z.coerce
    .number<string>()
    .int()
    .min(1)
    .max(2 ** 53 - 1),
});
export const uploadQuery = z.object({ fileName: text(200).optional() });

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

/** Mounted at `/v1/admin/imports`. */
export function importsRouter(deps: ImportServiceDeps): Router {
  const router = Router();
  router.use(requireRole(deps.db, ROLES_FOR.admin));
  router.post('/', async (req, res) => {
    const { fileName } = parse(uploadQuery, req.query);
    if (!req.is(['text/csv', 'application/octet-stream', 'text/plain']))
      throw new HttpError(
        415,
        'unsupported_media_type',
        'the body must be the CSV file: send Content-Type: text/csv',
        { header: 'Content-Type' },
      );
    const { status, view, alreadyImported } = await uploadImport(deps, req, {
      fileName: cleanFileName(fileName),
      actor: req.principal!.name,
    });
    res.status(status).json({ import: view, alreadyImported });
  });
  router.get('/', async (_req, res) => {
    res.json(await listImports(deps));
  });
  router.get('/:id', async (req, res) => {
    res.json(await getImport(deps, parse(importParams, req.params).id));
  });
  router.get('/:id/report', async (req, res) => {
    const { id } = parse(importParams, req.params);
    const csv = await importReport(deps, id);
    res
      .status(200)
      .type('text/csv; charset=utf-8')
      .set('content-disposition', `attachment; filename="import-${id}-report.csv"`)
      .send(csv);
  });
  return router;
}
