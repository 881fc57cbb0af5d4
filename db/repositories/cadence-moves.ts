/**
 * A marketer's requests to move running follow-ups to another cadence version (migration 010,
 * `cadence_move_requests`), and what the dry run of a move reads about the running follow-ups.
 */
import type { Knex } from 'knex';

export interface MoveResult {
  moved: number;
  failed: { workflowId: string; reason: string; message: string }[];
}

export interface MoveRequestRow {
  id: string;
  cadence_key: string;
  from_version: number;
  to_version: number;
  batch_limit: number;
  workflow_ids: string[];
  requested_by: string;
  created_at: Date;
  result: MoveResult | null;
  finished_at: Date | null;
}

/**
 * Records the request with the follow-ups it moves: up to `limit` running on `fromVersion`, in workflow-id
 * order, chosen in the insert's transaction. A repeat of the id returns the row there (`created` false).
 */
export async function insertIfAbsent(
  db: Knex,
  input: {
    id: string;
    cadenceKey: string;
    fromVersion: number;
    toVersion: number;
    limit: number;
    requestedBy: string;
  },
): Promise<{ request: MoveRequestRow; created: boolean }> {
  return db.transaction(async (trx) => {
    const existing = await trx<MoveRequestRow>('cadence_move_requests').where({ id: input.id }).first();
    if (existing) return { request: existing, created: false };
    const chosen = await trx('follow_ups')
      .where({ cadence_key: input.cadenceKey, cadence_version: input.fromVersion, status: 'running' })
      .orderBy('workflow_id')
      .limit(input.limit)
      .pluck<string[]>('workflow_id');
    const [row] = (await trx('cadence_move_requests')
      .insert({
        id: input.id,
        cadence_key: input.cadenceKey,
        from_version: input.fromVersion,
        to_version: input.toVersion,
        batch_limit: input.limit,
        workflow_ids: JSON.stringify(chosen),
        requested_by: input.requestedBy,
      })
      .onConflict('id')
      .ignore()
      .returning('*')) as MoveRequestRow[];
    if (row) return { request: row, created: true };
    // A concurrent request with the same id got there first.
    const raced = await trx<MoveRequestRow>('cadence_move_requests').where({ id: input.id }).first();
    return { request: raced!, created: false };
  });
}

export async function finish(db: Knex, id: string, result: MoveResult): Promise<void> {
  await db('cadence_move_requests')
    .where({ id })
    .update({ result: JSON.stringify(result), finished_at: db.fn.now() });
}

/** Running follow-ups of the cadence on `version` still (after a move: what is left). */
export async function runningOn(db: Knex, cadenceKey: string, version: number): Promise<number> {
  const row = (await db('follow_ups')
    .where({ cadence_key: cadenceKey, cadence_version: version, status: 'running' })
    .count({ n: '*' })
    .first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** Per version of the cadence: how many running follow-ups have done each step id. */
export async function stepsDoneByVersion(
  db: Knex,
  cadenceKey: string,
): Promise<{ version: number; step: string; done: number }[]> {
  const { rows } = await db.raw<{ rows: { version: number; step: string; done: string }[] }>(
    `select f.cadence_version as version, s.step, count(*) as done
       from follow_ups f, jsonb_array_elements_text(f.steps_done) as s(step)
      where f.cadence_key = ? and f.status = 'running'
      group by f.cadence_version, s.step
      order by f.cadence_version, s.step`,
    [cadenceKey],
  );
  return rows.map((r) => ({ version: r.version, step: r.step, done: Number(r.done) }));
}
