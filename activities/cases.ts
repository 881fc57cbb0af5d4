/**
 * Service recovery's side effects (workflows/service-recovery.ts decides, these do): where a case stands and
 * its agenda (ack due, escalations, satisfaction check — computed with luxon in the property's zone, never in
 * workflow code), each staff request applied once in one transaction with its audit entry (the words are read
 * from `case_requests`, never from workflow history), the deadlines, and the case mails to the guest and to
 * the property's staff. Every activity takes the workflow's `now`; every write is keyed.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { DateTime } from 'luxon';
import type { Knex } from 'knex';
import type { Db } from '../db/knex.js';
import * as audit from '../db/repositories/audit.js';
import * as cases from '../db/repositories/cases.js';
import * as guests from '../db/repositories/guests.js';
import * as ledger from '../db/repositories/ledger.js';
import * as outbox from '../db/repositories/outbox.js';
import * as stays from '../db/repositories/stays.js';
import { toCents } from '../domain/points.js';
import { caseWorkflowId } from '../domain/ids.js';
import { decideMail } from '../domain/mail-policy.js';
import type { CaseSnapshot, CaseStepResult } from '../contracts/case.js';
import {
  costBucket,
  planCaseAgenda,
  type CaseCause,
  type CaseDeadlineKind,
  type CaseFacts,
  type CompensationKind,
  type ZonedTime,
} from '../domain/cases.js';
import { failFastOnDataErrors } from './errors.js';
import { rulesAt } from './lifecycle.js';
import {
  caseLabel,
  caseRef,
  renderStaffTemplate,
  type StaffCaseTemplateName,
} from '../mail/case-templates.js';
import { withLayout } from '../mail/layout.js';
import { messageIdFor, type MailActivities, type ScheduledMail, type SchedulingSendMail } from './mail.js';
import type { CaseMail, CaseStep } from '../contracts/case.js';

export interface CaseDeps {
  db: Db;
  /** The outbox's activities: staff mails are queued here and delivered by `deliverMail`. */
  mail: MailActivities;
  /**
   * Guest mails: plan, then deliver at once or come back `scheduled` for the send window (the resolution and the
   * satisfaction check: domain/mail-policy.ts (MAIL_TIMING)); transactional, so no marketing consent needed.
   */
  sendMail: SchedulingSendMail;
  messageIdDomain: string;
  /** Signed answer links for the satisfaction check; without, the mail asks for a reply. */
  satisfactionUrl?: (input: {
    guestId: string;
    caseId: string;
    satisfied: boolean;
    expiresAt: Date;
  }) => string;
}

// --- the case's zone for domain/cases.ts (planCaseAgenda, costBucket): luxon's arithmetic there ------------

function zonedTime(zone: string): ZonedTime {
  const local = (iso: string) => DateTime.fromISO(iso, { zone });
  const at = (d: DateTime) => d.toUTC().toISO()!;
  const day = (iso: string) => local(iso).startOf('day');
  return {
    plus: (iso, duration) => at(local(iso).plus(duration)),
    lastMinuteOfDay: (iso) => at(local(iso).endOf('day').startOf('minute')),
    daysBetween: (fromIso, toIso) => Math.round(day(toIso).diff(day(fromIso), 'days').days),
  };
}

/** A zone luxon knows, else undefined. */
function validZone(zone: string | null | undefined): string | undefined {
  return zone && DateTime.now().setZone(zone).isValid ? zone : undefined;
}

// --- reads ---------------------------------------------------------------------------------------------------

const iso = (d: Date | null) => (d ? d.toISOString() : null);

async function settingsOf(db: Knex): Promise<cases.CaseSettings> {
  const s = await cases.caseSettings(db);
  if (!s) throw ApplicationFailure.nonRetryable("program settings 'default' are missing", 'SettingsMissing');
  return s;
}

async function caseOf(db: Knex, caseId: string, opts: { lock?: boolean } = {}): Promise<cases.CaseRow> {
  const row = await cases.findCase(db, caseId, opts);
  if (!row) throw ApplicationFailure.nonRetryable(`case ${caseId} not found`, 'CaseNotFound');
  return row;
}

/** The case's zone: the property's (where the guest is during an in-stay case), else the guest's, else UTC. */
async function zoneOfCase(db: Knex, row: cases.CaseRow): Promise<string> {
  const property = await cases.propertySettings(db, row.property_code);
  const guest = await guests.findById(db, row.guest_id);
  return validZone(property?.timezone) ?? validZone(guest?.timezone) ?? 'UTC';
}

function factsOf(row: cases.CaseRow): CaseFacts {
  return {
    status: row.status,
    source: row.source,
    openedAt: row.opened_at.toISOString(),
    acknowledged: row.acknowledged_at !== null,
    slaState: row.sla_state,
    reopened: row.reopened,
    satisfactionAt: iso(row.satisfaction_at),
    resolvedAt: iso(row.resolved_at),
    satisfactionAskedAt: iso(row.satisfaction_asked_at),
  };
}

export async function caseSnapshotOf(db: Knex, caseId: string): Promise<CaseSnapshot> {
  const row = await caseOf(db, caseId);
  const settings = await settingsOf(db);
  const zone = await zoneOfCase(db, row);
  const waiting = await cases.awaitingApproval(db, caseId);
  return {
    status: row.status,
    slaState: row.sla_state,
    acknowledged: row.acknowledged_at !== null,
    resolutions: row.resolutions,
    reopened: row.reopened,
    satisfactionAsked: row.satisfaction_asked_at !== null,
    agenda: planCaseAgenda(factsOf(row), settings, zonedTime(zone)),
    limits: {
      currency: settings.frontlineLimitCurrency,
      frontlineCents: toCents(settings.frontlineLimit),
      managerCents: toCents(settings.managerApprovalLimit),
    },
    awaitingApproval: waiting.map((c) => ({ compensationId: c.id, valueCents: Number(c.value_cents) })),
  };
}

// --- the activities ------------------------------------------------------------------------------------------

const refuse = (message: string, type: string) => ApplicationFailure.nonRetryable(message, type);

export function createCaseActivities(deps: CaseDeps) {
  const { db } = deps;

  /**
   * Applies one staff request once: the case row locked, the request read (its words), `fn` writes the effect
   * and its audit entry, the request is marked applied with the result — one transaction. A retry finds the
   * request applied and answers its result. A refusal (non-retryable, with its type) writes nothing.
   */
  async function applyRequest(
    input: { caseId: string; requestId: string; now: string },
    kind: cases.CaseRequestKind,
    fn: (trx: Knex, row: cases.CaseRow, req: cases.CaseRequestRow) => Promise<CaseStepResult>,
  ): Promise<CaseStep> {
    return failFastOnDataErrors(async () => {
      const result = await db.transaction(async (trx) => {
        const row = await caseOf(trx, input.caseId, { lock: true });
        const req = await cases.findRequest(trx, input.requestId);
        if (!req || req.case_id !== input.caseId || req.kind !== kind)
          throw refuse(`no ${kind} request ${input.requestId} on case ${input.caseId}`, 'RequestNotFound');
        if (req.status === 'applied') return req.result as unknown as CaseStepResult;
        const r = await fn(trx, row, req);
        await cases.markRequestApplied(trx, req.id, r);
        return r;
      });
      return { result, snapshot: await caseSnapshotOf(db, input.caseId) };
    });
  }

  const record = (trx: Knex, actor: string, caseId: string, action: string, after: object) =>
    audit.record(trx, { actor, action, subject: `case:${caseId}`, after });

  /** Grants a compensation: points become a ledger row (reason `compensation`), keyed by the case and id. */
  async function grant(
    trx: Knex,
    comp: cases.CompensationRow,
    approvedBy: string | null,
    now: string,
  ): Promise<number | null> {
    let ledgerId: number | null = null;
    if (comp.kind === 'points' && comp.points) {
      const { version } = await rulesAt(trx, now.slice(0, 10));
      const { entry } = await ledger.post(trx, {
        guestId: comp.guest_id,
        points: comp.points,
        reason: 'compensation',
        rulesVersion: version,
        staffRequestId: comp.id,
        effectiveAt: new Date(now),
        idempotencyKey: `case:${comp.case_id}:compensation:${comp.id}`,
      });
      ledgerId = entry.id;
    }
    await cases.markCompensationGranted(trx, comp.id, { ledgerId, approvedBy, at: new Date(now) });
    return ledgerId;
  }

  return {
    /**
     * A case for a low survey score (the guest's workflow, on `survey.answered`): opened once per stay
     * (`<guest workflow>:survey-case:<stayId>`), category other, priority high (urgent for a 1), the stay's
     * property, guest relations. Returns the case and its workflow ID for the child.
     */
    async openSurveyCase(input: {
      guestId: string;
      guestWorkflowId: string;
      stayId: string;
      score: number;
      now: string;
    }): Promise<{ caseId: string; workflowId: string; created: boolean; closed?: boolean }> {
      return failFastOnDataErrors(async () => {
        const key = `${input.guestWorkflowId}:survey-case:${input.stayId}`;
        const existing = await cases.findCaseByKey(db, key);
        if (existing)
          return {
            caseId: existing.id,
            workflowId: existing.workflow_id,
            created: false,
            // Worked and closed already (a second answer to the same survey): nothing left to open.
            closed: existing.status === 'closed',
          };
        const stay = await stays.findGuestStayByEitherId(db, input.guestId, input.stayId);
        const id = randomUUID();
        const { row, created } = await cases.openCase(
          db,
          {
            id,
            guestId: input.guestId,
            workflowId: caseWorkflowId(input.guestId, id),
            source: 'survey',
            category: 'other',
            priority: input.score <= 1 ? 'urgent' : 'high',
            propertyCode: stay?.property_code ?? 'unknown',
            department: 'guest_relations',
            receivedBy: 'survey',
            stayId: stay?.id ?? null,
            surveyScore: input.score,
            openedAt: new Date(input.now),
            idempotencyKey: key,
          },
          'workflow',
        );
        return { caseId: row.id, workflowId: row.workflow_id, created };
      });
    },

    /** Where the case stands, with its agenda and limits (a run without carried state starts here). */
    async loadCase(input: { caseId: string; now: string }): Promise<CaseSnapshot> {
      return failFastOnDataErrors(() => caseSnapshotOf(db, input.caseId));
    },

    /** Gives the case to a person (and a department): `case.assigned`. The receiver stays its owner. */
    async assignCase(input: { caseId: string; requestId: string; now: string }): Promise<CaseStep> {
      return applyRequest(input, 'assign', async (trx, row, req) => {
        if (row.status === 'closed') throw refuse(`case ${row.id} is closed`, 'CaseClosed');
        const body = req.body as { assignee: string; department?: string };
        await cases.updateCase(trx, row.id, {
          assignee: body.assignee,
          ...(body.department ? { department: body.department } : {}),
        });
        await record(trx, req.actor, row.id, 'case.assigned', {
          requestId: req.id,
          assignee: body.assignee,
          department: body.department ?? row.department,
          previous: { assignee: row.assignee, department: row.department },
          at: input.now,
        });
        return { status: row.status };
      });
    },

    /** A note (its text from the request) by the requester: `case.note_added`. */
    async addCaseNote(input: { caseId: string; requestId: string; now: string }): Promise<CaseStep> {
      return applyRequest(input, 'note', async (trx, row, req) => {
        if (row.status === 'closed') throw refuse(`case ${row.id} is closed`, 'CaseClosed');
        const note = await cases.addNote(trx, {
          caseId: row.id,
          requestId: req.id,
          author: req.actor,
          body: String((req.body as { text: string }).text),
          at: new Date(input.now),
        });
        await record(trx, req.actor, row.id, 'case.note_added', {
          requestId: req.id,
          noteId: note.id,
          at: input.now,
        });
        return { status: row.status };
      });
    },

    /**
     * A compensation as the workflow decided: `grant` (within the frontline limit) → granted now, points on
     * the ledger; else waiting for a manager. `case.compensation_granted` / `case.compensation_requested`.
     */
    async compensateCase(input: {
      caseId: string;
      requestId: string;
      kind: CompensationKind;
      valueCents: number;
      points: number | null;
      grant: boolean;
      now: string;
    }): Promise<CaseStep> {
      return applyRequest(input, 'compensation', async (trx, row, req) => {
        if (row.status === 'closed') throw refuse(`case ${row.id} is closed`, 'CaseClosed');
        const body = req.body as { amount: string; currency: string; limitCurrency: string };
        const comp = await cases.insertCompensation(trx, {
          id: req.id,
          case_id: row.id,
          guest_id: row.guest_id,
          kind: input.kind,
          amount: body.amount,
          currency: body.currency,
          value_cents: input.valueCents,
          limit_currency: body.limitCurrency,
          points: input.kind === 'points' ? input.points : null,
          status: 'awaiting_approval',
          requested_by: req.actor,
          requested_at: new Date(input.now),
        });
        const ledgerId = input.grant ? await grant(trx, comp, null, input.now) : null;
        await record(
          trx,
          req.actor,
          row.id,
          input.grant ? 'case.compensation_granted' : 'case.compensation_requested',
          {
            requestId: req.id,
            kind: input.kind,
            amount: body.amount,
            currency: body.currency,
            valueCents: input.valueCents,
            points: comp.points,
            ledgerId,
            at: input.now,
          },
        );
        return {
          status: row.status,
          compensation: {
            compensationId: comp.id,
            status: input.grant ? 'granted' : 'awaiting_approval',
            valueCents: input.valueCents,
            ledgerId,
            points: comp.points,
          },
        };
      });
    },

    /** A manager approves a waiting compensation: granted now, by the approver: `case.compensation_approved`. */
    async approveCompensation(input: {
      caseId: string;
      requestId: string;
      compensationId: string;
      now: string;
    }): Promise<CaseStep> {
      return applyRequest(input, 'approval', async (trx, row, req) => {
        const comp = await cases.findCompensation(trx, input.compensationId);
        if (!comp || comp.case_id !== row.id || comp.status !== 'awaiting_approval')
          throw refuse(
            `compensation ${input.compensationId} is not waiting for approval`,
            'CompensationNotPending',
          );
        const ledgerId = await grant(trx, comp, req.actor, input.now);
        await record(trx, req.actor, row.id, 'case.compensation_approved', {
          requestId: req.id,
          compensationId: comp.id,
          requestedBy: comp.requested_by,
          valueCents: Number(comp.value_cents),
          ledgerId,
          at: input.now,
        });
        return {
          status: row.status,
          compensation: {
            compensationId: comp.id,
            status: 'granted',
            valueCents: Number(comp.value_cents),
            ledgerId,
            points: comp.points,
          },
        };
      });
    },

    /** The case is solved (resolution and cause from the request): resolved, its 1:10:100 bucket. */
    async resolveCase(input: { caseId: string; requestId: string; now: string }): Promise<CaseStep> {
      return applyRequest(input, 'resolve', async (trx, row, req) => {
        if (row.status !== 'open') throw refuse(`case ${row.id} is ${row.status}, not open`, 'CaseNotOpen');
        if ((await cases.awaitingApproval(trx, row.id)).length > 0)
          throw refuse('a compensation is waiting for approval', 'CompensationAwaitingApproval');
        const body = req.body as { resolution: string; cause?: CaseCause };
        const bucket = costBucket(
          row.opened_at.toISOString(),
          input.now,
          zonedTime(await zoneOfCase(trx, row)),
        );
        await cases.updateCase(trx, row.id, {
          status: 'resolved',
          resolved_at: new Date(input.now),
          resolution: body.resolution,
          ...(body.cause ? { cause: body.cause } : {}),
          resolutions: row.resolutions + 1,
          cost_bucket: bucket,
          satisfaction_asked_at: null,
        });
        await record(trx, req.actor, row.id, 'case.resolved', {
          requestId: req.id,
          resolution: row.resolutions + 1,
          cause: body.cause ?? row.cause,
          costBucket: bucket,
          at: input.now,
        });
        return { status: 'resolved', costBucket: bucket };
      });
    },

    /** The guest's answer to the satisfaction check: satisfied → closed; not → reopened. */
    async answerSatisfaction(input: {
      caseId: string;
      requestId: string;
      satisfied: boolean;
      now: string;
    }): Promise<CaseStep> {
      return applyRequest(input, 'satisfaction', async (trx, row, req) => {
        if (row.status !== 'resolved')
          throw refuse(
            `case ${row.id} is ${row.status}: no satisfaction check is open`,
            'NotAwaitingSatisfaction',
          );
        const at = new Date(input.now);
        if (input.satisfied) {
          await cases.updateCase(trx, row.id, {
            status: 'closed',
            closed_at: at,
            satisfied: true,
            satisfaction_at: at,
          });
        } else {
          await cases.updateCase(trx, row.id, {
            status: 'open',
            satisfied: false,
            satisfaction_at: at,
            reopened: row.reopened + 1,
          });
        }
        await record(trx, req.actor, row.id, input.satisfied ? 'case.closed' : 'case.reopened', {
          requestId: req.id,
          satisfied: input.satisfied,
          at: input.now,
        });
        return { status: input.satisfied ? 'closed' : 'open' };
      });
    },

    /**
     * A deadline of the case's agenda. `dutyManager` / `generalManager`: the SLA state rises (once) while the
     * case is open; `satisfactionCheck`: the check is marked asked; `satisfactionAnswerDue`: closed without an
     * answer; `ackDue`: an acknowledgement not yet sent is recorded overdue. `act` says what the workflow does
     * now (the same on a retry, so a mail it keys is sent once).
     */
    async caseDeadline(input: {
      caseId: string;
      kind: CaseDeadlineKind;
      now: string;
    }): Promise<{ act: 'escalate' | 'ask' | 'closed' | null; snapshot: CaseSnapshot }> {
      return failFastOnDataErrors(async () => {
        const at = new Date(input.now);
        const act = await db.transaction(async (trx) => {
          const row = await caseOf(trx, input.caseId, { lock: true });
          const note = (action: string, after: object) =>
            record(trx, 'workflow', row.id, action, { ...after, at: input.now });
          switch (input.kind) {
            case 'ackDue': {
              if (row.status !== 'open' || row.acknowledged_at) return null;
              const earlier = await audit.hasEntry(trx, `case:${row.id}`, 'case.acknowledgement_overdue');
              if (!earlier) await note('case.acknowledgement_overdue', {});
              return null;
            }
            case 'dutyManager':
            case 'generalManager': {
              const level = input.kind === 'dutyManager' ? 'duty_manager' : 'general_manager';
              if (row.status !== 'open') return null;
              const rank = { on_track: 0, duty_manager: 1, general_manager: 2 } as const;
              if (rank[row.sla_state] < rank[level]) {
                await cases.updateCase(trx, row.id, { sla_state: level, escalated_at: at });
                await note('case.escalated', { level, from: row.sla_state });
                return 'escalate';
              }
              return row.sla_state === level ? 'escalate' : null;
            }
            case 'satisfactionCheck':
              if (row.status !== 'resolved') return null;
              if (!row.satisfaction_asked_at) {
                await cases.updateCase(trx, row.id, { satisfaction_asked_at: at });
                await note('case.satisfaction_asked', { resolution: row.resolutions });
              }
              return 'ask';
            case 'satisfactionAnswerDue':
              if (row.status === 'closed') return 'closed';
              if (row.status !== 'resolved') return null;
              await cases.updateCase(trx, row.id, { status: 'closed', closed_at: at, satisfied: null });
              await note('case.closed', { satisfied: null, reason: 'no answer to the satisfaction check' });
              return 'closed';
          }
        });
        return { act, snapshot: await caseSnapshotOf(db, input.caseId) };
      });
    },

    /**
     * Sends one case mail (or records why not), keyed by `key`. Guest mails through the outbox in the guest's
     * language; the acknowledgement, once sent, marks the case acknowledged (`case.acknowledged`).
     * Escalations to the property's duty or general manager address, in the property's language; a property
     * without that address gets a `suppressed` row saying so.
     */
    async sendCaseMail(input: {
      caseId: string;
      kind: CaseMail;
      key: string;
      now: string;
    }): Promise<{ status: 'sent' | 'suppressed' | 'failed'; outboxId: number } | ScheduledMail> {
      const row = await caseOf(db, input.caseId);
      const property = await cases.propertySettings(db, row.property_code);
      const propertyName = property?.name ?? row.property_code;
      const ref = caseRef(row.id);
      switch (input.kind) {
        case 'case-escalation-duty-manager':
        case 'case-escalation-general-manager':
          return sendStaffMail(input.kind, row, property, input);
        case 'case-acknowledgement': {
          const sent = await deps.sendMail({
            guestId: row.guest_id,
            template: input.kind,
            idempotencyKey: input.key,
            vars: { caseRef: ref, propertyName },
            marketing: false,
          });
          if (sent.status === 'sent') {
            await failFastOnDataErrors(() =>
              db.transaction(async (trx) => {
                if (await cases.markAcknowledged(trx, row.id, new Date(input.now)))
                  await record(trx, 'workflow', row.id, 'case.acknowledged', {
                    outboxId: sent.outboxId,
                    at: input.now,
                  });
              }),
            );
          }
          return sent;
        }
        case 'case-resolution': {
          const granted = (await cases.listCompensations(db, row.id)).filter((c) => c.status === 'granted');
          const money = (kind: string) =>
            granted
              .filter((c) => c.kind === kind)
              .map((c) => `${c.amount} ${c.currency.trim()}`)
              .join(' + ');
          return deps.sendMail({
            guestId: row.guest_id,
            template: input.kind,
            idempotencyKey: input.key,
            vars: {
              caseRef: ref,
              propertyName,
              compensationPoints: granted.reduce((sum, c) => sum + (c.points ?? 0), 0),
              compensationRefund: money('refund'),
              compensationVoucher: money('upgrade_voucher'),
            },
            marketing: false,
          });
        }
        case 'case-satisfaction-check': {
          const expiresAt = new Date(Date.parse(input.now) + 14 * 86_400_000);
          const url = (satisfied: boolean) =>
            deps.satisfactionUrl?.({ guestId: row.guest_id, caseId: row.id, satisfied, expiresAt }) ?? '';
          return deps.sendMail({
            guestId: row.guest_id,
            template: input.kind,
            idempotencyKey: input.key,
            vars: { caseRef: ref, propertyName, satisfiedUrl: url(true), unsatisfiedUrl: url(false) },
            marketing: false,
          });
        }
      }
    },
  };

  async function sendStaffMail(
    template: StaffCaseTemplateName,
    row: cases.CaseRow,
    property: cases.PropertySettingsRow | undefined,
    input: { key: string; now: string },
  ): Promise<{ status: 'sent' | 'suppressed' | 'failed'; outboxId: number }> {
    const existing = await outbox.findByKey(db, input.key);
    if (existing && existing.status !== 'pending')
      return { status: existing.status === 'sent' ? 'sent' : existing.status, outboxId: existing.id };
    const guest = await guests.findById(db, row.guest_id);
    if (!guest) throw ApplicationFailure.nonRetryable(`guest ${row.guest_id} not found`, 'GuestNotFound');
    const duty = template === 'case-escalation-duty-manager';
    const address = duty ? property?.duty_manager_email : property?.general_manager_email;
    const locale = property?.locale ?? 'en';
    const common = {
      idempotency_key: input.key,
      message_id: messageIdFor(input.key, deps.messageIdDomain),
      guest_id: row.guest_id,
      template,
      locale: locale.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en',
    };
    const decision = decideMail({
      mailClass: 'transactional',
      now: input.now,
      staff: {
        propertyCode: row.property_code,
        manager: duty ? 'duty' : 'general',
        address: address ?? null,
      },
    });
    if (decision.action === 'skip') {
      const suppressed = await failFastOnDataErrors(() =>
        cases.enqueueStaffMail(db, {
          ...common,
          to_address: '',
          subject: '',
          body_text: '',
          body_html: '',
          suppressionReason: decision.text,
        }),
      );
      return { status: 'suppressed', outboxId: suppressed.id };
    }
    const zone = validZone(property?.timezone) ?? validZone(guest.timezone) ?? 'UTC';
    let rendered;
    try {
      rendered = renderStaffTemplate(template, locale, {
        firstName: guest.first_name,
        lastName: guest.last_name,
        caseRef: caseRef(row.id),
        caseId: row.id,
        propertyName: property?.name ?? row.property_code,
        category: caseLabel(row.category, locale),
        priority: caseLabel(row.priority, locale),
        source: caseLabel(row.source, locale),
        department: caseLabel(row.department, locale),
        receivedBy: row.received_by,
        openedAt: DateTime.fromJSDate(row.opened_at, { zone }).toFormat('yyyy-LL-dd HH:mm'),
        hoursOpen: Math.max(0, Math.floor((Date.parse(input.now) - row.opened_at.getTime()) / 3_600_000)),
        inStay: row.source === 'in_stay',
      });
    } catch (err) {
      throw ApplicationFailure.nonRetryable(
        `template does not render '${template}': ${(err as Error).message.split('\n')[0]}`,
        'TemplateError',
      );
    }
    const queued = await failFastOnDataErrors(() =>
      cases.enqueueStaffMail(db, {
        ...common,
        to_address: address!, // a mail without one was skipped above (no_staff_address)
        subject: rendered.subject,
        body_text: rendered.text,
        // The staff mails go out in the guests' responsive layout too.
        body_html: withLayout(rendered).html,
      }),
    );
    try {
      await deps.mail.deliverMail({ outboxId: queued.id });
      return { status: 'sent', outboxId: queued.id };
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type === 'MailRejected')
        return { status: 'failed', outboxId: queued.id };
      throw err;
    }
  }
}

export type CaseActivities = ReturnType<typeof createCaseActivities>;
