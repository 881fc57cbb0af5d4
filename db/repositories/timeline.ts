/**
 * What a guest's timeline is made of, read from where the engine records it: stage and tier history, the points
 * ledger with the stays, the mail outbox, the audited steps of the guest's service cases, the PMS events
 * received, the audit entries about the guest (staff requests, profile changes, links the guest followed, staff
 * actions on the workflow) and the staff requests still waiting for the workflow. lib/guest-timeline.ts makes
 * entries of these rows for `GET /v1/guests/:id/timeline` (a page, newest first) and for the simulator
 * (sim/timeline.ts: every row, oldest first).
 *
 * Every row carries `at`, the instant of its entry (truncated to the millisecond, so that a cursor of a
 * JavaScript Date is exact), and `sort_key`, which orders entries of the same instant: `<source>:<id>` with
 * numeric ids zero-padded to 20 digits, a PMS event's id as its md5 (ASCII only, so PostgreSQL's "C" collation
 * and JavaScript's `<` agree). A page is ordered by (`at`, `sort_key`) descending and starts after a cursor's
 * pair; each source answers at most `limit` rows of the page, which the caller merges.
 *
 * Never read here: a mail's address or Message-ID (`mailDeliveries` is the simulator's), the payload of a PMS
 * event, the words of a case or a survey.
 */
import type { Knex } from 'knex';

/** A page of one source: at most `limit` rows before (`at`, `key`), newest first. */
export interface TimelinePage {
  limit: number;
  before?: { at: Date; key: string } | undefined;
}

interface Keyed {
  /** The entry's instant, to the millisecond. */
  at: Date;
  sort_key: string;
}

export interface StageRow extends Keyed {
  id: number;
  from_stage: string | null;
  to_stage: string;
  reason: string;
  actor: string;
}

export interface TierRow extends Keyed {
  id: number;
  tier: string;
  previous_tier: string;
  /** 'YYYY-MM-DD' */
  valid_from: string;
  valid_through: string | null;
  source: string;
  reason: string;
  rules_version: number | null;
}

export interface LedgerRow extends Keyed {
  id: number;
  points: number;
  balance_after: number;
  reason: string;
  source: string | null;
  rules_version: number | null;
  staff_request_id: string | null;
  effective_at: Date | null;
  stay_id: string | null;
  pms_stay_id: string | null;
  property_code: string | null;
  arrival: string | null;
  departure: string | null;
  nights: number | null;
}

export interface MailRow extends Keyed {
  id: number;
  template: string;
  template_version: number | null;
  class: 'transactional' | 'marketing';
  audience: 'guest' | 'staff';
  status: 'pending' | 'sent' | 'suppressed' | 'failed';
  subject: string;
  created_at: Date;
  planned_at: Date | null;
  send_at: Date | null;
  sent_at: Date | null;
  suppression_reason: string | null;
  attempts: number;
  last_error: string | null;
}

export interface CaseStepRow extends Keyed {
  id: number;
  case_id: string;
  action: string;
  actor: string;
  after: unknown;
  opened_at: Date;
}

export interface PmsEventRow extends Keyed {
  id: string;
  type: string;
  occurred_at: Date;
  received_at: Date;
  handled_at: Date | null;
  rejected_at: Date | null;
  rejection_reason: string | null;
}

export interface GuestAuditRow extends Keyed {
  id: number;
  action: string;
  actor: string;
  after: unknown;
}

export interface PendingStaffRequestRow extends Keyed {
  id: string;
  kind: string;
  body: unknown;
  actor: string;
}

/** Every source of the timeline, each oldest first (all rows) or newest first (a page). */
export interface TimelineRows {
  stages: StageRow[];
  tiers: TierRow[];
  ledger: LedgerRow[];
  mails: MailRow[];
  caseSteps: CaseStepRow[];
  pmsEvents: PmsEventRow[];
  guestAudit: GuestAuditRow[];
  staffRequests: PendingStaffRequestRow[];
}

const padded = (prefix: string, id: string) => `'${prefix}:' || lpad(${id}::text, 20, '0')`;

/**
 * Selects `at` and `sort_key` of a source from the expressions of its instant and key; with a page, the rows
 * after the cursor, newest first, at most `limit`; without, every row in `recordOrder`.
 */
function keyed(
  db: Knex,
  q: Knex.QueryBuilder,
  source: { at: string; key: string; recordOrder: string },
  page: TimelinePage | undefined,
): Knex.QueryBuilder {
  const at = `date_trunc('milliseconds', ${source.at})`;
  const key = `(${source.key}) collate "C"`;
  void q.select(db.raw(`${at} as at`), db.raw(`${key} as sort_key`));
  if (!page) return q.orderByRaw(source.recordOrder);
  if (page.before)
    void q.whereRaw(`(${at}, ${key}) < (?::timestamptz, ?::text collate "C")`, [
      page.before.at,
      page.before.key,
    ]);
  return q.orderByRaw(`${at} desc, ${key} desc`).limit(page.limit);
}

/** The guest's rows of every source: all of them, or one page of each (see the file comment). */
export async function timelineRows(db: Knex, guestId: string, page?: TimelinePage): Promise<TimelineRows> {
  const [stages, tiers, ledger, mails, caseSteps, pmsEvents, guestAudit, staffRequests] = await Promise.all([
    keyed(
      db,
      db('stage_history')
        .where({ guest_id: guestId })
        .select('id', 'from_stage', 'to_stage', 'reason', 'actor'),
      { at: 'at', key: padded('stage', 'id'), recordOrder: 'id' },
      page,
    ) as Promise<StageRow[]>,
    keyed(
      db,
      db('tier_history')
        .where({ guest_id: guestId })
        .select(
          'id',
          'tier',
          'previous_tier',
          'valid_from',
          'valid_through',
          'source',
          'reason',
          'rules_version',
        ),
      { at: 'at', key: padded('tier', 'id'), recordOrder: 'id' },
      page,
    ) as Promise<TierRow[]>,
    keyed(
      db,
      db('points_ledger as l')
        .leftJoin('stays as s', 's.id', 'l.stay_id')
        .where('l.guest_id', guestId)
        .select(
          'l.id',
          'l.points',
          'l.balance_after',
          'l.reason',
          'l.source',
          'l.rules_version',
          'l.staff_request_id',
          'l.effective_at',
          'l.stay_id',
          's.pms_stay_id',
          's.property_code',
          's.arrival',
          's.departure',
          's.nights',
        ),
      { at: 'l.created_at', key: padded('ledger', 'l.id'), recordOrder: 'l.id' },
      page,
    ) as Promise<LedgerRow[]>,
    keyed(
      db,
      db('mail_outbox')
        .where({ guest_id: guestId })
        .select(
          'id',
          'template',
          'template_version',
          'class',
          'audience',
          'status',
          'subject',
          'created_at',
          'planned_at',
          'send_at',
          'sent_at',
          'suppression_reason',
          'attempts',
          'last_error',
        ),
      {
        // A sent mail when it went; any other when it was decided (queued, held, suppressed).
        at: "case when status = 'sent' then coalesce(sent_at, created_at) else created_at end",
        key: padded('mail', 'id'),
        recordOrder: 'id',
      },
      page,
    ) as Promise<MailRow[]>,
    keyed(
      db,
      db('audit_log as a')
        .join('service_cases as c', 'a.subject', db.raw("'case:' || c.id::text"))
        .where('c.guest_id', guestId)
        .select('a.id', 'c.id as case_id', 'a.action', 'a.actor', 'a.after', 'c.opened_at'),
      {
        // The opening is dated by the case (when the guest raised it), every later step by its audit entry.
        at: "case when a.action = 'case.opened' then c.opened_at else a.at end",
        key: padded('audit', 'a.id'),
        recordOrder: 'a.id',
      },
      page,
    ) as Promise<CaseStepRow[]>,
    keyed(
      db,
      db('pms_events')
        .where({ guest_id: guestId })
        .select('id', 'type', 'occurred_at', 'received_at', 'handled_at', 'rejected_at', 'rejection_reason'),
      { at: 'received_at', key: "'pms:' || md5(id)", recordOrder: 'received_at, id' },
      page,
    ) as Promise<PmsEventRow[]>,
    keyed(
      db,
      db('audit_log')
        .where({ subject: `guest:${guestId}` })
        .select('id', 'action', 'actor', 'after'),
      { at: 'at', key: padded('audit', 'id'), recordOrder: 'id' },
      page,
    ) as Promise<GuestAuditRow[]>,
    keyed(
      db,
      db('staff_requests')
        .where({ guest_id: guestId, status: 'pending' })
        .select('id', 'kind', 'body', 'actor'),
      { at: 'created_at', key: "'request:' || id::text", recordOrder: 'created_at, id' },
      page,
    ) as Promise<PendingStaffRequestRow[]>,
  ]);
  return { stages, tiers, ledger, mails, caseSteps, pmsEvents, guestAudit, staffRequests };
}

/** The guest's mails waiting to go: pending rows (held for their send time, or being delivered). */
export async function pendingMails(
  db: Knex,
  guestId: string,
): Promise<
  {
    id: number;
    template: string;
    class: 'transactional' | 'marketing';
    send_at: Date | null;
    planned_at: Date | null;
    created_at: Date;
  }[]
> {
  return db('mail_outbox')
    .where({ guest_id: guestId, status: 'pending' })
    .orderBy('id')
    .select('id', 'template', 'class', 'send_at', 'planned_at', 'created_at');
}

/** A running post-stay follow-up of the guest: its pinned version's steps, the steps done, its stay's anchors. */
export interface RunningFollowUpRow {
  workflow_id: string;
  stay_id: string;
  cadence_key: string;
  cadence_version: number;
  steps_done: string[];
  /** jsonb as stored (domain/cadence.ts checkSteps). */
  steps: unknown;
  checked_out_at: Date;
  /** 'YYYY-MM-DD' */
  arrival: string;
  /** The property's zone (property_settings), else null. */
  property_timezone: string | null;
  guest_timezone: string;
}

export async function runningFollowUps(db: Knex, guestId: string): Promise<RunningFollowUpRow[]> {
  return db('follow_ups as f')
    .join('cadence_versions as v', function () {
      this.on('v.cadence_key', 'f.cadence_key').andOn('v.version', 'f.cadence_version');
    })
    .join('stays as s', 's.id', 'f.stay_id')
    .join('guests as g', 'g.id', 'f.guest_id')
    .leftJoin('property_settings as p', 'p.property_code', 's.property_code')
    .where({ 'f.guest_id': guestId, 'f.status': 'running' })
    .orderBy('f.started_at')
    .select(
      'f.workflow_id',
      'f.stay_id',
      'f.cadence_key',
      'f.cadence_version',
      'f.steps_done',
      'v.steps',
      's.checked_out_at',
      's.arrival',
      'p.timezone as property_timezone',
      'g.timezone as guest_timezone',
    );
}

/** The simulator's summary line of a guest: the record's standing, the balance and the number of stays. */
export async function guestSummary(
  db: Knex,
  guestId: string,
): Promise<
  | {
      pms_profile_id: string;
      timezone: string;
      member_number: string | null;
      stage: string;
      tier: string;
      tier_floor: string | null;
      balance: number;
      stays: number;
    }
  | undefined
> {
  return (
    (await db('guests as g')
      .where('g.id', guestId)
      .first(
        'g.pms_profile_id',
        'g.timezone',
        'g.member_number',
        'g.stage',
        'g.tier',
        'g.tier_floor',
        db.raw('(select coalesce(sum(points), 0)::int from points_ledger where guest_id = g.id) as balance'),
        db.raw('(select count(*)::int from stays where guest_id = g.id and cancelled_at is null) as stays'),
      )) ?? undefined
  );
}

/**
 * Where each of the guest's mails was addressed and its Message-ID: the simulator matches them with what its
 * SMTP sink received. Not for the API's timeline, which shows no contact data.
 */
export async function mailDeliveries(
  db: Knex,
  guestId: string,
): Promise<Map<number, { toAddress: string; messageId: string }>> {
  const rows = await db('mail_outbox')
    .where({ guest_id: guestId })
    .select<{ id: number; to_address: string; message_id: string }[]>('id', 'to_address', 'message_id');
  return new Map(rows.map((r) => [Number(r.id), { toAddress: r.to_address, messageId: r.message_id }]));
}
