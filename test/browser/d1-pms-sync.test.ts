/**
 * The PMS sync page in a real browser (test/browser/browser.ts) against the real API, PostgreSQL and a fake PMS
 * on loopback (test/fake-pms.ts): an admin starts a catch-up sync of Apaleo, watches it end and reads its
 * summary (new, known, rejected and why: the numbers of its `pms_syncs` row); a second sync is all "already
 * known"; a webhook delivery whose reservation answers 404 is parked with its reason, and the admin re-drives
 * it (the row pending again, then done). The page in Chinese too. Screenshots d1-* at 1280×800 and 768×1024.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryRow, SyncRow } from '../../db/repositories/pms-adapters.js';
import { apaleoClient } from '../../lib/pms/apaleo.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { apaleoReservation, FAKE_APALEO_CLIENT, startFakePms, type FakePms } from '../fake-pms.js';
import { eventually } from '../helpers.js';
import { launchChromium, openPage, shoot, signIn, type ConsolePage, clearScreenshots } from './browser.js';

const ADMIN = 'Admin Zhou';
const APALEO_TOKEN = 'd1-apaleo-path-token-0123456789';
let api: ApiStack;
let fake: FakePms;
let browser: Browser;
const pages: ConsolePage[] = [];

beforeAll(async () => {
  fake = await startFakePms();
  for (let n = 1; n <= 10; n++)
    fake.apaleo.set(apaleoReservation(n).id, apaleoReservation(n, { daysAgo: n + 1 }));
  const noMail = apaleoReservation(11, { daysAgo: 4 });
  fake.apaleo.set(noMail.id, { ...noMail, primaryGuest: { lastName: 'Nomail' } });
  const odd = apaleoReservation(12, { daysAgo: 5, status: 'Tentative' });
  fake.apaleo.set(odd.id, odd);
  api = await openApiStack({
    name: 'browser-pms-sync',
    pmsSecret: 'browser-pms-sync-secret-0123456789',
    worker: false,
    keys: { admin: ADMIN },
    pmsAdapters: {
      apaleo: { token: APALEO_TOKEN },
      clients: {
        apaleo: apaleoClient({
          apiUrl: fake.url,
          identityUrl: fake.url,
          ...FAKE_APALEO_CLIENT,
          timeoutMs: 5000,
          pageSize: 5,
        }),
      },
      attempts: 2,
      retryBaseMs: 50,
    },
  });
  clearScreenshots(/^d1-/);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const p of pages) await p.context.close().catch(() => undefined);
  await browser?.close();
  await api?.close();
  await fake?.close();
});

async function adminPage(opts: { locale?: string } = {}) {
  const p = await openPage(browser, api.baseUrl, opts);
  pages.push(p);
  await signIn(p.page, api.keyFor('admin'));
  return p;
}

const syncRows = () => api.stack.db<SyncRow>('pms_syncs').orderBy('id');
const since = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);

describe('the PMS sync page', () => {
  it('an admin starts a sync, reads its summary; a second sync finds everything known', async () => {
    const p = await adminPage();
    const { page } = p;
    await page.goto('/console/admin/pms');
    await page.getByTestId('pms-sync-page').waitFor();
    await expect
      .poll(() => page.getByTestId('pms-sync-page').textContent())
      .toContain('No sync has been run yet.');

    await page.getByTestId('sync-since').fill(since);
    await page.getByTestId('start-sync').click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    expect(await dialog.locator('.confirm-text').textContent()).toMatch(
      /Every reservation of .* in Apaleo will be fetched/,
    );
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByTestId('sync-status').textContent(), { timeout: 30_000 }).toBe('Done');

    const [first] = await syncRows();
    expect(first).toMatchObject({
      adapter: 'apaleo',
      status: 'done',
      started_by: ADMIN,
      new_count: 10,
      known_count: 0,
      rejected_count: 2,
    });
    expect(first!.reasons).toEqual({
      'primaryGuest has no email': 1,
      'status Tentative maps to no event': 1,
    });
    expect(await page.getByTestId('sync-new').textContent()).toContain(String(first!.new_count));
    expect(await page.getByTestId('sync-known').textContent()).toContain('0');
    expect(await page.getByTestId('sync-rejected').textContent()).toContain('2');
    expect(await page.getByTestId('sync-progress').textContent()).toBe('12 of 12 reservations');
    const reasons = await page.getByTestId('sync-reasons').textContent();
    expect(reasons).toContain('primaryGuest has no email');
    expect(reasons).toContain('status Tentative maps to no event');
    const fed = await api.stack
      .db('pms_events')
      .where('id', 'like', 'apaleo:%')
      .count<{ n: string }[]>({ n: '*' });
    expect(Number(fed[0]!.n)).toBe(10);
    await shoot(page, 'd1-pms-sync-summary');

    // Again: everything known, and the history lists both.
    await page.getByTestId('start-sync').click();
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect
      .poll(() => page.getByTestId('sync-summary').getAttribute('data-sync'))
      .not.toBe(String(first!.id));
    await expect.poll(() => page.getByTestId('sync-status').textContent(), { timeout: 30_000 }).toBe('Done');
    const [, second] = await syncRows();
    expect(second).toMatchObject({ status: 'done', new_count: 0, known_count: 10, rejected_count: 2 });
    expect(await page.getByTestId('sync-known').textContent()).toContain('10');
    expect(await page.getByTestId('sync-history').locator('tbody tr').count()).toBe(2);
    await shoot(page, 'd1-pms-sync-second');
    expect(p.errors).toEqual([]);
  });

  it('a delivery answering 404 is parked with its reason; the admin re-drives it', async () => {
    const r = apaleoReservation(20, { daysAgo: 1 });
    fake.apaleo.set(r.id, r);
    fake.missing.add(r.id);
    const res = await fetch(`${api.baseUrl}/v1/pms/apaleo/${APALEO_TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        topic: 'Reservation',
        type: 'checked-out',
        id: 'd1-delivery-1',
        accountId: 'FAKEACC',
        propertyId: 'FAKE',
        timestamp: Date.now(),
        data: { entityId: r.id },
      }),
    });
    expect(res.status).toBe(202);
    const parked = await eventually(async () => {
      const row = await api.stack.db<DeliveryRow>('pms_deliveries').where({ reservation_id: r.id }).first();
      return row?.status === 'parked' ? row : undefined;
    });

    const p = await adminPage();
    const { page } = p;
    await page.goto('/console/admin/pms');
    const row = page.getByTestId('parked-deliveries').locator(`tr[data-delivery="${parked.id}"]`);
    await row.waitFor();
    expect(await row.getByTestId('parked-reason').textContent()).toContain(parked.parked_reason!);
    expect(parked.parked_reason).toMatch(/answered 404.*after 2 attempts/);
    expect(await page.getByTestId('delivery-counts').textContent()).toContain('1 parked');
    await shoot(page, 'd1-pms-parked');

    fake.missing.delete(r.id);
    await page.getByTestId(`redrive-${parked.id}`).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect
      .poll(() => page.getByTestId('pms-sync-page').textContent())
      .toContain('No delivery is parked.');
    const done = await eventually(async () => {
      const d = await api.stack.db<DeliveryRow>('pms_deliveries').where({ id: parked.id }).first();
      return d?.status === 'done' ? d : undefined;
    });
    expect(done).toMatchObject({
      outcome: 'new',
      redrive_count: 1,
      redriven_by: ADMIN,
      event_id: `apaleo:${r.id}:checked-out:1020.00`,
    });
    expect(p.errors).toEqual([]);
  });

  it('reads in Chinese', async () => {
    const p = await adminPage({ locale: 'zh-CN' });
    const { page } = p;
    await page.goto('/console/admin/pms');
    await page.getByTestId('sync-summary').waitFor();
    expect(await page.locator('h2').first().textContent()).toBe('PMS 同步');
    expect(await page.getByTestId('sync-status').textContent()).toBe('已完成');
    expect(await page.getByTestId('sync-known').textContent()).toContain('已存在');
    await shoot(page, 'd1-pms-sync-zh');
    expect(p.errors).toEqual([]);
  });
});
