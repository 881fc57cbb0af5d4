/**
 * Scenario files (scenarios/*.json): one guest (plus, optionally, other guests such as a referrer), a start and
 * an end, and the events the PMS and the staff send, each at an instant of the scenario's own calendar. PMS
 * events carry the `type` and `data` of `POST /v1/pms/events` (the `guest` block is filled in from the
 * scenario); staff actions (`ops.redeem`, `ops.adjust`, `ops.setTierFloor`, the case actions `ops.openCase`,
 * `ops.resolveCase`, `manager.approveCompensation`, …) carry the request body of their endpoint. See
 * docs/simulator.md.
 */
import { readFile } from 'node:fs/promises';
import { DateTime, Duration } from 'luxon';
import { z } from 'zod';

export const STAFF_ACTIONS = [
  'ops.redeem',
  'ops.adjust',
  'ops.setTierFloor',
  // Service cases (`/v1/cases`): the body of the endpoint; `caseId` defaults to the guest's latest case.
  'ops.openCase',
  'ops.assignCase',
  'ops.noteCase',
  'ops.compensate',
  'ops.resolveCase',
  'ops.recordSatisfaction',
  // With a manager's key; `compensationId` defaults to the case's latest compensation awaiting approval.
  'manager.approveCompensation',
] as const;
export type StaffAction = (typeof STAFF_ACTIONS)[number];

/**
 * What a marketer does through the marketer API (`/v1/cadences`), with a marketer's key:
 * `marketer.publishCadence` `{ key?, steps, note? }` (a draft, then published: the follow-ups of later stays pin
 * it), `marketer.moveFollowUps` `{ key?, fromVersion, toVersion, limit? }`, `marketer.draftTemplate`,
 * `marketer.previewCadence` (for the event's guest). The simulator publishes the version
 * current at the start of the run back when it ends (a rollback), so scenarios sharing a database do not
 * inherit a cadence.
 */
export const MARKETER_ACTIONS = [
  'marketer.publishCadence',
  'marketer.moveFollowUps',
  // `{ key, locales, note? }`: a template draft (checked: an unknown placeholder is refused, naming it).
  'marketer.draftTemplate',
  // `{ key?, version?, checkOutAt? }`: the guest's mails of a cadence with their local send times, and the skips.
  'marketer.previewCadence',
] as const;
export type MarketerAction = (typeof MARKETER_ACTIONS)[number];

export function isMarketerAction(type: string): type is MarketerAction {
  return (MARKETER_ACTIONS as readonly string[]).includes(type);
}

/**
 * What the guest does with a link in a mail they received: the simulator finds the latest mail to the guest
 * with such a link and posts the form behind it (`data`: the form's fields).
 */
export const GUEST_ACTIONS = {
  'guest.answerSurvey': 'survey',
  'guest.reportProblem': 'report',
  'guest.answerSatisfaction': 'satisfaction',
  'guest.answerWhy': 'why',
  'guest.unsubscribe': 'unsubscribe',
} as const;
export type GuestAction = keyof typeof GUEST_ACTIONS;

export function isGuestAction(type: string): type is GuestAction {
  return Object.hasOwn(GUEST_ACTIONS, type);
}

export function isStaffAction(type: string): type is StaffAction {
  return (STAFF_ACTIONS as readonly string[]).includes(type);
}

const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant with an offset' });

/** The PMS profile of a guest; fields beyond the required ones (birthday, marketingConsent, phone…) pass through. */
export const scenarioGuestSchema = z.looseObject({
  pmsProfileId: z.string().min(1),
  firstName: z.string().min(1),
  lastName: z.string().min(1),
  email: z.string().min(3),
  locale: z.string().min(2),
  timezone: z.string().min(1),
});
export type ScenarioGuest = z.infer<typeof scenarioGuestSchema>;

const repeatSchema = z.object({
  /** How many events the template stands for (the template itself is the first). */
  count: z.number().int().min(1).max(10_000),
  /** ISO 8601 duration between two repetitions (`P7D`, `P1M`): `at`, `occurredAt` and every date in `data` move by it. */
  every: z.string().refine((v) => Duration.fromISO(v).isValid, 'must be an ISO 8601 duration such as P7D'),
});

/** A property's settings (`property_settings`): its zone and the staff addresses cases escalate to. */
export const scenarioPropertySchema = z.object({
  name: z.string().min(1),
  timezone: z.string().min(1),
  locale: z.string().min(2).optional(),
  dutyManagerEmail: z.string().min(3).optional(),
  generalManagerEmail: z.string().min(3).optional(),
});
export type ScenarioProperty = z.infer<typeof scenarioPropertySchema>;

export const scenarioEventSchema = z.object({
  at: instant,
  /** A PMS event type (`stay.completed`, `booking.created`, …) or a staff action (`ops.redeem`, …). */
  type: z.string().min(1),
  /** Which guest: `guest` (the default) or a name from `guests`. */
  guest: z.string().min(1).optional(),
  /** The PMS event id (default: generated); the simulator makes it unique per run. */
  id: z.string().min(1).optional(),
  /** The PMS event's `occurredAt` (default: `at`). */
  occurredAt: instant.optional(),
  /** PMS events: `data` without `guest`; staff actions: the request body. */
  data: z.record(z.string(), z.unknown()).default({}),
  /** Stands for `count` events, `every` apart; `{n}` in a string of `data` or `id` is the repetition (1…count). */
  repeat: repeatSchema.optional(),
  /**
   * Events at the same instant are posted together, concurrently. With `whileSkipping` (an ISO 8601 duration)
   * they are posted while the server's clock skips that far ahead: they reach the workflow at instants the
   * simulator does not choose (e.g. while it continues-as-new at the 1 January review).
   */
  whileSkipping: z
    .string()
    .refine((v) => Duration.fromISO(v).isValid, 'must be an ISO 8601 duration such as PT8H')
    .optional(),
  /** A note for the reader, printed with the event. */
  note: z.string().optional(),
});
export type ScenarioEvent = z.infer<typeof scenarioEventSchema>;

export const scenarioSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    guest: scenarioGuestSchema,
    /** Other guests by name (e.g. `referrer`); events name them in `guest`. */
    guests: z.record(z.string().regex(/^[A-Za-z][\w-]*$/), scenarioGuestSchema).default({}),
    /** Property settings by property code, written before the first event (service cases escalate by them). */
    properties: z.record(z.string().min(1), scenarioPropertySchema).default({}),
    /** Shorthand for `guests.referrer`. */
    referrer: scenarioGuestSchema.optional(),
    start: instant,
    until: instant,
    events: z.array(scenarioEventSchema),
  })
  .superRefine((s, ctx) => {
    if (Date.parse(s.until) < Date.parse(s.start))
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'must not be before start' });
    const names = new Set(['guest', ...Object.keys(s.guests), ...(s.referrer ? ['referrer'] : [])]);
    s.events.forEach((e, i) => {
      if (e.guest && !names.has(e.guest))
        ctx.addIssue({
          code: 'custom',
          path: ['events', i, 'guest'],
          message: `no guest named '${e.guest}'`,
        });
      if (Date.parse(e.at) < Date.parse(s.start))
        ctx.addIssue({ code: 'custom', path: ['events', i, 'at'], message: 'must not be before start' });
    });
  });
export type Scenario = z.input<typeof scenarioSchema>;
export type ParsedScenario = z.output<typeof scenarioSchema>;

/** One event as the simulator sends it: repetitions expanded, the guest named. */
export interface PlannedEvent {
  /** Position in the expanded list (1-based): the default event id is derived from it. */
  seq: number;
  at: string;
  type: string;
  guest: string;
  id?: string;
  occurredAt?: string;
  data: Record<string, unknown>;
  note?: string;
  whileSkippingMs?: number;
}

export function parseScenario(input: unknown): ParsedScenario {
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(scenario)'}: ${i.message}`);
    throw new Error(`not a valid scenario:\n${lines.join('\n')}`);
  }
  const s = parsed.data;
  if (s.referrer) s.guests = { referrer: s.referrer, ...s.guests };
  return s;
}

export async function loadScenario(file: string): Promise<ParsedScenario> {
  return parseScenario(JSON.parse(await readFile(file, 'utf8')));
}

/** Every guest of the scenario by name: `guest` first. */
export function guestsOf(s: ParsedScenario): [string, ScenarioGuest][] {
  return [['guest', s.guest], ...Object.entries(s.guests)];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Moves every date and instant in `value` (deeply) by `f`; strings of other shapes pass through `other`. */
export function mapDates(
  value: unknown,
  f: { date: (d: string) => string; instant: (i: string) => string; other?: (s: string) => string },
  opts: { skipKeys?: readonly string[] } = {},
): unknown {
  if (typeof value === 'string') {
    if (DATE.test(value)) return f.date(value);
    if (INSTANT.test(value)) return f.instant(value);
    return f.other ? f.other(value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => mapDates(v, f, opts));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        opts.skipKeys?.includes(k) ? v : mapDates(v, f, opts),
      ]),
    );
  }
  return value;
}

const plusDuration = (iso: string, d: Duration) =>
  DateTime.fromISO(iso, { setZone: true }).toUTC().plus(d).toISO({ suppressMilliseconds: true })!;
const plusDurationDate = (date: string, d: Duration) =>
  DateTime.fromISO(date, { zone: 'UTC' }).plus(d).toISODate()!;

/** The events in the order they happen, repetitions expanded (a stable sort: equal instants keep file order). */
export function planEvents(s: ParsedScenario): PlannedEvent[] {
  const out: Omit<PlannedEvent, 'seq'>[] = [];
  for (const e of s.events) {
    const count = e.repeat?.count ?? 1;
    const step = e.repeat ? Duration.fromISO(e.repeat.every) : Duration.fromMillis(0);
    for (let i = 0; i < count; i++) {
      const by = step.mapUnits((x) => x * i);
      const n = String(i + 1);
      const fill = (v: string) => v.replaceAll('{n}', n);
      out.push({
        at: plusDuration(e.at, by),
        type: e.type,
        guest: e.guest ?? 'guest',
        ...(e.id ? { id: fill(e.id) } : {}),
        ...(e.occurredAt ? { occurredAt: plusDuration(e.occurredAt, by) } : {}),
        data: mapDates(e.data, {
          date: (d) => plusDurationDate(d, by),
          instant: (t) => plusDuration(t, by),
          other: fill,
        }) as Record<string, unknown>,
        ...(e.note ? { note: e.note } : {}),
        ...(e.whileSkipping ? { whileSkippingMs: Duration.fromISO(e.whileSkipping).toMillis() } : {}),
      });
    }
  }
  return out
    .map((e, i) => ({ e, i }))
    .sort((a, b) => Date.parse(a.e.at) - Date.parse(b.e.at) || a.i - b.i)
    .map(({ e }, i) => ({ seq: i + 1, ...e }));
}

/** The planned events in groups of one instant each (posted together). */
export function groupByInstant(events: PlannedEvent[]): PlannedEvent[][] {
  const groups: PlannedEvent[][] = [];
  for (const e of events) {
    const last = groups.at(-1);
    if (last && Date.parse(last[0]!.at) === Date.parse(e.at)) last.push(e);
    else groups.push([e]);
  }
  return groups;
}
