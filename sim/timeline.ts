/**
 * The guest's timeline, read back from where the engine keeps it: stage and tier history, the points ledger,
 * the mail outbox (sent, suppressed, failed) and the mails the SMTP sink received, the PMS events the workflow
 * rejected, plus what the simulator itself sent (PMS events, staff requests) and their answers. Every instant
 * is simulated time in the scenario's own calendar; `local` is the guest's wall clock.
 */
import type { DateTime } from 'luxon';
import type { Db } from '../db/knex.js';
import * as timeline from '../db/repositories/timeline.js';
import { timelineEntries, type TimelineClock } from '../lib/guest-timeline.js';
import type { ReceivedMail } from '../stack/smtp-sink.js';
import type { ActivityClock, YearShift } from './clock.js';
import { eventKind, eventMs, firstArg, type HistoryEvent, type WorkflowRun } from './histories.js';
import type { PersonalDataFinding } from './privacy.js';

interface EntryBase {
  /** ISO instant (UTC) in the scenario's calendar. */
  at: string;
  /** The guest's local time of `at`: `2026-05-02 09:00`. */
  local: string;
  /** Which guest of the scenario (`guest`, `referrer`, …). */
  guest: string;
}

export type TimelineEntry = EntryBase &
  (
    | {
        kind: 'pms';
        type: string;
        eventId: string;
        status: number;
        /** Earlier deliveries of the same event that the API refused with 503 (the simulator retries, as a PMS does). */
        refusedFirst?: string[];
        error?: { code: string; message: string };
        note?: string;
      }
    | {
        kind: 'staff';
        action: string;
        body: Record<string, unknown>;
        status: number;
        result?: unknown;
        error?: { code: string; message: string };
        note?: string;
      }
    | {
        kind: 'guest';
        /** `guest.answerSurvey`, … */
        action: string;
        /** The form posted. */
        body: Record<string, unknown>;
        /** The subject of the mail whose link was followed. */
        fromMail?: string;
        status: number;
        error?: { code: string; message: string };
        note?: string;
      }
    | { kind: 'rejected'; eventId: string; reason: string }
    | {
        kind: 'case';
        /** The case's first 8 characters. */
        caseId: string;
        /** The audited step without its `case.` prefix: opened, acknowledged, escalated, resolved, closed… */
        action: string;
        /** The facts of the step (level, compensation, cost bucket, satisfied…), no free text. */
        facts: Record<string, unknown>;
        actor: string;
      }
    | { kind: 'stage'; from: string | null; to: string; reason: string; actor: string }
    | {
        kind: 'tier';
        from: string;
        to: string;
        source: string;
        reason: string;
        validFrom: string;
        validThrough: string | null;
        rulesVersion: number | null;
      }
    | {
        kind: 'points';
        points: number;
        balanceAfter: number;
        reason: string;
        source: string | null;
        rulesVersion: number | null;
        stay: string | null;
      }
    | {
        kind: 'mail';
        status: 'sent' | 'suppressed' | 'failed' | 'pending';
        template: string;
        subject: string;
        to: string;
        suppressionReason: string | null;
        /** To the guest, or to a property's staff (a case escalation about the guest). */
        audience: 'guest' | 'staff';
        /** Received by the SMTP sink (sent mails), and how often (1 = once). */
        deliveries: number;
      }
  );

export type TimelineKind = TimelineEntry['kind'];

export interface GuestSummary {
  guestId: string;
  pmsProfileId: string;
  timezone: string;
  memberNumber: string | null;
  stage: string;
  tier: string;
  tierFloor: string | null;
  pointsBalance: number;
  stays: number;
}

export interface RunRow {
  guest: string;
  /** The workflow ID with the guest's id written as its name: `guest-<guest>-stay-S1-follow-up`. */
  workflow: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  events: number;
  status: string;
  started: string;
  lastEvent: string;
}

export interface Figures {
  stays: number;
  /** Events of every run of the guest's own workflow. */
  parentEvents: number;
  parentRuns: number;
  /** parentEvents / stays. */
  parentEventsPerStay: number;
  /**
   * Events a stay costs the parent: from its signal to the next wake-up (signal, timer, update), plus the
   * report of the follow-up child it started (mean, max).
   */
  parentEventsPerStaySignal: { mean: number; max: number; count: number };
  /** History length of the stays' follow-up children. */
  followUpEventsPerStay: { mean: number; max: number; count: number };
  /** Events of all the guest's runs (parent and children) by the scenario year they happened in. */
  eventsPerGuestYear: Record<string, number>;
  longestRun: { workflow: string; runId: string; events: number } | null;
  runsOver4096: number;
  /** Messages a run handed to the next one unhandled (continue-as-new with a non-empty inbox). */
  carriedOverByContinueAsNew: number;
}

export interface Timeline {
  scenario: string;
  /** Years the scenario was moved forward to run on the test server (printed times are moved back). */
  shiftYears: number;
  guests: Record<string, GuestSummary>;
  entries: TimelineEntry[];
  runs: RunRow[];
  /**
   * Personal data found in the histories of the runs (sim/privacy.ts): the scenario's names, e-mail addresses,
   * phone numbers and typed text. Empty, or the design's privacy rule is broken.
   */
  personalDataInHistory: (PersonalDataFinding & { workflow: string })[];
  figures: Figures;
  /** Wall time of the simulation (s) and activities run. */
  wallSeconds: number;
  activities: number;
}

/** `at` (UTC) and `local` (the guest's wall clock) of a moment in the scenario's calendar. */
export function stamp(dt: DateTime): { at: string; local: string } {
  return { at: dt.toUTC().toISO()!, local: dt.toFormat('yyyy-LL-dd HH:mm') };
}

const ORDER: Record<TimelineKind, number> = {
  pms: 0,
  staff: 1,
  guest: 1,
  rejected: 2,
  points: 3,
  tier: 4,
  stage: 5,
  case: 6,
  mail: 7,
};

export function sortEntries(entries: TimelineEntry[]): TimelineEntry[] {
  return (
    entries
      .map((e, i) => ({ e, i }))
      // To the second: what the simulator sent comes first, then what the engine did about it.
      .sort(
        (a, b) =>
          a.e.at.slice(0, 19).localeCompare(b.e.at.slice(0, 19)) ||
          ORDER[a.e.kind] - ORDER[b.e.kind] ||
          a.i - b.i,
      )
      .map(({ e }) => e)
  );
}

export interface ReadContext {
  db: Db;
  shift: YearShift;
  clock: ActivityClock;
  received: ReceivedMail[];
  /** Scenario guest name → guest id (those the PMS has told about). */
  guestIds: Map<string, string>;
  /** Strips the run's tag from an id (`S1~a1b2c3` → `S1`). */
  display: (id: string) => string;
}

/**
 * What Postgres and the sink hold about the scenario's guests, as timeline entries and summaries: the rows of
 * db/repositories/timeline.ts made entries by lib/guest-timeline.ts (the API's timeline does the same), on the
 * scenario's clock, in the simulator's words (the guest's names for ids, the scenario's calendar in texts).
 */
export async function readRecords(
  ctx: ReadContext,
): Promise<{ entries: TimelineEntry[]; guests: Record<string, GuestSummary> }> {
  const { db, shift } = ctx;
  const entries: TimelineEntry[] = [];
  const guests: Record<string, GuestSummary> = {};
  const receivedById = new Map(ctx.received.map((m) => [m.messageId, m]));
  /** The server's instant of a real one written inside an activity (else `fallback`, a server instant). */
  const simMs = (real: Date | null, fallback?: Date | null): number =>
    (real ? ctx.clock.simulated(real) : undefined) ?? fallback?.getTime() ?? real?.getTime() ?? 0;
  const clock: TimelineClock = { recorded: (at, fallback) => simMs(at, fallback) };

  for (const [name, guestId] of ctx.guestIds) {
    const g = await timeline.guestSummary(db, guestId);
    if (!g) throw new Error(`guest ${name} (${guestId}) is not in the database`);
    const base = (serverMs: number) => ({ ...stamp(shift.toScenario(serverMs, g.timezone)), guest: name });
    guests[name] = {
      guestId,
      pmsProfileId: ctx.display(g.pms_profile_id),
      timezone: g.timezone,
      memberNumber: g.member_number,
      stage: g.stage,
      tier: g.tier,
      tierFloor: g.tier_floor,
      pointsBalance: g.balance,
      stays: g.stays,
    };

    const delivered = await timeline.mailDeliveries(db, guestId);
    const rejected: { rejectedAt: string; entry: TimelineEntry }[] = [];
    for (const { entry: e } of timelineEntries(await timeline.timelineRows(db, guestId), clock)) {
      const at = base(Date.parse(e.at));
      switch (e.kind) {
        case 'stage':
          entries.push({
            ...at,
            kind: 'stage',
            from: e.from,
            to: e.to,
            reason: shift.text(e.reason, { years: true }),
            actor: e.actor,
          });
          break;
        case 'tier':
          entries.push({
            ...at,
            kind: 'tier',
            from: e.from,
            to: e.to,
            source: e.source,
            reason: shift.text(e.reason, { years: true }),
            validFrom: shift.dateToScenario(e.validFrom),
            validThrough: e.validThrough ? shift.dateToScenario(e.validThrough) : null,
            rulesVersion: e.rulesVersion,
          });
          break;
        case 'points':
          entries.push({
            ...at,
            kind: 'points',
            points: e.points,
            balanceAfter: e.balanceAfter,
            reason: e.reason,
            source: e.source,
            rulesVersion: e.rulesVersion,
            stay: e.stay ? ctx.display(e.stay.pmsStayId) : null,
          });
          break;
        case 'mail': {
          const row = delivered.get(e.outboxId);
          const got = row ? receivedById.get(row.messageId) : undefined;
          entries.push({
            ...at,
            kind: 'mail',
            status: e.status,
            template: e.template,
            subject: shift.text(got?.subject ?? e.subject, { years: true }),
            to: got?.to.join(', ') ?? row?.toAddress ?? '',
            suppressionReason: e.suppression ? shift.text(e.suppression.text) : null,
            audience: e.audience,
            deliveries: got?.deliveries ?? 0,
          });
          break;
        }
        case 'case':
          // Steps the workflow's activities wrote are on the activity clock; the opening on the case's own.
          entries.push({
            ...at,
            kind: 'case',
            caseId: e.caseId.slice(0, 8),
            action: e.action,
            facts: e.facts,
            actor: e.actor,
          });
          break;
        case 'pms_event':
          // What the simulator sent it prints itself; from Postgres only what the workflow rejected.
          if (e.rejectedAt)
            rejected.push({
              rejectedAt: e.rejectedAt,
              entry: {
                ...base(simMs(new Date(e.rejectedAt))),
                kind: 'rejected',
                eventId: ctx.display(e.eventId),
                reason: shift.text(e.rejectionReason ?? ''),
              },
            });
          break;
        default:
          // Staff requests and actions: the simulator prints what it sent and what the API answered.
          break;
      }
    }
    rejected.sort((a, b) => Date.parse(a.rejectedAt) - Date.parse(b.rejectedAt));
    entries.push(...rejected.map((r) => r.entry));
  }
  return { entries, guests };
}

const WAKE_UPS = new Set(['workflowExecutionSignaled', 'timerFired', 'workflowExecutionUpdateAccepted']);

/** The workflow ID of the child whose closing this event records, if it is one. */
function childClosed(e: HistoryEvent): string | undefined {
  const a =
    e.childWorkflowExecutionCompletedEventAttributes ??
    e.childWorkflowExecutionFailedEventAttributes ??
    e.childWorkflowExecutionCanceledEventAttributes ??
    e.childWorkflowExecutionTerminatedEventAttributes ??
    e.childWorkflowExecutionTimedOutEventAttributes;
  return a?.workflowExecution?.workflowId ?? undefined;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const round1 = (n: number) => Math.round(n * 10) / 10;
const stats = (xs: number[]) => ({
  mean: xs.length ? round1(xs.reduce((a, b) => a + b, 0) / xs.length) : 0,
  max: xs.length ? Math.max(...xs) : 0,
  count: xs.length,
});

/** The history figures of one guest: per stay on the parent and its children, per guest-year, the longest run. */
export function figuresOf(input: {
  runs: WorkflowRun[];
  guestWorkflowId: string;
  stays: number;
  shift: YearShift;
  timezone: string;
  display: (workflowId: string) => string;
}): Figures {
  const { runs, guestWorkflowId, shift } = input;
  const mine = runs.filter((r) => r.workflowId.startsWith(guestWorkflowId));
  const parent = mine.filter((r) => r.workflowId === guestWorkflowId);
  const parentEvents = parent.reduce((n, r) => n + r.events, 0);

  // What each stay costs the parent: the events from its signal to the next wake-up (a signal, a timer, an
  // update), plus the report of the follow-up child it started (ChildWorkflowExecutionCompleted and the
  // workflow task that takes it), whenever that comes.
  const staySegments: number[] = [];
  for (const run of parent) {
    let current: number | undefined;
    let redirect: number | undefined;
    const childOf = new Map<string, number>();
    for (const e of run.history) {
      const kind = eventKind(e);
      if (WAKE_UPS.has(kind)) {
        redirect = undefined;
        const type =
          kind === 'workflowExecutionSignaled'
            ? (firstArg(e.workflowExecutionSignaledEventAttributes?.input) as { type?: string } | undefined)
                ?.type
            : undefined;
        current = type === 'stay.completed' ? staySegments.push(0) - 1 : undefined;
      }
      const closedChild = childClosed(e);
      if (closedChild !== undefined && childOf.has(closedChild)) {
        redirect = childOf.get(closedChild)!;
        staySegments[redirect]! += 1;
        continue;
      }
      if (redirect !== undefined && kind.startsWith('workflowTask')) {
        staySegments[redirect]! += 1;
        if (kind !== 'workflowTaskScheduled' && kind !== 'workflowTaskStarted') redirect = undefined;
        continue;
      }
      redirect = undefined;
      const started = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
      if (started && current !== undefined) childOf.set(started, current);
      if (current !== undefined) staySegments[current]! += 1;
    }
  }

  const followUps = mine.filter((r) => r.workflowType === 'postStayFollowUp').map((r) => r.events);
  const perYear: Record<string, number> = {};
  for (const r of mine) {
    for (const e of r.history) {
      const year = String(shift.toScenario(eventMs(e), input.timezone).year);
      perYear[year] = (perYear[year] ?? 0) + 1;
    }
  }
  const longest = runs.reduce<WorkflowRun | undefined>(
    (a, r) => (!a || r.events > a.events ? r : a),
    undefined,
  );
  return {
    stays: input.stays,
    parentEvents,
    parentRuns: parent.length,
    parentEventsPerStay: input.stays ? round1(parentEvents / input.stays) : 0,
    parentEventsPerStaySignal: stats(staySegments),
    followUpEventsPerStay: stats(followUps),
    eventsPerGuestYear: perYear,
    longestRun: longest
      ? { workflow: input.display(longest.workflowId), runId: longest.runId, events: longest.events }
      : null,
    runsOver4096: runs.filter((r) => r.events > 4096).length,
    carriedOverByContinueAsNew: sum(
      parent.map((r) => {
        const last = r.history.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
        const input = firstArg(last?.input) as { inbox?: unknown[] } | undefined;
        return input?.inbox?.length ?? 0;
      }),
    ),
  };
}
