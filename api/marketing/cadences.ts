/**
 * Cadences for marketers (`/v1/cadences`, docs/api.md "Marketing: cadences `/v1/cadences`"): versions of a
 * cadence's steps, drafted, checked (domain/cadence.ts validateSteps, the templates the code defines),
 * published (immutable from then on; the current version is the highest published), compared, rolled back (an
 * old version's steps published as a new version), and the running follow-ups moved between versions on
 * request: a bounded batch of `moveFollowUpUpdate`s, one per follow-up, whose Update ids derive from the
 * request id, so a retried request asks the same follow-ups under the same ids (Temporal answers an Update it
 * already has) instead of moving another batch. Every change is audited with the key's name, in the
 * transaction of the write.
 */
import { randomUUID } from 'node:crypto';
import {
  ApplicationFailure,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import type { Logger } from 'pino';
import { isTemplateName } from '../../mail/templates.js';
import type { Db } from '../../db/knex.js';
import * as audit from '../../db/repositories/audit.js';
import * as moves from '../../db/repositories/cadence-moves.js';
import * as cadences from '../../db/repositories/cadences.js';
import { diffCadence, validateSteps, type CadenceStep, type StepProblem } from '../../domain/cadence.js';
import { moveFollowUpUpdate } from '../../contracts/follow-up.js';
import type { MoveFollowUpResult } from '../../contracts/follow-up.js';
import { canonicalJson } from '../pms/service.js';
import { HttpError } from '../errors.js';
import { IDEMPOTENCY_HEADER, snakeCase } from '../guests/staff.js';
import type { CadenceDraftBody, MovesBody } from './schema.js';

export interface CadenceServiceDeps {
  db: Db;
  temporal: Client;
  logger?: Pick<Logger, 'warn'> | undefined;
  /** How long to wait for one follow-up's answer to a move (default 10 s). */
  updateTimeoutMs?: number | undefined;
  /** How many follow-ups a move asks at once (default 8). */
  moveConcurrency?: number | undefined;
}

function versionView(v: cadences.CadenceVersionRow) {
  return {
    cadence: v.cadence_key,
    version: v.version,
    status: v.status,
    note: v.note,
    basedOn: v.based_on,
    createdBy: v.created_by,
    createdAt: v.created_at.toISOString(),
    publishedBy: v.published_by,
    publishedAt: v.published_at?.toISOString() ?? null,
    steps: v.steps,
  };
}

async function cadenceOrNotFound(db: Db, key: string): Promise<cadences.CadenceRow> {
  const c = await cadences.findCadence(db, key);
  if (!c) throw new HttpError(404, 'cadence_not_found', `no cadence '${key}'`, { field: 'key' });
  return c;
}

export async function versionOrNotFound(
  db: Db,
  key: string,
  version: number,
  field = 'version',
): Promise<cadences.CadenceVersionRow> {
  const v = await cadences.getVersion(db, key, version);
  if (!v)
    throw new HttpError(404, 'version_not_found', `cadence '${key}' has no version ${version}`, { field });
  return v;
}

/** The steps' problems with the templates the code defines (a stored template overrides a defined one). */
function stepProblems(steps: unknown): StepProblem[] {
  return validateSteps(steps, { knownTemplate: isTemplateName });
}

function cadenceInvalid(problems: StepProblem[]): HttpError {
  const first = problems[0]!;
  return new HttpError(422, 'cadence_invalid', `${first.field}: ${first.message}`, {
    field: first.field,
    issues: problems,
  });
}

// --- reading -------------------------------------------------------------------------------------------------

export async function listCadences(deps: CadenceServiceDeps) {
  const all = await cadences.listCadences(deps.db);
  const result = [];
  for (const c of all) {
    const running = await cadences.countRunningByVersion(deps.db, c.key);
    result.push({
      key: c.key,
      name: c.name,
      description: c.description,
      currentVersion: c.current_version,
      latestVersion: c.latest_version,
      runningFollowUps: running.reduce((n, r) => n + r.running, 0),
    });
  }
  return { cadences: result };
}

export async function getCadence(deps: CadenceServiceDeps, key: string) {
  const c = await cadenceOrNotFound(deps.db, key);
  const versions = await cadences.listVersions(deps.db, key);
  const current = versions.find((v) => v.status === 'published');
  return {
    key: c.key,
    name: c.name,
    description: c.description,
    currentVersion: current?.version ?? null,
    current: current ? versionView(current) : null,
    versions: versions.map((v) => {
      const { steps, ...rest } = versionView(v);
      return { ...rest, stepIds: steps.map((s) => s.id) };
    }),
  };
}

export async function getVersion(deps: CadenceServiceDeps, key: string, version: number) {
  await cadenceOrNotFound(deps.db, key);
  return versionView(await versionOrNotFound(deps.db, key, version));
}

export async function diffVersions(deps: CadenceServiceDeps, key: string, from: number, to: number) {
  await cadenceOrNotFound(deps.db, key);
  const a = await versionOrNotFound(deps.db, key, from, 'from');
  const b = await versionOrNotFound(deps.db, key, to, 'to');
  return { cadence: key, from, to, ...diffCadence(a.steps, b.steps) };
}

// --- writing -------------------------------------------------------------------------------------------------

export async function createDraft(
  deps: CadenceServiceDeps,
  input: { key: string; actor: string; body: CadenceDraftBody },
) {
  await cadenceOrNotFound(deps.db, input.key);
  const problems = stepProblems(input.body.steps);
  if (problems.length > 0) throw cadenceInvalid(problems);
  const steps = input.body.steps as CadenceStep[];
  const draft = await deps.db.transaction(async (trx) => {
    await cadences.lockCadence(trx, input.key);
    const current = await cadences.currentVersion(trx, input.key);
    const created = await cadences.createDraft(trx, {
      cadenceKey: input.key,
      steps,
      note: input.body.note ?? '',
      basedOn: current?.version ?? null,
      createdBy: input.actor,
    });
    await audit.record(trx, {
      actor: input.actor,
      action: 'cadence.draft_created',
      subject: `cadence:${input.key}`,
      after: { version: created.version, basedOn: created.based_on, steps: steps.map((s) => s.id) },
    });
    return created;
  });
  return versionView(draft);
}

/**
 * Publishes a draft: follow-ups that start from now on pin it. Checked again (a template may be gone since
 * the draft was saved); a published version answers unchanged; a draft older than the current version is
 * refused (409: it would not become current).
 */
export async function publishVersion(
  deps: CadenceServiceDeps,
  input: { key: string; version: number; actor: string },
): Promise<{ version: ReturnType<typeof versionView>; alreadyPublished: boolean }> {
  await cadenceOrNotFound(deps.db, input.key);
  return deps.db.transaction(async (trx) => {
    await cadences.lockCadence(trx, input.key);
    const v = await versionOrNotFound(trx, input.key, input.version);
    if (v.status === 'published') return { version: versionView(v), alreadyPublished: true };
    const current = await cadences.currentVersion(trx, input.key);
    if (current && current.version > v.version) {
      throw new HttpError(
        409,
        'superseded',
        `version ${current.version} of '${input.key}' is published after this draft: create a new draft instead`,
        { field: 'version', currentVersion: current.version },
      );
    }
    const problems = stepProblems(v.steps);
    if (problems.length > 0) throw cadenceInvalid(problems);
    const published = await cadences.publish(trx, {
      cadenceKey: input.key,
      version: v.version,
      publishedBy: input.actor,
    });
    if (published.outcome !== 'published')
      throw new Error(`cadence ${input.key} v${v.version} not published`);
    await audit.record(trx, {
      actor: input.actor,
      action: 'cadence.published',
      subject: `cadence:${input.key}`,
      before: { currentVersion: current?.version ?? null },
      after: { currentVersion: v.version },
    });
    return { version: versionView(published.version), alreadyPublished: false };
  });
}

/**
 * Publishes a copy of an old published version as the new current version (`basedOn` the old one). When the
 * current version is already such a copy (a retried rollback), it is answered unchanged.
 */
export async function rollback(
  deps: CadenceServiceDeps,
  input: { key: string; version: number; note?: string | undefined; actor: string },
): Promise<{ version: ReturnType<typeof versionView>; replayed: boolean }> {
  await cadenceOrNotFound(deps.db, input.key);
  return deps.db.transaction(async (trx) => {
    await cadences.lockCadence(trx, input.key);
    const old = await versionOrNotFound(trx, input.key, input.version);
    if (old.status !== 'published') {
      throw new HttpError(409, 'not_published', `version ${old.version} is a draft: publish it instead`, {
        field: 'version',
      });
    }
    const current = await cadences.currentVersion(trx, input.key);
    if (current && current.version === old.version) {
      throw new HttpError(409, 'already_current', `version ${old.version} is the current version`, {
        field: 'version',
      });
    }
    if (
      current &&
      current.based_on === old.version &&
      canonicalJson(current.steps) === canonicalJson(old.steps)
    )
      return { version: versionView(current), replayed: true };
    const problems = stepProblems(old.steps);
    if (problems.length > 0) throw cadenceInvalid(problems);
    const draft = await cadences.createDraft(trx, {
      cadenceKey: input.key,
      steps: old.steps,
      note: input.note ?? `rollback to version ${old.version}`,
      basedOn: old.version,
      createdBy: input.actor,
    });
    const published = await cadences.publish(trx, {
      cadenceKey: input.key,
      version: draft.version,
      publishedBy: input.actor,
    });
    if (published.outcome !== 'published')
      throw new Error(`cadence ${input.key} v${draft.version} not published`);
    await audit.record(trx, {
      actor: input.actor,
      action: 'cadence.rolled_back',
      subject: `cadence:${input.key}`,
      before: { currentVersion: current?.version ?? null },
      after: { currentVersion: draft.version, copyOf: old.version },
    });
    return { version: versionView(published.version), replayed: false };
  });
}

// --- dry run and moves ----------------------------------------------------------------------------------------

/**
 * The running follow-ups per version (from `follow_ups`), how many have done each step, and, for a move to
 * `to`, what changes for the follow-ups of each other version (steps added, removed, changed).
 */
export async function dryRun(deps: CadenceServiceDeps, key: string, to: number | undefined) {
  await cadenceOrNotFound(deps.db, key);
  // A draft may be the target: what a move would change, before it is published (a move itself needs it published).
  const target = to === undefined ? undefined : await versionOrNotFound(deps.db, key, to, 'to');
  const running = await cadences.countRunningByVersion(deps.db, key);
  const done = await moves.stepsDoneByVersion(deps.db, key);
  const versions = [];
  for (const r of running) {
    const v = await cadences.getVersion(deps.db, key, r.version);
    const stepsDone = Object.fromEntries(
      done.filter((d) => d.version === r.version).map((d) => [d.step, d.done]),
    );
    versions.push({
      version: r.version,
      running: r.running,
      stepsDone,
      ...(target && v
        ? { move: target.version === r.version ? null : diffCadence(v.steps, target.steps) }
        : {}),
    });
  }
  return {
    cadence: key,
    to: target?.version ?? null,
    toStatus: target?.status ?? null,
    running: running.reduce((n, r) => n + r.running, 0),
    wouldMove: target
      ? running.filter((r) => r.version !== target.version).reduce((n, r) => n + r.running, 0)
      : 0,
    versions,
  };
}

export interface MoveAnswer {
  requestId: string;
  cadence: string;
  fromVersion: number;
  toVersion: number;
  /** How many follow-ups the batch asked. */
  selected: number;
  moved: number;
  failed: moves.MoveResult['failed'];
  /** Follow-ups still running on `fromVersion` after the batch (another request moves the next batch). */
  remaining: number;
  replayed: boolean;
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Why one follow-up could not move: the workflow's refusal, or that it does not run any more. */
function moveFailure(err: unknown): { reason: string; message: string } {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    return { reason: snakeCase(err.cause.type ?? 'MoveRefused'), message: err.cause.message };
  }
  if (err instanceof WorkflowNotFoundError)
    return { reason: 'finished', message: 'the follow-up is not running (finished or gone)' };
  const message = (err as Error)?.message ?? '';
  if (/already completed|not found/i.test(message))
    return { reason: 'finished', message: 'the follow-up is not running (finished or gone)' };
  return { reason: 'unavailable', message: 'the follow-up did not answer in time; retry the request' };
}

/** The Update id of one follow-up's move in one request. */
export function moveUpdateId(requestId: string, workflowId: string): string {
  return `cadence-move:${requestId}:${workflowId}`;
}

export async function moveFollowUps(
  deps: CadenceServiceDeps,
  input: { key: string; requestId: string | undefined; actor: string; body: MovesBody },
): Promise<MoveAnswer> {
  const { key, body } = input;
  await cadenceOrNotFound(deps.db, key);
  if (body.fromVersion === body.toVersion) {
    throw new HttpError(400, 'validation_failed', 'toVersion: must differ from fromVersion', {
      field: 'toVersion',
      issues: [{ field: 'toVersion', code: 'custom', message: 'must differ from fromVersion' }],
    });
  }
  await versionOrNotFound(deps.db, key, body.fromVersion, 'fromVersion');
  const target = await versionOrNotFound(deps.db, key, body.toVersion, 'toVersion');
  if (target.status !== 'published') {
    throw new HttpError(409, 'not_published', `version ${target.version} is a draft: publish it first`, {
      field: 'toVersion',
    });
  }
  const requestId = input.requestId ?? randomUUID();
  const { request, created } = await moves.insertIfAbsent(deps.db, {
    id: requestId,
    cadenceKey: key,
    fromVersion: body.fromVersion,
    toVersion: body.toVersion,
    limit: body.limit,
    requestedBy: input.actor,
  });
  if (
    !created &&
    (request.cadence_key !== key ||
      request.from_version !== body.fromVersion ||
      request.to_version !== body.toVersion ||
      request.batch_limit !== body.limit)
  ) {
    throw new HttpError(
      409,
      'idempotency_key_reused',
      `${IDEMPOTENCY_HEADER} ${requestId} was already used for another request`,
      { header: IDEMPOTENCY_HEADER, requestId },
    );
  }
  const answer = async (result: moves.MoveResult, replayed: boolean): Promise<MoveAnswer> => ({
    requestId,
    cadence: key,
    fromVersion: body.fromVersion,
    toVersion: body.toVersion,
    selected: request.workflow_ids.length,
    moved: result.moved,
    failed: result.failed,
    remaining: await moves.runningOn(deps.db, key, body.fromVersion),
    replayed,
  });
  if (request.result) return answer(request.result, true);

  const result: moves.MoveResult = { moved: 0, failed: [] };
  const timeoutMs = deps.updateTimeoutMs ?? 10_000;
  await pool(request.workflow_ids, deps.moveConcurrency ?? 8, async (workflowId) => {
    const updateId = moveUpdateId(requestId, workflowId);
    try {
      await deps.temporal.withDeadline(Date.now() + timeoutMs, () =>
        deps.temporal.workflow
          .getHandle(workflowId)
          .executeUpdate<MoveFollowUpResult, [{ requestId: string; toVersion: number }]>(moveFollowUpUpdate, {
            updateId,
            args: [{ requestId: updateId, toVersion: body.toVersion }],
          }),
      );
      result.moved += 1;
    } catch (err) {
      const failure = moveFailure(err);
      if (failure.reason === 'unavailable')
        deps.logger?.warn({ err, workflowId, requestId }, 'follow-up move not confirmed');
      result.failed.push({ workflowId, ...failure });
    }
  });
  result.failed.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
  // A follow-up that did not answer leaves the request open: a retry with the same key asks again.
  const complete = result.failed.every((f) => f.reason !== 'unavailable');
  await deps.db.transaction(async (trx) => {
    if (complete) await moves.finish(trx, requestId, result);
    await audit.record(trx, {
      actor: input.actor,
      action: 'cadence.follow_ups_moved',
      subject: `cadence:${key}`,
      after: {
        requestId,
        fromVersion: body.fromVersion,
        toVersion: body.toVersion,
        selected: request.workflow_ids.length,
        moved: result.moved,
        failed: result.failed.length,
        complete,
      },
    });
  });
  return answer(result, false);
}
