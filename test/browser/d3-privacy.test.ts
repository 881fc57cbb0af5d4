/**
 * The privacy page in a real browser (test/browser/browser.ts) against the real API and PostgreSQL (docs/privacy.md):
 * an admin finds a guest by name, sees the consent history (three changes from the PMS), downloads the export (a
 * JSON file with the guest's profile; an audit row `guest.exported`), then erases the guest behind the confirmation
 * (a reason, the member number typed again): the page shows the guest as erased, and the database holds the
 * anonymised row, the consent row `erasure` and the audit row `guest.erased` with the admin's name. In Chinese too.
 * Screenshots d3-* at 1280×800 and 768×1024 in .data/screenshots/.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { memberEnrolledBody, profileUpdatedBody } from '../pms-samples.js';
import { newPmsProfileId } from '../helpers.js';
import { launchChromium, openPage, shoot, signIn, type ConsolePage, clearScreenshots } from './browser.js';

const ADMIN = 'Admin Privacy Wu';
let api: ApiStack;
let browser: Browser;
const pages: ConsolePage[] = [];

beforeAll(async () => {
  api = await openApiStack({
    name: 'browser-privacy',
    pmsSecret: 'browser-privacy-pms-webhook-secret-0123456789',
    worker: false,
    keys: { ops: 'Front desk Zhao', admin: ADMIN },
  });
  clearScreenshots(/^d3-/);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const p of pages) await p.context.close().catch(() => undefined);
  await browser?.close();
  await api?.close();
});

describe('the privacy page in a browser', () => {
  it('d3. An admin finds a guest, reads the consent history, downloads the export and erases the guest', async () => {
    const pmsProfileId = newPmsProfileId();
    const last = `Marchetti${randomUUID().slice(0, 4)}`;
    const guest = {
      pmsProfileId,
      firstName: 'Giulia',
      lastName: last,
      email: `giulia.${pmsProfileId}@example.com`,
    };
    const accepted = async (body: unknown) => {
      const res = await api.postPms(body);
      expect(res.status).toBe(202);
      return (await res.json()) as { guestId: string; memberNumber?: string };
    };
    const { guestId } = await accepted(
      profileUpdatedBody({ occurredAt: '2026-09-01T08:00:00Z', guest, extras: { marketingConsent: true } }),
    );
    await accepted(
      profileUpdatedBody({ occurredAt: '2026-10-01T08:00:00Z', guest, extras: { marketingConsent: false } }),
    );
    await accepted(
      profileUpdatedBody({ occurredAt: '2026-11-01T08:00:00Z', guest, extras: { marketingConsent: true } }),
    );
    const { memberNumber } = await accepted(
      memberEnrolledBody({ occurredAt: '2026-11-02T08:00:00Z', guest }),
    );
    expect(memberNumber).toMatch(/^M\d{9}$/);

    const p = await openPage(browser, api.baseUrl, {});
    pages.push(p);
    const { page } = p;
    await signIn(page, api.keyFor('admin'));
    await page.goto('/console/admin/privacy');
    await page.getByTestId('privacy-page').waitFor();
    await shoot(page, 'd3-privacy-start');

    // Find by name, open.
    await page.locator('input[name="q"]').fill(last);
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByTestId('privacy-results');
    await expect.poll(() => results.textContent()).toContain(`Giulia ${last}`);
    await results.getByRole('button', { name: 'Open' }).click();
    const history = page.getByTestId('privacy-consents');
    await expect.poll(() => history.locator('tbody tr').count()).toBe(3);
    expect(await history.locator('tbody tr').first().textContent()).toContain('no → yes');
    expect(await history.locator('tr[data-source="pms"]').count()).toBe(3);
    expect(await page.getByTestId('privacy-guest').textContent()).toContain(memberNumber);
    await shoot(page, 'd3-privacy-guest');

    // The export: a JSON file of the guest, and its audit row.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('privacy-export').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`guest-${guestId}.json`);
    const file = await download.path();
    const exported = JSON.parse(readFileSync(file, 'utf8')) as {
      profile: { email: string };
      consents: unknown[];
      pmsEvents: unknown[];
    };
    expect(exported.profile.email).toBe(guest.email);
    expect(exported.consents).toHaveLength(3);
    expect(exported.pmsEvents).toHaveLength(4);
    expect(
      await api.stack
        .db('audit_log')
        .where({ subject: `guest:${guestId}`, action: 'guest.exported', actor: ADMIN })
        .first('id'),
    ).toBeDefined();

    // The erasure: the confirmation stays disabled until the member number matches.
    await page.getByTestId('privacy-erase').click();
    const dialog = page.locator('dialog[open]');
    await dialog
      .locator('textarea[name="reason"]')
      .fill('Data subject request received by letter, ref. DSR-2026-114');
    await dialog.locator('input[name="confirm"]').fill('M000000000');
    const submit = dialog.locator('button[type="submit"]');
    expect(await submit.isDisabled()).toBe(true);
    await dialog.locator('input[name="confirm"]').fill(memberNumber!);
    await shoot(page, 'd3-privacy-erase-dialog');
    await submit.click();
    await expect.poll(() => dialog.locator('.confirm-text').textContent()).toContain('cannot be undone');
    await submit.click();
    await page.getByTestId('privacy-erased').waitFor();
    expect(await page.locator('h2').filter({ hasText: 'Erased guest' }).count()).toBe(1);
    await expect.poll(() => history.locator('tbody tr').first().textContent()).toContain('Erasure');
    expect(await page.getByTestId('privacy-erase').count()).toBe(0);
    await shoot(page, 'd3-privacy-erased');

    // The database: anonymised, consent off with its row, the audit row with the admin's name and no name.
    const row = await api.stack
      .db('guests')
      .where({ id: guestId })
      .first<{ email: string; last_name: string; member_number: string | null; erased_at: Date | null }>();
    expect(row).toMatchObject({ email: '', member_number: null });
    expect(row.last_name).not.toContain(last);
    expect(row.erased_at).not.toBeNull();
    const consent = await api.stack
      .db('consent_history')
      .where({ guest_id: guestId })
      .orderBy('id', 'desc')
      .first<{ source: string; to_consent: boolean; actor: string }>();
    expect(consent).toMatchObject({ source: 'erasure', to_consent: false, actor: ADMIN });
    const audit = await api.stack
      .db('audit_log')
      .where({ subject: `guest:${guestId}`, action: 'guest.erased' })
      .first<{ actor: string; after: Record<string, unknown> }>();
    expect(audit.actor).toBe(ADMIN);
    expect(JSON.stringify(audit)).not.toContain(last);

    // In Chinese.
    await page.getByTestId('language-switch').click();
    await expect.poll(() => page.getByTestId('privacy-erased').textContent()).toContain('已删除');
    expect(await history.locator('tbody tr').first().textContent()).toContain('删除');
    await shoot(page, 'd3-privacy-erased-zh');

    expect(p.errors).toEqual([]);
  });
});
