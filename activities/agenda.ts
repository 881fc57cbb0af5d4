/**
 * Dates the guest's agenda in the guest's time zone, with luxon, outside workflow code: which deadlines the
 * guest has is domain/agenda.ts `agendaBasis`; the result is recorded in history, so a change of the runtime's
 * time-zone data never changes a replay.
 */
import { DateTime } from 'luxon';
import { agendaBasis, reviewJitterMinutes, type Agenda, type AgendaFacts } from '../domain/agenda.js';
import type { ProgramRules } from '../domain/program.js';

/**
 * The guest's next annual review: 1 January, local midnight plus the guest's jitter, looking back on the year
 * before it. Between midnight and the jittered moment of 1 January the review of the year just ended is still
 * ahead (a message at 00:01 must not push it a year away).
 */
export function reviewSchedule(
  guestId: string,
  timezone: string,
  nowIso: string,
  jitterHours: number,
): { at: DateTime; year: number } {
  const now = DateTime.fromISO(nowIso, { zone: zoneOf(timezone) });
  const jitter = { minutes: reviewJitterMinutes(guestId, jitterHours) };
  const thisYears = now.startOf('year').plus(jitter);
  if (now < thisYears) return { at: thisYears, year: now.year - 1 };
  return { at: now.startOf('year').plus({ years: 1 }).plus(jitter), year: now.year };
}

function zoneOf(timezone: string): string {
  return DateTime.now().setZone(timezone).isValid ? timezone : 'UTC';
}

/** The agenda as of `nowIso` (the workflow's clock). Reminders already past are not planned; state changes are. */
export function planAgenda(facts: AgendaFacts, rules: ProgramRules, nowIso: string): Agenda {
  const zone = zoneOf(facts.timezone);
  const now = DateTime.fromISO(nowIso, { zone });
  const at = (d: DateTime) => d.toUTC().toISO()!;
  const local = (iso: string) => DateTime.fromISO(iso, { zone });
  const atHour = (d: DateTime) => d.set({ hour: rules.greetingHour, minute: 0, second: 0, millisecond: 0 });
  const future = (d: DateTime) => (d > now ? at(d) : undefined);
  const agenda: Agenda = {};
  const basis = agendaBasis(facts, rules);

  if (basis.tierReview) {
    agenda.tierReview = at(reviewSchedule(facts.guestId, zone, nowIso, rules.reviewJitterHours).at);
  }
  if (basis.tierKeepReminder) {
    agenda.tierKeepReminder = future(
      atHour(
        now
          .endOf('year')
          .startOf('day')
          .minus({ days: rules.tierKeepReminderDaysBefore - 1 }),
      ),
    );
  }
  if (basis.firstYearReminderFrom) {
    agenda.firstYearReminder = future(
      atHour(
        local(basis.firstYearReminderFrom)
          .plus({ years: 1 })
          .minus({ months: rules.firstYearReminderMonthsBefore }),
      ),
    );
  }
  if (basis.atRiskFrom) agenda.atRisk = at(local(basis.atRiskFrom).plus({ months: rules.atRiskAfterMonths }));
  if (basis.lapseFrom) agenda.lapse = at(local(basis.lapseFrom).plus({ months: rules.lapseAfterMonths }));
  if (basis.pointsExpiryFrom) {
    const expiry = local(basis.pointsExpiryFrom).plus({ months: rules.pointsExpiryMonths });
    agenda.pointsExpiry = at(expiry);
    agenda.pointsExpiryWarning = future(atHour(expiry.minus({ days: rules.pointsExpiryWarningDays })));
  }
  if (basis.birthday) {
    const { month, day } = basis.birthday;
    let next = atHour(now.set({ month, day }));
    // 29 February outside leap years: luxon rolls to 1 March, which is when the guest celebrates.
    if (next <= now) next = atHour(now.plus({ years: 1 }).set({ month, day }));
    agenda.birthday = at(next);
  }
  for (const k of Object.keys(agenda) as (keyof Agenda)[]) if (agenda[k] === undefined) delete agenda[k];
  return agenda;
}

/** `YYYY-MM-DD` in the guest's zone of an instant (mail texts show local dates). */
export function localDate(iso: string, timezone: string): string {
  return DateTime.fromISO(iso, { zone: zoneOf(timezone) }).toISODate()!;
}
