/**
 * Browser test 2 of the marketing console (issue 17, section 6.2): a marketer builds the segment "gold, lapsed
 * within 90 days, zh-CN" on /marketing/segments and sees its count, which matches a count in SQL written here
 * apart from the repository; saves it (its row in Postgres), opens it with its guests and the CSV, and looks
 * at the requalification forecast. Guests are written directly in Postgres: the matches, and near-misses that
 * fail one part each (lapsed 120 days ago, English, Silver, back from lapsed, lapsed without a recorded move).
 * Screenshots m2-* at 1280×800 and 768×1024.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import * as guestsRepo from '../../db/repositories/guests.js';
import { addDaysToDay } from '../../domain/segments.js';
import { sampleGuest } from '../pms-samples.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { launchChromium, openPage, shoot, signIn, type ConsolePage } from './browser.js';

let api: ApiStack;
let browser: Browser;
const pages: ConsolePage[] = [];
const today = new Date().toISOString().slice(0, 10);
const MARKETER = 'Marketing Chen';
const SEGMENT_NAME = 'Gold, lapsed within 90 days, zh-CN';

interface Spec {
  firstName: string;
  lastName: string;
  tier: string;
  locale: string;
  stage: string;
  /** Days ago the guest moved to lapsed (null: no such move recorded). */
  lapsedDaysAgo: number | null;
  /** Stays this year. */
  stays: number;
}

/** The segment's guests: Gold, lapsed 5 to 89 days ago, Chinese. */
const MATCHES: Spec[] = [
  {
    firstName: '静',
    lastName: '林',
    tier: 'gold',
    locale: 'zh-CN',
    stage: 'lapsed',
    lapsedDaysAgo: 5,
    stays: 0,
  },
  {
    firstName: '伟',
    lastName: '张',
    tier: 'gold',
    locale: 'zh-CN',
    stage: 'lapsed',
    lapsedDaysAgo: 33,
    stays: 1,
  },
  {
    firstName: '芳',
    lastName: '王',
    tier: 'gold',
    locale: 'zh-CN',
    stage: 'lapsed',
    lapsedDaysAgo: 61,
    stays: 2,
  },
  {
    firstName: 'Mei',
    lastName: 'Chen',
    tier: 'gold',
    locale: 'zh-CN',
    stage: 'lapsed',
    lapsedDaysAgo: 89,
    stays: 0,
  },
];
/** Each fails one part. */
const NEAR_MISSES: Spec[] = [
  {
    firstName: '强',
    lastName: '刘',
    tier: 'gold',
    locale: 'zh-CN',
    stage: 'lapsed',
    lapsedDaysAgo: 120,
    stays: 0,
  },
  {
    firstName: 'Emma',
    lastName: 'Brown',
    tier: 'gold',
    locale: 'en',
    stage: 'lapsed',
    lapsedDaysAgo: 30,
    stays: 0,
  },
  {
    firstName: '敏',
    lastName: '赵',
    tier: 'silver',
    locale: 'zh-CN',
    stage: 'lapsed',
    lapsedDaysAgo: 30,
    stays: 1,
  },
  {
    firstName: '军',
    lastName: '孙',
    tier: 'gold',
    locale: 'zh-CN',
    stage: 'reactivated',
    lapsedDaysAgo: 20,
    stays: 1,
  },
  {
    firstName: '丽',
    lastName: '周',
    tier: 'gold',
    locale: 'zh-CN',
    stage: 'lapsed',
    lapsedDaysAgo: null,
    stays: 0,
  },
  {
    firstName: 'Jan',
    lastName: 'Novak',
    tier: 'diamond',
    locale: 'zh-CN',
    stage: 'member',
    lapsedDaysAgo: null,
    stays: 3,
  },
];
const ids = new Map<string, string>();

beforeAll(async () => {
  api = await openApiStack({
    name: 'browser-m2-segments',
    pmsSecret: 'browser-m2-segments-pms-webhook-secret-0123456789',
    worker: false,
    keys: { marketer: MARKETER },
  });
  const db = api.stack.db;
  const year = today.slice(0, 4);
  // A base around them: 40 more guests of every kind, so the count is a cut, not the whole table.
  const filler: Spec[] = Array.from({ length: 40 }, (_, i) => ({
    firstName: `Guest${i}`,
    lastName: `Filler${String.fromCharCode(65 + (i % 26))}`,
    tier: ['member', 'silver', 'gold', 'diamond'][i % 4]!,
    locale: i % 2 ? 'en' : 'zh-CN',
    stage: ['member', 'regular', 'at_risk', 'vip'][i % 4]!,
    lapsedDaysAgo: null,
    stays: i % 5,
  }));
  for (const [n, s] of [...MATCHES, ...NEAR_MISSES, ...filler].entries()) {
    const row = await guestsRepo.insertIfAbsent(db, {
      source: 'pms',
      profile: sampleGuest({ firstName: s.firstName, lastName: s.lastName, locale: s.locale }),
      asOf: new Date(),
    });
    const id = row!.id;
    ids.set(`${s.lastName}${s.firstName}`, id);
    await db('guests')
      .where({ id })
      .update({
        tier: s.tier,
        stage: s.stage,
        member_number: `M2${String(n).padStart(5, '0')}`,
        marketing_consent: n % 3 !== 0,
        enrolled_at: `${addDaysToDay(today, -500 - n)}T08:00:00Z`,
      });
    if (s.lapsedDaysAgo !== null)
      await db('stage_history').insert({
        guest_id: id,
        from_stage: 'at_risk',
        to_stage: 'lapsed',
        reason: 'no stay for 24 months',
        actor: 'workflow',
        idempotency_key: `m2-lapse-${id}`,
        at: `${addDaysToDay(today, -s.lapsedDaysAgo)}T06:00:00Z`,
      });
    // Stays: one two years ago for everyone (revenue outside the window), and `stays` this year.
    const departures = [
      addDaysToDay(today, -730),
      ...Array.from({ length: s.stays }, (_, k) => {
        const d = addDaysToDay(today, -(k * 20 + 3));
        return d < `${year}-01-01` ? today : d;
      }),
    ];
    for (const departure of departures)
      await db('stays').insert({
        guest_id: id,
        source: 'pms',
        pms_stay_id: `m2-${randomUUID()}`,
        property_code: 'M2-SHA',
        arrival: addDaysToDay(departure, -2),
        departure,
        nights: 2,
        room_revenue: 1200 + n * 40,
        currency: 'CNY',
        checked_out_at: `${departure}T03:00:00Z`,
        event_id: `m2-event-${randomUUID()}`,
      });
  }
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const p of pages) await p.context.close().catch(() => undefined);
  await browser?.close();
  await api?.close();
});

/** The segment counted in SQL here, apart from db/repositories/segments.ts. */
async function sqlCount(): Promise<number> {
  const { rows } = await api.stack.db.raw<{ rows: { n: number }[] }>(
    `select count(*)::int as n from guests g
      where g.tier = 'gold' and g.locale = 'zh-CN' and g.stage = 'lapsed'
        and exists (select 1 from stage_history sh
                     where sh.guest_id = g.id and sh.to_stage = 'lapsed'
                       and sh.at >= (((now() at time zone 'utc')::date - 90)::timestamp at time zone 'utc'))`,
  );
  return rows[0]!.n;
}

describe('segments in a browser', () => {
  it('2. a marketer builds "gold, lapsed within 90 days, zh-CN", sees its count (= a SQL count), saves it, opens it and downloads it', async () => {
    const p = await openPage(browser, api.baseUrl);
    pages.push(p);
    const { page } = p;
    await signIn(page, api.keyFor('marketer'));
    await page.goto('/console/marketing/segments');
    const count = page.getByTestId('seg-count');
    // The whole base first.
    await expect.poll(() => count.getAttribute('data-definition')).toBe('{}');
    expect(Number(await count.getAttribute('data-count'))).toBe(MATCHES.length + NEAR_MISSES.length + 40);

    await page.locator('input[name="tiers"][value="gold"]').check();
    await page.locator('input[name="languages"][value="zh-CN"]').check();
    await page.locator('input[name="lapsedWithinDays"]').fill('90');
    const definition = { tiers: ['gold'], languages: ['zh-CN'], lapsedWithinDays: 90 };
    await expect.poll(() => count.getAttribute('data-definition')).toBe(JSON.stringify(definition));
    const shown = Number(await count.getAttribute('data-count'));
    const inSql = await sqlCount();
    expect(inSql).toBe(MATCHES.length);
    expect(shown).toBe(inSql);
    expect(await count.textContent()).toBe(`${inSql} guests`);
    // The first guests are the matches, and no near-miss.
    const rows = page.getByTestId('seg-preview-guests').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(MATCHES.length);
    const listed = await Promise.all((await rows.all()).map((r) => r.getAttribute('data-guest-id')));
    expect(listed.sort()).toEqual(MATCHES.map((m) => ids.get(`${m.lastName}${m.firstName}`)).sort());
    expect(await page.getByTestId('seg-preview-guests').textContent()).toContain('林静');
    // Save it under a name: the row holds the definition and the marketer's key name.
    await page.locator('input[name="segment-name"]').fill(SEGMENT_NAME);
    await shoot(page, 'm2-segment-builder');
    await page.getByTestId('seg-save').click();
    await page.getByTestId('seg-detail-count').waitFor();
    const row = await api.stack
      .db('segments')
      .where({ name: SEGMENT_NAME })
      .first<{ id: string; definition: unknown; created_by: string; archived_at: Date | null }>();
    expect(row).toMatchObject({ definition, created_by: MARKETER, archived_at: null });
    expect(page.url()).toContain(`/console/marketing/segments/${row.id}`);
    expect(Number(await page.getByTestId('seg-detail-count').getAttribute('data-count'))).toBe(inSql);
    expect(await page.getByTestId('seg-definition').textContent()).toBe(
      'Gold · Chinese · lapsed within 90 days',
    );
    const guestRows = page.getByTestId('seg-guests').locator('tbody tr');
    await expect.poll(() => guestRows.count()).toBe(inSql);
    await shoot(page, 'm2-segment-saved');

    // The CSV behind the download link, with the page's session: a header and one row per guest.
    const href = await page.getByTestId('seg-csv').getAttribute('href');
    expect(href).toBe(`/v1/segments/${row.id}/export.csv`);
    const csv = await page.context().request.get(href!);
    expect(csv.status()).toBe(200);
    const lines = (await csv.text())
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toMatch(/^id,member_number,first_name,last_name,email,language,/);
    expect(lines.length - 1).toBe(inSql);
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).toEqual(listed.sort());
    const exported = await api.stack
      .db('segment_exports')
      .where({ segment_id: row.id })
      .first<{ exported_by: string; rows: number }>();
    expect(exported).toMatchObject({ exported_by: MARKETER, rows: inSql });

    // The list of saved segments has it.
    await page.locator('.seg-tabs').getByRole('link', { name: 'Saved segments' }).click();
    await expect.poll(() => page.getByTestId('seg-saved-list').textContent()).toContain(SEGMENT_NAME);
    await shoot(page, 'm2-segment-list');

    // The forecast tab: the count the API gives, with the members' shortfall.
    await page.locator('.seg-tabs').getByRole('link', { name: 'Requalification forecast' }).click();
    const forecastCount = page.getByTestId('seg-forecast-count');
    await forecastCount.waitFor();
    const res = await page.context().request.get('/v1/segments/forecast?limit=1');
    const forecast = (await res.json()) as { count: number };
    expect(forecast.count).toBeGreaterThan(0);
    expect(Number(await forecastCount.getAttribute('data-count'))).toBe(forecast.count);
    expect(await page.getByTestId('seg-forecast').textContent()).toMatch(/\d+ nights? or \d+ stays?/);
    await shoot(page, 'm2-forecast');

    // In Chinese: the builder, edited from the saved segment, with the same count.
    await page.getByTestId('language-switch').click();
    await page.goto(`/console/marketing/segments/${row.id}/edit`);
    await expect.poll(() => count.getAttribute('data-definition')).toBe(JSON.stringify(definition));
    expect(Number(await count.getAttribute('data-count'))).toBe(inSql);
    expect(await count.textContent()).toBe(`${inSql} 位宾客`);
    await shoot(page, 'm2-segment-builder-zh');
    expect(p.errors).toEqual([]);
  }, 180_000);
});
