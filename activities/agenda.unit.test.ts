import { describe, expect, it } from 'vitest';
import { reviewJitterMinutes } from '../domain/agenda.js';
import { DEFAULT_RULES } from '../domain/default-rules.js';
import { MEMBER_AGENDA_FACTS as base } from '../test/agenda-samples.js';
import { planAgenda, reviewSchedule } from './agenda.js';

describe('planAgenda', () => {
  const agenda = planAgenda(base, DEFAULT_RULES, '2026-01-10T04:00:00Z');
  it('reviews on 1 January local time plus a stable jitter of up to 6 hours', () => {
    const jitter = reviewJitterMinutes(base.guestId, 6); // under 6 hours: domain/agenda.test.ts
    // Midnight in Shanghai is 16:00 UTC the day before.
    expect(Date.parse(agenda.tierReview!)).toBe(Date.parse('2026-12-31T16:00:00Z') + jitter * 60_000);
  });
  it('plans the first-year reminder 3 months before the anniversary at 09:00 local', () => {
    expect(agenda.firstYearReminder).toBe('2026-10-10T01:00:00.000Z');
  });
  it('marks at risk after 9 months and lapsed after 12 months without a stay', () => {
    expect(agenda.atRisk).toBe('2026-10-10T03:00:00.000Z');
    expect(agenda.lapse).toBe('2027-01-10T03:00:00.000Z');
  });
  it('expires points after 24 months, warned 30 days before at 09:00 local', () => {
    expect(agenda.pointsExpiry).toBe('2028-01-10T03:00:00.000Z');
    expect(agenda.pointsExpiryWarning).toBe('2027-12-11T01:00:00.000Z');
  });
  it('greets on the next birthday at 09:00 local', () => {
    expect(agenda.birthday).toBe('2026-05-02T01:00:00.000Z');
    expect(planAgenda(base, DEFAULT_RULES, '2026-06-01T00:00:00Z').birthday).toBe('2027-05-02T01:00:00.000Z');
  });
  it('reminds a gold member short of keeping the tier 60 days before the year ends', () => {
    const gold = planAgenda({ ...base, tier: 'gold' }, DEFAULT_RULES, '2026-03-01T00:00:00Z');
    expect(gold.tierKeepReminder).toBe('2026-11-02T01:00:00.000Z');
    const kept = planAgenda(
      { ...base, tier: 'gold', yearActivity: { stays: 20, nights: 40, basePoints: 0 } },
      DEFAULT_RULES,
      '2026-03-01T00:00:00Z',
    );
    expect(kept.tierKeepReminder).toBeUndefined();
  });
  it('plans nothing for a churned member but points (a churned tier holder: the review too), and no reminders already past', () => {
    const churned = planAgenda({ ...base, stage: 'churned' }, DEFAULT_RULES, '2027-06-01T00:00:00Z');
    expect(Object.keys(churned).sort()).toEqual(['pointsExpiry', 'pointsExpiryWarning']);
    // A churned guest who holds a tier is still reviewed on 1 January (found by the calendar tests: a guest
    // who churned before the review kept Gold).
    const silver = planAgenda(
      { ...base, stage: 'churned', tier: 'silver' },
      DEFAULT_RULES,
      '2029-06-01T00:00:00Z',
    );
    expect(Date.parse(silver.tierReview!)).toBe(
      Date.parse('2029-12-31T16:00:00Z') + reviewJitterMinutes(base.guestId, 6) * 60_000,
    );
    const late = planAgenda(base, DEFAULT_RULES, '2026-11-01T00:00:00Z');
    expect(late.firstYearReminder).toBeUndefined();
  });
});

describe('reviewSchedule', () => {
  it('keeps the review of the year just ended ahead between midnight and the jittered moment of 1 January', () => {
    const jitter = reviewJitterMinutes(base.guestId, 6);
    // 00:01 on 1 January 2027 in Shanghai = 16:01 UTC on 31 December 2026.
    const early = reviewSchedule(base.guestId, 'Asia/Shanghai', '2026-12-31T16:01:00Z', 6);
    if (jitter > 1) {
      expect(early.year).toBe(2026);
      expect(early.at.toUTC().toISO()).toBe(
        new Date(Date.parse('2026-12-31T16:00:00Z') + jitter * 60_000).toISOString(),
      );
    }
    const later = reviewSchedule(base.guestId, 'Asia/Shanghai', '2027-01-01T08:00:00Z', 6);
    expect(later.year).toBe(2027);
    expect(later.at.year).toBe(2028);
  });
});
