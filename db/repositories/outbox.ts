import type { Knex } from 'knex';

export interface OutboxRow {
  id: number;
  idempotency_key: string;
  message_id: string;
  guest_id: string;
  template: string;
  locale: string;
  to_address: string;
  subject: string;
  body_text: string;
  body_html: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

export type NewOutboxRow = Pick<
  OutboxRow,
  | 'idempotency_key'
  | 'message_id'
  | 'guest_id'
  | 'template'
  | 'locale'
  | 'to_address'
  | 'subject'
  | 'body_text'
  | 'body_html'
>;

/** Queues a mail once per idempotency key; a repeat returns the row already queued (its content unchanged). */
export async function enqueue(db: Knex, row: NewOutboxRow): Promise<{ mail: OutboxRow; created: boolean }> {
  const [inserted] = (await db('mail_outbox')
    .insert(row)
    .onConflict('idempotency_key')
    .ignore()
    .returning('*')) as OutboxRow[];
  if (inserted) return { mail: inserted, created: true };
  const existing = await db<OutboxRow>('mail_outbox').where({ idempotency_key: row.idempotency_key }).first();
  if (!existing) throw new Error(`outbox row ${row.idempotency_key} vanished after a conflict`);
  return { mail: existing, created: false };
}

export async function findById(db: Knex, id: number): Promise<OutboxRow | undefined> {
  return (await db<OutboxRow>('mail_outbox').where({ id }).first()) ?? undefined;
}

export async function markAttempt(db: Knex, id: number): Promise<void> {
  await db('mail_outbox').where({ id }).increment('attempts', 1);
}

export async function markSent(db: Knex, id: number): Promise<void> {
  await db('mail_outbox')
    .where({ id, status: 'pending' })
    .update({ status: 'sent', sent_at: db.fn.now(), last_error: null });
}

export async function recordError(db: Knex, id: number, error: string): Promise<void> {
  await db('mail_outbox')
    .where({ id })
    .update({ last_error: error.slice(0, 2000) });
}

export async function listByGuest(db: Knex, guestId: string): Promise<OutboxRow[]> {
  return db<OutboxRow>('mail_outbox').where({ guest_id: guestId }).orderBy('id', 'desc');
}
