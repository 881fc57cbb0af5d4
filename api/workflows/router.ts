/**
 * Workflows for staff (ops, manager, admin: api/access.ts):
 * - `GET /v1/workflows?type=&status=&stage=&tier=&property=&limit=&cursor=`  a page of workflows from Temporal's
 *   visibility, newest first, with the guest's search attributes; `nextCursor` fetches the next page.
 * - `GET /v1/workflows/:id`  one workflow: type, status, its state query, next deadlines, pending activities and
 *   children, the last events, and a link to the same run in the Temporal Web UI.
 */
import { Router } from 'express';
import { requireRole } from '../auth.js';
import { ROLES_FOR } from '../access.js';
import { validationError } from '../errors.js';
import { listQuery, workflowIdParam } from './schema.js';
import { getWorkflow, listWorkflows, withGuests, type WorkflowsDeps } from './service.js';

/** Mounted at `/v1/workflows`. */
export function workflowsRouter(
  deps: WorkflowsDeps & {
    db: Parameters<typeof requireRole>[0];
    temporalUi?: { url: string; namespace: string } | undefined;
  },
): Router {
  const router = Router();
  router.use(requireRole(deps.db, ROLES_FOR.staff));
  router.get('/', async (req, res) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) throw validationError(parsed.error);
    res.json(await withGuests(deps.db, await listWorkflows(deps, parsed.data)));
  });
  router.get('/:id', async (req, res) => {
    const id = workflowIdParam.safeParse(req.params.id);
    if (!id.success) throw validationError(id.error, ['id']);
    const { workflows } = await withGuests(deps.db, { workflows: [await getWorkflow(deps, id.data)] });
    res.json(workflows[0]);
  });
  return router;
}
