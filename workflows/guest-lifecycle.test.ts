/**
 * The guest's workflow on the time-skipping test server, with the real
 * activities against PostgreSQL and a real SMTP sink.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultInjector, FaultPoint } from '../activities/faults.js';
import type { Activities } from '../activities/index.js';
import * as guests from '../db/repositories/guests.js';
import type { OutboxRow } from '../db/repositories/outbox.js';
import * as pmsEvents from '../db/repositories/pms-events.js';
import type { StayRow } from '../db/repositories/stays.js';
import { followUpWorkflowId, guestWorkflowId } from '../domain/ids.js';
import type { GuestMessage } from '../domain/messages.js';
import {
  countRows,
  createTestWorker,
  endFollowUps,
  eventually,
  openStack,
  ownTimeSkippingEnv,
  sampleStay,
  sentMail,
  uniqueTaskQueue,
  type Stack,
  zoneWhereNowIs,
} from '../test/helpers.js';
import { HISTORIES_DIR } from '../test/histories.js';
import { followUpStateQuery } from '../contracts/follow-up.js';
import {
  GUEST_STAGE,
  GUEST_TIER,
  LAST_PROPERTY,
  OPEN_CASES,
  guestMessageSignal,
  redeemPointsUpdate,
  stateQuery,
} from '../contracts/guest.js';
import type { GuestLifecycleInput } from '../contracts/guest.js';

/** Throws once at each listed point, then lets every later call through. Records what it did. */
function failOnceAt(...points: FaultPoint[]): FaultInjector & { fired: FaultPoint[] } {
  const remaining = new Set(points);
  const fired: FaultPoint[] = [];
  const inject = (point: FaultPoint) => {
    if (remaining.delete(point)) {
      fired.push(point);
      throw new Error(`injected fault at ${point}`);
    }
  };
  return Object.assign(inject, { fired });
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await ownTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

type Stay = ReturnType<typeof sampleStay>;

/** Records the guest and the PMS event rows (as the API does); returns the guest's id. */
async function recordIntake(stack: Stack, stays: Stay[]): Promise<string> {
  const first = stays[0]!;
  const guest =
    (await guests.insertIfAbsent(stack.db, {
      source: 'pms',
      profile: first.profile,
      asOf: new Date(first.message.occurredAt),
    })) ??
    (await stack
      .db<guests.GuestRow>('guests')
      .where({ source: 'pms', pms_profile_id: first.profile.pmsProfileId })
      .first())!;
  for (const s of stays) {
    await pmsEvents.insertIfAbsent(stack.db, {
      id: s.message.eventId,
      type: 'stay.completed',
      occurredAt: new Date(s.message.occurredAt),
      payloadHash: s.message.eventId,
      payload: s.body,
      guestId: guest.id,
      workflowId: guestWorkflowId(guest.id),
    });
  }
  return guest.id;
}

async function signal(
  workflowId: string,
  taskQueue: string,
  guestId: string,
  message: GuestMessage,
  maxEventsPerRun?: number,
) {
  await env.client.workflow.signalWithStart('guestLifecycle', {
    workflowId,
    taskQueue,
    args: [{ guestId, maxEventsPerRun } satisfies GuestLifecycleInput],
    signal: guestMessageSignal,
    signalArgs: [message],
  });
}

/** Records the guest and its events (as the API does), then hands the messages to the guest's workflow. */
async function run(
  stack: Stack,
  stays: Stay[],
  body: (ctx: { guestId: string; workflowId: string; taskQueue: string }) => Promise<void>,
  opts: {
    faults?: FaultInjector;
    /** Wraps the real activities (createTestWorker). */
    wrap?: Parameters<typeof createTestWorker>[3];
    maxEventsPerRun?: number;
    recordAs?: string;
    messages?: GuestMessage[];
    /** Runs after the messages are signalled, before the worker polls (what the first activation sees). */
    beforeWorker?: (ctx: { guestId: string; workflowId: string }) => void;
  } = {},
) {
  const guestId = await recordIntake(stack, stays);
  const taskQueue = uniqueTaskQueue('guest');
  const worker = await createTestWorker(
    env,
    taskQueue,
    opts.faults ? { ...stack.deps, faults: opts.faults } : stack.deps,
    opts.wrap,
  );
  const workflowId = guestWorkflowId(guestId);
  // Every message is in the workflow's history before the worker first runs it: what a run
  // sees at once does not depend on timing.
  for (const message of opts.messages ?? stays.map((s) => s.message)) {
    await signal(workflowId, taskQueue, guestId, message, opts.maxEventsPerRun);
  }
  opts.beforeWorker?.({ guestId, workflowId });
  await worker.runUntil(async () => {
    await body({ guestId, workflowId, taskQueue });
    if (opts.recordAs) await recordHistories(stack, opts.recordAs, guestId, workflowId);
    // The follow-ups first: one that closes after its parent's run has closed leaves the time-skipping test
    // server's clock locked for every test after it.
    await endFollowUps(env, stack.db, guestId);
    await env.client.workflow.getHandle(workflowId).terminate('test done');
  });
  return guestId;
}

/**
 * With RECORD_HISTORIES=1 (`npm run record:histories`), keeps the scenario's
 * histories as replay fixtures: the guest's workflow and its first follow-up, and the guest's previous run
 * when the latest one was continued from it (`<name>-previous-run.guestLifecycle.json`, which ends in the
 * continue-as-new: its replay checks the decision to continue).
 */
async function recordHistories(stack: Stack, name: string, guestId: string, workflowId: string) {
  if (!process.env.RECORD_HISTORIES) return;
  await mkdir(HISTORIES_DIR, { recursive: true });
  const stay = await stack.db<StayRow>('stays').where({ guest_id: guestId }).orderBy('created_at').first();
  const ids = [workflowId, ...(stay ? [followUpWorkflowId(guestId, stay.id)] : [])];
  for (const id of ids) {
    const handle = env.client.workflow.getHandle(id);
    const type = (await handle.describe()).type;
    const history = await handle.fetchHistory();
    await writeFile(path.join(HISTORIES_DIR, `${name}.${type}.json`), historyToJSON(history));
    const previousRunId =
      history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (previousRunId)
      await writeFile(
        path.join(HISTORIES_DIR, `${name}-previous-run.${type}.json`),
        historyToJSON(await env.client.workflow.getHandle(id, previousRunId).fetchHistory()),
      );
  }
}

async function stateOf(workflowId: string) {
  // A query can be lost when it races a continue-as-new on the test server: bound each one.
  return env.client.withDeadline(Date.now() + 2000, () =>
    env.client.workflow.getHandle(workflowId).query(stateQuery),
  );
}

/** The workflow's state once it has handled `count` events. */
function stateAfter(workflowId: string, count: number) {
  return eventually(async () => {
    const s = await stateOf(workflowId).catch(() => undefined);
    return s?.eventsHandled === count ? s : undefined;
  });
}

/** ISO instant `ms` before the test server's clock, and the matching stay dates. */
async function checkOutAgo(ms: number, nights = 2) {
  const at = new Date((await env.currentTimeMs()) - ms);
  const departure = at.toISOString().slice(0, 10);
  const arrival = new Date(at.getTime() - nights * DAY).toISOString().slice(0, 10);
  return { occurredAt: at.toISOString(), stay: { arrival, departure, nights } };
}

/** Thank-you mails received for `address` (the lifecycle sends others too: welcome, upgrades…). */
function mailsTo(stack: Stack, address: string) {
  return stack.sink
    .messages()
    .filter((m) => m.to.includes(address) && m.headers['x-outbox-key']?.includes('stay-thank-you'));
}

const thankYouTo = (address: string) => (m: { to: string[]; headers: Record<string, string> }) =>
  m.to.includes(address) && (m.headers['x-outbox-key'] ?? '').includes('stay-thank-you');

/**
 * `count` one-night stays on consecutive days in the test server's current year, the last yesterday (or, in
 * the first days of January, the first on 1 January), so that yearly measures and the at-risk clock agree.
 */
async function staysThisYear(count: number, opts: { nights?: number; roomRevenue?: string } = {}) {
  const now = await env.currentTimeMs();
  const nights = opts.nights ?? 1;
  const jan1 = Date.UTC(new Date(now).getUTCFullYear(), 0, 1);
  let lastDeparture = now - DAY - ((now - DAY) % DAY);
  const firstArrival = lastDeparture - count * nights * DAY;
  if (firstArrival < jan1) lastDeparture = jan1 + count * nights * DAY;
  return Array.from({ length: count }, (_, i) => {
    const departure = lastDeparture - (count - 1 - i) * nights * DAY;
    const d = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    return {
      occurredAt: new Date(departure + 10 * HOUR).toISOString(),
      stay: {
        arrival: d(departure - nights * DAY),
        departure: d(departure),
        nights,
        roomRevenue: opts.roomRevenue ?? '100',
      },
    };
  });
}

describe('guestLifecycle', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await openStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('records the stay, posts base points, and thanks the guest two hours after check-out', async () => {
    const when = await checkOutAgo(0);
    const stay = sampleStay({ occurredAt: when.occurredAt, stay: { ...when.stay, roomRevenue: '1280.50' } });
    await run(
      stack,
      [stay],
      async ({ guestId, workflowId }) => {
        const state = await stateAfter(workflowId, 1);
        expect(state).toMatchObject({
          stage: 'member',
          tier: 'member',
          stays: 1,
          nights: 2,
          // 1280.50 CNY × 0.140845 USD/CNY × 10 points per USD = 1803.5 → 1803 (rules version 2).
          pointsBalance: 1803,
        });
        expect(state.lastStay).toMatchObject({
          pmsStayId: stay.message.stay.pmsStayId,
          propertyCode: 'SHA-BUND',
          nights: 2,
        });

        const stays = await stack.db<StayRow>('stays').where({ guest_id: guestId });
        expect(stays).toHaveLength(1);
        const ledger = await stack.db('points_ledger').where({ guest_id: guestId });
        expect(ledger).toMatchObject([
          { points: 1803, balance_after: 1803, reason: 'stay_base', stay_id: stays[0]!.id, rules_version: 2 },
        ]);
        const event = await pmsEvents.findById(stack.db, stay.message.eventId);
        expect(event?.handled_at).toBeInstanceOf(Date);

        await env.sleep(2 * HOUR - 5 * 60_000);
        expect(
          await countRows(stack.db, 'mail_outbox', { guest_id: guestId, template: 'stay-thank-you' }),
        ).toBe(0);
        expect(mailsTo(stack, stay.profile.email)).toHaveLength(0);

        await env.sleep(10 * 60_000);
        const [mail] = await stack.sink.waitFor(thankYouTo(stay.profile.email));
        expect(mail!.subject).toBe('Thank you for staying with us, Ada');
        expect(mail!.text).toContain(
          `SHA-BUND from ${when.stay.arrival} to ${when.stay.departure} (2 nights)`,
        );
        expect(mail!.text).toContain(
          'You earned 1803 points for this stay. Your balance is now 1803 points.',
        );
        expect(mail!.deliveries).toBe(1);
        const outbox = await sentMail(stack.db, { guest_id: guestId, template: 'stay-thank-you' });
        expect(outbox.message_id).toBe(mail!.messageId);
      },
      { recordAs: 'thank-you-after-delay' },
    );
  });

  it('sends at once when the check-out is already older than the delay, in the guest locale', async () => {
    const when = await checkOutAgo(3 * DAY, 1);
    const stay = sampleStay({
      occurredAt: when.occurredAt,
      guest: { locale: 'zh-CN', firstName: '伟', lastName: '王', email: 'wang.wei@guest.example' },
      stay: { ...when.stay, roomRevenue: '688' },
    });
    await run(stack, [stay], async () => {
      const [mail] = await stack.sink.waitFor(thankYouTo('wang.wei@guest.example'));
      expect(mail!.subject).toBe('王伟，感谢您的入住');
      // 688 CNY × 0.140845 × 10 = 969.0 → 969.
      expect(mail!.text).toContain('本次入住您获得 969 积分，当前积分余额为 969 分');
    });
  });

  it('does not thank for a stay that checked out more than 7 days ago: a suppressed row with the reason', async () => {
    const when = await checkOutAgo(8 * DAY);
    const stay = sampleStay({ occurredAt: when.occurredAt, stay: when.stay });
    await run(stack, [stay], async ({ guestId }) => {
      const row = await eventually(async () => {
        const r = await stack
          .db<OutboxRow>('mail_outbox')
          .where({ guest_id: guestId, template: 'stay-thank-you' })
          .first();
        return r?.status === 'suppressed' ? r : undefined;
      });
      expect(row.suppression_reason).toMatch(/^stay_too_old/);
      expect(row.template).toBe('stay-thank-you');
      expect(await countRows(stack.db, 'points_ledger', { guest_id: guestId })).toBe(1);
    });
    expect(mailsTo(stack, stay.profile.email)).toHaveLength(0);
  });

  it('handles a stay delivered twice (new event id) once: one stay row, one ledger entry, one mail', async () => {
    const stay = sampleStay(await checkOutAgo(DAY));
    const again = { ...stay.message, eventId: `${stay.message.eventId}-redelivered` };
    await run(
      stack,
      [stay],
      async ({ guestId, workflowId }) => {
        await stateAfter(workflowId, 2);
        await stack.sink.waitFor(thankYouTo(stay.profile.email));
        expect(await countRows(stack.db, 'stays', { guest_id: guestId })).toBe(1);
        expect(await countRows(stack.db, 'points_ledger', { guest_id: guestId })).toBe(1);
        expect(
          await countRows(stack.db, 'mail_outbox', { guest_id: guestId, template: 'stay-thank-you' }),
        ).toBe(1);
        expect((await stateOf(workflowId)).stays).toBe(1);
      },
      { recordAs: 'duplicate-stay', messages: [stay.message, again] },
    );
    const mails = mailsTo(stack, stay.profile.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.deliveries).toBe(1);
  });

  it('stays exactly-once when every write fails right after it and is retried, including between SMTP acceptance and the sent-mark', async () => {
    const faults = failOnceAt(
      'ledger.afterPost',
      'outbox.afterEnqueue',
      'mail.beforeMarkSent',
      'mail.afterSend',
    );
    const stay = sampleStay({ ...(await checkOutAgo(DAY)), guest: { email: 'retry@guest.example' } });
    await run(
      stack,
      [stay],
      async ({ guestId }) => {
        await stack.sink.waitFor(thankYouTo('retry@guest.example'));
        // The follow-up waits for its next step once the thank-you's last retry is done: any wrong re-send
        // has happened by then.
        const stayRow = await eventually(() =>
          stack.db<StayRow>('stays').where({ guest_id: guestId }).first(),
        );
        const followUp = env.client.workflow.getHandle(followUpWorkflowId(guestId, stayRow.id));
        await eventually(async () => {
          const s = await followUp.query(followUpStateQuery).catch(() => undefined);
          return s?.stepsDone.includes('thank-you') && s.waitingFor?.kind === 'due' ? s : undefined;
        });
        const outbox = await sentMail(stack.db, { guest_id: guestId, template: 'stay-thank-you' });
        // One SMTP conversation: the retry after the failed sent-mark learned from its heartbeat that the mail went.
        expect(outbox.attempts).toBe(1);
        expect(await countRows(stack.db, 'points_ledger', { guest_id: guestId })).toBe(1);
        expect(
          await countRows(stack.db, 'mail_outbox', { guest_id: guestId, template: 'stay-thank-you' }),
        ).toBe(1);
      },
      { faults },
    );
    expect(faults.fired).toEqual([
      'ledger.afterPost',
      'outbox.afterEnqueue',
      'mail.beforeMarkSent',
      'mail.afterSend',
    ]);
    const mails = mailsTo(stack, 'retry@guest.example');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.deliveries).toBe(1);
  });

  it('accumulates the balance over stays, makes a regular, and earns silver at four stays in a year', async () => {
    const profile = sampleStay().profile;
    const stays = (await staysThisYear(4)).map((w) => sampleStay({ ...w, guest: profile }));
    await run(
      stack,
      stays,
      async ({ workflowId, taskQueue, guestId }) => {
        const afterTwo = await stateAfter(workflowId, 2);
        // 100 CNY a stay: 140.8 → 140 points (rules version 2); Silver by the fourth stay, not by points.
        expect(afterTwo).toMatchObject({ stage: 'regular', tier: 'member', stays: 2, pointsBalance: 280 });
        for (const s of stays.slice(2)) await signal(workflowId, taskQueue, guestId, s.message);
        const afterFour = await stateAfter(workflowId, 4);
        expect(afterFour).toMatchObject({
          stage: 'regular',
          tier: 'silver',
          stays: 4,
          nights: 4,
          pointsBalance: 560,
        });
        const balances = (await stack.db('points_ledger').where({ guest_id: guestId }).orderBy('id')).map(
          (r: { balance_after: number }) => r.balance_after,
        );
        expect(balances).toEqual([140, 280, 420, 560]);
      },
      { recordAs: 'four-stays-silver', messages: stays.slice(0, 2).map((s) => s.message) },
    );
  });

  it('publishes stage, tier, last property and open cases as search attributes, and changes them with the guest', async () => {
    const profile = sampleStay().profile;
    const stays = (await staysThisYear(4)).map((w) => sampleStay({ ...w, guest: profile }));
    await run(stack, stays, async ({ workflowId }) => {
      await stateAfter(workflowId, 4);
      const attributes = async () =>
        (await env.client.workflow.getHandle(workflowId).describe()).typedSearchAttributes;
      const after = await eventually(async () => {
        const a = await attributes();
        return a.get(GUEST_TIER) === 'silver' ? a : undefined;
      });
      expect({
        stage: after.get(GUEST_STAGE),
        tier: after.get(GUEST_TIER),
        property: after.get(LAST_PROPERTY),
        openCases: after.get(OPEN_CASES),
      }).toEqual({
        stage: 'regular',
        tier: 'silver',
        property: stays[3]!.message.stay.propertyCode,
        openCases: 0,
      });
    });
  });

  it('pays no tier bonus for the stay that earned the tier, and mails the upgrade, also when that stay is applied again', async () => {
    const profile = sampleStay().profile;
    const stays = (await staysThisYear(4)).map((w) => sampleStay({ ...w, guest: profile }));
    // The fourth stay's transaction commits, then its activity fails: the retry finds the stay recorded. It must
    // read back what the first time did, not decide again with the tier that stay brought.
    let applied = 0;
    const faults: FaultInjector = (point) => {
      if (point === 'ledger.afterPost' && ++applied === 4) throw new Error('injected fault after the commit');
    };
    await run(
      stack,
      stays,
      async ({ workflowId, guestId }) => {
        expect(await stateAfter(workflowId, 4)).toMatchObject({
          tier: 'silver',
          stays: 4,
          pointsBalance: 560,
        });
        expect(applied).toBe(5);
        expect(await countRows(stack.db, 'points_ledger', { guest_id: guestId, reason: 'tier_bonus' })).toBe(
          0,
        );
        expect(await countRows(stack.db, 'tier_history', { guest_id: guestId, source: 'upgrade' })).toBe(1);
        const mail = await sentMail(stack.db, { guest_id: guestId, template: 'tier-upgrade' });
        expect(mail.subject).toMatch(/Silver/);
        expect(
          await countRows(stack.db, 'mail_outbox', { guest_id: guestId, template: 'tier-upgrade' }),
        ).toBe(1);
      },
      { faults },
    );
  });

  it('mails each upgrade with the tier it reached: Silver, then Gold, both decided before the first mail is written', async () => {
    // Where it is day: the upgrade mails wait for the send window (domain/mail-policy.ts MAIL_TIMING), not at issue here.
    const zone = await zoneWhereNowIs(env, 10, 18);
    const profile = { ...sampleStay().profile, timezone: zone };
    const [first, second] = await staysThisYear(2);
    // 25,000 base points reach Silver; 50,000 more (75,000 in the year) reach Gold. In US dollars: rules version 2
    // earns 10 base points per dollar (2500 CNY would earn 3521).
    const stays = [
      sampleStay({
        ...first!,
        guest: profile,
        stay: { ...first!.stay, roomRevenue: '2500', currency: 'USD' },
      }),
      sampleStay({
        ...second!,
        guest: profile,
        stay: { ...second!.stay, roomRevenue: '5000', currency: 'USD' },
      }),
    ];
    let guestId = '';
    // The storm: the Silver upgrade's mail is written only once the Gold upgrade is recorded (the real activity,
    // started late).
    const wrap = (acts: Activities) => ({
      ...acts,
      sendLifecycleMail: async (input: Parameters<Activities['sendLifecycleMail']>[0]) => {
        if (input.kind === 'tier-upgrade')
          await eventually(async () =>
            (await countRows(stack.db, 'tier_history', { guest_id: guestId, tier: 'gold' })) > 0
              ? true
              : undefined,
          );
        return acts.sendLifecycleMail(input);
      },
    });
    await run(
      stack,
      stays,
      async (ctx) => {
        guestId = ctx.guestId;
        expect(await stateAfter(ctx.workflowId, 2)).toMatchObject({ tier: 'gold', stays: 2 });
        const upgrades = await eventually(async () => {
          const rows = await stack
            .db<OutboxRow>('mail_outbox')
            .where({ guest_id: ctx.guestId, template: 'tier-upgrade' })
            .orderBy('id');
          return rows.length === 2 && rows.every((r) => r.status === 'sent') ? rows : undefined;
        });
        const byKey = Object.fromEntries(
          upgrades.map((r) => [r.idempotency_key.includes(':tier-upgrade:silver:') ? 'silver' : 'gold', r]),
        );
        expect(byKey.silver?.facts).toMatchObject({ tier: 'silver' });
        expect(byKey.gold?.facts).toMatchObject({ tier: 'gold' });
        const subjects = stack.sink
          .messages()
          .filter((m) => m.to.includes(profile.email) && m.subject.startsWith('Congratulations'))
          .map((m) => m.subject)
          .sort();
        expect(subjects).toEqual([
          `Congratulations, ${profile.firstName}: you are now Gold`,
          `Congratulations, ${profile.firstName}: you are now Silver`,
        ]);
        const silver = stack.sink.messages().find((m) => m.messageId === byKey.silver!.message_id);
        expect(silver!.subject).toMatch(/Silver$/);
        expect(silver!.text).toContain('you have reached Silver status');
      },
      { wrap },
    );
  });

  it('records a stay already filed under another guest as a rejection (lastError, pms_events) and goes on with the next event', async () => {
    const other = sampleStay(await checkOutAgo(DAY));
    await run(stack, [other], async ({ guestId }) => {
      await stack.sink.waitFor(thankYouTo(other.profile.email));
      expect(await countRows(stack.db, 'stays', { guest_id: guestId })).toBe(1);
    });
    const profile = sampleStay().profile;
    const clash = sampleStay({
      ...(await checkOutAgo(DAY)),
      guest: profile,
      stay: { pmsStayId: other.message.stay.pmsStayId },
    });
    const fine = sampleStay({ ...(await checkOutAgo(DAY)), guest: profile });
    await run(
      stack,
      [clash, fine],
      async ({ guestId, workflowId }) => {
        const state = await stateAfter(workflowId, 2);
        // The rejection stays on record after the next event is handled.
        expect(state).toMatchObject({ stays: 1, eventsRejected: 1 });
        expect(state.lastError).toMatchObject({ eventId: clash.message.eventId });
        expect(state.lastError!.reason).toMatch(/^StayOwnedByAnotherGuest: stay pms\/S-/);
        const rejected = await pmsEvents.findById(stack.db, clash.message.eventId);
        expect(rejected).toMatchObject({ handled_at: null });
        expect(rejected!.rejection_reason).toMatch(/^StayOwnedByAnotherGuest/);
        expect(rejected!.rejected_at).toBeInstanceOf(Date);
        expect((await pmsEvents.findById(stack.db, fine.message.eventId))!.handled_at).toBeInstanceOf(Date);
        expect(await countRows(stack.db, 'stays', { guest_id: guestId })).toBe(1);
        expect(await countRows(stack.db, 'points_ledger', { guest_id: guestId })).toBe(1);
      },
      { recordAs: 'rejected-stay' },
    );
  });

  it('turns an event the workflow cannot act on (an odd amount) into a recorded rejection, never a stuck workflow', async () => {
    const profile = sampleStay().profile;
    const odd = sampleStay({ ...(await checkOutAgo(DAY)), guest: profile });
    const bad = { ...odd.message, stay: { ...odd.message.stay, roomRevenue: '12.345' } };
    const fine = sampleStay({ ...(await checkOutAgo(DAY)), guest: profile });
    await run(
      stack,
      [odd, fine],
      async ({ guestId, workflowId }) => {
        const state = await stateAfter(workflowId, 2);
        expect(state).toMatchObject({ stays: 1, eventsRejected: 1 });
        expect(state.lastError).toMatchObject({
          eventId: odd.message.eventId,
          reason: 'stay.roomRevenue is not a money amount',
        });
        expect((await pmsEvents.findById(stack.db, odd.message.eventId))!.rejection_reason).toBe(
          'stay.roomRevenue is not a money amount',
        );
        expect(await countRows(stack.db, 'stays', { guest_id: guestId })).toBe(1);
        const described = await env.client.workflow.getHandle(workflowId).describe();
        expect(described.status.name).toBe('RUNNING');
      },
      { messages: [bad, fine.message] },
    );
  });

  it('marks a mail the server refuses (550) failed, once, without retrying forever', async () => {
    const stay = sampleStay({ ...(await checkOutAgo(DAY)), guest: { email: 'nobody@bounce.example' } });
    await run(
      stack,
      [stay],
      async ({ guestId }) => {
        const row = await eventually(async () => {
          const r = await stack.db<OutboxRow>('mail_outbox').where({ guest_id: guestId }).first();
          return r?.status === 'failed' ? r : undefined;
        });
        expect(row.attempts).toBe(1);
        expect(row.last_error).toMatch(/^EENVELOPE 550 RCPT TO/);
        expect(row.last_error).not.toContain('@');
        const stayRow = (await stack.db<StayRow>('stays').where({ guest_id: guestId }).first())!;
        const child = env.client.workflow.getHandle(followUpWorkflowId(guestId, stayRow.id));
        await expect(child.result()).rejects.toThrow();
        expect((await child.describe()).status.name).toBe('FAILED');
        expect(mailsTo(stack, 'nobody@bounce.example')).toHaveLength(0);
      },
      { recordAs: 'mail-refused' },
    );
  });

  it('continues as new after maxEventsPerRun events, carrying its state and unhandled events', async () => {
    const profile = sampleStay().profile;
    const stays = (await staysThisYear(3, { nights: 10, roomRevenue: '50' })).map((w) =>
      sampleStay({ ...w, guest: profile }),
    );
    await run(
      stack,
      stays,
      async ({ guestId, workflowId }) => {
        const state = await stateAfter(workflowId, 3);
        expect(state).toMatchObject({
          stays: 3,
          nights: 30,
          // 50 CNY a stay: 70 base points; Silver by the first stay's 10 nights, so the next two earn 20 % more:
          // 70 + 84 + 84.
          pointsBalance: 238,
          tier: 'silver',
          lastError: null,
        });
        // The running execution was continued from an earlier run of the same workflow ID, which ended so.
        const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
        const previousRunId =
          history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
        expect(previousRunId).toBeTruthy();
        const previous = await env.client.workflow.getHandle(workflowId, previousRunId!).describe();
        expect(previous.status.name).toBe('CONTINUED_AS_NEW');
        // The third event arrived before the first run ended and was carried into the next one.
        const started = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
        const carried = JSON.parse(Buffer.from(started!.data!).toString()) as GuestLifecycleInput;
        expect(carried.inbox?.map((e) => (e as GuestMessage).eventId)).toEqual([stays[2]!.message.eventId]);
        expect(carried.state).toMatchObject({ eventsHandled: 2, stays: 2 });
        expect(await countRows(stack.db, 'points_ledger', { guest_id: guestId, reason: 'stay_base' })).toBe(
          3,
        );
      },
      { maxEventsPerRun: 2, recordAs: 'continue-as-new' },
    );
  });

  it('answers a staff Update queued when the run continues as new, validated before a fresh run loaded the balance', async () => {
    const profile = sampleStay().profile;
    // USD 150 a stay: 1,500 points under rules version 2 (the story needs a first stay worth more than the
    // redemption; in CNY, 150 would be 211 points).
    const stays = (await staysThisYear(2, { roomRevenue: '150.00' })).map((w) =>
      sampleStay({ ...w, guest: profile, stay: { ...w.stay, currency: 'USD' } }),
    );
    let redeemed: Promise<unknown> | undefined;
    await run(
      stack,
      stays,
      async ({ guestId, workflowId }) => {
        // The first activation holds both stays and the redemption (validated while the fresh run's balance is
        // still unknown: not refused for a balance of 0). The run handles the first stay (1,500 points), and is
        // then due to continue as new (maxEventsPerRun 1) with the redemption waiting in its inbox: it answers
        // it first, then carries the second stay.
        expect(await redeemed).toMatchObject({ points: -1000, balanceAfter: 500 });
        const state = await eventually(async () => {
          const s = await stateOf(workflowId).catch(() => undefined);
          return s?.stays === 2 ? s : undefined;
        });
        expect(state).toMatchObject({ stays: 2, pointsBalance: 2000 });
        const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
        const previousRunId =
          history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
        expect(previousRunId).toBeTruthy();
        expect(await countRows(stack.db, 'points_ledger', { guest_id: guestId, reason: 'redemption' })).toBe(
          1,
        );
      },
      {
        maxEventsPerRun: 1,
        beforeWorker: ({ workflowId }) => {
          redeemed = env.client.workflow
            .getHandle(workflowId)
            .executeUpdate(redeemPointsUpdate, { args: [{ requestId: randomUUID(), points: 1000 }] });
          // Not awaited here: it is answered once the worker runs.
          redeemed.catch(() => undefined);
        },
      },
    );
  });

  /**
   * Four stays, the guest's run ended by `end`, then a fifth stay: the new run loads the guest from Postgres
   * (tier, stays, balance), not a blank prospect. The guest's id.
   */
  async function fifthStayAfterRunEnded(end: (workflowId: string) => Promise<void>): Promise<string> {
    const profile = sampleStay().profile;
    const stays = (await staysThisYear(5)).map((w) => sampleStay({ ...w, guest: profile }));
    let guest = '';
    await run(
      stack,
      stays,
      async ({ guestId, workflowId, taskQueue }) => {
        guest = guestId;
        await stateAfter(workflowId, 4);
        await end(workflowId);
        await signal(workflowId, taskQueue, guestId, stays[4]!.message);
        expect(await stateAfter(workflowId, 1)).toMatchObject({
          stage: 'regular',
          tier: 'silver',
          stays: 5,
          nights: 5,
          // 100 CNY a stay: 4 × 140, then the fifth as Silver: 140 + 28 tier bonus.
          pointsBalance: 728,
        });
      },
      { messages: stays.slice(0, 4).map((s) => s.message) },
    );
    return guest;
  }

  it('continues a guest whose run was cancelled from Postgres: the run ends, it does not wedge', async () => {
    const guestId = await fifthStayAfterRunEnded(async (workflowId) => {
      // An operator's cancel request: the run ends (cancelled), it does not wedge on a failing task. (Asked
      // with no activity in flight: the time-skipping server keeps time locked for an activity whose workflow
      // closed under it.)
      await eventually(async () => {
        const d = await env.client.workflow.getHandle(workflowId).describe();
        return (d.raw.pendingActivities?.length ?? 0) === 0 ? true : undefined;
      });
      await env.client.workflow.getHandle(workflowId).cancel();
      const status = async () => (await env.client.workflow.getHandle(workflowId).describe()).status.name;
      expect(await eventually(async () => ((await status()) === 'RUNNING' ? undefined : status()))).toBe(
        'CANCELLED',
      );
    });
    expect(await countRows(stack.db, 'stays', { guest_id: guestId })).toBe(5);
    expect(await countRows(stack.db, 'points_ledger', { guest_id: guestId, reason: 'stay_base' })).toBe(5);
  });

  it('continues a guest whose run was terminated from Postgres, not as a blank prospect', async () => {
    // The next event starts a new run (ALLOW_DUPLICATE), which loads the guest from Postgres.
    await fifthStayAfterRunEnded(async (workflowId) => {
      await env.client.workflow.getHandle(workflowId).terminate('operator error');
    });
  });
});
