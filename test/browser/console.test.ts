/**
 * The console in a real browser (Debian's Chromium through playwright-core, test/browser/browser.ts) against
 * the real API, worker, Temporal dev server, PostgreSQL and SMTP sink. Each test does what a member of staff
 * does, then asserts what the page shows and what the database holds. Screenshots of every page at 1280×800
 * and 768×1024 go to .data/screenshots/. No page may log an error to the browser console, except the network
 * line of a refusal the test provokes on purpose.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import * as cases from '../../db/repositories/cases.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { bookingCreatedBody } from '../pms-samples.js';
import { countRows, eventually, stayCompletedBody } from '../helpers.js';
import { launchChromium, openPage, shoot, signIn, type ConsolePage, clearScreenshots } from './browser.js';

let api: ApiStack;
let browser: Browser;
const pages: ConsolePage[] = [];
const PROPERTY = `BRW${randomUUID().slice(0, 5).toUpperCase()}`;
const tag = randomUUID().slice(0, 6);

/** `YYYY-MM-DD`, `days` from today (UTC): the tests never depend on the date they run. */
const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
/** Today in Shanghai, the test hotel's zone (the console's "tomorrow" is the hotel's). */
const shanghaiDay = (days: number) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(
    new Date(Date.now() + days * 86_400_000),
  );

const guests = {
  /** 王小明: a stay a month ago (its thank-you is suppressed as too old), points to redeem. */
  wang: { firstName: '小明', lastName: '王', id: '' },
  /** A guest whose last stay was three years ago: lapsed, a win-back running. */
  lapsed: { firstName: 'Ingrid', lastName: `Lapsewood${tag}`, id: '' },
  /** Arrives tomorrow, with a case still open. */
  arriving: { firstName: 'Olu', lastName: `Arrival${tag}`, id: '' },
};

async function postStay(
  who: { firstName: string; lastName: string },
  o: { arrival: string; departure: string },
) {
  const body = stayCompletedBody({
    occurredAt: `${o.departure}T03:00:00Z`,
    guest: { firstName: who.firstName, lastName: who.lastName, locale: 'zh-CN', timezone: 'Asia/Shanghai' },
    stay: {
      propertyCode: PROPERTY,
      arrival: o.arrival,
      departure: o.departure,
      nights: 2,
      roomRevenue: '2400.00',
      currency: 'CNY',
    },
  });
  const res = await api.postPms(body);
  expect(res.status, await res.text()).toBeLessThan(300);
  return body.data.guest.pmsProfileId;
}

async function guestIdOf(pmsProfileId: string): Promise<string> {
  return eventually(async () => {
    const row = await api.stack
      .db('guests')
      .where({ pms_profile_id: pmsProfileId })
      .first<{ id: string }>('id');
    return row?.id;
  });
}

beforeAll(async () => {
  api = await openApiStack({
    name: 'browser-console',
    pmsSecret: 'browser-console-pms-webhook-secret-0123456789',
    keys: {
      ops: 'Front desk Lin',
      manager: 'Duty manager Zhao',
      marketer: 'Marketing Chen',
      admin: 'Admin Qian',
    },
  });
  await cases.upsertPropertySettings(api.stack.db, {
    property_code: PROPERTY,
    name: 'Browser Test Hotel',
    timezone: 'Asia/Shanghai',
    duty_manager_email: 'duty@browser.hotel.example',
    general_manager_email: 'gm@browser.hotel.example',
  });
  guests.wang.id = await guestIdOf(await postStay(guests.wang, { arrival: day(-32), departure: day(-30) }));
  guests.lapsed.id = await guestIdOf(
    await postStay(guests.lapsed, { arrival: day(-1100), departure: day(-1098) }),
  );
  const booking = bookingCreatedBody({
    guest: {
      firstName: guests.arriving.firstName,
      lastName: guests.arriving.lastName,
      timezone: 'Asia/Shanghai',
    },
    booking: {
      propertyCode: PROPERTY,
      arrival: shanghaiDay(1),
      departure: shanghaiDay(3),
      offerCode: undefined,
    },
  });
  expect((await api.postPms(booking)).status).toBeLessThan(300);
  guests.arriving.id = await guestIdOf(booking.data.guest.pmsProfileId);
  // The stay's points are in the ledger before the browser looks.
  await eventually(async () => (await countRows(api.stack.db, 'points_ledger')) > 0 || undefined);
  // The folder holds this run's screenshots only: this file's are `NN-…` (the marketing files clear their own).
  clearScreenshots(/^\d\d-/);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const p of pages) await p.context.close().catch(() => undefined);
  await browser?.close();
  await api?.close();
});

async function staffPage(
  role: 'ops' | 'manager' | 'marketer' | 'admin',
  opts: { size?: 'laptop' | 'tablet' } = {},
) {
  const p = await openPage(browser, api.baseUrl, opts);
  pages.push(p);
  await signIn(p.page, api.keyFor(role));
  return p;
}

/** The browser console's errors, less the network lines of refusals a test provoked (`allowed` statuses). */
function consoleErrors(p: ConsolePage, allowed: number[] = []): string[] {
  return p.errors.filter(
    (e) =>
      !allowed.some((s) => e.includes(`Failed to load resource: the server responded with a status of ${s}`)),
  );
}

async function openGuest(page: Page, namePart: string) {
  await page.goto('/console/guests');
  await page.locator('input[name="name"]').fill(namePart);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByTestId('guest-results').locator('a').first().click();
  await page.getByTestId('guest-head').waitFor();
}

describe('the operations console in a browser', () => {
  it('1. ops signs in and finds a guest by part of a name; the card shows tier progress and a suppressed mail with its reason', async () => {
    const p = await staffPage('ops');
    await shoot(p.page, '01-guests-empty');
    await openGuest(p.page, '小明');
    await expect.poll(() => p.page.getByTestId('guest-name').textContent()).toBe('王小明');
    await expect
      .poll(() => p.page.getByTestId('tier-progress').textContent())
      .toMatch(/to reach Silver by 31 Dec/);
    const timeline = p.page.getByTestId('timeline');
    // The thank-you of a stay reported a month late: suppressed, and the line says why.
    const suppressed = timeline
      .locator('li[data-kind="mail"]')
      .filter({ hasText: 'Thank-you' })
      .filter({ hasText: 'Stay too old' });
    await expect.poll(() => suppressed.count()).toBe(1);
    expect(await suppressed.textContent()).toMatch(/Suppressed.*Thank-you.*Stay too old/);
    // The workflow line, asked of Temporal apart from the card: the guest's run, running.
    await expect
      .poll(() => p.page.getByTestId('guest-workflow').textContent(), { timeout: 20_000 })
      .toMatch(new RegExp(`guest-${guests.wang.id}.*Running`));
    await shoot(p.page, '02-guest-card');
    const row = await api.stack
      .db('mail_outbox')
      .where({ guest_id: guests.wang.id, status: 'suppressed', template: 'stay-thank-you' })
      .first<{ suppression_reason: string }>();
    expect(row.suppression_reason).toMatch(/^stay_too_old/);
    expect(consoleErrors(p)).toEqual([]);
  }, 120_000);

  it('2. ops redeems points: the balance changes on the page and in the ledger; one over the balance is refused and writes nothing', async () => {
    const p = await staffPage('ops');
    await p.page.goto(`/console/guests/${guests.wang.id}`);
    const balanceText = await p.page.getByTestId('points-balance').textContent();
    const balance = Number(balanceText!.replace(/\D/g, ''));
    // The rules' minimum redemption is 1,000 points (domain/default-rules.ts).
    expect(balance).toBeGreaterThan(1000);

    await p.page.getByTestId('action-redeem').click();
    const dialog = p.page.locator('dialog[open]');
    await dialog.locator('input[name="points"]').fill('1000');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect
      .poll(async () =>
        Number((await p.page.getByTestId('points-balance').textContent())!.replace(/\D/g, '')),
      )
      .toBe(balance - 1000);
    const ledger = await api.stack
      .db('points_ledger')
      .where({ guest_id: guests.wang.id, reason: 'redemption' })
      .select<{ points: number }[]>('points');
    expect(ledger.map((l) => l.points)).toEqual([-1000]);

    const before = await countRows(api.stack.db, 'points_ledger');
    await p.page.getByTestId('action-redeem').click();
    await dialog.locator('input[name="points"]').fill(String(balance * 10));
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.getByRole('alert').waitFor();
    expect(await dialog.getByRole('alert').textContent()).toMatch(/Refused:.*balance/i);
    await shoot(p.page, '03-redeem-refused');
    expect(await countRows(api.stack.db, 'points_ledger')).toBe(before);
    expect(Number((await p.page.getByTestId('points-balance').textContent())!.replace(/\D/g, ''))).toBe(
      balance - 1000,
    );
    expect(consoleErrors(p, [409, 422])).toEqual([]);
  }, 120_000);

  it('3. a manager approves a compensation above the limit; ops sees it approved; a marketer gets no case pages', async () => {
    const ops = await staffPage('ops');
    const opened = await api.request<{ id: string }>(
      'POST',
      '/v1/cases',
      {
        guestId: guests.wang.id,
        source: 'letter',
        category: 'facilities',
        propertyCode: PROPERTY,
        department: 'engineering',
        receivedBy: 'Front desk Lin',
        description: '空调坏了一整晚',
      },
      { key: api.keyFor('ops'), idempotencyKey: randomUUID() },
    );
    expect(opened.status).toBe(201);
    const caseId = opened.json.id;
    await ops.page.goto(`/console/cases/${caseId}`);
    await ops.page.getByTestId('action-compensate').click();
    const dialog = ops.page.locator('dialog[open]');
    await dialog.locator('select[name="kind"]').selectOption('refund');
    await dialog.locator('input[name="amount"]').fill('20000');
    await dialog.locator('input[name="currency"]').fill('CNY');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect
      .poll(() => ops.page.getByTestId('compensations').textContent())
      .toContain('Awaiting a manager');
    // Ops has no approve button.
    expect(await ops.page.getByTestId('action-approve').count()).toBe(0);
    await shoot(ops.page, '04-case-awaiting');

    const manager = await staffPage('manager');
    await manager.page.goto('/console/cases');
    await manager.page.getByTestId('case-queue').waitFor();
    expect(await manager.page.getByTestId('case-queue').textContent()).toContain('王小明');
    await shoot(manager.page, '05-case-queue');
    await manager.page.goto(`/console/cases/${caseId}`);
    await manager.page.getByTestId('action-approve').click();
    const mDialog = manager.page.locator('dialog[open]');
    await mDialog.getByRole('button', { name: 'Continue' }).click();
    await mDialog.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => manager.page.getByTestId('compensations').textContent()).toContain('Granted');
    const row = await api.stack
      .db('case_compensations')
      .where({ case_id: caseId })
      .first<{ status: string; approved_by: string }>();
    expect(row).toMatchObject({ status: 'granted', approved_by: 'Duty manager Zhao' });

    await ops.page.reload();
    await expect.poll(() => ops.page.getByTestId('compensations').textContent()).toContain('Granted');

    const marketer = await staffPage('marketer');
    await marketer.page.goto(`/console/cases/${caseId}`);
    await marketer.page.getByTestId('no-access').waitFor();
    // A marketer's sections are the marketing ones; no operations page is offered.
    const links = await marketer.page.locator('nav.mainnav a').all();
    expect(await Promise.all(links.map((a) => a.getAttribute('href')))).toEqual([
      '/console/marketing/dashboard',
      '/console/marketing/cadences',
      '/console/marketing/segments',
      '/console/marketing/campaigns',
    ]);
    await shoot(marketer.page, '06-marketer-no-access');
    for (const p of [ops, manager, marketer]) expect(consoleErrors(p)).toEqual([]);
  }, 120_000);

  it('4. the workflows list filtered by stage lapsed shows the guest; ops cancels its win-back with a reason, audited with the key name', async () => {
    const p = await staffPage('ops');
    await p.page.goto(
      `/console/workflows?type=guestLifecycle&status=Running&stage=lapsed&property=${PROPERTY}`,
    );
    const list = p.page.getByTestId('workflow-list');
    await expect
      .poll(
        async () => {
          await p.page.reload();
          return (await list.textContent().catch(() => '')) ?? '';
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toContain(`Ingrid Lapsewood${tag}`);
    await shoot(p.page, '07-workflows-lapsed');
    await list.getByRole('link', { name: `Ingrid Lapsewood${tag}` }).click();
    await p.page.getByTestId('workflow-head').waitFor();
    await shoot(p.page, '08-workflow-detail');
    // The guest's run waits for its win-back child: follow it, and cancel it there.
    const child = p.page.getByRole('link', { name: /-winback-/ });
    await expect.poll(() => child.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await child.first().click();
    await p.page.getByTestId('action-cancel-workflow').click();
    const dialog = p.page.locator('dialog[open]');
    await dialog.locator('textarea[name="reason"]').fill('Guest asked us to stop the offers by phone');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    // The win-back ends (Completed: it was let go of, not failed), and the button goes with the running state.
    await expect
      .poll(() => p.page.getByTestId('workflow-head').textContent(), { timeout: 20_000 })
      .toMatch(/Completed|Cancelled/);
    expect(await p.page.getByTestId('action-cancel-workflow').count()).toBe(0);
    await shoot(p.page, '09-win-back-cancelled');
    const audit = await api.stack
      .db('audit_log')
      .where({ action: 'workflow.cancel' })
      .first<{ actor: string; after: { reason: string } }>();
    expect(audit).toMatchObject({
      actor: 'Front desk Lin',
      after: { reason: 'Guest asked us to stop the offers by phone' },
    });
    expect(consoleErrors(p)).toEqual([]);
  }, 120_000);

  it("5. arrivals for tomorrow show a booked guest's brief with an open case", async () => {
    const opened = await api.request(
      'POST',
      '/v1/cases',
      {
        guestId: guests.arriving.id,
        source: 'phone',
        category: 'service_attitude',
        priority: 'high',
        propertyCode: PROPERTY,
        department: 'front_office',
        receivedBy: 'Front desk Lin',
      },
      { key: api.keyFor('ops'), idempotencyKey: randomUUID() },
    );
    expect(opened.status).toBe(201);
    const p = await staffPage('ops');
    await p.page.goto('/console/arrivals');
    await p.page.getByTestId('property-select').selectOption(PROPERTY);
    await p.page.locator('input[name="property"]').fill(PROPERTY);
    await p.page.getByRole('button', { name: 'Tomorrow' }).click();
    const card = p.page.getByTestId('arrival').filter({ hasText: `Arrival${tag}` });
    await card.waitFor();
    expect(await card.textContent()).toContain('1 open case');
    expect(await card.textContent()).toContain('Service attitude');
    await shoot(p.page, '10-arrivals');
    expect(consoleErrors(p)).toEqual([]);
  }, 120_000);

  it("6. switched to Chinese: labels, dates and a guest's Chinese name render, and the choice is remembered", async () => {
    const p = await staffPage('ops');
    await p.page.goto(`/console/guests/${guests.wang.id}`);
    await p.page.getByTestId('language-switch').click();
    await expect.poll(() => p.page.locator('nav.mainnav').textContent()).toContain('宾客');
    expect(await p.page.getByTestId('guest-name').textContent()).toBe('王小明');
    expect(await p.page.getByTestId('tier-progress').textContent()).toMatch(/\d{4}年\d{1,2}月\d{1,2}日/);
    expect(await p.page.getByTestId('guest-actions').textContent()).toContain('兑换积分');
    await shoot(p.page, '11-guest-card-zh');
    await p.page.reload();
    await expect.poll(() => p.page.locator('nav.mainnav').textContent()).toContain('预抵');
    expect(await p.page.locator('html').getAttribute('lang')).toBe('zh-CN');
    for (const [path, name] of [
      ['/console/cases', '12-cases-zh'],
      ['/console/workflows', '13-workflows-zh'],
      ['/console/arrivals', '14-arrivals-zh'],
      [`/console/workflows/guest-${guests.lapsed.id}`, '15-workflow-zh'],
    ] as const) {
      await p.page.goto(path);
      await p.page.waitForLoadState('networkidle');
      await shoot(p.page, name);
    }
    expect(consoleErrors(p)).toEqual([]);
  }, 120_000);

  it('7. a stay the PMS cancelled is marked on the guest page and not counted in its stays', async () => {
    const completed = stayCompletedBody({
      occurredAt: `${day(-2)}T03:00:00Z`,
      guest: { firstName: 'Cora', lastName: `Cancelled${tag}`, timezone: 'Asia/Shanghai' },
      stay: {
        propertyCode: PROPERTY,
        arrival: day(-4),
        departure: day(-2),
        nights: 2,
        roomRevenue: '1800.00',
      },
    });
    expect((await api.postPms(completed)).status).toBeLessThan(300);
    const guestId = await guestIdOf(completed.data.guest.pmsProfileId);
    const cancel = {
      id: `evt-browser-cancel-${tag}`,
      type: 'stay.cancelled',
      occurredAt: new Date().toISOString(),
      data: {
        guest: completed.data.guest,
        stay: { pmsStayId: completed.data.stay.pmsStayId, propertyCode: PROPERTY },
        cancellation: { reason: 'posted to the wrong profile' },
      },
    };
    // Once the stay is recorded, the PMS cancels it.
    await eventually(
      async () => (await countRows(api.stack.db, 'stays', { guest_id: guestId })) > 0 || undefined,
    );
    const res = await api.postPms(cancel);
    expect(res.status, await res.text()).toBeLessThan(300);
    await eventually(async () => {
      const row = await api.stack
        .db('stays')
        .where({ guest_id: guestId })
        .first<{ cancelled_at: Date | null }>('cancelled_at');
      return row?.cancelled_at ? true : undefined;
    });

    const p = await staffPage('ops');
    await p.page.goto(`/console/guests/${guestId}`);
    await p.page.getByTestId('guest-head').waitFor();
    await p.page.getByTestId('tab-stays').click();
    const marker = p.page.locator('tr').filter({ hasText: PROPERTY }).getByTestId('stay-cancelled');
    await expect.poll(() => marker.textContent()).toBe('Cancelled');
    expect(await marker.getAttribute('title')).toMatch(/^Cancelled by the PMS on .*: not counted$/);
    expect(await p.page.locator('.facts').textContent()).toMatch(/Stays0/);
    await shoot(p.page, '16-guest-cancelled-stay');
    expect(consoleErrors(p)).toEqual([]);
  }, 120_000);
});
