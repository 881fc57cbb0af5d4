import { describe, expect, it } from 'vitest';
import { DEFAULT_POST_STAY_STEPS, type CadenceStep } from './cadence.js';
import {
  planCadence,
  planningTime,
  planStep,
  stepDueTimes,
  stepWindow,
  type StepFacts,
  type StepTime,
} from './cadence-plan.js';

// Check-out 2026-03-12 11:00 in Shanghai (UTC+8); arrival 2026-03-10 at 15:00 there.
const checkOut = '2026-03-12T03:00:00.000Z';
const anchors = { checkOut, checkIn: '2026-03-10T07:00:00.000Z' };
const step = (over: Partial<CadenceStep>): CadenceStep => ({ ...DEFAULT_POST_STAY_STEPS[2]!, ...over });

/** A step due and planned at 11:00 local on 2026-03-15, inside the 09:00–20:00 window (times as activities give them). */
const inWindow: Omit<StepTime, 'dueAt' | 'frequencyStart'> = {
  dueOn: '2026-03-15',
  now: '2026-03-15T03:00:00.000Z',
  localNow: '2026-03-15 11:00',
  sendWindow: {
    start: '09:00',
    end: '20:00',
    opensToday: { at: '2026-03-15T01:00:00.000Z', local: '2026-03-15 09:00' },
    opensTomorrow: { at: '2026-03-16T01:00:00.000Z', local: '2026-03-16 09:00' },
  },
  frequencySince: '2026-03-09',
};

const facts = (over: Partial<StepFacts> = {}): StepFacts => ({
  ...inWindow,
  maxAgeDays: 7,
  marketingConsent: true,
  openServiceCase: false,
  marketingInWindow: 0,
  frequencyCap: { cap: 3, days: 7 },
  surveyScore: 5,
  bookedSinceAnchor: false,
  ...over,
});

describe('due times', () => {
  it('offsets count from the anchor or from the previous due time', () => {
    expect(stepDueTimes(DEFAULT_POST_STAY_STEPS, anchors)).toEqual([
      { id: 'thank-you', dueAt: '2026-03-12T05:00:00.000Z' },
      { id: 'survey', dueAt: '2026-03-13T03:00:00.000Z' },
      { id: 'review-request', dueAt: '2026-03-15T03:00:00.000Z' },
      { id: 'come-back', dueAt: '2026-04-11T03:00:00.000Z' },
    ]);
    const chained = [
      step({ id: 'a', anchor: 'check_in', offsetMinutes: 60 * 18 }),
      step({ id: 'b', anchor: 'previous_step', offsetMinutes: 30 }),
    ];
    expect(stepDueTimes(chained, anchors).map((d) => d.dueAt)).toEqual([
      '2026-03-11T01:00:00.000Z',
      '2026-03-11T01:30:00.000Z',
    ]);
    expect(() => stepDueTimes([step({ anchor: 'check_in' })], { checkOut, checkIn: 'soon' })).toThrow(
      RangeError,
    );
  });

  it('a step is planned when due, or now when that has passed', () => {
    expect(planningTime('2026-03-12T00:00:00Z', checkOut)).toBe(checkOut);
    expect(planningTime('2026-03-20T00:00:00Z', checkOut)).toBe('2026-03-20T00:00:00.000Z');
  });

  it("a step's window: its own; a marketing step without one, the program's; a transactional one, none", () => {
    const program = { start: '08:00', end: '18:00' };
    expect(stepWindow(step({ window: { start: '10:00', end: '11:00' } }), program)).toEqual({
      start: '10:00',
      end: '11:00',
    });
    expect(stepWindow(step({ window: null }), program)).toBe(program);
    expect(stepWindow(step({ window: null, class: 'transactional' }), program)).toBeNull();
  });
});

describe('planStep (the mail policy on a step)', () => {
  const dueAt = '2026-03-15T03:00:00.000Z';

  it('sends inside the window, holds outside it', () => {
    expect(planStep(step({}), dueAt, facts())).toEqual({
      sendAt: '2026-03-15T03:00:00.000Z',
      localSendAt: '2026-03-15 11:00',
      deferred: false,
    });
    expect(planStep(step({}), dueAt, facts({ localNow: '2026-03-15 03:00' }))).toEqual({
      sendAt: '2026-03-15T01:00:00.000Z',
      localSendAt: '2026-03-15 09:00',
      deferred: true,
    });
  });

  it('skips with the reason: too old, condition, consent, cap', () => {
    expect(planStep(step({}), dueAt, facts({ now: '2026-03-22T03:00:00.001Z' }))).toEqual({
      skip: 'stay_too_old',
      reason: 'stay_too_old: due 2026-03-15, more than 7 days ago',
    });
    expect(planStep(step({}), dueAt, facts({ surveyScore: 3 }))).toEqual({
      skip: 'condition_not_met',
      reason: 'condition_not_met: score_at_least:4 (score 3)',
    });
    expect(planStep(step({}), dueAt, facts({ marketingConsent: false }))).toEqual({
      skip: 'no_marketing_consent',
      reason: 'no_marketing_consent',
    });
    expect(planStep(step({}), dueAt, facts({ marketingInWindow: 3 }))).toEqual({
      skip: 'frequency_cap',
      reason: 'frequency_cap: 3 marketing mails since 2026-03-09 (at most 3 in 7 days)',
    });
  });
});

describe('planCadence', () => {
  it('counts recent marketing mails and its own marketing steps that would go towards the cap', () => {
    const steps = [1, 2, 3].map((n) => step({ id: `m${n}`, offsetMinutes: n * 60, condition: null }));
    const times: StepTime[] = steps.map((_, i) => {
      const at = new Date(Date.parse(inWindow.now) + i * 3_600_000).toISOString();
      return {
        ...inWindow,
        dueAt: at,
        now: at,
        localNow: `2026-03-15 ${11 + i}:00`,
        frequencyStart: '2026-03-08T16:00:00.000Z',
      };
    });
    const preview = planCadence({
      steps,
      facts: { ...facts(), recentMarketing: ['2026-03-10T02:00:00.000Z', '2026-03-01T02:00:00.000Z'] },
      times,
    });
    expect(preview.map((p) => (p.outcome === 'skip' ? p.skip : p.localSendAt))).toEqual([
      '2026-03-15 11:00',
      '2026-03-15 12:00',
      'frequency_cap',
    ]);
  });
});
