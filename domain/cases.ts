/**
 * Service recovery's pure rules (the case's workflow: workflows/service-recovery.ts and workflows/case.ts): the
 * case's enums (source, category, cause, priority, department, status, SLA state, compensation kind, cost
 * bucket), each defined once here as a `const` array with its type (contracts/, db/ and api/ use them), the agenda of deadlines and the 1:10:100 cost
 * bucket. domain/ imports no package (eslint.config.js), so the time zone's arithmetic comes in as a
 * `ZonedTime`: activities/cases.ts passes luxon's, in the property's zone (else the guest's), outside workflow
 * code. The values are the check constraints of db/migrations/20261124_007_service_recovery.ts.
 */

/** How a case reached the hotel. */
export const CASE_SOURCES = [
  'comment_card',
  'phone',
  'letter',
  'social_media',
  'staff_visit',
  'survey',
  'in_stay',
] as const;
export type CaseSource = (typeof CASE_SOURCES)[number];

/** open (also after a reopening) → resolved (waiting for the guest's satisfaction) → closed. */
export const CASE_STATUSES = ['open', 'resolved', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** The highest escalation so far. */
export const SLA_STATES = ['on_track', 'duty_manager', 'general_manager'] as const;
export type CaseSlaState = (typeof SLA_STATES)[number];

export const COMPENSATION_KINDS = ['points', 'refund', 'upgrade_voucher'] as const;
export type CompensationKind = (typeof COMPENSATION_KINDS)[number];

/** 1:10:100 (docs/architecture.md "Service recovery"): solved the same local day, the next, or later. */
export const COST_BUCKETS = ['same_day', 'next_day', 'later'] as const;
export type CaseCostBucket = (typeof COST_BUCKETS)[number];

/** A case's dated deadlines (ISO instants), computed by `planCaseAgenda`; absent = nothing due. */
export interface CaseAgenda {
  /** The acknowledgement mail should have gone by then (1 hour after the case opened). */
  ackDue?: string;
  /** Escalation to the duty manager: end of the local day (in-stay) or 24 h after opening (or reopening). */
  dutyManager?: string;
  /** Escalation to the general manager: 72 h after opening (or reopening). */
  generalManager?: string;
  /** The satisfaction check, 3 days after the resolution. */
  satisfactionCheck?: string;
  /** No answer by then (7 days after the check): the case closes without one. */
  satisfactionAnswerDue?: string;
}

/** The agenda's kinds, in the order ties are taken (domain/agenda.ts `earliestDeadline`). */
export const CASE_DEADLINES = [
  'ackDue',
  'dutyManager',
  'generalManager',
  'satisfactionCheck',
  'satisfactionAnswerDue',
] as const satisfies readonly (keyof CaseAgenda)[];
export type CaseDeadlineKind = (typeof CASE_DEADLINES)[number];

/** What a case is about (check constraint `service_cases_category`, db/migrations/20261124_007_service_recovery.ts). */
export const CASE_CATEGORIES = [
  'service_attitude',
  'service_skill',
  'facilities',
  'food_beverage',
  'safety',
  'policies',
  'other',
] as const;
export type CaseCategory = (typeof CASE_CATEGORIES)[number];

/** The cause, apart from the touchpoint (check constraint `service_cases_cause`, the same migration). */
export const CASE_CAUSES = [
  'poor_management',
  'product_quality',
  'staff_attitude',
  'staff_skill',
  'equipment_failure',
  'policy',
  'third_party',
  'other',
] as const;
export type CaseCause = (typeof CASE_CAUSES)[number];

export const CASE_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type CasePriority = (typeof CASE_PRIORITIES)[number];

export const DEPARTMENTS = [
  'front_office',
  'housekeeping',
  'food_beverage',
  'engineering',
  'security',
  'guest_relations',
  'sales',
  'spa_recreation',
  'management',
  'other',
] as const;
export type Department = (typeof DEPARTMENTS)[number];

/** What the agenda is computed from: the case row's facts (db/repositories/cases.ts `CaseRow`). */
export interface CaseFacts {
  status: CaseStatus;
  source: CaseSource;
  /** ISO instants. */
  openedAt: string;
  acknowledged: boolean;
  slaState: CaseSlaState;
  reopened: number;
  /** The latest answer to a satisfaction check (a reopening restarts the escalation clocks from it). */
  satisfactionAt: string | null;
  resolvedAt: string | null;
  satisfactionAskedAt: string | null;
}

/** The program's case clocks (`program_settings`, read by db/repositories/cases.ts `caseSettings`). */
export interface CaseClocks {
  ackMinutes: number;
  dutyManagerHours: number;
  generalManagerHours: number;
  satisfactionCheckDays: number;
  satisfactionAnswerDays: number;
}

/** Local-time arithmetic in one time zone; instants in and out are ISO strings, the results in UTC. */
export interface ZonedTime {
  /** `iso` plus a duration counted on the local clock (a day across a daylight-saving change keeps the hour). */
  plus(iso: string, duration: { minutes?: number; hours?: number; days?: number }): string;
  /** The last minute (23:59) of the local day of `iso`. */
  lastMinuteOfDay(iso: string): string;
  /** Local calendar days from the day of `fromIso` to the day of `toIso`. */
  daysBetween(fromIso: string, toIso: string): number;
}

/**
 * A case's deadlines in the case's zone. Open: the acknowledgement 1 hour after opening (until it went); the duty
 * manager at the end of the local day (23:59) for an in-stay case, else 24 h after opening; the general manager
 * after 72 h — a reopened case counts both from its reopening, and a level reached is not planned again.
 * Resolved: the satisfaction check 3 days after the resolution, then 7 days for the answer.
 */
export function planCaseAgenda(c: CaseFacts, clocks: CaseClocks, time: ZonedTime): CaseAgenda {
  const agenda: CaseAgenda = {};
  if (c.status === 'open') {
    if (!c.acknowledged) agenda.ackDue = time.plus(c.openedAt, { minutes: clocks.ackMinutes });
    const reopenedAt = c.reopened > 0 ? c.satisfactionAt : null;
    const from = reopenedAt ?? c.openedAt;
    if (c.slaState === 'on_track') {
      agenda.dutyManager =
        c.source === 'in_stay' && !reopenedAt
          ? time.lastMinuteOfDay(c.openedAt)
          : time.plus(from, { hours: clocks.dutyManagerHours });
    }
    if (c.slaState !== 'general_manager')
      agenda.generalManager = time.plus(from, { hours: clocks.generalManagerHours });
  } else if (c.status === 'resolved' && c.resolvedAt) {
    if (!c.satisfactionAskedAt)
      agenda.satisfactionCheck = time.plus(c.resolvedAt, { days: clocks.satisfactionCheckDays });
    else
      agenda.satisfactionAnswerDue = time.plus(c.satisfactionAskedAt, {
        days: clocks.satisfactionAnswerDays,
      });
  }
  return agenda;
}

/** 1:10:100: solved on the local day it was opened, the day after, or later. */
export function costBucket(openedAt: string, resolvedAt: string, time: ZonedTime): CaseCostBucket {
  const days = time.daysBetween(openedAt, resolvedAt);
  return days <= 0 ? 'same_day' : days === 1 ? 'next_day' : 'later';
}
