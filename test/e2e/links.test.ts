/**
 * The "may we ask why?" link end to end over real HTTP: createApp with the real database and a Temporal dev
 * server client. No worker runs on the test's task queue: what the guest's workflow received is read from
 * its history (the signal-with-start's message), whatever the workflow later does with it.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { listen } from '../../api/server.js';
import type { Db } from '../../db/knex.js';
import { guestWorkflowId } from '../../domain/ids.js';
import { signLink, whyLinkUrl } from '../../lib/links.js';
import { openApiStack, postForm, postFormJson, type ApiStack } from '../api-stack.js';

const LINKS_SECRET = 'e2e-links-secret-0123456789abcdef';
const PMS_SECRET = 'e2e-pms-webhook-secret-0123456789';
const inADay = () => Math.floor(Date.now() / 1000) + 86_400;

let api: ApiStack;
let env: TestWorkflowEnvironment;
let db: Db;
let baseUrl: string;
let taskQueue: string;

beforeAll(async () => {
  api = await openApiStack({
    name: 'links',
    pmsSecret: PMS_SECRET,
    linksSecret: LINKS_SECRET,
    worker: false,
  });
  ({ env, baseUrl, taskQueue } = api);
  db = api.stack.db;
});

const guestsMade: string[] = [];

afterAll(async () => {
  // The workflows started here never had a worker: end them so they do not linger on the shared server.
  await api?.close(async () => {
    for (const id of guestsMade) {
      await env.client.workflow
        .getHandle(guestWorkflowId(id))
        .terminate('links e2e done')
        .catch(() => undefined);
    }
  });
});

async function newGuest(locale: string): Promise<string> {
  const rows: { id: string }[] = await db('guests')
    .insert({
      source: 'e2e-links',
      pms_profile_id: randomUUID(),
      first_name: 'Mei',
      last_name: 'Wang',
      email: `why-${randomUUID()}@guest.example`,
      locale,
      timezone: 'Asia/Shanghai',
      profile_as_of: new Date(),
    })
    .returning('id');
  const id = rows[0]!.id;
  guestsMade.push(id);
  return id;
}

function whyUrl(guestId: string, expiresAt = inADay(), secret = LINKS_SECRET): string {
  return whyLinkUrl({ baseUrl, guestId, secret, expiresAt });
}

const answer = postForm;

const answerJson = postFormJson;

interface ChurnColumns {
  churn_reason: string | null;
  churn_reason_at: Date | null;
  updated_at: Date;
}

async function churnOf(guestId: string): Promise<ChurnColumns> {
  const row = await db('guests')
    .where({ id: guestId })
    .first<ChurnColumns | undefined>('churn_reason', 'churn_reason_at', 'updated_at');
  if (!row) throw new Error(`guest ${guestId} not found`);
  return row;
}

interface AuditRow {
  actor: string;
  action: string;
  subject: string;
  before: unknown;
  after: { churn_reason: string; eventId: string };
  at: Date;
}

function auditOf(guestId: string): Promise<AuditRow[]> {
  return db<AuditRow>('audit_log')
    .where({ subject: `guest:${guestId}` })
    .orderBy('id');
}

/** The guestMessage signals the guest's workflow received, in order. */
async function signalsOf(guestId: string): Promise<Record<string, unknown>[]> {
  const history = await env.client.workflow.getHandle(guestWorkflowId(guestId)).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.workflowExecutionSignaledEventAttributes)
    .map((e) => {
      const attrs = e.workflowExecutionSignaledEventAttributes!;
      expect(attrs.signalName).toBe('guestMessage');
      return defaultPayloadConverter.fromPayload(attrs.input!.payloads![0]!);
    });
}

async function workflowStarted(guestId: string): Promise<boolean> {
  try {
    await env.client.workflow.getHandle(guestWorkflowId(guestId)).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** Nothing about the guest changed: no answer, no audit entry, no workflow. */
async function expectNothingWritten(guestId: string, before: ChurnColumns) {
  expect(await churnOf(guestId)).toEqual(before);
  expect(await auditOf(guestId)).toEqual([]);
  expect(await workflowStarted(guestId)).toBe(false);
}

function expectPage(res: Response) {
  expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
  expect(res.headers.get('cache-control')).toBe('no-store');
}

describe('GET /v1/links/why/:token', () => {
  it('asks in English: a form of six choices posting to the same URL, no script, no personal data', async () => {
    const guestId = await newGuest('en-GB');
    const res = await fetch(whyUrl(guestId), { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expectPage(res);
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('May we ask why?');
    expect(html).toMatch(/<form method="post">/);
    expect(html).not.toMatch(/<form[^>]*action=/);
    const values = [...html.matchAll(/<input type="radio" name="reason" value="([a-z_]+)"/g)].map(
      (m) => m[1],
    );
    expect(values).toEqual(['moved_away', 'travel_less', 'other_hotel', 'price', 'bad_experience', 'other']);
    expect(html).toContain('I prefer another hotel');
    expect(html).not.toContain(' checked');
    expect(html).not.toMatch(/<script|javascript:|\son[a-z]+=/i);
    expect(html).not.toMatch(/Mei|Wang|guest\.example/);
    expect(html).not.toContain(guestId);
    // helmet's CSP allows posting the form to ourselves and nothing that runs.
    expect(res.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('asks in Chinese when the guest is Chinese-speaking', async () => {
    const guestId = await newGuest('zh-CN');
    const res = await fetch(whyUrl(guestId));
    expect(res.status).toBe(200);
    expectPage(res);
    const html = await res.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('能否告诉我们原因？');
    expect(html).toContain('我更喜欢其他酒店');
    expect(html).toContain('提交');
    expect(html).not.toContain('May we ask why?');
  });

  it('reads as JSON for a client that asks for it, and writes nothing', async () => {
    const guestId = await newGuest('en');
    const before = await churnOf(guestId);
    const expiresAt = inADay();
    const res = await fetch(whyUrl(guestId, expiresAt), { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      purpose: 'why',
      reasons: ['moved_away', 'travel_less', 'other_hotel', 'price', 'bad_experience', 'other'],
      current: null,
      expiresAt: new Date(expiresAt * 1000).toISOString(),
    });
    await expectNothingWritten(guestId, before);
  });
});

describe('POST /v1/links/why/:token', () => {
  it('stores the answer, audits it, tells the workflow, thanks the guest; a second answer replaces it', async () => {
    const guestId = await newGuest('zh-CN');
    const url = whyUrl(guestId);

    const first = await answer(url, 'reason=price');
    expect(first.status).toBe(200);
    expectPage(first);
    const thanks = await first.text();
    expect(thanks).toContain('感谢您的反馈');
    expect(thanks).toContain('<a href="">修改答案</a>');

    const stored = await churnOf(guestId);
    expect(stored.churn_reason).toBe('price');
    expect(stored.churn_reason_at).toBeInstanceOf(Date);
    const [audit1, ...more] = await auditOf(guestId);
    expect(more).toEqual([]);
    expect(audit1).toMatchObject({
      actor: 'guest:link',
      action: 'guest.churn_reason',
      subject: `guest:${guestId}`,
      before: { churn_reason: null },
      after: { churn_reason: 'price' },
    });
    const [signal1] = await signalsOf(guestId);
    expect(signal1).toEqual({
      type: 'churn.reason_given',
      eventId: audit1!.after.eventId,
      source: 'link',
      occurredAt: stored.churn_reason_at!.toISOString(),
    });
    expect(audit1!.after.eventId).toMatch(/^[0-9a-f-]{36}$/);
    // No personal data went to Temporal, the reason included (it stays in Postgres).
    expect(JSON.stringify(signal1)).not.toMatch(/Mei|Wang|guest\.example|price/);

    // The page now shows the answer, and a second answer (here from a second link, as JSON) replaces it.
    const again = await (await fetch(url)).text();
    expect(again).toMatch(/value="price" required checked/);
    expect(again).toContain('您已作答');
    const second = await answerJson(whyUrl(guestId), { reason: 'bad_experience' });
    expect(second.status).toBe(200);
    const secondJson = (await second.json()) as { reason: string; recordedAt: string };
    expect(secondJson.reason).toBe('bad_experience');

    const replaced = await churnOf(guestId);
    expect(replaced.churn_reason).toBe('bad_experience');
    expect(replaced.churn_reason_at!.getTime()).toBeGreaterThanOrEqual(stored.churn_reason_at!.getTime());
    expect(replaced.churn_reason_at!.toISOString()).toBe(secondJson.recordedAt);
    const audits = await auditOf(guestId);
    expect(audits).toHaveLength(2);
    expect(audits[1]).toMatchObject({
      actor: 'guest:link',
      action: 'guest.churn_reason',
      before: { churn_reason: 'price' },
      after: { churn_reason: 'bad_experience' },
    });
    const signals = await signalsOf(guestId);
    expect(signals).toHaveLength(2);
    expect(signals[1]).toMatchObject({
      type: 'churn.reason_given',
      eventId: audits[1]!.after.eventId,
      source: 'link',
      occurredAt: secondJson.recordedAt,
    });
    expect(signals[1]!.eventId).not.toBe(signals[0]!.eventId);
  });

  it('refuses an unknown or missing choice with a 400 that names the field, and writes nothing', async () => {
    const guestId = await newGuest('en');
    const before = await churnOf(guestId);
    const url = whyUrl(guestId);

    const page = await answer(url, 'reason=bored');
    expect(page.status).toBe(400);
    expectPage(page);
    const html = await page.text();
    expect(html).toContain('Please choose one of the answers.');
    expect(html).toContain('<form method="post">');

    for (const body of [{ reason: 'bored' }, {}, { reason: ['price', 'other'] }, { reason: 'PRICE' }]) {
      const res = await answerJson(url, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({
        error: {
          code: 'validation_failed',
          message: expect.stringContaining('reason') as string,
          details: { field: 'reason' },
        },
      });
    }
    expect((await answer(url, 'reason=price&reason=other')).status).toBe(400);
    expect((await answer(url, '')).status).toBe(400);
    await expectNothingWritten(guestId, before);
  });
});

describe('links that are not good', () => {
  it('refuses an expired link with 410, in the guest language, and writes nothing', async () => {
    const guestId = await newGuest('zh-CN');
    const before = await churnOf(guestId);
    const url = whyUrl(guestId, Math.floor(Date.now() / 1000) - 1);

    const get = await fetch(url);
    expect(get.status).toBe(410);
    expectPage(get);
    expect(await get.text()).toContain('链接已过期');
    const post = await answer(url, 'reason=price');
    expect(post.status).toBe(410);
    expect(await post.text()).toContain('链接已过期');
    const json = await answerJson(url, { reason: 'price' });
    expect(json.status).toBe(410);
    expect(await json.json()).toMatchObject({
      error: { code: 'link_expired', message: 'the link has expired', details: { field: 'token' } },
    });
    await expectNothingWritten(guestId, before);
  });

  it('refuses tampered, foreign, misdirected and malformed links with 400, and writes nothing', async () => {
    const guestId = await newGuest('en');
    const before = await churnOf(guestId);
    const good = whyUrl(guestId);
    const token = good.slice(good.lastIndexOf('/') + 1);
    const [payloadB64, signature] = token.split('.') as [string, string];
    const body = JSON.parse(Buffer.from(payloadB64, 'base64url').toString()) as Record<string, unknown>;
    const other = await newGuest('en');
    const otherBefore = await churnOf(other);
    const forged = (change: Record<string, unknown>) =>
      `${Buffer.from(JSON.stringify({ ...body, ...change })).toString('base64url')}.${signature}`;
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);

    const bad = {
      'a changed payload character': flip(token, 5),
      'a changed signature character': flip(token, token.length - 1),
      'another guest under the same signature': forged({ g: other }),
      'a later expiry under the same signature': forged({ e: inADay() + 10 ** 6 }),
      'another secret': whyUrl(guestId, inADay(), 'someone-elses-secret-0123456789').split('/').pop()!,
      'another purpose': signLink({ purpose: 'survey', guestId, expiresAt: inADay(), secret: LINKS_SECRET }),
      'no signature': payloadB64,
      'a bad percent-escape': `${token}%ZZ`,
      'a character no token has': `${token}%20`,
    };
    for (const [what, t] of Object.entries(bad)) {
      const url = `${baseUrl}/v1/links/why/${t}`;
      const get = await fetch(url, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
      expect(get.status, what).toBe(400);
      expectPage(get);
      // Without a trusted guest, the browser's language.
      expect(await get.text(), what).toContain('链接无效');
      const post = await answer(url, 'reason=price');
      expect(post.status, what).toBe(400);
      expect(await post.text(), what).toContain('This link is not valid');
      const json = await answerJson(url, { reason: 'price' });
      expect(json.status, what).toBe(400);
      expect(await json.json(), what).toMatchObject({
        error: { code: 'link_invalid', message: 'the link is not valid', details: { field: 'token' } },
      });
    }
    await expectNothingWritten(guestId, before);
    await expectNothingWritten(other, otherBefore);
    // A link whose dot a mail client percent-escaped is still the link.
    expect((await fetch(`${baseUrl}/v1/links/why/${payloadB64}%2E${signature}`)).status).toBe(200);
  });

  it('answers 410 for a well-signed link whose guest does not exist', async () => {
    const url = whyUrl(randomUUID());
    const res = await answerJson(url, { reason: 'price' });
    expect(res.status).toBe(410);
    expect(await res.json()).toMatchObject({ error: { code: 'link_gone' } });
    expect((await fetch(url)).status).toBe(410);
  });

  it('answers 503 when Temporal cannot take the message; the answer is kept and a retry hands it on', async () => {
    const broken = createApp({
      db,
      temporal: new Client({ connection: env.connection, namespace: 'no-such-namespace' }),
      taskQueue,
      logger: pino({ level: 'silent' }),
      pms: { webhookSecret: PMS_SECRET, toleranceSeconds: 300 },
      links: { secret: LINKS_SECRET },
    });
    const brokenServer = await listen(broken, '127.0.0.1', 0);
    const guestId = await newGuest('en');
    const path = new URL(whyUrl(guestId)).pathname;
    try {
      const res = await answer(
        `http://127.0.0.1:${(brokenServer.address() as AddressInfo).port}${path}`,
        'reason=other',
      );
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('Please try again in a few minutes');
    } finally {
      await new Promise((r) => brokenServer.close(r));
    }
    expect((await churnOf(guestId)).churn_reason).toBe('other');
    expect(await workflowStarted(guestId)).toBe(false);

    expect((await answer(`${baseUrl}${path}`, 'reason=other')).status).toBe(200);
    expect(await signalsOf(guestId)).toHaveLength(1);
    expect(await auditOf(guestId)).toHaveLength(2);
  });

  it('is not mounted without a links secret', async () => {
    const without = createApp({
      db,
      temporal: env.client,
      taskQueue,
      logger: pino({ level: 'silent' }),
      pms: { webhookSecret: PMS_SECRET, toleranceSeconds: 300 },
    });
    const s = await listen(without, '127.0.0.1', 0);
    try {
      const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/v1/links/why/x.y`);
      expect(res.status).toBe(404);
    } finally {
      await new Promise((r) => s.close(r));
    }
  });
});
