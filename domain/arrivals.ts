/**
 * The pure rules of the arrivals brief (`GET /v1/arrivals`, api/arrivals/): whether a guest's birthday falls
 * during the stay, and which of the guest's cases is the most urgent.
 */
import { CASE_PRIORITIES, SLA_STATES, type CasePriority, type CaseSlaState } from './cases.js';

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/**
 * The date ('YYYY-MM-DD') of the guest's birthday during a stay from `arrival` to `departure` (the nights from
 * arrival to the day before departure), or null. A birthday on 29 February is 1 March outside leap years, as
 * the birthday greeting has it (activities/agenda.ts).
 */
export function birthdayDuringStay(birthday: string, arrival: string, departure: string): string | null {
  const monthDay = birthday.slice(5, 10);
  const first = Number(arrival.slice(0, 4));
  const last = Number(departure.slice(0, 4));
  for (let year = first; year <= last; year++) {
    const md = monthDay === '02-29' && !isLeapYear(year) ? '03-01' : monthDay;
    const date = `${String(year).padStart(4, '0')}-${md}`;
    if (date >= arrival && date < departure) return date;
  }
  return null;
}

/** A case as the urgency order reads it. */
export interface CaseUrgency {
  status: string;
  priority: CasePriority;
  slaState: CaseSlaState;
  openedAt: Date;
}

/**
 * Which case comes first (negative: `a`): an open case before one resolved and waiting for the guest's answer,
 * then the higher priority, then the higher escalation, then the older.
 */
export function compareUrgency(a: CaseUrgency, b: CaseUrgency): number {
  return (
    Number(b.status === 'open') - Number(a.status === 'open') ||
    CASE_PRIORITIES.indexOf(b.priority) - CASE_PRIORITIES.indexOf(a.priority) ||
    SLA_STATES.indexOf(b.slaState) - SLA_STATES.indexOf(a.slaState) ||
    a.openedAt.getTime() - b.openedAt.getTime()
  );
}
