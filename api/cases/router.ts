/**
 * Service cases for staff (`/v1/cases`; the app authenticates every route for ops, manager or admin first):
 *
 * - `POST /`                       open a case (Idempotency-Key = the case id)
 * - `GET  /`                       list, filtered by status, department, SLA state, property, guest
 * - `GET  /:id`                    the case with its notes, compensations, audit trail and live state
 * - `POST /:id/assign`             give it to a person (and a department); the receiver stays its owner
 * - `POST /:id/notes`              add a note
 * - `POST /:id/compensations`      compensate: granted at once up to the frontline limit, else waits
 * - `POST /:id/compensations/:compensationId/approve`   (manager) approve a waiting compensation
 * - `POST /:id/resolve`            the case is solved: resolution mail, satisfaction check 3 days later
 * - `POST /:id/satisfaction`       the guest's answer to the check: satisfied → closed, not → reopened
 */
import { Router, type Request, type RequestHandler } from 'express';
import type { z } from 'zod';
import { requireRole } from '../auth.js';
import { ROLES_FOR } from '../access.js';
import { HttpError, validationError } from '../errors.js';
import { IDEMPOTENCY_HEADER, requestIdOf } from '../guests/staff.js';
import {
  approvalBody,
  assignBody,
  caseParams,
  compensationBody,
  compensationParams,
  listQuery,
  noteBody,
  openCaseBody,
  resolveBody,
  satisfactionBody,
} from './schema.js';
import {
  getCase,
  listCases,
  openCase,
  submitCaseRequest,
  type CaseServiceDeps,
  type CaseStaffRequest,
} from './service.js';

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

const caseIdOf = (req: Request) => parse(caseParams, req.params).id;

export function casesRouter(deps: CaseServiceDeps): Router {
  const router = Router();
  // Express decodes path parameters before the handler runs and would answer a bad escape without naming the
  // parameter: check the raw segments first.
  router.use((req, _res, next) => {
    // `/<id>/…` or `/<id>/compensations/<compensationId>/approve`.
    const segments = req.url.split('?', 1)[0]!.split('/');
    segments.forEach((segment, i) => {
      try {
        decodeURIComponent(segment);
      } catch {
        const [field, message] =
          i === 3 && segments[2] === 'compensations'
            ? ['compensationId', 'must be a compensation id (UUID)']
            : ['id', 'must be a case id (UUID)'];
        throw new HttpError(400, 'validation_failed', `${field}: ${message}`, {
          field,
          issues: [{ field, code: 'invalid_format', message }],
        });
      }
    });
    next();
  });

  router.post('/', async (req, res) => {
    const requestId = requestIdOf(req.get(IDEMPOTENCY_HEADER));
    const body = parse(openCaseBody, req.body);
    const opened = await openCase(deps, { requestId, actor: req.principal!.name, body });
    res.set(IDEMPOTENCY_HEADER, requestId);
    if (opened.replayed) res.set('Idempotent-Replayed', 'true');
    res.status(opened.replayed ? 200 : 201).json(opened.case);
  });

  router.get('/', async (req, res) => {
    res.json(await listCases(deps, parse(listQuery, req.query)));
  });

  router.get('/:id', async (req, res) => {
    res.json(await getCase(deps, caseIdOf(req)));
  });

  const staffRoute =
    (toRequest: (req: Request) => CaseStaffRequest): RequestHandler =>
    async (req, res) => {
      const caseId = caseIdOf(req);
      const requestId = requestIdOf(req.get(IDEMPOTENCY_HEADER));
      const request = toRequest(req);
      const answer = await submitCaseRequest(deps, {
        caseId,
        requestId,
        actor: req.principal!.name,
        request,
      });
      res.set(IDEMPOTENCY_HEADER, answer.requestId);
      if (answer.replayed) res.set('Idempotent-Replayed', 'true');
      res.status(200).json({ requestId: answer.requestId, ...answer.result });
    };

  router.post(
    '/:id/assign',
    staffRoute((req) => ({ kind: 'assign', body: parse(assignBody, req.body) })),
  );
  router.post(
    '/:id/notes',
    staffRoute((req) => ({ kind: 'note', body: parse(noteBody, req.body) })),
  );
  router.post(
    '/:id/compensations',
    staffRoute((req) => ({ kind: 'compensation', body: parse(compensationBody, req.body) })),
  );
  router.post(
    '/:id/compensations/:compensationId/approve',
    requireRole(deps.db, ROLES_FOR.manager),
    staffRoute((req) => ({
      kind: 'approval',
      compensationId: parse(compensationParams, req.params).compensationId,
      body: parse(approvalBody, req.body ?? {}),
    })),
  );
  router.post(
    '/:id/resolve',
    staffRoute((req) => ({ kind: 'resolve', body: parse(resolveBody, req.body) })),
  );
  router.post(
    '/:id/satisfaction',
    staffRoute((req) => ({ kind: 'satisfaction', body: parse(satisfactionBody, req.body) })),
  );
  return router;
}
