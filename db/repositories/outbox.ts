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
  status: 'pending' | 'sent' | 'failed' | 'suppressed';
  /** Why a mail was deliberately not sent (status `suppressed`). */
  suppression_reason: string | null;
  attempts: number;
  claimed_until: Date | null;
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
export function enqueue(db: Knex, row: NewOutboxRow): Promise<{ mail: OutboxRow; created: boolean }> {
  return enqueueRow(db, row);
}

async function enqueueRow(
  db: Knex,
  row: NewOutboxRow | (NewOutboxRow & Pick<OutboxRow, 'status' | 'suppression_reason'>),
): Promise<{ mail: OutboxRow; created: boolean }> {
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

/**
 * Records, once per idempotency key, that a mail was deliberately not sent and
 * why: a row with status `suppressed` and no content. A repeat returns the row
 * already there (whatever its status).
 */
export async function suppress(
  db: Knex,
  row: Pick<OutboxRow, 'idempotency_key' | 'message_id' | 'guest_id' | 'template' | 'locale'> & {
    reason: string;
  },
): Promise<{ mail: OutboxRow; created: boolean }> {
  return enqueueRow(db, {
    idempotency_key: row.idempotency_key,
    message_id: row.message_id,
    guest_id: row.guest_id,
    template: row.template,
    locale: row.locale,
    to_address: '',
    subject: '',
    body_text: '',
    body_html: '',
    status: 'suppressed',
    suppression_reason: row.reason,
  });
}

export async function findByKey(db: Knex, idempotencyKey: string): Promise<OutboxRow | undefined> {
  return (await db<OutboxRow>('mail_outbox').where({ idempotency_key: idempotencyKey }).first()) ?? undefined;
}

export async function findById(db: Knex, id: number): Promise<OutboxRow | undefined> {
  return (await db<OutboxRow>('mail_outbox').where({ id }).first()) ?? undefined;
}

/**
 * Claims a pending row for one delivery attempt: a lease of `leaseSeconds`
 * that no other attempt can take while it runs. Undefined when the row is not
 * pending or another attempt holds it.
 */
export async function claimForDelivery(
  db: Knex,
  id: number,
  leaseSeconds: number,
): Promise<OutboxRow | undefined> {
  const [row] = await db<OutboxRow>('mail_outbox')
    .where({ id, status: 'pending' })
    .whereRaw('(claimed_until is null or claimed_until < now())')
    .update({
      claimed_until: db.raw(`now() + make_interval(secs => ?)`, [leaseSeconds]),
      attempts: db.raw('attempts + 1'),
    })
    .returning('*');
  return row;
}

/** The server accepted the mail. Idempotent: marking a row already sent changes nothing. */
export async function markSent(db: Knex, id: number): Promise<void> {
  await db('mail_outbox')
    .where({ id, status: 'pending' })
    .update({ status: 'sent', sent_at: db.fn.now(), claimed_until: null });
}

/** Notes a failed attempt and releases the lease; `permanent` marks the row failed for good. */
export async function recordError(db: Knex, id: number, error: string, permanent: boolean): Promise<void> {
  await db('mail_outbox')
    .where({ id, status: 'pending' })
    .update({
      last_error: error.slice(0, 2000),
      claimed_until: null,
      ...(permanent ? { status: 'failed' } : {}),
    });
}

export async function listByGuest(db: Knex, guestId: string): Promise<OutboxRow[]> {
  return db<OutboxRow>('mail_outbox').where({ guest_id: guestId }).orderBy('id', 'desc');
}
