/**
 * Cadences and their versions (migration 009, domain/cadence.ts), and the follow-ups that run them. A version
 * is drafted, then published once; a published version never changes (a trigger enforces it), and the
 * current version of a cadence is its highest published one. A follow-up's row is written by its workflow's
 * activities: inserted when it pins its version, moved on a marketer's request, its steps marked done, and
 * finished.
 */
import type { Knex } from 'knex';
import type { CadenceStep } from '../../domain/cadence.js';

export interface CadenceRow {
  key: string;
  name: string;
  description: string;
  created_at: Date;
}

export type CadenceVersionStatus = 'draft' | 'published';

export interface CadenceVersionRow {
  cadence_key: string;
  version: number;
  status: CadenceVersionStatus;
  steps: CadenceStep[];
  note: string;
  based_on: number | null;
  created_by: string;
  created_at: Date;
  published_by: string | null;
  published_at: Date | null;
}

export type FollowUpStatus = 'running' | 'completed' | 'cancelled';

export interface FollowUpRow {
  workflow_id: string;
  guest_id: string;
  stay_id: string;
  cadence_key: string;
  cadence_version: number;
  status: FollowUpStatus;
  steps_done: string[];
  moved_from: number | null;
  moved_at: Date | null;
  started_at: Date;
  finished_at: Date | null;
}

// ---- cadences and versions -----------------------------------------------------------------------------------

/** A cadence with its current (highest published) and latest (highest of any status) version numbers. */
export interface CadenceSummary extends CadenceRow {
  current_version: number | null;
  latest_version: number | null;
}

export async function listCadences(db: Knex): Promise<CadenceSummary[]> {
  const rows = (await db('cadences as c')
    .select(
      'c.*',
      db.raw(
        "(select max(version) from cadence_versions v where v.cadence_key = c.key and v.status = 'published') as current_version",
      ),
      db.raw('(select max(version) from cadence_versions v where v.cadence_key = c.key) as latest_version'),
    )
    .orderBy('c.key')) as CadenceSummary[];
  return rows;
}

/** Serialises drafts, publications and rollbacks of one cadence (its row, locked to the transaction's end). */
export async function lockCadence(trx: Knex, key: string): Promise<void> {
  await trx('cadences').where({ key }).forUpdate().first('key');
}

export async function findCadence(db: Knex, key: string): Promise<CadenceRow | undefined> {
  return (await db<CadenceRow>('cadences').where({ key }).first()) ?? undefined;
}

/** Every version of a cadence, newest first. */
export async function listVersions(db: Knex, cadenceKey: string): Promise<CadenceVersionRow[]> {
  return db<CadenceVersionRow>('cadence_versions')
    .where({ cadence_key: cadenceKey })
    .orderBy('version', 'desc');
}

export async function getVersion(
  db: Knex,
  cadenceKey: string,
  version: number,
): Promise<CadenceVersionRow | undefined> {
  return (
    (await db<CadenceVersionRow>('cadence_versions').where({ cadence_key: cadenceKey, version }).first()) ??
    undefined
  );
}

/** The current version: the highest published one (undefined when none is published). */
export async function currentVersion(db: Knex, cadenceKey: string): Promise<CadenceVersionRow | undefined> {
  return (
    (await db<CadenceVersionRow>('cadence_versions')
      .where({ cadence_key: cadenceKey, status: 'published' })
      .orderBy('version', 'desc')
      .first()) ?? undefined
  );
}

export class CadenceNotFoundError extends Error {
  constructor(key: string) {
    super(`cadence '${key}' not found`);
    this.name = 'CadenceNotFoundError';
  }
}

/**
 * A new draft: the next version number of the cadence (its row locked, so two drafts never take the same
 * number). `steps` must have been checked with domain/cadence.ts validateSteps.
 */
export async function createDraft(
  db: Knex,
  input: {
    cadenceKey: string;
    steps: CadenceStep[];
    note?: string;
    basedOn?: number | null;
    createdBy: string;
  },
): Promise<CadenceVersionRow> {
  return db.transaction(async (trx) => {
    const cadence = await trx<CadenceRow>('cadences')
      .where({ key: input.cadenceKey })
      .forUpdate()
      .first('key');
    if (!cadence) throw new CadenceNotFoundError(input.cadenceKey);
    const row = (await trx('cadence_versions')
      .where({ cadence_key: input.cadenceKey })
      .max({ v: 'version' })
      .first()) as { v: number | null } | undefined;
    const [created] = (await trx('cadence_versions')
      .insert({
        cadence_key: input.cadenceKey,
        version: (row?.v ?? 0) + 1,
        status: 'draft',
        steps: JSON.stringify(input.steps),
        note: input.note ?? '',
        based_on: input.basedOn ?? null,
        created_by: input.createdBy,
      })
      .returning('*')) as CadenceVersionRow[];
    return created!;
  });
}

export type PublishResult =
  | { outcome: 'published'; version: CadenceVersionRow }
  | { outcome: 'already_published'; version: CadenceVersionRow }
  | { outcome: 'not_found' };

/**
 * Publishes a draft: from now on it is immutable, and the current version if it is the highest published.
 * Publishing a published version changes nothing (`already_published`).
 */
export async function publish(
  db: Knex,
  input: { cadenceKey: string; version: number; publishedBy: string; at?: Date },
): Promise<PublishResult> {
  const [published] = (await db('cadence_versions')
    .where({ cadence_key: input.cadenceKey, version: input.version, status: 'draft' })
    .update({ status: 'published', published_by: input.publishedBy, published_at: input.at ?? db.fn.now() })
    .returning('*')) as CadenceVersionRow[];
  if (published) return { outcome: 'published', version: published };
  const existing = await getVersion(db, input.cadenceKey, input.version);
  return existing ? { outcome: 'already_published', version: existing } : { outcome: 'not_found' };
}

// ---- follow-ups ----------------------------------------------------------------------------------------------

/**
 * Records a follow-up once per workflow id: a repeat (a retried activity, a re-run) returns the row there,
 * with the version it pinned the first time and the steps it has done.
 */
export async function insertFollowUp(
  db: Knex,
  input: {
    workflowId: string;
    guestId: string;
    stayId: string;
    cadenceKey: string;
    version: number;
    startedAt: Date;
  },
): Promise<{ followUp: FollowUpRow; created: boolean }> {
  const [inserted] = (await db('follow_ups')
    .insert({
      workflow_id: input.workflowId,
      guest_id: input.guestId,
      stay_id: input.stayId,
      cadence_key: input.cadenceKey,
      cadence_version: input.version,
      status: 'running',
      started_at: input.startedAt,
    })
    .onConflict('workflow_id')
    .ignore()
    .returning('*')) as FollowUpRow[];
  if (inserted) return { followUp: inserted, created: true };
  const existing = await findFollowUp(db, input.workflowId);
  if (!existing) throw new Error(`follow-up ${input.workflowId} vanished after a conflict`);
  return { followUp: existing, created: false };
}

export async function findFollowUp(db: Knex, workflowId: string): Promise<FollowUpRow | undefined> {
  return (await db<FollowUpRow>('follow_ups').where({ workflow_id: workflowId }).first()) ?? undefined;
}

/**
 * Moves a running follow-up to another version of its cadence: `moved_from` records the version it ran.
 * Idempotent: a follow-up already on `toVersion` is returned as it is. Undefined when it is not running.
 */
export async function moveFollowUp(
  db: Knex,
  input: { workflowId: string; toVersion: number; at: Date },
): Promise<FollowUpRow | undefined> {
  return db.transaction(async (trx) => {
    const row = await trx<FollowUpRow>('follow_ups')
      .where({ workflow_id: input.workflowId })
      .forUpdate()
      .first();
    if (!row || row.status !== 'running') return undefined;
    if (row.cadence_version === input.toVersion) return row;
    const [moved] = (await trx('follow_ups')
      .where({ workflow_id: input.workflowId })
      .update({ cadence_version: input.toVersion, moved_from: row.cadence_version, moved_at: input.at })
      .returning('*')) as FollowUpRow[];
    return moved;
  });
}

/** Adds a step id to the follow-up's done steps, once. */
export async function markStepDone(db: Knex, input: { workflowId: string; stepId: string }): Promise<void> {
  await db('follow_ups')
    .where({ workflow_id: input.workflowId })
    .whereRaw('not (steps_done @> jsonb_build_array(?::text))', [input.stepId])
    .update({ steps_done: db.raw('steps_done || to_jsonb(?::text)', [input.stepId]) });
}

/** The follow-up is over (`completed`: every step done; `cancelled`). Idempotent. */
export async function finishFollowUp(
  db: Knex,
  input: { workflowId: string; status: Exclude<FollowUpStatus, 'running'>; at: Date },
): Promise<void> {
  await db('follow_ups')
    .where({ workflow_id: input.workflowId, status: 'running' })
    .update({ status: input.status, finished_at: input.at });
}

/** How many follow-ups of the cadence run on each version, by version. */
export async function countRunningByVersion(
  db: Knex,
  cadenceKey: string,
): Promise<{ version: number; running: number }[]> {
  const rows: { version: number; running: number | string }[] = await db('follow_ups')
    .where({ cadence_key: cadenceKey, status: 'running' })
    .groupBy('cadence_version')
    .orderBy('cadence_version')
    .select({ version: 'cadence_version' })
    .count({ running: '*' });
  return rows.map((r) => ({ version: r.version, running: Number(r.running) }));
}

// ---- what the steps' conditions read -------------------------------------------------------------------------

/** The stay's survey score (survey_responses, migration 008), or null when the guest has not answered. */
export async function surveyScore(db: Knex, stayId: string): Promise<number | null> {
  const row = await db<{ stay_id: string; score: number }>('survey_responses')
    .where({ stay_id: stayId })
    .first('score');
  return row?.score ?? null;
}

/**
 * Whether the guest has booked since the anchor: a booking not cancelled that was recorded at or after
 * `since`, or that arrives on or after `sinceDate` (a stay to come), or another stay of theirs arriving on or
 * after `sinceDate`.
 */
export async function bookedSince(
  db: Knex,
  input: { guestId: string; stayId: string; since: Date; sinceDate: string },
): Promise<boolean> {
  const booking = await db<{ id: string; guest_id: string; status: string }>('bookings')
    .where({ guest_id: input.guestId })
    .whereNot({ status: 'cancelled' })
    .whereRaw('(created_at >= ? or arrival >= ?)', [input.since, input.sinceDate])
    .first('id');
  if (booking) return true;
  const stay = await db<{ id: string; guest_id: string }>('stays')
    .where({ guest_id: input.guestId })
    .whereNot({ id: input.stayId })
    .where('arrival', '>=', input.sinceDate)
    .first('id');
  return stay !== undefined;
}
