/**
 * What the links in mails read and write. The "why did you leave" link: the guest's locale and current
 * answer, and an answer stored on the guest row with its audit entry in one transaction, then handed to the
 * guest's workflow as a `churn.reason_given` message (ids and facts: the reason itself stays in Postgres).
 * The unsubscribe link: marketing consent off with its audit entry (and the guest's pending marketing mails
 * suppressed) in one transaction, then a `profile.updated` message to the guest's workflow.
 * The survey link: the answer about a stay upserted with its audit entry, then `survey.answered` (score and
 * "would return" only). The in-stay report link: an `in_stay` case opened by the case API's own code, keyed by
 * the link and the report. The satisfaction link: the guest's answer submitted to the case's workflow as the
 * staff route submits it (a `case_requests` row holding the words, the Update carrying id and yes/no).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../../db/knex.js';
import * as audit from '../../db/repositories/audit.js';
import * as cases from '../../db/repositories/cases.js';
import * as consents from '../../db/repositories/consents.js';
import type { CaseCategory } from '../../domain/cases.js';
import * as guests from '../../db/repositories/guests.js';
import * as outbox from '../../db/repositories/outbox.js';
import * as stays from '../../db/repositories/stays.js';
import * as surveys from '../../db/repositories/survey-responses.js';
import { UNSUBSCRIBED } from '../../domain/mail-policy.js';
import type {
  ChurnReasonGivenMessage,
  ProfileUpdatedMessage,
  SurveyAnsweredMessage,
} from '../../domain/messages.js';
import { signalGuest } from '../../lib/signal-guest.js';
import { openCase, submitCaseRequest, type CaseAnswer, type OpenedCase } from '../cases/service.js';
import type { ChurnReason } from './pages.js';

export interface LinksServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  logger?: Pick<Logger, 'warn' | 'error'> | undefined;
}

/** The actor of changes a guest makes through a link in a mail (audit_log.actor). */
export const LINK_ACTOR = 'guest:link';
export const CHURN_REASON_ACTION = 'guest.churn_reason';
export const CONSENT_OFF_ACTION = 'guest.marketing_consent_off';

export { findLinkGuest as findGuest } from '../../db/repositories/guests.js';

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
    const before = await guests.lockChurnReason(trx, guestId);
    if (!before) return undefined;
    const recordedAt = await guests.setChurnReason(trx, guestId, reason);
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
    const before = await guests.lockMarketingConsent(trx, guestId);
    if (!before) return undefined;
    const eventId = randomUUID();
    if (!before.marketing_consent) return { changed: false, at: new Date(), eventId, suppressedMails: [] };
    const at = await guests.turnMarketingConsentOff(trx, guestId);
    const suppressedMails = await outbox.suppressPendingMarketing(trx, guestId, UNSUBSCRIBED);
    await consents.recordChange(trx, {
      guestId,
      from: true,
      to: false,
      source: 'unsubscribe_link',
      actor: LINK_ACTOR,
      eventId,
      at,
    });
    await audit.record(trx, {
      actor: LINK_ACTOR,
      action: CONSENT_OFF_ACTION,
      subject: `guest:${guestId}`,
      before: { marketing_consent: true },
      after: { marketing_consent: false, eventId, suppressedMails },
    });
    return { changed: true, at, eventId, suppressedMails };
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

// --- the post-stay survey ------------------------------------------------------------------------------------

/** The message id of the `answers`-th answer about a stay: a repeat of the same answer is the same message. */
export function surveyEventId(stayId: string, answers: number): string {
  return `survey:${stayId}:${answers}`;
}

export interface RecordedSurvey {
  row: surveys.SurveyResponseRow;
  changed: boolean;
  eventId: string;
}

/** Stores (or replaces) the guest's answer about the stay, audited; the same answer again writes nothing. */
export async function recordSurveyAnswer(
  db: Db,
  input: { guestId: string; stayId: string; answer: surveys.SurveyAnswer },
): Promise<RecordedSurvey> {
  const { row, changed } = await surveys.recordAnswer(db, { ...input, actor: LINK_ACTOR }, (r) =>
    surveyEventId(r.stay_id, r.answers),
  );
  return { row, changed, eventId: surveyEventId(row.stay_id, row.answers) };
}

/** Tells the guest's workflow the score and "would return" (never the comment or the recommendation). */
export async function tellSurveyAnswered(
  deps: LinksServiceDeps,
  guestId: string,
  recorded: RecordedSurvey,
): Promise<void> {
  const message: SurveyAnsweredMessage = {
    type: 'survey.answered',
    eventId: recorded.eventId,
    source: 'link',
    occurredAt: recorded.row.answered_at.toISOString(),
    stayId: recorded.row.stay_id,
    score: recorded.row.score,
    wouldReturn: recorded.row.would_return,
  };
  await signalGuest(deps.temporal, { guestId, taskQueue: deps.taskQueue, message });
}

export { findGuestStay } from '../../db/repositories/stays.js';
export { findByStay as findSurveyAnswer } from '../../db/repositories/survey-responses.js';

// --- the in-stay report --------------------------------------------------------------------------------------

/** Cases one report link may open: a guest with more to say is better served by the front desk. */
export const MAX_REPORTS_PER_LINK = 5;

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** A UUID (version 5 layout) named by `value`: the same value, the same id. */
export function uuidFrom(value: string): string {
  const b = digest(value).subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class TooManyReports extends Error {
  constructor() {
    super(`this link has already sent ${MAX_REPORTS_PER_LINK} reports`);
    this.name = 'TooManyReports';
  }
}

/**
 * Opens an `in_stay` case for the report (high priority, the link's property, guest relations, received by
 * `guest:link`, the recorded stay when the PMS's stay is recorded already) through the case API's `openCase`,
 * which tells the guest's workflow `case.opened`. Keyed by the token and the report: the same report again
 * (a double click, a retry after a 503) is the same case; at most MAX_REPORTS_PER_LINK different ones.
 */
export async function openReportCase(
  deps: LinksServiceDeps,
  input: {
    token: string;
    guestId: string;
    pmsStayId: string;
    propertyCode: string;
    category: CaseCategory;
    description: string | undefined;
  },
): Promise<OpenedCase> {
  const link = digest(`in_stay_report:${input.token}`).toString('hex').slice(0, 32);
  const report = digest(JSON.stringify([input.category, input.description ?? null]))
    .toString('hex')
    .slice(0, 32);
  const prefix = `link:report:${link}:`;
  const idempotencyKey = `${prefix}${report}`;
  if (
    !(await cases.findCaseByKey(deps.db, idempotencyKey)) &&
    (await cases.countByKeyPrefix(deps.db, prefix)) >= MAX_REPORTS_PER_LINK
  )
    throw new TooManyReports();
  const stay = await stays.findGuestStayByPmsId(deps.db, input.guestId, input.pmsStayId);
  return openCase(deps, {
    requestId: uuidFrom(idempotencyKey),
    actor: LINK_ACTOR,
    idempotencyKey,
    body: {
      guestId: input.guestId,
      source: 'in_stay',
      category: input.category,
      priority: 'high',
      propertyCode: input.propertyCode,
      department: 'guest_relations',
      receivedBy: LINK_ACTOR,
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(stay ? { stayId: stay.id } : {}),
    },
  });
}

// --- a case's satisfaction check -----------------------------------------------------------------------------

export { findCase } from '../../db/repositories/cases.js';

/**
 * The guest's answer to the satisfaction check, submitted to the case's workflow as `POST
 * /v1/cases/:id/satisfaction` submits it, by `guest:link`, under a request id named by the token and the
 * answer: the same answer again replays the first; satisfied closes the case, not satisfied reopens it.
 */
export function answerSatisfaction(
  deps: LinksServiceDeps,
  input: { token: string; caseId: string; satisfied: boolean; comment: string | undefined },
): Promise<CaseAnswer> {
  return submitCaseRequest(deps, {
    caseId: input.caseId,
    requestId: uuidFrom(
      `satisfaction:${input.token}:${JSON.stringify([input.satisfied, input.comment ?? null])}`,
    ),
    actor: LINK_ACTOR,
    request: {
      kind: 'satisfaction',
      body: {
        satisfied: input.satisfied,
        ...(input.comment !== undefined ? { comment: input.comment } : {}),
      },
    },
  });
}
