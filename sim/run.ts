/**
 * Runs one scenario on a time-skipping Temporal server with the real worker (real activities), the real API
 * (createApp, in-process, on a port of its own), PostgreSQL and an SMTP sink of its own, and reads back the
 * guest's timeline. The servers come from the caller: `sim/cli.ts` starts throwaway ones, the scenario tests
 * use the test run's shared ones. See docs/simulator.md.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { pino } from 'pino';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { createApp } from '../api/app.js';
import { sign } from '../api/pms/signature.js';
import { createDb } from '../db/knex.js';
import * as apiKeys from '../db/repositories/api-keys.js';
import * as cadences from '../db/repositories/cadences.js';
import * as cases from '../db/repositories/cases.js';
import { followUpWorkflowId, guestWorkflowId } from '../domain/ids.js';
import {
  inStayReportLinkUrl,
  satisfactionLinkUrl,
  surveyLinkUrl,
  unsubscribeLinkUrl,
  whyLinkUrl,
} from '../lib/links.js';
import { createMailer } from '../lib/runtime.js';
import { startSmtpSink } from '../stack/smtp-sink.js';
import { workerOptions } from '../worker.js';
import { ActivityClock, yearShift, yearsToShift, type YearShift } from './clock.js';
import { collectRuns, eventKind, writeHistories } from './histories.js';
import { findPersonalData, personalDataOf } from './privacy.js';
import {
  groupByInstant,
  guestsOf,
  GUEST_ACTIONS,
  isGuestAction,
  isMarketerAction,
  isStaffAction,
  mapDates,
  planEvents,
  type ParsedScenario,
  type PlannedEvent,
  type ScenarioGuest,
} from './scenario.js';
import {
  figuresOf,
  stamp,
  readRecords,
  sortEntries,
  type RunRow,
  type Timeline,
  type TimelineEntry,
} from './timeline.js';

export interface SimServers {
  databaseUrl: string;
  /** A time-skipping environment (its clock is shared by everything on that server). */
  env: TestWorkflowEnvironment;
  workflowBundle: NonNullable<WorkerOptions['workflowBundle']>;
  /** Progress lines (stderr in the CLI); silent if omitted. */
  log?: (line: string) => void;
}

export interface RunOptions {
  /** The longest single skip of the server's clock (default 30 days): the worker settles after each. */
  maxSleepDays?: number;
  /** How long the worker must be idle to count as settled (default 15 ms). */
  settleMs?: number;
  /** A skip or a request that takes longer than this (real seconds, default 60) fails with a diagnosis. */
  stallSeconds?: number;
  /**
   * Writes every run's history here as `<workflow>.<runId>.json` (the JSON of `temporal workflow show
   * --output json`), for reading event by event or for `Worker.runReplayHistory`.
   */
  historiesDir?: string;
}

const WEBHOOK_SECRET = 'simulator-webhook-secret';
/** Deliveries of a PMS event after a 503 (Mews, for one, retries three times). */
const PMS_RETRIES = 3;
const LINKS_SECRET = 'simulator-links-secret';
const MAIL = {
  from: 'Guest Relations <guest-relations@hotel.example>',
  messageIdDomain: 'sim.hotel.example',
};
const DAY_MS = 86_400_000;

/** The guest block every PMS event carries; the rest of a scenario's guest goes in profile.updated. */
const BASE_GUEST_FIELDS = ['pmsProfileId', 'firstName', 'lastName', 'email', 'locale', 'timezone'] as const;
const hasExtras = (g: ScenarioGuest) =>
  Object.keys(g).some((k) => !(BASE_GUEST_FIELDS as readonly string[]).includes(k));
const pick = (o: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(Object.entries(o).filter(([k]) => keys.includes(k)));

const GUEST_PATHS: Record<string, string> = {
  'ops.redeem': 'points/redemptions',
  'ops.adjust': 'points/adjustments',
  'ops.setTierFloor': 'tier-floor',
};
const CASE_PATHS: Record<string, string> = {
  'ops.assignCase': 'assign',
  'ops.noteCase': 'notes',
  'ops.compensate': 'compensations',
  'ops.resolveCase': 'resolve',
  'ops.recordSatisfaction': 'satisfaction',
};

interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

function errorOf(body: Record<string, unknown>): { code: string; message: string } | undefined {
  const e = body.error as { code?: unknown; message?: unknown } | undefined;
  return e ? { code: String(e.code), message: String(e.message) } : undefined;
}

export async function runScenario(
  scenario: ParsedScenario,
  servers: SimServers,
  opts: RunOptions = {},
): Promise<Timeline> {
  const started = performance.now();
  const { env } = servers;
  const log = servers.log ?? (() => undefined);
  const maxSleepMs = (opts.maxSleepDays ?? 30) * DAY_MS;
  const settleMs = opts.settleMs ?? 15;
  const stallMs = (opts.stallSeconds ?? 60) * 1000;

  // Ids the PMS chooses are unique per run: scenarios share a database in the tests, and every scenario has a P1.
  const tag = randomBytes(3).toString('hex');
  const ns = (id: string) => `${id}~${tag}`;
  const display = (s: string) => s.replaceAll(`~${tag}`, '');
  const isPmsId = (key: string) => key === 'bookingId' || /^pms[A-Z]\w*Id$/.test(key);
  const namespaced = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(namespaced);
    if (value && typeof value === 'object')
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [
          k,
          isPmsId(k) && typeof v === 'string' ? ns(v) : namespaced(v),
        ]),
      );
    return value;
  };

  const db = createDb(servers.databaseUrl, { poolMax: 10 });
  const sink = await startSmtpSink();
  const mailer = createMailer(sink.smtpUrl);
  const taskQueue = `sim-${tag}`;
  const clock = new ActivityClock(() => env.currentTimeMs());
  // Links in mails point at the simulator's own API (known once it listens) and expire in simulated time, so a
  // scenario can follow them.
  let linkBase = 'http://127.0.0.1:3000';
  const linkNow = () => new Date(clock.simulated(Date.now()) ?? Date.now());
  const deps: ActivityDeps = {
    db,
    mailer,
    mail: MAIL,
    temporal: env.client,
    taskQueue,
    whyUrl: ({ guestId, expiresAt }) =>
      whyLinkUrl({ baseUrl: linkBase, guestId, secret: LINKS_SECRET, expiresAt }),
    unsubscribeUrl: ({ guestId }) =>
      unsubscribeLinkUrl({ baseUrl: linkBase, guestId, secret: LINKS_SECRET, now: linkNow() }),
    surveyUrl: ({ guestId, stayId }) =>
      surveyLinkUrl({ baseUrl: linkBase, guestId, stayId, secret: LINKS_SECRET, now: linkNow() }),
    inStayReportUrl: ({ guestId, pmsStayId, propertyCode }) =>
      inStayReportLinkUrl({
        baseUrl: linkBase,
        guestId,
        pmsStayId,
        propertyCode,
        secret: LINKS_SECRET,
        now: linkNow(),
      }),
    satisfactionUrl: ({ guestId, caseId, satisfied, expiresAt }) =>
      satisfactionLinkUrl({ baseUrl: linkBase, guestId, caseId, satisfied, secret: LINKS_SECRET, expiresAt }),
  };
  const worker = await Worker.create({
    ...workerOptions({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      deps,
      poolMax: 10,
      workflowBundle: servers.workflowBundle,
    }),
    activities: clock.wrap(createActivities(deps)),
  });

  let simNow = await env.currentTimeMs();
  const app = createApp({
    db,
    temporal: env.client,
    taskQueue,
    logger: pino({ level: process.env.SIM_API_LOG ?? 'silent' }),
    pms: { webhookSecret: WEBHOOK_SECRET, toleranceSeconds: 300 },
    nowSeconds: () => Math.floor(simNow / 1000),
    links: { secret: LINKS_SECRET },
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  linkBase = baseUrl;
  const apiKey = (await apiKeys.create(db, { name: `simulator ${tag}`, role: 'admin' })).key;
  const managerKey = (await apiKeys.create(db, { name: `simulator manager ${tag}`, role: 'manager' })).key;
  const marketerKey = (await apiKeys.create(db, { name: `simulator marketer ${tag}`, role: 'marketer' })).key;
  /** Cadences a marketer action changed, with the version current before the run (published back at the end). */
  const cadencesBefore = new Map<string, number | undefined>();

  const shift: YearShift = yearShift(yearsToShift(scenario.start, simNow));
  const guests = new Map<string, ScenarioGuest>(guestsOf(scenario));
  const guestIds = new Map<string, string>();
  const entries: TimelineEntry[] = [];
  const mainZone = scenario.guest.timezone;
  const zoneOf = (guest: string) => guests.get(guest)?.timezone ?? mainZone;
  /** A scenario instant of `guest` on the server's calendar (same wall-clock time in the guest's zone). */
  const serverIso = (scenarioIso: string, guest: string) =>
    new Date(shift.toServer(scenarioIso, zoneOf(guest))).toISOString();
  const entryAt = (serverMs: number, guest: string) => ({
    ...stamp(shift.toScenario(serverMs, zoneOf(guest))),
    guest,
  });
  const nowEntry = (guest: string) => entryAt(simNow, guest);

  const settle = async () => {
    const deadline = Date.now() + 30_000;
    let idleSince: number | undefined;
    for (;;) {
      const s = worker.getStatus();
      const idle = s.numInFlightWorkflowActivations === 0 && s.numInFlightActivities === 0;
      if (!idle) idleSince = undefined;
      else if (idleSince === undefined) idleSince = Date.now();
      else if (Date.now() - idleSince >= settleMs) return;
      if (Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  /**
   * A cancelled stay's follow-up is cancelled by the guest's workflow (an external cancel request, then its own
   * clean-up). The worker can look idle while the server is still delivering that request, and a skip begun
   * then can leave the time-skipping server's clock locked. So the clock waits until the follow-up has closed
   * (real time, at most 15 s; polled with describe, which does not skip time).
   */
  const followUpClosed = async (e: PlannedEvent) => {
    const pmsStayId = (e.data as { stay?: { pmsStayId?: unknown } }).stay?.pmsStayId;
    if (typeof pmsStayId !== 'string') return;
    const stay: { id: string; guest_id: string } | undefined = await db('stays')
      .where({ pms_stay_id: ns(pmsStayId) })
      .first('id', 'guest_id');
    if (!stay) return;
    const handle = env.client.workflow.getHandle(followUpWorkflowId(stay.guest_id, stay.id));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      try {
        if ((await handle.describe()).status.name !== 'RUNNING') return;
      } catch {
        return; // no follow-up: nothing to wait for
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  /** Skips the server's clock to `targetMs` in steps of at most maxSleepMs, letting the worker settle after each. */
  /**
   * What holds the server's clock when a skip does not end: the guest workflows' pending activities and
   * children, their last history events, failed workflow tasks, and the worker's in-flight work.
   */
  const diagnose = async (): Promise<string> => {
    const lines: string[] = [];
    const w = worker.getStatus();
    lines.push(
      `worker: ${w.numInFlightWorkflowActivations} activations, ${w.numInFlightActivities} activities in flight`,
    );
    for (const [name, id] of guestIds) {
      try {
        const handle = env.client.workflow.getHandle(guestWorkflowId(id));
        const d = await handle.describe();
        const raw = d.raw.pendingActivities ?? [];
        lines.push(
          `${name}: ${d.status.name}, ${d.historyLength} events, pending activities ${JSON.stringify(
            raw.map((a) => ({
              type: a.activityType?.name,
              attempt: a.attempt,
              failure: a.lastFailure?.message,
            })),
          )}, pending children ${JSON.stringify((d.raw.pendingChildren ?? []).map((c) => c.workflowId))}`,
        );
        const events = (await handle.fetchHistory()).events ?? [];
        lines.push(`  last events: ${events.slice(-8).map(eventKind).join(', ')}`);
        // The follow-ups that ended last, and whether the run that started them is still the guest's current one.
        {
          const last = await db<{
            workflow_id: string;
            guest_id: string;
            status: string;
            finished_at: Date | null;
          }>('follow_ups')
            .where({ guest_id: id })
            .whereNot({ status: 'running' })
            .orderBy('finished_at', 'desc')
            .limit(3);
          for (const f of last) {
            const fd = await env.client.workflow.getHandle(f.workflow_id).describe();
            lines.push(
              `  finished follow-up ${f.workflow_id.slice(-20)} at ${String(f.finished_at?.toISOString())}: ${fd.status.name} closed ${String(fd.closeTime?.toISOString())}, parent run ${fd.raw.workflowExecutionInfo?.parentExecution?.runId ?? '-'} (current ${d.runId})`,
            );
          }
        }
        // The follow-ups too (they run a month, abandoned by the run that started them): one may hold the clock.
        const followUps: { workflow_id: string }[] = await db('follow_ups')
          .where({ guest_id: id, status: 'running' })
          .select('workflow_id');
        for (const c of followUps.map((f) => ({
          workflowId: f.workflow_id,
          workflowTypeName: 'postStayFollowUp',
        }))) {
          const child = env.client.workflow.getHandle(c.workflowId ?? '');
          const cd = await child.describe();
          const ce = (await child.fetchHistory()).events ?? [];
          lines.push(
            `  child ${c.workflowTypeName}: ${cd.status.name}, ${cd.historyLength} events, pending activities ${
              (cd.raw.pendingActivities ?? []).length
            }, last events: ${ce.slice(-4).map(eventKind).join(', ')}`,
          );
        }
        for (const e of events.filter((x) => x.workflowTaskFailedEventAttributes).slice(-2))
          lines.push(
            `  workflow task failed: ${e.workflowTaskFailedEventAttributes?.failure?.message ?? '?'}`,
          );
      } catch (err) {
        lines.push(`${name}: ${(err as Error).message}`);
      }
    }
    return lines.join('\n');
  };

  /** `p`, or a clear error when it has not settled within stallMs of real time. */
  const watched = async <T>(p: Promise<T>, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<'stalled'>((resolve) => {
      timer = setTimeout(() => resolve('stalled'), stallMs);
    });
    try {
      const r = await Promise.race([p, stalled]);
      if (r === 'stalled')
        throw new Error(
          `the test server did not finish ${what} within ${stallMs / 1000} s:\n${await diagnose()}`,
        );
      return r;
    } finally {
      clearTimeout(timer);
    }
  };

  const prof = { sleep: 0, settle: 0, send: 0, sleeps: 0 };
  const sleepUntil = async (targetMs: number) => {
    for (;;) {
      simNow = await env.currentTimeMs();
      if (simNow >= targetMs) return;
      let t = performance.now();
      const ms = Math.min(maxSleepMs, targetMs - simNow);
      await watched(
        env.sleep(ms),
        `skipping ${Math.round(ms / 3_600_000)} h from ${shift.toScenario(simNow, mainZone).toISO()}`,
      );
      prof.sleep += performance.now() - t;
      prof.sleeps += 1;
      t = performance.now();
      await settle();
      prof.settle += performance.now() - t;
    }
  };

  const api = async (path: string, init: { body: string; headers: Record<string, string> }) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...init.headers },
      body: init.body,
      signal: AbortSignal.timeout(stallMs),
    });
    const text = await res.text();
    let body: Record<string, unknown>;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { raw: text };
    }
    return { status: res.status, body } satisfies ApiAnswer;
  };

  const guestIdOf = async (name: string): Promise<string | undefined> => {
    const known = guestIds.get(name);
    if (known) return known;
    const row = await db('guests')
      .where({ source: 'pms', pms_profile_id: ns(guests.get(name)!.pmsProfileId) })
      .first<{ id: string } | undefined>('id');
    if (row) guestIds.set(name, row.id);
    return row?.id;
  };

  /** `"$referrer"` → that guest's member number. */
  const substitute = async (value: unknown): Promise<unknown> => {
    if (typeof value === 'string' && value.startsWith('$') && guests.has(value.slice(1))) {
      const id = await guestIdOf(value.slice(1));
      const row = id
        ? await db('guests')
            .where({ id })
            .first<{ member_number: string | null } | undefined>('member_number')
        : undefined;
      if (!row?.member_number) throw new Error(`${value} has no member number yet`);
      return row.member_number;
    }
    if (Array.isArray(value)) return Promise.all(value.map(substitute));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = await substitute(v);
      return out;
    }
    return value;
  };

  /**
   * The endpoint, body and key of a staff action, or why it cannot be sent. Case actions name their case
   * (`caseId`, default: the guest's latest) and an approval its compensation (default: the case's latest
   * awaiting approval).
   */
  const staffRequest = async (
    action: string,
    guestId: string,
    data: Record<string, unknown>,
  ): Promise<{ path: string; body: Record<string, unknown>; key: string } | string> => {
    const guestPath = GUEST_PATHS[action];
    if (guestPath) return { path: `/v1/guests/${guestId}/${guestPath}`, body: data, key: apiKey };
    if (action === 'ops.openCase') return { path: '/v1/cases', body: { guestId, ...data }, key: apiKey };
    const { caseId: given, compensationId: givenComp, ...body } = data;
    const caseId =
      typeof given === 'string'
        ? given
        : (
            await db('service_cases')
              .where({ guest_id: guestId })
              .orderBy([
                { column: 'opened_at', order: 'desc' },
                { column: 'created_at', order: 'desc' },
              ])
              .first<{ id: string } | undefined>('id')
          )?.id;
    if (!caseId) return 'the guest has no service case yet';
    const casePath = CASE_PATHS[action];
    if (casePath) return { path: `/v1/cases/${caseId}/${casePath}`, body, key: apiKey };
    const compensationId =
      typeof givenComp === 'string'
        ? givenComp
        : (
            await db('case_compensations')
              .where({ case_id: caseId, status: 'awaiting_approval' })
              .orderBy('requested_at', 'desc')
              .first<{ id: string } | undefined>('id')
          )?.id;
    if (!compensationId) return 'the case has no compensation awaiting approval';
    return {
      path: `/v1/cases/${caseId}/compensations/${compensationId}/approve`,
      body,
      key: managerKey,
    };
  };

  /**
   * The guest follows the link of `page` (`/v1/links/<page>/<token>`) in the latest mail they received that has
   * one, and posts its form: what a guest's browser does, against the run's API.
   */
  const followLink = async (
    page: string,
    email: string,
    form: Record<string, unknown>,
  ): Promise<{ status: number; fromMail?: string; error?: { code: string; message: string } }> => {
    const pattern = new RegExp(`https?://[^\\s"'<>)]+/v1/links/${page}/[A-Za-z0-9._~-]+`);
    const mail = sink
      .messages()
      .filter((m) => m.to.includes(email) && pattern.test(m.text))
      .at(-1);
    const url = mail ? pattern.exec(mail.text)![0] : undefined;
    if (!mail || !url)
      return {
        status: 0,
        error: { code: 'simulator', message: `no mail to the guest has a ${page} link yet` },
      };
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(
        Object.entries(form).map(([k, v]): [string, string] => [
          k,
          typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v),
        ]),
      ).toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(stallMs),
    });
    await res.arrayBuffer();
    return {
      status: res.status,
      fromMail: mail.subject,
      ...(res.status >= 400
        ? { error: { code: 'page', message: `the ${page} page answered ${res.status}` } }
        : {}),
    };
  };

  /** A marketer action through the marketer API; a cadence's version before the run is remembered once. */
  const marketerAction = async (
    action: string,
    data: Record<string, unknown>,
    guestName: string,
    guestId: string | undefined,
  ): Promise<ApiAnswer> => {
    const { key: given, ...body } = data;
    const key = typeof given === 'string' ? given : 'post-stay';
    const headers = { authorization: `Bearer ${marketerKey}` };
    if (action === 'marketer.moveFollowUps')
      return api(`/v1/cadences/${key}/moves`, { body: JSON.stringify(body), headers });
    if (action === 'marketer.draftTemplate')
      return api(`/v1/templates/${key}/versions`, { body: JSON.stringify(body), headers });
    if (action === 'marketer.previewCadence') {
      const answer = await api(`/v1/cadences/${key}/preview`, {
        body: JSON.stringify({
          ...body,
          guestId,
          ...(typeof body.checkOutAt === 'string'
            ? { checkOutAt: serverIso(body.checkOutAt, guestName) }
            : {}),
        }),
        headers,
      });
      // Its dates on the scenario's calendar.
      return {
        ...answer,
        body: JSON.parse(shift.text(JSON.stringify(answer.body), { years: true })) as Record<string, unknown>,
      };
    }
    if (!cadencesBefore.has(key)) cadencesBefore.set(key, (await cadences.currentVersion(db, key))?.version);
    const draft = await api(`/v1/cadences/${key}/versions`, { body: JSON.stringify(body), headers });
    if (draft.status !== 201) return draft;
    return api(`/v1/cadences/${key}/versions/${String(draft.body.version)}/publish`, { body: '{}', headers });
  };

  /** Publishes back the cadences the run changed, as they were before it (a rollback, through the API). */
  const restoreCadences = async () => {
    for (const [key, version] of cadencesBefore) {
      if (version === undefined) continue;
      await api(`/v1/cadences/${key}/rollback`, {
        body: JSON.stringify({ version, note: `simulator ${tag}: as before the run` }),
        headers: { authorization: `Bearer ${marketerKey}` },
      });
    }
  };

  /** Posts one event; `fresh`: the clock runs meanwhile, ask it when the answer came. */
  const send = async (e: PlannedEvent, fresh = false): Promise<void> => {
    const entryNow = async () => (fresh ? entryAt(await env.currentTimeMs(), e.guest) : nowEntry(e.guest));
    let data: Record<string, unknown>;
    try {
      data = (await substitute(e.data)) as Record<string, unknown>;
    } catch (err) {
      entries.push({
        ...nowEntry(e.guest),
        kind: isStaffAction(e.type) ? 'staff' : 'pms',
        ...(isStaffAction(e.type) ? { action: e.type, body: e.data } : { type: e.type, eventId: e.id ?? '' }),
        status: 0,
        error: { code: 'simulator', message: (err as Error).message },
      } as TimelineEntry);
      return;
    }
    if (isMarketerAction(e.type)) {
      const answer = await marketerAction(e.type, data, e.guest, await guestIdOf(e.guest));
      const error = errorOf(answer.body);
      entries.push({
        ...(await entryNow()),
        kind: 'staff',
        action: e.type,
        body: data,
        status: answer.status,
        ...(error ? { error } : { result: answer.body }),
        ...(e.note ? { note: e.note } : {}),
      });
      return;
    }
    if (isGuestAction(e.type)) {
      const followed = await followLink(GUEST_ACTIONS[e.type], guests.get(e.guest)!.email, data);
      entries.push({
        ...(await entryNow()),
        kind: 'guest',
        action: e.type,
        body: data,
        status: followed.status,
        ...(followed.fromMail ? { fromMail: shift.text(followed.fromMail, { years: true }) } : {}),
        ...(followed.error ? { error: followed.error } : {}),
        ...(e.note ? { note: e.note } : {}),
      });
      return;
    }
    if (isStaffAction(e.type)) {
      const guestId = await guestIdOf(e.guest);
      const request = guestId ? await staffRequest(e.type, guestId, data) : undefined;
      const answer: ApiAnswer =
        typeof request === 'object'
          ? await api(request.path, {
              body: JSON.stringify(request.body),
              headers: { authorization: `Bearer ${request.key}` },
            })
          : {
              status: 0,
              body: {
                error: { code: 'simulator', message: request ?? 'the PMS has not told about this guest yet' },
              },
            };
      const error = errorOf(answer.body);
      entries.push({
        ...(await entryNow()),
        kind: 'staff',
        action: e.type,
        body: data,
        status: answer.status,
        ...(error ? { error } : { result: answer.body }),
        ...(e.note ? { note: e.note } : {}),
      });
      return;
    }
    await postPms({ ...e, eventId: e.id ?? `evt-${e.seq}` }, data, fresh);
  };

  /** Waits (real time; the server's clock stands still) until the workflow has handled or rejected the event. */
  const handled = async (pmsEventId: string) => {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const row = await db('pms_events')
        .where({ id: pmsEventId })
        .first<{ handled_at: Date | null; rejected_at: Date | null } | undefined>(
          'handled_at',
          'rejected_at',
        );
      if (row?.handled_at || row?.rejected_at) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  /** Guests whose whole profile (birthday, consent…) has gone to the PMS API. */
  const profileSent = new Set<string>();

  const postPms = async (
    e: Pick<PlannedEvent, 'guest' | 'type' | 'at' | 'occurredAt' | 'note'> & { eventId: string },
    data: Record<string, unknown>,
    fresh = false,
  ): Promise<void> => {
    const guest = guests.get(e.guest)!;
    const { guest: guestOverride, ...rest } = data;
    // Every event carries the guest block; what only a profile update carries (birthday, consent, phone)
    // goes in profile.updated, sent right after the guest's first event.
    const profile = e.type === 'profile.updated' ? guest : pick(guest, BASE_GUEST_FIELDS);
    const occurredAt = serverIso(e.occurredAt ?? e.at, e.guest);
    const body = {
      id: ns(e.eventId),
      type: e.type,
      occurredAt,
      data: {
        guest: namespaced({ ...profile, ...(guestOverride as object | undefined) }),
        ...(mapDates(namespaced(rest), {
          date: (d) => shift.dateToServer(d),
          instant: (i) => serverIso(i, e.guest),
        }) as Record<string, unknown>),
      },
    };
    const raw = JSON.stringify(body);
    if (e.type === 'profile.updated') profileSent.add(e.guest);
    // Like a PMS, deliver again (the same body) when the API answers 503, up to PMS_RETRIES times.
    const refusals: string[] = [];
    let answer: ApiAnswer;
    for (;;) {
      answer = await api('/v1/pms/events', {
        body: raw,
        headers: { 'x-signature': sign(WEBHOOK_SECRET, raw, Math.floor(simNow / 1000)) },
      });
      if (answer.status !== 503 || refusals.length >= PMS_RETRIES) break;
      refusals.push(`${answer.status} ${errorOf(answer.body)?.code ?? ''}`.trim());
      await new Promise((r) => setTimeout(r, 100 * refusals.length));
    }
    if (answer.status === 202 && typeof answer.body.guestId === 'string')
      guestIds.set(e.guest, answer.body.guestId);
    const error = errorOf(answer.body);
    entries.push({
      ...entryAt(fresh ? await env.currentTimeMs() : simNow, e.guest),
      kind: 'pms',
      type: e.type,
      eventId: e.eventId,
      status: answer.status,
      ...(refusals.length ? { refusedFirst: refusals } : {}),
      ...(error ? { error } : {}),
      ...(e.note ? { note: e.note } : {}),
    });
    if (answer.status === 202 && !profileSent.has(e.guest) && hasExtras(guest)) {
      profileSent.add(e.guest);
      // Once the workflow has taken the first event: the profile update is news to a guest it knows.
      await handled(ns(e.eventId));
      await postPms(
        {
          guest: e.guest,
          type: 'profile.updated',
          eventId: `profile-${e.guest}`,
          at: e.at,
          occurredAt: shift.toScenario(Date.parse(occurredAt) + 1000, zoneOf(e.guest)).toISO()!,
          note: 'the rest of the scenario’s guest block',
        },
        {},
        fresh,
      );
    }
  };

  const planned = planEvents(scenario);
  let timeline: Timeline | undefined;
  try {
    await worker.runUntil(async () => {
      log(`  · shifted +${shift.years} years; ${planned.length} events`);
      for (const [code, p] of Object.entries(scenario.properties))
        await cases.upsertPropertySettings(db, {
          property_code: code,
          name: p.name,
          timezone: p.timezone,
          ...(p.locale ? { locale: p.locale } : {}),
          duty_manager_email: p.dutyManagerEmail ?? null,
          general_manager_email: p.generalManagerEmail ?? null,
        });
      // Nothing of this run is on the server yet: one skip to the start.
      const start = shift.toServer(scenario.start, mainZone);
      simNow = await env.currentTimeMs();
      if (simNow < start) await env.sleep(start - simNow);
      let sent = 0;
      for (const group of groupByInstant(planned)) {
        await sleepUntil(shift.toServer(group[0]!.at, zoneOf(group[0]!.guest)));
        const skip = Math.max(0, ...group.map((p) => p.whileSkippingMs ?? 0));
        if (skip > 0) {
          // The clock runs on while they arrive; the API keeps the group's instant as its now.
          await Promise.all([
            watched(env.sleep(skip), `skipping while posting ${group.length} events`),
            ...group.map((e) => send(e, true)),
          ]);
          await settle();
        } else {
          const t = performance.now();
          await Promise.all(group.map((e) => send(e)));
          prof.send += performance.now() - t;
          // What the events set off (a cancelled stay cancels its follow-up) runs before the clock moves on.
          await new Promise((r) => setTimeout(r, 25));
          await settle();
          for (const e of group) if (e.type === 'stay.cancelled') await followUpClosed(e);
        }
        if (Math.floor((sent + group.length) / 100) > Math.floor(sent / 100))
          log(
            `  · ${sent + group.length}/${planned.length} events sent (${shift.toScenario(simNow, mainZone).toISODate()})`,
          );
        sent += group.length;
      }
      await sleepUntil(shift.toServer(scenario.until, mainZone));
      await settle();
      const readingFrom = performance.now();

      for (const name of guests.keys()) await guestIdOf(name);
      // The guests' workflows and the cases' (a case's workflow may be started by a staff request, not as a child).
      const caseWorkflows = (await db('service_cases')
        .whereIn('guest_id', [...guestIds.values()])
        .pluck('workflow_id')) as string[];
      const runs = await collectRuns(env.client, [
        ...[...guestIds.values()].map((id) => guestWorkflowId(id)),
        ...caseWorkflows,
      ]);
      const records = await readRecords({ db, shift, clock, received: sink.messages(), guestIds, display });

      // Workflow IDs for people: the guest's name for its id, the PMS's stay id for the stay's.
      const names = new Map<string, string>([...guestIds].map(([name, id]) => [id, name]));
      const stays = await db('stays')
        .whereIn('guest_id', [...guestIds.values()])
        .select<{ id: string; pms_stay_id: string }[]>('id', 'pms_stay_id');
      for (const s of stays) names.set(s.id, display(s.pms_stay_id));
      const readable = (workflowId: string) =>
        shift.text(
          display(workflowId).replace(
            /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
            (id) => names.get(id) ?? id,
          ),
        );
      const runRows: RunRow[] = runs.map((r) => {
        const guestName =
          [...guestIds].find(([, id]) => r.workflowId.startsWith(guestWorkflowId(id)))?.[0] ?? '?';
        return {
          guest: guestName,
          workflow: readable(r.workflowId),
          workflowId: r.workflowId,
          runId: r.runId,
          workflowType: r.workflowType,
          events: r.events,
          status: r.status,
          started: stamp(shift.toScenario(r.startedMs, zoneOf(guestName))).local,
          lastEvent: stamp(shift.toScenario(r.lastEventMs, zoneOf(guestName))).local,
        };
      });
      if (opts.historiesDir) await writeHistories(opts.historiesDir, runs, readable);
      const mainId = guestIds.get('guest');
      timeline = {
        scenario: scenario.name ?? '(unnamed)',
        shiftYears: shift.years,
        guests: records.guests,
        entries: sortEntries([...entries, ...records.entries]),
        runs: runRows,
        personalDataInHistory: findPersonalData(runs, personalDataOf(scenario)).map((f) => ({
          ...f,
          workflow: readable(f.workflowId),
        })),
        figures: figuresOf({
          runs: mainId ? runs.filter((r) => r.workflowId.startsWith(guestWorkflowId(mainId))) : [],
          guestWorkflowId: mainId ? guestWorkflowId(mainId) : '-',
          stays: records.guests.guest?.stays ?? 0,
          shift,
          timezone: mainZone,
          display: readable,
        }),
        wallSeconds: 0,
        activities: clock.activities,
      };

      if (process.env.SIM_PROFILE)
        log(`  · profile ${JSON.stringify({ ...prof, reading: performance.now() - readingFrom })}`);
      // Nothing of this guest may keep running on the shared server once its worker is gone.
      for (const r of runs.filter((x) => x.status === 'running')) {
        await env.client.workflow
          .getHandle(r.workflowId, r.runId)
          .terminate('simulation over')
          .catch(() => undefined);
      }
    });
  } finally {
    await restoreCadences().catch((err: unknown) => log(`  · cadence not restored: ${String(err)}`));
    await new Promise((r) => server.close(r));
    mailer.close();
    await sink.stop();
    await db.destroy();
  }
  timeline!.wallSeconds = Math.round((performance.now() - started) / 100) / 10;
  return timeline!;
}
