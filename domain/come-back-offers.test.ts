import { describe, expect, it } from 'vitest';
import { DEFAULT_POST_STAY_STEPS } from './cadence.js';
import {
  firstYearReminder,
  lapse,
  lapseDay,
  winBackSchedule,
  winBackWorkflowId,
} from './come-back-offers.js';

describe('the cadence step (domain/cadence.ts)', () => {
  it('offers a come-back 30 days after every check-out, to a guest who has not booked since', () => {
    const step = DEFAULT_POST_STAY_STEPS.find((s) => s.id === 'come-back');
    expect(step).toMatchObject({
      anchor: 'check_out',
      offsetMinutes: 30 * 1440,
      template: 'come-back-offer',
      class: 'marketing',
      condition: 'no_booking_since_anchor',
    });
  });
});

describe('firstYearReminder: the first-year come-back', () => {
  it('marks a guest with a single stay at risk and sends the come-back offer', () => {
    expect(firstYearReminder({ stays: 1 }, '2027-02-01')).toEqual({
      stage: { to: 'at_risk', reason: 'a single stay, first anniversary in 3 months' },
      mail: { kind: 'first-year-come-back', key: 'first-year:2027-02-01' },
    });
    expect(firstYearReminder({ stays: 0 }, '2027-02-01').mail?.kind).toBe('first-year-come-back');
  });
  it('only reminds a guest with two stays or more, under the same key (one of the two, once)', () => {
    expect(firstYearReminder({ stays: 2 }, '2027-02-01')).toEqual({
      mail: { kind: 'first-year-reminder', key: 'first-year:2027-02-01' },
    });
  });
});

describe('lapse: the win-back', () => {
  it('lapses the guest and starts the win-back named after the lapse day', () => {
    expect(lapse('guest-g1', '2027-05-04T22:00:00.000Z')).toEqual({
      stage: { to: 'lapsed', reason: 'no stay for 12 months' },
      winBack: {
        workflowId: 'guest-g1-winback-2027-05-04',
        lapsedOn: '2027-05-04',
        lapsedAt: '2027-05-04T22:00:00.000Z',
      },
    });
    expect(lapseDay('2027-05-04T22:00:00.000Z')).toBe('2027-05-04');
    expect(winBackWorkflowId('guest-g1', '2027-05-04')).toBe('guest-g1-winback-2027-05-04');
  });

  it('dates each offer from the lapse by the rules, keys it by its number, then waits the answer window', () => {
    const lapsedAt = '2027-05-04T22:00:00.000Z';
    const at = Date.parse(lapsedAt);
    const schedule = winBackSchedule(
      { guestWorkflowId: 'guest-g1', lapsedAt },
      { offerDays: [0, 30, 75], answerWindowDays: 30 },
    );
    expect(schedule).toEqual({
      offers: [
        { index: 0, dueMs: at, key: 'guest-g1:win-back:2027-05-04:offer-1' },
        { index: 1, dueMs: at + 30 * 86_400_000, key: 'guest-g1:win-back:2027-05-04:offer-2' },
        { index: 2, dueMs: at + 75 * 86_400_000, key: 'guest-g1:win-back:2027-05-04:offer-3' },
      ],
      answerWindowMs: 30 * 86_400_000,
      whyKey: 'guest-g1:win-back:2027-05-04:why',
    });
  });
});
