/**
 * Issue 17 §6.1 in a real browser (Debian's Chromium through playwright-core, test/browser/browser.ts) against
 * the real API, worker, Temporal dev server, PostgreSQL and SMTP sink: a marketer edits the survey step's
 * offset of the post-stay cadence in a draft, sees the diff and a preview with the new local send time, runs
 * the dry run over the base, publishes, and moves the follow-ups in flight (three stays posted through the PMS
 * webhook); the move's report shows the counts. Then the template editor: both languages side by side, an
 * unknown placeholder shown at its line and column, saving and publishing refused (by the page and by the
 * API), and the fixed text published. Each test asserts what the page shows and what the database holds;
 * screenshots `m1-*` at 1280×800 and 768×1024 in .data/screenshots/.
 */
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import * as cases from '../../db/repositories/cases.js';
import * as cadences from '../../db/repositories/cadences.js';
import { POST_STAY_CADENCE } from '../../domain/cadence.js';
import { followUpStateQuery } from '../../contracts/follow-up.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { countRows, eventually, stayCompletedBody } from '../helpers.js';
import { launchChromium, openPage, shoot, signIn, type ConsolePage } from './browser.js';

let api: ApiStack;
let browser: Browser;
const pages: ConsolePage[] = [];
const PROPERTY = `M1${randomUUID().slice(0, 5).toUpperCase()}`;
const tag = randomUUID().slice(0, 6);
const MARKETER = 'Marketing Chen';
const ZONE = 'Asia/Shanghai';

/** Three guests whose stays checked out three hours ago: their follow-ups are in flight, waiting for the survey. */
const guests = [
  { firstName: '小红', lastName: `李${tag}`, id: '' },
  { firstName: 'Mateo', lastName: `Follow${tag}`, id: '' },
  { firstName: 'Aiko', lastName: `Inflight${tag}`, id: '' },
];
let checkOutAt: string;
/** The version of post-stay every follow-up pinned (the seeded one). */
let v1: number;

async function postStay(who: { firstName: string; lastName: string }, checkOut: string): Promise<string> {
  const departure = DateTime.fromISO(checkOut, { zone: ZONE }).toISODate()!;
  const arrival = DateTime.fromISO(checkOut, { zone: ZONE }).minus({ days: 2 }).toISODate()!;
  const body = stayCompletedBody({
    occurredAt: checkOut,
    guest: { firstName: who.firstName, lastName: who.lastName, locale: 'zh-CN', timezone: ZONE },
    stay: { propertyCode: PROPERTY, arrival, departure, nights: 2, roomRevenue: '2400.00', currency: 'CNY' },
  });
  const res = await api.postPms(body);
  const text = await res.text();
  expect(res.status, text).toBe(202);
  return (JSON.parse(text) as { guestId: string }).guestId;
}

/**
 * When a transactional step due at `dueAt` goes, as the planner says (domain/cadence-plan.ts): in the step's
 * window 09:00–20:00 of the guest's zone, else at the window's next opening; `yyyy-MM-dd HH:mm` local.
 */
function localSendAt(dueAt: DateTime): string {
  const local = dueAt.setZone(ZONE);
  const opening = local.set({ hour: 9, minute: 0, second: 0, millisecond: 0 });
  const at =
    local.hour < 9
      ? opening
      : local.hour >= 20
        ? opening.plus({ days: 1 })
        : local.set({ second: 0, millisecond: 0 });
  return at.toFormat('yyyy-MM-dd HH:mm');
}

beforeAll(async () => {
  api = await openApiStack({
    name: 'browser-m1',
    pmsSecret: 'browser-m1-pms-webhook-secret-0123456789',
    keys: { marketer: MARKETER, admin: 'Admin Qian', ops: 'Front desk Lin' },
  });
  await cases.upsertPropertySettings(api.stack.db, {
    property_code: PROPERTY,
    name: 'Cadence Test Hotel',
    timezone: ZONE,
    duty_manager_email: 'duty@m1.hotel.example',
    general_manager_email: 'gm@m1.hotel.example',
  });
  v1 = (await cadences.currentVersion(api.stack.db, POST_STAY_CADENCE))!.version;
  checkOutAt = new Date(Date.now() - 3 * 3_600_000).toISOString().replace(/\.\d+Z$/, '.000Z');
  for (const g of guests) g.id = await postStay(g, checkOutAt);
  // Each follow-up has started and pinned the published version.
  await eventually(
    async () =>
      (await countRows(api.stack.db, 'follow_ups', {
        cadence_key: POST_STAY_CADENCE,
        cadence_version: v1,
        status: 'running',
      })) === guests.length || undefined,
    { timeoutMs: 60_000 },
  );
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const p of pages) await p.context.close().catch(() => undefined);
  await browser?.close();
  await api?.close();
});

async function marketerPage(opts: { size?: 'laptop' | 'tablet' } = {}) {
  const p = await openPage(browser, api.baseUrl, opts);
  pages.push(p);
  await signIn(p.page, api.keyFor('marketer'));
  return p;
}

describe('cadences and templates in the console (issue 17 §1, §6.1)', () => {
  it("1. a marketer edits the survey step's offset in a draft, sees the diff and the preview's new local send time, runs the dry run, publishes, and moves the follow-ups in flight; the report shows the counts", async () => {
    const p = await marketerPage();
    const { page } = p;
    await page.goto('/console/marketing/cadences');
    const list = page.getByTestId('cadence-list');
    await expect.poll(() => list.textContent()).toContain('Post-stay follow-up');
    expect(await list.locator('tr', { hasText: 'Post-stay follow-up' }).textContent()).toMatch(
      new RegExp(`v${v1}.*${guests.length}$`),
    );
    await expect.poll(() => page.getByTestId('template-list').textContent()).toContain('Survey');
    await shoot(page, 'm1-cadences-list');

    // The cadence, its published version; a draft from it with the survey two days after check-out.
    await list.getByRole('link', { name: 'Post-stay follow-up' }).click();
    await expect.poll(() => page.getByTestId('current-version').textContent()).toBe(`Published: v${v1}`);
    expect(await page.getByTestId('version-steps').locator('tr[data-step="survey"]').textContent()).toContain(
      '1 day after check-out',
    );
    await page.getByTestId('edit-draft').click();
    const editor = page.getByTestId('draft-editor');
    await editor.getByTestId('offset-survey').fill('2');
    expect(await editor.getByTestId('unit-survey').inputValue()).toBe('days');
    await editor.locator('input[name="note"]').fill('Survey a day later: guests answer after the trip home');
    await shoot(page, 'm1-cadence-draft');
    await editor.getByTestId('save-draft').click();

    const v2 = v1 + 1;
    await expect
      .poll(() => page.getByTestId('version-view').locator('h2').textContent())
      .toMatch(new RegExp(`Version ${v2}\\s*Draft`));
    const draftRow = await api.stack
      .db('cadence_versions')
      .where({ cadence_key: POST_STAY_CADENCE, version: v2 })
      .first<{
        status: string;
        created_by: string;
        based_on: number;
        steps: { id: string; offsetMinutes: number }[];
      }>();
    expect(draftRow).toMatchObject({ status: 'draft', created_by: MARKETER, based_on: v1 });
    expect(draftRow.steps.find((s) => s.id === 'survey')!.offsetMinutes).toBe(2 * 1440);
    expect(draftRow.steps.filter((s) => s.id !== 'survey').map((s) => s.offsetMinutes)).toEqual([
      120,
      3 * 1440,
      30 * 1440,
    ]);

    // The diff against the published version: the survey's offset, and nothing else.
    const diff = page.getByTestId('cadence-diff');
    await expect.poll(() => diff.textContent()).toContain('survey');
    expect((await diff.locator('> li').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim())).toEqual([
      'Changed survey Offset: 1 day → 2 days',
    ]);

    // The preview for a guest picked by name: the survey's new local send time, beside the published one.
    await page.locator('input[name="guest-q"]').fill(guests[0]!.lastName);
    await page.getByRole('button', { name: 'Search' }).click();
    await page
      .getByTestId('guest-pick-results')
      .getByRole('button', { name: `李${tag}小红` })
      .click();
    const preview = page.getByTestId('cadence-preview');
    await preview.waitFor();
    expect(await page.getByTestId('preview-zone').textContent()).toBe(ZONE);
    const checkOut = DateTime.fromISO(checkOutAt);
    const newSurvey = localSendAt(checkOut.plus({ days: 2 }));
    const oldSurvey = localSendAt(checkOut.plus({ days: 1 }));
    expect(newSurvey).not.toBe(oldSurvey);
    const surveyRow = page.getByTestId('preview-mails').locator('tr[data-step="survey"]');
    await expect.poll(() => page.getByTestId('local-survey').textContent()).toContain(newSurvey);
    expect(await surveyRow.locator('td').last().textContent()).toBe(oldSurvey);
    // The subject in the guest's language with their name.
    expect(await surveyRow.textContent()).toContain(`李${tag}小红`);
    // The review request waits for a survey score of 4 or more: skipped, and the page says why.
    const skipped = page.getByTestId('preview-skipped').locator('tr[data-step="review-request"]');
    expect(await skipped.textContent()).toMatch(
      /Condition not met.*score_at_least:4 \(survey not answered\)/,
    );

    // The dry run over the base: the three follow-ups in flight, as if they ran the draft.
    await page.getByTestId('run-base-plan').click();
    const basePlan = page.getByTestId('base-plan');
    await expect
      .poll(() => basePlan.textContent())
      .toContain(`${guests.length} of ${guests.length} follow-ups`);
    const answer = await api.request<{
      steps: { stepId: string; done: number; send: number; skipped: Record<string, number> }[];
      reasons: Record<string, number>;
    }>('GET', `/v1/cadences/${POST_STAY_CADENCE}/dry-run/steps?version=${v2}`, undefined, {
      key: api.keyFor('marketer'),
    });
    const survey = answer.json.steps.find((s) => s.stepId === 'survey')!;
    expect(survey).toMatchObject({ done: 0, send: guests.length });
    const review = answer.json.steps.find((s) => s.stepId === 'review-request')!;
    expect(review.skipped.condition_not_met).toBe(guests.length);
    const cells = async (step: string) =>
      (await basePlan.locator(`tr[data-step="${step}"] td`).allTextContents()).map((c) => c.trim());
    // Step, mail, done, would send, held, then one column per reason.
    expect((await cells('survey')).slice(0, 4)).toEqual(['survey', 'Survey', '0', String(guests.length)]);
    const headings = (await basePlan.locator('th').allTextContents()).map((c) => c.trim());
    const reviewCells = await cells('review-request');
    expect(reviewCells[headings.indexOf('Condition not met')]).toBe(String(guests.length));
    await shoot(page, 'm1-cadence-diff-preview');

    // Publish the draft: follow-ups that start from now on pin it.
    await page.getByTestId('publish').click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByTestId('current-version').textContent()).toBe(`Published: v${v2}`);
    expect(
      await api.stack
        .db('cadence_versions')
        .where({ cadence_key: POST_STAY_CADENCE, version: v2 })
        .first('status', 'published_by'),
    ).toEqual({ status: 'published', published_by: MARKETER });

    // The follow-ups in flight are still on v1; move them.
    const inFlight = page.getByTestId('in-flight');
    const oldRow = inFlight.locator(`tr[data-version="${v1}"]`);
    await expect.poll(() => oldRow.locator('td').nth(1).textContent()).toBe(String(guests.length));
    expect(await oldRow.textContent()).toContain('survey: Offset 1 day → 2 days');
    await oldRow.getByTestId(`move-${v1}`).click();
    expect(await dialog.locator('input[name="limit"]').inputValue()).toBe(String(guests.length));
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    const report = page.getByTestId('move-report');
    await report.waitFor({ timeout: 60_000 });
    expect(await report.locator('h3').textContent()).toBe(`Move from v${v1} to v${v2}`);
    expect(await page.getByTestId('report-selected').textContent()).toBe(String(guests.length));
    expect(await page.getByTestId('report-moved').textContent()).toBe(String(guests.length));
    expect(await page.getByTestId('report-failed').textContent()).toBe('0');
    expect(await page.getByTestId('report-remaining').textContent()).toBe('0');
    // The table follows: every follow-up now on v2.
    await expect.poll(() => inFlight.locator(`tr[data-version="${v1}"]`).count()).toBe(0);
    expect(await inFlight.locator(`tr[data-version="${v2}"] td`).nth(1).textContent()).toBe(
      String(guests.length),
    );
    await shoot(page, 'm1-cadence-moved');

    // The database: every follow-up of the three guests on v2, moved from v1; the request and its result; the
    // audit of each change with the marketer's name.
    const followUps = await api.stack
      .db('follow_ups')
      .whereIn(
        'guest_id',
        guests.map((g) => g.id),
      )
      .select<{ workflow_id: string; cadence_version: number; moved_from: number; status: string }[]>(
        'workflow_id',
        'cadence_version',
        'moved_from',
        'status',
      );
    expect(followUps).toHaveLength(guests.length);
    for (const f of followUps)
      expect(f).toMatchObject({ cadence_version: v2, moved_from: v1, status: 'running' });
    const requests = await api.stack
      .db('cadence_move_requests')
      .where({ cadence_key: POST_STAY_CADENCE })
      .select<
        { from_version: number; to_version: number; requested_by: string; result: { moved: number } }[]
      >('from_version', 'to_version', 'requested_by', 'result');
    expect(requests).toEqual([
      {
        from_version: v1,
        to_version: v2,
        requested_by: MARKETER,
        result: { moved: guests.length, failed: [] },
      },
    ]);
    const audit = await api.stack
      .db('audit_log')
      .where({ subject: `cadence:${POST_STAY_CADENCE}` })
      .orderBy('id')
      .select<{ actor: string; action: string }[]>('actor', 'action');
    expect(audit).toEqual([
      { actor: MARKETER, action: 'cadence.draft_created' },
      { actor: MARKETER, action: 'cadence.published' },
      { actor: MARKETER, action: 'cadence.follow_ups_moved' },
    ]);
    // And the workflows themselves: on v2, waiting for the survey.
    for (const f of followUps) {
      const state = await api.env.client.workflow.getHandle(f.workflow_id).query(followUpStateQuery);
      expect(state).toMatchObject({ version: v2, movedFrom: v1 });
    }

    // Roll back to v1: a copy of it published as v3; the follow-ups stay on v2 until moved again.
    await page
      .getByTestId('cadence-versions')
      .getByRole('button', { name: `v${v1}`, exact: true })
      .click();
    await page.getByTestId('rollback').click();
    await dialog.locator('input[name="note"]').fill('Back to the next-day survey');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    const v3 = v2 + 1;
    await expect.poll(() => page.getByTestId('current-version').textContent()).toBe(`Published: v${v3}`);
    await expect
      .poll(() => inFlight.locator(`tr[data-version="${v2}"]`).textContent())
      .toContain(`Move to v${v3}`);
    expect(
      await api.stack
        .db('cadence_versions')
        .where({ cadence_key: POST_STAY_CADENCE, version: v3 })
        .first('status', 'based_on', 'note', 'published_by'),
    ).toEqual({
      status: 'published',
      based_on: v1,
      note: 'Back to the next-day survey',
      published_by: MARKETER,
    });
    expect(
      await countRows(api.stack.db, 'audit_log', {
        subject: `cadence:${POST_STAY_CADENCE}`,
        action: 'cadence.rolled_back',
        actor: MARKETER,
      }),
    ).toBe(1);

    // The page in Chinese, at both sizes.
    await page.getByTestId('language-switch').click();
    await expect.poll(() => page.getByTestId('current-version').textContent()).toBe(`已发布：v${v2 + 1}`);
    await shoot(page, 'm1-cadence-zh');
    expect(p.errors).toEqual([]);
  }, 240_000);

  it('2. the template editor shows both languages side by side and the placeholders; an unknown placeholder is shown at its line and column and cannot be saved or published; the fixed text is published', async () => {
    const p = await marketerPage();
    const { page } = p;
    await page.goto('/console/marketing/cadences');
    await page.getByTestId('template-list').getByRole('link', { name: 'Survey' }).click();
    await page.getByTestId('template-editor').waitFor();
    // The placeholders this template may use, and the two languages side by side.
    const placeholders = await page.getByTestId('placeholders').textContent();
    expect(placeholders).toContain('{{firstName}}');
    expect(placeholders).toContain('{{surveyUrl}}');
    const en = page.getByTestId('locale-en');
    const zh = page.getByTestId('locale-zh-CN');
    const [enBox, zhBox] = [await en.boundingBox(), await zh.boundingBox()];
    expect(zhBox!.x).toBeGreaterThan(enBox!.x + enBox!.width - 1);
    expect(Math.abs(zhBox!.y - enBox!.y)).toBeLessThan(2);
    await expect.poll(() => page.getByTestId('check-state').textContent()).toBe('No problem found');

    // An unknown placeholder on the second line of the English text, another in the Chinese subject.
    const enText = en.locator('textarea[name="locales.en.text"]');
    const original = await enText.inputValue();
    const lines = original.split('\n');
    lines.splice(1, 0, 'Your room: {{roomNumber}}');
    await enText.fill(lines.join('\n'));
    const zhSubject = zh.locator('input[name="locales.zh-CN.subject"]');
    const zhOriginal = await zhSubject.inputValue();
    await zhSubject.fill(`{{frstName}}，${zhOriginal}`);
    await expect.poll(() => page.getByTestId('check-state').textContent()).toBe('2 problem(s)');
    const enIssue = page.locator('[data-testid="template-issue"][data-field="locales.en.text"]');
    expect(await enIssue.locator('.field-error').textContent()).toBe(
      'Line 2, column 14: unknown placeholder roomNumber',
    );
    expect(await enIssue.getByTestId('issue-mark').textContent()).toBe('roomNumber');
    const zhIssue = page.locator('[data-testid="template-issue"][data-field="locales.zh-CN.subject"]');
    expect(await zhIssue.locator('.field-error').textContent()).toBe(
      'Line 1, column 3: unknown placeholder frstName',
    );
    expect(await zhIssue.getByTestId('issue-mark').textContent()).toBe('frstName');
    // Neither saved nor published while there is a problem.
    expect(await page.getByTestId('template-publish').isDisabled()).toBe(true);
    expect(await page.getByTestId('template-save').isDisabled()).toBe(true);
    await shoot(page, 'm1-template-unknown-placeholder');

    // The API refuses the same text too, naming each placeholder with its place; nothing is written.
    const locales = {
      en: {
        subject: await en.locator('input[name="locales.en.subject"]').inputValue(),
        text: await enText.inputValue(),
        html: await en.locator('textarea[name="locales.en.html"]').inputValue(),
      },
      'zh-CN': {
        subject: await zhSubject.inputValue(),
        text: await zh.locator('textarea[name="locales.zh-CN.text"]').inputValue(),
        html: await zh.locator('textarea[name="locales.zh-CN.html"]').inputValue(),
      },
    };
    const refused = await api.request<{
      error: {
        code: string;
        details: { issues: { field: string; placeholder: string; line: number; column: number }[] };
      };
    }>('POST', '/v1/templates/satisfaction-survey/versions', { locales }, { key: api.keyFor('marketer') });
    expect(refused.status).toBe(422);
    expect(refused.json.error.code).toBe('template_invalid');
    expect(refused.json.error.details.issues.map((i) => [i.field, i.placeholder, i.line, i.column])).toEqual([
      ['locales.en.text', 'roomNumber', 2, 14],
      ['locales.zh-CN.subject', 'frstName', 1, 3],
    ]);
    expect(await countRows(api.stack.db, 'template_versions', { template_key: 'satisfaction-survey' })).toBe(
      0,
    );

    // Fixed: a known placeholder in English, the Chinese subject as it was; checked, saved and published.
    lines[1] = 'Dear {{firstName}}, thank you for staying with us.';
    await enText.fill(lines.join('\n'));
    await zhSubject.fill(zhOriginal);
    await expect.poll(() => page.getByTestId('check-state').textContent()).toBe('No problem found');
    await page
      .locator('[data-testid="template-editor"] input[name="note"]')
      .fill('A personal line in English');
    await page.getByTestId('template-publish').click();
    await expect
      .poll(() => page.getByTestId('template-versions').locator('tr').nth(2).textContent())
      .toMatch(/v1\s*Published, current/);
    const stored = await api.stack
      .db('template_versions')
      .where({ template_key: 'satisfaction-survey' })
      .select<{ version: number; status: string; created_by: string; published_by: string }[]>(
        'version',
        'status',
        'created_by',
        'published_by',
      );
    expect(stored).toEqual([
      { version: 1, status: 'published', created_by: MARKETER, published_by: MARKETER },
    ]);
    const texts = await api.stack
      .db('template_version_locales')
      .where({ template_key: 'satisfaction-survey', version: 1 })
      .orderBy('locale')
      .select<{ locale: string; subject: string; text: string }[]>('locale', 'subject', 'text');
    expect(texts.map((r) => r.locale)).toEqual(['en', 'zh-CN']);
    expect(texts[0]!.text.split('\n')[1]).toBe('Dear {{firstName}}, thank you for staying with us.');
    expect(texts[1]!.subject).toBe(zhOriginal);
    await shoot(page, 'm1-template-published');

    // The same editor in Chinese.
    await page.getByTestId('language-switch').click();
    await expect.poll(() => page.getByTestId('check-state').textContent()).toBe('未发现问题');
    await shoot(page, 'm1-template-zh');
    expect(p.errors).toEqual([]);
  }, 180_000);
});
