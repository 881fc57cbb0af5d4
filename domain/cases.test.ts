import { describe, expect, it } from 'vitest';
import { costBucket, planCaseAgenda, type CaseFacts, type ZonedTime } from './cases.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** UTC's arithmetic (no daylight saving): enough for the rules; activities/cases.ts passes luxon's for a zone. */
const utc: ZonedTime = {
  plus: (iso, d) =>
    new Date(
      Date.parse(iso) + (d.minutes ?? 0) * 60_000 + (d.hours ?? 0) * HOUR + (d.days ?? 0) * DAY,
    ).toISOString(),
  lastMinuteOfDay: (iso) => `${iso.slice(0, 10)}T23:59:00.000Z`,
  daysBetween: (from, to) => Math.round((Date.parse(to.slice(0, 10)) - Date.parse(from.slice(0, 10))) / DAY),
};

const clocks = {
  ackMinutes: 60,
  dutyManagerHours: 24,
  generalManagerHours: 72,
  satisfactionCheckDays: 3,
  satisfactionAnswerDays: 7,
};

const open: CaseFacts = {
  status: 'open',
  source: 'phone',
  openedAt: '2026-03-02T10:00:00.000Z',
  acknowledged: false,
  slaState: 'on_track',
  reopened: 0,
  satisfactionAt: null,
  resolvedAt: null,
  satisfactionAskedAt: null,
};

describe('planCaseAgenda', () => {
  it('plans the acknowledgement and both escalations of an open case from its opening', () => {
    expect(planCaseAgenda(open, clocks, utc)).toEqual({
      ackDue: '2026-03-02T11:00:00.000Z',
      dutyManager: '2026-03-03T10:00:00.000Z',
      generalManager: '2026-03-05T10:00:00.000Z',
    });
  });

  it('escalates an in-stay case at the end of the local day, a reopened one from the answer', () => {
    expect(planCaseAgenda({ ...open, source: 'in_stay', acknowledged: true }, clocks, utc).dutyManager).toBe(
      '2026-03-02T23:59:00.000Z',
    );
    const reopened = {
      ...open,
      source: 'in_stay' as const,
      acknowledged: true,
      reopened: 1,
      satisfactionAt: '2026-03-10T08:00:00.000Z',
    };
    expect(planCaseAgenda(reopened, clocks, utc)).toEqual({
      dutyManager: '2026-03-11T08:00:00.000Z',
      generalManager: '2026-03-13T08:00:00.000Z',
    });
  });

  it('does not plan a level reached again', () => {
    expect(planCaseAgenda({ ...open, acknowledged: true, slaState: 'duty_manager' }, clocks, utc)).toEqual({
      generalManager: '2026-03-05T10:00:00.000Z',
    });
    expect(planCaseAgenda({ ...open, acknowledged: true, slaState: 'general_manager' }, clocks, utc)).toEqual(
      {},
    );
  });

  it('asks 3 days after the resolution, then waits 7 days for the answer; a closed case has nothing due', () => {
    const resolved = { ...open, status: 'resolved' as const, resolvedAt: '2026-03-04T09:00:00.000Z' };
    expect(planCaseAgenda(resolved, clocks, utc)).toEqual({ satisfactionCheck: '2026-03-07T09:00:00.000Z' });
    expect(
      planCaseAgenda({ ...resolved, satisfactionAskedAt: '2026-03-07T09:00:00.000Z' }, clocks, utc),
    ).toEqual({ satisfactionAnswerDue: '2026-03-14T09:00:00.000Z' });
    expect(planCaseAgenda({ ...open, status: 'closed' }, clocks, utc)).toEqual({});
  });
});

describe('costBucket', () => {
  it('counts local days from the opening to the resolution: 1:10:100', () => {
    expect(costBucket('2026-03-02T10:00:00.000Z', '2026-03-02T23:00:00.000Z', utc)).toBe('same_day');
    expect(costBucket('2026-03-02T23:00:00.000Z', '2026-03-03T01:00:00.000Z', utc)).toBe('next_day');
    expect(costBucket('2026-03-02T10:00:00.000Z', '2026-03-04T09:00:00.000Z', utc)).toBe('later');
  });
});
