/**
 * Operations staff find guests (`GET /v1/guests?email=…`) and look at one: `GET /v1/guests/:id` (ops, manager, admin)
 * and its timeline, `GET /v1/guests/:id/timeline` (every decision, newest first, and what happens next), and the staff requests answered
 * by the guest's workflow: `POST /:id/points/redemptions` (ops, manager, admin: a manager does what ops does),
 * `POST /:id/points/adjustments` and `POST /:id/tier-floor` (admin). Staff actions on the guest's workflow, each
 * with a reason and audited (api/guests/actions.ts): `POST /:id/win-back` and `POST /:id/reload` (ops, manager,
 * admin), `POST /:id/restart` (admin). The app authenticates every route for ops, manager or admin first.
 */
import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { requireRole } from '../auth.js';
import { ROLES_FOR } from '../access.js';
import { HttpError, validationError } from '../errors.js';
import { STAGES } from '../../domain/stages.js';
import { TIERS } from '../../domain/tiers.js';
import {
  CURSOR_MESSAGE,
  cursorOf,
  findGuests,
  getGuest,
  guestWorkflow,
  type GuestSearchQuery,
  type GuestServiceDeps,
} from './service.js';
import { externalId, phone, text } from '../pms/schema.js';
import { guestTimeline, timelineQuery } from './timeline.js';
import { reasonBody } from '../audited.js';
import {
  reloadGuest,
  restartGuest,
  startWinBack,
  type ActionInput,
  type GuestActionDeps,
} from './actions.js';
import {
  adjustmentBody,
  IDEMPOTENCY_HEADER,
  redemptionBody,
  requestIdOf,
  submitStaffRequest,
  tierFloorBody,
  type StaffRequest,
  type StaffServiceDeps,
} from './staff.js';
import { uuidId } from '../ids.js';
import { preferencesRouter } from './preferences.js';

export const params = z.object({ id: uuidId('must be a guest id (UUID)') });

/** `GET /v1/guests?…`: at least one field; every one given must match. */
const searchFields = {
  /** A whole address (exact, any case) or part of one (at least 3 characters). */
  email: text(254).optional(),
  memberNumber: externalId.optional(),
  pmsProfileId: externalId.optional(),
  /** As people write it; matched by its digits, on the end of the stored number's. */
  phone: phone.optional(),
  name: text(100, { min: 2 }).optional(),
  tier: z.enum(TIERS, { message: `must be one of ${TIERS.join(', ')}` }).optional(),
  stage: z.enum(STAGES, { message: `must be one of ${STAGES.join(', ')}` }).optional(),
  limit: z.coerce
    .number({ message: 'must be a whole number from 1 to 100' })
    .int('must be a whole number from 1 to 100')
    .min(1, 'must be a whole number from 1 to 100')
    .max(100, 'must be a whole number from 1 to 100')
    .default(20),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,1200}$/, CURSOR_MESSAGE)
    .optional(),
};
export const searchQuery = z.object(searchFields);
const FILTERS = ['email', 'memberNumber', 'pmsProfileId', 'phone', 'name', 'tier', 'stage'] as const;

/** A whole e-mail address: compared exactly; anything else is part of one. */
const wholeAddress = z.email();
const MIN_EMAIL_PART = 3;

function searchOf(query: Record<string, unknown>): GuestSearchQuery {
  const unknown = Object.keys(query).find((k) => !Object.hasOwn(searchFields, k));
  if (unknown !== undefined)
    throw new HttpError(400, 'validation_failed', `${unknown}: not a search parameter`, { field: unknown });
  const parsed = searchQuery.safeParse(query);
  if (!parsed.success) throw validationError(parsed.error);
  const q = parsed.data;
  if (!FILTERS.some((f) => q[f] !== undefined))
    throw new HttpError(400, 'validation_failed', `(query): give at least one of ${FILTERS.join(', ')}`, {
      field: '(query)',
    });
  const exactEmail = q.email !== undefined && wholeAddress.safeParse(q.email).success;
  if (q.email !== undefined && !exactEmail && q.email.length < MIN_EMAIL_PART)
    throw new HttpError(
      400,
      'validation_failed',
      `email: give a whole address or at least ${MIN_EMAIL_PART} characters of one`,
      { field: 'email' },
    );
  return {
    search: {
      ...(q.email !== undefined ? (exactEmail ? { email: q.email } : { emailPart: q.email }) : {}),
      ...(q.memberNumber !== undefined ? { memberNumber: q.memberNumber } : {}),
      ...(q.pmsProfileId !== undefined ? { pmsProfileId: q.pmsProfileId } : {}),
      ...(q.phone !== undefined ? { phoneDigits: q.phone.replace(/[^0-9]/g, '') } : {}),
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(q.tier !== undefined ? { tier: q.tier } : {}),
      ...(q.stage !== undefined ? { stage: q.stage } : {}),
    },
    limit: q.limit,
    after: q.cursor === undefined ? undefined : cursorOf(q.cursor),
  };
}

export type GuestsRouterDeps = GuestServiceDeps & StaffServiceDeps & GuestActionDeps;

function guestIdOf(req: Request): string {
  const parsed = params.safeParse(req.params);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data.id;
}

/** The staff request in the body, validated by its kind's schema (400 naming the field). */
function staffRequestOf(kind: StaffRequest['kind'], body: unknown): StaffRequest {
  const schema = { redemption: redemptionBody, adjustment: adjustmentBody, tier_floor: tierFloorBody }[kind];
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error);
  return { kind, body: parsed.data } as StaffRequest;
}

export function guestsRouter(deps: GuestsRouterDeps): Router {
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
  router.get('/', async (req, res) => {
    res.json(await findGuests(deps, searchOf(req.query)));
  });
  router.get('/:id', async (req, res) => {
    res.json(await getGuest(deps, guestIdOf(req)));
  });
  router.get('/:id/workflow', async (req, res) => {
    res.json(await guestWorkflow(deps, guestIdOf(req)));
  });
  router.get('/:id/timeline', async (req, res) => {
    const guestId = guestIdOf(req);
    const query = timelineQuery.safeParse(req.query);
    if (!query.success) throw validationError(query.error);
    res.json(await guestTimeline(deps, guestId, query.data));
  });

  const staffRoute =
    (kind: StaffRequest['kind']): RequestHandler =>
    async (req, res) => {
      const guestId = guestIdOf(req);
      const requestId = requestIdOf(req.get(IDEMPOTENCY_HEADER));
      const request = staffRequestOf(kind, req.body);
      const answer = await submitStaffRequest(deps, {
        guestId,
        requestId,
        actor: req.principal!.name,
        request,
      });
      res.set(IDEMPOTENCY_HEADER, answer.requestId);
      if (answer.replayed) res.set('Idempotent-Replayed', 'true');
      res.status(200).json({ requestId: answer.requestId, ...answer.result });
    };
  const adminOnly = requireRole(deps.db, ROLES_FOR.admin);
  router.post('/:id/points/redemptions', staffRoute('redemption'));
  router.post('/:id/points/adjustments', adminOnly, staffRoute('adjustment'));
  router.post('/:id/tier-floor', adminOnly, staffRoute('tier_floor'));
  router.use('/:id/preferences', preferencesRouter(deps));

  const actionRoute =
    (action: (deps: GuestActionDeps, input: ActionInput) => Promise<object>): RequestHandler =>
    async (req, res) => {
      const guestId = guestIdOf(req);
      const body = reasonBody.safeParse(req.body ?? {});
      if (!body.success) throw validationError(body.error);
      res.json(await action(deps, { guestId, actor: req.principal!.name, reason: body.data.reason }));
    };
  router.post('/:id/win-back', actionRoute(startWinBack));
  router.post('/:id/reload', actionRoute(reloadGuest));
  router.post('/:id/restart', adminOnly, actionRoute(restartGuest));
  return router;
}
