/**
 * A campaign's fan-out on a time-skipping server of its own, with the real activities, Postgres and an SMTP sink:
 * guests in Shanghai and London get the mail at 10:00 on the campaign's day in their own zone (each group only
 * once its local time has come), the holdout gets nothing, the policy's suppressions are recorded with their
 * reason, and the count preview taken before the start matches what went; pause, resume and cancel as Updates
 * (a refused one says why); a mail accepted by the server whose attempt is lost before it is marked sent is
 * never sent again (at most once), and the recipient says so.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as campaigns from '../db/repositories/campaigns.js';
import * as guests from '../db/repositories/guests.js';
import {
  CAMPAIGN_WORKFLOW_TYPE,
  pauseCampaignUpdate,
  resumeCampaignUpdate,
  cancelCampaignUpdate,
  type CampaignInput,
  type CampaignResult,
} from '../contracts/campaign.js';
import { DELIVERY_UNKNOWN, HOLDOUT_ELIGIBLE, isHeldOut } from '../domain/campaigns.js';
import { campaignWorkflowId } from '../domain/ids.js';
import type { TierName } from '../domain/program.js';
import { previewCampaignCounts } from '../lib/campaigns.js';
import { openStack, workerPerTest, type Stack } from '../test/helpers.js';
import { sampleGuest } from '../test/pms-samples.js';
import { HISTORIES_DIR } from '../test/histories.js';
import type { FaultPoint } from '../activities/faults.js';

vi.setConfig({ testTimeout: 120_000 });

let env: TestWorkflowEnvironment;
let stack: Stack;
let taskQueue: string;
/** Guests whose first accepted campaign mail "loses" its attempt before the sent-mark (the fault test). */
const faultyGuests = new Set<string>();
let lastAccepted: string | null = null;

beforeAll(async () => {
  stack = await openStack({
    faults: (point: FaultPoint) => {
      if (point === 'campaign.afterAccept' && lastAccepted && faultyGuests.delete(lastAccepted))
        throw new Error('fault injected: the attempt is lost after the server accepted the mail');
    },
  });
});
afterAll(async () => {
  await stack?.close();
});
workerPerTest(
  'campaign',
  () => ({
    ...stack.deps,
    campaignTiming: { leaseSeconds: 1, strandedAfterSeconds: 1 },
    campaignConcurrency: 1,
  }),
  (test) => ({ env, taskQueue } = test),
);

interface Made {
  id: string;
  email: string;
  zone: string;
}

/** Guests of one tier (each test its own), in `zone`, consenting unless said otherwise. */
async function makeGuests(
  n: number,
  o: { tier: TierName; zone: string; consent?: boolean; tag: string },
): Promise<Made[]> {
  const made: Made[] = [];
  for (let i = 0; i < n; i++) {
    const email = `cmp-${o.tag}-${randomUUID().slice(0, 8)}@example.com`;
    const row = await guests.insertIfAbsent(stack.db, {
      source: 'pms',
      profile: sampleGuest({ firstName: `C${i}`, lastName: 'Campaign', locale: 'en', email }),
      asOf: new Date(),
    });
    await stack
      .db('guests')
      .where({ id: row!.id })
      .update({ tier: o.tier, timezone: o.zone, marketing_consent: o.consent ?? true });
    made.push({ id: row!.id, email, zone: o.zone });
  }
  return made;
}

async function draft(o: { tier: TierName; sendDate: string; sendTime: string; holdoutPercent: number }) {
  const id = `${o.sendDate.replaceAll('-', '')}-${randomUUID().slice(0, 6)}`;
  await campaigns.insertCampaign(stack.db, {
    id,
    name: 'Spring greeting',
    template: 'holiday-greeting',
    definition: { tiers: [o.tier] },
    segment_id: null,
    send_date: o.sendDate,
    send_time: o.sendTime,
    holdout_percent: o.holdoutPercent,
    uplift_days: 30,
    created_by: 'test',
  });
  return id;
}

async function start(id: string, nowMs: number, input: Partial<CampaignInput> = {}) {
  await campaigns.markStarted(stack.db, id, {
    startedBy: 'test',
    templateVersion: null,
    asOf: new Date(nowMs).toISOString().slice(0, 10),
  });
  return env.client.workflow.start(CAMPAIGN_WORKFLOW_TYPE, {
    workflowId: campaignWorkflowId(id),
    taskQueue,
    args: [{ campaignId: id, ...input } satisfies CampaignInput],
  });
}

/** With RECORD_HISTORIES=1 (`npm run record:histories`), keeps the run's history for workflows/replay.test.ts. */
async function record(name: string, id: string) {
  if (!process.env.RECORD_HISTORIES) return;
  await mkdir(HISTORIES_DIR, { recursive: true });
  const handle = env.client.workflow.getHandle(campaignWorkflowId(id));
  await writeFile(
    path.join(HISTORIES_DIR, `${name}.campaign.json`),
    historyToJSON(await handle.fetchHistory()),
  );
}

const mailsTo = (emails: string[]) =>
  stack.sink
    .messages()
    .filter((m) => m.to.some((t) => emails.includes(t)) && m.subject.includes('greetings'));

async function states(id: string): Promise<Record<string, string>> {
  const rows: { guest_id: string; state: string }[] = await stack
    .db('campaign_recipients')
    .where({ campaign_id: id })
    .select('guest_id', 'state');
  return Object.fromEntries(rows.map((r) => [r.guest_id, r.state]));
}

describe('a campaign at a local time', () => {
  it('reaches Shanghai at 10:00 there and London at 10:00 there, once each, the holdout never, across runs', async () => {
    const tag = randomUUID().slice(0, 6);
    const shanghai = await makeGuests(12, { tier: 'gold', zone: 'Asia/Shanghai', tag });
    const london = await makeGuests(12, { tier: 'gold', zone: 'Europe/London', tag });
    const noConsent = await makeGuests(2, { tier: 'gold', zone: 'Europe/London', consent: false, tag });
    const t0 = await env.currentTimeMs();
    // The campaign's day: two days ahead in Shanghai, so 10:00 there is well ahead of now.
    const sendDate = DateTime.fromMillis(t0, { zone: 'Asia/Shanghai' }).plus({ days: 2 }).toISODate()!;
    const id = await draft({ tier: 'gold', sendDate, sendTime: '10:00', holdoutPercent: 25 });
    const preview = await previewCampaignCounts(
      stack.db,
      (await campaigns.findCampaign(stack.db, id))!,
      new Date(t0),
    );
    const all = [...shanghai, ...london, ...noConsent];
    const held = all.filter((g) => isHeldOut(id, g.id, 25));
    expect(preview.audience).toBe(all.length);
    expect(preview.heldOut).toBe(held.length);
    expect(preview.suppressedByReason).toEqual({
      no_marketing_consent: noConsent.filter((g) => !held.includes(g)).length,
    });

    // Small batches, two per run: the fan-out continues as new several times on the way.
    const handle = await start(id, t0, { batchSize: 5, batchesPerRun: 2 });
    const inShanghai = DateTime.fromISO(`${sendDate}T10:00`, { zone: 'Asia/Shanghai' }).toMillis();
    const inLondon = DateTime.fromISO(`${sendDate}T10:00`, { zone: 'Europe/London' }).toMillis();
    await env.sleep(inShanghai - t0 - 60_000);
    expect(mailsTo(all.map((g) => g.email))).toHaveLength(0);
    const planned = await states(id);
    expect(Object.keys(planned)).toHaveLength(all.length);
    for (const g of held) expect(planned[g.id]).toBe('held_out');

    await env.sleep(120_000);
    await vi.waitFor(
      () =>
        expect(mailsTo(shanghai.map((g) => g.email))).toHaveLength(
          shanghai.filter((g) => !held.includes(g)).length,
        ),
      { timeout: 20_000 },
    );
    expect(mailsTo(london.map((g) => g.email))).toHaveLength(0);

    await env.sleep(inLondon - (await env.currentTimeMs()) + 60_000);
    const result = (await handle.result()) as CampaignResult;
    expect(result.status).toBe('done');
    expect(result.totals.batches).toBeGreaterThan(2);
    const runs = await env.client.workflow.getHandle(campaignWorkflowId(id)).describe();
    expect(runs.runId).not.toBe(handle.firstExecutionRunId);

    const got = mailsTo(all.map((g) => g.email));
    const reached = all.filter((g) => !held.includes(g) && !noConsent.includes(g));
    // Each reached guest once (the sink counts deliveries per Message-ID too), the holdout and the
    // unconsenting never.
    expect(got.map((m) => m.to[0]).sort()).toEqual(reached.map((g) => g.email).sort());
    for (const m of got) {
      expect(m.deliveries).toBe(1);
      expect(m.headers['list-unsubscribe']).toBeTruthy();
    }
    // The preview counted what went.
    expect(preview.willSend).toBe(got.length);
    const final = await states(id);
    for (const g of reached) expect(final[g.id]).toBe('sent');
    for (const g of noConsent.filter((x) => !held.includes(x))) expect(final[g.id]).toBe('suppressed');
    // The held out were judged at their own send time as if the mail were theirs: like for like in the report.
    const verdicts: { guest_id: string; reason: string }[] = await stack
      .db('campaign_recipients')
      .where({ campaign_id: id, state: 'held_out' })
      .select('guest_id', 'reason');
    for (const v of verdicts)
      expect(v.reason).toBe(
        noConsent.some((g) => g.id === v.guest_id) ? 'no_marketing_consent' : HOLDOUT_ELIGIBLE,
      );
    // Each local group got it at 10:00 in its own zone.
    const sentAt: { guest_id: string; send_at: Date }[] = await stack
      .db('mail_outbox')
      .whereIn(
        'guest_id',
        reached.map((g) => g.id),
      )
      .where('idempotency_key', 'like', `campaign-${id}:%`)
      .select('guest_id', 'send_at');
    for (const row of sentAt) {
      const zone = all.find((g) => g.id === row.guest_id)!.zone;
      expect(DateTime.fromJSDate(row.send_at, { zone }).toFormat('yyyy-MM-dd HH:mm')).toBe(
        `${sendDate} 10:00`,
      );
    }
    expect((await campaigns.findCampaign(stack.db, id))!.status).toBe('done');
    await record('local-ten-o-clock', id);
  });
});

describe('pause, resume, cancel', () => {
  it('pauses and resumes by Update, refuses what the status does not allow, and cancels everyone not reached', async () => {
    const tag = randomUUID().slice(0, 6);
    const made = await makeGuests(5, { tier: 'silver', zone: 'Asia/Tokyo', tag });
    const t0 = await env.currentTimeMs();
    const sendDate = DateTime.fromMillis(t0, { zone: 'Asia/Tokyo' }).plus({ days: 3 }).toISODate()!;
    const id = await draft({ tier: 'silver', sendDate, sendTime: '11:30', holdoutPercent: 0 });
    const handle = await start(id, t0);
    await env.sleep(60_000);

    const paused = await handle.executeUpdate(pauseCampaignUpdate);
    expect(paused.status).toBe('paused');
    expect((await campaigns.findCampaign(stack.db, id))!.status).toBe('paused');
    const again = await handle.executeUpdate(pauseCampaignUpdate).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((again as WorkflowUpdateFailedError).cause?.message).toMatch(
      /only a running campaign can be paused/,
    );

    expect((await handle.executeUpdate(resumeCampaignUpdate)).status).toBe('running');
    expect((await campaigns.findCampaign(stack.db, id))!.status).toBe('running');

    const cancelled = await handle.executeUpdate(cancelCampaignUpdate);
    expect(cancelled.status).toBe('cancelled');
    expect(((await handle.result()) as CampaignResult).status).toBe('cancelled');
    expect(Object.values(await states(id))).toEqual(made.map(() => 'cancelled'));
    expect(mailsTo(made.map((g) => g.email))).toHaveLength(0);
    expect((await campaigns.findCampaign(stack.db, id))!.status).toBe('cancelled');
    await record('paused-resumed-cancelled', id);
  });
});

describe('at most once', () => {
  it('a mail accepted whose attempt is lost before the sent-mark is not sent again; the others go', async () => {
    const tag = randomUUID().slice(0, 6);
    const made = await makeGuests(4, { tier: 'diamond', zone: 'UTC', tag });
    const t0 = await env.currentTimeMs();
    // Tomorrow at 09:00 UTC.
    const sendDate = DateTime.fromMillis(t0, { zone: 'UTC' }).plus({ days: 1 }).toISODate()!;
    const sendTime = '09:00';
    const id = await draft({ tier: 'diamond', sendDate, sendTime, holdoutPercent: 0 });
    const victim = made[1]!;
    faultyGuests.add(victim.id);
    // The fault fires after the server accepted this guest's mail.
    const original = stack.deps.mailer.sendMail.bind(stack.deps.mailer);
    stack.deps.mailer.sendMail = ((opts: { to: string }, ...rest: unknown[]) => {
      lastAccepted = made.find((g) => g.email === opts.to)?.id ?? null;
      return (original as (...a: unknown[]) => unknown)(opts, ...rest);
    }) as typeof stack.deps.mailer.sendMail;
    try {
      const handle = await start(id, t0);
      await env.sleep(
        Math.max(0, DateTime.fromISO(`${sendDate}T${sendTime}`, { zone: 'UTC' }).toMillis() - t0) + 5_000,
      );
      await vi.waitFor(() => expect(mailsTo(made.map((g) => g.email)).length).toBeGreaterThanOrEqual(1), {
        timeout: 20_000,
      });
      // The lease (1 s, real time) runs out; the next batch settles the lost attempt.
      await new Promise((r) => setTimeout(r, 2_500));
      await env.sleep(60_000);
      expect(((await handle.result()) as CampaignResult).status).toBe('done');
    } finally {
      stack.deps.mailer.sendMail = original;
    }
    const got = mailsTo(made.map((g) => g.email));
    expect(got.map((m) => m.to[0]).sort()).toEqual(made.map((g) => g.email).sort());
    for (const m of got) expect(m.deliveries).toBe(1);
    const row = (await stack
      .db('campaign_recipients')
      .where({ campaign_id: id, guest_id: victim.id })
      .first()) as {
      state: string;
      reason: string;
    };
    expect(row).toMatchObject({ state: 'failed', reason: DELIVERY_UNKNOWN });
    const others = await states(id);
    for (const g of made.filter((x) => x !== victim)) expect(others[g.id]).toBe('sent');
    await record('lost-attempt', id);
  });
});
