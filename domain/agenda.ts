/**
 * The guest's agenda: a few dated deadlines, one timer at a time (docs/architecture.md "The guest's
 * lifecycle"). Which deadlines a guest has is decided here (`agendaBasis`); the instants are computed by an
 * activity (activities/agenda.ts: time zones are not workflow business); the workflow only picks the earliest
 * and waits for it.
 */
import type { ProgramRules } from './program.js';
import { isActive, type Stage } from './stages.js';
import { shortfall, type Tier, type YearActivity } from './tiers.js';

export const DEADLINES = [
  'tierReview',
  'lapse',
  'atRisk',
  'pointsExpiry',
  'pointsExpiryWarning',
  'firstYearReminder',
  'tierKeepReminder',
  'birthday',
  'invitation',
] as const;
export type DeadlineKind = (typeof DEADLINES)[number];

/** ISO instants; absent = nothing due of that kind. */
export type Agenda = Partial<Record<DeadlineKind, string>>;

export interface Deadline {
  kind: DeadlineKind;
  at: string;
}

/** The guest's earliest deadline (ties in DEADLINES order). */
export function nextDeadline(agenda: Agenda): Deadline | undefined {
  return earliestDeadline(DEADLINES, agenda);
}

/**
 * The earliest of `agenda`'s deadlines among `kinds` (ties in their order), leaving out those `done` says were
 * handled already: the guest's agenda (above) and a case's (domain/cases.ts CASE_DEADLINES, workflows/case.ts).
 */
export function earliestDeadline<K extends string>(
  kinds: readonly K[],
  agenda: Partial<Record<K, string>>,
  done?: (kind: K, at: string) => boolean,
): { kind: K; at: string } | undefined {
  let best: { kind: K; at: string } | undefined;
  for (const kind of kinds) {
    const at = agenda[kind];
    if (at === undefined || done?.(kind, at)) continue;
    if (!best || Date.parse(at) < Date.parse(best.at)) best = { kind, at };
  }
  return best;
}

/**
 * Every dated deadline of an agenda (a guest's, or a case's: domain/cases.ts CaseAgenda), soonest first, as
 * staff see "what happens next" (GET /v1/workflows/:id, GET /v1/guests/:id/timeline). Takes the agenda as a
 * state query answers it: entries that are not instants are left out.
 */
export function datedDeadlines(agenda: unknown): { kind: string; at: string }[] {
  if (!agenda || typeof agenda !== 'object') return [];
  return Object.entries(agenda)
    .filter((e): e is [string, string] => typeof e[1] === 'string' && !Number.isNaN(Date.parse(e[1])))
    .map(([kind, at]) => ({ kind, at }))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** What a guest's agenda is computed from (activities/lifecycle.ts reads it from Postgres). */
export interface AgendaFacts {
  guestId: string;
  timezone: string;
  stage: Stage;
  tier: Tier;
  /** ISO instants, or null. */
  enrolledAt: string | null;
  lastStayAt: string | null;
  /** The last stay or redemption: points expire counted from it. */
  lastQualifyingAt: string | null;
  pointsBalance: number;
  /** 'MM-DD' when known and the guest agreed to marketing; else null. */
  birthdayMonthDay: string | null;
  /** This calendar year's qualifying activity (for the keep-your-tier reminder). */
  yearActivity: YearActivity;
  totalStays: number;
}

/** Minutes after midnight on 1 January at which this guest's review runs: spread over `hours`, stable per guest. */
export function reviewJitterMinutes(guestId: string, hours: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < guestId.length; i++) {
    h ^= guestId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return hours > 0 ? h % (hours * 60) : 0;
}

/**
 * Which deadlines a guest has, and the instant (ISO) each is counted from; activities/agenda.ts `planAgenda`
 * dates them in the guest's zone (luxon) by the program's rules, and drops the reminders already past.
 */
export interface AgendaBasis {
  /** Enrolled (or stayed), unless a churned member: reviewed each 1 January. */
  tierReview: boolean;
  /** A tier above member not yet kept this year: reminded before the year ends. */
  tierKeepReminder: boolean;
  /** The enrolment, for the reminder before the first anniversary (not for a churned guest). */
  firstYearReminderFrom: string | null;
  /** The last stay (else the enrolment) of an active guest: at risk after a while (unless at risk already). */
  atRiskFrom: string | null;
  /** The same: lapsed after a longer while. */
  lapseFrom: string | null;
  /** The last stay or redemption of a guest with points: they expire counted from it. */
  pointsExpiryFrom: string | null;
  /** The birthday of a guest who gave it and agreed to marketing, not churned. */
  birthday: { month: number; day: number } | null;
}

/**
 * Whether the annual review runs for a guest: enrolled (or stayed), unless a churned member. A churned guest's run
 * sleeps, but a tier above member is still reviewed each 1 January (it steps down as anyone's does: without it a
 * churned Gold kept Gold for ever, and the keep-your-tier reminder still came). The tier-change preview
 * (domain/tier-review.ts) counts the same guests.
 */
export function reviewedEachYear(facts: { enrolled: boolean; stage: Stage; tier: Tier }): boolean {
  return facts.enrolled && (facts.stage !== 'churned' || facts.tier !== 'member');
}

export function agendaBasis(facts: AgendaFacts, rules: ProgramRules): AgendaBasis {
  const enrolled = facts.enrolledAt !== null || facts.totalStays > 0;
  const since = facts.lastStayAt ?? facts.enrolledAt;
  const active = !!since && isActive(facts.stage);
  return {
    tierReview: reviewedEachYear({ enrolled, stage: facts.stage, tier: facts.tier }),
    tierKeepReminder:
      facts.tier !== 'member' && shortfall(facts.yearActivity, facts.tier, rules.tiers) !== null,
    firstYearReminderFrom: facts.stage !== 'churned' ? facts.enrolledAt : null,
    atRiskFrom: active && facts.stage !== 'at_risk' ? since : null,
    lapseFrom: active ? since : null,
    pointsExpiryFrom: facts.pointsBalance > 0 ? facts.lastQualifyingAt : null,
    birthday: facts.birthdayMonthDay && facts.stage !== 'churned' ? monthDay(facts.birthdayMonthDay) : null,
  };
}

function monthDay(mmdd: string): { month: number; day: number } {
  const [month, day] = mmdd.split('-').map(Number) as [number, number];
  return { month, day };
}
