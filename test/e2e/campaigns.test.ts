/**
 * Campaigns over HTTP (api/campaigns/) with the real worker in a process of its own (worker.ts, as deployed),
 * Temporal's dev server, Postgres and an SMTP sink:
 *
 * - bad drafts are 400s naming the field and write nothing; an ops key gets 403; an unknown campaign 404;
 * - a campaign to 400 guests with a 10 % holdout: the count preview, the start, and a worker killed (SIGKILL)
 *   in the middle of the fan-out; a new worker finishes it. No guest gets the mail twice, the holdout gets
 *   nothing, every guest ends sent, suppressed (with the preview's reasons), held out, or failed as lost with the
 *   kill (at most the batch's mails in flight); the preview's counts are what happened; the report counts the
 *   delivered and the holdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import * as guests from '../../db/repositories/guests.js';
import { DELIVERY_UNKNOWN, HOLDOUT_ELIGIBLE } from '../../domain/campaigns.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { eventually, fileDatabaseUrl } from '../helpers.js';
import { sampleGuest } from '../pms-samples.js';

let api: ApiStack;
let worker: ChildProcess | undefined;
const ROOT = path.resolve(import.meta.dirname, '../..');

/** The real worker (worker.ts) in a process of its own, on this file's database, task queue and sink. */
async function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: await fileDatabaseUrl(),
      DATABASE_POOL_MAX: '5',
      TEMPORAL_ADDRESS: inject('devServerAddress'),
      TEMPORAL_TASK_QUEUE: api.taskQueue,
      SMTP_URL: api.stack.sink.smtpUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 90_000);
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker started')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}):\n${output}`));
    });
  });
  child.stdout.resume();
  child.stderr.resume();
  return child;
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-campaigns',
    pmsSecret: 'e2e-campaigns-pms-webhook-secret-0123456789',
    worker: false,
    keys: { marketer: 'e2e campaigns marketer', ops: 'e2e campaigns ops' },
  });
  worker = await startWorker();
}, 120_000);

afterAll(async () => {
  if (worker) await kill(worker);
  await api?.close();
});

const marketer = () => api.keyFor('marketer');
const post = <T>(p: string, body: unknown, key = marketer()) => api.request<T>('POST', p, body, { key });
const get = <T>(p: string, key = marketer()) => api.request<T>('GET', p, undefined, { key });

/** A zone where it is now between 10:00 and 18:00, so a send time a minute ago is inside the send window. */
function daytimeZone(): string {
  for (let h = -12; h <= 14; h++) {
    const zone = h === 0 ? 'UTC' : `Etc/GMT${h > 0 ? '-' : '+'}${Math.abs(h)}`;
    const hour = DateTime.now().setZone(zone).hour;
    if (hour >= 10 && hour < 18) return zone;
  }
  throw new Error('no daytime zone');
}

const draftBody = (o: Record<string, unknown> = {}) => ({
  name: 'New spa opening',
  template: 'service-announcement',
  definition: { tiers: ['gold'] },
  sendDate: DateTime.now().toISODate(),
  sendTime: '10:00',
  holdoutPercent: 10,
  ...o,
});

interface CampaignAnswer {
  campaign: { id: string; status: string };
  progress: { audience: number; byState: Record<string, number>; suppressedByReason: Record<string, number> };
}

describe('drafts', () => {
  it('refuses bad drafts naming the field, writes nothing, and keeps ops out', async () => {
    const before = Number((await api.stack.db('campaigns').count({ n: '*' }).first())!.n);
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '' }, 'name'],
      [{ template: 'stay-thank-you' }, 'template'],
      [{ sendTime: '25:00' }, 'sendTime'],
      [{ sendTime: '22:30' }, 'sendTime'],
      [{ sendDate: '2027-02-30' }, 'sendDate'],
      [{ holdoutPercent: 60 }, 'holdoutPercent'],
      [{ upliftDays: 0 }, 'upliftDays'],
      [{ definition: { tiers: ['bronze'] } }, 'definition.tiers.0'],
      [{ colour: 'red' }, 'colour'],
    ];
    for (const [patch, field] of cases) {
      const res = await post<{ error: { code: string; details: { field: string } } }>(
        '/v1/campaigns',
        draftBody(patch),
      );
      expect(res.status, JSON.stringify(patch)).toBe(400);
      expect(res.json.error.details.field).toBe(field);
    }
    const ops = await post('/v1/campaigns', draftBody(), api.keyFor('ops'));
    expect(ops.status).toBe(403);
    expect(Number((await api.stack.db('campaigns').count({ n: '*' }).first())!.n)).toBe(before);
    expect((await get('/v1/campaigns/20270101-abcdef')).status).toBe(404);
    expect((await post('/v1/campaigns/20270101-abcdef/start', {})).status).toBe(404);
    expect((await get('/v1/campaigns/NOT_AN_ID')).status).toBe(400);
  });
});

describe('a campaign with a worker killed mid-fan-out', () => {
  it('reaches each guest at most once, the holdout never, and the preview counted what happened', async () => {
    const db = api.stack.db;
    const zone = daytimeZone();
    const tag = randomUUID().slice(0, 6);
    const made: { id: string; email: string }[] = [];
    for (let i = 0; i < 400; i++) {
      const email = `kill-${tag}-${i}@example.com`;
      const row = await guests.insertIfAbsent(db, {
        source: 'pms',
        profile: sampleGuest({
          firstName: `K${i}`,
          lastName: 'Campaign',
          email,
          locale: i % 4 ? 'en' : 'zh-CN',
        }),
        asOf: new Date(),
      });
      // Five guests without marketing consent.
      await db('guests')
        .where({ id: row!.id })
        .update({ tier: 'gold', timezone: zone, marketing_consent: i >= 5 });
      made.push({ id: row!.id, email });
    }
    const local = DateTime.now().setZone(zone).minus({ minutes: 1 });
    const created = await post<{ id: string; status: string }>(
      '/v1/campaigns',
      draftBody({ sendDate: local.toISODate(), sendTime: local.toFormat('HH:mm') }),
    );
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id = created.json.id;
    expect(created.json.status).toBe('draft');

    const preview = await post<{
      audience: number;
      heldOut: number;
      willSend: number;
      suppressed: number;
      suppressedByReason: Record<string, number>;
    }>(`/v1/campaigns/${id}/preview`, {});
    expect(preview.status).toBe(200);
    expect(preview.json.audience).toBe(400);
    expect(preview.json.heldOut).toBeGreaterThan(20);
    expect(preview.json.heldOut).toBeLessThan(70);
    expect(preview.json.willSend + preview.json.suppressed + preview.json.heldOut).toBe(400);

    const started = await post<CampaignAnswer>(`/v1/campaigns/${id}/start`, {});
    expect(started.status, JSON.stringify(started.json)).toBe(200);
    expect(started.json.campaign.status).toBe('running');
    expect((await post(`/v1/campaigns/${id}/start`, {})).status).toBe(409);

    const mine = () =>
      api.stack.sink.messages().filter((m) => m.to.some((t) => t.startsWith(`kill-${tag}-`)));
    await eventually(() => (mine().length >= 40 ? true : undefined), { timeoutMs: 60_000 });
    await kill(worker!);
    const atKill = mine().length;
    worker = await startWorker();

    const done = await eventually(
      async () => {
        const res = await get<CampaignAnswer>(`/v1/campaigns/${id}`);
        return res.json.campaign.status === 'done' ? res.json : undefined;
      },
      { timeoutMs: 240_000, everyMs: 1_000 },
    );
    const s = done.progress.byState as Record<
      'planned' | 'sending' | 'cancelled' | 'sent' | 'held_out' | 'suppressed' | 'failed',
      number
    >;
    // The kill landed mid-fan-out.
    expect(atKill).toBeLessThan(preview.json.willSend);
    expect(s.planned + s.sending + s.cancelled).toBe(0);
    expect(s.held_out).toBe(preview.json.heldOut);
    expect(s.suppressed).toBe(preview.json.suppressed);
    expect(done.progress.suppressedByReason).toEqual(preview.json.suppressedByReason);
    // Sent, or lost with the kill and never sent again: together what the preview counted.
    const lost = await db('campaign_recipients')
      .where({ campaign_id: id, state: 'failed', reason: DELIVERY_UNKNOWN })
      .count({ n: '*' })
      .first();
    expect(s.sent + Number(lost!.n)).toBe(preview.json.willSend);
    expect(s.failed).toBe(Number(lost!.n));
    // At most one group (8 mails) of each of the two batches under way.
    expect(Number(lost!.n)).toBeLessThanOrEqual(16);

    const mails = mine();
    const byAddress = new Map<string, number>();
    for (const m of mails) {
      expect(m.deliveries).toBe(1);
      for (const t of m.to) byAddress.set(t, (byAddress.get(t) ?? 0) + 1);
    }
    expect([...byAddress.values()].every((n) => n === 1)).toBe(true);
    expect(mails.length).toBeGreaterThanOrEqual(s.sent);
    expect(mails.length).toBeLessThanOrEqual(s.sent + Number(lost!.n));
    const heldOut = (await db('campaign_recipients')
      .where({ campaign_id: id, holdout: true })
      .pluck('guest_id')) as string[];
    const heldEmails = new Set(made.filter((g) => heldOut.includes(g.id)).map((g) => g.email));
    expect(mails.filter((m) => m.to.some((t) => heldEmails.has(t)))).toHaveLength(0);

    const report = await get<{
      delivered: number;
      heldOut: number;
      holdout: { guests: number };
      treated: { guests: number };
    }>(`/v1/campaigns/${id}/report`);
    expect(report.status).toBe(200);
    expect(report.json.delivered).toBe(s.sent);
    // The holdout compared: those held out whom the mail would have reached (the unconsenting ones are not).
    const eligible = await db('campaign_recipients')
      .where({ campaign_id: id, holdout: true, reason: HOLDOUT_ELIGIBLE })
      .count({ n: '*' })
      .first();
    expect(report.json.holdout.guests).toBe(Number(eligible!.n));
    expect(report.json.heldOut).toBe(s.held_out);
    expect((await post(`/v1/campaigns/${id}/pause`, {})).status).toBe(409);
  }, 420_000);
});
