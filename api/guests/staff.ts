/**
 * Staff requests on a guest (redeem points, adjust points, set a tier floor), answered with the guest
 * workflow's validated result (docs/architecture.md "The guest's lifecycle"; validators: workflows/guest-lifecycle.ts).
 *
 * The request id (the `Idempotency-Key`, or a new UUID) is the `staff_requests` row's id and the Temporal
 * Update id. The row holds the free text (note, reason) and the requester's key name; the Update carries
 * only the id and numbers. Flow: a pending row → update-with-start on `guest-<id>` (so a guest whose
 * workflow is not running gets one) → the workflow validates and applies (the activity marks the row
 * applied and audits it in the transaction of its effect) → 200 with the result. A request the workflow
 * refuses deletes its pending row: it wrote nothing. A retry with the same key replays an applied request
 * without asking Temporal, and re-asks a pending one under the same Update id (Temporal answers the
 * Update it already has).
 */
import { randomUUID } from 'node:crypto';
import {
  ApplicationFailure,
  WithStartWorkflowOperation,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Db } from '../../db/knex.js';
import * as guests from '../../db/repositories/guests.js';
import * as staffRequests from '../../db/repositories/staff-requests.js';
import { guestWorkflowId } from '../../domain/ids.js';
import { TIERS } from '../../domain/tiers.js';
import {
  GUEST_WORKFLOW_TYPE,
  adjustPointsUpdate,
  redeemPointsUpdate,
  setTierFloorUpdate,
  type GuestLifecycleWorkflow,
  type PointsMovement,
  type TierFloorResult,
} from '../../contracts/guest.js';
import { HttpError } from '../errors.js';
import { canonicalJson } from '../pms/service.js';
import { text } from '../pms/schema.js';

export interface StaffServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  logger?: Pick<Logger, 'warn'> | undefined;
  /** How long to wait for the workflow's answer before a 503 (default 10 s). */
  updateTimeoutMs?: number | undefined;
}

// --- bodies --------------------------------------------------------------------------------------------------

/** Far above any real request, far below any overflow. */
export const MAX_STAFF_POINTS = 10_000_000;

const points = z.number({ message: 'must be a whole number' }).int('must be a whole number');

export const redemptionBody = z.object({
  points: points.min(1, 'must be more than 0').max(MAX_STAFF_POINTS, `must be at most ${MAX_STAFF_POINTS}`),
  note: text(200).optional(),
});

export const adjustmentBody = z.object({
  points: points
    .min(-MAX_STAFF_POINTS, `must be at least -${MAX_STAFF_POINTS}`)
    .max(MAX_STAFF_POINTS, `must be at most ${MAX_STAFF_POINTS}`)
    .refine((n) => n !== 0, 'must not be 0'),
  reason: text(200),
});

export const tierFloorBody = z.object({
  tier: z.enum(TIERS, { message: `must be one of ${TIERS.join(', ')}` }),
  reason: text(200),
});

export type StaffRequest =
  | { kind: 'redemption'; body: z.infer<typeof redemptionBody> }
  | { kind: 'adjustment'; body: z.infer<typeof adjustmentBody> }
  | { kind: 'tier_floor'; body: z.infer<typeof tierFloorBody> };

export type StaffResult = PointsMovement | TierFloorResult;

/** The audit action of an applied request (the activity writes the same). */
const AUDIT_ACTION: Record<StaffRequest['kind'], string> = {
  redemption: 'points.redeemed',
  adjustment: 'points.adjusted',
  tier_floor: 'tier.floor_set',
};

// --- the request id ------------------------------------------------------------------------------------------

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const uuid = z.uuid();

/** The request id: the `Idempotency-Key` header (a UUID, lower-cased) or, without one, a new UUID. */
export function requestIdOf(header: string | undefined): string {
  if (header === undefined) return randomUUID();
  const parsed = uuid.safeParse(header.trim());
  if (!parsed.success) {
    const message = 'must be a UUID';
    throw new HttpError(400, 'validation_failed', `${IDEMPOTENCY_HEADER}: ${message}`, {
      header: IDEMPOTENCY_HEADER,
      issues: [{ header: IDEMPOTENCY_HEADER, code: 'invalid_format', message }],
    });
  }
  return parsed.data.toLowerCase();
}

// --- refusals ------------------------------------------------------------------------------------------------

/** The field each refusal of the workflow is about, and its status (a conflict with the state: 409). */
const REFUSALS: Record<string, { status: number; field: string }> = {
  InsufficientPoints: { status: 409, field: 'points' },
  BelowMinimum: { status: 422, field: 'points' },
  InvalidAmount: { status: 422, field: 'points' },
  ReasonRequired: { status: 422, field: 'reason' },
  UnknownTier: { status: 422, field: 'tier' },
};

/** `InsufficientPoints` → `insufficient_points`. */
export function snakeCase(type: string): string {
  return (
    type
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toLowerCase() || 'request_refused'
  );
}

/** The workflow's refusal of the request (validator or handler), or undefined for any other failure. */
export function refusalOf(err: unknown): ApplicationFailure | undefined {
  if (!(err instanceof WorkflowUpdateFailedError)) return undefined;
  return err.cause instanceof ApplicationFailure ? err.cause : undefined;
}

function refusalError(failure: ApplicationFailure): HttpError {
  const type = failure.type ?? 'RequestRefused';
  const known = REFUSALS[type];
  return new HttpError(known?.status ?? 422, snakeCase(type), failure.message || 'the request was refused', {
    field: known?.field ?? '(body)',
  });
}

// --- the flow ------------------------------------------------------------------------------------------------

export interface StaffAnswer {
  requestId: string;
  result: StaffResult;
  /** A repeat of a request already applied: answered from Postgres. */
  replayed: boolean;
}

/**
 * The start that goes with an Update to the guest's workflow (update-with-start): the running one is used; a
 * guest whose run failed or was terminated gets a new run, which loads the guest from Postgres.
 */
export function guestStartOperation(taskQueue: string, guestId: string) {
  return new WithStartWorkflowOperation<GuestLifecycleWorkflow>(GUEST_WORKFLOW_TYPE, {
    workflowId: guestWorkflowId(guestId),
    taskQueue,
    args: [{ guestId }],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
  });
}

/** Sends the request's Update to the guest's workflow, starting it if it is not running. */
function executeUpdate(
  deps: StaffServiceDeps,
  guestId: string,
  requestId: string,
  request: StaffRequest,
): Promise<StaffResult> {
  const startWorkflowOperation = guestStartOperation(deps.taskQueue, guestId);
  const common = { updateId: requestId, startWorkflowOperation };
  const deadline = Date.now() + (deps.updateTimeoutMs ?? 10_000);
  return deps.temporal.withDeadline(deadline, async (): Promise<StaffResult> => {
    switch (request.kind) {
      case 'redemption':
        return deps.temporal.workflow.executeUpdateWithStart(redeemPointsUpdate, {
          ...common,
          args: [{ requestId, points: request.body.points }],
        });
      case 'adjustment':
        return deps.temporal.workflow.executeUpdateWithStart(adjustPointsUpdate, {
          ...common,
          args: [{ requestId, points: request.body.points }],
        });
      case 'tier_floor':
        return deps.temporal.workflow.executeUpdateWithStart(setTierFloorUpdate, {
          ...common,
          args: [{ requestId, tier: request.body.tier }],
        });
    }
  });
}

function replay(row: staffRequests.StaffRequestRow): StaffAnswer {
  return { requestId: row.id, result: row.result as unknown as StaffResult, replayed: true };
}

export async function submitStaffRequest(
  deps: StaffServiceDeps,
  input: { guestId: string; requestId: string; actor: string; request: StaffRequest },
): Promise<StaffAnswer> {
  const { guestId, requestId, request } = input;
  if (!(await guests.exists(deps.db, guestId))) {
    throw new HttpError(404, 'guest_not_found', `no guest with id ${guestId}`, { field: 'id' });
  }
  const { request: row, created } = await staffRequests.insertIfAbsent(deps.db, {
    id: requestId,
    guestId,
    kind: request.kind,
    body: request.body,
    actor: input.actor,
  });
  if (!created) {
    const same =
      row.guest_id === guestId &&
      row.kind === request.kind &&
      canonicalJson(row.body) === canonicalJson(request.body);
    if (!same) {
      throw new HttpError(
        409,
        'idempotency_key_reused',
        `${IDEMPOTENCY_HEADER} ${requestId} was already used for another request`,
        { header: IDEMPOTENCY_HEADER, requestId },
      );
    }
    if (row.status === 'applied') return replay(row);
  }

  let result: StaffResult;
  try {
    result = await executeUpdate(deps, guestId, requestId, request);
  } catch (err) {
    // Whatever happened, a request that got applied meanwhile (a concurrent retry, a run that ended
    // after applying it) is answered with its result.
    const now = await staffRequests.findById(deps.db, requestId);
    if (now?.status === 'applied') return replay(now);
    const refusal = refusalOf(err);
    if (refusal) {
      // A refused request writes nothing: not even its request row.
      await staffRequests.deletePending(deps.db, requestId);
      throw refusalError(refusal);
    }
    deps.logger?.warn({ err, requestId, guestId }, 'staff request not confirmed by Temporal; answering 503');
    throw new HttpError(
      503,
      'workflow_unavailable',
      `the request could not be confirmed; retry it with the same ${IDEMPOTENCY_HEADER}`,
      { requestId },
    );
  }
  // The activity marks the row applied and audits it with its effect; this only catches a workflow that
  // did not (then the row and audit entry are written here, once).
  await staffRequests.markApplied(deps.db, {
    id: requestId,
    result,
    action: AUDIT_ACTION[request.kind],
    subject: `guest:${guestId}`,
  });
  return { requestId, result, replayed: false };
}
