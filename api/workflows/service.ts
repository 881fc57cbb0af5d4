/**
 * Workflows as Temporal's visibility has them, for staff: `GET /v1/workflows` lists them by type, status and
 * the guest's search attributes (contracts/guest.ts: stage, tier, last property), a page at a time.
 */
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
// CommonJS without named exports that Node's ESM loader can see: the default import is the whole module.
import proto from '@temporalio/proto';
import type { TypedSearchAttributes } from '@temporalio/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import { caseStateQuery } from '../../contracts/case.js';
import { followUpStateQuery } from '../../contracts/follow-up.js';
import { GUEST_STAGE, GUEST_TIER, LAST_PROPERTY, OPEN_CASES, stateQuery } from '../../contracts/guest.js';
import type { Db } from '../../db/knex.js';
import * as guests from '../../db/repositories/guests.js';
import { datedDeadlines } from '../../domain/agenda.js';
import { WIN_BACK_CANCELLED } from '../../db/repositories/audit.js';
import { winBackDayOf } from '../../domain/come-back-offers.js';
import { guestIdOfWorkflowId } from '../../domain/ids.js';
import { auditedAction } from '../audited.js';
import { HttpError } from '../errors.js';
import { cancelWinBackThroughGuest, type GuestActionDeps } from '../guests/actions.js';
import { WORKFLOW_STATUSES, type ListQuery } from './schema.js';

export interface WorkflowsDeps {
  temporal: Client;
}

export interface WorkflowSummary {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  startedAt: string | null;
  closedAt: string | null;
  /** The guest's search attributes, when the workflow is a guest's that has published them. */
  guest: {
    stage: string | null;
    tier: string | null;
    lastProperty: string | null;
    openCases: number | null;
  } | null;
}

/** gRPC's INVALID_ARGUMENT: the server refused the page token. */
const GRPC_INVALID_ARGUMENT = 3;

/** By the proto's WorkflowExecutionStatus number (1 = Running …). */
const STATUS_NAMES = ['Unspecified', ...WORKFLOW_STATUSES];

/** The guest's search attributes of a workflow, or null when it has published none. */
function guestOf(attributes: TypedSearchAttributes): WorkflowSummary['guest'] {
  const stage = attributes.get(GUEST_STAGE);
  if (stage === undefined) return null;
  return {
    stage,
    tier: attributes.get(GUEST_TIER) ?? null,
    lastProperty: attributes.get(LAST_PROPERTY) ?? null,
    openCases: attributes.get(OPEN_CASES) ?? null,
  };
}

/** The visibility query of the filters; the values come from fixed lists or checked patterns (api/workflows/schema.ts). */
export function visibilityQuery(q: Omit<ListQuery, 'limit' | 'cursor'>): string {
  const terms: string[] = [];
  if (q.type) terms.push(`WorkflowType = '${q.type}'`);
  if (q.status) terms.push(`ExecutionStatus = '${q.status}'`);
  if (q.stage) terms.push(`${GUEST_STAGE.name} = '${q.stage}'`);
  if (q.tier) terms.push(`${GUEST_TIER.name} = '${q.tier}'`);
  if (q.property) terms.push(`${LAST_PROPERTY.name} = '${q.property}'`);
  return terms.join(' AND ');
}

/** A protobuf timestamp (its seconds a number or a Long) as an ISO instant. */
function isoOf(
  ts: { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null | undefined,
): string | null {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return null;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

export async function listWorkflows(
  deps: WorkflowsDeps,
  q: ListQuery,
): Promise<{ workflows: WorkflowSummary[]; nextCursor: string | null; query: string }> {
  const query = visibilityQuery(q);
  let answer;
  try {
    answer = await deps.temporal.workflowService.listWorkflowExecutions({
      namespace: deps.temporal.options.namespace,
      query,
      pageSize: q.limit,
      nextPageToken: q.cursor ? Buffer.from(q.cursor, 'base64url') : undefined,
    });
  } catch (err) {
    if ((err as { code?: unknown }).code === GRPC_INVALID_ARGUMENT && q.cursor)
      throw new HttpError(400, 'validation_failed', 'cursor: must be the nextCursor of an earlier answer', {
        field: 'cursor',
      });
    throw new HttpError(503, 'temporal_unavailable', 'the workflow list is not available now; try again', {});
  }
  const workflows = (answer.executions ?? []).map((e): WorkflowSummary => ({
    workflowId: e.execution?.workflowId ?? '',
    runId: e.execution?.runId ?? '',
    type: e.type?.name ?? '',
    status: STATUS_NAMES[e.status ?? 0] ?? 'Unspecified',
    startedAt: isoOf(e.startTime),
    closedAt: isoOf(e.closeTime),
    guest: guestOf(decodeTypedSearchAttributes(e.searchAttributes?.indexedFields)),
  }));
  const token = answer.nextPageToken;
  return {
    workflows,
    nextCursor: token && token.length > 0 ? Buffer.from(token).toString('base64url') : null,
    query,
  };
}

const GUEST_ID = /^guest-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/;

/**
 * Each workflow of a page with the guest it belongs to (`guest-<id>…`: the guest's own run and its children),
 * the name read from Postgres: Temporal holds ids only.
 */
export async function withGuests<T extends { workflows: WorkflowSummary[] }>(db: Db, page: T) {
  const ids = page.workflows.map((w) => GUEST_ID.exec(w.workflowId)?.[1]).filter((x) => x !== undefined);
  const names = await guests.namesOf(db, [...new Set(ids)]);
  return {
    ...page,
    workflows: page.workflows.map((w) => {
      const guestId = GUEST_ID.exec(w.workflowId)?.[1] ?? null;
      const name = guestId ? names.get(guestId) : undefined;
      return {
        ...w,
        guestId,
        guestName: name ? { firstName: name.firstName, lastName: name.lastName } : null,
      };
    }),
  };
}

/** One workflow as staff see it: what it is, where it stands, what it waits for, and its last events. */
export interface WorkflowDetail extends WorkflowSummary {
  /** The workflow's own view of itself (its state query), when its type has one and it is running. */
  state: unknown;
  /** Its next deadlines with their dates (a guest's agenda, a case's), soonest first. */
  nextDeadlines: { kind: string; at: string }[];
  pendingActivities: { activityType: string; attempt: number; state: string }[];
  pendingChildren: { workflowId: string; type: string }[];
  /** The newest events of the run, newest first: their type and time. */
  lastEvents: { eventId: number; type: string; at: string | null }[];
  /** The same run in the Temporal Web UI. */
  webUiUrl: string | null;
}

const STATE_QUERIES: Record<string, string> = {
  guestLifecycle: stateQuery.name,
  postStayFollowUp: followUpStateQuery.name,
  serviceRecovery: caseStateQuery.name,
};

const ACTIVITY_STATES = [
  'Unspecified',
  'Scheduled',
  'Started',
  'CancelRequested',
  'Paused',
  'PauseRequested',
];

/** An event type of the history (`EVENT_TYPE_TIMER_STARTED`) as the Web UI names it (`TimerStarted`). */
function eventTypeName(value: number | null | undefined): string {
  const name = proto.temporal.api.enums.v1.EventType[value ?? 0] ?? 'EVENT_TYPE_UNSPECIFIED';
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _u: string, c: string) => c.toUpperCase());
}

export async function getWorkflow(
  deps: WorkflowsDeps & { temporalUi?: { url: string; namespace: string } | undefined },
  workflowId: string,
  lastEventCount = 20,
): Promise<WorkflowDetail> {
  const handle = deps.temporal.workflow.getHandle(workflowId);
  let described;
  try {
    described = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new HttpError(404, 'workflow_not_found', `no workflow with id ${workflowId}`, { field: 'id' });
    throw new HttpError(503, 'temporal_unavailable', 'the workflow is not available now; try again', {});
  }
  const raw = described.raw;
  const type = described.type;
  const running = described.status.name === 'RUNNING';
  const queryName = STATE_QUERIES[type];
  const state: unknown = running && queryName ? await handle.query(queryName).catch(() => null) : null;
  const nextDeadlines = datedDeadlines((state as { agenda?: unknown } | null)?.agenda);
  const history = await deps.temporal.workflowService
    .getWorkflowExecutionHistoryReverse({
      namespace: deps.temporal.options.namespace,
      execution: { workflowId, runId: described.runId },
      maximumPageSize: lastEventCount,
    })
    .catch(() => undefined);
  const attributes = described.typedSearchAttributes;
  const ui = deps.temporalUi;
  return {
    workflowId,
    runId: described.runId,
    type,
    status: STATUS_NAMES[raw.workflowExecutionInfo?.status ?? 0] ?? 'Unspecified',
    startedAt: described.startTime.toISOString(),
    closedAt: described.closeTime?.toISOString() ?? null,
    guest: guestOf(attributes),
    state,
    nextDeadlines,
    pendingActivities: (raw.pendingActivities ?? []).map((a) => ({
      activityType: a.activityType?.name ?? '',
      attempt: a.attempt ?? 0,
      state: ACTIVITY_STATES[a.state ?? 0] ?? 'Unspecified',
    })),
    pendingChildren: (raw.pendingChildren ?? []).map((c) => ({
      workflowId: c.workflowId ?? '',
      type: c.workflowTypeName ?? '',
    })),
    lastEvents: (history?.history?.events ?? []).slice(0, lastEventCount).map((e) => ({
      eventId: Number(e.eventId ?? 0),
      type: eventTypeName(e.eventType),
      at: isoOf(e.eventTime),
    })),
    webUiUrl: ui
      ? `${ui.url.replace(/\/$/, '')}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(workflowId)}/${described.runId}/history`
      : null,
  };
}

// ---- staff actions ---------------------------------------------------------------------------------------------

/** The workflow types staff may cancel: a lapse's win-back and a stay's follow-up. */
export const CANCELLABLE_TYPES = ['winBack', 'postStayFollowUp'] as const;

export interface CancelDeps extends GuestActionDeps {
  /** How long the answer waits for the cancelled workflow to close (default 5 s); it may still be finishing. */
  closeWaitMs?: number;
}

export interface CancelAnswer {
  workflowId: string;
  runId: string;
  type: string;
  guestId: string;
  /**
   * A win-back the guest's workflow held (it let go of it), or not (an orphan, stopped directly); null for a
   * follow-up.
   */
  heldByGuest: boolean | null;
  /** Its status once closed, or `Running` while it still finishes (a mail in flight). */
  status: string;
  auditId: number;
}

/**
 * `POST /v1/workflows/:id/cancel`: a running win-back or post-stay follow-up, stopped for staff with a reason
 * (audited, api/audited.ts). A win-back is stopped through the guest's workflow, which holds it
 * (api/guests/actions.ts `cancelWinBackThroughGuest`: it lets go of it, the guest stays lapsed, and it can
 * continue as new again); a follow-up is cancelled directly: it withdraws the mail it holds, marks its row
 * cancelled and ends (workflows/post-stay-follow-up.ts), and the guest's workflow counts it as finished. 404 for
 * no such workflow; 409 `not_cancellable` for another type, `not_running` for one that has ended.
 */
export async function cancelWorkflow(
  deps: CancelDeps,
  input: { workflowId: string; actor: string; reason: string },
): Promise<CancelAnswer> {
  const { workflowId } = input;
  let described;
  try {
    described = await deps.temporal.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new HttpError(404, 'workflow_not_found', `no workflow with id ${workflowId}`, { field: 'id' });
    throw new HttpError(503, 'temporal_unavailable', 'the workflow is not available now; try again', {});
  }
  const { type, runId } = described;
  const guestId = guestIdOfWorkflowId(workflowId);
  if (!(CANCELLABLE_TYPES as readonly string[]).includes(type) || guestId === null)
    throw new HttpError(
      409,
      'not_cancellable',
      `a ${type} workflow cannot be cancelled here: only ${CANCELLABLE_TYPES.join(' and ')}`,
      { field: 'id', workflowId, type, cancellable: CANCELLABLE_TYPES },
    );
  const notRunning = (status: string) =>
    new HttpError(409, 'not_running', `${workflowId} is not running (${status})`, {
      field: 'id',
      workflowId,
      type,
      status,
    });
  if (described.status.name !== 'RUNNING')
    throw notRunning(STATUS_NAMES[described.raw.workflowExecutionInfo?.status ?? 0] ?? 'Unspecified');

  const handle = deps.temporal.workflow.getHandle(workflowId, runId);
  const done = await auditedAction<{ heldByGuest: boolean | null }>(
    deps.db,
    {
      actor: input.actor,
      action: WIN_BACK_CANCELLED,
      subject: `guest:${guestId}`,
      reason: input.reason,
      // A win-back's day (its ID names it): a fresh run of the guest reads staff's cancel by it (lapseOf).
      facts: {
        type,
        workflowId,
        runId,
        ...(type === 'winBack' ? { lapsedOn: winBackDayOf(workflowId) } : {}),
      },
    },
    async (auditId) => {
      if (type === 'winBack') {
        try {
          const r = await cancelWinBackThroughGuest(deps, {
            guestId,
            workflowId,
            requestId: String(auditId),
          });
          return { answer: { heldByGuest: true }, facts: { heldByGuest: true, stage: r.stage } };
        } catch (err) {
          if (!(err instanceof HttpError && err.code === 'not_held')) throw err;
        }
        // A win-back the guest's workflow does not hold (an orphan of an earlier run): nothing of the guest's
        // state hangs on it, so it is stopped directly.
      }
      try {
        await handle.cancel();
      } catch (err) {
        // It ended since it was described.
        if (err instanceof WorkflowNotFoundError) throw notRunning('closed');
        throw err;
      }
      const heldByGuest = type === 'winBack' ? false : null;
      return { answer: { heldByGuest }, facts: { heldByGuest } };
    },
  );
  return {
    workflowId,
    runId,
    type,
    guestId,
    heldByGuest: done.heldByGuest,
    status: await statusOnceClosed(handle, deps.closeWaitMs ?? 5_000),
    auditId: done.auditId,
  };
}

/** The run's status once it has closed, or `Running` if it has not within `waitMs`. */
async function statusOnceClosed(handle: WorkflowHandle, waitMs: number): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const d = await handle.describe().catch(() => undefined);
    const status = d?.raw.workflowExecutionInfo?.status ?? 1;
    if (status !== 1 || Date.now() >= deadline) return STATUS_NAMES[status] ?? 'Unspecified';
    await new Promise((r) => setTimeout(r, 100));
  }
}
