import { describe, expect, it } from 'vitest';
import { DEFAULT_POST_STAY_STEPS, type CadenceStep } from '../domain/cadence.js';
import { planStep, type StepFacts, type StepTime } from '../domain/cadence-plan.js';
import { checkInInstant, planCadenceInZone, stepTime, type StepZone } from './cadence-times.js';

const zone = 'Asia/Shanghai';
// Check-out 2026-03-12 11:00 in Shanghai.
const checkOut = '2026-03-12T03:00:00.000Z';
const anchors = { checkOut, checkIn: checkInInstant('2026-03-10', zone) };

type Facts = Omit<StepFacts, keyof StepTime> & StepZone;

const facts = (over: Partial<Facts> = {}): Facts => ({
  timezone: zone,
  now: checkOut,
  maxAgeDays: 7,
  marketingConsent: true,
  openServiceCase: false,
  programWindow: { start: '09:00', end: '20:00' },
  marketingInWindow: 0,
  frequencyCap: { cap: 3, days: 7 },
  surveyScore: null,
  bookedSinceAnchor: false,
  ...over,
});

const step = (over: Partial<CadenceStep>): CadenceStep => ({ ...DEFAULT_POST_STAY_STEPS[2]!, ...over });

/** The policy's planning of a step (domain/cadence-plan.ts) on the local times of the guest's zone. */
const plan = (s: CadenceStep, dueAt: string, f: Facts) =>
  planStep(s, dueAt, { ...f, ...stepTime(s, dueAt, f) });

describe('the check-in anchor', () => {
  it('is the arrival at 15:00 in the zone (due times from it: domain/cadence-plan.test.ts)', () => {
    expect(anchors.checkIn).toBe('2026-03-10T07:00:00.000Z');
    expect(checkInInstant('2026-03-10', 'Mars/Olympus')).toBe('2026-03-10T15:00:00.000Z');
    expect(() => checkInInstant('2026-03-32', zone)).toThrow(RangeError);
  });
});

describe("planStep in the guest's zone", () => {
  it('a step due at 03:00 local waits for its window at 09:00; a transactional one without a window goes when due', () => {
    const dueAt = '2026-03-14T19:00:00.000Z'; // 03:00 on the 15th in Shanghai
    expect(plan(step({}), dueAt, facts({ now: dueAt, surveyScore: 5 }))).toEqual({
      sendAt: '2026-03-15T01:00:00.000Z',
      localSendAt: '2026-03-15 09:00',
      deferred: true,
    });
    expect(
      plan(step({ class: 'transactional', condition: null }), dueAt, facts({ now: dueAt })),
    ).toMatchObject({ sendAt: '2026-03-15T01:00:00.000Z', localSendAt: '2026-03-15 09:00', deferred: true });
    expect(
      plan(step({ class: 'transactional', condition: null, window: null }), dueAt, facts({ now: dueAt })),
    ).toMatchObject({ sendAt: '2026-03-14T19:00:00.000Z', deferred: false });
    // A step's own window replaces the program's.
    expect(
      plan(step({ window: { start: '10:30', end: '12:00' } }), dueAt, facts({ now: dueAt, surveyScore: 4 })),
    ).toMatchObject({ localSendAt: '2026-03-15 10:30' });
  });

  it('skips with the reason: too old, condition, consent, cap', () => {
    const dueAt = '2026-03-15T03:00:00.000Z';
    expect(plan(step({}), dueAt, facts({ now: '2026-03-23T03:00:00.001Z', surveyScore: 5 }))).toEqual({
      skip: 'stay_too_old',
      reason: 'stay_too_old: due 2026-03-15, more than 7 days ago',
    });
    expect(plan(step({}), dueAt, facts({ now: dueAt, surveyScore: 3 }))).toEqual({
      skip: 'condition_not_met',
      reason: 'condition_not_met: score_at_least:4 (score 3)',
    });
    expect(plan(step({}), dueAt, facts({ now: dueAt, surveyScore: 4, marketingConsent: false }))).toEqual({
      skip: 'no_marketing_consent',
      reason: 'no_marketing_consent',
    });
    expect(plan(step({}), dueAt, facts({ now: dueAt, surveyScore: 4, marketingInWindow: 3 }))).toMatchObject({
      skip: 'frequency_cap',
    });
  });
});

describe('planCadenceInZone (the preview)', () => {
  it('the default cadence for a guest who answered 5: every mail with its local send time', () => {
    const preview = planCadenceInZone({
      steps: DEFAULT_POST_STAY_STEPS,
      anchors,
      facts: { ...facts({ surveyScore: 5 }), now: checkOut, recentMarketing: [] },
    });
    expect(preview.map((p) => [p.id, p.outcome, 'localSendAt' in p ? p.localSendAt : p.reason])).toEqual([
      ['thank-you', 'send', '2026-03-12 13:00'],
      ['survey', 'send', '2026-03-13 11:00'],
      ['review-request', 'send', '2026-03-15 11:00'],
      ['come-back', 'send', '2026-04-11 11:00'],
    ]);
  });

  it('counts recent marketing mails and its own marketing steps towards the cap; explains skips', () => {
    const steps = [1, 2, 3].map((n) => step({ id: `m${n}`, offsetMinutes: n * 60, condition: null }));
    const preview = planCadenceInZone({
      steps,
      anchors,
      facts: {
        ...facts({ bookedSinceAnchor: true }),
        now: checkOut,
        recentMarketing: ['2026-03-10T02:00:00.000Z', '2026-03-01T02:00:00.000Z'],
      },
    });
    expect(preview.map((p) => (p.outcome === 'skip' ? p.skip : p.localSendAt))).toEqual([
      '2026-03-12 12:00',
      '2026-03-12 13:00',
      'frequency_cap',
    ]);
  });
});
