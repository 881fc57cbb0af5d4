/**
 * Workflows as Temporal's visibility has them, for staff: `GET /v1/workflows` lists them by type, status and
 * the guest's search attributes (contracts/guest.ts: stage, tier, last property), a page at a time.
 */
import type { Client } from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import { GUEST_STAGE, GUEST_TIER, LAST_PROPERTY, OPEN_CASES } from '../../contracts/guest.js';
import { HttpError } from '../errors.js';
import type { ListQuery } from './schema.js';

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

const STATUS_NAMES = [
  'Unspecified',
  'Running',
  'Completed',
  'Failed',
  'Canceled',
  'Terminated',
  'ContinuedAsNew',
  'TimedOut',
];

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
  const workflows = (answer.executions ?? []).map((e): WorkflowSummary => {
    const attributes = decodeTypedSearchAttributes(e.searchAttributes?.indexedFields);
    const stage = attributes.get(GUEST_STAGE) ?? null;
    return {
      workflowId: e.execution?.workflowId ?? '',
      runId: e.execution?.runId ?? '',
      type: e.type?.name ?? '',
      status: STATUS_NAMES[e.status ?? 0] ?? 'Unspecified',
      startedAt: isoOf(e.startTime),
      closedAt: isoOf(e.closeTime),
      guest:
        stage === null
          ? null
          : {
              stage,
              tier: attributes.get(GUEST_TIER) ?? null,
              lastProperty: attributes.get(LAST_PROPERTY) ?? null,
              openCases: attributes.get(OPEN_CASES) ?? null,
            },
    };
  });
  const token = answer.nextPageToken;
  return {
    workflows,
    nextCursor: token && token.length > 0 ? Buffer.from(token).toString('base64url') : null,
    query,
  };
}
