/**
 * The program rules page in a real browser (test/browser/browser.ts) against the real API and PostgreSQL, on
 * members written here (test/rules-members.ts):
 * 5. an admin starts a draft from the version in force, sees a refused field next to it, saves, sees the
 *    tier-change preview — whose numbers are the API's and what reviewedTier decides per member — and publishes
 *    it with an effective date: the version row, the draft's mark and the audit row are in the database;
 * 6. an ops key sees no marketing or admin links, and every marketing and admin page shows the no-access panel
 *    without one call to a marketing API; a marketer sees no rules link and no rules page.
 * Screenshots m5-*, m6-* at 1280×800 and 768×1024 in .data/screenshots/.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { RULES_V2 } from '../../domain/default-rules.js';
import type { ProgramRules } from '../../domain/program.js';
import { DEFAULT_SEGMENT_SETTINGS } from '../../domain/segments.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { movesOf, reviewedPerMember, variedMembers, writeMembers } from '../rules-members.js';
import { launchChromium, openPage, shoot, signIn, type ConsolePage, clearScreenshots } from './browser.js';

const ADMIN = 'Admin Qian';
let api: ApiStack;
let browser: Browser;
let ids: string[] = [];
const pages: ConsolePage[] = [];
const year = new Date().getUTCFullYear();
const reviewDay = `${year + 1}-01-01`;

/** The draft's tiers, typed into the form. */
const DRAFT_TIERS: ProgramRules['tiers'] = {
  silver: { nights: 6, stays: 3, basePoints: 12_000, bonusPercent: 20 },
  gold: { nights: 12, stays: 5, basePoints: 30_000, bonusPercent: 80 },
  diamond: { nights: 18, stays: 6, basePoints: 45_000, bonusPercent: 100 },
};

beforeAll(async () => {
  api = await openApiStack({
    name: 'browser-rules',
    pmsSecret: 'browser-rules-pms-webhook-secret-0123456789',
    worker: false,
    keys: { ops: 'Front desk Lin', marketer: 'Marketing Chen', admin: ADMIN },
  });
  ids = await writeMembers(api.stack.db, variedMembers(), randomUUID().slice(0, 6));
  // This file's screenshots only: other files' stay.
  clearScreenshots(/^m[56]-/);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const p of pages) await p.context.close().catch(() => undefined);
  await browser?.close();
  await api?.close();
});

async function staffPage(
  role: 'ops' | 'marketer' | 'admin',
  opts: { size?: 'laptop' | 'tablet'; locale?: string } = {},
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

const numberIn = async (page: Page, testId: string, col: string) =>
  Number(
    (await page.getByTestId(testId).locator(`[data-col="${col}"]`).textContent())!.replace(/[^\d-]/g, ''),
  );

interface PreviewAnswer {
  members: number;
  currentVersion: number;
  current: Record<'up' | 'down' | 'kept' | 'floor', number>;
  draft: Record<'up' | 'down' | 'kept' | 'floor', number>;
  transitions: { from: string; to: string; current: number; draft: number; difference: number }[];
}

describe('program rules in a browser', () => {
  it('5. An admin drafts a rules version, sees the tier-change preview, and publishes it', async () => {
    const p = await staffPage('admin');
    const { page } = p;
    await page.goto('/console/admin/rules');
    await expect.poll(() => page.locator('h2').first().textContent()).toBe('In force: version 2');
    const silver = page.getByTestId('rules-in-force').getByTestId('tier-silver');
    expect(await silver.textContent()).toMatch(/Silver.*10.*4.*25,000.*20/);
    await shoot(page, 'm5-rules-in-force');

    // A draft from the version in force: a row, with who.
    await page.getByTestId('new-draft').click();
    await page.waitForURL(/\/admin\/rules\/drafts\/\d+$/);
    const draftId = Number(/drafts\/(\d+)$/.exec(page.url())![1]);
    const created = await api.stack
      .db('program_rules_drafts')
      .where({ id: draftId })
      .first<{ created_by: string; revision: number; based_on_version: number; rules: ProgramRules }>();
    expect(created).toMatchObject({ created_by: ADMIN, revision: 1, based_on_version: 2, rules: RULES_V2 });

    // A gold threshold below silver's: the API's 400, shown next to the field; nothing saved.
    for (const tier of ['silver', 'gold', 'diamond'] as const)
      for (const m of ['nights', 'stays', 'basePoints'] as const)
        await page.locator(`input[name="tiers.${tier}.${m}"]`).fill(String(DRAFT_TIERS[tier][m]));
    await page.locator('input[name="tiers.gold.nights"]').fill('3');
    await page.locator('textarea[name="note"]').fill('Lower thresholds from the 2027 review');
    await page.getByTestId('save-draft').click();
    const goldNights = page.locator('td', { has: page.locator('input[name="tiers.gold.nights"]') });
    await expect
      .poll(() => goldNights.locator('.field-error').textContent())
      .toMatch(/must be above silver's 6/);
    expect(await page.getByTestId('field-errors').isVisible()).toBe(true);
    // The changed field says what it was.
    expect(
      await page.locator('td', { has: page.locator('input[name="tiers.silver.nights"]') }).textContent(),
    ).toContain('was 10');
    await shoot(page, 'm5-rules-field-error');
    expect(
      await api.stack
        .db('program_rules_drafts')
        .where({ id: draftId })
        .first<{ revision: number }>('revision'),
    ).toEqual({ revision: 1 });

    await page.locator('input[name="tiers.gold.nights"]').fill(String(DRAFT_TIERS.gold.nights));
    await page.getByTestId('save-draft').click();
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('Saved (revision 2).');
    const saved = await api.stack
      .db('program_rules_drafts')
      .where({ id: draftId })
      .first<{ revision: number; rules: ProgramRules; note: string; updated_by: string }>();
    expect(saved).toMatchObject({
      revision: 2,
      note: 'Lower thresholds from the 2027 review',
      updated_by: ADMIN,
      rules: { ...RULES_V2, tiers: DRAFT_TIERS, segments: DEFAULT_SEGMENT_SETTINGS },
    });

    // The preview: the page's numbers are the API's, and the API's are what the review decides per member.
    await page.getByTestId('run-preview').click();
    await page.getByTestId('preview-table').waitFor();
    const answer = await api.request<PreviewAnswer>(
      'POST',
      '/v1/program/rules/preview',
      { rules: saved.rules },
      { key: api.keyFor('admin') },
    );
    const preview = answer.json;
    expect(preview.currentVersion).toBe(2);
    const [current, draft] = await Promise.all([
      reviewedPerMember(api.stack.db, ids, RULES_V2.tiers),
      reviewedPerMember(api.stack.db, ids, DRAFT_TIERS),
    ]);
    expect(movesOf(preview.transitions, 'current')).toEqual(current.moves);
    expect(movesOf(preview.transitions, 'draft')).toEqual(draft.moves);
    expect(await page.getByTestId('preview-table').locator('tr.preview-move').count()).toBe(
      preview.transitions.length,
    );
    expect(preview.transitions.length).toBeGreaterThan(1);
    for (const t of preview.transitions) {
      const row = `preview-row-${t.from}-${t.to}`;
      expect([row, await numberIn(page, row, 'current')]).toEqual([row, t.current]);
      expect([row, await numberIn(page, row, 'draft')]).toEqual([row, t.draft]);
      expect([row, await numberIn(page, row, 'difference')]).toEqual([row, t.difference]);
    }
    for (const k of ['up', 'down', 'kept', 'floor'] as const) {
      expect(await numberIn(page, `preview-total-${k}`, 'current')).toBe(preview.current[k]);
      expect(await numberIn(page, `preview-total-${k}`, 'draft')).toBe(preview.draft[k]);
    }
    expect(await page.getByTestId('preview-summary').textContent()).toContain(`${current.members} members`);
    await shoot(page, 'm5-rules-preview');

    // Publish for the review day, behind a confirmation.
    await page.getByTestId('publish').click();
    const dialog = page.locator('dialog[open]');
    expect(await dialog.locator('input[name="effectiveFrom"]').inputValue()).toBe(reviewDay);
    expect(await dialog.getByTestId('publish-preview').textContent()).toContain(
      `this draft moves ${preview.draft.up} members up and ${preview.draft.down} down (version 2: ${preview.current.up} up, ${preview.current.down} down)`,
    );
    await dialog.getByRole('button', { name: 'Continue' }).click();
    expect(await dialog.locator('.confirm-text').textContent()).toMatch(/as version 3, in force from 1 Jan/);
    await shoot(page, 'm5-rules-publish-confirm');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByTestId('published').textContent()).toMatch(/Published as version 3/);

    const version = await api.stack
      .db('program_rules')
      .where({ version: 3 })
      .first<{ effective_from: string; created_by: string; rules: ProgramRules }>();
    expect(version).toEqual({
      effective_from: reviewDay,
      created_by: ADMIN,
      // The form writes the segment settings out: the defaults version 2 runs by.
      rules: { ...RULES_V2, tiers: DRAFT_TIERS, segments: DEFAULT_SEGMENT_SETTINGS },
      version: 3,
      created_at: expect.any(Date) as unknown,
    });
    expect(
      await api.stack
        .db('program_rules_drafts')
        .where({ id: draftId })
        .first('published_version', 'published_by'),
    ).toEqual({ published_version: 3, published_by: ADMIN });
    const audit = await api.stack
      .db('audit_log')
      .where({ action: 'program.rules_published', subject: 'program_rules:3' })
      .first<{ actor: string; after: { draftId: number; note: string } }>();
    expect(audit).toMatchObject({
      actor: ADMIN,
      after: { draftId, note: 'Lower thresholds from the 2027 review' },
    });

    // The overview: version 2 still in force, version 3 waiting for its day, no open draft.
    await page.goto('/console/admin/rules');
    await page.getByTestId('upcoming-3').waitFor();
    expect(await page.getByTestId('upcoming-3').textContent()).toContain('Version 3 from 1 Jan');
    expect(await page.getByTestId('drafts-table').count()).toBe(0);
    await page.getByTestId('upcoming-3').locator('summary').click();
    await shoot(page, 'm5-rules-upcoming');
    expect(consoleErrors(p, [400])).toEqual([]);

    // The same page in Chinese, with a draft and its preview.
    const zh = await staffPage('admin', { locale: 'zh-CN' });
    await zh.page.goto('/console/admin/rules');
    await expect.poll(() => zh.page.locator('h2').first().textContent()).toBe('现行版本：第 2 版');
    await zh.page.getByTestId('new-draft').click();
    await zh.page.waitForURL(/\/admin\/rules\/drafts\/\d+$/);
    await zh.page.locator('input[name="tiers.diamond.nights"]').fill('70');
    await zh.page.getByTestId('run-preview').click();
    await zh.page.getByTestId('preview').waitFor();
    expect(await zh.page.getByTestId('preview-summary').textContent()).toMatch(/评级/);
    await shoot(zh.page, 'm5-rules-draft-zh');
    expect(consoleErrors(zh)).toEqual([]);
  }, 180_000);

  it('6. An ops key sees no marketing pages', async () => {
    const MARKETING_API = /\/v1\/(templates|cadences|segments|campaigns|reports|program)\b/;
    const watch = (p: ConsolePage) => {
      const calls: string[] = [];
      p.page.on('request', (r) => {
        if (MARKETING_API.test(new URL(r.url()).pathname)) calls.push(`${r.method()} ${r.url()}`);
      });
      return calls;
    };
    const navLinks = async (page: Page): Promise<string[]> => {
      const hrefs: string[] = [];
      for (const a of await page.locator('nav.mainnav a').all())
        hrefs.push((await a.getAttribute('href')) ?? '');
      return hrefs;
    };

    const ops = await staffPage('ops');
    const opsCalls = watch(ops);
    const links = await navLinks(ops.page);
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((h) => /\/(marketing|admin)\//.test(h))).toEqual([]);
    for (const url of [
      '/console/marketing/dashboard',
      '/console/marketing/cadences',
      '/console/marketing/segments',
      '/console/marketing/campaigns',
      '/console/admin/rules',
    ]) {
      await ops.page.goto(url);
      await ops.page.getByTestId('no-access').waitFor();
      expect([url, await ops.page.getByTestId('no-access').textContent()]).toEqual([
        url,
        expect.stringContaining('This page is not open to the Operations role') as unknown,
      ]);
      expect(await navLinks(ops.page)).toEqual(links);
      if (url.endsWith('dashboard')) await shoot(ops.page, 'm6-ops-no-access');
    }
    // Let anything a page might still start go out before counting.
    await ops.page.waitForLoadState('networkidle');
    expect(opsCalls).toEqual([]);
    expect(consoleErrors(ops)).toEqual([]);

    // A marketer: the marketing links, no rules link, and no rules page.
    const marketer = await staffPage('marketer', { size: 'tablet' });
    const marketerCalls = watch(marketer);
    const mLinks = await navLinks(marketer.page);
    expect(mLinks.some((h) => h.endsWith('/marketing/segments'))).toBe(true);
    expect(mLinks.filter((h) => h.includes('/admin/'))).toEqual([]);
    await marketer.page.goto('/console/admin/rules');
    await marketer.page.getByTestId('no-access').waitFor();
    expect(await marketer.page.getByTestId('rules-page').count()).toBe(0);
    await marketer.page.waitForLoadState('networkidle');
    expect(marketerCalls.filter((c) => c.includes('/v1/program'))).toEqual([]);
    await shoot(marketer.page, 'm6-marketer-no-rules');
    expect(consoleErrors(marketer)).toEqual([]);
  }, 120_000);
});
