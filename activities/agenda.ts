/**
 * Computes the guest's agenda (domain/agenda.ts) in the guest's time zone,
 * with luxon, outside workflow code: the result is recorded in history, so a
 * change of the runtime's time-zone data never changes a replay.
 */
import { DateTime } from 'luxon';
import type { Agenda } from '../domain/agenda.js';
import type { ProgramRules } from '../domain/program.js';
import { isActive, type Stage } from '../domain/stages.js';
import { shortfall, type Tier, type YearActivity } from '../domain/tiers.js';

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
  const enrolled = facts.enrolledAt !== null || facts.totalStays > 0;

  // A churned guest's run sleeps, but a tier above member is still reviewed each 1 January (it steps down as
  // anyone's does: without it a churned Gold kept Gold for ever, and the keep-your-tier reminder below still
  // came).
  if (enrolled && (facts.stage !== 'churned' || facts.tier !== 'member')) {
    agenda.tierReview = at(reviewSchedule(facts.guestId, zone, nowIso, rules.reviewJitterHours).at);
  }
  if (facts.tier !== 'member' && shortfall(facts.yearActivity, facts.tier, rules.tiers)) {
    agenda.tierKeepReminder = future(
      atHour(
        now
          .endOf('year')
          .startOf('day')
          .minus({ days: rules.tierKeepReminderDaysBefore - 1 }),
      ),
    );
  }
  if (facts.enrolledAt && facts.stage !== 'churned') {
    agenda.firstYearReminder = future(
      atHour(
        local(facts.enrolledAt).plus({ years: 1 }).minus({ months: rules.firstYearReminderMonthsBefore }),
      ),
    );
  }
  const since = facts.lastStayAt ?? facts.enrolledAt;
  if (since && isActive(facts.stage)) {
    if (facts.stage !== 'at_risk') agenda.atRisk = at(local(since).plus({ months: rules.atRiskAfterMonths }));
    agenda.lapse = at(local(since).plus({ months: rules.lapseAfterMonths }));
  }
  if (facts.pointsBalance > 0 && facts.lastQualifyingAt) {
    const expiry = local(facts.lastQualifyingAt).plus({ months: rules.pointsExpiryMonths });
    agenda.pointsExpiry = at(expiry);
    agenda.pointsExpiryWarning = future(atHour(expiry.minus({ days: rules.pointsExpiryWarningDays })));
  }
  if (facts.birthdayMonthDay && facts.stage !== 'churned') {
    const [month, day] = facts.birthdayMonthDay.split('-').map(Number) as [number, number];
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
