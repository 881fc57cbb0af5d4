import type { Knex } from 'knex';

export interface PmsEventRow {
  id: string;
  type: string;
  occurred_at: Date;
  received_at: Date;
  payload_hash: string;
  payload: unknown;
  guest_id: string | null;
  workflow_id: string | null;
  signalled_at: Date | null;
  handled_at: Date | null;
  rejected_at: Date | null;
  rejection_reason: string | null;
  redrive_count: number;
  redriven_at: Date | null;
  /** The GuestMessage the API signalled for this event (ids and facts): what the sweeper re-signals. */
  message: unknown;
}

/** Records a received event once per event ID; a repeat returns the row already there. */
export async function insertIfAbsent(
  db: Knex,
  input: {
    id: string;
    type: string;
    occurredAt: Date;
    payloadHash: string;
    payload: unknown;
    guestId: string;
    workflowId: string;
    /** The message signalled for the event (no personal data). */
    message?: unknown;
  },
): Promise<{ event: PmsEventRow; created: boolean }> {
  const [inserted] = (await db('pms_events')
    .insert({
      id: input.id,
      type: input.type,
      occurred_at: input.occurredAt,
      payload_hash: input.payloadHash,
      payload: JSON.stringify(input.payload),
      guest_id: input.guestId,
      workflow_id: input.workflowId,
      message: input.message === undefined ? null : JSON.stringify(input.message),
    })
    .onConflict('id')
    .ignore()
    .returning('*')) as PmsEventRow[];
  if (inserted) return { event: inserted, created: true };
  const existing = await findById(db, input.id);
  if (!existing) throw new Error(`PMS event ${input.id} vanished after a conflict`);
  return { event: existing, created: false };
}

export async function findById(db: Knex, id: string): Promise<PmsEventRow | undefined> {
  return (await db<PmsEventRow>('pms_events').where({ id }).first()) ?? undefined;
}

/**
 * Temporal accepted the signal for these events: one statement for a whole batch (the API writes the
 * marks behind its answers, see api/pms/signalled-marks.ts). A mark already there is kept.
 */
export async function markSignalled(db: Knex, ids: string | readonly string[]): Promise<void> {
  const list = typeof ids === 'string' ? [ids] : ids;
  if (list.length === 0) return;
  await db('pms_events').whereIn('id', list).whereNull('signalled_at').update({ signalled_at: db.fn.now() });
}

/** The event's effects are written (call in the same transaction as the effects). */
export async function markHandled(db: Knex, id: string): Promise<void> {
  await db('pms_events').where({ id }).whereNull('handled_at').update({ handled_at: db.fn.now() });
}

/** The guest's workflow refused the event; `reason` is a summary without personal data. */
export async function markRejected(db: Knex, id: string, reason: string): Promise<void> {
  await db('pms_events')
    .where({ id })
    .whereNull('handled_at')
    .update({ rejected_at: db.fn.now(), rejection_reason: reason.slice(0, 500) });
}

/**
 * Events the sweeper should hand (again) to their guest's workflow, oldest
 * first, at most `limit`: never signalled and older than `unsignalledAfterSeconds`,
 * or signalled but neither handled nor rejected `unhandledAfterSeconds` after
 * the last signal (the run that got it failed or was terminated). An event
 * re-driven recently waits twice as long each time (capped at a day).
 */
export async function listForRedrive(
  db: Knex,
  opts: { unsignalledAfterSeconds: number; unhandledAfterSeconds: number; limit: number },
): Promise<PmsEventRow[]> {
  return db<PmsEventRow>('pms_events')
    .whereNull('handled_at')
    .whereNull('rejected_at')
    .whereNotNull('guest_id')
    .where((q) => {
      void q
        .where((u) => {
          void u
            .whereNull('signalled_at')
            .whereRaw('received_at < now() - make_interval(secs => ?)', [opts.unsignalledAfterSeconds]);
        })
        .orWhere((s) => {
          void s
            .whereNotNull('signalled_at')
            .whereRaw(
              'coalesce(redriven_at, signalled_at) < now() - make_interval(secs => least(86400, ? * power(2, redrive_count)))',
              [opts.unhandledAfterSeconds],
            );
        });
    })
    .orderBy('received_at')
    .limit(opts.limit);
}

/** The sweeper signalled the event again. */
export async function markRedriven(db: Knex, id: string): Promise<void> {
  await db('pms_events')
    .where({ id })
    .update({
      redrive_count: db.raw('redrive_count + 1'),
      redriven_at: db.fn.now(),
      signalled_at: db.raw('coalesce(signalled_at, now())'),
    });
}
