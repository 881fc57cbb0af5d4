/**
 * When a mail may go, or why it does not (DESIGN.md "Cadence": the planning of a send). Pure: the facts come
 * from Postgres (activities/mail.ts `planMail` reads them in one transaction, under the guest's row lock) and
 * the local times are computed here with luxon, outside workflow code, so the result is recorded in history.
 *
 * - Transactional mail (a thank-you, a points warning, a case mail) needs no consent and is not capped, paused
 *   or held by a quiet period: the guest expects it. It goes at once unless it is given a window of its own (a
 *   cadence step's: the thank-you of a 01:00 check-out waits for 09:00); a mail given none (a case's
 *   acknowledgement, a staff escalation) goes whatever the hour.
 * - Marketing mail needs the guest's marketing consent; pauses while a service case of theirs is open; is
 *   dropped when an exit condition holds (a booking makes a come-back offer moot); goes inside the send window
 *   of the guest's local day (default 09:00–20:00: due at 03:00 → 09:00 the same day, at 21:00 → 09:00 the
 *   next); not on a quiet day of the program (judged on the local day it would go); and at most `cap` of them
 *   per guest in the `days` local calendar days ending today.
 */
import { DateTime } from 'luxon';

export type MailClass = 'transactional' | 'marketing';

/** Local `HH:mm`, start inclusive, end exclusive, start before end (no window across midnight). */
export interface SendWindow {
  start: string;
  end: string;
}

/** Local calendar days, both inclusive (`YYYY-MM-DD`). */
export interface QuietPeriod {
  from: string;
  to: string;
  /** Shown in the suppression reason, e.g. "Chinese New Year". */
  name?: string;
}

export const DEFAULT_SEND_WINDOW: SendWindow = { start: '09:00', end: '20:00' };
export const DEFAULT_FREQUENCY_CAP = { cap: 3, days: 7 } as const;

/** Why a mail is not sent: the first word of `mail_outbox.suppression_reason`. */
export const SKIP_REASONS = [
  'no_marketing_consent',
  'exit_condition',
  'open_service_case',
  'quiet_period',
  'frequency_cap',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface PlanFacts {
  mailClass: MailClass;
  /** IANA zone of the guest; an unknown zone plans in UTC. */
  timezone: string;
  /** The workflow's time, ISO instant. */
  now: string;
  /**
   * Marketing: undefined → DEFAULT_SEND_WINDOW, null → no window (goes at once, as before planning existed).
   * Transactional: only a window given here holds it (undefined or null: at once).
   */
  window?: SendWindow | null;
  marketingConsent: boolean;
  /** The guest has a service case not yet closed (open, reopened, or resolved awaiting the satisfaction check). */
  openServiceCase: boolean;
  /** Why the mail has become moot (e.g. `booked: a stay is booked`), or null. */
  exitCondition?: string | null;
  quietPeriods?: readonly QuietPeriod[];
  /** Marketing mails of this guest queued or sent since `frequencyWindowStart(now, …)`. */
  marketingInWindow: number;
  frequencyCap?: { cap: number; days: number };
}

export type MailPlan =
  | {
      /** ISO instant (UTC); equal to `now` when the mail may go at once. */
      sendAt: string;
      /** `sendAt` in the guest's zone, `yyyy-LL-dd HH:mm`, for timelines and logs. */
      localSendAt: string;
      deferred: boolean;
    }
  | {
      skip: SkipReason;
      /** The `suppression_reason` to record: the code, and after `: ` what made it so. */
      reason: string;
    };

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function minutesOf(hhmm: string): number {
  const m = HH_MM.exec(hhmm);
  if (!m) throw new RangeError(`'${hhmm}' is not a local time HH:mm`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Throws a RangeError naming what is wrong with a window (settings are checked before they are used). */
export function checkSendWindow(window: SendWindow): SendWindow {
  if (minutesOf(window.start) >= minutesOf(window.end))
    throw new RangeError(`send window ${window.start}–${window.end}: the start must be before the end`);
  return window;
}

/** Throws a RangeError naming the first period that is not two ordered `YYYY-MM-DD` dates. */
export function checkQuietPeriods(value: unknown): QuietPeriod[] {
  if (!Array.isArray(value)) throw new RangeError('quiet periods must be a list');
  return value.map((p: unknown, i) => {
    const { from, to, name } = (p ?? {}) as Record<string, unknown>;
    const valid = (d: unknown): d is string =>
      typeof d === 'string' && ISO_DATE.test(d) && DateTime.fromISO(d).isValid;
    if (!valid(from) || !valid(to) || from > to)
      throw new RangeError(`quiet period ${i + 1}: from and to must be dates YYYY-MM-DD, from ≤ to`);
    if (name !== undefined && typeof name !== 'string')
      throw new RangeError(`quiet period ${i + 1}: name must be text`);
    return { from, to, ...(name ? { name } : {}) };
  });
}

export function zoneOrUtc(timezone: string): string {
  return DateTime.now().setZone(timezone).isValid ? timezone : 'UTC';
}

/** The first instant of the frequency window: local midnight `days - 1` days before today, as ISO (UTC). */
export function frequencyWindowStart(now: string, timezone: string, days: number): string {
  return DateTime.fromISO(now, { zone: zoneOrUtc(timezone) })
    .startOf('day')
    .minus({ days: Math.max(1, days) - 1 })
    .toUTC()
    .toISO()!;
}

/**
 * The first instant at or after `now` inside the window of the guest's local day: `now` itself inside it,
 * the window's start today before it, the window's start tomorrow after it.
 */
export function nextInWindow(now: string, timezone: string, window: SendWindow): DateTime {
  const zone = zoneOrUtc(timezone);
  const local = DateTime.fromISO(now, { zone });
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const minute = local.hour * 60 + local.minute;
  const startOn = (day: DateTime) =>
    day.set({ hour: Math.floor(start / 60), minute: start % 60, second: 0, millisecond: 0 });
  if (minute < start) return startOn(local);
  if (minute >= end) return startOn(local.plus({ days: 1 }));
  return local;
}

const iso = (d: DateTime) => d.toUTC().toISO()!;

export function planMail(facts: PlanFacts): MailPlan {
  const zone = zoneOrUtc(facts.timezone);
  const now = DateTime.fromISO(facts.now, { zone });
  if (!now.isValid) throw new RangeError(`now '${facts.now}' is not an ISO instant`);
  const atOnce = { sendAt: iso(now), localSendAt: now.toFormat('yyyy-LL-dd HH:mm'), deferred: false };
  if (facts.mailClass === 'transactional') {
    if (!facts.window) return atOnce;
    const at = nextInWindow(facts.now, zone, checkSendWindow(facts.window));
    return { sendAt: iso(at), localSendAt: at.toFormat('yyyy-LL-dd HH:mm'), deferred: at > now };
  }

  if (!facts.marketingConsent) return { skip: 'no_marketing_consent', reason: 'no_marketing_consent' };
  if (facts.exitCondition)
    return { skip: 'exit_condition', reason: `exit_condition: ${facts.exitCondition}` };
  if (facts.openServiceCase)
    return { skip: 'open_service_case', reason: 'open_service_case: marketing pauses while a case is open' };

  const window = facts.window === undefined ? DEFAULT_SEND_WINDOW : facts.window;
  const at = window ? nextInWindow(facts.now, zone, checkSendWindow(window)) : now;
  const day = at.toISODate()!;
  const quiet = (facts.quietPeriods ?? []).find((p) => p.from <= day && day <= p.to);
  if (quiet)
    return {
      skip: 'quiet_period',
      reason: `quiet_period: ${day} is in ${quiet.name ? `${quiet.name} ` : ''}${quiet.from}–${quiet.to}`,
    };

  const { cap, days } = facts.frequencyCap ?? DEFAULT_FREQUENCY_CAP;
  if (facts.marketingInWindow >= cap) {
    const since = DateTime.fromISO(frequencyWindowStart(facts.now, zone, days), { zone }).toISODate()!;
    return {
      skip: 'frequency_cap',
      reason: `frequency_cap: ${facts.marketingInWindow} marketing mails since ${since} (at most ${cap} in ${days} days)`,
    };
  }
  return { sendAt: iso(at), localSendAt: at.toFormat('yyyy-LL-dd HH:mm'), deferred: at > now };
}
