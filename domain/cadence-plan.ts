/**
 * The cadence planner, pure: when each step of a cadence is due, and what the mail policy
 * (domain/mail-policy.ts `decideMail`) decides for it. The follow-up's activities (activities/cadence.ts) plan
 * one step at its due time with the facts they read from Postgres; the marketer's preview
 * (api/marketing/cadence-preview.ts) plans a whole cadence for a chosen guest through
 * lib/cadence-times.ts `planCadenceInZone`, which computes the local times (luxon) this file is given.
 *
 * - Due time: the step's anchor plus `offsetMinutes` (`check_out`: the check-out instant; `check_in`: the
 *   arrival date at CHECK_IN_HOUR in the property's zone; `previous_step`: the due time of the step before it).
 * - A step is planned at its due time, or now when that has passed (`planningTime`).
 * - Then the policy: `stay_too_old` (due more than `maxAgeDays` before it is planned), `condition_not_met`, and
 *   for marketing steps consent, exit condition, open case, the step's window (or the program's), quiet days
 *   and the frequency cap.
 */
import type { CadenceStep, ConditionFacts } from './cadence.js';
import {
  decideMail,
  planOf,
  type MailPlan,
  type QuietPeriod,
  type SendWindow,
  type SendWindowFacts,
  type SuppressionReason,
} from './mail-policy.js';

/** The usual check-in hour: a `check_in` anchor is the arrival date at this local time. */
export const CHECK_IN_HOUR = 15;

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

/** When a step is planned: its due time, or `now` when that has passed (ISO). */
export function planningTime(now: string, dueAt: string): string {
  return new Date(Math.max(Date.parse(now), Date.parse(dueAt))).toISOString();
}

/** The window a step's mail waits for: its own; a marketing step without one, the program's. */
export function stepWindow(step: CadenceStep, programWindow: SendWindow): SendWindow | null {
  return step.window ?? (step.class === 'marketing' ? programWindow : null);
}

/** The local times of a step planned at `now` (lib/cadence-times.ts `stepTimes` computes them). */
export interface StepTime {
  /** ISO (UTC). */
  dueAt: string;
  /** The due time's local date, for the `stay_too_old` reason. */
  dueOn: string;
  /** When the step is planned (ISO): `planningTime`. */
  now: string;
  /** `now` in the guest's zone, `yyyy-LL-dd HH:mm`. */
  localNow: string;
  /** The step's window (`stepWindow`) opened in the guest's zone, or null. */
  sendWindow: SendWindowFacts | null;
  /** The frequency window at `now`: its first instant (ISO) and that local day. */
  frequencyStart: string;
  frequencySince: string;
}

/** What the planning of one step is judged on, besides the step itself. */
export interface StepFacts extends ConditionFacts, Omit<StepTime, 'dueAt' | 'frequencyStart'> {
  /** A step planned more than this many days after its due time is skipped (`stay_too_old`). */
  maxAgeDays: number;
  marketingConsent: boolean;
  openServiceCase: boolean;
  exitCondition?: string | null;
  quietPeriods?: readonly QuietPeriod[];
  /** The guest's marketing mails queued or sent in the frequency window ending at `now`. */
  marketingInWindow: number;
  frequencyCap: { cap: number; days: number };
}

export type StepPlan = MailPlan;

/** Plans one step at `facts.now` (its due time or later). */
export function planStep(step: CadenceStep, dueAt: string, facts: StepFacts): StepPlan {
  const decision = decideMail({
    mailClass: step.class,
    now: facts.now,
    localNow: facts.localNow,
    stayAge: { dueAt, dueOn: facts.dueOn, maxAgeDays: facts.maxAgeDays },
    step: {
      condition: step.condition,
      surveyScore: facts.surveyScore,
      bookedSinceAnchor: facts.bookedSinceAnchor,
      openServiceCase: facts.openServiceCase,
    },
    marketingConsent: facts.marketingConsent,
    exitCondition: facts.exitCondition ?? null,
    openServiceCase: facts.openServiceCase,
    sendWindow: facts.sendWindow,
    quietPeriods: facts.quietPeriods ?? [],
    frequency: {
      count: facts.marketingInWindow,
      cap: facts.frequencyCap.cap,
      days: facts.frequencyCap.days,
      since: facts.frequencySince,
    },
  });
  return planOf(decision, { at: facts.now, local: facts.localNow });
}

/** What a preview is judged on: the guest and the program as they are now. */
export interface PreviewFacts extends Omit<StepFacts, keyof StepTime | 'marketingInWindow'> {
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
  | { outcome: 'skip'; skip: SuppressionReason; reason: string }
);

/**
 * The whole cadence for one guest and stay: each step planned at its planning time (`times`, in the steps'
 * order), in order, on the facts as they are now (a survey not answered yet does not meet `score_at_least`); the
 * frequency cap counts the guest's recent marketing mails and the marketing steps before it that would go.
 */
export function planCadence(input: {
  steps: readonly CadenceStep[];
  facts: PreviewFacts;
  times: readonly StepTime[];
}): StepPreview[] {
  const { steps, facts, times } = input;
  const marketingPlanned: number[] = facts.recentMarketing.map((t) => Date.parse(t));
  return steps.map((step, i) => {
    const time = times[i]!;
    const since = Date.parse(time.frequencyStart);
    const atMs = Date.parse(time.now);
    const marketingInWindow = marketingPlanned.filter((t) => t >= since && t <= atMs).length;
    const plan = planStep(step, time.dueAt, { ...facts, ...time, marketingInWindow });
    const base = {
      id: step.id,
      template: step.template,
      class: step.class,
      channel: step.channel,
      condition: step.condition,
      dueAt: time.dueAt,
    };
    if ('skip' in plan) return { ...base, outcome: 'skip' as const, skip: plan.skip, reason: plan.reason };
    if (step.class === 'marketing') marketingPlanned.push(atMs);
    return { ...base, outcome: 'send' as const, ...plan };
  });
}
