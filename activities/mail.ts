/**
 * Mail through the outbox (DESIGN.md "Side effects are idempotent"): a mail
 * is queued once per idempotency key with a stable Message-ID, delivered at
 * most once, and a mail deliberately not sent is a `suppressed` row with its
 * reason.
 *
 * Delivery is exactly once as far as SMTP allows:
 * - each attempt takes a lease on the row (MAIL_DELIVERY.leaseSeconds), and
 *   its SMTP conversation is cut off at MAIL_DELIVERY.sendDeadlineMs, so no
 *   attempt is still talking to the server when the lease lets the next in;
 * - the moment the server accepts, the attempt heartbeats that fact to
 *   Temporal before it marks the row sent. If the sent-mark fails, the
 *   retry of the activity reads the heartbeat and marks the row without
 *   sending again;
 * - only a rejection of the recipient or the message is permanent
 *   (smtp-errors.ts); anything else is retried with backoff.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Transporter } from 'nodemailer';
import type { Db } from '../db/knex.js';
import * as guests from '../db/repositories/guests.js';
import * as outbox from '../db/repositories/outbox.js';
import { MAIL_DELIVERY } from '../domain/mail-timing.js';
import { failFastOnDataErrors } from './errors.js';
import type { FaultInjector } from './faults.js';
import { renderTemplate, templateLocale, UnknownTemplateError } from './mail/templates.js';
import { isPermanentSmtpError, summariseSmtpError, type SmtpErrorLike } from './smtp-errors.js';

export interface MailDeps {
  db: Db;
  mailer: Transporter;
  mail: { from: string; messageIdDomain: string };
  faults: FaultInjector;
  /** Tests shorten the bounds; production uses MAIL_DELIVERY. */
  timing?: { sendDeadlineMs?: number; markSentForMs?: number };
}

/** A stable Message-ID per outbox key, so a redelivered mail is recognisably the same mail. */
export function messageIdFor(idempotencyKey: string, domain: string): string {
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
}

/** What an attempt tells Temporal once the server has accepted the mail. */
interface AcceptedHeartbeat {
  acceptedOutboxId: number;
}

function acceptedEarlier(outboxId: number): boolean {
  const details = Context.current().info.heartbeatDetails as AcceptedHeartbeat | undefined;
  return details?.acceptedOutboxId === outboxId;
}

/**
 * A bookkeeping write after the server accepted: retried in place, backing
 * off up to 2 s, for as long as `forMs` allows (inside the activity's
 * timeout). Past that the activity fails and its retry reads the heartbeat.
 */
async function persistently<T>(forMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + forMs;
  for (let wait = 100; ; wait = Math.min(2_000, wait * 2)) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() + wait > deadline) throw err;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

export function createMailActivities(deps: MailDeps) {
  const { db, mailer, faults } = deps;
  const messageId = (key: string) => messageIdFor(key, deps.mail.messageIdDomain);
  const sendDeadlineMs = deps.timing?.sendDeadlineMs ?? MAIL_DELIVERY.sendDeadlineMs;
  // What is left of the activity's time after the longest SMTP conversation, less a margin.
  const markSentForMs =
    deps.timing?.markSentForMs ?? MAIL_DELIVERY.startToCloseMs - MAIL_DELIVERY.sendDeadlineMs - 2_000;

  return {
    /**
     * Renders a template for the guest (current address and locale from
     * Postgres) and queues it once per idempotency key.
     */
    async queueMail(input: {
      guestId: string;
      template: string;
      idempotencyKey: string;
      vars: Record<string, string | number | boolean>;
    }): Promise<{ outboxId: number; created: boolean }> {
      const guest = await guests.findById(db, input.guestId);
      if (!guest) throw ApplicationFailure.nonRetryable(`guest ${input.guestId} not found`, 'GuestNotFound');
      let rendered;
      try {
        rendered = renderTemplate(input.template, guest.locale, {
          firstName: guest.first_name,
          lastName: guest.last_name,
          ...input.vars,
        });
      } catch (err) {
        // A missing template or placeholder is fixed by a deploy, not by retrying every few minutes.
        const what = err instanceof UnknownTemplateError ? 'unknown template' : 'template does not render';
        throw ApplicationFailure.nonRetryable(
          `${what} '${input.template}': ${(err as Error).message.split('\n')[0]}`,
          'TemplateError',
        );
      }
      const { mail, created } = await failFastOnDataErrors(() =>
        outbox.enqueue(db, {
          idempotency_key: input.idempotencyKey,
          message_id: messageId(input.idempotencyKey),
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
      return { outboxId: mail.id, created };
    },

    /** Records once that a mail was not sent and why (status `suppressed`). */
    async suppressMail(input: {
      guestId: string;
      template: string;
      idempotencyKey: string;
      reason: string;
    }): Promise<{ outboxId: number; created: boolean }> {
      const guest = await guests.findById(db, input.guestId);
      if (!guest) throw ApplicationFailure.nonRetryable(`guest ${input.guestId} not found`, 'GuestNotFound');
      const { mail, created } = await failFastOnDataErrors(() =>
        outbox.suppress(db, {
          idempotency_key: input.idempotencyKey,
          message_id: messageId(input.idempotencyKey),
          guest_id: guest.id,
          template: input.template,
          locale: templateLocale(guest.locale),
          reason: input.reason,
        }),
      );
      return { outboxId: mail.id, created };
    },

    /**
     * Sends a queued mail unless it was sent (or suppressed, or failed for
     * good) already. See the file comment for how a mail is never sent twice.
     */
    async deliverMail(input: { outboxId: number }): Promise<{ alreadySent: boolean }> {
      if (acceptedEarlier(input.outboxId)) {
        // An earlier attempt had the mail accepted and then failed to record it.
        await persistently(markSentForMs, () => outbox.markSent(db, input.outboxId));
        return { alreadySent: true };
      }
      const mail = await outbox.claimForDelivery(db, input.outboxId, MAIL_DELIVERY.leaseSeconds);
      if (!mail) {
        const row = await outbox.findById(db, input.outboxId);
        if (!row)
          throw ApplicationFailure.nonRetryable(
            `outbox row ${input.outboxId} not found`,
            'OutboxRowNotFound',
          );
        if (row.status === 'sent' || row.status === 'suppressed') return { alreadySent: true };
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
          // nodemailer closes the connection when the signal fires: the attempt is over, whatever the server does.
          signal: AbortSignal.timeout(sendDeadlineMs),
        });
      } catch (err) {
        const e = err as SmtpErrorLike;
        const permanent = isPermanentSmtpError(e);
        const summary = summariseSmtpError(e);
        await outbox.recordError(db, mail.id, summary, permanent);
        if (permanent)
          throw ApplicationFailure.nonRetryable(`mail ${mail.id} rejected: ${summary}`, 'MailRejected');
        throw ApplicationFailure.retryable(`mail ${mail.id} not delivered: ${summary}`, 'MailDeliveryFailed');
      }
      // Accepted. Tell Temporal first, then mark the row, retrying the mark in place; should that
      // still fail, the activity's retry learns from the heartbeat that the mail went.
      Context.current().heartbeat({ acceptedOutboxId: mail.id } satisfies AcceptedHeartbeat);
      await persistently(markSentForMs, async () => {
        faults('mail.beforeMarkSent');
        await outbox.markSent(db, mail.id);
      });
      faults('mail.afterSend');
      return { alreadySent: false };
    },
  };
}

export type MailActivities = ReturnType<typeof createMailActivities>;

/** One mail, queued and delivered (or suppressed with its reason) inside one activity. */
export type SendMail = (input: {
  guestId: string;
  template: string;
  idempotencyKey: string;
  vars: Record<string, string | number | boolean>;
  /** Marketing mail needs the guest's marketing consent; transactional mail does not. */
  marketing: boolean;
}) => Promise<{ status: 'sent' | 'suppressed' | 'failed'; outboxId: number }>;

/**
 * Composes the mail activities into one step for the lifecycle mails: consent,
 * queue, deliver. A refused recipient is a result (`failed`), not an error: the
 * guest's workflow goes on; any other failure is retried by the caller's activity.
 */
export function sendMailWith(db: Db, acts: MailActivities): SendMail {
  return async (input) => {
    const existing = await outbox.findByKey(db, input.idempotencyKey);
    if (existing && existing.status !== 'pending') {
      return { status: existing.status === 'sent' ? 'sent' : existing.status, outboxId: existing.id };
    }
    if (input.marketing) {
      const consent = await db<{ id: string; marketing_consent: boolean }>('guests')
        .where({ id: input.guestId })
        .first('marketing_consent');
      if (!consent?.marketing_consent) {
        const s = await acts.suppressMail({ ...input, reason: 'no_marketing_consent' });
        return { status: 'suppressed', outboxId: s.outboxId };
      }
    }
    const queued = await acts.queueMail(input);
    try {
      await acts.deliverMail({ outboxId: queued.outboxId });
      return { status: 'sent', outboxId: queued.outboxId };
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type === 'MailRejected') {
        return { status: 'failed', outboxId: queued.outboxId };
      }
      throw err;
    }
  };
}
