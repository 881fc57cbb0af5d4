/**
 * One guest's timeline: every decision the engine recorded about the guest, as entries of facts (codes, ids,
 * numbers, instants, and the reason texts the engine or staff wrote), never contact data or the guest's own
 * words. The rows come from db/repositories/timeline.ts; this module makes the entries, orders and pages them,
 * and says what happens next. Two readers: `GET /v1/guests/:id/timeline` (api/guests/timeline.ts: a page,
 * newest first, on the real clock) and the simulator (sim/timeline.ts: every entry, on the scenario's clock,
 * printed in its own words).
 *
 * Each entry has `id` (`<source>:<row id>`: `stage:12`, `ledger:40`, `mail:7`, `audit:91`, `pms:<event id>`,
 * `request:<uuid>`), `at` (ISO, UTC), `kind` and the facts of its kind (docs/api.md, "The guest's timeline").
 * Newest first is by `at`, then by the row's sort key (db/repositories/timeline.ts), so a cursor of the last
 * (`at`, sort key) pages without gaps or repeats.
 */
import * as guests from '../db/repositories/guests.js';
import type {
  CaseStepRow,
  GuestAuditRow,
  LedgerRow,
  MailRow,
  PendingStaffRequestRow,
  PmsEventRow,
  RunningFollowUpRow,
  StageRow,
  TierRow,
  TimelineRows,
} from '../db/repositories/timeline.js';
import { checkSteps } from '../domain/cadence.js';
import { stepDueTimes } from '../domain/cadence-plan.js';
import { decideMail, planOf, type SendWindow } from '../domain/mail-policy.js';
import { checkInInstant, stepTime } from './cadence-times.js';

interface EntryBase {
  /** Stable: `<source>:<row id>`. */
  id: string;
  /** ISO instant (UTC). */
  at: string;
}

export type GuestTimelineEntry = EntryBase &
  (
    | { kind: 'stage'; from: string | null; to: string; reason: string; actor: string }
    | {
        kind: 'tier';
        from: string;
        to: string;
        /** upgrade | review | floor | reset */
        source: string;
        reason: string;
        /** 'YYYY-MM-DD' */
        validFrom: string;
        validThrough: string | null;
        rulesVersion: number | null;
      }
    | {
        kind: 'points';
        ledgerId: number;
        points: number;
        balanceAfter: number;
        /** stay_base, tier_bonus, referral, welcome_back, redemption, adjustment, expiry, compensation, stay_re_earn */
        reason: string;
        source: string | null;
        rulesVersion: number | null;
        /** When the movement counts (a stay's: its check-out). */
        effectiveAt: string | null;
        staffRequestId: string | null;
        stay: {
          stayId: string;
          pmsStayId: string;
          propertyCode: string;
          arrival: string;
          departure: string;
          nights: number;
        } | null;
      }
    | {
        kind: 'mail';
        outboxId: number;
        template: string;
        /** The stored template version it was rendered with; null: the built-in one. */
        templateVersion: number | null;
        class: 'transactional' | 'marketing';
        /** To the guest, or to a property's staff about the guest (a case's escalation). */
        audience: 'guest' | 'staff';
        status: 'pending' | 'sent' | 'suppressed' | 'failed';
        subject: string;
        plannedAt: string | null;
        sendAt: string | null;
        /** A pending mail held for its send window: when it goes. */
        heldUntil: string | null;
        sentAt: string | null;
        /** Why it did not go: `code` is domain/mail-policy.ts SuppressionReason, `text` the recorded reason. */
        suppression: { code: string; text: string } | null;
        attempts: number;
        /** A failed mail's error, summarised without addresses (activities/errors.ts). */
        error: string | null;
      }
    | {
        kind: 'case';
        caseId: string;
        /** The audited step without its `case.` prefix: opened, acknowledged, escalated, resolved, closed… */
        action: string;
        actor: string;
        facts: Record<string, unknown>;
      }
    | {
        kind: 'pms_event';
        eventId: string;
        type: string;
        occurredAt: string;
        /** received (not yet acted on), handled, rejected */
        status: 'received' | 'handled' | 'rejected';
        handledAt: string | null;
        rejectedAt: string | null;
        rejectionReason: string | null;
      }
    | {
        kind: 'action';
        /** The audited action: points.redeemed, tier.floor_set, guest.profile_updated, survey.answered… */
        action: string;
        /** A staff key's name, `pms:event:<id>`, `guest:link`, … */
        actor: string;
        facts: Record<string, unknown>;
      }
    | {
        kind: 'staff_request';
        requestId: string;
        /** redemption | adjustment | tier_floor */
        request: string;
        status: 'pending';
        actor: string;
        facts: Record<string, unknown>;
      }
  );

export type GuestTimelineKind = GuestTimelineEntry['kind'];

/** An entry and where it sorts among entries of the same instant. */
export interface SortableEntry {
  entry: GuestTimelineEntry;
  atMs: number;
  sortKey: string;
}

/**
 * Which clock an entry's `at` is on. Stage and tier changes and a case's opening carry the engine's own instant
 * (the workflow's clock); every other row is stamped by PostgreSQL when it is written (`now()`): `recorded`
 * maps such an instant (with `fallback`, an instant of the engine's clock when there is no better one) to the
 * timeline's. The API's timeline is real time; the simulator maps to the time-skipping server's clock.
 */
export interface TimelineClock {
  recorded(at: Date, fallback?: Date | null): number;
}

export const REAL_TIME: TimelineClock = { recorded: (at) => at.getTime() };

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** Facts of a case step worth a timeline line: never the guest's or the staff's words. */
const CASE_FACTS = [
  'source',
  'category',
  'priority',
  'department',
  'level',
  'slaState',
  'sla_state',
  'assignee',
  'kind',
  'amount',
  'currency',
  'points',
  'status',
  'costBucket',
  'cost_bucket',
  'satisfied',
  'reopened',
] as const;

export function caseFacts(after: unknown): Record<string, unknown> {
  if (!after || typeof after !== 'object') return {};
  const a = after as Record<string, unknown>;
  return Object.fromEntries(
    CASE_FACTS.filter((k) => a[k] !== undefined && a[k] !== null).map((k) => [k, a[k]]),
  );
}

/**
 * Facts of an audit entry about the guest: ids, numbers and codes, and the words staff wrote with a request
 * (`note`, `reason`; staff read them). The audit's snake-case keys by their API names.
 */
const ACTION_FACTS: Record<string, string> = {
  requestId: 'requestId',
  points: 'points',
  tier: 'tier',
  floor: 'floor',
  note: 'note',
  reason: 'reason',
  stayId: 'stayId',
  ledgerId: 'ledgerId',
  balanceAfter: 'balanceAfter',
  rulesVersion: 'rulesVersion',
  score: 'score',
  wouldReturn: 'wouldReturn',
  recommend: 'recommend',
  answers: 'answers',
  commented: 'commented',
  suppressedMails: 'suppressedMails',
  workflowId: 'workflowId',
  runId: 'runId',
  churn_reason: 'churnReason',
  marketing_consent: 'marketingConsent',
  enrolment_channel: 'channel',
  referred_by_guest_id: 'referredByGuestId',
};

/** A staff request's result: what it booked or set. */
const RESULT_FACTS = ['ledgerId', 'points', 'balanceAfter', 'floor', 'tier'] as const;

/** Audit actions whose before/after are the guest's profile or membership: only the names of what changed. */
const PROFILE_ACTIONS = new Set(['guest.created', 'guest.profile_updated', 'guest.enrolled']);

const MEMBERSHIP_NAMES: Record<string, string> = {
  member_number: 'memberNumber',
  enrolled_at: 'enrolledAt',
  enrolment_channel: 'enrolmentChannel',
  referred_by_guest_id: 'referredByGuestId',
};

function fieldName(column: string): string {
  return (guests.FIELD_NAMES as Record<string, string>)[column] ?? MEMBERSHIP_NAMES[column] ?? column;
}

export function actionFacts(action: string, after: unknown): Record<string, unknown> {
  if (!after || typeof after !== 'object') return {};
  const a = after as Record<string, unknown>;
  const facts: Record<string, unknown> = {};
  if (PROFILE_ACTIONS.has(action)) facts.fields = Object.keys(a).map(fieldName);
  for (const [key, name] of Object.entries(ACTION_FACTS)) {
    if (a[key] === undefined || a[key] === null) continue;
    // A profile action names its fields only, but for the consent and the enrolment's channel and referrer.
    if (
      PROFILE_ACTIONS.has(action) &&
      !['marketing_consent', 'enrolment_channel', 'referred_by_guest_id'].includes(key)
    )
      continue;
    facts[name] = a[key];
  }
  if (a.result && typeof a.result === 'object') {
    const r = a.result as Record<string, unknown>;
    facts.result = Object.fromEntries(RESULT_FACTS.filter((k) => r[k] !== undefined).map((k) => [k, r[k]]));
  }
  return facts;
}

/** What a pending staff request asks: the numbers or tier, and the note or reason staff wrote. */
function requestFacts(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object') return {};
  const b = body as Record<string, unknown>;
  return Object.fromEntries(
    ['points', 'tier', 'note', 'reason']
      .filter((k) => b[k] !== undefined && b[k] !== null)
      .map((k) => [k, b[k]]),
  );
}

/** `exit_condition: booked: …` → `exit_condition`. */
export function suppressionCode(text: string): string {
  return text.split(':', 1)[0]!.trim();
}

function dateOnly(v: unknown): string {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return String(v).slice(0, 10);
}

const stageEntry = (r: StageRow): GuestTimelineEntry => ({
  id: `stage:${r.id}`,
  at: r.at.toISOString(),
  kind: 'stage',
  from: r.from_stage,
  to: r.to_stage,
  reason: r.reason,
  actor: r.actor,
});

const tierEntry = (r: TierRow): GuestTimelineEntry => ({
  id: `tier:${r.id}`,
  at: r.at.toISOString(),
  kind: 'tier',
  from: r.previous_tier,
  to: r.tier,
  source: r.source,
  reason: r.reason,
  validFrom: dateOnly(r.valid_from),
  validThrough: r.valid_through ? dateOnly(r.valid_through) : null,
  rulesVersion: r.rules_version,
});

const pointsEntry = (r: LedgerRow, clock: TimelineClock): GuestTimelineEntry => ({
  id: `ledger:${r.id}`,
  at: new Date(clock.recorded(r.at, r.effective_at)).toISOString(),
  kind: 'points',
  ledgerId: Number(r.id),
  points: Number(r.points),
  balanceAfter: Number(r.balance_after),
  reason: r.reason,
  source: r.source,
  rulesVersion: r.rules_version,
  effectiveAt: iso(r.effective_at),
  staffRequestId: r.staff_request_id,
  stay:
    r.stay_id && r.pms_stay_id
      ? {
          stayId: r.stay_id,
          pmsStayId: r.pms_stay_id,
          propertyCode: r.property_code ?? '',
          arrival: r.arrival ?? '',
          departure: r.departure ?? '',
          nights: num(r.nights) ?? 0,
        }
      : null,
});

function mailEntry(r: MailRow, clock: TimelineClock): GuestTimelineEntry {
  const held =
    r.status === 'pending' && r.send_at && r.planned_at && r.send_at.getTime() > r.planned_at.getTime();
  return {
    id: `mail:${r.id}`,
    at: new Date(clock.recorded(r.at)).toISOString(),
    kind: 'mail',
    outboxId: Number(r.id),
    template: r.template,
    templateVersion: r.template_version,
    class: r.class,
    audience: r.audience,
    status: r.status,
    subject: r.subject,
    plannedAt: iso(r.planned_at),
    sendAt: iso(r.send_at),
    heldUntil: held ? iso(r.send_at) : null,
    sentAt: iso(r.sent_at),
    suppression: r.suppression_reason
      ? { code: suppressionCode(r.suppression_reason), text: r.suppression_reason }
      : null,
    attempts: r.attempts,
    error: r.status === 'failed' ? r.last_error : null,
  };
}

function caseEntry(r: CaseStepRow, clock: TimelineClock): GuestTimelineEntry {
  const action = r.action.replace(/^case\./, '');
  return {
    id: `audit:${r.id}`,
    // The opening is on the engine's clock (the case's own); later steps as their audit entries were written.
    at: (action === 'opened' ? r.at : new Date(clock.recorded(r.at, r.opened_at))).toISOString(),
    kind: 'case',
    caseId: r.case_id,
    action,
    actor: r.actor,
    facts: caseFacts(r.after),
  };
}

const pmsEntry = (r: PmsEventRow, clock: TimelineClock): GuestTimelineEntry => ({
  id: `pms:${r.id}`,
  at: new Date(clock.recorded(r.at)).toISOString(),
  kind: 'pms_event',
  eventId: r.id,
  type: r.type,
  occurredAt: r.occurred_at.toISOString(),
  status: r.rejected_at ? 'rejected' : r.handled_at ? 'handled' : 'received',
  handledAt: iso(r.handled_at),
  rejectedAt: iso(r.rejected_at),
  rejectionReason: r.rejection_reason,
});

const actionEntry = (r: GuestAuditRow, clock: TimelineClock): GuestTimelineEntry => ({
  id: `audit:${r.id}`,
  at: new Date(clock.recorded(r.at)).toISOString(),
  kind: 'action',
  action: r.action,
  actor: r.actor,
  facts: actionFacts(r.action, r.after),
});

const requestEntry = (r: PendingStaffRequestRow, clock: TimelineClock): GuestTimelineEntry => ({
  id: `request:${r.id}`,
  at: new Date(clock.recorded(r.at)).toISOString(),
  kind: 'staff_request',
  requestId: r.id,
  request: r.kind,
  status: 'pending',
  actor: r.actor,
  facts: requestFacts(r.body),
});

/**
 * The entries of the rows, kind by kind (stage, tier, points, mail, case, PMS event, action, staff request),
 * each kind in the order of its rows; `newestFirst` orders them for the API.
 */
export function timelineEntries(rows: TimelineRows, clock: TimelineClock = REAL_TIME): SortableEntry[] {
  const out: SortableEntry[] = [];
  const add = (entry: GuestTimelineEntry, row: { sort_key: string }) =>
    out.push({ entry, atMs: Date.parse(entry.at), sortKey: row.sort_key });
  for (const r of rows.stages) add(stageEntry(r), r);
  for (const r of rows.tiers) add(tierEntry(r), r);
  for (const r of rows.ledger) add(pointsEntry(r, clock), r);
  for (const r of rows.mails) add(mailEntry(r, clock), r);
  for (const r of rows.caseSteps) add(caseEntry(r, clock), r);
  for (const r of rows.pmsEvents) add(pmsEntry(r, clock), r);
  for (const r of rows.guestAudit) add(actionEntry(r, clock), r);
  for (const r of rows.staffRequests) add(requestEntry(r, clock), r);
  return out;
}

/** Newest first: by `at`, then by sort key, both descending (as db/repositories/timeline.ts pages). */
export function newestFirst(entries: readonly SortableEntry[]): SortableEntry[] {
  return [...entries].sort(
    (a, b) => b.atMs - a.atMs || (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0),
  );
}

/** Where a page ends: the last entry's instant and sort key. */
export interface TimelineCursor {
  at: Date;
  key: string;
}

const SORT_KEY = /^[a-z_]+:[0-9a-f-]{1,40}$/;

export function encodeCursor(c: TimelineCursor): string {
  return Buffer.from(JSON.stringify({ at: c.at.toISOString(), k: c.key })).toString('base64url');
}

/** The cursor an earlier page gave, or undefined when `text` is not one. */
export function decodeCursor(text: string): TimelineCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(text)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  const { at, k } = parsed as { at?: unknown; k?: unknown };
  if (typeof at !== 'string' || typeof k !== 'string' || !SORT_KEY.test(k)) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at)) return undefined;
  const date = new Date(at);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== at) return undefined;
  return { at: date, key: k };
}

/**
 * One page of entries merged from the sources' pages (each at most `limit + 1` rows after the cursor): the
 * first `limit` newest first, and the cursor of the next page when there is more.
 */
export function pageOf(
  entries: readonly SortableEntry[],
  limit: number,
): { entries: GuestTimelineEntry[]; nextCursor: string | null } {
  const sorted = newestFirst(entries);
  const page = sorted.slice(0, limit);
  const last = page.at(-1);
  return {
    entries: page.map((e) => e.entry),
    nextCursor:
      sorted.length > limit && last ? encodeCursor({ at: new Date(last.atMs), key: last.sortKey }) : null,
  };
}

// ---- what happens next ---------------------------------------------------------------------------------------

/** A mail to come: a pending outbox row, or a step of a running follow-up not planned yet. */
export type PlannedMail =
  | {
      source: 'outbox';
      template: string;
      class: 'transactional' | 'marketing';
      /** When it goes: its send time (held for the window), or when it was queued (being delivered). */
      at: string;
      outboxId: number;
      /** Held for its send time, which is still to come. */
      held: boolean;
    }
  | {
      source: 'follow_up';
      template: string;
      class: 'transactional' | 'marketing';
      /** When it would go: its due time, or the step's send window's next opening after it. */
      at: string;
      dueAt: string;
      cadence: string;
      cadenceVersion: number;
      stepId: string;
      stayId: string;
      /** The step's condition (domain/cadence.ts), judged when it is due; null: none. */
      condition: string | null;
    };

/**
 * The mails planned for the guest, soonest first: the outbox's pending rows, and the steps of the running
 * post-stay follow-ups not planned yet, each at its due time (or now, when that has passed) moved to its send
 * window's next opening (lib/cadence-times.ts, domain/mail-policy.ts). Consent, the frequency cap, open cases
 * and the step's condition are judged when the step is due, so a step listed here may still be suppressed then.
 */
export function plannedMails(input: {
  pending: readonly {
    id: number;
    template: string;
    class: 'transactional' | 'marketing';
    send_at: Date | null;
    planned_at: Date | null;
    created_at: Date;
  }[];
  followUps: readonly RunningFollowUpRow[];
  /** ISO instant. */
  now: string;
  programWindow: SendWindow;
  frequencyCap: { cap: number; days: number };
}): PlannedMail[] {
  const nowMs = Date.parse(input.now);
  const out: PlannedMail[] = input.pending.map((m) => {
    const at = m.send_at ?? m.planned_at ?? m.created_at;
    return {
      source: 'outbox',
      template: m.template,
      class: m.class,
      at: at.toISOString(),
      outboxId: Number(m.id),
      held: m.send_at !== null && m.send_at.getTime() > nowMs,
    };
  });
  for (const f of input.followUps) {
    let steps;
    try {
      steps = checkSteps(f.steps);
    } catch {
      continue; // A version the follow-up cannot run either: nothing of it is planned.
    }
    const anchors = {
      checkOut: f.checked_out_at.toISOString(),
      checkIn: checkInInstant(f.arrival, f.property_timezone ?? f.guest_timezone),
    };
    const due = stepDueTimes(steps, anchors);
    steps.forEach((step, i) => {
      if (f.steps_done.includes(step.id)) return;
      const dueAt = due[i]!.dueAt;
      const t = stepTime(step, dueAt, {
        timezone: f.guest_timezone,
        now: input.now,
        programWindow: input.programWindow,
        frequencyCap: input.frequencyCap,
      });
      // The window alone: what else decides (consent, cap, condition) is judged when the step is due.
      const plan = planOf(
        decideMail({
          mailClass: 'transactional',
          now: t.now,
          localNow: t.localNow,
          sendWindow: t.sendWindow,
        }),
        { at: t.now, local: t.localNow },
      );
      out.push({
        source: 'follow_up',
        template: step.template,
        class: step.class,
        at: 'sendAt' in plan ? plan.sendAt : t.now,
        dueAt,
        cadence: f.cadence_key,
        cadenceVersion: f.cadence_version,
        stepId: step.id,
        stayId: f.stay_id,
        condition: step.condition,
      });
    });
  }
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
