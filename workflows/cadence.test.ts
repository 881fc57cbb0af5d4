/**
 * The post-stay follow-up running its cadence (docs/architecture.md "The post-stay follow-up"), on a
 * time-skipping server of its own, with the real activities, Postgres and an SMTP sink: the default
 * `post-stay` cadence end to end (thank-you, survey with its link, review request only on a score ≥ 4,
 * come-back offer only without a booking since, each at its local send time); a cadence changed mid-flight (a
 * running follow-up keeps its version, a new one takes the new version, a move Update moves a running one,
 * recorded on its row); and the planning of cadence steps (due at 03:00 local → 09:00; a fourth marketing
 * mail in 7 days suppressed; no consent → suppressed; after an unsubscribe, later marketing suppressed).
 *
 * Tests of their own cadences use cadence keys of their own: `post-stay` stays at the seeded version for the
 * other test files sharing this database.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withdrawMarketingConsent } from '../api/links/service.js';
import * as cadences from '../db/repositories/cadences.js';
import * as cases from '../db/repositories/cases.js';
import * as guests from '../db/repositories/guests.js';
import type { PlannedOutboxRow } from '../db/repositories/outbox.js';
import { DEFAULT_POST_STAY_STEPS, type CadenceStep } from '../domain/cadence.js';
import { followUpWorkflowId, guestWorkflowId } from '../domain/ids.js';
import {
  ensureCadence,
  eventually,
  openStack,
  workerPerTest,
  sampleStay,
  type Stack,
} from '../test/helpers.js';
import { followUpStateQuery, moveFollowUpUpdate } from '../contracts/follow-up.js';
import type { PostStayFollowUpInput, PostStayFollowUpResult } from '../contracts/follow-up.js';

vi.setConfig({ testTimeout: 180_000 });

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ZONE = 'Asia/Shanghai';
const SURVEY_BASE = 'http://127.0.0.1:3000/v1/links/survey/';

let env: TestWorkflowEnvironment;
let stack: Stack;
let taskQueue: string;

beforeAll(async () => {
  stack = await openStack();
});
afterAll(async () => {
  await stack?.close();
});
workerPerTest(
  'cadence',
  () => ({
    ...stack.deps,
    surveyUrl: ({ stayId }) => `${SURVEY_BASE}${stayId}`,
  }),
  (test) => ({ env, taskQueue } = test),
);

const now = async () => env.currentTimeMs();
const local = (d: Date | string | number) =>
  DateTime.fromMillis(new Date(d).getTime(), { zone: ZONE }).toFormat('yyyy-LL-dd HH:mm');

async function advance(ms: number, step = 6 * HOUR) {
  for (let left = ms; left > 0; left -= step) await env.sleep(Math.min(step, left));
}

/** Skips to the next `hour`:`minute` in Shanghai. */
async function advanceToLocal(hour: number, minute = 0) {
  const t = DateTime.fromMillis(await now(), { zone: ZONE });
  let target = t.set({ hour, minute, second: 0, millisecond: 0 });
  if (target <= t) target = target.plus({ days: 1 });
  await advance(target.toMillis() - t.toMillis());
}

/** A guest in Shanghai (English mails) with a stay that checked out `checkedOutAt`, as rows in Postgres. */
async function guestWithStay(opts: { consent?: boolean; checkedOutAt: number }) {
  const email = `cadence-${randomUUID().slice(0, 8)}@guest.example`;
  const { profile } = sampleStay({ guest: { timezone: ZONE, email, locale: 'en' } });
  const guest = (await guests.insertIfAbsent(stack.db, { source: 'pms', profile, asOf: new Date() }))!;
  await stack
    .db('guests')
    .where({ id: guest.id })
    .update({ marketing_consent: opts.consent ?? true, stage: 'member', enrolled_at: new Date() });
  const out = DateTime.fromMillis(opts.checkedOutAt, { zone: ZONE });
  const stay = {
    propertyCode: 'SHA-BUND',
    arrival: out.minus({ days: 2 }).toISODate()!,
    departure: out.toISODate()!,
    nights: 2,
  };
  const rows: { id: string }[] = await stack
    .db('stays')
    .insert({
      guest_id: guest.id,
      source: 'pms',
      pms_stay_id: `S-${randomUUID()}`,
      property_code: stay.propertyCode,
      arrival: stay.arrival,
      departure: stay.departure,
      nights: stay.nights,
      room_revenue: '1000',
      currency: 'CNY',
      checked_out_at: new Date(opts.checkedOutAt),
      event_id: randomUUID(),
    })
    .returning('id');
  const stayId = rows[0]!.id;
  const input: PostStayFollowUpInput = {
    guestId: guest.id,
    guestWorkflowId: guestWorkflowId(guest.id),
    stayId,
    checkedOutAt: new Date(opts.checkedOutAt).toISOString(),
    delayMinutes: 120,
    stay,
    pointsEarned: 10000,
    pointsBalance: 10000,
  };
  return { guestId: guest.id, email, stayId, input, workflowId: followUpWorkflowId(guest.id, stayId) };
}

async function startFollowUp(input: PostStayFollowUpInput, workflowId: string) {
  return env.client.workflow.start('postStayFollowUp', { workflowId, taskQueue, args: [input] });
}

const outboxOf = (guestId: string) =>
  stack.db<PlannedOutboxRow>('mail_outbox').where({ guest_id: guestId }).orderBy('id');

/** `template status @ local send time` (or `: reason`) of every outbox row of the guest. */
async function timeline(guestId: string) {
  return (await outboxOf(guestId)).map((r) =>
    r.status === 'suppressed'
      ? `${r.template} suppressed: ${r.suppression_reason}`
      : `${r.template} ${r.status} @ ${local(r.send_at!)}`,
  );
}

const mailsTo = (email: string) => stack.sink.messages().filter((m) => m.to.includes(email));

/** A cadence of the test's own, published as version 1 (and `more` as the following versions). */
async function cadenceOf(...versions: CadenceStep[][]) {
  const key = `test-${randomUUID().slice(0, 8)}`;
  await ensureCadence(stack.db, { key, name: key });
  for (const steps of versions) {
    const draft = await cadences.createDraft(stack.db, { cadenceKey: key, steps, createdBy: 'test' });
    await cadences.publish(stack.db, { cadenceKey: key, version: draft.version, publishedBy: 'test' });
  }
  return key;
}

async function publish(key: string, steps: CadenceStep[]) {
  const draft = await cadences.createDraft(stack.db, { cadenceKey: key, steps, createdBy: 'test' });
  await cadences.publish(stack.db, { cadenceKey: key, version: draft.version, publishedBy: 'test' });
  return draft.version;
}

const step = (over: Partial<CadenceStep> & Pick<CadenceStep, 'id'>): CadenceStep => ({
  anchor: 'check_out',
  offsetMinutes: 60,
  window: { start: '09:00', end: '20:00' },
  template: 'come-back-offer',
  channel: 'mail',
  class: 'marketing',
  condition: null,
  ...over,
});

describe('the default post-stay cadence', () => {
  it('thank-you, survey with its link, review request on a score ≥ 4 only, come-back offer without a booking only, at their local times', async () => {
    // The seeded version 1, or a copy of it published later by another test file (the database is shared).
    const current = (await cadences.currentVersion(stack.db, 'post-stay'))!;
    expect(current.steps).toEqual(DEFAULT_POST_STAY_STEPS);
    await advanceToLocal(11);
    const checkedOutAt = await now();
    const day = (n: number) =>
      DateTime.fromMillis(checkedOutAt, { zone: ZONE }).plus({ days: n }).toISODate();
    // Happy guest: answers 5, books nothing. Unhappy guest: answers 3, books again.
    const happy = await guestWithStay({ checkedOutAt });
    const unhappy = await guestWithStay({ checkedOutAt });
    const handles = [
      await startFollowUp(happy.input, happy.workflowId),
      await startFollowUp(unhappy.input, unhappy.workflowId),
    ];
    expect(await eventually(() => cadences.findFollowUp(stack.db, happy.workflowId))).toMatchObject({
      cadence_key: 'post-stay',
      cadence_version: current.version,
      status: 'running',
    });

    // Two hours after check-out: the thank-you; the next day at 11:00 the survey, with its link.
    await advance(2 * HOUR - MINUTE);
    expect(mailsTo(happy.email)).toHaveLength(0);
    await advance(2 * MINUTE);
    const [thanks] = await stack.sink.waitFor((m) => m.to.includes(happy.email));
    expect(thanks!.subject).toBe('Thank you for staying with us, Ada');
    await advance(DAY);
    const survey = await stack.sink.waitFor(
      (m) => m.to.includes(happy.email) && m.subject.startsWith('Ada, how was your stay'),
    );
    expect(survey[0]!.text).toContain(`${SURVEY_BASE}${happy.stayId}`);
    expect(survey[0]!.html).toContain(`<a href="${SURVEY_BASE}${happy.stayId}">Rate your stay</a>`);
    expect(survey[0]!.headers['list-unsubscribe']).toBeUndefined();

    // The answers arrive on day 2 (the survey page stores them); the unhappy guest books again.
    await advance(DAY);
    for (const [g, score] of [
      [happy, 5],
      [unhappy, 3],
    ] as const)
      await stack.db('survey_responses').insert({
        guest_id: g.guestId,
        stay_id: g.stayId,
        score,
        would_return: 'yes',
        answered_at: new Date(await now()),
        updated_at: new Date(await now()),
      });
    await stack.db('bookings').insert({
      guest_id: unhappy.guestId,
      source: 'pms',
      pms_booking_id: `B-${randomUUID()}`,
      property_code: 'SHA-BUND',
      arrival: day(60),
      departure: day(62),
    });

    // One result at a time: the time-skipping server skips while a client waits for one.
    const results: PostStayFollowUpResult[] = [];
    for (const h of handles) results.push((await h.result()) as PostStayFollowUpResult);
    expect(await timeline(happy.guestId)).toEqual([
      `stay-thank-you sent @ ${day(0)} 13:00`,
      `satisfaction-survey sent @ ${day(1)} 11:00`,
      `review-request sent @ ${day(3)} 11:00`,
      `come-back-offer sent @ ${day(30)} 11:00`,
    ]);
    expect(await timeline(unhappy.guestId)).toEqual([
      `stay-thank-you sent @ ${day(0)} 13:00`,
      `satisfaction-survey sent @ ${day(1)} 11:00`,
      'review-request suppressed: condition_not_met: score_at_least:4 (score 3)',
      'come-back-offer suppressed: condition_not_met: no_booking_since_anchor (the guest has booked)',
    ]);
    // The mails arrived, once each; marketing carries the one-click unsubscribe.
    const got = mailsTo(happy.email);
    expect(got.map((m) => m.subject)).toEqual([
      'Thank you for staying with us, Ada',
      'Ada, how was your stay at SHA-BUND?',
      'Ada, would you share your stay at SHA-BUND?',
      'Ada, we would love to welcome you back',
    ]);
    expect(got.every((m) => m.deliveries === 1)).toBe(true);
    expect(got[3]!.headers['list-unsubscribe']).toMatch(/^<http:\/\/127\.0\.0\.1:3000\//);
    expect(mailsTo(unhappy.email)).toHaveLength(2);

    expect(results[0]).toMatchObject({
      cadence: { key: 'post-stay', version: current.version, movedFrom: null },
      steps: [
        { id: 'thank-you', status: 'sent' },
        { id: 'survey', status: 'sent' },
        { id: 'review-request', status: 'sent' },
        { id: 'come-back', status: 'sent' },
      ],
    });
    expect(await cadences.findFollowUp(stack.db, happy.workflowId)).toMatchObject({
      status: 'completed',
      steps_done: ['thank-you', 'survey', 'review-request', 'come-back'],
      moved_from: null,
    });
    const events = (await handles[0]!.fetchHistory()).events?.length ?? 0;
    console.log(`history of a full post-stay follow-up (4 steps, all sent): ${events} events`);
    expect(events).toBeLessThanOrEqual(60);
  });

  it('a stay reported late: steps due more than 7 days ago are suppressed as stay_too_old, later ones go', async () => {
    await advanceToLocal(11);
    const checkedOutAt = (await now()) - 9.5 * DAY;
    const g = await guestWithStay({ checkedOutAt });
    const handle = await startFollowUp(g.input, g.workflowId);
    await handle.result();
    const rows = await timeline(g.guestId);
    expect(rows.slice(0, 3)).toEqual([
      expect.stringMatching(
        /^stay-thank-you suppressed: stay_too_old: due \d{4}-\d\d-\d\d, more than 7 days ago$/,
      ),
      expect.stringMatching(/^satisfaction-survey suppressed: stay_too_old/),
      // Due 6.5 days ago: within the limit, but nobody answered the survey it follows.
      'review-request suppressed: condition_not_met: score_at_least:4 (survey not answered)',
    ]);
    expect(rows[3]).toMatch(/^come-back-offer sent @ /);
  });
});

describe('a cadence changed mid-flight', () => {
  it('a running follow-up keeps its version, a new one takes the new version, a move Update moves a running one and its row says so', async () => {
    const v1 = [
      step({ id: 'thank-you', offsetMinutes: 60, template: 'stay-thank-you', class: 'transactional' }),
      step({
        id: 'survey',
        offsetMinutes: DAY / MINUTE,
        template: 'satisfaction-survey',
        class: 'transactional',
      }),
    ];
    const key = await cadenceOf(v1);
    await advanceToLocal(10);
    const first = await guestWithStay({ checkedOutAt: await now() });
    const running = await startFollowUp({ ...first.input, cadenceKey: key }, first.workflowId);
    await advance(2 * HOUR);
    await stack.sink.waitFor((m) => m.to.includes(first.email));

    // A marketer publishes version 2: a new step between them and a later survey.
    const v2 = [
      v1[0]!,
      step({ id: 'tips', offsetMinutes: 6 * 60, template: 'review-request', class: 'transactional' }),
      { ...v1[1]!, offsetMinutes: (2 * DAY) / MINUTE },
    ];
    expect(await publish(key, v2)).toBe(2);
    const second = await guestWithStay({ checkedOutAt: await now() });
    const fresh = await startFollowUp({ ...second.input, cadenceKey: key }, second.workflowId);
    await eventually(() => cadences.findFollowUp(stack.db, second.workflowId));
    expect(await cadences.countRunningByVersion(stack.db, key)).toEqual([
      { version: 1, running: 1 },
      { version: 2, running: 1 },
    ]);
    expect(await running.query(followUpStateQuery)).toMatchObject({ version: 1, stepsDone: ['thank-you'] });

    // Refused moves write nothing: the version it runs, a version that is not published, nonsense.
    const refusal = async (toVersion: number) => {
      const err = await running
        .executeUpdate(moveFollowUpUpdate, { args: [{ requestId: randomUUID(), toVersion }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      return ((err as WorkflowUpdateFailedError).cause as { type?: string }).type;
    };
    expect(await refusal(1)).toBe('SameVersion');
    expect(await refusal(0)).toBe('InvalidVersion');
    expect(await refusal(9)).toBe('InvalidVersion');
    await cadences.createDraft(stack.db, { cadenceKey: key, steps: v2, createdBy: 'test' });
    expect(await refusal(3)).toBe('InvalidVersion');
    expect(await cadences.findFollowUp(stack.db, first.workflowId)).toMatchObject({
      cadence_version: 1,
      moved_from: null,
    });

    // Seven hours after check-out (the new step was due at six): the marketer moves the running one.
    await advance(5 * HOUR);
    const requestId = randomUUID();
    const moved = await running.executeUpdate(moveFollowUpUpdate, {
      args: [{ requestId, toVersion: 2 }],
      updateId: requestId,
    });
    expect(moved).toEqual({ from: 1, to: 2, pendingSteps: ['tips', 'survey'] });
    expect(await cadences.findFollowUp(stack.db, first.workflowId)).toMatchObject({
      cadence_version: 2,
      moved_from: 1,
    });
    expect(await cadences.countRunningByVersion(stack.db, key)).toEqual([{ version: 2, running: 2 }]);

    const a = (await running.result()) as PostStayFollowUpResult;
    const b = (await fresh.result()) as PostStayFollowUpResult;
    // The step already due when it moved went at once; the thank-you, done before, was not repeated.
    expect(a).toMatchObject({
      cadence: { key, version: 2, movedFrom: 1 },
      steps: [
        { id: 'thank-you', status: 'sent' },
        { id: 'tips', status: 'sent' },
        { id: 'survey', status: 'sent' },
      ],
    });
    const firstOut = DateTime.fromISO(first.input.checkedOutAt, { zone: ZONE });
    expect(await timeline(first.guestId)).toEqual([
      `stay-thank-you sent @ ${local(firstOut.plus({ hours: 1 }).toMillis())}`,
      `review-request sent @ ${local(firstOut.plus({ hours: 7 }).toMillis())}`,
      `satisfaction-survey sent @ ${local(firstOut.plus({ days: 2 }).toMillis())}`,
    ]);
    expect(b).toMatchObject({ cadence: { key, version: 2, movedFrom: null } });
    expect(mailsTo(first.email)).toHaveLength(3);
    expect(await cadences.findFollowUp(stack.db, first.workflowId)).toMatchObject({
      status: 'completed',
      cadence_version: 2,
      moved_from: 1,
      steps_done: ['thank-you', 'tips', 'survey'],
    });
    // A finished follow-up is not moved.
    await expect(
      running.executeUpdate(moveFollowUpUpdate, { args: [{ requestId: randomUUID(), toVersion: 1 }] }),
    ).rejects.toThrow();
  });
});

describe('planning of cadence steps', () => {
  it('a marketing step due at 03:00 guest time goes at 09:00', async () => {
    await advanceToLocal(11);
    const out = await now();
    const toThree = DateTime.fromMillis(out, { zone: ZONE }).plus({ days: 1 }).set({ hour: 3 });
    const key = await cadenceOf([step({ id: 'early', offsetMinutes: (toThree.toMillis() - out) / MINUTE })]);
    const g = await guestWithStay({ checkedOutAt: out });
    const handle = await startFollowUp({ ...g.input, cadenceKey: key }, g.workflowId);
    await advanceToLocal(3, 30);
    const row = await eventually(async () => (await outboxOf(g.guestId))[0]);
    expect(row).toMatchObject({ status: 'pending', class: 'marketing' });
    expect(local(row.planned_at!)).toBe(toThree.toFormat('yyyy-LL-dd HH:mm'));
    expect(local(row.send_at!)).toBe(toThree.set({ hour: 9 }).toFormat('yyyy-LL-dd HH:mm'));
    expect(await handle.query(followUpStateQuery)).toMatchObject({
      waitingFor: { stepId: 'early', kind: 'send', until: row.send_at!.toISOString() },
    });
    await advanceToLocal(8, 59);
    expect(mailsTo(g.email)).toHaveLength(0);
    await handle.result();
    expect(await timeline(g.guestId)).toEqual([
      `come-back-offer sent @ ${toThree.set({ hour: 9 }).toFormat('yyyy-LL-dd HH:mm')}`,
    ]);
    expect(mailsTo(g.email)).toHaveLength(1);
  });

  it('a fourth marketing mail in 7 days is suppressed with its reason; without consent marketing is suppressed, transactional goes', async () => {
    const key = await cadenceOf([
      step({ id: 'thank-you', offsetMinutes: 30, template: 'stay-thank-you', class: 'transactional' }),
      ...[1, 2, 3, 4].map((n) => step({ id: `offer-${n}`, offsetMinutes: (n * DAY) / MINUTE })),
    ]);
    await advanceToLocal(11);
    const out = await now();
    const keen = await guestWithStay({ checkedOutAt: out });
    const silent = await guestWithStay({ checkedOutAt: out, consent: false });
    const handles = [
      await startFollowUp({ ...keen.input, cadenceKey: key }, keen.workflowId),
      await startFollowUp({ ...silent.input, cadenceKey: key }, silent.workflowId),
    ];
    // One result at a time: the time-skipping server skips while a client waits for one.
    for (const h of handles) await h.result();
    const since = DateTime.fromMillis(out, { zone: ZONE })
      .plus({ days: 4 - 6 })
      .toISODate();
    expect(await timeline(keen.guestId)).toEqual([
      expect.stringMatching(/^stay-thank-you sent @ .* 11:30$/),
      expect.stringMatching(/^come-back-offer sent @ .* 11:00$/),
      expect.stringMatching(/^come-back-offer sent @ .* 11:00$/),
      expect.stringMatching(/^come-back-offer sent @ .* 11:00$/),
      `come-back-offer suppressed: frequency_cap: 3 marketing mails since ${since} (at most 3 in 7 days)`,
    ]);
    expect(mailsTo(keen.email)).toHaveLength(4);
    expect(await timeline(silent.guestId)).toEqual([
      expect.stringMatching(/^stay-thank-you sent @ /),
      ...[1, 2, 3, 4].map(() => 'come-back-offer suppressed: no_marketing_consent'),
    ]);
    expect(mailsTo(silent.email)).toHaveLength(1);
  });

  it('after an unsubscribe, the marketing mail waiting for its send time and later ones are suppressed', async () => {
    const key = await cadenceOf([
      step({ id: 'one', offsetMinutes: 60 }),
      // Due at 23:00 local: waits for 09:00.
      step({ id: 'two', offsetMinutes: 12 * 60 }),
      step({ id: 'three', offsetMinutes: (3 * DAY) / MINUTE }),
    ]);
    await advanceToLocal(11);
    const g = await guestWithStay({ checkedOutAt: await now() });
    const handle = await startFollowUp({ ...g.input, cadenceKey: key }, g.workflowId);
    const [first] = await (async () => {
      await advance(HOUR + MINUTE);
      return stack.sink.waitFor((m) => m.to.includes(g.email));
    })();
    const link = first!.headers['list-unsubscribe']!;
    expect(link).toContain('http://127.0.0.1:3000/');
    await advanceToLocal(23, 30);
    const waiting = await eventually(async () =>
      (await outboxOf(g.guestId)).find((r) => r.status === 'pending'),
    );
    // The guest clicks the one-click link (what the link's POST does).
    const withdrawn = await withdrawMarketingConsent(stack.db, g.guestId);
    expect(withdrawn?.suppressedMails).toEqual([waiting.id]);
    await handle.result();
    expect(await timeline(g.guestId)).toEqual([
      expect.stringMatching(/^come-back-offer sent @ /),
      'come-back-offer suppressed: no_marketing_consent: unsubscribed before its send time',
      'come-back-offer suppressed: no_marketing_consent',
    ]);
    expect(mailsTo(g.email)).toHaveLength(1);
  });

  it('a step with the condition no_open_case is skipped while a service case of the guest is open, and goes once it is closed', async () => {
    await advanceToLocal(11);
    const out = await now();
    const survey = (id: string, offsetMinutes: number) =>
      step({
        id,
        offsetMinutes,
        window: null,
        template: 'satisfaction-survey',
        class: 'transactional',
        condition: 'no_open_case',
      });
    const key = await cadenceOf([survey('first-ask', 60), survey('second-ask', 180)]);
    const g = await guestWithStay({ checkedOutAt: out });
    const caseId = randomUUID();
    await cases.openCase(
      stack.db,
      {
        id: caseId,
        guestId: g.guestId,
        workflowId: `guest-${g.guestId}-case-${caseId}`,
        source: 'phone',
        category: 'facilities',
        priority: 'normal',
        propertyCode: 'SHA-BUND',
        department: 'engineering',
        receivedBy: 'test',
        openedAt: new Date(out),
        idempotencyKey: `test:${caseId}`,
      },
      'test',
    );
    const handle = await startFollowUp({ ...g.input, cadenceKey: key }, g.workflowId);
    await advance(2 * HOUR);
    expect(await timeline(g.guestId)).toEqual([
      'satisfaction-survey suppressed: condition_not_met: no_open_case (a service case of the guest is open)',
    ]);
    await stack.db('service_cases').where({ id: caseId }).update({ status: 'closed' });
    await handle.result();
    expect((await timeline(g.guestId))[1]).toMatch(/^satisfaction-survey sent @ /);
    expect(mailsTo(g.email)).toHaveLength(1);
  });
});

// Keeps the seeded steps honest: the default cadence the first test runs.
it('the seeded post-stay version is the default cadence', async () => {
  expect((await cadences.getVersion(stack.db, 'post-stay', 1))?.steps).toEqual(DEFAULT_POST_STAY_STEPS);
});
