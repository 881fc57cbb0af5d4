/**
 * Staff actions on a guest's workflow (`guest-<id>`), each with a reason and audited (api/audited.ts):
 * - `startWinBack` (`POST /v1/guests/:id/win-back`): the guest's workflow decides, through its `startWinBack`
 *   Update (contracts/guest.ts): refused `not_lapsed` or `win_back_running` (409);
 * - `reloadGuest` (`POST /v1/guests/:id/reload`): the workflow reads the guest again from Postgres and publishes
 *   its search attributes again (`reloadGuest` Update); the answer is what it now holds;
 * - `restartGuest` (`POST /v1/guests/:id/restart`, admin): the current run is terminated (its reason names the
 *   audit row, never the staff's words) and a fresh run starts, which loads the guest from Postgres;
 * - `cancelWinBackThroughGuest`: the win-back half of `POST /v1/workflows/:id/cancel` (api/workflows/service.ts):
 *   the guest's workflow lets go of the win-back and asks it to stop (`cancelWinBack` Update).
 *
 * The Updates go with update-with-start, as the staff requests do (api/guests/staff.ts): a guest without a
 * running workflow gets a fresh run, which loads the guest first. Their id, and the `requestId` they carry, is the
 * audit row's id.
 */
import {
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Db } from '../../db/knex.js';
import * as guests from '../../db/repositories/guests.js';
import { GUEST_RELOADED, GUEST_RESTARTED, WIN_BACK_STARTED } from '../../db/repositories/audit.js';
import { guestWorkflowId } from '../../domain/ids.js';
import {
  GUEST_WORKFLOW_TYPE,
  cancelWinBackUpdate,
  reloadGuestUpdate,
  startWinBackUpdate,
  type GuestLifecycleWorkflow,
  type GuestReloaded,
  type WinBackCancelled,
} from '../../contracts/guest.js';
import { auditedAction } from '../audited.js';
import { HttpError } from '../errors.js';
import { guestStartOperation, refusalOf, snakeCase } from './staff.js';

export interface GuestActionDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  logger?: Pick<Logger, 'warn'> | undefined;
  /** How long to wait for the workflow's answer before a 503 (default 10 s). */
  updateTimeoutMs?: number | undefined;
}

export interface ActionInput {
  guestId: string;
  /** The API key's name. */
  actor: string;
  reason: string;
}

const subjectOf = (guestId: string) => `guest:${guestId}`;

async function mustExist(db: Db, guestId: string): Promise<void> {
  if (!(await guests.exists(db, guestId)))
    throw new HttpError(404, 'guest_not_found', `no guest with id ${guestId}`, { field: 'id' });
}

/**
 * Sends a staff action's Update to the guest's workflow (started if it is not running) with the audit row's id
 * as Update id and request id. The workflow's refusal is a 409 with its type in snake case (`not_lapsed`).
 */
async function updateGuest<Ret, Args extends [{ requestId: string }]>(
  deps: GuestActionDeps,
  guestId: string,
  update: UpdateDefinition<Ret, Args>,
  args: Args,
): Promise<Ret> {
  const startWorkflowOperation = guestStartOperation(deps.taskQueue, guestId);
  const deadline = Date.now() + (deps.updateTimeoutMs ?? 10_000);
  try {
    return await deps.temporal.withDeadline(deadline, () =>
      deps.temporal.workflow.executeUpdateWithStart(update, {
        updateId: `audit-${args[0].requestId}`,
        args,
        startWorkflowOperation,
      }),
    );
  } catch (err) {
    const refusal = refusalOf(err);
    if (refusal)
      throw new HttpError(409, snakeCase(refusal.type ?? 'Refused'), refusal.message, {
        field: 'id',
        guestId,
      });
    deps.logger?.warn({ err, guestId, update: update.name }, 'staff action not confirmed by Temporal');
    throw new HttpError(
      503,
      'workflow_unavailable',
      "the guest's workflow did not confirm the action; look at the guest before trying again",
      { guestId },
    );
  }
}

/** The run a workflow id has now, or null when there is none. */
async function runIdOf(temporal: Client, workflowId: string): Promise<string | null> {
  try {
    return (await temporal.workflow.getHandle(workflowId).describe()).runId;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/** `POST /v1/guests/:id/win-back`: a win-back started by hand, as the guest's workflow decides. */
export async function startWinBack(deps: GuestActionDeps, input: ActionInput) {
  const { guestId } = input;
  await mustExist(deps.db, guestId);
  const guestWorkflow = guestWorkflowId(guestId);
  return auditedAction(
    deps.db,
    {
      actor: input.actor,
      action: WIN_BACK_STARTED,
      subject: subjectOf(guestId),
      reason: input.reason,
      facts: { type: 'winBack', guestWorkflowId: guestWorkflow },
    },
    async (auditId) => {
      const started = await updateGuest(deps, guestId, startWinBackUpdate, [{ requestId: String(auditId) }]);
      const runId = await runIdOf(deps.temporal, started.workflowId).catch(() => null);
      const winBack = { ...started, runId };
      return { answer: { guestId, winBack }, facts: winBack };
    },
  );
}

/** `POST /v1/guests/:id/reload`: the guest's workflow reads the guest again from Postgres. */
export async function reloadGuest(deps: GuestActionDeps, input: ActionInput) {
  const { guestId } = input;
  await mustExist(deps.db, guestId);
  const workflowId = guestWorkflowId(guestId);
  return auditedAction(
    deps.db,
    {
      actor: input.actor,
      action: GUEST_RELOADED,
      subject: subjectOf(guestId),
      reason: input.reason,
      facts: { type: GUEST_WORKFLOW_TYPE, workflowId },
    },
    async (auditId) => {
      const holds: GuestReloaded = await updateGuest(deps, guestId, reloadGuestUpdate, [
        { requestId: String(auditId) },
      ]);
      const runId = await runIdOf(deps.temporal, workflowId).catch(() => null);
      return { answer: { guestId, workflowId, runId, holds }, facts: { runId, holds } };
    },
  );
}

/**
 * `POST /v1/guests/:id/restart` (admin): the guest's current run, if one runs, is terminated, and a fresh run is
 * started under the same id; it loads tier, stage, balance and the rest from Postgres (workflows/guest.ts
 * `load`). Children run on (abandoned); the fresh run knows the win-back and the open cases from the record.
 */
export async function restartGuest(deps: GuestActionDeps, input: ActionInput) {
  const { guestId } = input;
  await mustExist(deps.db, guestId);
  const workflowId = guestWorkflowId(guestId);
  const handle = deps.temporal.workflow.getHandle(workflowId);
  let previousRunId: string | null = null;
  try {
    const d = await handle.describe();
    if (d.status.name === 'RUNNING') previousRunId = d.runId;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError))
      throw new HttpError(
        503,
        'workflow_unavailable',
        "the guest's workflow is not available now; try again",
        {
          guestId,
        },
      );
  }
  return auditedAction(
    deps.db,
    {
      actor: input.actor,
      action: GUEST_RESTARTED,
      subject: subjectOf(guestId),
      reason: input.reason,
      facts: { type: GUEST_WORKFLOW_TYPE, workflowId, previousRunId },
    },
    async (auditId) => {
      if (previousRunId) {
        try {
          // The current run, whichever it is now (it may have continued as new since it was described).
          await handle.terminate(`restarted by staff (audit ${auditId})`);
        } catch (err) {
          // It ended meanwhile: the fresh run below is the restart all the same.
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      const fresh = await deps.temporal.workflow.start<GuestLifecycleWorkflow>(GUEST_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: deps.taskQueue,
        args: [{ guestId }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        // An event that started a run since the termination: that run is the fresh one.
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      });
      const runId = fresh.firstExecutionRunId;
      return { answer: { guestId, workflowId, runId, previousRunId }, facts: { runId } };
    },
  );
}

/**
 * The win-back `workflowId` of the guest is stopped by the guest's workflow (it holds it as `state.winBack`):
 * it lets go of it and asks it to stop; the guest stays lapsed. `requestId`: the audit row's id.
 */
export function cancelWinBackThroughGuest(
  deps: GuestActionDeps,
  input: { guestId: string; workflowId: string; requestId: string },
): Promise<WinBackCancelled> {
  return updateGuest(deps, input.guestId, cancelWinBackUpdate, [
    { requestId: input.requestId, workflowId: input.workflowId },
  ]);
}
