/**
 * Every workflow run of a guest and the length of its history. The test server has no visibility queries, so
 * runs are found by following the histories themselves: the guest workflow's latest run, back through
 * `continuedExecutionRunId`; every child a run started (its `ChildWorkflowExecutionStarted` event names the
 * child's run); and each child forward through its continue-as-new.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time.js';

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;
export type HistoryEvent = NonNullable<History['events']>[number];

export interface WorkflowRun {
  workflowId: string;
  runId: string;
  workflowType: string;
  /** History length: the number of events of this run. */
  events: number;
  /** How the run ended so far: running, completed, continuedAsNew, failed, terminated, cancelled, timedOut. */
  status: string;
  /** Server instants (ms) of its first and last events. */
  startedMs: number;
  lastEventMs: number;
  /** The run this one continued (continue-as-new), if any. */
  continuedFrom?: string;
  history: HistoryEvent[];
}

/** The kind of a history event: the name of the one `…EventAttributes` field it carries (`workflowExecutionSignaled`). */
export function eventKind(e: HistoryEvent): string {
  for (const key of Object.keys(e)) {
    if (key.endsWith('EventAttributes') && (e as Record<string, unknown>)[key] != null)
      return key.slice(0, -'EventAttributes'.length);
  }
  return 'unknown';
}

export function eventMs(e: HistoryEvent): number {
  return tsToMs(e.eventTime);
}

/** The first argument of a signal or update event, decoded (undefined when it is not JSON). */
export function firstArg(payloads: { payloads?: Payload[] | null } | null | undefined): unknown {
  const p = payloads?.payloads?.[0];
  if (!p) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(p);
  } catch {
    return undefined;
  }
}

const CLOSING: Record<string, string> = {
  workflowExecutionCompleted: 'completed',
  workflowExecutionContinuedAsNew: 'continuedAsNew',
  workflowExecutionFailed: 'failed',
  workflowExecutionTerminated: 'terminated',
  workflowExecutionCanceled: 'cancelled',
  workflowExecutionTimedOut: 'timedOut',
};

async function fetchRun(client: Client, workflowId: string, runId?: string): Promise<WorkflowRun> {
  const handle = client.workflow.getHandle(workflowId, runId);
  if (!runId) runId = (await handle.describe()).runId;
  const history = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  const first = history[0];
  const last = history.at(-1);
  const started = first?.workflowExecutionStartedEventAttributes;
  const prev = started?.continuedExecutionRunId;
  return {
    workflowId,
    runId,
    workflowType: started?.workflowType?.name ?? '?',
    events: history.length,
    status: (last && CLOSING[eventKind(last)]) ?? 'running',
    startedMs: first ? eventMs(first) : 0,
    lastEventMs: last ? eventMs(last) : 0,
    ...(prev ? { continuedFrom: prev } : {}),
    history,
  };
}

/** Every run reachable from the latest run of each root workflow: earlier runs, children, their later runs. */
export async function collectRuns(
  client: Client,
  rootWorkflowIds: string[],
  opts: { concurrency?: number } = {},
): Promise<WorkflowRun[]> {
  const runs = new Map<string, WorkflowRun>();
  const seen = new Set<string>();
  let queue: { workflowId: string; runId?: string }[] = rootWorkflowIds.map((workflowId) => ({ workflowId }));
  const fetchOne = async (next: { workflowId: string; runId?: string }) => {
    try {
      return await fetchRun(client, next.workflowId, next.runId);
    } catch (err) {
      // A root that never started (a guest with no event) has no workflow.
      if ((err as Error).name === 'WorkflowNotFoundError') return undefined;
      throw err;
    }
  };
  // Breadth first, a few histories at a time.
  while (queue.length > 0) {
    const batch = queue.splice(0, opts.concurrency ?? 8);
    queue = queue.concat(
      (await Promise.all(batch.map(fetchOne))).flatMap((run) => {
        if (!run || runs.has(run.runId)) return [];
        runs.set(run.runId, run);
        const more: { workflowId: string; runId: string }[] = [];
        if (run.continuedFrom) more.push({ workflowId: run.workflowId, runId: run.continuedFrom });
        for (const e of run.history) {
          const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
          if (child?.workflowId && child.runId)
            more.push({ workflowId: child.workflowId, runId: child.runId });
          const can = e.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
          if (can) more.push({ workflowId: run.workflowId, runId: can });
        }
        return more.filter((m) => !seen.has(m.runId) && seen.add(m.runId));
      }),
    );
  }
  return [...runs.values()].sort(
    (a, b) => a.startedMs - b.startedMs || a.workflowId.localeCompare(b.workflowId),
  );
}

/** Each run's history as `<dir>/<readable workflow id>.<runId>.json`. */
export async function writeHistories(
  dir: string,
  runs: WorkflowRun[],
  readable: (workflowId: string) => string,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const r of runs) {
    const name = `${readable(r.workflowId).replace(/[^\w.-]+/g, '_')}.${r.runId}.json`;
    await writeFile(path.join(dir, name), historyToJSON({ events: r.history }));
  }
}
