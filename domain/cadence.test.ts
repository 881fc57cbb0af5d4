import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POST_STAY_STEPS,
  conditionNotMet,
  diffCadence,
  parseCondition,
  validateSteps,
  type CadenceStep,
} from './cadence.js';

const step = (over: Partial<CadenceStep> = {}): CadenceStep => ({
  id: 'thank-you',
  anchor: 'check_out',
  offsetMinutes: 120,
  window: { start: '09:00', end: '20:00' },
  template: 'stay-thank-you',
  channel: 'mail',
  class: 'transactional',
  condition: null,
  ...over,
});

describe('parseCondition', () => {
  it('reads the three forms', () => {
    expect(parseCondition('survey_not_answered')).toEqual({ kind: 'survey_not_answered' });
    expect(parseCondition('score_at_least:4')).toEqual({ kind: 'score_at_least', score: 4 });
    expect(parseCondition(' no_booking_since_anchor ')).toEqual({ kind: 'no_booking_since_anchor' });
  });
  it('refuses anything else, saying what is accepted', () => {
    expect(() => parseCondition('score_at_least:6')).toThrow('score_at_least takes a score 1-5, not 6');
    expect(() => parseCondition('score_at_least:')).toThrow(/unknown condition/);
    expect(() => parseCondition('booked')).toThrow(
      "unknown condition 'booked': one of survey_not_answered, score_at_least:N, no_booking_since_anchor, no_open_case",
    );
  });
});

describe('conditionNotMet', () => {
  const none = { surveyScore: null, bookedSinceAnchor: false, openServiceCase: false };
  it('no condition always holds', () => {
    expect(
      conditionNotMet(null, { surveyScore: 1, bookedSinceAnchor: true, openServiceCase: true }),
    ).toBeNull();
  });
  it('score_at_least: holds at or above the score; not answered does not hold', () => {
    expect(conditionNotMet('score_at_least:4', { ...none, surveyScore: 4 })).toBeNull();
    expect(conditionNotMet('score_at_least:4', { ...none, surveyScore: 5 })).toBeNull();
    expect(conditionNotMet('score_at_least:4', { ...none, surveyScore: 3 })).toBe(
      'condition_not_met: score_at_least:4 (score 3)',
    );
    expect(conditionNotMet('score_at_least:4', none)).toBe(
      'condition_not_met: score_at_least:4 (survey not answered)',
    );
  });
  it('survey_not_answered and no_booking_since_anchor', () => {
    expect(conditionNotMet('survey_not_answered', none)).toBeNull();
    expect(conditionNotMet('survey_not_answered', { ...none, surveyScore: 2 })).toMatch(/^condition_not_met/);
    expect(conditionNotMet('no_booking_since_anchor', none)).toBeNull();
    expect(conditionNotMet('no_booking_since_anchor', { ...none, bookedSinceAnchor: true })).toBe(
      'condition_not_met: no_booking_since_anchor (the guest has booked)',
    );
  });
  it('no_open_case: holds while no service case of the guest is open', () => {
    expect(conditionNotMet('no_open_case', none)).toBeNull();
    expect(conditionNotMet('no_open_case', { ...none, openServiceCase: true })).toBe(
      'condition_not_met: no_open_case (a service case of the guest is open)',
    );
  });
});

describe('validateSteps', () => {
  it('accepts the default post-stay cadence', () => {
    expect(validateSteps(DEFAULT_POST_STAY_STEPS)).toEqual([]);
    expect(DEFAULT_POST_STAY_STEPS.map((s) => [s.id, s.offsetMinutes, s.class, s.condition])).toEqual([
      ['thank-you', 120, 'transactional', null],
      ['survey', 1440, 'transactional', null],
      ['review-request', 4320, 'marketing', 'score_at_least:4'],
      ['come-back', 43200, 'marketing', 'no_booking_since_anchor'],
    ]);
  });
  it('names the field of every problem', () => {
    const problems = validateSteps(
      [
        step({ anchor: 'previous_step' }),
        step({ offsetMinutes: -5, window: { start: '20:00', end: '09:00' } }),
        { ...step({ id: 'x' }), template: '', class: 'promo', condition: 'score_at_least:9', colour: 'red' },
        step({ id: 'Bad Id', window: { start: '9:00', end: '20:00' }, channel: 'sms' as 'mail' }),
      ],
      { knownTemplate: (n) => n === 'stay-thank-you' },
    );
    expect(problems).toEqual([
      { field: 'steps[0].anchor', message: 'the first step has no previous step' },
      { field: 'steps[1].id', message: "'thank-you' is used by an earlier step" },
      { field: 'steps[1].offsetMinutes', message: 'must be a whole number of minutes from 0 to 527040' },
      { field: 'steps[1].window', message: 'the start must be before the end (no window across midnight)' },
      { field: 'steps[2].colour', message: 'is not a field of a step' },
      { field: 'steps[2].template', message: 'must name a template' },
      { field: 'steps[2].class', message: 'must be one of transactional, marketing' },
      { field: 'steps[2].condition', message: 'score_at_least takes a score 1-5, not 9' },
      {
        field: 'steps[3].id',
        message: 'must be lower-case letters, digits and dashes (at most 63), e.g. thank-you',
      },
      { field: 'steps[3].window.start', message: 'must be a local time HH:mm' },
      { field: 'steps[3].channel', message: 'must be one of mail' },
    ]);
    expect(validateSteps([step({ template: 'nope' })], { knownTemplate: () => false })).toEqual([
      { field: 'steps[0].template', message: "unknown template 'nope'" },
    ]);
  });
  it('needs a list of at least one step', () => {
    expect(validateSteps({})).toEqual([{ field: 'steps', message: 'must be a list of steps' }]);
    expect(validateSteps([])).toEqual([{ field: 'steps', message: 'needs at least one step' }]);
    expect(validateSteps([null])).toEqual([{ field: 'steps[0]', message: 'must be an object' }]);
  });
});

describe('diffCadence', () => {
  it('lists the steps added, removed and changed (field by field, and a move in the order)', () => {
    const a = [step(), step({ id: 'survey', offsetMinutes: 1440 }), step({ id: 'gone' })];
    const b = [
      step({ id: 'survey', offsetMinutes: 2880, condition: 'survey_not_answered' }),
      step(),
      step({ id: 'new', class: 'marketing' }),
    ];
    expect(diffCadence(a, b)).toEqual({
      added: [b[2]],
      removed: [a[2]],
      changed: [
        { id: 'thank-you', fields: { position: { from: 1, to: 2 } } },
        {
          id: 'survey',
          fields: {
            offsetMinutes: { from: 1440, to: 2880 },
            condition: { from: null, to: 'survey_not_answered' },
            position: { from: 2, to: 1 },
          },
        },
      ],
    });
  });
  it('is empty between equal versions', () => {
    expect(diffCadence(DEFAULT_POST_STAY_STEPS, [...DEFAULT_POST_STAY_STEPS])).toEqual({
      added: [],
      removed: [],
      changed: [],
    });
  });
});
