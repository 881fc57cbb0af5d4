/**
 * Service cases for staff: open (`case_requests`-free: the case row and its `case.opened` audit entry, then
 * `case.opened` to the guest's workflow, which flags the guest at risk and starts the case's child), list and
 * read, and the requests answered by the case's workflow through Updates with synchronous validators.
 *
 * A request's id (the `Idempotency-Key`, or a new UUID) is the `case_requests` row's id and the Update id. The
 * row holds the words and the requester's key name; the Update carries only the id, enums and numbers. Flow: a
 * pending row → the Update on `guest-<guestId>-case-<caseId>` → the workflow validates, an activity applies it
 * (effect, `applied`, audit entry in one transaction) → 200 with the result. A refused request deletes its
 * pending row: it wrote nothing. A retry with the same key replays an applied request from Postgres.
 */
import {
  ApplicationFailure,
  WithStartWorkflowOperation,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Db } from '../../db/knex.js';
import * as cases from '../../db/repositories/cases.js';
import type { CaseSlaState, CaseStatus } from '../../domain/cases.js';
import * as guests from '../../db/repositories/guests.js';
import * as stays from '../../db/repositories/stays.js';
import { rulesVersions } from '../../db/repositories/lifecycle.js';
import { guestWorkflowId } from '../../domain/ids.js';
import { toCents } from '../../domain/points.js';
import { versionInForce } from '../../domain/program.js';
import { signalGuest } from '../../lib/signal-guest.js';
import {
  CASE_WORKFLOW_TYPE,
  addCaseNoteUpdate,
  answerSatisfactionUpdate,
  approveCompensationUpdate,
  assignCaseUpdate,
  caseStateQuery,
  requestCompensationUpdate,
  resolveCaseUpdate,
} from '../../contracts/case.js';
import { caseWorkflowId } from '../../domain/ids.js';
import type { CaseStateView, CaseStepResult, ServiceRecoveryWorkflow } from '../../contracts/case.js';
import { HttpError } from '../errors.js';
import { IDEMPOTENCY_HEADER, snakeCase } from '../guests/staff.js';
import { canonicalJson } from '../pms/service.js';
import type {
  approvalBody,
  assignBody,
  CompensationBody,
  noteBody,
  OpenCaseBody,
  resolveBody,
  satisfactionBody,
} from './schema.js';

export interface CaseServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  logger?: Pick<Logger, 'warn'> | undefined;
  /** How long to wait for the workflow's answer before a 503 (default 10 s). */
  updateTimeoutMs?: number | undefined;
  /** The API's clock (seconds); the simulator's runs on the test server's. Default: the wall clock. */
  nowSeconds?: (() => number) | undefined;
}

/** How far ahead of the API's clock a staff member's clock may be. */
const CLOCK_SKEW_MS = 5 * 60_000;

const nowOf = (deps: Pick<CaseServiceDeps, 'nowSeconds'>) =>
  new Date(deps.nowSeconds ? deps.nowSeconds() * 1000 : Date.now());

// --- views ---------------------------------------------------------------------------------------------------

export function caseSummary(row: cases.CaseRow) {
  return {
    id: row.id,
    guestId: row.guest_id,
    workflowId: row.workflow_id,
    status: row.status,
    source: row.source,
    category: row.category,
    cause: row.cause,
    priority: row.priority,
    propertyCode: row.property_code,
    department: row.department,
    owner: row.received_by,
    assignee: row.assignee,
    openedAt: row.opened_at.toISOString(),
    acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
    slaState: row.sla_state,
    escalatedAt: row.escalated_at?.toISOString() ?? null,
    resolvedAt: row.resolved_at?.toISOString() ?? null,
    resolutions: row.resolutions,
    costBucket: row.cost_bucket,
    satisfied: row.satisfied,
    reopened: row.reopened,
    closedAt: row.closed_at?.toISOString() ?? null,
  };
}

function notFound(id: string): HttpError {
  return new HttpError(404, 'case_not_found', `no case with id ${id}`, { field: 'id' });
}

// --- opening -------------------------------------------------------------------------------------------------

export interface OpenedCase {
  case: ReturnType<typeof caseSummary>;
  /** A repeat of a case already opened under this Idempotency-Key. */
  replayed: boolean;
}

/** The fields a repeat under the same key must carry unchanged. */
function sameCase(row: cases.CaseRow, body: OpenCaseBody): boolean {
  return (
    row.guest_id === body.guestId &&
    row.source === body.source &&
    row.category === body.category &&
    row.priority === body.priority &&
    row.property_code === body.propertyCode &&
    row.department === body.department &&
    row.received_by === body.receivedBy &&
    (row.description ?? undefined) === body.description
  );
}

export async function openCase(
  deps: CaseServiceDeps,
  input: {
    requestId: string;
    actor: string;
    body: OpenCaseBody;
    /** Default `api:<requestId>`; the in-stay report link keys its cases by the link and the report. */
    idempotencyKey?: string;
  },
): Promise<OpenedCase> {
  const { body, requestId } = input;
  // A complaint is received, not expected: a future time would hold every deadline of the case back until then.
  if (body.occurredAt && Date.parse(body.occurredAt) > nowOf(deps).getTime() + CLOCK_SKEW_MS)
    throw new HttpError(400, 'validation_failed', 'occurredAt: must not be in the future', {
      field: 'occurredAt',
    });
  if (!(await guests.exists(deps.db, body.guestId)))
    throw new HttpError(404, 'guest_not_found', `no guest with id ${body.guestId}`, { field: 'guestId' });
  if (body.stayId) {
    if (!(await stays.findGuestStay(deps.db, body.guestId, body.stayId)))
      throw new HttpError(422, 'stay_not_found', `the guest has no stay ${body.stayId}`, { field: 'stayId' });
  }
  const { row, created } = await cases.openCase(
    deps.db,
    {
      id: requestId,
      guestId: body.guestId,
      workflowId: caseWorkflowId(body.guestId, requestId),
      source: body.source,
      category: body.category,
      cause: body.cause ?? null,
      priority: body.priority,
      propertyCode: body.propertyCode,
      department: body.department,
      receivedBy: body.receivedBy,
      description: body.description ?? null,
      stayId: body.stayId ?? null,
      openedAt: body.occurredAt ? new Date(body.occurredAt) : nowOf(deps),
      idempotencyKey: input.idempotencyKey ?? `api:${requestId}`,
    },
    input.actor,
  );
  if (!created && !sameCase(row, body))
    throw new HttpError(
      409,
      'idempotency_key_reused',
      `${IDEMPOTENCY_HEADER} ${requestId} was already used for another case`,
      { header: IDEMPOTENCY_HEADER, requestId },
    );
  // The guest's workflow flags the guest at risk and starts the case's workflow. Again on a repeat (an
  // earlier 503): the workflow takes a second `case.opened` as the same one. Never for a closed case.
  if (row.status !== 'closed') {
    try {
      await signalGuest(deps.temporal, {
        guestId: row.guest_id,
        taskQueue: deps.taskQueue,
        message: {
          type: 'case.opened',
          eventId: `case:${row.id}:opened`,
          source: 'api',
          occurredAt: row.opened_at.toISOString(),
          caseId: row.id,
        },
      });
    } catch (err) {
      deps.logger?.warn({ err, caseId: row.id }, 'case.opened not delivered; answering 503');
      throw new HttpError(
        503,
        'workflow_unavailable',
        `the case is recorded but the guest's workflow was not told; retry with the same ${IDEMPOTENCY_HEADER}`,
        { requestId, caseId: row.id },
      );
    }
  }
  return { case: caseSummary(row), replayed: !created };
}

// --- reading -------------------------------------------------------------------------------------------------

function cursorOf(row: cases.CaseRow): string {
  return Buffer.from(`${row.opened_at.toISOString()}|${row.id}`, 'utf8').toString('base64url');
}

/** A cursor this list made: an ISO instant of a four-digit year (what PostgreSQL takes) and a case id. */
const CURSOR =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

function parseCursor(cursor: string): { openedAt: Date; id: string } {
  const [, at, id] = CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8')) ?? [];
  const openedAt = new Date(at ?? '');
  if (!id || Number.isNaN(openedAt.getTime()))
    throw new HttpError(400, 'validation_failed', 'before: not a cursor of this list', {
      field: 'before',
      issues: [{ field: 'before', code: 'invalid_format', message: 'not a cursor of this list' }],
    });
  return { openedAt, id: id.toLowerCase() };
}

export async function listCases(
  deps: Pick<CaseServiceDeps, 'db'>,
  query: {
    status?: CaseStatus | undefined;
    department?: string | undefined;
    sla?: CaseSlaState | undefined;
    priority?: string | undefined;
    property?: string | undefined;
    guestId?: string | undefined;
    limit: number;
    before?: string | undefined;
  },
) {
  const rows = await cases.listCases(deps.db, {
    status: query.status,
    department: query.department,
    slaState: query.sla,
    priority: query.priority,
    propertyCode: query.property,
    guestId: query.guestId,
    before: query.before ? parseCursor(query.before) : undefined,
    limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const names = await guests.namesOf(deps.db, [...new Set(page.map((r) => r.guest_id))]);
  return {
    // Each with the guest's name, for the queue (Postgres holds it; the case's workflow holds ids only).
    cases: page.map((row) => ({ ...caseSummary(row), guestName: names.get(row.guest_id) ?? null })),
    next: rows.length > query.limit ? cursorOf(page.at(-1)!) : null,
  };
}

async function workflowState(
  deps: CaseServiceDeps,
  workflowId: string,
): Promise<{ workflowId: string; state: CaseStateView | null }> {
  try {
    const state = await deps.temporal.withDeadline(Date.now() + 3000, () =>
      deps.temporal.workflow.getHandle(workflowId).query(caseStateQuery),
    );
    return { workflowId, state };
  } catch {
    return { workflowId, state: null };
  }
}

export async function getCase(deps: CaseServiceDeps, caseId: string) {
  const row = await cases.findCase(deps.db, caseId);
  if (!row) throw notFound(caseId);
  const [notes, compensations, audit, workflow] = await Promise.all([
    cases.listNotes(deps.db, caseId),
    cases.listCompensations(deps.db, caseId),
    cases.auditTrail(deps.db, caseId),
    row.status === 'closed' ? Promise.resolve(null) : workflowState(deps, row.workflow_id),
  ]);
  return {
    case: {
      ...caseSummary(row),
      description: row.description,
      resolution: row.resolution,
      stayId: row.stay_id,
      surveyScore: row.survey_score,
    },
    notes: notes.map((n) => ({ id: n.id, author: n.author, text: n.body, at: n.at.toISOString() })),
    compensations: compensations.map((c) => ({
      id: c.id,
      kind: c.kind,
      amount: c.amount,
      currency: c.currency.trim(),
      value: (Number(c.value_cents) / 100).toFixed(2),
      limitCurrency: c.limit_currency.trim(),
      points: c.points,
      status: c.status,
      requestedBy: c.requested_by,
      approvedBy: c.approved_by,
      ledgerId: c.ledger_id,
      requestedAt: c.requested_at.toISOString(),
      grantedAt: c.granted_at?.toISOString() ?? null,
    })),
    audit: audit.map((a) => ({ actor: a.actor, action: a.action, after: a.after, at: a.at.toISOString() })),
    workflow,
  };
}

// --- requests answered by the case's workflow ----------------------------------------------------------------

export type CaseStaffRequest =
  | { kind: 'assign'; body: z.infer<typeof assignBody> }
  | { kind: 'note'; body: z.infer<typeof noteBody> }
  | { kind: 'compensation'; body: CompensationBody }
  | { kind: 'approval'; body: z.infer<typeof approvalBody>; compensationId: string }
  | { kind: 'resolve'; body: z.infer<typeof resolveBody> }
  | { kind: 'satisfaction'; body: z.infer<typeof satisfactionBody> };

/** The field each refusal of the workflow is about, and its status (a conflict with the case's state: 409). */
const REFUSALS: Record<string, { status: number; field: string }> = {
  CaseClosed: { status: 409, field: 'id' },
  CaseNotOpen: { status: 409, field: 'id' },
  NotAwaitingSatisfaction: { status: 409, field: 'satisfied' },
  CompensationAwaitingApproval: { status: 409, field: 'id' },
  CompensationNotPending: { status: 409, field: 'compensationId' },
  AboveManagerLimit: { status: 422, field: 'amount' },
  InvalidAmount: { status: 422, field: 'amount' },
  PointsRequired: { status: 422, field: 'points' },
  UnknownCompensationKind: { status: 422, field: 'kind' },
  InvalidAnswer: { status: 422, field: 'satisfied' },
};

function refusalError(failure: ApplicationFailure): HttpError {
  const type = failure.type ?? 'RequestRefused';
  const known = REFUSALS[type];
  return new HttpError(known?.status ?? 422, snakeCase(type), failure.message || 'the request was refused', {
    field: known?.field ?? '(body)',
  });
}

function refusalOf(err: unknown): ApplicationFailure | undefined {
  if (!(err instanceof WorkflowUpdateFailedError)) return undefined;
  return err.cause instanceof ApplicationFailure ? err.cause : undefined;
}

/**
 * A compensation's value in cents of the frontline limit's currency, converted through the program currency
 * by the rules in force (`currencyRates`: program-currency units per unit).
 */
export async function valueInLimitCurrency(
  db: Db,
  amount: string,
  currency: string,
): Promise<{ valueCents: number; limitCurrency: string }> {
  const settings = await cases.caseSettings(db);
  if (!settings) throw new Error("program settings 'default' are missing");
  const limitCurrency = settings.frontlineLimitCurrency;
  const cents = toCents(amount);
  if (currency === limitCurrency) return { valueCents: cents, limitCurrency };
  const version = versionInForce(await rulesVersions(db), new Date().toISOString().slice(0, 10));
  const rates = version?.rules.currencyRates ?? {};
  const rateOf = (c: string) => (version?.rules.programCurrency === c ? 1 : rates[c]);
  const from = rateOf(currency);
  const to = rateOf(limitCurrency);
  if (!from || !to)
    throw new HttpError(
      422,
      'unknown_currency',
      `no rate for ${from ? limitCurrency : currency} in the program rules in force`,
      { field: 'currency' },
    );
  return { valueCents: Math.round((cents * from) / to), limitCurrency };
}

export interface CaseAnswer {
  requestId: string;
  result: CaseStepResult;
  replayed: boolean;
}

/**
 * The request as an Update of the case's workflow, started with it when it does not run yet (update-with-start):
 * the guest's workflow starts it on `case.opened`, a moment after the case is recorded, and a request made in
 * that moment would otherwise find no workflow. A case that completed (closed) is never started again; one
 * whose run failed or was terminated is, and loads the case from Postgres.
 */
function updateFor(
  deps: CaseServiceDeps,
  row: Pick<cases.CaseRow, 'id' | 'guest_id' | 'workflow_id'>,
  requestId: string,
  request: CaseStaffRequest,
  derived: { valueCents?: number },
): Promise<CaseStepResult> {
  const startWorkflowOperation = new WithStartWorkflowOperation<ServiceRecoveryWorkflow>(CASE_WORKFLOW_TYPE, {
    workflowId: row.workflow_id,
    taskQueue: deps.taskQueue,
    args: [{ guestId: row.guest_id, guestWorkflowId: guestWorkflowId(row.guest_id), caseId: row.id }],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
  });
  const opts = { updateId: requestId, startWorkflowOperation };
  const update = deps.temporal.workflow;
  return deps.temporal.withDeadline(Date.now() + (deps.updateTimeoutMs ?? 10_000), () => {
    switch (request.kind) {
      case 'assign':
        return update.executeUpdateWithStart(assignCaseUpdate, { ...opts, args: [{ requestId }] });
      case 'note':
        return update.executeUpdateWithStart(addCaseNoteUpdate, { ...opts, args: [{ requestId }] });
      case 'compensation':
        return update.executeUpdateWithStart(requestCompensationUpdate, {
          ...opts,
          args: [
            {
              requestId,
              kind: request.body.kind,
              valueCents: derived.valueCents!,
              ...(request.body.points !== undefined ? { points: request.body.points } : {}),
            },
          ],
        });
      case 'approval':
        return update.executeUpdateWithStart(approveCompensationUpdate, {
          ...opts,
          args: [{ requestId, compensationId: request.compensationId }],
        });
      case 'resolve':
        return update.executeUpdateWithStart(resolveCaseUpdate, { ...opts, args: [{ requestId }] });
      case 'satisfaction':
        return update.executeUpdateWithStart(answerSatisfactionUpdate, {
          ...opts,
          args: [{ requestId, satisfied: request.body.satisfied }],
        });
    }
  });
}

/** What a request's row keeps: the body, and for an approval the compensation it approves. */
function storedBody(request: CaseStaffRequest): Record<string, unknown> {
  return request.kind === 'approval'
    ? { ...request.body, compensationId: request.compensationId }
    : { ...request.body };
}

export async function submitCaseRequest(
  deps: CaseServiceDeps,
  input: { caseId: string; requestId: string; actor: string; request: CaseStaffRequest },
): Promise<CaseAnswer> {
  const { caseId, requestId, request } = input;
  const row = await cases.findCase(deps.db, caseId);
  if (!row) throw notFound(caseId);
  if (request.kind === 'approval') {
    const comp = await cases.findCompensation(deps.db, request.compensationId);
    if (!comp || comp.case_id !== caseId)
      throw new HttpError(
        404,
        'compensation_not_found',
        `case ${caseId} has no compensation ${request.compensationId}`,
        { field: 'compensationId' },
      );
  }
  const given = storedBody(request);
  let derived: { valueCents?: number; limitCurrency?: string } = {};
  if (request.kind === 'compensation')
    derived = await valueInLimitCurrency(deps.db, request.body.amount, request.body.currency);
  const { request: stored, created } = await cases.insertRequestIfAbsent(deps.db, {
    id: requestId,
    caseId,
    kind: request.kind,
    body: { ...given, ...derived },
    actor: input.actor,
  });
  if (!created) {
    const { valueCents: _v, limitCurrency: _l, ...before } = stored.body;
    const same =
      stored.case_id === caseId &&
      stored.kind === request.kind &&
      canonicalJson(before) === canonicalJson(given);
    if (!same)
      throw new HttpError(
        409,
        'idempotency_key_reused',
        `${IDEMPOTENCY_HEADER} ${requestId} was already used for another request`,
        { header: IDEMPOTENCY_HEADER, requestId },
      );
    if (stored.status === 'applied')
      return { requestId, result: stored.result as unknown as CaseStepResult, replayed: true };
    if (stored.body.valueCents !== undefined) derived = { valueCents: Number(stored.body.valueCents) };
  }

  // A closed case has nothing more to do: its workflow is never started again for it.
  if (row.status === 'closed') {
    await cases.deletePendingRequest(deps.db, requestId);
    throw new HttpError(409, 'case_closed', `case ${caseId} is closed`, { field: 'id' });
  }
  try {
    const result = await updateFor(deps, row, requestId, request, derived);
    return { requestId, result, replayed: false };
  } catch (err) {
    // Applied meanwhile (a concurrent retry): answered with its result.
    const now = await cases.findRequest(deps.db, requestId);
    if (now?.status === 'applied')
      return { requestId, result: now.result as unknown as CaseStepResult, replayed: true };
    const refusal = refusalOf(err);
    if (refusal) {
      // A refused request writes nothing: not even its request row.
      await cases.deletePendingRequest(deps.db, requestId);
      throw refusalError(refusal);
    }
    // The case's workflow has ended (closed): nothing to ask any more.
    const current = await cases.findCase(deps.db, caseId);
    if (current?.status === 'closed') {
      await cases.deletePendingRequest(deps.db, requestId);
      throw new HttpError(409, 'case_closed', `case ${caseId} is closed`, { field: 'id' });
    }
    deps.logger?.warn({ err, requestId, caseId }, 'case request not confirmed by Temporal; answering 503');
    throw new HttpError(
      503,
      'workflow_unavailable',
      `the request could not be confirmed; retry it with the same ${IDEMPOTENCY_HEADER}`,
      { requestId },
    );
  }
}
