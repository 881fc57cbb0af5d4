/**
 * The member import page (/admin/import, console/src/pages/import.tsx) in a real browser (test/browser/browser.ts)
 * against the real API, worker, Temporal dev server and PostgreSQL: an admin uploads a file of 400 good and 3 bad
 * lines, follows the progress to the end, and the page's counts are the database's (guests, `import` ledger and
 * tier rows, bad lines); the bad-line report downloads with each line and field; the past imports list it; the
 * same file again says nothing changed (no new row); the page in Chinese. Screenshots d2-* at both sizes.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { countTables, openApiStack, type ApiStack } from '../api-stack.js';
import { generatedMembers, memberCsv, memberLine } from '../member-files.js';
import { launchChromium, openPage, shoot, signIn, type ConsolePage, clearScreenshots } from './browser.js';

const ADMIN = 'Admin Zhao';
let api: ApiStack;
let browser: Browser;
let dir: string;
let file: string;
const pages: ConsolePage[] = [];
const GOOD = 400;

beforeAll(async () => {
  api = await openApiStack({
    name: 'browser-import',
    pmsSecret: 'browser-import-pms-webhook-secret-0123456789',
    keys: { admin: ADMIN },
  });
  dir = await mkdtemp(path.join(tmpdir(), 'browser-import-'));
  const good = generatedMembers(GOOD, 21);
  file = path.join(dir, 'club-members-2026.csv');
  await writeFile(
    file,
    memberCsv([
      ...good.slice(0, 10),
      { ...memberLine(901, 21), email: 'no-at-sign' }, // line 12
      ...good.slice(10, 200),
      { ...memberLine(902, 21), tier: 'platinum' }, // line 203
      ...good.slice(200),
      { ...memberLine(903, 21), enrolled_on: '2026-02-30' }, // line 404
    ]),
  );
  clearScreenshots(/^d2-/);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const p of pages) await p.context.close().catch(() => undefined);
  await browser?.close();
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function adminPage(opts: { locale?: string } = {}) {
  const p = await openPage(browser, api.baseUrl, opts);
  pages.push(p);
  await signIn(p.page, api.keyFor('admin'));
  return p;
}

const numberOf = async (p: ConsolePage, testId: string) =>
  Number((await p.page.getByTestId(testId).textContent())!.replace(/[^\d]/g, ''));

describe('member import in a browser', () => {
  it('an admin uploads a member file, follows it to the end, downloads the report; the same file changes nothing', async () => {
    const p = await adminPage();
    const { page } = p;
    await page.goto('/console/admin/import');
    await page.getByTestId('import-page').waitFor();
    await shoot(page, 'd2-import-empty');

    await page.getByTestId('import-file').setInputFiles(file);
    await page.getByTestId('import-submit').click();
    await page.getByTestId('current-status').waitFor();
    await shoot(page, 'd2-import-progress');
    await expect
      .poll(() => page.getByTestId('current-status').textContent(), { timeout: 90_000 })
      .toBe('Finished');
    expect(await page.getByTestId('current-title').textContent()).toBe('Import 1: club-members-2026.csv');
    await shoot(page, 'd2-import-finished');

    // The page's counts are the database's.
    const db = api.stack.db;
    const row = await db('imports').where({ id: 1 }).first<{
      status: string;
      created_by: string;
      rows_read: number;
      created: number;
      rejected: number;
      workflows_done: number;
    }>();
    expect(row).toMatchObject({
      status: 'finished',
      created_by: ADMIN,
      rows_read: GOOD + 3,
      created: GOOD,
      rejected: 3,
      workflows_done: GOOD,
    });
    expect(await numberOf(p, 'count-read')).toBe(GOOD + 3);
    expect(await numberOf(p, 'count-created')).toBe(GOOD);
    expect(await numberOf(p, 'count-rejected')).toBe(3);
    expect(await numberOf(p, 'count-workflows')).toBe(GOOD);
    expect(Number((await db('guests').where('member_number', 'like', 'M21%').count({ n: '*' }))[0]!.n)).toBe(
      GOOD,
    );
    const ledger = await db('points_ledger').where({ reason: 'import' }).count({ n: '*' });
    expect(Number(ledger[0]!.n)).toBe(
      generatedMembers(GOOD, 21).filter((m) => m.points_balance !== '0').length,
    );
    const tiers = await db('tier_history').where({ source: 'import' }).count({ n: '*' });
    expect(Number(tiers[0]!.n)).toBe(generatedMembers(GOOD, 21).filter((m) => m.tier !== 'member').length);

    // The bad-line report: each line and field.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('report-link').click(),
    ]);
    expect(download.suggestedFilename()).toBe('import-1-report.csv');
    const report = await readFile(await download.path(), 'utf8');
    expect(report.split('\n').map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      'line,field',
      '12,email',
      '203,tier',
      '404,enrolled_on',
      '',
    ]);

    // The past imports.
    await expect
      .poll(() => page.getByTestId('import-row-1').textContent())
      .toContain('club-members-2026.csv');

    // The same file again: the page says nothing changed, and nothing did.
    const before = await countTables(db, [
      'guests',
      'points_ledger',
      'tier_history',
      'imports',
      'import_members',
    ]);
    await page.getByTestId('import-file').setInputFiles(file);
    await page.getByTestId('import-submit').click();
    await page.getByTestId('already-imported').waitFor();
    await shoot(page, 'd2-import-again');
    expect(
      await countTables(db, ['guests', 'points_ledger', 'tier_history', 'imports', 'import_members']),
    ).toEqual(before);
    expect(p.errors).toEqual([]);
  });

  it('shows the page in Chinese', async () => {
    const zh = await adminPage({ locale: 'zh-CN' });
    await zh.page.goto('/console/admin/import');
    await expect.poll(() => zh.page.locator('h2').first().textContent()).toBe('会员导入');
    await zh.page.getByTestId('import-row-1').getByRole('button').click();
    await expect.poll(() => zh.page.getByTestId('current-status').textContent()).toBe('已完成');
    await shoot(zh.page, 'd2-import-zh');
    expect(zh.errors).toEqual([]);
  });
});
