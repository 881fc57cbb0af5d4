/**
 * A data subject's rights in SQL (docs/privacy.md): everything held about a guest, for an access request
 * (`exportGuest`), and the erasure of the guest's personal data (`eraseGuest`), in the caller's transaction.
 * What a JSON value or a free text loses is decided in domain/privacy.ts.
 */
import type { Knex } from 'knex';
import {
  ERASED,
  ERASED_FIRST_NAME,
  ERASED_LAST_NAME,
  GUEST_ERASED_DETAIL,
  distinctiveNeedlesOf,
  erasedProfileId,
  holdsNeedle,
  needlesOf,
  redactJson,
  redactText,
} from '../../domain/privacy.js';
import { caseWorkflowId, inStayCareWorkflowId } from '../../domain/ids.js';
import { suppressionText } from '../../domain/mail-policy.js';
import * as consents from './consents.js';
import type { GuestRow } from './guests.js';

type Row = Record<string, unknown>;

/** The guest's own rows of each table that has a `guest_id`, by the name the export gives them. */
const GUEST_TABLES = {
  stays: 'stays',
  checkins: 'stay_checkins',
  bookings: 'bookings',
  ledger: 'points_ledger',
  tierHistory: 'tier_history',
  stageHistory: 'stage_history',
  consents: 'consent_history',
  surveyAnswers: 'survey_responses',
  preferences: 'guest_preferences',
  coupons: 'coupons',
  followUps: 'follow_ups',
  staffRequests: 'staff_requests',
  campaignRecipients: 'campaign_recipients',
  pmsEvents: 'pms_events',
} as const;

/** Tables read by a section of their own (mails, cases) or not the guest's (a referral's referrer). */
const READ_OTHERWISE = new Set(['guests', 'mail_outbox', 'service_cases', 'case_compensations']);

const ORDER: Record<string, string> = {
  stays: 'departure',
  stay_checkins: 'checked_in_at',
  bookings: 'arrival',
  points_ledger: 'id',
  tier_history: 'id',
  stage_history: 'id',
  consent_history: 'id',
  survey_responses: 'answered_at',
  guest_preferences: 'id',
  coupons: 'code',
  follow_ups: 'started_at',
  staff_requests: 'created_at',
  campaign_recipients: 'campaign_id',
  pms_events: 'received_at',
};

/** Tables of the public schema with a `guest_id` column (a table added later is exported too). */
async function tablesWithGuestId(db: Knex): Promise<string[]> {
  const { rows } = await db.raw<{ rows: { table_name: string }[] }>(
    `select c.table_name from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and c.column_name = 'guest_id' and t.table_type = 'BASE TABLE'
      order by c.table_name`,
  );
  return rows.map((r) => r.table_name);
}

const subjectsOf = (guestId: string, caseIds: readonly string[]) => [
  `guest:${guestId}`,
  ...caseIds.map((id) => `case:${id}`),
];

export interface GuestExport {
  exportedAt: string;
  guestId: string;
  profile: Row;
  mails: Row[];
  cases: Row[];
  audit: Row[];
  /** The sections of GUEST_TABLES, then any other table with the guest's rows (by its name). */
  [section: string]: unknown;
}

/**
 * Everything held about the guest: the profile, every table's rows of the guest (GUEST_TABLES, and any other table
 * with a `guest_id`), the mails with their facts, the cases with their notes, requests and compensations, the
 * audit entries about the guest and its cases. Undefined when no guest has this id.
 */
export async function exportGuest(db: Knex, guestId: string, now: Date): Promise<GuestExport | undefined> {
  const profile = (await db('guests').where({ id: guestId }).first()) as Row | undefined;
  if (!profile) return undefined;
  const out: GuestExport = {
    exportedAt: now.toISOString(),
    guestId,
    profile,
    mails: [],
    cases: [],
    audit: [],
  };
  const present = await tablesWithGuestId(db);
  for (const [section, table] of Object.entries(GUEST_TABLES)) {
    out[section] = present.includes(table)
      ? await db(table)
          .where({ guest_id: guestId })
          .orderBy(ORDER[table] ?? 'guest_id')
      : [];
  }
  const named = new Set<string>([...Object.values(GUEST_TABLES), ...READ_OTHERWISE]);
  for (const table of present.filter((t) => !named.has(t)))
    out[table] = await db(table).where({ guest_id: guestId });
  out.mails = await db('mail_outbox').where({ guest_id: guestId }).orderBy('id').select<Row[]>('*');
  const cases = (await db('service_cases').where({ guest_id: guestId }).orderBy('opened_at')) as Row[];
  const caseIds = cases.map((c) => String(c.id));
  const notes = (await db('case_notes').whereIn('case_id', caseIds).orderBy('id')) as Row[];
  const requests = (await db('case_requests').whereIn('case_id', caseIds).orderBy('created_at')) as Row[];
  const compensations = (await db('case_compensations')
    .whereIn('case_id', caseIds)
    .orderBy('requested_at')) as Row[];
  out.cases = cases.map((c) => ({
    ...c,
    notes: notes.filter((n) => n.case_id === c.id),
    requests: requests.filter((r) => r.case_id === c.id),
    compensations: compensations.filter((r) => r.case_id === c.id),
  }));
  out.audit = await db('audit_log')
    .whereIn('subject', subjectsOf(guestId, caseIds))
    .orderBy('id')
    .select<Row[]>('*');
  return out;
}

// --- erasure -------------------------------------------------------------------------------------------------

export interface Erasure {
  erasedAt: Date;
  /** The guest was erased before: nothing changed now. */
  alreadyErased: boolean;
  /** Rows changed, by table (what the audit entry records: counts, never values). */
  rows: Record<string, number>;
  /** Children of the guest's workflow that may still run (its `guest.erased` message asks them to stop). */
  childWorkflowIds: string[];
}

const likeAny = (needles: readonly string[]) =>
  needles.map((n) => `%${n.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);

/** Rewrites a JSON column of the rows through `redactJson`; returns how many changed. */
async function redactJsonColumns(
  trx: Knex.Transaction,
  table: string,
  key: string,
  rows: Row[],
  columns: readonly string[],
  needles: readonly string[],
  opts: { keys?: boolean } = {},
): Promise<number> {
  let changed = 0;
  for (const row of rows) {
    const update: Row = {};
    for (const column of columns) {
      const value = row[column];
      if (value === null || value === undefined) continue;
      const redacted = redactJson(value, needles, opts);
      if (JSON.stringify(redacted) !== JSON.stringify(value)) update[column] = JSON.stringify(redacted);
    }
    if (Object.keys(update).length === 0) continue;
    await trx(table)
      .where({ [key]: row[key] })
      .update(update);
    changed += 1;
  }
  return changed;
}

/**
 * Erases the guest's personal data, in the caller's transaction, with the guest's row locked (docs/privacy.md
 * lists every column): the profile and contact (names to placeholders, e-mail emptied, phone, birthday, member
 * number cleared, the PMS profile id replaced, `erased_at` set, consent off with a consent row `erasure`); the
 * mails' addresses, subjects, bodies and personal facts (pending ones withdrawn, `guest_erased`); the free text of
 * cases, case notes, case and staff requests, survey comments; preferences deleted; the PMS events' raw bodies
 * and the audit entries about the guest (and any entry that names the guest) redacted. Stays, check-ins,
 * bookings, ledger, tier and stage history, coupons and campaign rows stay: ids, dates, amounts and codes.
 * Undefined when no guest has this id; a guest erased before is answered with its first erasure's time.
 */
export async function eraseGuest(
  trx: Knex.Transaction,
  guestId: string,
  input: { at: Date; actor: string; auditId?: number | undefined },
): Promise<Erasure | undefined> {
  const guest = await trx('guests')
    .where({ id: guestId })
    .forUpdate()
    .first<(GuestRow & { erased_at: Date | null }) | undefined>();
  if (!guest) return undefined;
  if (guest.erased_at)
    return { erasedAt: guest.erased_at, alreadyErased: true, rows: {}, childWorkflowIds: [] };
  const needles = needlesOf(guest);
  const rows: Record<string, number> = {};
  const count = (table: string, n: number) => {
    rows[table] = (rows[table] ?? 0) + n;
  };

  // Children that may run: the follow-ups running, the cases not closed, the in-stay care of recent check-ins.
  const followUps = await trx('follow_ups')
    .where({ guest_id: guestId, status: 'running' })
    .pluck<string[]>('workflow_id');
  const cases = await trx('service_cases').where({ guest_id: guestId }).select<Row[]>('id', 'status');
  const caseIds = cases.map((c) => String(c.id));
  const checkins = await trx('stay_checkins')
    .where({ guest_id: guestId })
    .where('checked_in_at', '>', new Date(input.at.getTime() - 60 * 86_400_000))
    .pluck<string[]>('pms_stay_id');
  const childWorkflowIds = [
    ...followUps,
    ...cases.filter((c) => c.status !== 'closed').map((c) => caseWorkflowId(guestId, String(c.id))),
    ...checkins.map((s) => inStayCareWorkflowId(guestId, s)),
  ];

  // The profile and contact.
  await trx('guests')
    .where({ id: guestId })
    .update({
      first_name: ERASED_FIRST_NAME,
      last_name: ERASED_LAST_NAME,
      email: '',
      phone: null,
      birthday: null,
      member_number: null,
      pms_profile_id: erasedProfileId(guestId),
      marketing_consent: false,
      erased_at: input.at,
      updated_at: input.at,
    });
  count('guests', 1);
  await consents.recordChange(trx, {
    guestId,
    from: guest.marketing_consent,
    to: false,
    source: 'erasure',
    actor: input.actor,
    eventId: input.auditId !== undefined ? `audit:${input.auditId}` : null,
    at: input.at,
    always: true,
  });
  count('consent_history', 1);

  // Mails: pending ones withdrawn; every one loses its address, subject, bodies and personal facts.
  count(
    'mail_outbox',
    await trx('mail_outbox')
      .where({ guest_id: guestId, status: 'pending' })
      .update({
        status: 'suppressed',
        suppression_reason: suppressionText('guest_erased', GUEST_ERASED_DETAIL),
        claimed_until: null,
      }),
  );
  await trx('mail_outbox').where({ guest_id: guestId }).update({
    to_address: '',
    subject: ERASED,
    body_text: '',
    body_html: '',
    unsubscribe_url: null,
  });
  const mails = await trx('mail_outbox')
    .where({ guest_id: guestId })
    .whereNotNull('facts')
    .select<Row[]>('id', 'facts');
  count('mail_outbox', await redactJsonColumns(trx, 'mail_outbox', 'id', mails, ['facts'], needles));

  // Cases: their free text, notes, requests.
  if (caseIds.length > 0) {
    count(
      'service_cases',
      await trx('service_cases')
        .whereIn('id', caseIds)
        .update({
          description: trx.raw('case when description is null then null else ? end', [ERASED]),
          resolution: trx.raw('case when resolution is null then null else ? end', [ERASED]),
        }),
    );
    count('case_notes', await trx('case_notes').whereIn('case_id', caseIds).update({ body: ERASED }));
    const requests = await trx('case_requests')
      .whereIn('case_id', caseIds)
      .select<Row[]>('id', 'body', 'result');
    count(
      'case_requests',
      await redactJsonColumns(trx, 'case_requests', 'id', requests, ['body', 'result'], needles),
    );
  }
  count(
    'survey_responses',
    await trx('survey_responses')
      .where({ guest_id: guestId })
      .whereNotNull('comment')
      .update({ comment: null }),
  );
  count('guest_preferences', await trx('guest_preferences').where({ guest_id: guestId }).delete());
  const staffRequests = await trx('staff_requests')
    .where({ guest_id: guestId })
    .select<Row[]>('id', 'body', 'result');
  count(
    'staff_requests',
    await redactJsonColumns(trx, 'staff_requests', 'id', staffRequests, ['body', 'result'], needles),
  );

  // The PMS's raw bodies (they hold the profile as sent).
  const events = await trx('pms_events').where({ guest_id: guestId }).select<Row[]>('id', 'payload');
  count('pms_events', await redactJsonColumns(trx, 'pms_events', 'id', events, ['payload'], needles));
  // Events not acted on yet would be re-signalled by the sweeper for ever: their guest is gone.
  count(
    'pms_events',
    await trx('pms_events')
      .where({ guest_id: guestId })
      .whereNull('handled_at')
      .whereNull('rejected_at')
      .update({ rejected_at: input.at, rejection_reason: 'guest erased' }),
  );

  // The audit entries about the guest and its cases: personal keys and needles. Any other entry that names the
  // guest unmistakably (e-mail, whole name, phone, numbers): those needles only, the rest of it is someone else's.
  const subjects = subjectsOf(guestId, caseIds);
  const own = await trx('audit_log').whereIn('subject', subjects).select<Row[]>('id', 'before', 'after');
  count('audit_log', await redactJsonColumns(trx, 'audit_log', 'id', own, ['before', 'after'], needles));
  const distinctive = distinctiveNeedlesOf(guest);
  if (distinctive.length > 0) {
    const patterns = likeAny(distinctive);
    const others = await trx('audit_log')
      .whereNotIn('subject', subjects)
      .whereRaw('(before::text ilike any (?::text[]) or after::text ilike any (?::text[]))', [
        patterns,
        patterns,
      ])
      .select<Row[]>('id', 'before', 'after');
    count(
      'audit_log',
      await redactJsonColumns(trx, 'audit_log', 'id', others, ['before', 'after'], distinctive, {
        keys: false,
      }),
    );
  }

  return { erasedAt: input.at, alreadyErased: false, rows, childWorkflowIds };
}

/** A staff text (an erasure's reason) with the guest's own values removed, before the guest is erased. */
export async function withoutGuestValues(db: Knex, guestId: string, text: string): Promise<string> {
  const guest = await db('guests').where({ id: guestId }).first<GuestRow | undefined>();
  if (!guest) return text;
  const needles = needlesOf(guest);
  return holdsNeedle(text, needles) ? redactText(text, needles) : text;
}

/** When the guest was erased, or null; undefined when no guest has this id. */
export async function erasedAtOf(db: Knex, guestId: string): Promise<Date | null | undefined> {
  const row = await db('guests')
    .where({ id: guestId })
    .first<{ erased_at: Date | null } | undefined>('erased_at');
  return row ? row.erased_at : undefined;
}
