/**
 * What the links in mails read and write. The "why did you leave" link: the guest's locale and current
 * answer, and an answer stored on the guest row with its audit entry in one transaction, then handed to the
 * guest's workflow as a `churn.reason_given` message (ids and facts: the reason itself stays in Postgres).
 * The unsubscribe link: marketing consent off with its audit entry (and the guest's pending marketing mails
 * suppressed) in one transaction, then a `profile.updated` message to the guest's workflow.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/knex.js';
import * as audit from '../../db/repositories/audit.js';
import * as outbox from '../../db/repositories/outbox.js';
import type { ChurnReasonGivenMessage, ProfileUpdatedMessage } from '../../domain/messages.js';
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
export const CONSENT_OFF_ACTION = 'guest.marketing_consent_off';

interface GuestChurnRow {
  id: string;
  locale: string;
  churn_reason: string | null;
  churn_reason_at: Date | null;
  marketing_consent: boolean;
  updated_at: Date;
}

export async function findGuest(db: Db, guestId: string): Promise<GuestChurnRow | undefined> {
  return (
    (await db<GuestChurnRow>('guests')
      .where({ id: guestId })
      .first('id', 'locale', 'churn_reason', 'churn_reason_at', 'marketing_consent')) ?? undefined
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

export interface ConsentWithdrawn {
  /** False when consent was already off: nothing written, nothing to tell. */
  changed: boolean;
  at: Date;
  eventId: string;
  /** Pending marketing mails of the guest that will not go now. */
  suppressedMails: number[];
}

/**
 * Turns the guest's marketing consent off at once, under the guest's row lock (the mail planner takes the
 * same lock, so a mail is either planned before, and suppressed here, or planned after, and skipped there):
 * the audit entry, and every pending marketing mail not being delivered right now becomes `suppressed`.
 * Undefined when the guest is gone; `changed: false` when consent was off already.
 */
export async function withdrawMarketingConsent(
  db: Db,
  guestId: string,
): Promise<ConsentWithdrawn | undefined> {
  return db.transaction(async (trx) => {
    const before = await trx<GuestChurnRow>('guests')
      .where({ id: guestId })
      .forNoKeyUpdate()
      .first('id', 'marketing_consent');
    if (!before) return undefined;
    const eventId = randomUUID();
    if (!before.marketing_consent) return { changed: false, at: new Date(), eventId, suppressedMails: [] };
    const [after] = await trx<GuestChurnRow>('guests')
      .where({ id: guestId })
      .update({ marketing_consent: false, updated_at: trx.fn.now() })
      .returning(['updated_at']);
    const suppressedMails = await outbox.suppressPendingMarketing(
      trx,
      guestId,
      'no_marketing_consent: unsubscribed before its send time',
    );
    await audit.record(trx, {
      actor: LINK_ACTOR,
      action: CONSENT_OFF_ACTION,
      subject: `guest:${guestId}`,
      before: { marketing_consent: true },
      after: { marketing_consent: false, eventId, suppressedMails },
    });
    return { changed: true, at: after!.updated_at, eventId, suppressedMails };
  });
}

/** Tells the guest's workflow that marketing consent is off (a `profile.updated` message from a link). */
export async function tellConsentWithdrawn(
  deps: LinksServiceDeps,
  guestId: string,
  withdrawn: ConsentWithdrawn,
): Promise<void> {
  const message: ProfileUpdatedMessage = {
    type: 'profile.updated',
    eventId: withdrawn.eventId,
    source: 'link',
    occurredAt: withdrawn.at.toISOString(),
    changed: ['marketingConsent'],
    marketingConsent: false,
  };
  await signalGuest(deps.temporal, { guestId, taskQueue: deps.taskQueue, message });
}
