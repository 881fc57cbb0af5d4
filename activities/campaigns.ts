/**
 * A campaign's side effects (workflows/campaign.ts decides when; docs/campaigns.md): plan the audience once, then
 * send in bounded batches, each through the one mail policy, at most one mail per guest.
 *
 * - `planCampaign` reads the segment's guests once and writes one `campaign_recipients` row per guest, page by
 *   page (heartbeating the last guest id, so a retry resumes there), with the holdout (domain/campaigns.ts `isHeldOut`) and the send
 *   instant of the campaign's local day and time in the guest's zone. A re-plan changes nothing.
 * - `sendCampaignBatch` takes the recipients whose time has come (`claimDue`: `sending`), decides each under the
 *   guests' row locks (lib/campaigns.ts: the preview's decision) and writes its outbox row (key
 *   `campaign-<id>:<guestId>`): suppressed with the reason, held for the send window, or pending now. Then it
 *   delivers the pending ones in groups of `concurrency`, each once: an outbox row is claimed only if no
 *   attempt ever claimed it without recording the answer; a group is claimed together, sent side by side over
 *   the pooled transport, and its accepted mails are marked sent together. A mail whose attempt was lost
 *   mid-conversation (a killed worker) may have been accepted, so it is never sent again: the recipient is
 *   `failed` with DELIVERY_UNKNOWN (`settleStranded`). A campaign sends at most once per guest; a lost greeting beats a second one.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db/knex.js';
import * as campaigns from '../db/repositories/campaigns.js';
import * as outbox from '../db/repositories/outbox.js';
import { segmentContext } from '../db/repositories/segments.js';
import {
  DELIVERY_UNKNOWN,
  HOLDOUT_ELIGIBLE,
  isHeldOut,
  type CampaignStatus,
  type RecipientState,
} from '../domain/campaigns.js';
import { campaignWorkflowId, idempotencyKey } from '../domain/ids.js';
import { MAIL_DELIVERY } from '../domain/mail-timing.js';
import { decideCampaignMail, localSendInstant, sinceByZone, ZoneTimes } from '../lib/campaigns.js';
import { readPlanningSettings, SettingsError } from '../lib/mail-settings.js';
import type { FaultInjector } from './faults.js';
import type { MailCore } from './mail.js';
import { isPermanentSmtpError, summariseSmtpError, type SmtpErrorLike } from './smtp-errors.js';

export interface CampaignDeps {
  db: Db;
  core: MailCore;
  faults: FaultInjector;
  /** The guest's signed one-click unsubscribe link (every campaign mail carries it). */
  unsubscribeUrl?: (input: { guestId: string }) => string;
  /** Mails in flight at once within a batch (default 8). */
  concurrency?: number;
  /** Tests shorten them: a mail's lease (default MAIL_DELIVERY.leaseSeconds) and STRANDED_AFTER_SECONDS. */
  timing?: { leaseSeconds?: number; strandedAfterSeconds?: number };
}

/** Guests planned per statement. */
const PLAN_PAGE = 5_000;
/** A `sending` recipient untouched this long belongs to a lost attempt (its mail's lease decides the rest). */
const STRANDED_AFTER_SECONDS = 20;

export interface CampaignBatchInput {
  campaignId: string;
  /** The workflow's clock (ISO): recipients due by then are taken. */
  now: string;
  limit: number;
}

export interface CampaignBatchResult {
  claimed: number;
  sent: number;
  suppressed: number;
  failed: number;
  /** Held for the send window (planned again for when it opens), or to retry after a temporary SMTP error. */
  deferred: number;
  /** Recipients left in `sending` by a lost attempt, settled at the start of this batch. */
  settled: number;
  /** What is left: planned (of which due by `now`), still sending, and the earliest planned send time. */
  planned: number;
  due: number;
  sending: number;
  nextSendAt: string | null;
}

function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not inside an activity (a direct call in a test)
  }
}

function heartbeatDetails<T>(): T | undefined {
  try {
    return Context.current().info.heartbeatDetails as T | undefined;
  } catch {
    return undefined;
  }
}

async function settingsOf(db: Db) {
  try {
    return await readPlanningSettings(db);
  } catch (err) {
    if (err instanceof SettingsError) throw ApplicationFailure.nonRetryable(err.message, err.type);
    throw err;
  }
}

export function createCampaignActivities(deps: CampaignDeps) {
  const { db, core, faults } = deps;
  const concurrency = deps.concurrency ?? 8;
  const leaseSeconds = deps.timing?.leaseSeconds ?? MAIL_DELIVERY.leaseSeconds;
  const strandedAfterSeconds = deps.timing?.strandedAfterSeconds ?? STRANDED_AFTER_SECONDS;

  async function campaignOf(campaignId: string): Promise<campaigns.CampaignRow> {
    const c = await campaigns.findCampaign(db, campaignId);
    if (!c) throw ApplicationFailure.nonRetryable(`campaign ${campaignId} not found`, 'CampaignNotFound');
    return c;
  }

  /** A due recipient without a mail yet: the decision, and the outbox row it writes. */
  async function planMails(
    c: campaigns.CampaignRow,
    guestIds: string[],
    now: string,
  ): Promise<{ updates: campaigns.RecipientUpdate[]; toSend: outbox.PlannedOutboxRow[] }> {
    const settings = await settingsOf(db);
    const zones = new ZoneTimes(settings);
    const workflowId = campaignWorkflowId(c.id);
    return db.transaction(async (trx) => {
      // The guests' rows locked, in id order, as planMail locks one (db/repositories/mail-plan.ts lockGuest):
      // the frequency cap counts the mails a concurrent planning of the same guest queued.
      const locked = await campaigns.lockGuests(trx, guestIds);
      const zoneList = [...new Set(locked.map((g) => g.timezone))];
      const facts = await campaigns.mailFacts(
        trx,
        locked.map((g) => g.id),
        sinceByZone(zoneList, () => now, zones),
      );
      const updates: campaigns.RecipientUpdate[] = [];
      const toSend: outbox.PlannedOutboxRow[] = [];
      // Every decision first, then their outbox rows in one statement (a repeat keeps the rows there).
      const rows: outbox.NewPlannedRow[] = [];
      const decided = new Map<string, { hold: string | null }>();
      for (const fact of facts) {
        const key = idempotencyKey(workflowId, fact.id);
        const base = {
          idempotency_key: key,
          message_id: core.messageId(key),
          guest_id: fact.id,
          template: c.template,
          class: 'marketing' as const,
          planned_at: new Date(now),
        };
        const decision = decideCampaignMail(fact, now, settings, zones);
        if (decision.action === 'skip') {
          rows.push(outbox.suppressedRow({ ...base, locale: fact.locale }, decision.text));
          continue;
        }
        const unsubscribeUrl = deps.unsubscribeUrl?.({ guestId: fact.id }) ?? null;
        const rendered = await core.render(fact, c.template, {}, unsubscribeUrl, c.template_version);
        const sendAt = decision.action === 'hold' ? decision.until.at : now;
        decided.set(fact.id, { hold: decision.action === 'hold' ? sendAt : null });
        rows.push({
          ...base,
          locale: rendered.locale,
          to_address: fact.email!,
          subject: rendered.subject,
          body_text: rendered.text,
          body_html: rendered.html,
          template_version: rendered.version,
          // The campaign's mail has no variables of its own: what it says is the pinned template version.
          facts: {},
          send_at: new Date(sendAt),
          unsubscribe_url: unsubscribeUrl,
        });
      }
      for (const mail of await outbox.enqueuePlannedMany(trx, rows)) {
        const d = decided.get(mail.guest_id);
        if (mail.status !== 'pending' || !d) updates.push(settledBy(mail, mail.guest_id));
        else if (d.hold)
          updates.push({
            guest_id: mail.guest_id,
            state: 'planned',
            outbox_id: mail.id,
            send_at: new Date(d.hold),
          });
        else {
          updates.push({ guest_id: mail.guest_id, state: 'sending', outbox_id: mail.id });
          toSend.push(mail);
        }
      }
      // A guest erased since the plan has no facts: nothing to send.
      const found = new Set(facts.map((f) => f.id));
      for (const id of guestIds)
        if (!found.has(id)) updates.push({ guest_id: id, state: 'suppressed', reason: 'no_guest' });
      await campaigns.updateRecipients(trx, c.id, updates);
      return { updates, toSend };
    });
  }

  /**
   * Held-out guests whose send time has come: the policy's verdict on what they would have got, on the same
   * facts a sent guest's mail is decided on (no lock: nothing is written but the verdict), recorded as the
   * reason (HOLDOUT_ELIGIBLE, or the suppression's). The uplift compares the sent with the eligible held out.
   */
  async function judgeHoldout(c: campaigns.CampaignRow, guestIds: string[], now: string): Promise<void> {
    if (guestIds.length === 0) return;
    const settings = await settingsOf(db);
    const zones = new ZoneTimes(settings);
    const zoneList = await campaigns.zonesOf(db, guestIds);
    const facts = await campaigns.mailFacts(
      db,
      guestIds,
      sinceByZone(zoneList, () => now, zones),
    );
    const verdicts: campaigns.RecipientUpdate[] = facts.map((fact) => {
      const decision = decideCampaignMail(fact, now, settings, zones);
      return {
        guest_id: fact.id,
        state: 'held_out',
        reason: decision.action === 'skip' ? decision.text : HOLDOUT_ELIGIBLE,
      };
    });
    const found = new Set(facts.map((f) => f.id));
    for (const id of guestIds)
      if (!found.has(id)) verdicts.push({ guest_id: id, state: 'held_out', reason: 'no_guest' });
    await campaigns.updateRecipients(db, c.id, verdicts);
  }

  /** The recipient's state from a mail that is already settled (sent, suppressed or failed). */
  function settledBy(mail: outbox.PlannedOutboxRow, guestId: string): campaigns.RecipientUpdate {
    const state: RecipientState =
      mail.status === 'sent' ? 'sent' : mail.status === 'failed' ? 'failed' : 'suppressed';
    return {
      guest_id: guestId,
      state,
      outbox_id: mail.id,
      reason: mail.status === 'sent' ? null : (mail.suppression_reason ?? mail.last_error),
    };
  }

  /**
   * A recipient whose mail was written earlier (held for the send window, or a lost batch's): still wanted
   * (consent, open case) and rendered with today's contact data, or settled.
   */
  async function refreshHeld(
    outboxId: number,
    guestId: string,
  ): Promise<{ update: campaigns.RecipientUpdate } | { mail: outbox.PlannedOutboxRow }> {
    const row = await outbox.findById(db, outboxId);
    if (!row) return { update: { guest_id: guestId, state: 'planned' } };
    if (row.status !== 'pending') return { update: settledBy(row, guestId) };
    if (row.claimed_until !== null) return { update: { guest_id: guestId, state: 'sending' } };
    const unwanted = await core.stillWanted(row);
    if (unwanted && (await outbox.suppressPending(db, row.id, unwanted)))
      return { update: { guest_id: guestId, state: 'suppressed', reason: unwanted, outbox_id: row.id } };
    const fresh = await core.renderAtSend(row);
    if (!fresh) {
      await outbox.suppressPending(db, row.id, 'no_guest: the guest or their address is gone');
      return { update: { guest_id: guestId, state: 'suppressed', reason: 'no_guest', outbox_id: row.id } };
    }
    await outbox.recordSendContent(db, row.id, fresh);
    return { mail: { ...row, ...fresh } };
  }

  /**
   * A group of mails (as many as the batch sends at once), each once: claimed together just before their
   * conversations, only those no attempt ever claimed without recording the answer (a mail not claimed is
   * another attempt's, or lost: settleStranded decides once its lease has run out); sent side by side; the
   * accepted ones marked sent together. A lost attempt strands at most this group.
   */
  async function deliverGroup(mails: outbox.PlannedOutboxRow[]): Promise<campaigns.RecipientUpdate[]> {
    const claimed = await outbox.claimFirstDeliveries(
      db,
      mails.map((m) => m.id),
      leaseSeconds,
    );
    const accepted: outbox.PlannedOutboxRow[] = [];
    const done: campaigns.RecipientUpdate[] = [];
    let fault: Error | undefined;
    await Promise.all(
      claimed.map(async (mail) => {
        try {
          await core.transmit(mail);
        } catch (err) {
          const e = err as SmtpErrorLike;
          const permanent = isPermanentSmtpError(e);
          const summary = summariseSmtpError(e);
          await outbox.recordError(db, mail.id, summary, permanent);
          // Refused: failed for good. Not delivered (the server said so): planned again, for the next batch.
          done.push(
            permanent
              ? { guest_id: mail.guest_id, state: 'failed', reason: `smtp_refused: ${summary}` }
              : { guest_id: mail.guest_id, state: 'planned' },
          );
          return;
        }
        try {
          faults('campaign.afterAccept');
          accepted.push(mail);
        } catch (err) {
          fault = err instanceof Error ? err : new Error(String(err));
        }
      }),
    );
    if (accepted.length > 0) await persistentlyMarkSent(accepted.map((m) => m.id));
    if (fault) throw fault;
    for (const m of accepted) done.push({ guest_id: m.guest_id, state: 'sent' });
    return done;
  }

  async function persistentlyMarkSent(outboxIds: number[]): Promise<void> {
    const deadline = Date.now() + core.markSentForMs;
    for (let wait = 100; ; wait = Math.min(2_000, wait * 2)) {
      try {
        return await outbox.markSentMany(db, outboxIds);
      } catch (err) {
        if (Date.now() + wait > deadline) throw err;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  return {
    /** Writes the audience once (see the file comment). */
    async planCampaign(input: { campaignId: string }): Promise<{ audience: number; heldOut: number }> {
      const c = await campaignOf(input.campaignId);
      if (!c.as_of)
        throw ApplicationFailure.nonRetryable(`campaign ${c.id} was not started`, 'CampaignNotStarted');
      const ctx = await segmentContext(db, c.as_of);
      const spent = await campaigns.spenders(db, ctx);
      const percent = Number(c.holdout_percent);
      const sendAt = new Map<string, Date>();
      const sendAtOf = (zone: string) => {
        let at = sendAt.get(zone);
        if (!at) {
          at = new Date(localSendInstant(c.send_date, c.send_time, zone));
          sendAt.set(zone, at);
        }
        return at;
      };
      // The whole audience in one read (ordered by id), written in pages; a retry resumes after the last
      // guest it heartbeated.
      const afterId = heartbeatDetails<{ afterId: string }>()?.afterId ?? null;
      const audience = await campaigns.audiencePage(db, c.definition, ctx, spent, { afterId, limit: null });
      for (let i = 0; i < audience.length; i += PLAN_PAGE) {
        const page = audience.slice(i, i + PLAN_PAGE);
        await campaigns.insertRecipients(
          db,
          page.map((g) => {
            const holdout = isHeldOut(c.id, g.id, percent);
            return {
              campaign_id: c.id,
              guest_id: g.id,
              holdout,
              send_at: sendAtOf(g.timezone),
              state: holdout ? ('held_out' as const) : ('planned' as const),
            };
          }),
        );
        heartbeat({ afterId: page[page.length - 1]!.id });
      }
      await campaigns.markPlanned(db, c.id);
      const counts = await campaigns.plannedCounts(db, c.id);
      return counts;
    },

    /** One batch of the fan-out (see the file comment), and what is left. */
    async sendCampaignBatch(input: CampaignBatchInput): Promise<CampaignBatchResult> {
      const c = await campaignOf(input.campaignId);
      const now = new Date(input.now);
      const stranded = await campaigns.settleStranded(db, c.id, strandedAfterSeconds, DELIVERY_UNKNOWN);
      const claimed = await campaigns.claimDue(db, c.id, now, input.limit);
      await judgeHoldout(c, await campaigns.holdoutDue(db, c.id, now, input.limit), input.now);
      const updates: campaigns.RecipientUpdate[] = [];
      const toSend: outbox.PlannedOutboxRow[] = [];
      const fresh = claimed.filter((r) => r.outbox_id === null).map((r) => r.guest_id);
      if (fresh.length > 0) {
        const planned = await planMails(c, fresh, input.now);
        toSend.push(...planned.toSend);
        for (const u of planned.updates) if (u.state !== 'sending') updates.push(u);
      }
      for (const r of claimed.filter((x) => x.outbox_id !== null)) {
        const held = await refreshHeld(r.outbox_id!, r.guest_id);
        if ('mail' in held) toSend.push(held.mail);
        else if (held.update.state !== 'sending') updates.push(held.update);
      }
      const delivered: campaigns.RecipientUpdate[] = [];
      for (let i = 0; i < toSend.length; i += concurrency) {
        delivered.push(...(await deliverGroup(toSend.slice(i, i + concurrency))));
        heartbeat({ delivered: delivered.length });
      }
      // What planning settled was recorded with its outbox rows; the deliveries now, in one statement.
      await campaigns.updateRecipients(db, c.id, delivered);
      const all = [...updates, ...delivered];
      const count = (s: RecipientState) => all.filter((u) => u.state === s).length;
      const left = await campaigns.remaining(db, c.id, now);
      return {
        claimed: claimed.length,
        sent: count('sent'),
        suppressed: count('suppressed'),
        failed: count('failed'),
        deferred: count('planned'),
        settled: stranded.settled,
        ...left,
      };
    },

    /** Every recipient not yet reached → cancelled (their held mails suppressed); the campaign `cancelled`. */
    async cancelCampaign(input: { campaignId: string }): Promise<{ cancelled: number }> {
      const cancelled = await campaigns.cancelRemaining(
        db,
        input.campaignId,
        'exit_condition: the campaign was cancelled before the send time',
      );
      await campaigns.setStatus(db, input.campaignId, 'cancelled');
      return { cancelled };
    },

    /** The campaign's status as its workflow moves it (the console and the API read it from Postgres). */
    async recordCampaignStatus(input: { campaignId: string; status: CampaignStatus }): Promise<void> {
      await campaigns.setStatus(db, input.campaignId, input.status);
    },
  };
}

export type CampaignActivities = ReturnType<typeof createCampaignActivities>;
