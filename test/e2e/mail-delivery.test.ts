/**
 * Mail delivery against real SMTP servers (the sink, configured to misbehave)
 * and a real Temporal dev server: what is retried, what is permanent, and that
 * a mail the server accepted is never sent twice.
 */
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import type { FaultInjector, FaultPoint } from '../../activities/faults.js';
import { createDb, type Db } from '../../db/knex.js';
import * as cadences from '../../db/repositories/cadences.js';
import * as guests from '../../db/repositories/guests.js';
import type { OutboxRow } from '../../db/repositories/outbox.js';
import { DEFAULT_POST_STAY_STEPS } from '../../domain/cadence.js';
import { createMailer } from '../../lib/runtime.js';
import { startSmtpSink, type SmtpSink } from '../../stack/smtp-sink.js';
import type { postStayFollowUp } from '../../workflows/post-stay-follow-up.js';
import {
  MAIL,
  createTestWorker,
  devServerEnv,
  ensureCadence,
  fileDatabaseUrl,
  sampleStay,
  uniqueTaskQueue,
} from '../helpers.js';

/** Throws the first `times` calls at `point` (e.g. a database that stays down for a while). */
function failTimesAt(point: FaultPoint, times: number): FaultInjector & { fired: number } {
  const state = { fired: 0 };
  const inject = (p: FaultPoint) => {
    if (p === point && state.fired < times) {
      state.fired += 1;
      throw new Error(`injected fault ${state.fired}/${times} at ${point}`);
    }
  };
  return Object.defineProperty(inject, 'fired', { get: () => state.fired }) as FaultInjector & {
    fired: number;
  };
}

let env: TestWorkflowEnvironment;
let db: Db;
beforeAll(async () => {
  env = await devServerEnv();
  db = createDb(await fileDatabaseUrl(), { poolMax: 5 });
});
afterAll(async () => {
  await db?.destroy();
  await env?.teardown();
});

async function newGuest(email: string): Promise<string> {
  const { profile } = sampleStay({ guest: { email } });
  return (await guests.insertIfAbsent(db, { source: 'pms', profile, asOf: new Date() }))!.id;
}

/** A cadence of the thank-you alone: on this real-time server a follow-up of the default cadence runs 30 days. */
async function thankYouOnlyCadence(): Promise<string> {
  const key = 'test-thank-you-only';
  await ensureCadence(db, { key, name: 'Thank-you only' });
  if (!(await cadences.currentVersion(db, key))) {
    const draft = await cadences.createDraft(db, {
      cadenceKey: key,
      steps: [DEFAULT_POST_STAY_STEPS[0]!],
      createdBy: 'test',
    });
    await cadences.publish(db, { cadenceKey: key, version: draft.version, publishedBy: 'test' });
  }
  return key;
}

/** Runs one thank-you follow-up per guest to completion on a worker wired to `sink`. */
async function thankAll(sink: SmtpSink, guestIds: string[], extra: Partial<ActivityDeps> = {}) {
  const cadenceKey = await thankYouOnlyCadence();
  const mailer = createMailer(sink.smtpUrl);
  const taskQueue = uniqueTaskQueue('mail');
  const worker = await createTestWorker(env, taskQueue, { db, mailer, mail: MAIL, ...extra });
  try {
    await worker.runUntil(
      Promise.all(
        guestIds.map((guestId) =>
          env.client.workflow.execute<typeof postStayFollowUp>('postStayFollowUp', {
            workflowId: `mail-test-${guestId}`,
            taskQueue,
            args: [
              {
                guestId,
                guestWorkflowId: `guest-${guestId}`,
                stayId: '00000000-0000-4000-8000-000000000001',
                checkedOutAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
                delayMinutes: 120,
                stay: { propertyCode: 'SHA-BUND', arrival: '2026-11-20', departure: '2026-11-22', nights: 2 },
                pointsEarned: 100,
                pointsBalance: 100,
                cadenceKey,
              },
            ],
          }),
        ),
      ),
    );
  } finally {
    mailer.close();
  }
}

const outboxOf = (guestId: string) => db<OutboxRow>('mail_outbox').where({ guest_id: guestId }).first();

describe('mail delivery', () => {
  it('retries a refused login (535) with backoff: every mail arrives once, none is marked failed', async () => {
    const sink = await startSmtpSink({ auth: { user: 'relay', pass: 's3cret', refuseFirst: 2 } });
    try {
      const ids = await Promise.all(['a', 'b', 'c'].map((n) => newGuest(`auth-${n}@guest.example`)));
      await thankAll(sink, ids);
      for (const [i, n] of ['a', 'b', 'c'].entries()) {
        const got = sink.messages().filter((m) => m.to.includes(`auth-${n}@guest.example`));
        expect(got).toHaveLength(1);
        expect(got[0]!.deliveries).toBe(1);
        expect((await outboxOf(ids[i]!))!.status).toBe('sent');
      }
      const rows = await db<OutboxRow>('mail_outbox').whereIn('guest_id', ids);
      const refused = rows.filter((r) => r.last_error);
      expect(refused.length).toBe(2);
      for (const r of refused) {
        expect(r.last_error).toMatch(/^EAUTH 535/);
        expect(r.attempts).toBe(2);
      }
    } finally {
      await sink.stop();
    }
  });

  it('never sends twice when the sent-mark keeps failing after the server accepted: the retry reads the heartbeat', async () => {
    const sink = await startSmtpSink();
    const faults = failTimesAt('mail.beforeMarkSent', 1_000);
    try {
      const guestId = await newGuest('accepted-once@guest.example');
      await thankAll(sink, [guestId], { faults, mailTiming: { markSentForMs: 300 } });
      expect(faults.fired).toBeGreaterThan(1);
      const got = sink.messages().filter((m) => m.to.includes('accepted-once@guest.example'));
      expect(got).toHaveLength(1);
      expect(got[0]!.deliveries).toBe(1);
      const row = (await outboxOf(guestId))!;
      expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    } finally {
      await sink.stop();
    }
  });
});

describe('one delivery attempt', () => {
  it('is cut off at its deadline when the server stalls, releases its lease and is retried', async () => {
    const sink = await startSmtpSink({ stallRecipients: (a) => a.startsWith('stall') });
    const mailer = createMailer(sink.smtpUrl);
    try {
      const guestId = await newGuest('stall@guest.example');
      const acts = createActivities({ db, mailer, mail: MAIL, mailTiming: { sendDeadlineMs: 700 } });
      const activityEnv = new MockActivityEnvironment();
      const queued: { outboxId: number } = await activityEnv.run(
        (i: Parameters<typeof acts.queueMail>[0]) => acts.queueMail(i),
        {
          guestId,
          template: 'stay-thank-you',
          idempotencyKey: `stall-${guestId}`,
          vars: {
            propertyCode: 'X',
            arrival: 'a',
            departure: 'd',
            nights: 1,
            oneNight: true,
            pointsEarned: 1,
            pointsBalance: 1,
          },
        },
      );
      const started = Date.now();
      const err = await activityEnv
        .run((i: { outboxId: number }) => acts.deliverMail(i), { outboxId: queued.outboxId })
        .catch((e: unknown) => e);
      const elapsed = Date.now() - started;
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).nonRetryable).toBe(false);
      expect(elapsed).toBeLessThan(3_000);
      const row = (await outboxOf(guestId))!;
      expect(row).toMatchObject({ status: 'pending', claimed_until: null, attempts: 1 });
      expect(row.last_error).toBeTruthy();
    } finally {
      mailer.close();
      await sink.stop();
    }
  });

  it('fails for good, with a type, on a template that does not exist (no retry every five minutes)', async () => {
    const sink = await startSmtpSink();
    const mailer = createMailer(sink.smtpUrl);
    try {
      const guestId = await newGuest('template@guest.example');
      const acts = createActivities({ db, mailer, mail: MAIL });
      const err = await new MockActivityEnvironment()
        .run((i: Parameters<typeof acts.queueMail>[0]) => acts.queueMail(i), {
          guestId,
          template: 'no-such-template',
          idempotencyKey: `t-${guestId}`,
          vars: {},
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ nonRetryable: true, type: 'TemplateError' });
      expect(await outboxOf(guestId)).toBeUndefined();
    } finally {
      mailer.close();
      await sink.stop();
    }
  });

  it('leaves no SQL in an activity failure: a PostgreSQL error is summarised (its code), still retried', async () => {
    const sink = await startSmtpSink();
    const mailer = createMailer(sink.smtpUrl);
    try {
      const acts = createActivities({ db, mailer, mail: MAIL });
      // An id PostgreSQL refuses to read as a bigint: knex's own error would quote the statement and the value.
      const err = await new MockActivityEnvironment()
        .run((i: Parameters<typeof acts.withdrawPlannedMail>[0]) => acts.withdrawPlannedMail(i), {
          outboxId: 'x-secret-value' as unknown as number,
          reason: 'test',
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: 'DatabaseError', nonRetryable: false });
      expect((err as Error).message).not.toMatch(/mail_outbox|update|select|x-secret-value/i);
    } finally {
      mailer.close();
      await sink.stop();
    }
  });

  it('fails for good, with a type, on program settings that are missing or invalid, and queues nothing', async () => {
    const sink = await startSmtpSink();
    const mailer = createMailer(sink.smtpUrl);
    const guestId = await newGuest('settings@guest.example');
    const acts = createActivities({ db, mailer, mail: MAIL });
    const plan = () =>
      new MockActivityEnvironment()
        .run((i: Parameters<typeof acts.planMail>[0]) => acts.planMail(i), {
          guestId,
          template: 'birthday-greeting',
          idempotencyKey: `s-${guestId}`,
          vars: {},
          marketing: true,
        })
        .catch((e: unknown) => e);
    try {
      // A quiet period that is not two dates: the row passes its check constraint (an array), not the planner's.
      await db('program_settings')
        .where({ id: 'default' })
        .update({ quiet_periods: JSON.stringify([{ from: 'soon' }]) });
      const invalid = await plan();
      expect(invalid).toBeInstanceOf(ApplicationFailure);
      expect(invalid).toMatchObject({ nonRetryable: true, type: 'SettingsInvalid' });
      expect((invalid as Error).message).not.toMatch(/select|from "|where/i);
      await db('program_settings')
        .where({ id: 'default' })
        .update({ quiet_periods: JSON.stringify([]) });

      await db('program_settings').where({ id: 'default' }).update({ id: 'default-away' });
      expect(await plan()).toMatchObject({ nonRetryable: true, type: 'SettingsMissing' });
      expect(await outboxOf(guestId)).toBeUndefined();
    } finally {
      await db('program_settings').where({ id: 'default-away' }).update({ id: 'default' });
      await db('program_settings')
        .where({ id: 'default' })
        .update({ quiet_periods: JSON.stringify([]) });
      mailer.close();
      await sink.stop();
    }
    // Put back, the same request plans the mail.
    expect(await plan()).toMatchObject({ status: expect.stringMatching(/pending|suppressed/) as unknown });
  });
});
