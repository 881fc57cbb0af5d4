/**
 * The cadence planner (DESIGN.md "Cadence"), pure and with luxon, outside workflow code: when each step of a
 * cadence is due and when (in the guest's local time) it would go, or why it would not. The follow-up's
 * activities (activities/cadence.ts) use it with the facts they read from Postgres at a step's due time; the
 * marketer's preview (api, helper B) uses `planCadence` for a whole cadence and a chosen guest.
 *
 * - Due time: the step's anchor plus `offsetMinutes` (`check_out`: the check-out instant; `check_in`: see
 *   `checkInInstant`; `previous_step`: the due time of the step before it).
 * - A step due more than `maxAgeDays` before it is planned (a stay reported late, a move to a version whose
 *   step is long past) is skipped: `stay_too_old`.
 * - Its condition (domain/cadence.ts) not met: `condition_not_met`.
 * - Then the send planning of every mail (activities/mail/plan.ts `planMail`): transactional steps go when
 *   due; marketing steps need consent, pause for an open case, stop on an exit condition, wait for the
 *   step's window (or the program's) in the guest's day, skip quiet days, respect the frequency cap.
 */
import { DateTime } from 'luxon';
import { conditionNotMet, type CadenceStep, type ConditionFacts } from '../domain/cadence.js';
import {
  frequencyWindowStart,
  planMail,
  zoneOrUtc,
  type QuietPeriod,
  type SendWindow,
  type SkipReason,
} from './mail/plan.js';

/** The usual check-in hour: a `check_in` anchor is the arrival date at this local time. */
export const CHECK_IN_HOUR = 15;

/** The check-in anchor of a stay: its arrival date (`YYYY-MM-DD`) at 15:00 in `zone` (an unknown zone: UTC). */
export function checkInInstant(arrival: string, zone: string): string {
  const at = DateTime.fromISO(arrival, { zone: zoneOrUtc(zone) }).set({ hour: CHECK_IN_HOUR });
  if (!at.isValid) throw new RangeError(`arrival '${arrival}' is not a date YYYY-MM-DD`);
  return at.toUTC().toISO();
}

/** The instants a follow-up's steps are dated from (ISO). */
export interface CadenceAnchors {
  checkOut: string;
  checkIn: string;
}

/** Each step's due time (ISO, UTC), in the steps' order. */
export function stepDueTimes(
  steps: readonly CadenceStep[],
  anchors: CadenceAnchors,
): { id: string; dueAt: string }[] {
  const out: { id: string; dueAt: string }[] = [];
  let previous: number | undefined;
  for (const step of steps) {
    const base =
      step.anchor === 'check_out'
        ? Date.parse(anchors.checkOut)
        : step.anchor === 'check_in'
          ? Date.parse(anchors.checkIn)
          : (previous ?? Date.parse(anchors.checkOut));
    if (Number.isNaN(base)) throw new RangeError(`step ${step.id}: its anchor is not an instant`);
    const due = base + step.offsetMinutes * 60_000;
    out.push({ id: step.id, dueAt: new Date(due).toISOString() });
    previous = due;
  }
  return out;
}

export const CADENCE_SKIP_REASONS = ['stay_too_old', 'condition_not_met'] as const;
export type StepSkipReason = (typeof CADENCE_SKIP_REASONS)[number] | SkipReason;

/** What the planning of one step is judged on, besides the step itself. */
export interface StepFacts extends ConditionFacts {
  /** IANA zone of the guest. */
  timezone: string;
  /** When the step is planned (ISO): its due time, or later. */
  now: string;
  /** A step planned more than this many days after its due time is skipped (`stay_too_old`). */
  maxAgeDays: number;
  marketingConsent: boolean;
  openServiceCase: boolean;
  exitCondition?: string | null;
  quietPeriods?: readonly QuietPeriod[];
  /** The program's send window, for a marketing step without one of its own. */
  programWindow: SendWindow;
  /** The guest's marketing mails queued or sent in the frequency window ending at `now`. */
  marketingInWindow: number;
  frequencyCap: { cap: number; days: number };
}

export type StepPlan =
  { sendAt: string; localSendAt: string; deferred: boolean } | { skip: StepSkipReason; reason: string };

/** The window a step's mail waits for: its own; a marketing step without one, the program's. */
export function stepWindow(step: CadenceStep, programWindow: SendWindow): SendWindow | null {
  return step.window ?? (step.class === 'marketing' ? programWindow : null);
}

/**
 * The skips decided before the send planning: a step too late (`stay_too_old`) or whose condition does not
 * hold (`condition_not_met`). Null: plan the send.
 */
export function skipBeforeSending(
  step: CadenceStep,
  dueAt: string,
  facts: Pick<
    StepFacts,
    'now' | 'timezone' | 'maxAgeDays' | 'surveyScore' | 'bookedSinceAnchor' | 'openServiceCase'
  >,
): { skip: StepSkipReason; reason: string } | null {
  const lateMs = Date.parse(facts.now) - Date.parse(dueAt);
  if (lateMs > facts.maxAgeDays * 86_400_000) {
    const due = DateTime.fromISO(dueAt, { zone: zoneOrUtc(facts.timezone) }).toISODate()!;
    return {
      skip: 'stay_too_old',
      reason: `stay_too_old: due ${due}, more than ${facts.maxAgeDays} days ago`,
    };
  }
  const notMet = conditionNotMet(step.condition, facts);
  return notMet ? { skip: 'condition_not_met', reason: notMet } : null;
}

/** Plans one step at `facts.now` (its due time or later). */
export function planStep(step: CadenceStep, dueAt: string, facts: StepFacts): StepPlan {
  const skipped = skipBeforeSending(step, dueAt, facts);
  if (skipped) return skipped;
  return planMail({
    mailClass: step.class,
    timezone: facts.timezone,
    now: facts.now,
    window: stepWindow(step, facts.programWindow),
    marketingConsent: facts.marketingConsent,
    openServiceCase: facts.openServiceCase,
    exitCondition: facts.exitCondition ?? null,
    quietPeriods: facts.quietPeriods ?? [],
    marketingInWindow: facts.marketingInWindow,
    frequencyCap: facts.frequencyCap,
  });
}

/** What a preview is judged on: the guest and the program as they are now. */
export interface PreviewFacts extends Omit<StepFacts, 'now' | 'marketingInWindow'> {
  /** The time of the preview (ISO). */
  now: string;
  /** When the guest's marketing mails queued or sent recently were planned (ISO), for the frequency cap. */
  recentMarketing: readonly string[];
}

export type StepPreview = {
  id: string;
  template: string;
  class: CadenceStep['class'];
  channel: CadenceStep['channel'];
  condition: string | null;
  /** ISO (UTC). */
  dueAt: string;
} & (
  | { outcome: 'send'; sendAt: string; localSendAt: string; deferred: boolean }
  | { outcome: 'skip'; skip: StepSkipReason; reason: string }
);

/**
 * The whole cadence for one guest and stay: each step planned at its due time (or now, when that has passed),
 * in order, on the facts as they are now (a survey not answered yet does not meet `score_at_least`); the
 * frequency cap counts the guest's recent marketing mails and the marketing steps before it that would go.
 */
export function planCadence(input: {
  steps: readonly CadenceStep[];
  anchors: CadenceAnchors;
  facts: PreviewFacts;
}): StepPreview[] {
  const { steps, anchors, facts } = input;
  const zone = zoneOrUtc(facts.timezone);
  const due = stepDueTimes(steps, anchors);
  const marketingPlanned: number[] = facts.recentMarketing.map((t) => Date.parse(t));
  const nowMs = Date.parse(facts.now);
  return steps.map((step, i) => {
    const dueAt = due[i]!.dueAt;
    const at = new Date(Math.max(nowMs, Date.parse(dueAt))).toISOString();
    const since = Date.parse(frequencyWindowStart(at, zone, facts.frequencyCap.days));
    const atMs = Date.parse(at);
    const marketingInWindow = marketingPlanned.filter((t) => t >= since && t <= atMs).length;
    const plan = planStep(step, dueAt, { ...facts, now: at, marketingInWindow });
    const base = {
      id: step.id,
      template: step.template,
      class: step.class,
      channel: step.channel,
      condition: step.condition,
      dueAt,
    };
    if ('skip' in plan) return { ...base, outcome: 'skip' as const, skip: plan.skip, reason: plan.reason };
    if (step.class === 'marketing') marketingPlanned.push(atMs);
    return { ...base, outcome: 'send' as const, ...plan };
  });
}
