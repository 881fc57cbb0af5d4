/**
 * Requests of staff (redemptions, adjustments, tier floors) with their free
 * text, keyed by the request id that is also the Temporal Update id: workflow
 * history carries the id and numbers, Postgres the words. A request is
 * `pending` while the guest's workflow decides, `applied` with its result
 * once done; a request the workflow refuses is deleted (it wrote nothing).
 */
import type { Knex } from 'knex';
import * as audit from './audit.js';
import { insertPendingIfAbsent } from './request-rows.js';

export type StaffRequestKind = 'redemption' | 'adjustment' | 'tier_floor';
export type StaffRequestStatus = 'pending' | 'applied' | 'rejected';

export interface StaffRequestRow {
  id: string;
  guest_id: string;
  kind: StaffRequestKind;
  body: Record<string, unknown>;
  actor: string;
  status: StaffRequestStatus;
  result: Record<string, unknown> | null;
  created_at: Date;
  decided_at: Date | null;
}

export async function findById(db: Knex, id: string): Promise<StaffRequestRow | undefined> {
  return (await db<StaffRequestRow>('staff_requests').where({ id }).first()) ?? undefined;
}

/** Records a pending request unless its id is known; returns the row there. */
export async function insertIfAbsent(
  db: Knex,
  input: { id: string; guestId: string; kind: StaffRequestKind; body: object; actor: string },
): Promise<{ request: StaffRequestRow; created: boolean }> {
  const { id, guestId, kind, body, actor } = input;
  return insertPendingIfAbsent<StaffRequestRow>(db, 'staff_requests', {
    id,
    guest_id: guestId,
    kind,
    body,
    actor,
  });
}

/**
 * Marks a pending request applied with its result and audits it with the requester's name, in one
 * transaction; returns false (and writes nothing) when it is no longer pending, e.g. because the
 * activity that applied it already did both.
 */
export async function markApplied(
  db: Knex,
  input: { id: string; result: object; action: string; subject: string },
): Promise<boolean> {
  return db.transaction(async (trx) => {
    const [row] = (await trx('staff_requests')
      .where({ id: input.id, status: 'pending' })
      .update({ status: 'applied', result: JSON.stringify(input.result), decided_at: trx.fn.now() })
      .returning('*')) as StaffRequestRow[];
    if (!row) return false;
    await audit.record(trx, {
      actor: row.actor,
      action: input.action,
      subject: input.subject,
      after: { requestId: row.id, ...row.body, result: input.result },
    });
    return true;
  });
}

/**
 * Marks the request applied with its result, whatever its status (the guest's workflow applied it, in the
 * transaction of what it wrote); the caller audits it.
 */
export async function setApplied(db: Knex, id: string, result: object): Promise<void> {
  await db('staff_requests')
    .where({ id })
    .update({ status: 'applied', result: JSON.stringify(result), decided_at: db.fn.now() });
}

/** Removes a request the workflow refused, unless something applied it meanwhile. */
export async function deletePending(db: Knex, id: string): Promise<boolean> {
  return (await db('staff_requests').where({ id, status: 'pending' }).delete()) > 0;
}
