/**
 * The local times the mail policy (domain/mail-policy.ts `decideMail`) is judged on, computed here with luxon,
 * outside workflow code and outside domain/: the recipient's local time now, where the send window opens next,
 * and the first day of the frequency window. An unknown zone is taken as UTC.
 */
import { DateTime } from 'luxon';
import {
  checkSendWindow,
  minutesOf,
  type LocalInstant,
  type MailPolicyFacts,
  type SendWindow,
} from '../domain/mail-policy.js';

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

/** The first local day of the frequency window (`YYYY-MM-DD`), for the `frequency_cap` reason. */
export function frequencyWindowSince(now: string, timezone: string, days: number): string {
  const zone = zoneOrUtc(timezone);
  return DateTime.fromISO(frequencyWindowStart(now, zone, days), { zone }).toISODate()!;
}

/** An instant and its local `yyyy-LL-dd HH:mm` in its zone. */
export function localInstant(d: DateTime): LocalInstant {
  return { at: d.toUTC().toISO()!, local: d.toFormat('yyyy-LL-dd HH:mm') };
}

/**
 * The time facts of a decision at `now` in `timezone`: `now` (as ISO, UTC), the same local, and the window's
 * openings on the local day of `now` and the day after (none without a window).
 */
export function localTimes(
  now: string,
  timezone: string,
  window: SendWindow | null,
): Required<Pick<MailPolicyFacts, 'now' | 'localNow' | 'sendWindow'>> {
  const local = DateTime.fromISO(now, { zone: zoneOrUtc(timezone) });
  if (!local.isValid) throw new RangeError(`now '${now}' is not an ISO instant`);
  const at = localInstant(local);
  if (!window) return { now: at.at, localNow: at.local, sendWindow: null };
  const start = minutesOf(checkSendWindow(window).start);
  const startOn = (day: DateTime) =>
    localInstant(day.set({ hour: Math.floor(start / 60), minute: start % 60, second: 0, millisecond: 0 }));
  return {
    now: at.at,
    localNow: at.local,
    sendWindow: { ...window, opensToday: startOn(local), opensTomorrow: startOn(local.plus({ days: 1 })) },
  };
}
