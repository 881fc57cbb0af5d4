/**
 * Send planning against real Postgres, a real SMTP sink and the API over real HTTP: the frequency cap (also
 * under concurrent planning, where the guest's row lock is what holds it), the send window, the pauses and
 * exits, the unsubscribe headers and footer of a received marketing mail, and the one-click unsubscribe link.
 * Activities run through MockActivityEnvironment; the guest's workflow is not running (no worker on the
 * task queue): what it was told is read from its history.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter } from '@temporalio/common';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMailActivities,
  sendMailWith,
  type MailActivities,
  type PlanMailInput,
  type SchedulingSendMail,
  type SendMailInput,
} from '../../activities/mail.js';
import { noFaults } from '../../activities/faults.js';
import { createApp } from '../../api/app.js';
import { listen } from '../../api/server.js';
import { createDb, type Db } from '../../db/knex.js';
import type { PlannedOutboxRow } from '../../db/repositories/outbox.js';
import { guestWorkflowId } from '../../domain/ids.js';
import { signLink, unsubscribeLinkUrl } from '../../lib/links.js';
import { createMailer } from '../../lib/runtime.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../../stack/smtp-sink.js';
import { MAIL, devServerEnv, fileDatabaseUrl, uniqueTaskQueue } from '../helpers.js';

const LINKS_SECRET = 'e2e-planning-links-secret-0123456789';
/** 12:00 in Shanghai: inside the send window. */
const NOON_SHANGHAI = '2026-11-24T04:00:00.000Z';
/** 03:00 in Shanghai. */
const THREE_AM_SHANGHAI = '2026-11-23T19:00:00.000Z';

let env: TestWorkflowEnvironment;
let db: Db;
let sink: SmtpSink;
let mailer: ReturnType<typeof createMailer>;
let server: Server;
let baseUrl: string;
let acts: MailActivities;
let send: SchedulingSendMail;
const guestsMade: string[] = [];

beforeAll(async () => {
  env = await devServerEnv();
  db = createDb(await fileDatabaseUrl(), { poolMax: 8 });
  sink = await startSmtpSink();
  mailer = createMailer(sink.smtpUrl);
  const app = createApp({
    db,
    temporal: env.client,
    taskQueue: uniqueTaskQueue('planning'),
    logger: pino({ level: 'silent' }),
    pms: { webhookSecret: 'e2e-pms-webhook-secret-0123456789', toleranceSeconds: 300 },
    links: { secret: LINKS_SECRET },
  });
  server = await listen(app, '127.0.0.1', 0);
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  acts = createMailActivities({
    db,
    mailer,
    mail: MAIL,
    faults: noFaults,
    unsubscribeUrl: ({ guestId }) => unsubscribeLinkUrl({ baseUrl, guestId, secret: LINKS_SECRET }),
  });
  send = sendMailWith(db, acts, { schedule: true });
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  for (const id of guestsMade) {
    await env?.client.workflow
      .getHandle(guestWorkflowId(id))
      .terminate('mail planning e2e done')
      .catch(() => undefined);
  }
  mailer?.close();
  await sink?.stop();
  await db?.destroy();
  await env?.teardown();
});

async function newGuest(opts: { consent?: boolean; locale?: string; timezone?: string } = {}) {
  const email = `plan-${randomUUID()}@guest.example`;
  const rows: { id: string }[] = await db('guests')
    .insert({
      source: 'e2e-planning',
      pms_profile_id: randomUUID(),
      first_name: 'Mei',
      last_name: 'Wang',
      email,
      locale: opts.locale ?? 'en',
      timezone: opts.timezone ?? 'Asia/Shanghai',
      marketing_consent: opts.consent ?? true,
      profile_as_of: new Date(),
    })
    .returning('id');
  const id = rows[0]!.id;
  guestsMade.push(id);
  return { id, email };
}

/** An activity call as Temporal makes it (deliverMail heartbeats through the activity context). */
function run<I, O>(fn: (input: I) => Promise<O>, input: I): Promise<O> {
  return new MockActivityEnvironment().run(fn, input);
}

const birthday = (guestId: string, n: number | string, now = NOON_SHANGHAI): SendMailInput => ({
  guestId,
  template: 'birthday-greeting',
  idempotencyKey: `guest-${guestId}:planning-test:${n}`,
  vars: {},
  marketing: true,
  now,
});

const rowsOf = (guestId: string) =>
  db<PlannedOutboxRow>('mail_outbox').where({ guest_id: guestId }).orderBy('id');

const received = (email: string): ReceivedMail[] => sink.messages().filter((m) => m.to.includes(email));

async function consentOf(guestId: string): Promise<boolean> {
  const row = await db<{ id: string; marketing_consent: boolean }>('guests')
    .where({ id: guestId })
    .first('marketing_consent');
  return row!.marketing_consent;
}

interface AuditRow {
  subject: string;
  actor: string;
  action: string;
  before: unknown;
  after: { marketing_consent: boolean; eventId: string; suppressedMails: number[] };
}

const auditOf = (guestId: string) =>
  db<AuditRow>('audit_log')
    .where({ subject: `guest:${guestId}`, action: 'guest.marketing_consent_off' })
    .orderBy('id');

/** The guestMessage signals the guest's workflow received, in order. */
async function signalsOf(guestId: string): Promise<Record<string, unknown>[]> {
  const history = await env.client.workflow.getHandle(guestWorkflowId(guestId)).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.workflowExecutionSignaledEventAttributes)
    .map((e) =>
      defaultPayloadConverter.fromPayload(e.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!),
    );
}

const oneClick = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: 'List-Unsubscribe=One-Click',
  });

describe('the frequency cap', () => {
  it('lets 3 marketing mails of a guest through in 7 days; the 4th is a suppressed row with its reason', async () => {
    const { id, email } = await newGuest();
    const results = [];
    for (const n of [1, 2, 3, 4]) results.push(await run(send, birthday(id, n)));
    expect(results.map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'suppressed']);
    const rows = await rowsOf(id);
    expect(rows.map((r) => [r.status, r.class])).toEqual([
      ['sent', 'marketing'],
      ['sent', 'marketing'],
      ['sent', 'marketing'],
      ['suppressed', 'marketing'],
    ]);
    expect(rows[3]!.suppression_reason).toBe(
      'frequency_cap: 3 marketing mails since 2026-11-18 (at most 3 in 7 days)',
    );
    expect(rows[3]!.planned_at!.toISOString()).toBe(NOON_SHANGHAI);
    await sink.waitFor((m) => m.to.includes(email), { count: 3 });
    expect(received(email)).toHaveLength(3);

    // A repeat of the suppressed key changes nothing; transactional mail is not capped.
    expect(await run(send, birthday(id, 4))).toEqual({ status: 'suppressed', outboxId: rows[3]!.id });
    const points = await run(send, {
      guestId: id,
      template: 'points-expired',
      idempotencyKey: `guest-${id}:planning-test:points`,
      vars: { points: 120 },
      marketing: false,
      now: NOON_SHANGHAI,
    });
    expect(points.status).toBe('sent');
    // Eight days on (the 7 local days from 2026-11-26 hold none of them), marketing goes again.
    const later = await run(send, birthday(id, 5, '2026-12-02T04:00:00.000Z'));
    expect(later.status).toBe('sent');
  });

  it('holds under concurrent planning: 5 marketing mails of one guest at once → 3 pending, 2 suppressed', async () => {
    const { id } = await newGuest();
    const plan = (input: PlanMailInput) => run((i: PlanMailInput) => acts.planMail(i), input);
    const planned = await Promise.all([1, 2, 3, 4, 5].map((n) => plan(birthday(id, `c${n}`))));
    expect(planned.filter((p) => p.status === 'pending')).toHaveLength(3);
    expect(planned.filter((p) => p.status === 'suppressed')).toHaveLength(2);
    const rows = await rowsOf(id);
    expect(rows).toHaveLength(5);
    expect(rows.filter((r) => r.status === 'pending')).toHaveLength(3);
    for (const r of rows.filter((r) => r.status === 'suppressed'))
      expect(r.suppression_reason).toMatch(/^frequency_cap: 3 marketing mails since/);

    // The same keys again, concurrently: the rows already there, nothing new.
    const again = await Promise.all([1, 2, 3, 4, 5].map((n) => plan(birthday(id, `c${n}`))));
    expect(again.map((p) => p.outboxId).sort()).toEqual(planned.map((p) => p.outboxId).sort());
    expect(again.every((p) => !('created' in p) || p.created === false)).toBe(true);
    expect(await rowsOf(id)).toHaveLength(5);
  });
});

describe('the send window', () => {
  it('plans a marketing mail due at 03:00 local for 09:00 local: scheduled, delivered by the delivery step', async () => {
    const { id, email } = await newGuest();
    const result = await run(send, birthday(id, 'night', THREE_AM_SHANGHAI));
    expect(result).toMatchObject({ status: 'scheduled', sendAt: '2026-11-24T01:00:00.000Z' });
    const [row] = await rowsOf(id);
    expect(row).toMatchObject({ status: 'pending', class: 'marketing', attempts: 0 });
    expect(row!.send_at!.toISOString()).toBe('2026-11-24T01:00:00.000Z');
    expect(received(email)).toHaveLength(0);
    // The activity's retry gives the same answer, from the row.
    expect(await run(send, birthday(id, 'night', THREE_AM_SHANGHAI))).toEqual(result);

    // The workflow's timer fires at sendAt; then the delivery step.
    const delivered = await run((i: { outboxId: number }) => acts.deliverPlannedMail(i), {
      outboxId: result.outboxId,
    });
    expect(delivered).toEqual({ status: 'sent', outboxId: result.outboxId });
    await sink.waitFor((m) => m.to.includes(email));
    expect((await rowsOf(id))[0]!.status).toBe('sent');
  });

  it('withdraws a scheduled mail whose workflow was cancelled: suppressed, no longer counted by the cap', async () => {
    const { id, email } = await newGuest();
    const scheduled = await run(send, birthday(id, 'cancelled', THREE_AM_SHANGHAI));
    expect(scheduled.status).toBe('scheduled');
    const withdraw = (i: { outboxId: number; reason: string }) => acts.withdrawPlannedMail(i);
    const reason = 'exit_condition: the win-back ended (booked)';
    expect(await run(withdraw, { outboxId: scheduled.outboxId, reason })).toEqual({
      status: 'suppressed',
      outboxId: scheduled.outboxId,
    });
    expect((await rowsOf(id))[0]).toMatchObject({ status: 'suppressed', suppression_reason: reason });
    expect(
      await run((i: { outboxId: number }) => acts.deliverPlannedMail(i), { outboxId: scheduled.outboxId }),
    ).toEqual({ status: 'suppressed', outboxId: scheduled.outboxId });
    // A sent mail stays sent.
    const sent = await run(send, birthday(id, 'sent'));
    expect(await run(withdraw, { outboxId: sent.outboxId, reason })).toEqual({
      status: 'sent',
      outboxId: sent.outboxId,
    });
    for (const n of [1, 2]) expect((await run(send, birthday(id, `after-${n}`))).status).toBe('sent');
    await sink.waitFor((m) => m.to.includes(email), { count: 3 });
    expect(received(email)).toHaveLength(3);
  });

  it("lets the answer to the guest's own action (the welcome) go at 03:00 local at once; other transactional mail waits", async () => {
    const { id, email } = await newGuest({ consent: false });
    // domain/mail-policy.ts MAIL_TIMING: a transactional mail that does not answer the guest's action waits for 09:00.
    const held = await run(send, {
      guestId: id,
      template: 'points-expired',
      idempotencyKey: `guest-${id}:planning-test:points-night`,
      vars: { points: 10 },
      marketing: false,
      now: THREE_AM_SHANGHAI,
    });
    expect(held.status).toBe('scheduled');
    const result = await run(send, {
      guestId: id,
      template: 'welcome-member',
      idempotencyKey: `guest-${id}:planning-test:welcome-night`,
      vars: { memberNumber: 'M1' },
      marketing: false,
      now: THREE_AM_SHANGHAI,
    });
    expect(result.status).toBe('sent');
    const [mail] = await sink.waitFor((m) => m.to.includes(email));
    expect(mail!.headers['list-unsubscribe']).toBeUndefined();
    expect(mail!.text).not.toContain('Unsubscribe');
    expect((await rowsOf(id)).find((r) => r.template === 'welcome-member')).toMatchObject({
      class: 'transactional',
      unsubscribe_url: null,
    });
  });

  it('without { schedule: true } (callers that cannot wait yet) ignores the window: the mail goes at once', async () => {
    const { id, email } = await newGuest();
    const result = await run(sendMailWith(db, acts), birthday(id, 'legacy', THREE_AM_SHANGHAI));
    expect(result.status).toBe('sent');
    await sink.waitFor((m) => m.to.includes(email));
    expect((await rowsOf(id))[0]!.send_at!.toISOString()).toBe(THREE_AM_SHANGHAI);
  });
});

describe('pauses and exits', () => {
  it('pauses marketing while the guest has an open service case', async () => {
    const { id } = await newGuest();
    const caseId = randomUUID();
    await db('service_cases').insert({
      id: caseId,
      guest_id: id,
      workflow_id: `guest-${id}-case-${caseId}`,
      status: 'open',
      source: 'phone',
      category: 'facilities',
      priority: 'normal',
      property_code: 'SHA-BUND',
      department: 'housekeeping',
      received_by: 'e2e',
      opened_at: new Date(),
      idempotency_key: `e2e-planning:${caseId}`,
    });
    expect(await run(send, birthday(id, 'case'))).toMatchObject({ status: 'suppressed' });
    expect((await rowsOf(id))[0]!.suppression_reason).toMatch(/^open_service_case/);
    await db('service_cases').where({ id: caseId }).update({ status: 'closed' });
    expect(await run(send, birthday(id, 'case-closed'))).toMatchObject({ status: 'sent' });
  });

  it('drops the come-back offer when a stay is booked (exit condition)', async () => {
    const { id } = await newGuest();
    await db('bookings').insert({
      guest_id: id,
      source: 'e2e-planning',
      pms_booking_id: randomUUID(),
      property_code: 'SHA-BUND',
      arrival: '2026-12-10',
      departure: '2026-12-12',
    });
    const offer = (n: string): SendMailInput => ({
      guestId: id,
      template: 'win-back-offer',
      idempotencyKey: `guest-${id}:planning-test:offer-${n}`,
      vars: { offerNumber: 1, offer: '20% off', couponCode: 'WB-TEST', validUntil: '2026-12-31' },
      marketing: true,
      now: NOON_SHANGHAI,
    });
    expect(await run(send, offer('1'))).toMatchObject({ status: 'suppressed' });
    expect((await rowsOf(id))[0]!.suppression_reason).toBe(
      'exit_condition: booked: the guest has a stay booked',
    );
    // Other marketing mail is not about coming back.
    expect(await run(send, birthday(id, 'booked'))).toMatchObject({ status: 'sent' });
    await db('bookings').where({ guest_id: id }).update({ status: 'cancelled', cancelled_at: new Date() });
    expect(await run(send, offer('2'))).toMatchObject({ status: 'sent' });
  });

  it('skips marketing on a quiet day of the program', async () => {
    const { id } = await newGuest();
    const before = await db<{ id: string; quiet_periods: unknown }>('program_settings')
      .where({ id: 'default' })
      .first('quiet_periods');
    await db('program_settings')
      .where({ id: 'default' })
      .update({
        quiet_periods: JSON.stringify([{ from: '2031-01-28', to: '2031-02-03', name: 'Spring Festival' }]),
      });
    try {
      expect(await run(send, birthday(id, 'quiet', '2031-01-30T04:00:00.000Z'))).toMatchObject({
        status: 'suppressed',
      });
      expect((await rowsOf(id))[0]!.suppression_reason).toBe(
        'quiet_period: 2031-01-30 is in Spring Festival 2031-01-28–2031-02-03',
      );
    } finally {
      await db('program_settings')
        .where({ id: 'default' })
        .update({ quiet_periods: JSON.stringify(before?.quiet_periods ?? []) });
    }
  });
});

describe('unsubscribe', () => {
  it('a received marketing mail carries List-Unsubscribe (one-click) and a footer link in the guest language', async () => {
    const { id, email } = await newGuest({ locale: 'zh-CN' });
    expect(await run(send, birthday(id, 'headers'))).toMatchObject({ status: 'sent' });
    const [mail] = await sink.waitFor((m) => m.to.includes(email));
    const url = (await rowsOf(id))[0]!.unsubscribe_url!;
    expect(url).toMatch(new RegExp(`^${baseUrl}/v1/links/unsubscribe/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
    expect(mail!.headers['list-unsubscribe']!.replace(/\s+/g, '')).toBe(`<${url}>`);
    expect(mail!.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(mail!.text).toContain(`退订营销邮件：${url}`);
    expect(mail!.html).toContain(`<a href="${url}">退订营销邮件</a>`);
  });

  it('one click turns marketing consent off at once, audited, the workflow told; the next marketing mail is suppressed', async () => {
    const { id, email } = await newGuest();
    expect(await run(send, birthday(id, 'before'))).toMatchObject({ status: 'sent' });
    const [mail] = await sink.waitFor((m) => m.to.includes(email));
    const url = /<([^>]+)>/.exec(mail!.headers['list-unsubscribe']!.replace(/\s+/g, ''))![1]!;
    // A marketing mail planned for 09:00 tomorrow, not yet sent.
    const scheduled = await run(send, birthday(id, 'tomorrow', '2026-11-24T13:00:00.000Z'));
    expect(scheduled.status).toBe('scheduled');

    // What a mail client sends for its unsubscribe button (RFC 8058): no cookies, no confirmation.
    const res = await oneClick(url);
    expect(res.status).toBe(200);
    expect(await consentOf(id)).toBe(false);
    const audit = await auditOf(id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: 'guest:link',
      action: 'guest.marketing_consent_off',
      before: { marketing_consent: true },
      after: { marketing_consent: false, suppressedMails: [scheduled.outboxId] },
    });
    // The consent history's row, in the same transaction (docs/privacy.md).
    expect(
      await db('consent_history')
        .where({ guest_id: id })
        .orderBy('id')
        .select('from_consent', 'to_consent', 'source', 'actor', 'event_id'),
    ).toContainEqual({
      from_consent: true,
      to_consent: false,
      source: 'unsubscribe_link',
      actor: 'guest:link',
      event_id: audit[0]!.after.eventId,
    });
    const signals = await signalsOf(id);
    expect(signals).toEqual([
      {
        type: 'profile.updated',
        eventId: audit[0]!.after.eventId,
        source: 'link',
        occurredAt: expect.any(String) as unknown,
        changed: ['marketingConsent'],
        marketingConsent: false,
      },
    ]);
    expect(JSON.stringify(signals)).not.toContain(email);

    // The mail planned for tomorrow does not go; nor does the next one.
    const row = await db<PlannedOutboxRow>('mail_outbox').where({ id: scheduled.outboxId }).first();
    expect(row).toMatchObject({ status: 'suppressed' });
    expect(
      await run((i: { outboxId: number }) => acts.deliverPlannedMail(i), { outboxId: scheduled.outboxId }),
    ).toEqual({ status: 'suppressed', outboxId: scheduled.outboxId });
    expect(await run(send, birthday(id, 'after'))).toMatchObject({ status: 'suppressed' });
    expect((await rowsOf(id)).at(-1)!.suppression_reason).toBe('no_marketing_consent');
    expect(received(email)).toHaveLength(1);

    // A second click: 200, nothing written, nothing signalled.
    const repeat = await oneClick(url, { accept: 'application/json' });
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual({ marketingConsent: false, changed: false });
    expect(await auditOf(id)).toHaveLength(1);
    expect(await signalsOf(id)).toHaveLength(1);
  });

  it('the delivery step re-checks consent: withdrawn between planning and the send time → suppressed', async () => {
    const { id, email } = await newGuest();
    const scheduled = await run(send, birthday(id, 'withdrawn', THREE_AM_SHANGHAI));
    expect(scheduled.status).toBe('scheduled');
    await db('guests').where({ id }).update({ marketing_consent: false });
    expect(
      await run((i: { outboxId: number }) => acts.deliverPlannedMail(i), { outboxId: scheduled.outboxId }),
    ).toEqual({ status: 'suppressed', outboxId: scheduled.outboxId });
    expect((await rowsOf(id))[0]).toMatchObject({
      status: 'suppressed',
      suppression_reason: 'no_marketing_consent',
    });
    expect(received(email)).toHaveLength(0);
  });

  it('GET shows a small page with one button that POSTs, no JavaScript, in the guest language; it changes nothing', async () => {
    const { id } = await newGuest({ locale: 'zh-CN' });
    const url = unsubscribeLinkUrl({ baseUrl, guestId: id, secret: LINKS_SECRET });
    const res = await fetch(url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('退订营销邮件');
    expect(html).toMatch(
      /<form method="post">[\s\S]*name="List-Unsubscribe" value="One-Click"[\s\S]*<button/,
    );
    expect(html).not.toMatch(/<script/i);
    expect(await consentOf(id)).toBe(true);

    // The page's button sends the same form: consent off, the "unsubscribed" page.
    const posted = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain('您已成功退订');
    expect(await consentOf(id)).toBe(false);
    // Opened again later: says so, no button.
    const after = await (await fetch(url, { headers: { accept: 'text/html' } })).text();
    expect(after).toContain('您已成功退订');
    expect(after).not.toContain('<form');
  });

  it('refuses an expired, tampered or foreign token (410 / 400) and writes nothing', async () => {
    const { id } = await newGuest();
    const expired = unsubscribeLinkUrl({
      baseUrl,
      guestId: id,
      secret: LINKS_SECRET,
      expiresAt: Math.floor(Date.now() / 1000) - 1,
    });
    const good = unsubscribeLinkUrl({ baseUrl, guestId: id, secret: LINKS_SECRET });
    const token = good.split('/').pop()!;
    const flipped = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
    const whyToken = signLink({
      purpose: 'why',
      guestId: id,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      secret: LINKS_SECRET,
    });
    const otherSecret = unsubscribeLinkUrl({
      baseUrl,
      guestId: id,
      secret: 'someone-elses-secret-0123456789',
    });

    const expiredRes = await oneClick(expired, { accept: 'application/json' });
    expect(expiredRes.status).toBe(410);
    expect(await expiredRes.json()).toMatchObject({ error: { code: 'link_expired' } });
    for (const url of [
      `${baseUrl}/v1/links/unsubscribe/${flipped}`,
      `${baseUrl}/v1/links/unsubscribe/${whyToken}`,
      otherSecret,
      `${baseUrl}/v1/links/unsubscribe/not-a-token`,
    ]) {
      const res = await oneClick(url, { accept: 'application/json' });
      expect(res.status, url).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'link_invalid' } });
    }
    const page = await oneClick(expired, { accept: 'text/html' });
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('This link has expired');

    expect(await consentOf(id)).toBe(true);
    expect(await auditOf(id)).toHaveLength(0);
    await expect(env.client.workflow.getHandle(guestWorkflowId(id)).describe()).rejects.toThrow();
  });
});
