/**
 * After the rows of an import: each imported guest's workflow (`guest-<id>`), at most `concurrency` calls at a
 * time, marked done in `import_members` batch by batch so a rerun of an interrupted import continues where it
 * stopped:
 * - a guest the import created: its workflow is started (USE_EXISTING: one that a PMS event started meanwhile is
 *   kept) with the search attributes of the record the import wrote (stage and tier, no property, no case); the
 *   run loads the guest from Postgres (workflows/guest.ts `load`) and upserts them only where they differ
 *   (workflows/guest-lifecycle.ts `publish`), so a new member costs the server no upsert and no visibility
 *   write beyond the start's;
 * - a guest it changed: the `reloadGuest` Update (contracts/guest.ts), with update-with-start, so a running
 *   workflow reads the record again and a guest without one gets a run that loads it;
 * - a guest it left unchanged: started if no run is there, otherwise left alone.
 * The inputs carry the guest's id and the import's audit row id (`requestId`), never a name or an address.
 */
import {
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowUpdateStage,
  type Client,
} from '@temporalio/client';
import type { Db } from '../../db/knex.js';
import * as imports from '../../db/repositories/imports.js';
import { guestWorkflowId } from '../../domain/ids.js';
import {
  GUEST_STAGE,
  GUEST_TIER,
  GUEST_WORKFLOW_TYPE,
  OPEN_CASES,
  reloadGuestUpdate,
  type GuestLifecycleWorkflow,
} from '../../contracts/guest.js';
import { guestStartOperation } from '../guests/staff.js';

export interface ImportWorkflowDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

/** How many pending guests are read and marked at once. */
const PAGE = 500;

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function startOrReload(
  deps: ImportWorkflowDeps,
  guest: imports.PendingWorkflow,
  importId: number,
  requestId: string,
): Promise<void> {
  if (guest.outcome === 'updated') {
    await deps.temporal.workflow.startUpdateWithStart(reloadGuestUpdate, {
      // One reload per guest and import: a rerun after a crash sends the same Update, which Temporal dedupes.
      updateId: `import-${importId}`,
      args: [{ requestId }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
      startWorkflowOperation: guestStartOperation(deps.taskQueue, guest.guest_id),
    });
    return;
  }
  await deps.temporal.workflow.start<GuestLifecycleWorkflow>(GUEST_WORKFLOW_TYPE, {
    workflowId: guestWorkflowId(guest.guest_id),
    taskQueue: deps.taskQueue,
    args: [{ guestId: guest.guest_id }],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    ...(guest.outcome === 'created'
      ? {
          typedSearchAttributes: [
            { key: GUEST_STAGE, value: guest.stage },
            { key: GUEST_TIER, value: guest.tier },
            { key: OPEN_CASES, value: 0 },
          ],
        }
      : {}),
  });
}

/** Starts or reloads the workflow of every imported guest not yet done; reports (done, total) as it goes. */
export async function startImportedWorkflows(
  deps: ImportWorkflowDeps,
  opts: {
    importId: number;
    requestId: string;
    concurrency: number;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<void> {
  let { total, done } = await imports.countWorkflows(deps.db, opts.importId);
  opts.onProgress?.(done, total);
  for (;;) {
    const pending = await imports.pendingWorkflows(deps.db, opts.importId, PAGE);
    if (!pending.length) break;
    const finished: number[] = [];
    let failure: Error | undefined;
    await inPool(pending, opts.concurrency, async (g) => {
      if (failure) return;
      try {
        await startOrReload(deps, g, opts.importId, opts.requestId);
        finished.push(g.line);
        done++;
        if (done % 50 === 0) opts.onProgress?.(done, total);
      } catch (err) {
        failure ??= err instanceof Error ? err : new Error(String(err));
      }
    });
    // What went through is marked even when one call failed: the rerun does only the rest.
    await imports.markWorkflows(deps.db, opts.importId, finished);
    if (failure) throw failure;
    ({ total, done } = await imports.countWorkflows(deps.db, opts.importId));
    opts.onProgress?.(done, total);
  }
}
