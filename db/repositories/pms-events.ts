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

export async function markSignalled(db: Knex, id: string): Promise<void> {
  await db('pms_events').where({ id }).whereNull('signalled_at').update({ signalled_at: db.fn.now() });
}
