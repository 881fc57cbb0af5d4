/**
 * Workflows for staff (ops, manager, admin: api/access.ts):
 * - `GET /v1/workflows?type=&status=&stage=&tier=&property=&limit=&cursor=`  a page of workflows from Temporal's
 *   visibility, newest first, with the guest's search attributes; `nextCursor` fetches the next page.
 * - `GET /v1/workflows/:id`  one workflow: type, status, its state query, next deadlines, pending activities and
 *   children, the last events, and a link to the same run in the Temporal Web UI.
 * - `POST /v1/workflows/:id/cancel`  `{ reason }`: stop a running win-back or post-stay follow-up (audited).
 */
import express, { Router } from 'express';
import { reasonBody } from '../audited.js';
import { requireRole } from '../auth.js';
import { ROLES_FOR } from '../access.js';
import { jsonBodyOnly, validationError } from '../errors.js';
import { listQuery, workflowIdParam } from './schema.js';
import {
  cancelWorkflow,
  getWorkflow,
  listWorkflows,
  withGuests,
  type CancelDeps,
  type WorkflowsDeps,
} from './service.js';

/** Mounted at `/v1/workflows`. */
export function workflowsRouter(
  deps: WorkflowsDeps &
    CancelDeps & {
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
  router.post('/:id/cancel', jsonBodyOnly, express.json({ limit: '64kb' }), async (req, res) => {
    const id = workflowIdParam.safeParse(req.params.id);
    if (!id.success) throw validationError(id.error, ['id']);
    const body = reasonBody.safeParse(req.body ?? {});
    if (!body.success) throw validationError(body.error);
    res.json(
      await cancelWorkflow(deps, {
        workflowId: id.data,
        actor: req.principal!.name,
        reason: body.data.reason,
      }),
    );
  });
  return router;
}
