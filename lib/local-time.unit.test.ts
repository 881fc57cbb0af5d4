import { describe, expect, it } from 'vitest';
import {
  decideMail,
  DEFAULT_SEND_WINDOW,
  planOf,
  type MailClass,
  type MailPlan,
  type QuietPeriod,
  type SendWindow,
} from '../domain/mail-policy.js';
import { frequencyWindowSince, frequencyWindowStart, localTimes } from './local-time.js';

/** The facts activities/mail.ts `planMail` reads from Postgres. */
interface PlanFacts {
  mailClass: MailClass;
  /** IANA zone of the guest; an unknown zone plans in UTC. */
  timezone: string;
  now: string;
  /** Undefined: marketing waits for DEFAULT_SEND_WINDOW, transactional for nothing; null: no window. */
  window?: SendWindow | null;
  marketingConsent: boolean;
  openServiceCase: boolean;
  exitCondition?: string | null;
  quietPeriods?: readonly QuietPeriod[];
  marketingInWindow: number;
  frequencyCap?: { cap: number; days: number };
}

/** The local times of the guest's zone (./local-time.ts), then the policy (domain/mail-policy.ts), as planMail does. */
function planMail(facts: PlanFacts): MailPlan {
  const window =
    facts.window === undefined && facts.mailClass === 'marketing' ? DEFAULT_SEND_WINDOW : facts.window;
  const times = localTimes(facts.now, facts.timezone, window ?? null);
  const { cap, days } = facts.frequencyCap ?? { cap: 3, days: 7 };
  const decision = decideMail({
    mailClass: facts.mailClass,
    ...times,
    marketingConsent: facts.marketingConsent,
    openServiceCase: facts.openServiceCase,
    exitCondition: facts.exitCondition ?? null,
    quietPeriods: facts.quietPeriods ?? [],
    frequency: {
      count: facts.marketingInWindow,
      cap,
      days,
      since: frequencyWindowSince(facts.now, facts.timezone, days),
    },
  });
  return planOf(decision, { at: times.now, local: times.localNow });
}

const marketing = (over: Partial<PlanFacts>): PlanFacts => ({
  mailClass: 'marketing',
  timezone: 'Asia/Shanghai',
  now: '2026-11-24T04:00:00Z',
  marketingConsent: true,
  openServiceCase: false,
  marketingInWindow: 0,
  ...over,
});

function sendAt(plan: MailPlan): string {
  if (!('sendAt' in plan)) throw new Error(`skipped: ${plan.reason}`);
  return plan.sendAt;
}

describe('planMail: send window (luxon, guest local time)', () => {
  // [case, zone, now (UTC), sendAt, localSendAt]: each held until the window opens.
  it.each([
    [
      'Asia/Shanghai: due 03:00 local (19:00 UTC the day before) → 09:00 local the same day',
      'Asia/Shanghai',
      '2026-11-23T19:00:00Z',
      '2026-11-24T01:00:00.000Z',
      '2026-11-24 09:00',
    ],
    [
      'Asia/Shanghai: due 21:00 local → 09:00 local the next day',
      'Asia/Shanghai',
      '2026-11-24T13:00:00Z',
      '2026-11-25T01:00:00.000Z',
      '2026-11-25 09:00',
    ],
    [
      'Europe/London in winter (GMT): 03:00 → 09:00 = 09:00 UTC',
      'Europe/London',
      '2026-01-15T03:00:00Z',
      '2026-01-15T09:00:00.000Z',
      '2026-01-15 09:00',
    ],
    [
      'Europe/London in summer (BST): 03:00 local (02:00 UTC) → 09:00 local = 08:00 UTC',
      'Europe/London',
      '2026-07-01T02:00:00Z',
      '2026-07-01T08:00:00.000Z',
      '2026-07-01 09:00',
    ],
    [
      'Europe/London on the night the clocks go forward (29 March 2026): 00:30 GMT → 09:00 BST',
      'Europe/London',
      '2026-03-29T00:30:00Z',
      '2026-03-29T08:00:00.000Z',
      '2026-03-29 09:00',
    ],
    [
      // 00:30 UTC is 01:30 BST; the clocks go back at 01:00 UTC; 09:00 that day is GMT.
      'Europe/London on the night the clocks go back (25 October 2026): 01:30 BST → 09:00 GMT',
      'Europe/London',
      '2026-10-25T00:30:00Z',
      '2026-10-25T09:00:00.000Z',
      '2026-10-25 09:00',
    ],
    [
      '21:00 before the clocks go forward: the next 09:00 is BST',
      'Europe/London',
      '2026-03-28T21:00:00Z',
      '2026-03-29T08:00:00.000Z',
      '2026-03-29 09:00',
    ],
    [
      'an unknown zone plans in UTC',
      'Mars/Olympus',
      '2026-11-24T03:00:00Z',
      '2026-11-24T09:00:00.000Z',
      '2026-11-24 09:00',
    ],
  ])('%s', (_, timezone, now, expectedSendAt, localSendAt) => {
    expect(planMail(marketing({ timezone, now }))).toEqual({
      sendAt: expectedSendAt,
      localSendAt,
      deferred: true,
    });
  });

  it('inside the window: at once, exactly now; 20:00 is already outside, 09:00 inside', () => {
    const now = '2026-11-24T04:17:30.000Z'; // 12:17:30 in Shanghai
    expect(planMail(marketing({ now }))).toEqual({
      sendAt: now,
      localSendAt: '2026-11-24 12:17',
      deferred: false,
    });
    expect(sendAt(planMail(marketing({ now: '2026-11-24T12:00:00Z' })))).toBe('2026-11-25T01:00:00.000Z');
    expect(planMail(marketing({ now: '2026-11-24T01:00:00Z' }))).toMatchObject({ deferred: false });
    expect(planMail(marketing({ now: '2026-11-24T11:59:59Z' }))).toMatchObject({ deferred: false });
  });

  it('a window of the program (08:30–18:00) and no window at all (null: at once)', () => {
    const window = { start: '08:30', end: '18:00' };
    // 07:00 Shanghai → 08:30; 18:00 → next day 08:30.
    expect(sendAt(planMail(marketing({ now: '2026-11-23T23:00:00Z', window })))).toBe(
      '2026-11-24T00:30:00.000Z',
    );
    expect(sendAt(planMail(marketing({ now: '2026-11-24T10:00:00Z', window })))).toBe(
      '2026-11-25T00:30:00.000Z',
    );
    expect(planMail(marketing({ now: '2026-11-23T19:00:00Z', window: null }))).toMatchObject({
      sendAt: '2026-11-23T19:00:00.000Z',
      deferred: false,
    });
  });

  it('refuses a window that is not two ordered HH:mm', () => {
    expect(() => planMail(marketing({ window: { start: '25:00', end: '26:00' } }))).toThrow(RangeError);
  });
});

describe('planMail: the local days of a skip (the other reasons: domain/mail-policy.test.ts)', () => {
  it('the 4th marketing mail in 7 local days → frequency_cap; the 3rd still goes', () => {
    expect(planMail(marketing({ marketingInWindow: 2 }))).toMatchObject({ deferred: false });
    const fourth = planMail(marketing({ marketingInWindow: 3 }));
    expect(fourth).toEqual({
      skip: 'frequency_cap',
      reason: 'frequency_cap: 3 marketing mails since 2026-11-18 (at most 3 in 7 days)',
    });
  });

  it('a cap of the program (1 in 14 days)', () => {
    const frequencyCap = { cap: 1, days: 14 };
    expect(planMail(marketing({ marketingInWindow: 0, frequencyCap }))).toMatchObject({ deferred: false });
    expect(planMail(marketing({ marketingInWindow: 1, frequencyCap }))).toMatchObject({
      skip: 'frequency_cap',
      reason: expect.stringMatching(/since 2026-11-11 \(at most 1 in 14 days\)$/) as unknown,
    });
  });

  it('a quiet period is judged on the local day the mail would go', () => {
    const quietPeriods = [{ from: '2026-11-25', to: '2026-11-26', name: 'Staff days' }];
    // 12:00 on the 24th: goes the 24th.
    expect(planMail(marketing({ quietPeriods }))).toMatchObject({ deferred: false });
    // 21:00 on the 24th: would go 09:00 on the 25th, a quiet day.
    expect(planMail(marketing({ now: '2026-11-24T13:00:00Z', quietPeriods }))).toEqual({
      skip: 'quiet_period',
      reason: 'quiet_period: 2026-11-25 is in Staff days 2026-11-25–2026-11-26',
    });
    // 12:00 on the 26th (last day, inclusive) and the 27th.
    expect(planMail(marketing({ now: '2026-11-26T04:00:00Z', quietPeriods }))).toMatchObject({
      skip: 'quiet_period',
    });
    expect(planMail(marketing({ now: '2026-11-27T04:00:00Z', quietPeriods }))).toMatchObject({
      deferred: false,
    });
  });
});

describe('planMail: transactional mail', () => {
  it('waits for a window given to it (a cadence step’s), and for nothing else', () => {
    const facts = {
      mailClass: 'transactional' as const,
      timezone: 'Asia/Shanghai',
      marketingConsent: false,
      openServiceCase: true,
      quietPeriods: [{ from: '2026-11-01', to: '2026-11-30' }],
      marketingInWindow: 99,
      window: { start: '09:00', end: '20:00' },
    };
    // 03:00 → 09:00 the same day; 21:00 → 09:00 the next; 10:00 → at once; without a window at once.
    expect(planMail({ ...facts, now: '2026-11-23T19:00:00.000Z' })).toEqual({
      sendAt: '2026-11-24T01:00:00.000Z',
      localSendAt: '2026-11-24 09:00',
      deferred: true,
    });
    expect(planMail({ ...facts, now: '2026-11-24T13:00:00.000Z' })).toMatchObject({
      localSendAt: '2026-11-25 09:00',
      deferred: true,
    });
    expect(planMail({ ...facts, now: '2026-11-24T02:00:00.000Z' })).toMatchObject({
      localSendAt: '2026-11-24 10:00',
      deferred: false,
    });
    expect(planMail({ ...facts, window: undefined, now: '2026-11-23T19:00:00.000Z' })).toEqual({
      sendAt: '2026-11-23T19:00:00.000Z',
      localSendAt: '2026-11-24 03:00',
      deferred: false,
    });
  });
});

describe('frequencyWindowStart', () => {
  it('is local midnight 6 days before today (7 local calendar days)', () => {
    // 2026-11-24 12:00 in Shanghai → window from 2026-11-18 00:00 Shanghai = 2026-11-17 16:00 UTC.
    expect(frequencyWindowStart('2026-11-24T04:00:00Z', 'Asia/Shanghai', 7)).toBe('2026-11-17T16:00:00.000Z');
    // Across the London spring change: 2026-03-31 (BST) → 2026-03-25 00:00 GMT.
    expect(frequencyWindowStart('2026-03-31T12:00:00Z', 'Europe/London', 7)).toBe('2026-03-25T00:00:00.000Z');
    expect(frequencyWindowStart('2026-11-24T04:00:00Z', 'UTC', 1)).toBe('2026-11-24T00:00:00.000Z');
  });
});
