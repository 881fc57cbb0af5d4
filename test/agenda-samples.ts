/**
 * A member's agenda facts (domain/agenda.ts AgendaFacts) for the agenda's unit tests: domain/agenda.test.ts
 * (which deadlines) and activities/agenda.unit.test.ts (their dates in the guest's zone).
 */
import type { AgendaFacts } from '../domain/agenda.js';

/** Enrolled with a first stay on 2026-01-10 (11:00 in Shanghai), born on 2 May. */
export const MEMBER_AGENDA_FACTS: AgendaFacts = {
  guestId: '4f7a6c1e-0000-4000-8000-000000000001',
  timezone: 'Asia/Shanghai',
  stage: 'member',
  tier: 'member',
  enrolledAt: '2026-01-10T03:00:00Z',
  lastStayAt: '2026-01-10T03:00:00Z',
  lastQualifyingAt: '2026-01-10T03:00:00Z',
  pointsBalance: 24000,
  birthdayMonthDay: '05-02',
  yearActivity: { stays: 1, nights: 3, basePoints: 24000 },
  totalStays: 1,
};
