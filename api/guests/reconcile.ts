/**
 * After a restore (docs/operations.md "Backups and restore"), Temporal's workflows may hold more than the
 * restored record: stays, points or stages decided after the dump was taken. Postgres is the record, so:
 * 1. each guest's workflow reloads from it: the `reloadGuest` staff action (api/guests/actions.ts), audited with
 *    the reason given, started for a guest whose workflow does not run. Guests are walked in id order,
 *    `concurrency` at a time; a guest that fails is counted with its error and the walk goes on;
 *    A guest the record has as erased is left alone (its runs end at once). A guest whose workflow ended erased
 *    (`GuestRunEnded`) but whom the record holds in full was erased after the dump: the erasure is done again
 *    (api/privacy/service.ts `eraseGuest`, audited), so a restore never brings back what a guest had erased;
 * 2. what the record no longer knows stops: a running guest workflow whose guest is not in the record is
 *    terminated (the guest comes back as a new guest when the PMS sends its events again), and a running
 *    follow-up whose stay is not in the record is cancelled through the audited staff cancel
 *    (api/workflows/service.ts): the stay, sent again, gets a follow-up of its own, so the guest is not
 *    thanked twice.
 * Only the workflows of this deployment's task queue are looked at.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { GUEST_WORKFLOW_TYPE, type GuestRunEnded } from '../../contracts/guest.js';
import * as guests from '../../db/repositories/guests.js';
import * as stays from '../../db/repositories/stays.js';
import { followUpOfWorkflowId, guestIdOfWorkflowId, guestWorkflowId } from '../../domain/ids.js';
import { HttpError } from '../errors.js';
import { eraseGuest } from '../privacy/service.js';
import { cancelWorkflow } from '../workflows/service.js';
import { reloadGuest, type GuestActionDeps } from './actions.js';

export interface ReconcileProgress {
  done: number;
  reloaded: number;
  /** Erased in the record: left alone. */
  erased: number;
  /** Erased after the dump (their workflow says so): erased again. */
  erasedAgain: number;
  failed: number;
}

export interface ReconcileResult extends ReconcileProgress {
  /** Guest workflows terminated: their guest is not in the record. */
  orphanGuests: number;
  /** Follow-ups cancelled: their stay is not in the record. */
  orphanFollowUps: number;
  /** The first failures, guest or workflow id and message (at most 20). */
  failures: { guestId: string; message: string }[];
}

export async function reconcileGuests(
  deps: GuestActionDeps,
  input: {
    actor: string;
    reason: string;
    concurrency?: number;
    onProgress?: (p: ReconcileProgress) => void;
  },
): Promise<ReconcileResult> {
  const concurrency = input.concurrency ?? 20;
  const result: ReconcileResult = {
    done: 0,
    reloaded: 0,
    erased: 0,
    erasedAgain: 0,
    failed: 0,
    orphanGuests: 0,
    orphanFollowUps: 0,
    failures: [],
  };
  const failed = (guestId: string, err: unknown) => {
    result.failed++;
    if (result.failures.length < 20)
      result.failures.push({ guestId, message: err instanceof Error ? err.message : String(err) });
  };
  await stopOrphans(deps, input, result, failed);
  let after: string | null = null;
  for (;;) {
    const ids = await guests.idsAfter(deps.db, after, 500);
    if (ids.length === 0) return result;
    after = ids[ids.length - 1]!;
    let next = 0;
    const lane = async () => {
      while (next < ids.length) {
        const guestId = ids[next++]!;
        try {
          if ((await guests.consentOf(deps.db, guestId))?.erased_at) result.erased++;
          else if (await endedErased(deps.temporal, guestId)) {
            await eraseGuest(deps, {
              guestId,
              actor: input.actor,
              reason: `${input.reason}: erased after the dump was taken, erased again`,
            });
            result.erasedAgain++;
          } else {
            await reloadGuest(deps, { guestId, actor: input.actor, reason: input.reason });
            result.reloaded++;
          }
        } catch (err) {
          failed(guestId, err);
        }
        result.done++;
        const { done, reloaded, erased, erasedAgain } = result;
        input.onProgress?.({ done, reloaded, erased, erasedAgain, failed: result.failed });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, lane));
  }
}

/** Step 2: the running guest workflows and follow-ups of this task queue that the record does not know. */
async function stopOrphans(
  deps: GuestActionDeps,
  input: { actor: string; reason: string },
  result: ReconcileResult,
  failed: (id: string, err: unknown) => void,
): Promise<void> {
  const running = (type: string) =>
    deps.temporal.workflow.list({
      query: `WorkflowType = '${type}' AND ExecutionStatus = 'Running' AND TaskQueue = '${deps.taskQueue}'`,
    });
  for await (const wf of running(GUEST_WORKFLOW_TYPE)) {
    const guestId = guestIdOfWorkflowId(wf.workflowId);
    if (guestId === null || (await guests.exists(deps.db, guestId))) continue;
    try {
      await deps.temporal.workflow
        .getHandle(wf.workflowId, wf.runId)
        .terminate('reconcile: the guest is not in the restored record');
      result.orphanGuests++;
    } catch (err) {
      failed(wf.workflowId, err);
    }
  }
  for await (const wf of running('postStayFollowUp')) {
    const ids = followUpOfWorkflowId(wf.workflowId);
    if (ids === null || (await stays.findGuestStay(deps.db, ids.guestId, ids.stayId))) continue;
    try {
      await cancelWorkflow(deps, {
        workflowId: wf.workflowId,
        actor: input.actor,
        reason: `${input.reason}: the stay is not in the restored record`,
      });
      result.orphanFollowUps++;
    } catch (err) {
      // It ended between the list and the cancel: nothing left to stop.
      if (err instanceof HttpError && (err.code === 'not_running' || err.code === 'workflow_not_found'))
        continue;
      failed(wf.workflowId, err);
    }
  }
}

/** Whether the guest's workflow ended because the guest was erased (its last run's `GuestRunEnded`). */
async function endedErased(temporal: Client, guestId: string): Promise<boolean> {
  const handle = temporal.workflow.getHandle(guestWorkflowId(guestId));
  try {
    if ((await handle.describe()).status.name !== 'COMPLETED') return false;
    const ended = (await handle.result()) as GuestRunEnded | undefined;
    return ended?.erased === true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
