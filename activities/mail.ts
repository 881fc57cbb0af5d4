/**
 * Mail through the outbox (docs/architecture.md "Mail, exactly once"): a mail
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
 *
 * Planning (domain/mail-policy.ts `decideMail`): `planMail` gathers, in one
 * transaction under the guest's row lock, the facts a mail is decided on —
 * marketing consent, exit condition, open service case, quiet period, send
 * window, frequency cap — and records the decision as an outbox row: pending
 * with its `send_at`, or suppressed with the reason. An activity cannot wait
 * until 09:00: a mail planned for later is `scheduled`, and the workflow
 * sleeps until `sendAt` and then runs `deliverPlannedMail`.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { DateTime } from 'luxon';
import type { Transporter } from 'nodemailer';
import type { Db } from '../db/knex.js';
import * as guests from '../db/repositories/guests.js';
import * as mailPlan from '../db/repositories/mail-plan.js';
import * as outbox from '../db/repositories/outbox.js';
import * as templateStore from '../db/repositories/templates.js';
import {
  BOOKED,
  decideMail,
  ENDS_WITH_A_BOOKING,
  sendWindowOf,
  type MailClass,
  type SendWindow,
} from '../domain/mail-policy.js';
import { MAIL_DELIVERY } from '../domain/mail-timing.js';
import { failFastOnDataErrors } from './errors.js';
import type { FaultInjector } from './faults.js';
import { frequencyWindowSince, frequencyWindowStart, localTimes, zoneOrUtc } from '../lib/local-time.js';
import { readPlanningSettings, SettingsError, type PlanningSettings } from '../lib/mail-settings.js';
import { withLayout } from '../mail/layout.js';
import { storedText } from '../mail/store.js';
import {
  isTemplateName,
  renderTemplate,
  templateLocale,
  UnknownTemplateError,
  type RenderedMail,
} from '../mail/templates.js';
import { unsubscribeHeaders, withUnsubscribeFooter } from './mail/unsubscribe.js';
import { isPermanentSmtpError, summariseSmtpError, type SmtpErrorLike } from './smtp-errors.js';
import { activityNow } from './clock.js';

export interface MailDeps {
  db: Db;
  mailer: Transporter;
  mail: { from: string; messageIdDomain: string };
  faults: FaultInjector;
  /** Tests shorten the bounds; production uses MAIL_DELIVERY. */
  timing?: { sendDeadlineMs?: number; markSentForMs?: number };
  /**
   * The guest's signed one-click unsubscribe link (lib/links.ts unsubscribeLinkUrl): every marketing mail
   * carries it in `List-Unsubscribe` and in a footer line. Without it marketing mail goes without them.
   */
  unsubscribeUrl?: (input: { guestId: string }) => string;
  /** The signed link of the post-stay survey about one stay (`{{surveyUrl}}` of `satisfaction-survey`). */
  surveyUrl?: (input: { guestId: string; stayId: string }) => string;
  /** The signed "report a problem" link of the in-stay mail (`{{reportUrl}}` of `in-stay-check`). */
  inStayReportUrl?: (input: { guestId: string; pmsStayId: string; propertyCode: string }) => string;
}

export interface PlanMailInput {
  guestId: string;
  template: string;
  idempotencyKey: string;
  vars: Record<string, string | number | boolean>;
  /**
   * Marketing mail is planned (consent, window, cap, …); transactional mail needs no consent and waits only for
   * its time: its `window`, else the program's unless it answers the guest's own action (domain/mail-policy.ts
   * `sendWindowOf`).
   */
  marketing: boolean;
  /** The workflow's time (ISO); default: when the workflow scheduled this activity. */
  now?: string;
  /** Plan without the send window: marketing mail then goes at once (for callers that cannot wait). */
  ignoreSendWindow?: boolean;
  /**
   * The mail's own send window (a cadence step's): for marketing mail instead of the program's; transactional
   * mail waits only for a window given here.
   */
  window?: SendWindow;
}

/** What planning decided (or had decided: a repeat returns the row already there). */
export type PlannedMail =
  | { status: 'pending'; outboxId: number; sendAt: string; created: boolean }
  | { status: 'suppressed'; outboxId: number; reason: string; created: boolean }
  | { status: 'sent' | 'failed'; outboxId: number; created: false };

/** The activity's logger (no personal data: template names, versions and the error's first line). */
function warn(message: string, err: unknown): void {
  const error = (err as Error)?.message?.split('\n')[0] ?? String(err);
  try {
    Context.current().log.warn(message, { error });
  } catch {
    // not inside an activity
  }
}

function plannedFromRow(row: outbox.PlannedOutboxRow): PlannedMail {
  switch (row.status) {
    case 'pending':
      return {
        status: 'pending',
        outboxId: row.id,
        sendAt: (row.send_at ?? row.created_at).toISOString(),
        created: false,
      };
    case 'suppressed':
      return { status: 'suppressed', outboxId: row.id, reason: row.suppression_reason ?? '', created: false };
    default:
      return { status: row.status, outboxId: row.id, created: false };
  }
}

/** The program's mail settings, or a non-retryable failure naming what is missing or wrong. */
export async function planningSettingsOf(db: Db): Promise<PlanningSettings> {
  try {
    return await readPlanningSettings(db);
  } catch (err) {
    if (err instanceof SettingsError) throw ApplicationFailure.nonRetryable(err.message, err.type);
    throw err;
  }
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

/**
 * What every mail path shares (the activities below, and a campaign's batches: activities/campaigns.ts): the
 * Message-ID of a key, the rendering of a template for a guest, the rendering at the send time from stored facts,
 * the check at the send time that a marketing mail is still wanted, and the SMTP conversation itself.
 */
export function createMailCore(deps: MailDeps) {
  const { db, mailer } = deps;
  const messageId = (key: string) => messageIdFor(key, deps.mail.messageIdDomain);
  const sendDeadlineMs = deps.timing?.sendDeadlineMs ?? MAIL_DELIVERY.sendDeadlineMs;
  // What is left of the activity's time after the longest SMTP conversation, less a margin.
  const markSentForMs =
    deps.timing?.markSentForMs ?? MAIL_DELIVERY.startToCloseMs - MAIL_DELIVERY.sendDeadlineMs - 2_000;

  async function guestOf(guestId: string): Promise<guests.GuestRow> {
    const guest = await guests.findById(db, guestId);
    if (!guest) throw ApplicationFailure.nonRetryable(`guest ${guestId} not found`, 'GuestNotFound');
    return guest;
  }

  /** The outbox row's content of a rendered mail: who it goes to, in which language, and what it says. */
  const outboxContent = (
    guest: guests.GuestRow,
    input: { template: string; idempotencyKey: string },
    rendered: RenderedMail & { version: number | null },
  ) => ({
    idempotency_key: input.idempotencyKey,
    message_id: messageId(input.idempotencyKey),
    guest_id: guest.id,
    template: input.template,
    locale: rendered.locale,
    to_address: guest.email,
    subject: rendered.subject,
    body_text: rendered.text,
    body_html: rendered.html,
    template_version: rendered.version,
  });

  /**
   * The mail for the guest (name and locale from Postgres) from the template's current text: its highest
   * published stored version if there is one, else the built-in one (`version` null). Marketing mail gets the
   * unsubscribe footer; the html goes out in the responsive layout.
   */
  async function render(
    guest: Pick<guests.GuestRow, 'first_name' | 'last_name' | 'locale'>,
    template: string,
    vars: Record<string, string | number | boolean>,
    unsubscribeUrl: string | null = null,
    /** The stored version to render (a row's `template_version` at its send time); null: the built-in one. */
    version?: number | null,
  ): Promise<RenderedMail & { version: number | null }> {
    const data = {
      firstName: guest.first_name,
      lastName: guest.last_name,
      ...vars,
      unsubscribeUrl: unsubscribeUrl ?? '',
    };
    let stored = !isTemplateName(template)
      ? undefined
      : version === undefined
        ? await templateStore.currentPublished(db, template)
        : version === null
          ? undefined
          : await templateStore.findVersion(db, template, version);
    let rendered: RenderedMail | undefined;
    if (stored) {
      try {
        rendered = renderTemplate(template, guest.locale, data, storedText(stored));
      } catch (err) {
        // Checked when it was saved and published, a stored version fails only when the code no longer
        // supplies what it uses (a deploy changed the template's variables): the built-in text goes instead,
        // and the outbox row says so (template_version null).
        warn(
          `stored template '${template}' version ${stored.version} does not render; using the built-in`,
          err,
        );
        stored = undefined;
      }
    }
    if (!rendered) {
      try {
        rendered = renderTemplate(template, guest.locale, data);
      } catch (err) {
        // A missing template or placeholder is fixed by a deploy, not by retrying every few minutes.
        const what = err instanceof UnknownTemplateError ? 'unknown template' : 'template does not render';
        throw ApplicationFailure.nonRetryable(
          `${what} '${template}': ${(err as Error).message.split('\n')[0]}`,
          'TemplateError',
        );
      }
    }
    if (unsubscribeUrl) rendered = withUnsubscribeFooter(rendered, unsubscribeUrl);
    return { ...withLayout(rendered), version: stored?.version ?? null };
  }

  /**
   * A mail with facts (migration 015) rendered at its send time: the facts decided when its row was written,
   * the guest's name, address and locale as they are now (a corrected address is honoured; an erased guest gets
   * nothing), the template version chosen when it was planned. Undefined when the guest is gone.
   */
  async function renderAtSend(
    row: outbox.PlannedOutboxRow,
  ): Promise<
    Pick<outbox.OutboxRow, 'to_address' | 'locale' | 'subject' | 'body_text' | 'body_html'> | undefined
  > {
    const contact = await guests.contactOf(db, row.guest_id);
    if (!contact || !contact.email || contact.erased_at) return undefined;
    const rendered = await render(
      contact,
      row.template,
      row.facts ?? {},
      row.unsubscribe_url,
      row.template_version,
    );
    return {
      to_address: contact.email,
      locale: rendered.locale,
      subject: rendered.subject,
      body_text: rendered.text,
      body_html: rendered.html,
    };
  }

  /** Marketing consent and open cases again at the send time: either may have changed since planning. */
  async function stillWanted(row: outbox.PlannedOutboxRow): Promise<string | undefined> {
    if (row.class !== 'marketing') return undefined;
    const consent = await guests.consentOf(db, row.guest_id);
    const decision = decideMail({
      mailClass: 'marketing',
      now: activityNow(),
      guestErased: Boolean(consent?.erased_at),
      marketingConsent: Boolean(consent?.marketing_consent),
      openServiceCase: (await mailPlan.openServiceCases(db, row.guest_id)) > 0,
    });
    return decision.action === 'skip' ? decision.text : undefined;
  }

  /**
   * One SMTP conversation for an outbox row, cut off at the send deadline (nodemailer closes the connection when
   * the signal fires: the attempt is over, whatever the server does).
   */
  async function transmit(
    mail: Pick<
      outbox.PlannedOutboxRow,
      | 'to_address'
      | 'subject'
      | 'body_text'
      | 'body_html'
      | 'message_id'
      | 'idempotency_key'
      | 'unsubscribe_url'
    >,
  ): Promise<void> {
    await mailer.sendMail({
      from: deps.mail.from,
      to: mail.to_address,
      subject: mail.subject,
      text: mail.body_text,
      html: mail.body_html,
      messageId: mail.message_id,
      headers: {
        'X-Outbox-Key': mail.idempotency_key,
        ...(mail.unsubscribe_url ? unsubscribeHeaders(mail.unsubscribe_url) : {}),
      },
      signal: AbortSignal.timeout(sendDeadlineMs),
    });
  }

  return {
    messageId,
    sendDeadlineMs,
    markSentForMs,
    guestOf,
    outboxContent,
    render,
    renderAtSend,
    stillWanted,
    transmit,
  };
}

export type MailCore = ReturnType<typeof createMailCore>;

export function createMailActivities(deps: MailDeps) {
  const { db, faults } = deps;
  const core = createMailCore(deps);
  const { messageId, markSentForMs, guestOf, outboxContent, render, renderAtSend, stillWanted } = core;
  const activities = {
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
      const guest = await guestOf(input.guestId);
      const rendered = await render(guest, input.template, input.vars);
      const { mail, created } = await failFastOnDataErrors(() =>
        outbox.enqueue(db, { ...outboxContent(guest, input, rendered), facts: input.vars }),
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
      if (mail.facts) {
        // Rendered now from the facts of its decision and the contact data of today; a row without facts
        // (written before migration 015, or a staff mail) goes as it was rendered when queued.
        let fresh: Awaited<ReturnType<typeof renderAtSend>>;
        try {
          fresh = await renderAtSend(mail);
        } catch (err) {
          await outbox.recordError(db, mail.id, 'the mail does not render at its send time', false);
          throw err;
        }
        const decision = decideMail({
          mailClass: mail.class,
          now: activityNow(),
          guestErased: !fresh && Boolean((await guests.consentOf(db, mail.guest_id))?.erased_at),
          recipientGone: !fresh,
        });
        if (decision.action === 'skip') {
          await outbox.suppressClaimed(db, mail.id, decision.text);
          return { alreadySent: true };
        }
        // Not gone, so rendered.
        await outbox.recordSendContent(db, mail.id, fresh!);
        Object.assign(mail, fresh);
      }
      try {
        await core.transmit(mail);
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

    /**
     * Plans one mail (domain/mail-policy.ts `decideMail`) and records the decision once per idempotency key, in
     * one transaction under the guest's row lock: the guest's marketing mails in the frequency window are counted
     * by the same transaction that queues this one, so concurrent plannings (sibling follow-ups) cannot
     * together exceed the cap. Pending with `sendAt`, or suppressed with the reason; a repeat returns the row
     * already there. The mail is not sent here: `sendAt` ≤ now → deliver at once; later → the workflow
     * waits until then and runs `deliverPlannedMail`.
     */
    async planMail(input: PlanMailInput): Promise<PlannedMail> {
      const now = input.now ?? activityNow();
      const mailClass: MailClass = input.marketing ? 'marketing' : 'transactional';
      const existing = await outbox.findByKey(db, input.idempotencyKey);
      if (existing) return plannedFromRow(existing);
      const guest = await guestOf(input.guestId);
      const unsubscribeUrl = input.marketing ? (deps.unsubscribeUrl?.({ guestId: guest.id }) ?? null) : null;
      const rendered = await render(guest, input.template, input.vars, unsubscribeUrl);
      const settings = await planningSettingsOf(db);
      const content = {
        ...outboxContent(guest, input, rendered),
        // What the mail says is decided now; at its send time only the guest's contact data is read again.
        facts: input.vars,
        class: mailClass,
        planned_at: new Date(now),
      };
      const planned = await failFastOnDataErrors(() =>
        db.transaction(async (trx) => {
          const locked = await mailPlan.lockGuest(trx, input.guestId);
          if (!locked)
            throw ApplicationFailure.nonRetryable(`guest ${input.guestId} not found`, 'GuestNotFound');
          // A concurrent attempt with the same key may have recorded it while this one waited for the lock.
          const again = await outbox.findByKey(trx, input.idempotencyKey);
          if (again) return plannedFromRow(again);
          const zone = zoneOrUtc(locked.timezone);
          let marketingInWindow = 0;
          let openServiceCase = false;
          let exitCondition: string | null = null;
          if (input.marketing && locked.marketing_consent) {
            const since = frequencyWindowStart(now, zone, settings.days);
            marketingInWindow = await mailPlan.marketingMailsSince(trx, guest.id, new Date(since));
            openServiceCase = (await mailPlan.openServiceCases(trx, guest.id)) > 0;
            const today = DateTime.fromISO(now, { zone }).toISODate()!;
            if (
              ENDS_WITH_A_BOOKING.has(input.template) &&
              (await mailPlan.hasBookingAhead(trx, guest.id, today))
            )
              exitCondition = BOOKED;
          }
          const times = localTimes(
            now,
            zone,
            sendWindowOf({
              marketing: input.marketing,
              template: input.template,
              own: input.window,
              program: settings.window,
              ignoreSendWindow: input.ignoreSendWindow,
            }),
          );
          const decision = decideMail({
            mailClass,
            ...times,
            guestErased: locked.erased_at !== null,
            marketingConsent: locked.marketing_consent,
            openServiceCase,
            exitCondition,
            quietPeriods: settings.quietPeriods,
            frequency: {
              count: marketingInWindow,
              cap: settings.cap,
              days: settings.days,
              since: frequencyWindowSince(now, zone, settings.days),
            },
          });
          if (decision.action === 'skip') {
            const { mail, created } = await outbox.enqueuePlanned(trx, {
              ...content,
              send_at: null,
              unsubscribe_url: null,
              suppressionReason: decision.text,
            });
            return created
              ? ({ status: 'suppressed', outboxId: mail.id, reason: decision.text, created } as const)
              : plannedFromRow(mail);
          }
          const sendAt = decision.action === 'hold' ? decision.until.at : times.now;
          const { mail, created } = await outbox.enqueuePlanned(trx, {
            ...content,
            send_at: new Date(sendAt),
            unsubscribe_url: unsubscribeUrl,
          });
          return created
            ? ({ status: 'pending', outboxId: mail.id, sendAt, created } as const)
            : plannedFromRow(mail);
        }),
      );
      faults('outbox.afterEnqueue');
      return planned;
    },

    /**
     * The delivery of a planned mail once its `sendAt` has come (the workflow's timer): a marketing mail
     * whose guest has meanwhile withdrawn consent or opened a case is suppressed with the reason instead;
     * otherwise `deliverMail`. A refused recipient is a result (`failed`), as in sendMailWith.
     */
    async deliverPlannedMail(input: {
      outboxId: number;
    }): Promise<{ status: 'sent' | 'suppressed' | 'failed'; outboxId: number }> {
      const row = await outbox.findById(db, input.outboxId);
      if (!row)
        throw ApplicationFailure.nonRetryable(`outbox row ${input.outboxId} not found`, 'OutboxRowNotFound');
      if (row.status === 'pending' && !acceptedEarlier(row.id)) {
        const reason = await stillWanted(row);
        if (reason && (await outbox.suppressPending(db, row.id, reason)))
          return { status: 'suppressed', outboxId: row.id };
      }
      return deliverOutcome(activities, db, row.id);
    },

    /**
     * A planned mail that must not go after all (the workflow that waits for its send time was cancelled: a
     * win-back the guest's booking ended): `suppressed` with `reason` unless it went or is going already.
     * What the row's status is afterwards.
     */
    async withdrawPlannedMail(input: {
      outboxId: number;
      reason: string;
    }): Promise<{ status: outbox.OutboxRow['status']; outboxId: number }> {
      await outbox.suppressPending(db, input.outboxId, input.reason.slice(0, 500));
      const row = await outbox.findById(db, input.outboxId);
      if (!row)
        throw ApplicationFailure.nonRetryable(`outbox row ${input.outboxId} not found`, 'OutboxRowNotFound');
      return { status: row.status, outboxId: row.id };
    },
  };
  return activities;
}

/**
 * deliverMail, with what became of the row as the result: `sent`; `suppressed` when it was suppressed before
 * an attempt claimed it (an unsubscribe); `failed` for a refused recipient (a result, not an error).
 */
async function deliverOutcome(
  acts: Pick<MailActivities, 'deliverMail'>,
  db: Db,
  outboxId: number,
): Promise<{ status: 'sent' | 'suppressed' | 'failed'; outboxId: number }> {
  try {
    const { alreadySent } = await acts.deliverMail({ outboxId });
    if (alreadySent && (await outbox.findById(db, outboxId))?.status === 'suppressed')
      return { status: 'suppressed', outboxId };
    return { status: 'sent', outboxId };
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'MailRejected')
      return { status: 'failed', outboxId };
    throw err;
  }
}

export type MailActivities = ReturnType<typeof createMailActivities>;

export interface SendMailInput {
  guestId: string;
  template: string;
  idempotencyKey: string;
  vars: Record<string, string | number | boolean>;
  /** Marketing mail needs the guest's marketing consent and is planned; transactional mail goes at once. */
  marketing: boolean;
  /** The workflow's time (ISO). Default: when the workflow scheduled the activity. */
  now?: string;
}

export type SendMailResult = { status: 'sent' | 'suppressed' | 'failed'; outboxId: number };
/** A mail planned for later: the workflow sleeps until `sendAt`, then runs `deliverPlannedMail({ outboxId })`. */
export type ScheduledMail = { status: 'scheduled'; outboxId: number; sendAt: string };

/** One mail, planned, then delivered at once or recorded as suppressed with its reason. */
export type SendMail = (input: SendMailInput) => Promise<SendMailResult>;
/** The same, for callers that can wait: a mail due outside the send window comes back `scheduled`. */
export type SchedulingSendMail = (input: SendMailInput) => Promise<SendMailResult | ScheduledMail>;

export interface SendMailOptions {
  /**
   * true: a marketing mail due outside the send window is queued for its `sendAt` and returned `scheduled`
   * (the caller's workflow waits for it). false (default, for callers that cannot wait yet): the planner
   * ignores the window and the mail goes at once; consent, exit condition, open case, quiet period and cap
   * apply all the same.
   */
  schedule?: boolean;
}

/**
 * Composes the mail activities into one step for the lifecycle mails: plan (consent, exit condition, open
 * case, quiet period, send window, frequency cap, under the guest's row lock), then deliver at once when the
 * send time has come. A refused recipient is a result (`failed`), not an error: the guest's workflow goes on;
 * any other failure is retried by the caller's activity.
 */
export function sendMailWith(
  db: Db,
  acts: MailActivities,
  opts?: SendMailOptions & { schedule?: false },
): SendMail;
export function sendMailWith(
  db: Db,
  acts: MailActivities,
  opts: SendMailOptions & { schedule: true },
): SchedulingSendMail;
export function sendMailWith(db: Db, acts: MailActivities, opts: SendMailOptions = {}): SchedulingSendMail {
  return async (input) => {
    const now = input.now ?? activityNow();
    const planned = await acts.planMail({ ...input, now, ignoreSendWindow: !opts.schedule });
    switch (planned.status) {
      case 'suppressed':
      case 'sent':
      case 'failed':
        return { status: planned.status, outboxId: planned.outboxId };
      case 'pending':
        if (opts.schedule && Date.parse(planned.sendAt) > Date.parse(now))
          return { status: 'scheduled', outboxId: planned.outboxId, sendAt: planned.sendAt };
        return deliverOutcome(acts, db, planned.outboxId);
    }
  };
}
