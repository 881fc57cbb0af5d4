/**
 * The marketing dashboard's reports (marketer, admin: api/access.ts): `GET /v1/reports/<name>?from=&to=` with
 * an optional `property`, `zone` and `interval` (api/reports/schema.ts), one route per report of
 * domain/reports.ts REPORT_NAMES, answered by api/reports/service.ts. Read-only; docs/reports.md defines them.
 */
import { Router } from 'express';
import { REPORT_NAMES } from '../../domain/reports.js';
import { validationError } from '../errors.js';
import { reportQuery } from './schema.js';
import { runReport, type ReportsDeps } from './service.js';

/** Mounted at `/v1/reports`, behind the marketing roles (api/app.ts). */
export function reportsRouter(deps: ReportsDeps): Router {
  const router = Router();
  for (const name of REPORT_NAMES) {
    router.get(`/${name}`, async (req, res) => {
      const parsed = reportQuery.safeParse(req.query);
      if (!parsed.success) throw validationError(parsed.error);
      res.json(await runReport(deps, name, parsed.data));
    });
  }
  return router;
}
