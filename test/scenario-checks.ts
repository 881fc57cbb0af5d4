/**
 * What the scenario test files share (sim/scenarios.test.ts, sim/ten-year-guest.test.ts): reading a timeline
 * (entries of a kind, stages, tiers, ledger, mails sent and suppressed), the checks every scenario must pass, and
 * the servers of a file (a time-skipping server of its own: the scenarios move its clock by decades).
 */
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { createDb, type Db } from '../db/knex.js';
import { figuresLine } from '../sim/format.js';
import type { SimServers } from '../sim/run.js';
import { loadScenario } from '../sim/scenario.js';
import type { Timeline, TimelineEntry } from '../sim/timeline.js';
import { fileDatabaseUrl, ownTimeSkippingEnv } from './helpers.js';

export type Kind = TimelineEntry['kind'];
export type EntryOf<K extends Kind> = Extract<TimelineEntry, { kind: K }>;

export const of = <K extends Kind>(t: Timeline, kind: K, guest = 'guest'): EntryOf<K>[] =>
  t.entries.filter((e): e is EntryOf<K> => e.kind === kind && e.guest === guest);
export const stages = (t: Timeline, guest = 'guest') => of(t, 'stage', guest).map((e) => `${e.from}→${e.to}`);
export const tiers = (t: Timeline, guest = 'guest') =>
  of(t, 'tier', guest).map((e) => `${e.from}→${e.to} (${e.source})`);
export const ledger = (t: Timeline, guest = 'guest') =>
  of(t, 'points', guest).map((e) => [e.reason, e.points, ...(e.stay ? [e.stay] : [])]);
export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
/** Mails sent to the guest as `template @ local time` (staff mails about the guest are `audience: 'staff'`). */
export const sent = (t: Timeline, guest = 'guest') =>
  of(t, 'mail', guest)
    .filter((m) => m.status === 'sent' && m.audience === 'guest')
    .map((m) => `${m.template} @ ${m.local}`);
/** The post-stay cadence's mails after the thank-you (workflows/post-stay-follow-up.ts). */
export const CADENCE_TEMPLATES = ['satisfaction-survey', 'review-request', 'come-back-offer'];
/** Sent mails but the cadence's survey, review request and come-back offer: what the lifecycle sends. */
export const lifecycleSent = (t: Timeline, guest = 'guest') =>
  of(t, 'mail', guest)
    .filter((m) => m.status === 'sent' && !CADENCE_TEMPLATES.includes(m.template))
    .map((m) => `${m.template} @ ${m.local}`);
/** Suppressed mails as `template: reason`. */
export const suppressedOf = (t: Timeline, guest = 'guest') =>
  of(t, 'mail', guest)
    .filter((m) => m.status === 'suppressed')
    .map((m) => `${m.template}: ${m.suppressionReason}`);
export const scenario = (file: string) =>
  loadScenario(fileURLToPath(new URL(`../scenarios/${file}`, import.meta.url)));

/**
 * What every scenario must show: each mail received once by the guest, no run near the history limit, no event
 * rejected but those the scenario means to be (`rejected`: their event ids).
 */
export function expectSound(t: Timeline, emails: Record<string, string>, rejected: string[] = []) {
  console.info(figuresLine(t));
  for (const [guest, email] of Object.entries(emails)) {
    for (const m of of(t, 'mail', guest).filter((x) => x.status === 'sent' && x.audience === 'guest')) {
      expect(m, `${m.template} at ${m.local}`).toMatchObject({ to: email, deliveries: 1 });
    }
    // A mail left pending or failed: the message names the guest's runs that did not complete, to tell a
    // follow-up that failed or never woke from one that completed without delivering.
    const notClosed = t.runs
      .filter((r) => r.guest === guest && !['completed', 'continuedAsNew'].includes(r.status))
      .map((r) => `${r.workflow} ${r.status} (${r.events} events, last ${r.lastEvent})`);
    expect(
      of(t, 'mail', guest).filter((m) => m.status === 'failed' || m.status === 'pending'),
      `mails not delivered; runs not completed: ${notClosed.join('; ') || 'none'}`,
    ).toEqual([]);
    const rows = of(t, 'points', guest);
    // Every row's running balance adds up, and the last is the balance.
    rows.forEach((r, i) => expect(r.balanceAfter).toBe(sum(rows.slice(0, i + 1).map((x) => x.points))));
    expect(t.guests[guest]!.pointsBalance).toBe(sum(rows.map((r) => r.points)));
  }
  expect(of(t, 'pms').filter((e) => e.status !== 202)).toEqual([]);
  expect(t.entries.filter((e) => e.kind === 'rejected').map((e) => e.eventId)).toEqual(rejected);
  for (const r of t.runs) expect(r.events, r.workflow).toBeLessThan(4096);
  // No name, e-mail, phone or typed text of the scenario in any history event of any run.
  expect(t.personalDataInHistory).toEqual([]);
}

export interface ScenarioContext {
  env: TestWorkflowEnvironment;
  servers: SimServers;
  /** The file's database, to read rows the timeline does not show. */
  db: Db;
}

/** The file's servers, set up before its tests and torn down after them. */
export function scenarioContext(): ScenarioContext {
  const ctx = {} as ScenarioContext;
  beforeAll(async () => {
    try {
      Runtime.install({
        logger: new DefaultLogger('WARN'),
        telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
      });
    } catch {
      // Installed already in this process.
    }
    ctx.env = await ownTimeSkippingEnv();
    ctx.servers = {
      databaseUrl: await fileDatabaseUrl(),
      env: ctx.env,
      workflowBundle: { codePath: inject('workflowBundlePath') },
    };
    ctx.db = createDb(await fileDatabaseUrl(), { poolMax: 2 });
  });
  afterAll(async () => {
    await ctx.db?.destroy();
    await ctx.env?.teardown();
  });
  return ctx;
}
