import type { Knex } from 'knex';

/** Transactional mail goes whatever the guest's marketing choices; marketing mail is planned (domain/mail-policy.ts). */
export type MailClass = 'transactional' | 'marketing';

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
  /** The stored template version the mail was rendered with (template_versions); null: the built-in one. */
  template_version: number | null;
  /**
   * The template's variables as decided when the row was written (migration 015): the mail is rendered from
   * them at its send time with the guest's contact data read then. Null: a row written before (or a staff
   * mail), which goes as rendered when queued.
   */
  facts: MailFacts | null;
}

/** A guest mail's template variables, decided when its outbox row is written. */
export type MailFacts = Record<string, string | number | boolean>;

/** The columns send planning added (migration 006); every row has them, a `PlannedOutboxRow`. */
export interface PlannedFields {
  class: MailClass;
  /** When the mail was planned, on the workflow's clock (the frequency cap counts by it); null: not planned. */
  planned_at: Date | null;
  /** When the planner lets it go (the workflow waits until then); null: at once / not planned. */
  send_at: Date | null;
  /** A marketing mail's signed one-click unsubscribe link (List-Unsubscribe and the footer). */
  unsubscribe_url: string | null;
}

export type PlannedOutboxRow = OutboxRow & PlannedFields;

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
> &
  Partial<Pick<OutboxRow, 'template_version' | 'facts'>>;

/** Queues a mail once per idempotency key; a repeat returns the row already queued (its content unchanged). */
export function enqueue(db: Knex, row: NewOutboxRow): Promise<{ mail: OutboxRow; created: boolean }> {
  return enqueueRow(db, row);
}

/**
 * Queues a planned mail once per idempotency key (pending, with its send time), or records once that the
 * planner skipped it (`suppressionReason`: status `suppressed`, no content). A repeat returns the row there.
 */
export function enqueuePlanned(
  db: Knex,
  row: NewOutboxRow & PlannedFields & { suppressionReason?: string },
): Promise<{ mail: PlannedOutboxRow; created: boolean }> {
  const { suppressionReason, ...fields } = row;
  if (suppressionReason === undefined) return enqueueRow(db, fields);
  return enqueueRow(db, {
    ...fields,
    to_address: '',
    subject: '',
    body_text: '',
    body_html: '',
    unsubscribe_url: null,
    template_version: null,
    facts: null,
    status: 'suppressed',
    suppression_reason: suppressionReason,
  });
}

async function enqueueRow(
  db: Knex,
  row: NewOutboxRow & Partial<Pick<OutboxRow, 'status' | 'suppression_reason'> & PlannedFields>,
): Promise<{ mail: PlannedOutboxRow; created: boolean }> {
  // jsonb: node-postgres would send an object as JSON anyway; explicit, so an array could never be mistaken.
  const values = row.facts ? { ...row, facts: JSON.stringify(row.facts) } : row;
  const [inserted] = (await db('mail_outbox')
    .insert(values)
    .onConflict('idempotency_key')
    .ignore()
    .returning('*')) as PlannedOutboxRow[];
  if (inserted) return { mail: inserted, created: true };
  const existing = await db<PlannedOutboxRow>('mail_outbox')
    .where({ idempotency_key: row.idempotency_key })
    .first();
  if (!existing) throw new Error(`outbox row ${row.idempotency_key} vanished after a conflict`);
  return { mail: existing, created: false };
}

/** A planned mail's row, pending with its content or (`suppressedRow`) suppressed with its reason. */
export type NewPlannedRow = NewOutboxRow &
  PlannedFields &
  Partial<Pick<OutboxRow, 'status' | 'suppression_reason'>>;

/** The row that records a planned mail deliberately not sent, and why: no content. */
export function suppressedRow(
  row: Pick<OutboxRow, 'idempotency_key' | 'message_id' | 'guest_id' | 'template' | 'locale'> &
    Pick<PlannedFields, 'class' | 'planned_at'>,
  reason: string,
): NewPlannedRow {
  return {
    ...row,
    to_address: '',
    subject: '',
    body_text: '',
    body_html: '',
    send_at: null,
    unsubscribe_url: null,
    template_version: null,
    facts: null,
    status: 'suppressed',
    suppression_reason: reason,
  };
}

/**
 * Many planned mails in one statement, once per idempotency key: the rows as they are afterwards (a key already
 * there keeps its row, whatever its status), in no particular order.
 */
export async function enqueuePlannedMany(db: Knex, rows: NewPlannedRow[]): Promise<PlannedOutboxRow[]> {
  if (rows.length === 0) return [];
  const values = rows.map((r) => (r.facts ? { ...r, facts: JSON.stringify(r.facts) } : r));
  const inserted = (await db('mail_outbox')
    .insert(values)
    .onConflict('idempotency_key')
    .ignore()
    .returning('*')) as PlannedOutboxRow[];
  if (inserted.length === rows.length) return inserted;
  const got = new Set(inserted.map((r) => r.idempotency_key));
  const existing = await db<PlannedOutboxRow>('mail_outbox').whereIn(
    'idempotency_key',
    rows.filter((r) => !got.has(r.idempotency_key)).map((r) => r.idempotency_key),
  );
  return [...inserted, ...existing];
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

export async function findByKey(db: Knex, idempotencyKey: string): Promise<PlannedOutboxRow | undefined> {
  return (
    (await db<PlannedOutboxRow>('mail_outbox').where({ idempotency_key: idempotencyKey }).first()) ??
    undefined
  );
}

export async function findById(db: Knex, id: number): Promise<PlannedOutboxRow | undefined> {
  return (await db<PlannedOutboxRow>('mail_outbox').where({ id }).first()) ?? undefined;
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
): Promise<PlannedOutboxRow | undefined> {
  const [row] = await db<PlannedOutboxRow>('mail_outbox')
    .where({ id, status: 'pending' })
    .whereRaw('(claimed_until is null or claimed_until < now())')
    .update({
      claimed_until: db.raw(`now() + make_interval(secs => ?)`, [leaseSeconds]),
      attempts: db.raw('attempts + 1'),
    })
    .returning('*');
  return row;
}

/**
 * Claims pending rows for their first delivery attempt, or the next after one that recorded its answer
 * (`recordError` releases the lease): never a row whose earlier attempt was lost mid-conversation (its lease
 * still set), which may have been accepted. A campaign's mail goes at most once (activities/campaigns.ts). The
 * rows claimed.
 */
export async function claimFirstDeliveries(
  db: Knex,
  ids: number[],
  leaseSeconds: number,
): Promise<PlannedOutboxRow[]> {
  if (ids.length === 0) return [];
  return db<PlannedOutboxRow>('mail_outbox')
    .whereIn('id', ids)
    .where({ status: 'pending' })
    .whereNull('claimed_until')
    .update({
      claimed_until: db.raw(`now() + make_interval(secs => ?)`, [leaseSeconds]),
      attempts: db.raw('attempts + 1'),
    })
    .returning('*');
}

/**
 * What a mail with facts says once rendered at its send time (the guest's address, locale and name then),
 * written by the attempt that holds the row's lease before it talks to the server: the row shows what went.
 */
export async function recordSendContent(
  db: Knex,
  id: number,
  content: Pick<OutboxRow, 'to_address' | 'locale' | 'subject' | 'body_text' | 'body_html'>,
): Promise<void> {
  await db('mail_outbox').where({ id, status: 'pending' }).update(content);
}

/** A pending row whose lease this attempt holds that must not go (its guest is gone): `suppressed`. */
export async function suppressClaimed(db: Knex, id: number, reason: string): Promise<void> {
  await db('mail_outbox')
    .where({ id, status: 'pending' })
    .update({ status: 'suppressed', suppression_reason: reason, claimed_until: null });
}

/** The server accepted the mail. Idempotent: marking a row already sent changes nothing. */
export async function markSent(db: Knex, id: number): Promise<void> {
  await db('mail_outbox')
    .where({ id, status: 'pending' })
    .update({ status: 'sent', sent_at: db.fn.now(), claimed_until: null });
}

/** The server accepted these mails (a campaign's group): idempotent, as `markSent`. */
export async function markSentMany(db: Knex, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db('mail_outbox')
    .whereIn('id', ids)
    .where({ status: 'pending' })
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

/**
 * A pending mail that must not go after all (the guest withdrew consent before its send time): `suppressed`
 * with the reason, unless an attempt holds its lease (that one finishes). True when this call suppressed it.
 */
export async function suppressPending(db: Knex, id: number, reason: string): Promise<boolean> {
  const n = await db('mail_outbox')
    .where({ id, status: 'pending' })
    .whereRaw('(claimed_until is null or claimed_until < now())')
    .update({ status: 'suppressed', suppression_reason: reason, claimed_until: null });
  return n > 0;
}

/**
 * The guest's pending mails not being delivered right now whose key is one of `keys` or starts with `prefix` →
 * `suppressed` with `reason` (a voided stay's follow-up). Returns their ids.
 */
export async function suppressPendingOf(
  db: Knex,
  input: { guestId: string; keys: string[]; prefix: string; reason: string },
): Promise<number[]> {
  const rows: { id: number }[] = await db('mail_outbox')
    .where({ guest_id: input.guestId, status: 'pending' })
    .where((w) => {
      w.whereIn('idempotency_key', input.keys).orWhereRaw('left(idempotency_key, ?) = ?', [
        input.prefix.length,
        input.prefix,
      ]);
    })
    .whereRaw('(claimed_until is null or claimed_until < now())')
    .update({ status: 'suppressed', suppression_reason: input.reason, claimed_until: null })
    .returning('id');
  return rows.map((r) => r.id);
}

/** Every pending marketing mail of the guest not being delivered right now → `suppressed` (an unsubscribe). */
export async function suppressPendingMarketing(db: Knex, guestId: string, reason: string): Promise<number[]> {
  const rows: { id: number }[] = await db('mail_outbox')
    .where({ guest_id: guestId, status: 'pending', class: 'marketing' })
    .whereRaw('(claimed_until is null or claimed_until < now())')
    .update({ status: 'suppressed', suppression_reason: reason, claimed_until: null })
    .returning('id');
  return rows.map((r) => r.id);
}

/** What the guest page shows of a mail: everything but its text, HTML, facts and links. */
const LISTED_COLUMNS = [
  'id',
  'template',
  'class',
  'locale',
  'to_address',
  'subject',
  'message_id',
  'status',
  'send_at',
  'planned_at',
  'suppression_reason',
  'attempts',
  'created_at',
  'sent_at',
] as const;
export type ListedOutboxRow = Pick<PlannedOutboxRow, (typeof LISTED_COLUMNS)[number]>;

/** The guest's mails, newest first, without their bodies (the guest page: `GET /v1/guests/:id`). */
export async function listByGuest(db: Knex, guestId: string): Promise<ListedOutboxRow[]> {
  return db<PlannedOutboxRow>('mail_outbox')
    .where({ guest_id: guestId })
    .orderBy('id', 'desc')
    .select(...LISTED_COLUMNS);
}
