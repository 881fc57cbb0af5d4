import type { Knex } from 'knex';

export interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  before?: unknown;
  after?: unknown;
}

export async function record(db: Knex, entry: AuditEntry): Promise<void> {
  await recordReturningId(db, entry);
}

/** Records the entry and returns its id (a staff action names its entry in what it asks the workflow). */
export async function recordReturningId(db: Knex, entry: AuditEntry): Promise<number> {
  const [row] = await db('audit_log')
    .insert({
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
    })
    .returning<{ id: string | number }[]>('id');
  return Number(row!.id);
}

/** Replaces the entry's `after` (a staff action's facts once it is done: the run it started, what it holds). */
export async function setAfter(db: Knex, id: number, after: unknown): Promise<void> {
  await db('audit_log')
    .where({ id })
    .update({ after: JSON.stringify(after) });
}

/** Whether an entry of `action` about `subject` is recorded. */
export async function hasEntry(db: Knex, subject: string, action: string): Promise<boolean> {
  return (await db('audit_log').where({ subject, action }).first('id')) !== undefined;
}

/** One entry as recorded. */
export interface AuditRow {
  id: number;
  actor: string;
  action: string;
  subject: string;
  before: unknown;
  after: unknown;
  at: Date;
}

/** The newest `limit` entries about `subject` (`guest:<id>`) of `actions`, newest first. */
export async function entriesAbout(
  db: Knex,
  subject: string,
  actions: readonly string[],
  limit: number,
): Promise<AuditRow[]> {
  const rows = await db('audit_log')
    .where({ subject })
    .whereIn('action', actions)
    .orderBy('id', 'desc')
    .limit(limit)
    .select<(Omit<AuditRow, 'id'> & { id: string | number })[]>('*');
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** The audit actions of staff on a guest's workflows (api/audited.ts), the win-back's first. */
export const WIN_BACK_CANCELLED = 'workflow.cancel';
export const WIN_BACK_STARTED = 'guest.win_back.start';
export const GUEST_RELOADED = 'guest.reload';
export const GUEST_RESTARTED = 'guest.restart';
export const STAFF_ACTIONS = [WIN_BACK_CANCELLED, WIN_BACK_STARTED, GUEST_RELOADED, GUEST_RESTARTED] as const;

/**
 * What staff last did to a win-back of the guest dated `fromDay` or later (`after.lapsedOn`, the day its workflow
 * ID names): cancelled it, or started one by hand for the day `lapsedOn`; null when neither. Only entries of a
 * confirmed action count (`after.outcome` `done`). Days, not the rows' times: the workflows' clock names the days,
 * and it may run ahead of Postgres's (the simulator).
 */
export async function lastWinBackAction(
  db: Knex,
  guestId: string,
  fromDay: string,
): Promise<{ action: 'cancelled' } | { action: 'started'; lapsedOn: string } | null> {
  const row = await db('audit_log')
    .where({ subject: `guest:${guestId}` })
    .whereIn('action', [WIN_BACK_CANCELLED, WIN_BACK_STARTED])
    .whereRaw(`after->>'type' = 'winBack'`)
    .whereRaw(`after->>'outcome' = 'done'`)
    .whereRaw(`after->>'lapsedOn' >= ?`, [fromDay])
    .orderBy('id', 'desc')
    .first<{ action: string; lapsed_on: string } | undefined>(
      'action',
      db.raw(`after->>'lapsedOn' as lapsed_on`),
    );
  if (!row) return null;
  return row.action === WIN_BACK_CANCELLED
    ? { action: 'cancelled' }
    : { action: 'started', lapsedOn: row.lapsed_on };
}
