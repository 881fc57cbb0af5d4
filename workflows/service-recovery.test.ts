/**
 * Service recovery on the time-skipping server, with the real activities, Postgres, an SMTP sink and the
 * cases API's service functions (what the HTTP routes call): a low survey score opens a case → the
 * acknowledgement goes within the hour → the duty manager hears after 24 h → a compensation above the
 * frontline limit waits for a manager → resolution → a negative satisfaction check reopens → a positive one
 * closes, and the guest's workflow clears the at-risk flag; the guest's marketing stays paused until the case is
 * closed. And an in-stay report at 10:00 local escalates at the end of the local day unless resolved that day.
 *
 * Until the guest's workflow starts the child on `case.opened` itself, `ensureCase` starts it the same way
 * (same workflow ID; whichever comes second finds it running).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createActivities } from '../activities/index.js';
import { HttpError } from '../api/errors.js';
import { openCase, submitCaseRequest, type CaseStaffRequest } from '../api/cases/service.js';
import * as cases from '../db/repositories/cases.js';
import * as guests from '../db/repositories/guests.js';
import * as mailPlan from '../db/repositories/mail-plan.js';
import { guestWorkflowId } from '../domain/ids.js';
import type { GuestMessage } from '../domain/messages.js';
import { countRows, eventually, openStack, workerPerTest, sampleStay, type Stack } from '../test/helpers.js';
import { HISTORIES_DIR } from '../test/histories.js';
import { caseStateQuery } from '../contracts/case.js';
import { caseWorkflowId } from '../domain/ids.js';
import { guestMessageSignal, stateQuery } from '../contracts/guest.js';
import type { CaseStepResult } from '../contracts/case.js';
import type { GuestStateView } from '../contracts/guest.js';

vi.setConfig({ testTimeout: 120_000 });

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZONE = 'Asia/Shanghai';

let env: TestWorkflowEnvironment;
let stack: Stack;
let taskQueue: string;
let property: string;
const DUTY = 'duty.manager@bund.hotel.example';
const GM = 'general.manager@bund.hotel.example';

beforeAll(async () => {
  stack = await openStack();
  property = `SR-${randomUUID().slice(0, 8)}`;
  await cases.upsertPropertySettings(stack.db, {
    property_code: property,
    name: 'The Bund Shanghai',
    timezone: ZONE,
    duty_manager_email: DUTY,
    general_manager_email: GM,
  });
});
afterAll(async () => {
  await stack?.close();
});
workerPerTest(
  'cases',
  () => stack.deps,
  (test) => ({ env, taskQueue } = test),
);

const iso = (ms: number) => new Date(ms).toISOString();
const now = async () => env.currentTimeMs();
const deps = () => ({ db: stack.db, temporal: env.client, taskQueue });

async function advance(ms: number, step = 6 * HOUR) {
  for (let left = ms; left > 0; left -= step) await env.sleep(Math.min(step, left));
}

/** Skips to the next `hour`:00 in Shanghai. */
async function advanceToLocal(hour: number) {
  const t = DateTime.fromMillis(await now(), { zone: ZONE });
  let target = t.set({ hour, minute: 0, second: 0, millisecond: 0 });
  if (target <= t) target = target.plus({ days: 1 });
  await advance(target.toMillis() - t.toMillis());
}

async function guest() {
  const { profile } = sampleStay({ guest: { timezone: ZONE } });
  const row = (await guests.insertIfAbsent(stack.db, { source: 'pms', profile, asOf: new Date() }))!;
  await stack
    .db('guests')
    .where({ id: row.id })
    .update({
      marketing_consent: true,
      stage: 'member',
      enrolled_at: new Date(),
      member_number: `M${Date.now()}`,
    });
  return { id: row.id, email: profile.email, profile };
}

async function signal(guestId: string, message: GuestMessage) {
  await env.client.workflow.signalWithStart('guestLifecycle', {
    workflowId: guestWorkflowId(guestId),
    taskQueue,
    args: [{ guestId }],
    signal: guestMessageSignal,
    signalArgs: [message],
  });
}

/** What the guest's workflow does on `case.opened` once wired: the child, started once. */
async function ensureCase(guestId: string, caseId: string) {
  try {
    await env.client.workflow.start('serviceRecovery', {
      workflowId: caseWorkflowId(guestId, caseId),
      taskQueue,
      args: [{ guestId, guestWorkflowId: guestWorkflowId(guestId), caseId }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

async function request(caseId: string, actor: string, req: CaseStaffRequest, requestId = randomUUID()) {
  return (await submitCaseRequest(deps(), { caseId, requestId, actor, request: req })).result;
}

/** The HttpError a refused request answers with, and proof that it wrote nothing. */
async function refusal(caseId: string, actor: string, req: CaseStaffRequest): Promise<HttpError> {
  const requestId = randomUUID();
  const err = await submitCaseRequest(deps(), { caseId, requestId, actor, request: req }).catch(
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  expect(await countRows(stack.db, 'case_requests', { id: requestId })).toBe(0);
  return err as HttpError;
}

const caseRow = async (id: string) => (await cases.findCase(stack.db, id))!;
const mailsTo = (address: string) => stack.sink.messages().filter((m) => m.to.includes(address));
const outboxOf = async (guestId: string) =>
  (await stack.db('mail_outbox').where({ guest_id: guestId }).orderBy('id')) as {
    template: string;
    status: string;
    to_address: string;
    audience: string;
  }[];
const sentTemplates = async (guestId: string) =>
  (await outboxOf(guestId)).filter((m) => m.status === 'sent').map((m) => m.template);
/** What pauses the guest's marketing: cases not yet closed (open, reopened, or resolved awaiting the check). */
const openCasesOf = (guestId: string) => mailPlan.openServiceCases(stack.db, guestId);

async function guestState(guestId: string): Promise<GuestStateView> {
  return env.client.workflow.getHandle(guestWorkflowId(guestId)).query(stateQuery);
}

/** Ends a workflow once no activity of it is in flight (the time-skipping server locks time for one). */
async function finish(workflowId: string) {
  const handle = env.client.workflow.getHandle(workflowId);
  await eventually(async () => {
    const d = await handle.describe();
    return (d.raw.pendingActivities?.length ?? 0) === 0 ? true : undefined;
  });
  if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('test done');
}

async function record(name: string, workflowId: string) {
  if (!process.env.RECORD_HISTORIES) return;
  await mkdir(HISTORIES_DIR, { recursive: true });
  const handle = env.client.workflow.getHandle(workflowId);
  const type = (await handle.describe()).type;
  await writeFile(
    path.join(HISTORIES_DIR, `${name}.${type}.json`),
    historyToJSON(await handle.fetchHistory()),
  );
}

describe('service recovery', () => {
  it('score 2 → case → ack within 1 h → duty manager after 24 h → compensation above the limit waits for approval → resolution → negative check reopens → positive check closes; marketing paused while open', async () => {
    const g = await guest();
    await advanceToLocal(9);
    // A stay at the property (checked out an hour ago), then a survey score of 2.
    const out = (await now()) - HOUR;
    const stay = sampleStay({
      occurredAt: iso(out),
      guest: g.profile,
      stay: {
        propertyCode: property,
        arrival: iso(out - 2 * DAY).slice(0, 10),
        departure: iso(out).slice(0, 10),
      },
    }).message;
    await signal(g.id, stay);
    await eventually(async () => (await countRows(stack.db, 'stays', { guest_id: g.id })) === 1 || undefined);
    await advanceToLocal(10);
    const openedAt = await now();

    // What the guest's workflow does with a low score: the case (once per stay), `case.opened`, the child.
    const acts = createActivities({ ...stack.deps, temporal: env.client, taskQueue });
    const low = {
      guestId: g.id,
      guestWorkflowId: guestWorkflowId(g.id),
      stayId: stay.stay.pmsStayId,
      score: 2,
      now: iso(openedAt),
    };
    const opened = await acts.openSurveyCase(low);
    expect(opened.created).toBe(true);
    expect(await acts.openSurveyCase(low)).toEqual({ ...opened, created: false, closed: false });
    const caseId = opened.caseId;
    const workflowId = caseWorkflowId(g.id, caseId);
    expect(opened.workflowId).toBe(workflowId);
    await signal(g.id, {
      type: 'case.opened',
      eventId: `case:${caseId}:opened`,
      source: 'workflow',
      occurredAt: iso(openedAt),
      caseId,
    });
    await ensureCase(g.id, caseId);
    expect(await caseRow(caseId)).toMatchObject({
      source: 'survey',
      survey_score: 2,
      priority: 'high',
      property_code: property,
      status: 'open',
    });

    // Acknowledged within the hour (workflow time), the guest at risk, marketing paused (an open row).
    await eventually(async () => (await caseRow(caseId)).acknowledged_at ?? undefined);
    const acked = await caseRow(caseId);
    expect(acked.acknowledged_at!.getTime() - openedAt).toBeLessThan(HOUR);
    expect(await sentTemplates(g.id)).toContain('case-acknowledgement');
    const ack = mailsTo(g.email).find((m) => m.subject.includes('We have received your feedback'));
    expect(ack?.text).toContain('The Bund Shanghai');
    await eventually(async () => ((await guestState(g.id)).stage === 'at_risk' ? true : undefined));
    expect((await guestState(g.id)).riskFlags).toContain(`case:${caseId}`);
    expect(await openCasesOf(g.id)).toBe(1);

    // 23 hours later nobody has been bothered; at 24 hours the duty manager is.
    await advance(23 * HOUR);
    expect(mailsTo(DUTY)).toHaveLength(0);
    expect((await caseRow(caseId)).sla_state).toBe('on_track');
    await advance(2 * HOUR);
    await eventually(() => (mailsTo(DUTY).length === 1 ? true : undefined));
    const escalation = mailsTo(DUTY)[0]!;
    expect(escalation.subject).toContain('now with the duty manager');
    expect(escalation.text).toContain(`${g.profile.firstName} ${g.profile.lastName}`);
    expect(escalation.text).toContain('24 hours after it was opened');
    const escalated = await caseRow(caseId);
    expect(escalated.sla_state).toBe('duty_manager');
    expect(escalated.escalated_at!.getTime() - openedAt).toBeGreaterThanOrEqual(DAY);
    expect(escalated.escalated_at!.getTime() - openedAt).toBeLessThan(DAY + 60_000);
    expect((await outboxOf(g.id)).find((m) => m.template === 'case-escalation-duty-manager')).toMatchObject({
      audience: 'staff',
      to_address: DUTY,
      status: 'sent',
    });
    expect(mailsTo(GM)).toHaveLength(0);
    expect(await countRows(stack.db, 'service_cases', { id: caseId, sla_state: 'duty_manager' })).toBe(1);

    // A refund within the frontline limit (2,000 USD) is granted at once; points worth 2,500 USD wait.
    await request(caseId, 'Li Na (guest relations)', {
      kind: 'assign',
      body: { assignee: 'Chen Jie', department: 'housekeeping' },
    });
    await request(caseId, 'Li Na (guest relations)', {
      kind: 'note',
      body: { text: 'Called the guest.\nRoom 1208 was noisy.' },
    });
    const refund = await request(caseId, 'Li Na (guest relations)', {
      kind: 'compensation',
      body: { kind: 'refund', amount: '150.00', currency: 'USD' },
    });
    expect(refund.compensation).toMatchObject({ status: 'granted', valueCents: 15000, ledgerId: null });
    const points: CaseStepResult = await request(caseId, 'Li Na (guest relations)', {
      kind: 'compensation',
      body: { kind: 'points', amount: '2500.00', currency: 'USD', points: 25000 },
    });
    expect(points.compensation).toMatchObject({
      status: 'awaiting_approval',
      valueCents: 250000,
      ledgerId: null,
    });
    const compensationId = points.compensation!.compensationId;
    expect(await countRows(stack.db, 'points_ledger', { guest_id: g.id, reason: 'compensation' })).toBe(0);
    // Refused, writing nothing: above what a manager may approve (20,000 USD), resolving while it waits,
    // approving what is not waiting, a satisfaction answer before any resolution.
    expect(
      (
        await refusal(caseId, 'Li Na (guest relations)', {
          kind: 'compensation',
          body: { kind: 'refund', amount: '25000.00', currency: 'USD' },
        })
      ).code,
    ).toBe('above_manager_limit');
    expect(
      (
        await refusal(caseId, 'Li Na (guest relations)', {
          kind: 'resolve',
          body: { resolution: 'Moved rooms.' },
        })
      ).code,
    ).toBe('compensation_awaiting_approval');
    expect(
      (
        await refusal(caseId, 'Wang Fang (duty manager)', {
          kind: 'approval',
          compensationId: randomUUID(),
          body: {},
        })
      ).code,
    ).toBe('compensation_not_found');
    // The refund was granted at once: nothing to approve (the workflow's validator).
    expect(
      (
        await refusal(caseId, 'Wang Fang (duty manager)', {
          kind: 'approval',
          compensationId: refund.compensation!.compensationId,
          body: {},
        })
      ).code,
    ).toBe('compensation_not_pending');
    expect((await refusal(caseId, 'guest', { kind: 'satisfaction', body: { satisfied: true } })).code).toBe(
      'not_awaiting_satisfaction',
    );
    const approved = await request(caseId, 'Wang Fang (duty manager)', {
      kind: 'approval',
      compensationId,
      body: { note: 'Long-standing guest.' },
    });
    expect(approved.compensation).toMatchObject({ compensationId, status: 'granted' });
    const ledger = await stack.db('points_ledger').where({ guest_id: g.id, reason: 'compensation' });
    expect(ledger).toMatchObject([
      { points: 25000, source: 'compensation', id: approved.compensation!.ledgerId },
    ]);
    expect(await cases.findCompensation(stack.db, compensationId)).toMatchObject({
      status: 'granted',
      approved_by: 'Wang Fang (duty manager)',
      requested_by: 'Li Na (guest relations)',
    });

    // Resolved the day after it was opened: cost bucket 10.
    const resolved = await request(caseId, 'Chen Jie', {
      kind: 'resolve',
      body: { resolution: 'Moved the guest to a quiet room and fixed the door.', cause: 'equipment_failure' },
    });
    expect(resolved).toMatchObject({ status: 'resolved', costBucket: 'next_day' });
    await eventually(async () =>
      (await sentTemplates(g.id)).includes('case-resolution') ? true : undefined,
    );
    const resolution = mailsTo(g.email).find((m) => m.subject.includes('has been resolved'))!;
    expect(resolution.text).toContain('25000 points');
    expect(resolution.text).toContain('150.00 USD');
    // Resolved, not yet closed: marketing stays paused until the guest's satisfaction check says so.
    expect(await openCasesOf(g.id)).toBe(1);

    // 3 days later the satisfaction check; the guest is not satisfied: reopened.
    await advance(2 * DAY);
    expect(await sentTemplates(g.id)).not.toContain('case-satisfaction-check');
    await advance(DAY + HOUR);
    await eventually(async () =>
      (await sentTemplates(g.id)).includes('case-satisfaction-check') ? true : undefined,
    );
    expect((await caseRow(caseId)).satisfaction_asked_at).not.toBeNull();
    const no = await request(caseId, 'guest (phone)', {
      kind: 'satisfaction',
      body: { satisfied: false, comment: 'Still hear the lift at night.' },
    });
    expect(no.status).toBe('open');
    expect(await caseRow(caseId)).toMatchObject({ status: 'open', reopened: 1, satisfied: false });
    expect(await openCasesOf(g.id)).toBe(1);
    expect((await guestState(g.id)).stage).toBe('at_risk');

    // Solved again; the second check 3 days later is answered positively: closed, the parent told.
    await request(caseId, 'Chen Jie', {
      kind: 'resolve',
      body: { resolution: 'Quiet room away from the lift.' },
    });
    await eventually(async () =>
      (await sentTemplates(g.id)).filter((t) => t === 'case-resolution').length === 2 ? true : undefined,
    );
    await advance(3 * DAY + HOUR);
    await eventually(async () =>
      (await sentTemplates(g.id)).filter((t) => t === 'case-satisfaction-check').length === 2
        ? true
        : undefined,
    );
    const yes = await request(caseId, 'guest (phone)', { kind: 'satisfaction', body: { satisfied: true } });
    expect(yes.status).toBe('closed');
    const result: unknown = await env.client.workflow.getHandle(workflowId).result();
    expect(result).toEqual({ caseId, status: 'closed', resolutions: 2, reopened: 1 });
    expect(await caseRow(caseId)).toMatchObject({
      status: 'closed',
      satisfied: true,
      resolutions: 2,
      reopened: 1,
      cost_bucket: 'later',
      sla_state: 'duty_manager',
    });
    expect(await openCasesOf(g.id)).toBe(0);
    await eventually(async () => {
      const s = await guestState(g.id);
      return s.stage !== 'at_risk' && !s.riskFlags.includes(`case:${caseId}`) ? s : undefined;
    });
    // Nothing can be added to a closed case.
    expect(
      (await refusal(caseId, 'Li Na (guest relations)', { kind: 'note', body: { text: 'late' } })).code,
    ).toBe('case_closed');

    // A second low answer to the same survey (the link still alive): the stay's case is closed, so no flag that
    // nothing would clear, and no new case; the guest is not put back at risk.
    expect(await acts.openSurveyCase({ ...low, score: 1 })).toMatchObject({ caseId, closed: true });
    const handledBefore = (await guestState(g.id)).eventsHandled;
    await signal(g.id, {
      type: 'survey.answered',
      eventId: `survey:${stay.stay.pmsStayId}:2`,
      source: 'guest',
      occurredAt: iso(await env.currentTimeMs()),
      stayId: stay.stay.pmsStayId,
      score: 1,
      wouldReturn: 'no',
    });
    const after = await eventually(async () => {
      const st = await guestState(g.id);
      return st.eventsHandled > handledBefore ? st : undefined;
    });
    expect(after.riskFlags).toEqual([]);
    expect(after.stage).not.toBe('at_risk');
    expect(await stack.db('service_cases').where({ guest_id: g.id })).toHaveLength(1);

    // Every step audited, staff steps with the key's name.
    const trail = (await cases.auditTrail(stack.db, caseId)).map((a) => `${a.action}:${a.actor}`);
    expect(trail).toEqual([
      'case.opened:workflow',
      'case.acknowledged:workflow',
      'case.escalated:workflow',
      'case.assigned:Li Na (guest relations)',
      'case.note_added:Li Na (guest relations)',
      'case.compensation_granted:Li Na (guest relations)',
      'case.compensation_requested:Li Na (guest relations)',
      'case.compensation_approved:Wang Fang (duty manager)',
      'case.resolved:Chen Jie',
      'case.satisfaction_asked:workflow',
      'case.reopened:guest (phone)',
      'case.resolved:Chen Jie',
      'case.satisfaction_asked:workflow',
      'case.closed:guest (phone)',
    ]);

    // No personal data or free text in the case's history.
    const history = JSON.stringify(
      historyToJSON(await env.client.workflow.getHandle(workflowId).fetchHistory()),
    );
    for (const secret of [
      g.email,
      g.profile.lastName,
      'Room 1208',
      'quiet room',
      'lift',
      'Chen Jie',
      'Long-standing',
    ])
      expect(history).not.toContain(secret);

    await record('closed-after-reopening', workflowId);
    await finish(guestWorkflowId(g.id));
  });

  it('in-stay report at 10:00 → escalation at the local end of the day if unresolved; one resolved at 15:00 is a same-day case', async () => {
    const g = await guest();
    await advanceToLocal(10);
    const open = async () => {
      const caseId = randomUUID();
      const at = await now();
      // The API's clock is the test server's, skipped ahead of the wall clock.
      await openCase(
        { ...deps(), nowSeconds: () => Math.floor(at / 1000) },
        {
          requestId: caseId,
          actor: 'Front desk (ops)',
          body: {
            guestId: g.id,
            source: 'in_stay',
            category: 'facilities',
            priority: 'high',
            propertyCode: property,
            department: 'engineering',
            receivedBy: 'Zhao Lei',
            description: 'The air conditioning in room 905 does not work.',
            occurredAt: iso(at),
          },
        },
      );
      await ensureCase(g.id, caseId);
      return caseId;
    };
    const unresolved = await open();
    const solved = await open();
    await eventually(async () => ((await caseRow(unresolved)).acknowledged_at ? true : undefined));

    // 15:00: one of them is solved, the same day.
    await advance(5 * HOUR);
    const r = await request(solved, 'Zhao Lei', {
      kind: 'resolve',
      body: { resolution: 'Replaced the unit.' },
    });
    expect(r).toMatchObject({ status: 'resolved', costBucket: 'same_day' });

    // 23:50 local: nobody escalated yet.
    await advance(8 * HOUR + 50 * 60_000, HOUR);
    expect(
      mailsTo(DUTY).filter((m) => m.subject.includes(unresolved.slice(0, 8).toUpperCase())),
    ).toHaveLength(0);
    expect((await caseRow(unresolved)).sla_state).toBe('on_track');

    // Past midnight: the unresolved one went to the duty manager at the end of the local day.
    await advance(15 * 60_000);
    const ref = `C-${unresolved.replace(/-/g, '').slice(0, 8).toUpperCase()}`;
    const mail = await eventually(() => mailsTo(DUTY).find((m) => m.subject.includes(ref)));
    expect(mail.text).toContain('still unresolved at the end of the day');
    const row = await caseRow(unresolved);
    expect(row.sla_state).toBe('duty_manager');
    expect(DateTime.fromJSDate(row.escalated_at!, { zone: ZONE }).toFormat('HH:mm')).toBe('23:59');
    expect(DateTime.fromJSDate(row.escalated_at!, { zone: ZONE }).toISODate()).toBe(
      DateTime.fromJSDate(row.opened_at, { zone: ZONE }).toISODate(),
    );
    // The solved one escalated nobody.
    const solvedRef = `C-${solved.replace(/-/g, '').slice(0, 8).toUpperCase()}`;
    expect(
      stack.sink.messages().filter((m) => m.subject.includes(solvedRef) && m.subject.includes('[')),
    ).toHaveLength(0);
    expect((await caseRow(solved)).sla_state).toBe('on_track');
    // The live state shows the next deadline: the general manager, 72 h after opening.
    const state = await env.client.workflow.getHandle(caseWorkflowId(g.id, unresolved)).query(caseStateQuery);
    expect(state).toMatchObject({
      status: 'open',
      slaState: 'duty_manager',
      nextDeadline: { kind: 'generalManager' },
    });
    expect(Date.parse(state.nextDeadline!.at) - row.opened_at.getTime()).toBe(72 * HOUR);

    for (const id of [unresolved, solved]) await finish(caseWorkflowId(g.id, id));
    await finish(guestWorkflowId(g.id));
  });

  it('answers a complaint at once at night, and holds its resolution decided at 23:00 for 09:00 local (the send window)', async () => {
    const g = await guest();
    await advanceToLocal(22);
    const caseId = randomUUID();
    const at = await now();
    await openCase(
      { ...deps(), nowSeconds: () => Math.floor(at / 1000) },
      {
        requestId: caseId,
        actor: 'Night manager (ops)',
        body: {
          guestId: g.id,
          source: 'in_stay',
          category: 'other',
          priority: 'normal',
          propertyCode: property,
          department: 'front_office',
          receivedBy: 'Zhao Lei',
          description: 'A party next door.',
          occurredAt: iso(at),
        },
      },
    );
    await ensureCase(g.id, caseId);
    // The acknowledgement answers the guest's own complaint: at once, at 22:00.
    await eventually(async () => ((await caseRow(caseId)).acknowledged_at ? true : undefined));
    const localOf = (d: Date) => DateTime.fromJSDate(d, { zone: ZONE }).toFormat('HH:mm');
    const ack = (await stack
      .db('mail_outbox')
      .where({ guest_id: g.id, template: 'case-acknowledgement' })
      .first()) as { status: string; send_at: Date | null };
    expect(ack.status).toBe('sent');

    await advance(HOUR);
    const r = await request(caseId, 'Zhao Lei', {
      kind: 'resolve',
      body: { resolution: 'Moved the guest to a quiet room.' },
    });
    expect(r).toMatchObject({ status: 'resolved' });
    const resolution = await eventually(
      async () =>
        (await stack.db('mail_outbox').where({ guest_id: g.id, template: 'case-resolution' }).first()) as
          { status: string; send_at: Date; message_id: string } | undefined,
    );
    expect(resolution.status).toBe('pending');
    expect(localOf(resolution.send_at)).toBe('09:00');
    // 08:50 local: still held.
    await advance(resolution.send_at.getTime() - (await now()) - 10 * 60_000, HOUR);
    expect(mailsTo(g.email).filter((m) => m.subject.includes('has been resolved'))).toHaveLength(0);
    await advance(20 * 60_000);
    const sent = await eventually(() =>
      mailsTo(g.email).find((m) => m.subject.includes('has been resolved')),
    );
    expect(sent.messageId).toBe(resolution.message_id);
    await finish(caseWorkflowId(g.id, caseId));
  });
});
