/**
 * The local times of a cadence's steps, with luxon, outside workflow code and outside domain/: the check-in
 * anchor, and for each step when it is planned in the guest's zone (its window's openings, the frequency
 * window). The planning itself is domain/cadence-plan.ts, on the mail policy (domain/mail-policy.ts).
 */
import { DateTime } from 'luxon';
import type { CadenceStep } from '../domain/cadence.js';
import {
  CHECK_IN_HOUR,
  planCadence,
  planningTime,
  stepDueTimes,
  stepWindow,
  type CadenceAnchors,
  type PreviewFacts,
  type StepPreview,
  type StepTime,
} from '../domain/cadence-plan.js';
import type { SendWindow } from '../domain/mail-policy.js';
import { frequencyWindowStart, localTimes, zoneOrUtc } from './local-time.js';

/** The check-in anchor of a stay: its arrival date (`YYYY-MM-DD`) at 15:00 in `zone` (an unknown zone: UTC). */
export function checkInInstant(arrival: string, zone: string): string {
  const at = DateTime.fromISO(arrival, { zone: zoneOrUtc(zone) }).set({ hour: CHECK_IN_HOUR });
  if (!at.isValid) throw new RangeError(`arrival '${arrival}' is not a date YYYY-MM-DD`);
  return at.toUTC().toISO();
}

/** The local date of an instant in the guest's zone (`YYYY-MM-DD`). */
export function localDateOf(iso: string, timezone: string): string {
  return DateTime.fromISO(iso, { zone: zoneOrUtc(timezone) }).toISODate()!;
}

/** Where the guest is and what the program says, for the local times of the steps. */
export interface StepZone {
  /** IANA zone of the guest. */
  timezone: string;
  /** The time of the planning (ISO). */
  now: string;
  /** The program's send window, for a marketing step without one of its own. */
  programWindow: SendWindow;
  frequencyCap: { cap: number; days: number };
}

/** The local times of one step due at `dueAt`, planned at `planningTime(now, dueAt)`. */
export function stepTime(step: CadenceStep, dueAt: string, zone: StepZone): StepTime {
  const tz = zoneOrUtc(zone.timezone);
  const at = planningTime(zone.now, dueAt);
  const frequencyStart = frequencyWindowStart(at, tz, zone.frequencyCap.days);
  return {
    dueAt,
    dueOn: localDateOf(dueAt, tz),
    ...localTimes(at, tz, stepWindow(step, zone.programWindow)),
    frequencyStart,
    frequencySince: localDateOf(frequencyStart, tz),
  };
}

/** The whole cadence for one guest and stay (domain/cadence-plan.ts `planCadence`), timed in the guest's zone. */
export function planCadenceInZone(input: {
  steps: readonly CadenceStep[];
  anchors: CadenceAnchors;
  facts: PreviewFacts & StepZone;
}): StepPreview[] {
  const due = stepDueTimes(input.steps, input.anchors);
  const times = input.steps.map((step, i) => stepTime(step, due[i]!.dueAt, input.facts));
  return planCadence({ steps: input.steps, facts: input.facts, times });
}
