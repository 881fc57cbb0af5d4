/**
 * Service cases (complaints) and what staff do on them: the case row (the marketing planner pauses a guest
 * while a row of theirs has `status = 'open'`), the staff requests with their words (`case_requests`, keyed by
 * the Temporal Update id: workflow history carries the id and numbers, Postgres the text), notes,
 * compensations, and the property settings escalations are addressed with. Every write is keyed, so a retried
 * activity or request changes nothing.
 */
import type { Knex } from 'knex';
import * as audit from './audit.js';
import { insertPendingIfAbsent } from './request-rows.js';
import type { NewOutboxRow, OutboxRow } from './outbox.js';
import type {
  CaseCategory,
  CaseCause,
  CaseCostBucket,
  CasePriority,
  CaseSlaState,
  CaseSource,
  CaseStatus,
  CompensationKind,
} from '../../domain/cases.js';

export interface CaseRow {
  id: string;
  guest_id: string;
  workflow_id: string;
  status: CaseStatus;
  source: CaseSource;
  category: CaseCategory;
  cause: CaseCause | null;
  priority: CasePriority;
  property_code: string;
  department: string;
  received_by: string;
  assignee: string | null;
  description: string | null;
  stay_id: string | null;
  survey_score: number | null;
  opened_at: Date;
  acknowledged_at: Date | null;
  sla_state: CaseSlaState;
  escalated_at: Date | null;
  resolved_at: Date | null;
  resolution: string | null;
  resolutions: number;
  cost_bucket: CaseCostBucket | null;
  satisfaction_asked_at: Date | null;
  satisfied: boolean | null;
  satisfaction_at: Date | null;
  reopened: number;
  closed_at: Date | null;
  idempotency_key: string;
  created_at: Date;
  updated_at: Date;
}

export interface NewCase {
  id: string;
  guestId: string;
  workflowId: string;
  source: CaseSource;
  category: CaseCategory;
  cause?: CaseCause | null;
  priority: CasePriority;
  propertyCode: string;
  department: string;
  receivedBy: string;
  description?: string | null;
  stayId?: string | null;
  surveyScore?: number | null;
  openedAt: Date;
  idempotencyKey: string;
}

/**
 * Opens a case once per idempotency key, with its `case.opened` audit entry, in one transaction; a repeat
 * returns the case already there (`created` false) and writes nothing.
 */
export async function openCase(
  db: Knex,
  input: NewCase,
  actor: string,
): Promise<{ row: CaseRow; created: boolean }> {
  return db.transaction(async (trx) => {
    const [row] = (await trx('service_cases')
      .insert({
        id: input.id,
        guest_id: input.guestId,
        workflow_id: input.workflowId,
        status: 'open',
        source: input.source,
        category: input.category,
        cause: input.cause ?? null,
        priority: input.priority,
        property_code: input.propertyCode,
        department: input.department,
        received_by: input.receivedBy,
        description: input.description ?? null,
        stay_id: input.stayId ?? null,
        survey_score: input.surveyScore ?? null,
        opened_at: input.openedAt,
        idempotency_key: input.idempotencyKey,
      })
      .onConflict('idempotency_key')
      .ignore()
      .returning('*')) as CaseRow[];
    if (!row) {
      const existing = await trx<CaseRow>('service_cases')
        .where({ idempotency_key: input.idempotencyKey })
        .first();
      if (!existing) throw new Error(`case ${input.idempotencyKey} vanished after a conflict`);
      return { row: existing, created: false };
    }
    await audit.record(trx, {
      actor,
      action: 'case.opened',
      subject: `case:${row.id}`,
      after: {
        guestId: row.guest_id,
        source: row.source,
        category: row.category,
        cause: row.cause,
        priority: row.priority,
        propertyCode: row.property_code,
        department: row.department,
        receivedBy: row.received_by,
        openedAt: row.opened_at,
      },
    });
    return { row, created: true };
  });
}

export async function findCase(
  db: Knex,
  id: string,
  opts: { lock?: boolean } = {},
): Promise<CaseRow | undefined> {
  const q = db<CaseRow>('service_cases').where({ id });
  return (opts.lock ? await q.forUpdate().first() : await q.first()) ?? undefined;
}

export async function findCaseByKey(db: Knex, key: string): Promise<CaseRow | undefined> {
  return (await db<CaseRow>('service_cases').where({ idempotency_key: key }).first()) ?? undefined;
}

export async function updateCase(db: Knex, id: string, patch: Partial<CaseRow>): Promise<void> {
  await db('service_cases')
    .where({ id })
    .update({ ...patch, updated_at: db.fn.now() });
}

/** Marks the case acknowledged at `at` unless it is already; false when it was. */
export async function markAcknowledged(db: Knex, id: string, at: Date): Promise<boolean> {
  const n = await db('service_cases')
    .where({ id })
    .whereNull('acknowledged_at')
    .update({ acknowledged_at: at, updated_at: db.fn.now() });
  return n > 0;
}

export interface CaseFilter {
  status?: CaseStatus | undefined;
  department?: string | undefined;
  slaState?: CaseSlaState | undefined;
  priority?: string | undefined;
  propertyCode?: string | undefined;
  guestId?: string | undefined;
  /** Cases opened before this one (the previous page's last), newest first. */
  before?: { openedAt: Date; id: string } | undefined;
  limit: number;
}

/** Cases by status, department, SLA state, priority, property or guest; newest first. */
export async function listCases(db: Knex, filter: CaseFilter): Promise<CaseRow[]> {
  const q = db<CaseRow>('service_cases');
  if (filter.status) q.where('status', filter.status);
  if (filter.department) q.where('department', filter.department);
  if (filter.slaState) q.where('sla_state', filter.slaState);
  if (filter.priority) q.where('priority', filter.priority);
  if (filter.propertyCode) q.where('property_code', filter.propertyCode);
  if (filter.guestId) q.where('guest_id', filter.guestId);
  if (filter.before) {
    const { openedAt, id } = filter.before;
    q.whereRaw('(opened_at, id) < (?, ?)', [openedAt, id]);
  }
  return q
    .orderBy([
      { column: 'opened_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(filter.limit);
}

/** The guest's cases not closed (open, or resolved and waiting for the guest's answer), newest first. */
export async function unclosedByGuest(db: Knex, guestId: string, limit: number): Promise<CaseRow[]> {
  return db<CaseRow>('service_cases')
    .where({ guest_id: guestId })
    .whereIn('status', ['open', 'resolved'])
    .orderBy([
      { column: 'opened_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit);
}

// --- settings ------------------------------------------------------------------------------------------------

export interface CaseSettings {
  frontlineLimit: string;
  frontlineLimitCurrency: string;
  managerApprovalLimit: string;
  ackMinutes: number;
  dutyManagerHours: number;
  generalManagerHours: number;
  satisfactionCheckDays: number;
  satisfactionAnswerDays: number;
}

export async function caseSettings(db: Knex, id = 'default'): Promise<CaseSettings | undefined> {
  const row = (await db('program_settings').where({ id }).first()) as
    | {
        frontline_limit: string;
        frontline_limit_currency: string;
        manager_approval_limit: string;
        case_ack_minutes: number;
        case_duty_manager_hours: number;
        case_general_manager_hours: number;
        case_satisfaction_check_days: number;
        case_satisfaction_answer_days: number;
      }
    | undefined;
  if (!row) return undefined;
  return {
    frontlineLimit: row.frontline_limit,
    frontlineLimitCurrency: row.frontline_limit_currency.trim(),
    managerApprovalLimit: row.manager_approval_limit,
    ackMinutes: row.case_ack_minutes,
    dutyManagerHours: row.case_duty_manager_hours,
    generalManagerHours: row.case_general_manager_hours,
    satisfactionCheckDays: row.case_satisfaction_check_days,
    satisfactionAnswerDays: row.case_satisfaction_answer_days,
  };
}

export interface PropertySettingsRow {
  property_code: string;
  name: string;
  timezone: string;
  locale: string;
  duty_manager_email: string | null;
  general_manager_email: string | null;
}

export async function propertySettings(db: Knex, code: string): Promise<PropertySettingsRow | undefined> {
  return (
    (await db<PropertySettingsRow>('property_settings').where({ property_code: code }).first()) ?? undefined
  );
}

/** Creates or replaces a property's settings. */
export async function upsertPropertySettings(
  db: Knex,
  row: Omit<PropertySettingsRow, 'locale'> & { locale?: string },
): Promise<void> {
  await db('property_settings')
    .insert({ locale: 'en', ...row, updated_at: db.fn.now() })
    .onConflict('property_code')
    .merge();
}

/** A property's settings unless it has some already (the dev stack's demo hotel). */
export async function seedPropertySettings(
  db: Knex,
  row: Omit<PropertySettingsRow, 'locale'> & { locale?: string },
): Promise<void> {
  await db('property_settings')
    .insert({ locale: 'en', ...row })
    .onConflict('property_code')
    .ignore();
}

// --- staff requests on a case --------------------------------------------------------------------------------

export type CaseRequestKind = 'assign' | 'note' | 'compensation' | 'approval' | 'resolve' | 'satisfaction';

export interface CaseRequestRow {
  id: string;
  case_id: string;
  kind: CaseRequestKind;
  body: Record<string, unknown>;
  actor: string;
  status: 'pending' | 'applied';
  result: Record<string, unknown> | null;
  created_at: Date;
  decided_at: Date | null;
}

export async function findRequest(db: Knex, id: string): Promise<CaseRequestRow | undefined> {
  return (await db<CaseRequestRow>('case_requests').where({ id }).first()) ?? undefined;
}

/** Records a pending request unless its id is known; returns the row there. */
export async function insertRequestIfAbsent(
  db: Knex,
  input: { id: string; caseId: string; kind: CaseRequestKind; body: object; actor: string },
): Promise<{ request: CaseRequestRow; created: boolean }> {
  const { id, caseId, kind, body, actor } = input;
  return insertPendingIfAbsent<CaseRequestRow>(db, 'case_requests', {
    id,
    case_id: caseId,
    kind,
    body,
    actor,
  });
}

/** Marks a pending request applied with its result (false when it was not pending). */
export async function markRequestApplied(db: Knex, id: string, result: object): Promise<boolean> {
  const n = await db('case_requests')
    .where({ id, status: 'pending' })
    .update({ status: 'applied', result: JSON.stringify(result), decided_at: db.fn.now() });
  return n > 0;
}

/** Removes a request the workflow refused, unless something applied it meanwhile. */
export async function deletePendingRequest(db: Knex, id: string): Promise<boolean> {
  return (await db('case_requests').where({ id, status: 'pending' }).delete()) > 0;
}

// --- notes and compensations ---------------------------------------------------------------------------------

export interface CaseNoteRow {
  id: number;
  case_id: string;
  request_id: string;
  author: string;
  body: string;
  at: Date;
}

export async function addNote(
  db: Knex,
  input: { caseId: string; requestId: string; author: string; body: string; at: Date },
): Promise<CaseNoteRow> {
  const [row] = (await db('case_notes')
    .insert({
      case_id: input.caseId,
      request_id: input.requestId,
      author: input.author,
      body: input.body,
      at: input.at,
    })
    .onConflict('request_id')
    .ignore()
    .returning('*')) as CaseNoteRow[];
  return row ?? (await db<CaseNoteRow>('case_notes').where({ request_id: input.requestId }).first())!;
}

export async function listNotes(db: Knex, caseId: string): Promise<CaseNoteRow[]> {
  return db<CaseNoteRow>('case_notes').where({ case_id: caseId }).orderBy('id');
}

export interface CompensationRow {
  id: string;
  case_id: string;
  guest_id: string;
  kind: CompensationKind;
  amount: string;
  currency: string;
  value_cents: number;
  limit_currency: string;
  points: number | null;
  status: 'granted' | 'awaiting_approval';
  requested_by: string;
  approved_by: string | null;
  ledger_id: number | null;
  requested_at: Date;
  granted_at: Date | null;
}

export async function insertCompensation(
  db: Knex,
  row: Omit<CompensationRow, 'approved_by' | 'ledger_id' | 'granted_at'>,
): Promise<CompensationRow> {
  const [inserted] = (await db('case_compensations')
    .insert(row)
    .onConflict('id')
    .ignore()
    .returning('*')) as CompensationRow[];
  return inserted ?? (await findCompensation(db, row.id))!;
}

export async function findCompensation(db: Knex, id: string): Promise<CompensationRow | undefined> {
  return (await db<CompensationRow>('case_compensations').where({ id }).first()) ?? undefined;
}

export async function markCompensationGranted(
  db: Knex,
  id: string,
  input: { ledgerId: number | null; approvedBy: string | null; at: Date },
): Promise<void> {
  await db('case_compensations').where({ id }).update({
    status: 'granted',
    ledger_id: input.ledgerId,
    approved_by: input.approvedBy,
    granted_at: input.at,
  });
}

export async function listCompensations(db: Knex, caseId: string): Promise<CompensationRow[]> {
  return db<CompensationRow>('case_compensations').where({ case_id: caseId }).orderBy('requested_at');
}

export async function awaitingApproval(db: Knex, caseId: string): Promise<CompensationRow[]> {
  return db<CompensationRow>('case_compensations')
    .where({ case_id: caseId, status: 'awaiting_approval' })
    .orderBy('requested_at');
}

/** The case's audit trail, oldest first. */
export async function auditTrail(
  db: Knex,
  caseId: string,
): Promise<{ actor: string; action: string; after: unknown; at: Date }[]> {
  return db('audit_log')
    .where({ subject: `case:${caseId}` })
    .orderBy('id')
    .select('actor', 'action', 'after', 'at');
}

// --- staff mails ---------------------------------------------------------------------------------------------

/**
 * Queues a mail to a property's staff (an escalation) once per idempotency key, `audience = 'staff'`, under the
 * case's guest (an erasure finds it); with `suppressionReason` it records that the mail could not be sent.
 * A repeat returns the row already there.
 */
export async function enqueueStaffMail(
  db: Knex,
  row: NewOutboxRow & { suppressionReason?: string },
): Promise<OutboxRow> {
  const { suppressionReason, ...fields } = row;
  const [inserted] = (await db('mail_outbox')
    .insert({
      ...fields,
      audience: 'staff',
      ...(suppressionReason ? { status: 'suppressed', suppression_reason: suppressionReason } : {}),
    })
    .onConflict('idempotency_key')
    .ignore()
    .returning('*')) as OutboxRow[];
  return (
    inserted ?? (await db<OutboxRow>('mail_outbox').where({ idempotency_key: row.idempotency_key }).first())!
  );
}

/** How many cases were opened under idempotency keys starting with `prefix` (cases opened through one link). */
export async function countByKeyPrefix(db: Knex, prefix: string): Promise<number> {
  const like = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const row = (await db('service_cases').whereLike('idempotency_key', like).count({ n: '*' }).first()) as {
    n: number | string;
  };
  return Number(row.n);
}
