import { describe, expect, it } from 'vitest';
import { TEMPLATE_NAMES } from '../mail/templates.js';
import {
  BOOKED,
  checkQuietPeriods,
  checkSendWindow,
  decideMail,
  MAIL_TIMING,
  sendWindowOf,
  SUPPRESSION_REASONS,
  FOLLOW_UP_CANCELLED,
  UNSUBSCRIBED,
  WIN_BACK_ENDED,
  type MailDecision,
  type MailPolicyFacts,
  type SuppressionReason,
} from './mail-policy.js';

const DAY_MS = 86_400_000;

// 2026-11-24 12:00 in Shanghai (UTC+8), inside the 09:00–20:00 window; the local times as activities give them.
const now = '2026-11-24T04:00:00.000Z';
const window = {
  start: '09:00',
  end: '20:00',
  opensToday: { at: '2026-11-24T01:00:00.000Z', local: '2026-11-24 09:00' },
  opensTomorrow: { at: '2026-11-25T01:00:00.000Z', local: '2026-11-25 09:00' },
};

/** A marketing mail that goes: every fact given, none of them in the way. */
const marketing: MailPolicyFacts = {
  mailClass: 'marketing',
  now,
  localNow: '2026-11-24 12:00',
  marketingConsent: true,
  exitCondition: null,
  openServiceCase: false,
  sendWindow: window,
  quietPeriods: [],
  frequency: { count: 0, cap: 3, days: 7, since: '2026-11-18' },
};

const transactional: MailPolicyFacts = { mailClass: 'transactional', now };

const inHouse = {
  checkedIn: true as const,
  checkedOutAt: null,
  expectedDeparture: '2026-11-26',
  today: '2026-11-24',
};
const step = {
  condition: 'score_at_least:4',
  surveyScore: 5,
  bookedSinceAnchor: false,
  openServiceCase: false,
};

/** One row a reason: the facts, and the `suppression_reason` recorded (the spelling of rows already stored). */
const skips: [SuppressionReason, MailPolicyFacts, string][] = [
  // An erased guest gets no mail of any class, before any other reason (docs/privacy.md).
  [
    'guest_erased',
    { ...transactional, guestErased: true, recipientGone: true },
    'guest_erased: the guest asked to be forgotten',
  ],
  ['guest_erased', { ...marketing, guestErased: true }, 'guest_erased: the guest asked to be forgotten'],
  ['no_guest', { ...transactional, recipientGone: true }, 'no_guest: the guest or their address is gone'],
  [
    'no_staff_address',
    { ...transactional, staff: { propertyCode: 'SHA01', manager: 'duty', address: null } },
    'no_staff_address: property SHA01 has no duty manager address',
  ],
  [
    'not_in_house',
    { ...transactional, inHouse: { checkedIn: false } },
    'not_in_house: no check-in recorded for the stay',
  ],
  [
    'not_in_house',
    { ...transactional, inHouse: { ...inHouse, checkedOutAt: '2026-11-24T03:00:00.000Z' } },
    'not_in_house: checked out at 2026-11-24T03:00:00.000Z',
  ],
  [
    'not_in_house',
    { ...transactional, inHouse: { ...inHouse, expectedDeparture: '2026-11-23' } },
    'not_in_house: expected departure 2026-11-23 has passed',
  ],
  [
    'stay_too_old',
    { ...transactional, stayAge: { dueAt: '2026-11-16T03:59:59.999Z', dueOn: '2026-11-16', maxAgeDays: 7 } },
    'stay_too_old: due 2026-11-16, more than 7 days ago',
  ],
  [
    'stay_too_old',
    { ...transactional, stayAge: { checkedOutAt: '2026-11-10T00:00:00.000Z', maxAgeDays: 7 } },
    'stay_too_old: checked out more than 7 days ago',
  ],
  [
    'condition_not_met',
    { ...marketing, step: { ...step, surveyScore: 3 } },
    'condition_not_met: score_at_least:4 (score 3)',
  ],
  ['no_marketing_consent', { ...marketing, marketingConsent: false }, 'no_marketing_consent'],
  [
    'exit_condition',
    { ...marketing, exitCondition: BOOKED },
    'exit_condition: booked: the guest has a stay booked',
  ],
  [
    'open_service_case',
    { ...marketing, openServiceCase: true },
    'open_service_case: marketing pauses while a case is open',
  ],
  [
    'quiet_period',
    { ...marketing, quietPeriods: [{ from: '2026-11-24', to: '2026-11-26', name: 'Staff days' }] },
    'quiet_period: 2026-11-24 is in Staff days 2026-11-24–2026-11-26',
  ],
  [
    'frequency_cap',
    { ...marketing, frequency: { count: 3, cap: 3, days: 7, since: '2026-11-18' } },
    'frequency_cap: 3 marketing mails since 2026-11-18 (at most 3 in 7 days)',
  ],
];

describe('decideMail: one row a suppression reason', () => {
  it.each(skips)('%s', (reason, facts, text) => {
    expect(decideMail(facts)).toEqual({ action: 'skip', reason, text });
  });

  it('has a row for every reason', () => {
    expect(new Set(skips.map(([reason]) => reason))).toEqual(new Set(SUPPRESSION_REASONS));
  });

  it('writes the reasons of an unsubscribe, a withdrawn win-back mail and a cancelled follow-up as the rows store them', () => {
    expect(UNSUBSCRIBED).toBe('no_marketing_consent: unsubscribed before its send time');
    expect(WIN_BACK_ENDED).toBe(
      'exit_condition: the win-back ended before the send time (the guest came back, or staff cancelled it)',
    );
    expect(FOLLOW_UP_CANCELLED).toBe(
      'exit_condition: the follow-up was cancelled by staff before the send time',
    );
  });
});

describe('decideMail: send or hold', () => {
  const send: MailDecision = { action: 'send' };

  it('sends inside the window; holds before it until it opens today, at or after its end until tomorrow', () => {
    expect(decideMail(marketing)).toEqual(send);
    expect(decideMail({ ...marketing, localNow: '2026-11-24 09:00' })).toEqual(send);
    expect(decideMail({ ...marketing, localNow: '2026-11-24 03:00' })).toEqual({
      action: 'hold',
      until: window.opensToday,
    });
    expect(decideMail({ ...marketing, localNow: '2026-11-24 20:00' })).toEqual({
      action: 'hold',
      until: window.opensTomorrow,
    });
  });

  it('sends at once without a window', () => {
    expect(decideMail({ ...marketing, sendWindow: null, localNow: '2026-11-24 03:00' })).toEqual(send);
    expect(decideMail(transactional)).toEqual(send);
  });

  it('judges a quiet period on the local day the mail would go', () => {
    const quietPeriods = [{ from: '2026-11-25', to: '2026-11-26' }];
    expect(decideMail({ ...marketing, quietPeriods })).toEqual(send);
    expect(decideMail({ ...marketing, quietPeriods, localNow: '2026-11-24 21:00' })).toEqual({
      action: 'skip',
      reason: 'quiet_period',
      text: 'quiet_period: 2026-11-25 is in 2026-11-25–2026-11-26',
    });
  });

  it('lets the third marketing mail go and a step whose condition holds', () => {
    expect(
      decideMail({ ...marketing, frequency: { count: 2, cap: 3, days: 7, since: '2026-11-18' } }),
    ).toEqual(send);
    expect(decideMail({ ...marketing, step })).toEqual(send);
  });

  it('keeps a post-stay mail up to its maximum age and not after', () => {
    const checkedOutAt = '2026-03-01T10:00:00.000Z';
    const at = (ms: number) => new Date(Date.parse(checkedOutAt) + ms).toISOString();
    const age = { checkedOutAt, maxAgeDays: 7 };
    expect(decideMail({ ...transactional, now: at(7 * DAY_MS), stayAge: age })).toEqual(send);
    expect(decideMail({ ...transactional, now: at(7 * DAY_MS + 1), stayAge: age })).toMatchObject({
      reason: 'stay_too_old',
    });
  });

  it('keeps a guest in house until the check-out and through the expected departure day', () => {
    expect(decideMail({ ...transactional, inHouse })).toEqual(send);
    expect(
      decideMail({ ...transactional, inHouse: { ...inHouse, checkedOutAt: '2026-11-24T05:00:00Z' } }),
    ).toEqual(send);
    expect(decideMail({ ...transactional, inHouse: { ...inHouse, today: '2026-11-26' } })).toEqual(send);
  });

  it('sends transactional mail whatever consent, case, exit condition, quiet day or cap; only its window holds it', () => {
    const blocked = {
      marketingConsent: false,
      openServiceCase: true,
      exitCondition: BOOKED,
      quietPeriods: [{ from: '2026-11-01', to: '2026-11-30' }],
      frequency: { count: 99, cap: 3, days: 7, since: '2026-11-18' },
    };
    expect(decideMail({ ...transactional, ...blocked })).toEqual(send);
    expect(
      decideMail({ ...transactional, ...blocked, localNow: '2026-11-24 03:00', sendWindow: window }),
    ).toEqual({ action: 'hold', until: window.opensToday });
  });

  it('looks at consent first: one reason, the most basic', () => {
    expect(
      decideMail({
        ...marketing,
        marketingConsent: false,
        openServiceCase: true,
        exitCondition: BOOKED,
        frequency: { count: 9, cap: 3, days: 7, since: '2026-11-18' },
      }),
    ).toMatchObject({ reason: 'no_marketing_consent' });
  });

  it('refuses a window it cannot judge', () => {
    expect(() => decideMail({ ...marketing, sendWindow: { ...window, start: '25:00' } })).toThrow(RangeError);
    expect(() => decideMail({ ...marketing, localNow: undefined })).toThrow(RangeError);
  });
});

describe('timing', () => {
  it('MAIL_TIMING names every guest template, and only those', () => {
    expect(Object.keys(MAIL_TIMING).sort()).toEqual([...TEMPLATE_NAMES].sort());
  });

  it("a mail's window: none when it cannot wait; its own; else the program's for marketing and send-window mail", () => {
    const program = { start: '09:00', end: '20:00' };
    const own = { start: '10:00', end: '12:00' };
    expect(sendWindowOf({ marketing: true, template: 'x', own, program, ignoreSendWindow: true })).toBeNull();
    expect(sendWindowOf({ marketing: false, template: 'welcome-member', own, program })).toBe(own);
    expect(sendWindowOf({ marketing: true, template: 'welcome-member', program })).toBe(program);
    expect(sendWindowOf({ marketing: false, template: 'tier-upgrade', program })).toBe(program);
    expect(sendWindowOf({ marketing: false, template: 'welcome-member', program })).toBeNull();
    expect(sendWindowOf({ marketing: false, template: 'in-stay-check', program })).toBeNull();
  });
});

describe('settings checks', () => {
  it('refuse a window that is not two ordered HH:mm', () => {
    expect(checkSendWindow({ start: '09:00', end: '20:00' })).toEqual({ start: '09:00', end: '20:00' });
    expect(() => checkSendWindow({ start: '20:00', end: '09:00' })).toThrow(/start must be before the end/);
    expect(() => checkSendWindow({ start: '9:00', end: '20:00' })).toThrow(/not a local time/);
  });

  it('refuse quiet periods that are not ordered dates', () => {
    expect(checkQuietPeriods([{ from: '2026-12-24', to: '2026-12-26', name: 'Christmas' }])).toEqual([
      { from: '2026-12-24', to: '2026-12-26', name: 'Christmas' },
    ]);
    expect(checkQuietPeriods([])).toEqual([]);
    expect(checkQuietPeriods([{ from: '2028-02-29', to: '2028-02-29' }])).toEqual([
      { from: '2028-02-29', to: '2028-02-29' },
    ]);
    expect(() => checkQuietPeriods({})).toThrow(/must be a list/);
    expect(() => checkQuietPeriods([{ from: '2026-12-26', to: '2026-12-24' }])).toThrow(/quiet period 1/);
    expect(() => checkQuietPeriods([{ from: '2026-02-30', to: '2026-03-01' }])).toThrow(/quiet period 1/);
    expect(() => checkQuietPeriods([{ from: '2026-02-29', to: '2026-03-01' }])).toThrow(/quiet period 1/);
    expect(() => checkQuietPeriods([{ from: '2026-13-01', to: '2026-13-02' }])).toThrow(/quiet period 1/);
    expect(() => checkQuietPeriods([null])).toThrow(/quiet period 1/);
  });
});
