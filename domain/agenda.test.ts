import { describe, expect, it } from 'vitest';
import { MEMBER_AGENDA_FACTS } from '../test/agenda-samples.js';
import { agendaBasis, datedDeadlines, nextDeadline, reviewJitterMinutes } from './agenda.js';
import { DEFAULT_RULES } from './default-rules.js';

describe('nextDeadline', () => {
  it('picks the earliest, ties in the fixed order, none when empty', () => {
    expect(nextDeadline({})).toBeUndefined();
    expect(
      nextDeadline({
        lapse: '2027-03-01T00:00:00Z',
        birthday: '2026-05-02T01:00:00Z',
        tierReview: '2027-01-01T00:00:00Z',
      }),
    ).toEqual({ kind: 'birthday', at: '2026-05-02T01:00:00Z' });
    expect(nextDeadline({ atRisk: '2027-01-01T00:00:00Z', tierReview: '2027-01-01T00:00:00Z' })).toEqual({
      kind: 'tierReview',
      at: '2027-01-01T00:00:00Z',
    });
  });
});

describe('datedDeadlines', () => {
  it("lists every dated deadline soonest first, whatever the agenda (a guest's, a case's); nothing without one", () => {
    expect(
      datedDeadlines({
        lapse: '2027-03-01T00:00:00Z',
        birthday: '2026-05-02T01:00:00Z',
        dutyManager: '2026-05-01T00:00:00Z',
        tierReview: undefined,
        handled: ['x'],
        garbage: 'not a date',
      }),
    ).toEqual([
      { kind: 'dutyManager', at: '2026-05-01T00:00:00Z' },
      { kind: 'birthday', at: '2026-05-02T01:00:00Z' },
      { kind: 'lapse', at: '2027-03-01T00:00:00Z' },
    ]);
    expect(datedDeadlines(undefined)).toEqual([]);
    expect(datedDeadlines(null)).toEqual([]);
  });
});

describe('reviewJitterMinutes', () => {
  it('is stable per guest, under the hours given, none without hours', () => {
    const id = MEMBER_AGENDA_FACTS.guestId;
    const jitter = reviewJitterMinutes(id, 6);
    expect(jitter).toBeGreaterThanOrEqual(0);
    expect(jitter).toBeLessThan(360);
    expect(reviewJitterMinutes(id, 6)).toBe(jitter);
    expect(reviewJitterMinutes(id, 0)).toBe(0);
  });
});

describe('agendaBasis', () => {
  const base = {
    ...MEMBER_AGENDA_FACTS,
    lastStayAt: '2026-03-01T03:00:00Z',
    lastQualifyingAt: '2026-03-01T03:00:00Z',
  };

  it('gives a member every deadline, each counted from its own instant', () => {
    expect(agendaBasis(base, DEFAULT_RULES)).toEqual({
      tierReview: true,
      tierKeepReminder: false,
      firstYearReminderFrom: '2026-01-10T03:00:00Z',
      atRiskFrom: '2026-03-01T03:00:00Z',
      lapseFrom: '2026-03-01T03:00:00Z',
      pointsExpiryFrom: '2026-03-01T03:00:00Z',
      birthday: { month: 5, day: 2 },
    });
  });

  it('reminds a tier holder short of keeping it; a guest at risk only lapses; no points, no expiry', () => {
    expect(agendaBasis({ ...base, tier: 'gold' }, DEFAULT_RULES).tierKeepReminder).toBe(true);
    const atRisk = agendaBasis({ ...base, stage: 'at_risk', pointsBalance: 0 }, DEFAULT_RULES);
    expect([atRisk.atRiskFrom, atRisk.lapseFrom, atRisk.pointsExpiryFrom]).toEqual([
      null,
      '2026-03-01T03:00:00Z',
      null,
    ]);
  });

  it('leaves a churned member points only; a churned tier holder is still reviewed; a prospect has no review', () => {
    expect(agendaBasis({ ...base, stage: 'churned' }, DEFAULT_RULES)).toEqual({
      tierReview: false,
      tierKeepReminder: false,
      firstYearReminderFrom: null,
      atRiskFrom: null,
      lapseFrom: null,
      pointsExpiryFrom: '2026-03-01T03:00:00Z',
      birthday: null,
    });
    expect(agendaBasis({ ...base, stage: 'churned', tier: 'silver' }, DEFAULT_RULES).tierReview).toBe(true);
    const prospect = {
      ...base,
      stage: 'prospect' as const,
      enrolledAt: null,
      lastStayAt: null,
      totalStays: 0,
    };
    expect(agendaBasis(prospect, DEFAULT_RULES)).toMatchObject({ tierReview: false, lapseFrom: null });
  });
});
