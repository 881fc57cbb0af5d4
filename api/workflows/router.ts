/**
 * Workflows for staff (ops, manager, admin: api/access.ts):
 * - `GET /v1/workflows?type=&status=&stage=&tier=&property=&limit=&cursor=`  a page of workflows from Temporal's
 *   visibility, newest first, with the guest's search attributes; `nextCursor` fetches the next page.
 */
import { Router } from 'express';
import { requireRole } from '../auth.js';
import { ROLES_FOR } from '../access.js';
import { validationError } from '../errors.js';
import { listQuery } from './schema.js';
import { listWorkflows, type WorkflowsDeps } from './service.js';

/** Mounted at `/v1/workflows`. */
export function workflowsRouter(deps: WorkflowsDeps & { db: Parameters<typeof requireRole>[0] }): Router {
  const router = Router();
  router.use(requireRole(deps.db, ROLES_FOR.staff));
  router.get('/', async (req, res) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) throw validationError(parsed.error);
    res.json(await listWorkflows(deps, parsed.data));
  });
  return router;
}
