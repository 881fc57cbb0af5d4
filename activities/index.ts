/**
 * The side effects of the guest lifecycle, built from their dependencies
 * (samples-typescript style): `createActivities({ db, mailer, mail })`.
 * Every write is idempotent, keyed by the caller's idempotency key, so a
 * retried activity changes nothing.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { Transporter } from 'nodemailer';
import type { Db } from '../db/knex.js';
import * as guests from '../db/repositories/guests.js';
import * as ledger from '../db/repositories/ledger.js';
import * as outbox from '../db/repositories/outbox.js';
import * as program from '../db/repositories/program.js';
import * as stays from '../db/repositories/stays.js';
import type { StayCompletedEvent } from '../domain/types.js';
import { noFaults, type FaultInjector } from './faults.js';
import { renderTemplate } from './mail/templates.js';

export interface ActivityDeps {
  db: Db;
  mailer: Transporter;
  mail: { from: string; messageIdDomain: string };
  faults?: FaultInjector;
}

export interface LastStay {
  stayId: string;
  pmsStayId: string;
  propertyCode: string;
  arrival: string;
  departure: string;
  nights: number;
}

export interface GuestStanding {
  totalStays: number;
  totalNights: number;
  yearStays: number;
  yearNights: number;
  yearBasePoints: number;
  pointsBalance: number;
  lastStay: LastStay | null;
}

/** A stable Message-ID per outbox key, so a redelivered mail is recognisably the same mail. */
export function messageIdFor(idempotencyKey: string, domain: string): string {
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
}

/** Longer than the mailer's connection + greeting + socket timeouts (lib/runtime.ts createMailer). */
export const DELIVERY_LEASE_SECONDS = 120;

/**
 * PostgreSQL errors that the same input will raise again (data exceptions,
 * integrity violations): retrying cannot help, so they become non-retryable
 * and the guest's workflow records them instead of retrying forever.
 */
async function failFastOnDataErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code)) {
      throw ApplicationFailure.nonRetryable(
        `database rejected the data (${code}): ${(err as Error).message}`,
        'DataRejected',
      );
    }
    throw err;
  }
}

export function createActivities(deps: ActivityDeps) {
  const { db, mailer } = deps;
  const faults = deps.faults ?? noFaults;

  return {
    async getProgramSettings(): Promise<program.ProgramSettings> {
      return program.getSettings(db);
    },

    /** Records the stay once per (source, pmsStayId). */
    async recordStay(input: {
      guestId: string;
      event: StayCompletedEvent;
    }): Promise<{ stayId: string; created: boolean }> {
      const { event } = input;
      try {
        const { stay, created } = await failFastOnDataErrors(() =>
          stays.insertIfAbsent(db, {
            guestId: input.guestId,
            source: event.source,
            eventId: event.eventId,
            checkedOutAt: new Date(event.occurredAt),
            stay: event.stay,
          }),
        );
        return { stayId: stay.id, created };
      } catch (err) {
        if (err instanceof stays.StayOwnedByAnotherGuestError) {
          throw ApplicationFailure.nonRetryable(err.message, 'StayOwnedByAnotherGuest');
        }
        throw err;
      }
    },

    /** Posts a points movement once per idempotency key; returns the entry's points and the balance after it. */
    async postPoints(input: {
      guestId: string;
      points: number;
      reason: ledger.LedgerReason;
      stayId?: string;
      idempotencyKey: string;
    }): Promise<{ points: number; balanceAfter: number; created: boolean }> {
      const { entry, created } = await failFastOnDataErrors(() => ledger.post(db, input));
      faults('ledger.afterPost');
      return { points: entry.points, balanceAfter: entry.balance_after, created };
    },

    /** What Postgres says about the guest now: the figures the workflow decides from. */
    async getGuestStanding(input: { guestId: string; year: number }): Promise<GuestStanding> {
      const [summary, yearBasePoints, pointsBalance] = await Promise.all([
        stays.summary(db, input.guestId, input.year),
        ledger.basePointsInYear(db, input.guestId, input.year),
        ledger.balanceOf(db, input.guestId),
      ]);
      const s = summary.lastStay;
      return {
        totalStays: summary.totalStays,
        totalNights: summary.totalNights,
        yearStays: summary.yearStays,
        yearNights: summary.yearNights,
        yearBasePoints,
        pointsBalance,
        lastStay: s
          ? {
              stayId: s.id,
              pmsStayId: s.pms_stay_id,
              propertyCode: s.property_code,
              arrival: s.arrival,
              departure: s.departure,
              nights: s.nights,
            }
          : null,
      };
    },

    /**
     * Renders a template for the guest (current address and locale from
     * Postgres) and queues it once per idempotency key.
     */
    async queueMail(input: {
      guestId: string;
      template: string;
      idempotencyKey: string;
      vars: Record<string, string | number | boolean>;
    }): Promise<{ outboxId: number; messageId: string; created: boolean }> {
      const guest = await guests.findById(db, input.guestId);
      if (!guest) throw ApplicationFailure.nonRetryable(`guest ${input.guestId} not found`, 'GuestNotFound');
      const rendered = renderTemplate(input.template, guest.locale, {
        firstName: guest.first_name,
        lastName: guest.last_name,
        ...input.vars,
      });
      const { mail, created } = await failFastOnDataErrors(() =>
        outbox.enqueue(db, {
          idempotency_key: input.idempotencyKey,
          message_id: messageIdFor(input.idempotencyKey, deps.mail.messageIdDomain),
          guest_id: guest.id,
          template: input.template,
          locale: rendered.locale,
          to_address: guest.email,
          subject: rendered.subject,
          body_text: rendered.text,
          body_html: rendered.html,
        }),
      );
      faults('outbox.afterEnqueue');
      return { outboxId: mail.id, messageId: mail.message_id, created };
    },

    /**
     * Sends a queued mail unless it was sent already. Each attempt first takes
     * a lease on the row, longer than the mailer's own timeouts, so a slow
     * attempt and its retry never both send. The Message-ID is the row's.
     */
    async deliverMail(input: { outboxId: number }): Promise<{ messageId: string; alreadySent: boolean }> {
      const mail = await outbox.claimForDelivery(db, input.outboxId, DELIVERY_LEASE_SECONDS);
      if (!mail) {
        const row = await outbox.findById(db, input.outboxId);
        if (!row)
          throw ApplicationFailure.nonRetryable(
            `outbox row ${input.outboxId} not found`,
            'OutboxRowNotFound',
          );
        if (row.status === 'sent') return { messageId: row.message_id, alreadySent: true };
        if (row.status === 'failed') {
          throw ApplicationFailure.nonRetryable(
            `mail ${row.id} failed for good: ${row.last_error}`,
            'MailRejected',
          );
        }
        // Another attempt holds the lease: try again once it has finished or expired.
        throw ApplicationFailure.retryable(
          `mail ${row.id} is being delivered by another attempt`,
          'DeliveryInProgress',
        );
      }
      try {
        await mailer.sendMail({
          from: deps.mail.from,
          to: mail.to_address,
          subject: mail.subject,
          text: mail.body_text,
          html: mail.body_html,
          messageId: mail.message_id,
          headers: { 'X-Outbox-Key': mail.idempotency_key },
        });
      } catch (err) {
        // 5xx: the server refused the mail itself (unknown mailbox, policy); retrying cannot help.
        const permanent =
          (err as { responseCode?: number }).responseCode !== undefined &&
          (err as { responseCode: number }).responseCode >= 500;
        await outbox.recordError(db, mail.id, String(err), permanent);
        if (permanent)
          throw ApplicationFailure.nonRetryable(`mail ${mail.id} rejected: ${String(err)}`, 'MailRejected');
        throw err;
      }
      await outbox.markSent(db, mail.id);
      faults('mail.afterSend');
      return { messageId: mail.message_id, alreadySent: false };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
