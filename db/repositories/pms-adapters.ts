/** The PMS adapters' rows (migration 028): webhook deliveries to work, and catch-up syncs with their summaries. */
import type { Knex } from 'knex';

export type DeliveryStatus = 'pending' | 'done' | 'parked';
export type FeedOutcome = 'new' | 'known' | 'rejected';

export interface DeliveryRow {
  id: string;
  adapter: string;
  delivery_id: string | null;
  kind: string;
  reservation_id: string;
  property_id: string | null;
  received_at: Date;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  leased_until: Date | null;
  last_error: string | null;
  outcome: FeedOutcome | null;
  event_id: string | null;
  rejection_reason: string | null;
  done_at: Date | null;
  parked_at: Date | null;
  parked_reason: string | null;
  redrive_count: number;
  redriven_at: Date | null;
  redriven_by: string | null;
}

export interface NewDelivery {
  adapter: string;
  /** The PMS's id of the delivery (Apaleo's `id`): a repeat of it is not recorded again. */
  deliveryId?: string | undefined;
  kind: string;
  reservationId: string;
  propertyId?: string | undefined;
}

/**
 * Records deliveries in one statement. One with a `deliveryId` already recorded is skipped (Apaleo's at least
 * once); one naming a reservation that already waits (pending) is skipped too: its work will fetch the
 * reservation as it is then. Returns the rows written.
 */
export async function recordDeliveries(db: Knex, deliveries: readonly NewDelivery[]): Promise<DeliveryRow[]> {
  if (deliveries.length === 0) return [];
  const { rows } = await db.raw<{ rows: DeliveryRow[] }>(
    `
    with incoming as (
      select distinct on (adapter, reservation_id, coalesce(delivery_id, '')) *
      from jsonb_to_recordset(?::jsonb)
        as d(adapter text, delivery_id text, kind text, reservation_id text, property_id text)
    )
    insert into pms_deliveries (adapter, delivery_id, kind, reservation_id, property_id)
    select i.adapter, i.delivery_id, i.kind, i.reservation_id, i.property_id
    from incoming i
    where not exists (
      select 1 from pms_deliveries p
      where p.adapter = i.adapter and p.reservation_id = i.reservation_id and p.status = 'pending'
    )
    on conflict (adapter, delivery_id) do nothing
    returning *`,
    [
      JSON.stringify(
        deliveries.map((d) => ({
          adapter: d.adapter,
          delivery_id: d.deliveryId ?? null,
          kind: d.kind,
          reservation_id: d.reservationId,
          property_id: d.propertyId ?? null,
        })),
      ),
    ],
  );
  return rows;
}

export async function findDelivery(
  db: Knex,
  adapter: string,
  deliveryId: string,
): Promise<DeliveryRow | undefined> {
  return (
    (await db<DeliveryRow>('pms_deliveries').where({ adapter, delivery_id: deliveryId }).first()) ?? undefined
  );
}

export async function getDelivery(db: Knex, id: string): Promise<DeliveryRow | undefined> {
  return (await db<DeliveryRow>('pms_deliveries').where({ id }).first()) ?? undefined;
}

/**
 * Takes up to `limit` due deliveries under a lease of `leaseSeconds` (others skip them), counting the attempt.
 * A lease that ran out (the API stopped mid-work) makes the row due again.
 */
export async function claimDue(db: Knex, limit: number, leaseSeconds: number): Promise<DeliveryRow[]> {
  const { rows } = await db.raw<{ rows: DeliveryRow[] }>(
    `
    update pms_deliveries d
    set leased_until = now() + make_interval(secs => ?), attempts = d.attempts + 1
    where d.id in (
      select id from pms_deliveries
      where status = 'pending' and next_attempt_at <= now() and (leased_until is null or leased_until < now())
      order by next_attempt_at, id
      limit ?
      for update skip locked
    )
    returning d.*`,
    [leaseSeconds, limit],
  );
  return rows;
}

export async function markDone(
  db: Knex,
  id: string,
  result: { outcome: FeedOutcome; eventId?: string | undefined; reason?: string | undefined },
): Promise<void> {
  await db('pms_deliveries')
    .where({ id })
    .update({
      status: 'done',
      outcome: result.outcome,
      event_id: result.eventId ?? null,
      rejection_reason: result.reason ?? null,
      done_at: db.fn.now(),
      leased_until: null,
    });
}

/** A failed attempt: tried again after `delayMs`. */
export async function markRetry(db: Knex, id: string, error: string, delayMs: number): Promise<void> {
  await db.raw(
    `update pms_deliveries
     set last_error = ?, leased_until = null, next_attempt_at = now() + make_interval(secs => ?)
     where id = ?`,
    [error, delayMs / 1000, id],
  );
}

export async function markParked(db: Knex, id: string, reason: string): Promise<void> {
  await db('pms_deliveries').where({ id }).update({
    status: 'parked',
    last_error: reason,
    parked_reason: reason,
    parked_at: db.fn.now(),
    leased_until: null,
  });
}

export async function listDeliveries(
  db: Knex,
  opts: { status?: DeliveryStatus | undefined; limit: number },
): Promise<DeliveryRow[]> {
  const q = db<DeliveryRow>('pms_deliveries');
  if (opts.status) q.where({ status: opts.status });
  return q
    .orderBy(opts.status === 'parked' ? 'parked_at' : 'received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(opts.limit);
}

export async function countByStatus(db: Knex): Promise<Record<DeliveryStatus, number>> {
  const rows = await db('pms_deliveries')
    .select('status')
    .count<{ status: DeliveryStatus; count: string }[]>('* as count')
    .groupBy('status');
  const counts: Record<DeliveryStatus, number> = { pending: 0, done: 0, parked: 0 };
  for (const r of rows) counts[r.status] = Number(r.count);
  return counts;
}

/** A parked delivery back to work: due now, its attempts counted afresh. Undefined when it is not parked. */
export async function redrive(db: Knex, id: string, actor: string): Promise<DeliveryRow | undefined> {
  const [row] = (await db('pms_deliveries')
    .where({ id, status: 'parked' })
    .update({
      status: 'pending',
      attempts: 0,
      next_attempt_at: db.fn.now(),
      leased_until: null,
      redrive_count: db.raw('redrive_count + 1'),
      redriven_at: db.fn.now(),
      redriven_by: actor,
    })
    .returning('*')) as DeliveryRow[];
  return row;
}

// --- what the feed reads -------------------------------------------------------------------------------------

/** The revenue a PMS stay was recorded with, if it was. */
export async function recordedStay(
  db: Knex,
  source: string,
  pmsStayId: string,
): Promise<{ room_revenue: string; currency: string } | undefined> {
  return (
    (await db('stays')
      .where({ source, pms_stay_id: pmsStayId })
      .first<{ room_revenue: string; currency: string } | undefined>('room_revenue', 'currency')) ?? undefined
  );
}

/** Each property's zone, from its settings. */
export async function propertyZones(db: Knex): Promise<Record<string, string>> {
  const rows = await db('property_settings')
    .whereNotNull('timezone')
    .select<{ property_code: string; timezone: string }[]>('property_code', 'timezone');
  return Object.fromEntries(rows.map((r) => [r.property_code, r.timezone]));
}

// --- syncs ---------------------------------------------------------------------------------------------------

export interface SyncRow {
  id: string;
  adapter: string;
  since: string;
  until: string;
  status: 'running' | 'done' | 'failed';
  started_by: string;
  started_at: Date;
  heartbeat_at: Date;
  finished_at: Date | null;
  total: number | null;
  seen: number;
  new_count: number;
  known_count: number;
  rejected_count: number;
  /** Reason → how many reservations it rejected. */
  reasons: Record<string, number>;
  /** The first rejections, each with its reservation. */
  rejections: { reservationId: string; reason: string }[];
  error: string | null;
}

const syncSelect = (db: Knex) =>
  db('pms_syncs').select('*', db.raw('since::text as since'), db.raw('until::text as until'));

export async function createSync(
  db: Knex,
  input: { adapter: string; since: string; until: string; startedBy: string },
): Promise<SyncRow> {
  const [row] = await db('pms_syncs')
    .insert({ adapter: input.adapter, since: input.since, until: input.until, started_by: input.startedBy })
    .returning<{ id: string }[]>('id');
  return (await getSync(db, row!.id))!;
}

export async function getSync(db: Knex, id: string): Promise<SyncRow | undefined> {
  return ((await syncSelect(db).where({ id }).first()) as SyncRow | undefined) ?? undefined;
}

export async function listSyncs(db: Knex, limit: number): Promise<SyncRow[]> {
  return (await syncSelect(db).orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit)) as SyncRow[];
}

export interface SyncProgress {
  total?: number | undefined;
  seen: number;
  newCount: number;
  knownCount: number;
  rejectedCount: number;
  reasons: Record<string, number>;
  rejections: { reservationId: string; reason: string }[];
}

export async function saveSyncProgress(db: Knex, id: string, p: SyncProgress): Promise<void> {
  await db('pms_syncs')
    .where({ id })
    .update({
      total: p.total ?? null,
      seen: p.seen,
      new_count: p.newCount,
      known_count: p.knownCount,
      rejected_count: p.rejectedCount,
      reasons: JSON.stringify(p.reasons),
      rejections: JSON.stringify(p.rejections),
      heartbeat_at: db.fn.now(),
    });
}

export async function finishSync(db: Knex, id: string, error?: string): Promise<void> {
  await db('pms_syncs')
    .where({ id })
    .update({
      status: error ? 'failed' : 'done',
      error: error ?? null,
      finished_at: db.fn.now(),
      heartbeat_at: db.fn.now(),
    });
}

/** Syncs whose process stopped (no heartbeat for `staleSeconds`): failed, saying so. */
export async function failStaleSyncs(db: Knex, staleSeconds: number): Promise<number> {
  return db('pms_syncs')
    .where({ status: 'running' })
    .andWhere('heartbeat_at', '<', db.raw('now() - make_interval(secs => ?)', [staleSeconds]))
    .update({
      status: 'failed',
      error: 'interrupted: the process running it stopped',
      finished_at: db.fn.now(),
    });
}
