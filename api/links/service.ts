/**
 * What the "why did you leave" link reads and writes: the guest's locale and current answer, and an answer
 * stored on the guest row with its audit entry in one transaction, then handed to the guest's workflow as a
 * `churn.reason_given` message (ids and facts: the reason itself stays in Postgres).
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/knex.js';
import * as audit from '../../db/repositories/audit.js';
import type { ChurnReasonGivenMessage } from '../../domain/messages.js';
import { signalGuest } from '../../lib/signal-guest.js';
import type { ChurnReason } from './pages.js';

export interface LinksServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

/** The actor of changes a guest makes through a link in a mail (audit_log.actor). */
export const LINK_ACTOR = 'guest:link';
export const CHURN_REASON_ACTION = 'guest.churn_reason';

interface GuestChurnRow {
  id: string;
  locale: string;
  churn_reason: string | null;
  churn_reason_at: Date | null;
  updated_at: Date;
}

export async function findGuest(db: Db, guestId: string): Promise<GuestChurnRow | undefined> {
  return (
    (await db<GuestChurnRow>('guests')
      .where({ id: guestId })
      .first('id', 'locale', 'churn_reason', 'churn_reason_at')) ?? undefined
  );
}

export interface RecordedAnswer {
  reason: ChurnReason;
  recordedAt: Date;
  eventId: string;
}

/**
 * Stores the answer (replacing an earlier one) and its audit entry; undefined when the guest is gone. The
 * message id is chosen here so the audit entry names the message the workflow receives.
 */
export async function storeChurnReason(
  db: Db,
  guestId: string,
  reason: ChurnReason,
): Promise<RecordedAnswer | undefined> {
  return db.transaction(async (trx) => {
    const before = await trx<GuestChurnRow>('guests')
      .where({ id: guestId })
      .forUpdate()
      .first('id', 'churn_reason');
    if (!before) return undefined;
    const [after] = await trx<GuestChurnRow>('guests')
      .where({ id: guestId })
      .update({ churn_reason: reason, churn_reason_at: trx.fn.now(), updated_at: trx.fn.now() })
      .returning(['churn_reason_at']);
    const recordedAt = after!.churn_reason_at!;
    const eventId = randomUUID();
    await audit.record(trx, {
      actor: LINK_ACTOR,
      action: CHURN_REASON_ACTION,
      subject: `guest:${guestId}`,
      before: { churn_reason: before.churn_reason },
      after: { churn_reason: reason, eventId },
    });
    return { reason, recordedAt, eventId };
  });
}

/** Tells the guest's workflow that the guest answered (signal-with-start, as every guest message). */
export async function tellWorkflow(
  deps: LinksServiceDeps,
  guestId: string,
  answer: RecordedAnswer,
): Promise<void> {
  const message: ChurnReasonGivenMessage = {
    type: 'churn.reason_given',
    eventId: answer.eventId,
    source: 'link',
    occurredAt: answer.recordedAt.toISOString(),
  };
  await signalGuest(deps.temporal, { guestId, taskQueue: deps.taskQueue, message });
}
