/**
 * Campaigns and their recipients (migration 024; the rules: domain/campaigns.ts; docs/campaigns.md). The
 * audience is the segment's query (db/repositories/segments.ts `segmentQuery`); the send decisions are the mail
 * policy's, fed by `mailFacts` here in bulk; the outbox rows are the outbox's (db/repositories/outbox.ts).
 */
import type { Knex } from 'knex';
import type { CampaignStatus, RecipientState } from '../../domain/campaigns.js';
import type { SegmentDefinition } from '../../domain/segments.js';
import { segmentQuery, spenders, type SegmentContext } from './segments.js';

export interface CampaignRow {
  id: string;
  name: string;
  template: string;
  template_version: number | null;
  definition: SegmentDefinition;
  segment_id: string | null;
  /** `YYYY-MM-DD`, local in each guest's zone. */
  send_date: string;
  /** `HH:mm`, local in each guest's zone. */
  send_time: string;
  holdout_percent: string;
  uplift_days: number;
  status: CampaignStatus;
  created_by: string;
  created_at: Date;
  started_by: string | null;
  started_at: Date | null;
  planned_at: Date | null;
  finished_at: Date | null;
  as_of: string | null;
}

export type NewCampaign = Pick<
  CampaignRow,
  'id' | 'name' | 'template' | 'segment_id' | 'send_date' | 'send_time' | 'uplift_days' | 'created_by'
> & { definition: SegmentDefinition; holdout_percent: number };

const CAMPAIGN_COLUMNS = [
  'id',
  'name',
  'template',
  'template_version',
  'definition',
  'segment_id',
  'send_date',
  'send_time',
  'holdout_percent',
  'uplift_days',
  'status',
  'created_by',
  'created_at',
  'started_by',
  'started_at',
  'planned_at',
  'finished_at',
  'as_of',
];

/** A row as read (dates are `YYYY-MM-DD` text: db/knex.ts). */
function campaignRow(row: Record<string, unknown>): CampaignRow {
  return row as unknown as CampaignRow;
}

export async function insertCampaign(db: Knex, campaign: NewCampaign): Promise<CampaignRow> {
  const [row]: Record<string, unknown>[] = await db('campaigns')
    .insert({ ...campaign, definition: JSON.stringify(campaign.definition) })
    .returning(CAMPAIGN_COLUMNS);
  return campaignRow(row!);
}

export async function findCampaign(db: Knex, id: string): Promise<CampaignRow | undefined> {
  const row: Record<string, unknown> | undefined = await db('campaigns')
    .where({ id })
    .first(CAMPAIGN_COLUMNS);
  return row ? campaignRow(row) : undefined;
}

/** The newest campaigns first. */
export async function listCampaigns(db: Knex, limit: number): Promise<CampaignRow[]> {
  const rows: Record<string, unknown>[] = await db('campaigns')
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .select(CAMPAIGN_COLUMNS);
  return rows.map(campaignRow);
}

/** A draft's settings changed (only while it is a draft). False when it is not a draft any more. */
export async function updateDraft(
  db: Knex,
  id: string,
  fields: Partial<Omit<NewCampaign, 'id' | 'created_by'>>,
): Promise<boolean> {
  const values = fields.definition ? { ...fields, definition: JSON.stringify(fields.definition) } : fields;
  return (await db('campaigns').where({ id, status: 'draft' }).update(values)) > 0;
}

/**
 * The draft becomes running, with who started it, the template version pinned and the day the audience is
 * counted on. False when it was not a draft (a second start changes nothing).
 */
export async function markStarted(
  db: Knex,
  id: string,
  start: { startedBy: string; templateVersion: number | null; asOf: string },
): Promise<boolean> {
  const n = await db('campaigns').where({ id, status: 'draft' }).update({
    status: 'running',
    started_by: start.startedBy,
    started_at: db.fn.now(),
    template_version: start.templateVersion,
    as_of: start.asOf,
  });
  return n > 0;
}

/** Back to a draft: a start whose workflow Temporal refused. */
export async function revertStart(db: Knex, id: string): Promise<void> {
  await db('campaigns')
    .where({ id, status: 'running' })
    .whereNull('planned_at')
    .update({ status: 'draft', started_by: null, started_at: null, as_of: null, template_version: null });
}

/** The campaign's status as its workflow moves it (running ⇄ paused → cancelled / done). */
export async function setStatus(db: Knex, id: string, status: CampaignStatus): Promise<void> {
  await db('campaigns')
    .where({ id })
    .whereNotIn('status', status === 'done' || status === 'cancelled' ? ['done', 'cancelled'] : ['draft'])
    .update({
      status,
      ...(status === 'done' || status === 'cancelled' ? { finished_at: db.fn.now() } : {}),
    });
}

export async function markPlanned(db: Knex, id: string): Promise<void> {
  await db('campaigns').where({ id }).whereNull('planned_at').update({ planned_at: db.fn.now() });
}

// ---- the audience ----------------------------------------------------------------------------------------------

/** The segment's guests with their zone and address, from `afterId` on by id: a page of the audience. */
export async function audiencePage(
  db: Knex,
  definition: SegmentDefinition,
  ctx: SegmentContext,
  spent: number,
  page: { afterId: string | null; limit: number | null },
): Promise<{ id: string; timezone: string }[]> {
  const q = segmentQuery(db, definition, ctx, spent)
    .join('guests as ag', 'ag.id', 'x.id')
    .select('x.id', 'ag.timezone')
    .orderBy('x.id');
  if (page.limit !== null) q.limit(page.limit);
  if (page.afterId) q.where('x.id', '>', page.afterId);
  return (await q) as { id: string; timezone: string }[];
}

export { spenders };

/** The distinct zones of the segment's guests. */
export async function audienceZones(
  db: Knex,
  definition: SegmentDefinition,
  ctx: SegmentContext,
  spent: number,
): Promise<string[]> {
  const rows: { timezone: string }[] = await segmentQuery(db, definition, ctx, spent)
    .join('guests as ag', 'ag.id', 'x.id')
    .distinct('ag.timezone');
  return rows.map((r) => r.timezone);
}

export interface NewRecipient {
  campaign_id: string;
  guest_id: string;
  holdout: boolean;
  send_at: Date;
  state: Extract<RecipientState, 'planned' | 'held_out'>;
}

/** Plans recipients once: a guest already planned keeps its row. How many rows were new. */
export async function insertRecipients(db: Knex, rows: NewRecipient[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted: unknown[] = await db('campaign_recipients')
    .insert(rows)
    .onConflict(['campaign_id', 'guest_id'])
    .ignore()
    .returning('guest_id');
  return inserted.length;
}

/**
 * The guests' rows locked in id order until the transaction ends, as activities/mail.ts planMail locks one
 * (db/repositories/mail-plan.ts `lockGuest`): plannings of the same guest's mails take turns. Their zones.
 */
export async function lockGuests(
  trx: Knex.Transaction,
  ids: string[],
): Promise<{ id: string; timezone: string }[]> {
  return trx('guests').whereIn('id', ids).orderBy('id').forNoKeyUpdate().select('id', 'timezone');
}

/** The campaign's held-out guests. */
export async function heldOutCount(db: Knex, campaignId: string): Promise<number> {
  const row: { n: number } = await db('campaign_recipients')
    .where({ campaign_id: campaignId, holdout: true })
    .first(db.raw('count(*)::int as n'));
  return row.n;
}

/** The distinct zones of these guests. */
export async function zonesOf(db: Knex, ids: string[]): Promise<string[]> {
  const rows: { timezone: string }[] = await db('guests').whereIn('id', ids).distinct('timezone');
  return rows.map((r) => r.timezone);
}

/** The audience planned, and how many of it the holdout took. */
export async function plannedCounts(
  db: Knex,
  campaignId: string,
): Promise<{ audience: number; heldOut: number }> {
  const row: { audience: number; held_out: number } = await db('campaign_recipients')
    .where({ campaign_id: campaignId })
    .first(db.raw('count(*)::int as audience'), db.raw('count(*) filter (where holdout)::int as held_out'));
  return { audience: row.audience, heldOut: row.held_out };
}

// ---- the facts of the send decisions -------------------------------------------------------------------------

/** What the mail policy decides a campaign mail on, per guest (activities/mail.ts planMail reads the same). */
export interface MailFactsRow {
  id: string;
  timezone: string;
  /** For the mail's greeting and language (read by the activity that renders it; never in workflow history). */
  first_name: string;
  last_name: string;
  locale: string;
  email: string | null;
  marketing_consent: boolean;
  /** When the guest's personal data was erased (migration 030), or null. */
  erased_at: Date | null;
  /** Service cases not closed: open, or resolved and waiting for the guest's satisfaction check. */
  open_cases: number;
  /** Marketing mails queued or sent, planned at or after the guest's frequency window start. */
  marketing_mails: number;
}

/**
 * The send facts of the guests `ids` (a list, or a query selecting guest ids as `id`), with the frequency
 * window's start per zone (`sinceByZone`, an ISO instant per timezone): the same counts as db/repositories/
 * mail-plan.ts `marketingMailsSince` and `openServiceCases`, for many guests in one statement.
 */
export async function mailFacts(
  db: Knex,
  ids: string[] | Knex.QueryBuilder,
  sinceByZone: Record<string, string>,
): Promise<MailFactsRow[]> {
  const who = Array.isArray(ids) ? db.raw('select unnest(?::uuid[]) as id', [ids]) : db.raw('?', [ids]);
  const rows: MailFactsRow[] = await db
    .with('who', who)
    .from('who')
    .join('guests as g', 'g.id', 'who.id')
    .select(
      'g.id',
      'g.timezone',
      'g.first_name',
      'g.last_name',
      'g.locale',
      'g.email',
      'g.marketing_consent',
      'g.erased_at',
      db.raw(
        `(select count(*) from service_cases c where c.guest_id = g.id and c.status in ('open', 'resolved'))::int
           as open_cases`,
      ),
      db.raw(
        `(select count(*) from mail_outbox m
           where m.guest_id = g.id and m.class = 'marketing' and m.status in ('pending', 'sent')
             and m.planned_at >= (?::jsonb ->> g.timezone)::timestamptz)::int as marketing_mails`,
        [JSON.stringify(sinceByZone)],
      ),
    );
  return rows;
}

/** The audience query's guest ids (for `mailFacts` over a whole segment). */
export function audienceIds(db: Knex, definition: SegmentDefinition, ctx: SegmentContext, spent: number) {
  return segmentQuery(db, definition, ctx, spent).select('x.id');
}

// ---- the fan-out -----------------------------------------------------------------------------------------------

export interface ClaimedRecipient {
  guest_id: string;
  outbox_id: number | null;
  send_at: Date;
}

/**
 * Takes up to `limit` planned recipients whose send time has come (`now`), oldest send time first, into
 * `sending`. Rows another attempt is taking at the same moment are skipped, not waited for.
 */
export async function claimDue(
  db: Knex,
  campaignId: string,
  now: Date,
  limit: number,
): Promise<ClaimedRecipient[]> {
  const rows = await db.raw<{ rows: ClaimedRecipient[] }>(
    `update campaign_recipients r set state = 'sending', updated_at = now()
       from (select guest_id from campaign_recipients
              where campaign_id = ? and state = 'planned' and send_at <= ?
              order by send_at, guest_id limit ? for update skip locked) d
      where r.campaign_id = ? and r.guest_id = d.guest_id
      returning r.guest_id, r.outbox_id, r.send_at`,
    [campaignId, now, limit, campaignId],
  );
  return rows.rows.map((r) => ({ ...r, outbox_id: r.outbox_id === null ? null : Number(r.outbox_id) }));
}

/**
 * Held-out guests whose send time has come and who were not judged yet: taken (their reason set to `judging`,
 * so two batches never take the same), for the mail policy's verdict on what they would have got.
 */
export async function holdoutDue(db: Knex, campaignId: string, now: Date, limit: number): Promise<string[]> {
  const rows = await db.raw<{ rows: { guest_id: string }[] }>(
    `update campaign_recipients r set reason = 'judging', updated_at = now()
       from (select guest_id from campaign_recipients
              where campaign_id = ? and state = 'held_out' and reason is null and send_at <= ?
              order by send_at, guest_id limit ? for update skip locked) d
      where r.campaign_id = ? and r.guest_id = d.guest_id
      returning r.guest_id`,
    [campaignId, now, limit, campaignId],
  );
  return rows.rows.map((r) => r.guest_id);
}

export interface RecipientUpdate {
  guest_id: string;
  state: RecipientState;
  reason?: string | null;
  outbox_id?: number | null;
  /** A mail the policy held for its window: planned again for then. */
  send_at?: Date;
}

/** Records what became of recipients, in one statement. */
export async function updateRecipients(
  db: Knex,
  campaignId: string,
  updates: RecipientUpdate[],
): Promise<void> {
  if (updates.length === 0) return;
  await db.raw(
    `update campaign_recipients r
        set state = u.state, reason = coalesce(u.reason, r.reason), outbox_id = coalesce(u.outbox_id, r.outbox_id),
            send_at = coalesce(u.send_at, r.send_at), updated_at = now()
       from jsonb_to_recordset(?::jsonb) as u(guest_id uuid, state text, reason text, outbox_id bigint,
                                              send_at timestamptz)
      where r.campaign_id = ? and r.guest_id = u.guest_id`,
    [
      JSON.stringify(
        updates.map((u) => ({
          guest_id: u.guest_id,
          state: u.state,
          reason: u.reason ?? null,
          outbox_id: u.outbox_id ?? null,
          send_at: u.send_at ? u.send_at.toISOString() : null,
        })),
      ),
      campaignId,
    ],
  );
}

/**
 * Recipients left in `sending` by an attempt that is gone (a killed worker, a timed-out activity), settled by
 * what their mail became: sent, suppressed or failed as the outbox says; a mail still pending that an attempt
 * had claimed and whose lease has run out may have been accepted by the server before the attempt was lost, so
 * it is `failed` with `unknownReason`, on the outbox too, and never sent again; a mail never claimed (or no mail
 * yet) goes back to `planned`. Rows younger than `olderThanSeconds`, or whose mail an attempt still holds, are
 * left to that attempt. How many of each.
 */
export async function settleStranded(
  db: Knex,
  campaignId: string,
  olderThanSeconds: number,
  unknownReason: string,
): Promise<{ settled: number; unknown: number; replanned: number }> {
  return db.transaction(async (trx) => {
    const stranded = await trx.raw<{
      rows: {
        guest_id: string;
        outbox_id: number | null;
        status: string | null;
        suppression_reason: string | null;
        lost: boolean | null;
      }[];
    }>(
      `select r.guest_id, r.outbox_id, m.status, m.suppression_reason, m.claimed_until,
              (m.claimed_until is not null and m.claimed_until < now()) as lost
         from campaign_recipients r left join mail_outbox m on m.id = r.outbox_id
        where r.campaign_id = ? and r.state = 'sending' and r.updated_at < now() - make_interval(secs => ?)
          and (m.id is null or m.claimed_until is null or m.claimed_until < now() or m.status <> 'pending')
        for update of r skip locked`,
      [campaignId, olderThanSeconds],
    );
    const updates: RecipientUpdate[] = [];
    const lostMails: number[] = [];
    let replanned = 0;
    for (const r of stranded.rows) {
      if (r.status === 'sent') updates.push({ guest_id: r.guest_id, state: 'sent' });
      else if (r.status === 'suppressed')
        updates.push({ guest_id: r.guest_id, state: 'suppressed', reason: r.suppression_reason });
      else if (r.status === 'failed') updates.push({ guest_id: r.guest_id, state: 'failed' });
      else if (r.status === 'pending' && r.lost) {
        updates.push({ guest_id: r.guest_id, state: 'failed', reason: unknownReason });
        lostMails.push(Number(r.outbox_id));
      } else {
        updates.push({ guest_id: r.guest_id, state: 'planned' });
        replanned++;
      }
    }
    if (lostMails.length > 0)
      await trx('mail_outbox')
        .whereIn('id', lostMails)
        .where({ status: 'pending' })
        .update({ status: 'failed', last_error: unknownReason, claimed_until: null });
    await updateRecipients(trx, campaignId, updates);
    return { settled: updates.length, unknown: lostMails.length, replanned };
  });
}

/** Every recipient not yet reached → `cancelled`, and their mails held for later → suppressed. How many. */
export async function cancelRemaining(db: Knex, campaignId: string, reason: string): Promise<number> {
  return db.transaction(async (trx) => {
    const rows: { outbox_id: string | null }[] = await trx('campaign_recipients')
      .where({ campaign_id: campaignId, state: 'planned' })
      .update({ state: 'cancelled', reason, updated_at: trx.fn.now() })
      .returning('outbox_id');
    const held = rows.filter((r) => r.outbox_id !== null).map((r) => Number(r.outbox_id));
    if (held.length > 0)
      await trx('mail_outbox')
        .whereIn('id', held)
        .where({ status: 'pending' })
        .whereNull('claimed_until')
        .update({ status: 'suppressed', suppression_reason: reason });
    return rows.length;
  });
}

// ---- progress and results -------------------------------------------------------------------------------------

export interface ProgressRow {
  byState: Partial<Record<RecipientState, number>>;
  suppressedByReason: Record<string, number>;
  failedByReason: Record<string, number>;
  heldUntilLocalTime: number;
  /** The earliest send time still ahead (ISO), null when none. */
  nextSendAt: string | null;
}

/** Counts of the campaign's recipients by state, suppressed and failed by reason, and those still ahead. */
export async function progress(db: Knex, campaignId: string, now: Date): Promise<ProgressRow> {
  const [states, reasons, ahead] = await Promise.all([
    db('campaign_recipients')
      .where({ campaign_id: campaignId })
      .groupBy('state')
      .select('state', db.raw('count(*)::int as n')) as Promise<{ state: RecipientState; n: number }[]>,
    db('campaign_recipients')
      .where({ campaign_id: campaignId })
      .whereIn('state', ['suppressed', 'failed'])
      .groupBy('state', db.raw(`split_part(coalesce(reason, 'smtp_refused'), ':', 1)`))
      .select(
        'state',
        db.raw(`split_part(coalesce(reason, 'smtp_refused'), ':', 1) as reason`),
        db.raw('count(*)::int as n'),
      ) as Promise<{ state: string; reason: string; n: number }[]>,
    db('campaign_recipients')
      .where({ campaign_id: campaignId, state: 'planned' })
      .where('send_at', '>', now)
      .first(db.raw('count(*)::int as n'), db.raw('min(send_at) as next')) as Promise<{
      n: number;
      next: Date | null;
    }>,
  ]);
  const byState: Partial<Record<RecipientState, number>> = {};
  for (const s of states) byState[s.state] = s.n;
  const suppressedByReason: Record<string, number> = {};
  const failedByReason: Record<string, number> = {};
  for (const r of reasons) (r.state === 'suppressed' ? suppressedByReason : failedByReason)[r.reason] = r.n;
  return {
    byState,
    suppressedByReason,
    failedByReason,
    heldUntilLocalTime: ahead?.n ?? 0,
    nextSendAt: ahead?.next ? ahead.next.toISOString() : null,
  };
}

/**
 * What the fan-out has left: recipients planned or held out and not yet judged (and the earliest send time among
 * them), and in `sending`.
 */
export async function remaining(
  db: Knex,
  campaignId: string,
  now: Date,
): Promise<{ planned: number; due: number; sending: number; nextSendAt: string | null }> {
  // Held-out guests not yet judged (`holdoutDue`) wait for their send time like the planned ones.
  const waiting = `(state = 'planned' or (state = 'held_out' and reason is null))`;
  const row: { planned: number; due: number; sending: number; next: Date | null } = await db(
    'campaign_recipients',
  )
    .where({ campaign_id: campaignId })
    .whereIn('state', ['planned', 'sending', 'held_out'])
    .first(
      db.raw(`count(*) filter (where ${waiting})::int as planned`),
      db.raw(`count(*) filter (where ${waiting} and send_at <= ?)::int as due`, [now]),
      db.raw(`count(*) filter (where state = 'sending')::int as sending`),
      db.raw(`min(send_at) filter (where ${waiting}) as next`),
    );
  return {
    planned: row.planned,
    due: row.due,
    sending: row.sending,
    nextSendAt: row.next ? row.next.toISOString() : null,
  };
}

export interface OutcomeRow {
  group: 'treated' | 'holdout';
  guests: number;
  booked: number;
  stayed: number;
  converted: number;
  unsubscribed: number;
}

/**
 * The campaign's result per group: those who got the mail (`sent`) and the held-out guests it would have reached
 * (judged by the same policy at their send time: like for like). Converted: a booking made,
 * or a stay begun, within `days` after the guest's send time (the holdout's planned one). Unsubscribed: the
 * guest turned marketing consent off (`consentOffAction` in the audit log) within the window.
 */
export async function outcomes(
  db: Knex,
  campaignId: string,
  days: number,
  consentOffAction: string,
  /** The reason of a held-out guest the mail would have reached (domain/campaigns.ts HOLDOUT_ELIGIBLE). */
  eligibleReason: string,
): Promise<OutcomeRow[]> {
  const rows = await db.raw<{ rows: OutcomeRow[] }>(
    `select case when r.holdout then 'holdout' else 'treated' end as "group",
            count(*)::int as guests,
            count(*) filter (where b.booked)::int as booked,
            count(*) filter (where s.stayed)::int as stayed,
            count(*) filter (where b.booked or s.stayed)::int as converted,
            count(*) filter (where u.unsubscribed)::int as unsubscribed
       from campaign_recipients r
       cross join lateral (select exists (select 1 from bookings b where b.guest_id = r.guest_id
                             and b.created_at >= r.send_at and b.created_at < r.send_at + make_interval(days => ?))
                             as booked) b
       cross join lateral (select exists (select 1 from stays s where s.guest_id = r.guest_id
                             and s.cancelled_at is null
                             and s.arrival >= (r.send_at at time zone 'UTC')::date
                             and s.arrival < (r.send_at at time zone 'UTC')::date + ?::int) as stayed) s
       cross join lateral (select exists (select 1 from audit_log a where a.subject = 'guest:' || r.guest_id
                             and a.action = ? and a.at >= r.send_at
                             and a.at < r.send_at + make_interval(days => ?)) as unsubscribed) u
      where r.campaign_id = ? and (r.state = 'sent' or (r.holdout and r.reason = ?))
      group by 1`,
    [days, days, consentOffAction, days, campaignId, eligibleReason],
  );
  return rows.rows;
}
