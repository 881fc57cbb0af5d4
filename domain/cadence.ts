/**
 * Cadences (docs/architecture.md "The post-stay follow-up"): the post-stay follow-up as marketers edit it, a
 * versioned list of steps in Postgres (`cadence_versions`). Pure: the shape of a step, its condition language,
 * the checks a draft must pass before it is saved or published, and the difference between two versions.
 * Workflow code may import this file (it uses no Node module and no clock).
 *
 * A step is sent at its due time: its anchor plus `offsetMinutes`.
 * - `check_out`: the stay's check-out (the `stay.completed` event's time);
 * - `check_in`: the stay's arrival date at 15:00 (the usual check-in hour) in the property's zone
 *   (`property_settings.timezone`), or in the guest's zone when the property has none;
 * - `previous_step`: the due time of the step before it (not when that one went: a window or a skip of the
 *   previous step does not move the ones after it). The first step may not use it.
 * Its `window` (local `HH:mm`–`HH:mm` of the guest's day) holds a step due outside it until the window opens:
 * the thank-you of a check-out at 01:00 goes at 09:00. Null: a *marketing* step waits for the program's send
 * window (`program_settings`), a *transactional* one goes when it is due, whatever the hour. The class decides
 * the rest (domain/mail-policy.ts): marketing needs consent, is capped and pauses for an open case or a quiet
 * day; transactional does not. Its `condition` is evaluated at the due time against
 * Postgres; a step whose condition does not hold is recorded as a suppressed mail with the reason.
 */

export const CADENCE_ANCHORS = ['check_out', 'check_in', 'previous_step'] as const;
export type CadenceAnchor = (typeof CADENCE_ANCHORS)[number];

export const CADENCE_CHANNELS = ['mail'] as const;
export type CadenceChannel = (typeof CADENCE_CHANNELS)[number];

export const CADENCE_CLASSES = ['transactional', 'marketing'] as const;
export type CadenceClass = (typeof CADENCE_CLASSES)[number];

export interface CadenceWindow {
  /** Local `HH:mm`, inclusive. */
  start: string;
  /** Local `HH:mm`, exclusive, after `start`. */
  end: string;
}

export interface CadenceStep {
  /** Stable across versions (`thank-you`): a follow-up moved to another version skips the ids it has done. */
  id: string;
  anchor: CadenceAnchor;
  offsetMinutes: number;
  window: CadenceWindow | null;
  template: string;
  channel: CadenceChannel;
  class: CadenceClass;
  /**
   * `survey_not_answered`, `score_at_least:N` (N 1–5), `no_booking_since_anchor` or `no_open_case` (no service case of
   * the guest open or waiting for the guest's answer); null: always.
   */
  condition: string | null;
}

/** The cadence every stay's follow-up runs. */
export const POST_STAY_CADENCE = 'post-stay';

export const DEFAULT_STEP_WINDOW: CadenceWindow = { start: '09:00', end: '20:00' };

const DAY_MINUTES = 1440;

/** Version 1 of `post-stay`, the default post-stay cadence, seeded by db/migrations/20261124_009_cadences.ts. */
export const DEFAULT_POST_STAY_STEPS: readonly CadenceStep[] = [
  {
    id: 'thank-you',
    anchor: 'check_out',
    offsetMinutes: 120,
    window: DEFAULT_STEP_WINDOW,
    template: 'stay-thank-you',
    channel: 'mail',
    class: 'transactional',
    condition: null,
  },
  {
    id: 'survey',
    anchor: 'check_out',
    offsetMinutes: DAY_MINUTES,
    window: DEFAULT_STEP_WINDOW,
    template: 'satisfaction-survey',
    channel: 'mail',
    class: 'transactional',
    condition: null,
  },
  {
    id: 'review-request',
    anchor: 'check_out',
    offsetMinutes: 3 * DAY_MINUTES,
    window: DEFAULT_STEP_WINDOW,
    template: 'review-request',
    channel: 'mail',
    class: 'marketing',
    condition: 'score_at_least:4',
  },
  {
    id: 'come-back',
    anchor: 'check_out',
    offsetMinutes: 30 * DAY_MINUTES,
    window: DEFAULT_STEP_WINDOW,
    template: 'come-back-offer',
    channel: 'mail',
    class: 'marketing',
    condition: 'no_booking_since_anchor',
  },
];

// ---- conditions ----------------------------------------------------------------------------------------------

export type CadenceCondition =
  | { kind: 'survey_not_answered' }
  | { kind: 'score_at_least'; score: number }
  | { kind: 'no_booking_since_anchor' }
  | { kind: 'no_open_case' };

export const CONDITION_FORMS = [
  'survey_not_answered',
  'score_at_least:N',
  'no_booking_since_anchor',
  'no_open_case',
] as const;

export class ConditionSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionSyntaxError';
  }
}

/** Parses a step's condition; throws ConditionSyntaxError saying what is accepted. */
export function parseCondition(text: string): CadenceCondition {
  const t = text.trim();
  if (t === 'survey_not_answered') return { kind: 'survey_not_answered' };
  if (t === 'no_booking_since_anchor') return { kind: 'no_booking_since_anchor' };
  if (t === 'no_open_case') return { kind: 'no_open_case' };
  const m = /^score_at_least:(\d+)$/.exec(t);
  if (m) {
    const score = Number(m[1]);
    if (score < 1 || score > 5)
      throw new ConditionSyntaxError(`score_at_least takes a score 1-5, not ${m[1]}`);
    return { kind: 'score_at_least', score };
  }
  throw new ConditionSyntaxError(`unknown condition '${text}': one of ${CONDITION_FORMS.join(', ')}`);
}

/** What a condition is judged on, read from Postgres at the step's due time. */
export interface ConditionFacts {
  /** The stay's survey answer, or null when not answered. */
  surveyScore: number | null;
  /** A booking or another stay of the guest since the anchor (see db/repositories/cadences.ts). */
  bookedSinceAnchor: boolean;
  /** A service case of the guest not closed (db/repositories/mail-plan.ts openServiceCases). */
  openServiceCase: boolean;
}

/** Null when the condition holds (or there is none); otherwise the suppression reason (`condition_not_met: …`). */
export function conditionNotMet(condition: string | null, facts: ConditionFacts): string | null {
  if (condition === null) return null;
  const c = parseCondition(condition);
  switch (c.kind) {
    case 'survey_not_answered':
      return facts.surveyScore === null
        ? null
        : `condition_not_met: survey_not_answered (answered, score ${facts.surveyScore})`;
    case 'score_at_least':
      if (facts.surveyScore === null)
        return `condition_not_met: score_at_least:${c.score} (survey not answered)`;
      return facts.surveyScore >= c.score
        ? null
        : `condition_not_met: score_at_least:${c.score} (score ${facts.surveyScore})`;
    case 'no_booking_since_anchor':
      return facts.bookedSinceAnchor
        ? 'condition_not_met: no_booking_since_anchor (the guest has booked)'
        : null;
    case 'no_open_case':
      return facts.openServiceCase
        ? 'condition_not_met: no_open_case (a service case of the guest is open)'
        : null;
  }
}

// ---- validation ----------------------------------------------------------------------------------------------

/** One thing wrong with a list of steps: the field (`steps[2].template`) and what is wrong. */
export interface StepProblem {
  field: string;
  message: string;
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const STEP_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** A year: a follow-up does not run longer. */
export const MAX_OFFSET_MINUTES = 366 * DAY_MINUTES;
export const MAX_STEPS = 20;
const STEP_FIELDS = ['id', 'anchor', 'offsetMinutes', 'window', 'template', 'channel', 'class', 'condition'];

/**
 * Every problem of a list of steps, each naming its field; empty when the steps can be saved. `knownTemplate`
 * says whether a template name exists (the API passes the template store's; default: any non-empty name).
 */
export function validateSteps(
  steps: unknown,
  opts: { knownTemplate?: (name: string) => boolean } = {},
): StepProblem[] {
  const problems: StepProblem[] = [];
  if (!Array.isArray(steps)) return [{ field: 'steps', message: 'must be a list of steps' }];
  if (steps.length === 0) problems.push({ field: 'steps', message: 'needs at least one step' });
  if (steps.length > MAX_STEPS) problems.push({ field: 'steps', message: `at most ${MAX_STEPS} steps` });
  const ids = new Set<string>();
  steps.forEach((raw: unknown, i) => {
    const at = (f: string) => `steps[${i}].${f}`;
    const add = (f: string, message: string) => problems.push({ field: at(f), message });
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push({ field: `steps[${i}]`, message: 'must be an object' });
      return;
    }
    const s = raw as Record<string, unknown>;
    for (const key of Object.keys(s)) if (!STEP_FIELDS.includes(key)) add(key, 'is not a field of a step');
    if (typeof s.id !== 'string' || !STEP_ID.test(s.id))
      add('id', 'must be lower-case letters, digits and dashes (at most 63), e.g. thank-you');
    else if (ids.has(s.id)) add('id', `'${s.id}' is used by an earlier step`);
    else ids.add(s.id);
    if (!(CADENCE_ANCHORS as readonly unknown[]).includes(s.anchor))
      add('anchor', `must be one of ${CADENCE_ANCHORS.join(', ')}`);
    else if (s.anchor === 'previous_step' && i === 0) add('anchor', 'the first step has no previous step');
    if (
      typeof s.offsetMinutes !== 'number' ||
      !Number.isInteger(s.offsetMinutes) ||
      s.offsetMinutes < 0 ||
      s.offsetMinutes > MAX_OFFSET_MINUTES
    )
      add('offsetMinutes', `must be a whole number of minutes from 0 to ${MAX_OFFSET_MINUTES}`);
    if (s.window !== null) {
      const w = s.window as Record<string, unknown> | undefined;
      if (w === undefined || typeof w !== 'object' || Array.isArray(w))
        add('window', 'must be { start, end } or null');
      else {
        const okStart = typeof w.start === 'string' && HH_MM.test(w.start);
        const okEnd = typeof w.end === 'string' && HH_MM.test(w.end);
        if (!okStart) add('window.start', 'must be a local time HH:mm');
        if (!okEnd) add('window.end', 'must be a local time HH:mm');
        if (okStart && okEnd && (w.start as string) >= (w.end as string))
          add('window', 'the start must be before the end (no window across midnight)');
      }
    }
    if (typeof s.template !== 'string' || s.template.trim() === '') add('template', 'must name a template');
    else if (opts.knownTemplate && !opts.knownTemplate(s.template))
      add('template', `unknown template '${s.template}'`);
    if (!(CADENCE_CHANNELS as readonly unknown[]).includes(s.channel))
      add('channel', `must be one of ${CADENCE_CHANNELS.join(', ')}`);
    if (!(CADENCE_CLASSES as readonly unknown[]).includes(s.class))
      add('class', `must be one of ${CADENCE_CLASSES.join(', ')}`);
    if (s.condition !== null) {
      if (typeof s.condition !== 'string') add('condition', 'must be a condition or null');
      else {
        try {
          parseCondition(s.condition);
        } catch (err) {
          add('condition', (err as Error).message);
        }
      }
    }
  });
  return problems;
}

/** The steps, checked: throws a RangeError listing the problems (for code paths that take stored steps). */
export function checkSteps(steps: unknown): CadenceStep[] {
  const problems = validateSteps(steps);
  if (problems.length > 0) throw new RangeError(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  return steps as CadenceStep[];
}

// ---- diff ----------------------------------------------------------------------------------------------------

export interface FieldChange {
  from: unknown;
  to: unknown;
}

export interface CadenceDiff {
  /** Steps of `b` whose id `a` lacks. */
  added: CadenceStep[];
  /** Steps of `a` whose id `b` lacks. */
  removed: CadenceStep[];
  /** Steps in both whose fields differ (`position` when a step moved in the order). */
  changed: { id: string; fields: Record<string, FieldChange> }[];
}

const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);

/** What changes from version `a` to version `b`, step by step id. */
export function diffCadence(a: readonly CadenceStep[], b: readonly CadenceStep[]): CadenceDiff {
  const inA = new Map(a.map((s, i) => [s.id, { s, i }]));
  const inB = new Map(b.map((s, i) => [s.id, { s, i }]));
  const added = b.filter((s) => !inA.has(s.id));
  const removed = a.filter((s) => !inB.has(s.id));
  const kept = a.filter((s) => inB.has(s.id));
  const keptB = b.filter((s) => inA.has(s.id));
  const changed: CadenceDiff['changed'] = [];
  for (const [order, s] of kept.entries()) {
    const t = inB.get(s.id)!.s;
    const fields: Record<string, FieldChange> = {};
    for (const f of STEP_FIELDS.filter((f) => f !== 'id') as (keyof CadenceStep)[])
      if (!same(s[f], t[f])) fields[f] = { from: s[f], to: t[f] };
    const positionB = keptB.findIndex((x) => x.id === s.id);
    if (positionB !== order) fields.position = { from: inA.get(s.id)!.i + 1, to: inB.get(s.id)!.i + 1 };
    if (Object.keys(fields).length > 0) changed.push({ id: s.id, fields });
  }
  return { added, removed, changed };
}
