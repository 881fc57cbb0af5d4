/**
 * Issue 17, browser test 4: the marketing dashboard in a real browser (test/browser/browser.ts) against the real
 * API and PostgreSQL, on the rows of test/report-samples.ts (2025). A marketer opens the dashboard for the year,
 * picks one hotel in its filter; for each chart the test asserts that it was drawn (an SVG with its shapes) and
 * that its table holds exactly the numbers of the API's answer, fetched here with the same query, shown as the
 * console formats them; it also counts a few of those numbers in SQL. A reversed range is explained and asks
 * the API nothing. Screenshots `m4-*` at 1280×800 and 768×1024, in English and Chinese.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import * as cases from '../../db/repositories/cases.js';
import type { ReportName } from '../../domain/reports.js';
import type { ReportAnswer } from '../../api/reports/service.js';
import { STAGES } from '../../domain/stages.js';
import { TIERS } from '../../domain/tiers.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { seedReportSamples, type ReportSamples } from '../report-samples.js';
import { launchChromium, openPage, shoot, signIn, type ConsolePage } from './browser.js';

let api: ApiStack;
let browser: Browser;
let samples: ReportSamples;
const pages: ConsolePage[] = [];
const tag = randomUUID().slice(0, 5).toUpperCase();
const YEAR = { from: '2025-01-01', to: '2025-12-31' };
const SHANGHAI = 'Asia/Shanghai';

beforeAll(async () => {
  api = await openApiStack({
    name: 'browser-m4-dashboard',
    pmsSecret: 'browser-m4-dashboard-pms-webhook-secret-0123456789',
    worker: false,
    keys: { marketer: 'Marketing Chen', ops: 'Front desk Lin' },
  });
  samples = await seedReportSamples(api.stack.db, tag);
  // P's settings give its zone: one hotel's figures are counted in its days.
  await cases.upsertPropertySettings(api.stack.db, {
    property_code: samples.P,
    name: 'Report Test Hotel',
    timezone: SHANGHAI,
    duty_manager_email: null,
    general_manager_email: null,
  });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const p of pages) await p.context.close().catch(() => undefined);
  await browser?.close();
  await api?.close();
});

async function marketerPage(opts: { size?: 'laptop' | 'tablet'; locale?: string } = {}) {
  const p = await openPage(browser, api.baseUrl, opts);
  pages.push(p);
  await signIn(p.page, api.keyFor('marketer'));
  return p;
}

async function fetchReport<T>(name: ReportName, query: Record<string, string>): Promise<T> {
  const res = await api.request<T>(
    'GET',
    `/v1/reports/${name}?${new URLSearchParams(query).toString()}`,
    undefined,
    {
      key: api.keyFor('marketer'),
    },
  );
  expect(res.status).toBe(200);
  return res.json;
}

// ---- what each table must hold, worked out here from the API's answer ------------------------------------------

type Cell = number | null | undefined;
type Kind = 'int' | 'rate' | 'dec';
interface Expected {
  /** The panel's id: `chart-<id>`, `table-<id>`. */
  panel: string;
  kinds: Kind[];
  rows: Cell[][];
}
type Answer<N extends ReportName> = ReportAnswer<N>;
type AllAnswers = { [N in ReportName]: Answer<N> };

function expectedTables(a: AllAnswers, group: boolean): Expected[] {
  type Fig = Answer<'satisfaction'>['overall'];
  const fig = (f: Fig): Cell[] => [
    f.responses,
    f.averageScore,
    f.wouldReturn.yesRate,
    f.recommend.average,
    f.recommend.nps,
  ];
  const rates = (r: Answer<'retention'>['group']): Cell[] => [
    r.base,
    r.retained,
    r.retentionRate,
    r.stayed,
    r.repeaters,
    r.repeatStayRate,
  ];
  const sm = a['stays-and-mails'];
  const mails = (m: Record<string, number>) => ['sent', 'pending', 'failed', 'suppressed'].map((s) => m[s]!);
  const su = a['suppressed-mails'];
  const ca = a.cases;
  const co = a['cost-buckets'];
  const wb = a['win-back'];
  const sa = a.satisfaction;
  const ch = a['churn-reasons'];
  return [
    {
      panel: 'stages',
      kinds: STAGES.map(() => 'int'),
      rows: a['guests-by-stage'].series.map((s) => STAGES.map((k) => s.counts[k])),
    },
    {
      panel: 'tiers',
      kinds: TIERS.map(() => 'int'),
      rows: a['guests-by-tier'].series.map((s) => TIERS.map((k) => s.counts[k])),
    },
    {
      panel: 'stays-and-mails',
      kinds: Array<Kind>(6).fill('int'),
      rows: [
        ...sm.series.map((s) => [s.stays, s.nights, ...mails(s.mails)]),
        [sm.totals.stays, sm.totals.nights, ...mails(sm.totals.mails)],
      ],
    },
    {
      panel: 'suppressed',
      kinds: ['int', 'int', 'int'],
      rows: [
        ...su.reasons.map((r) => [r.marketing, r.transactional, r.mails]),
        [
          su.reasons.reduce((n, r) => n + r.marketing, 0),
          su.reasons.reduce((n, r) => n + r.transactional, 0),
          su.total,
        ],
      ],
    },
    {
      panel: 'cases',
      kinds: Array<Kind>(5).fill('int'),
      rows: [
        ...ca.series.map((s) => [
          s.opened,
          s.resolved,
          s.breaches.duty_manager,
          s.breaches.general_manager,
          s.openAtEnd,
        ]),
        [
          ca.totals.opened,
          ca.totals.resolved,
          ca.totals.breaches.duty_manager,
          ca.totals.breaches.general_manager,
          null,
        ],
      ],
    },
    {
      panel: 'cost',
      kinds: ['int', 'int', 'rate', 'int'],
      rows: [
        ...co.buckets.map((b) => [b.weight, b.cases, b.share, b.units]),
        [null, co.cases, null, co.units],
      ],
    },
    {
      panel: 'retention',
      kinds: ['int', 'int', 'rate', 'int', 'int', 'rate'],
      rows: [...(group ? [rates(a.retention.group)] : []), ...a.retention.properties.map(rates)],
    },
    {
      panel: 'win-back',
      kinds: Array<Kind>(4).fill('int'),
      rows: [
        ...wb.series.map((s) => [s.started, s.reactivated, s.churned, s.open]),
        [wb.totals.started, wb.totals.reactivated, wb.totals.churned, wb.totals.open],
      ],
    },
    {
      panel: 'satisfaction-properties',
      kinds: ['int', 'dec', 'rate', 'dec', 'dec'],
      rows: [...(group ? [fig(sa.overall)] : []), ...sa.byProperty.map(fig)],
    },
    {
      panel: 'satisfaction-departments',
      kinds: ['int', 'dec', 'rate', 'dec', 'dec', 'int', 'int'],
      rows: sa.byDepartment.map((d) => [...fig(d), d.caseChecks.satisfied, d.caseChecks.unsatisfied]),
    },
    {
      panel: 'churn',
      kinds: ['int', 'rate'],
      rows: [...ch.reasons.map((r): Cell[] => [r.guests, r.share]), [ch.total, null]],
    },
  ];
}

/** A number as the console shows it in English (console/src/pages/dashboard/panel.tsx `formatCell`). */
function shown(v: Cell, kind: Kind): string {
  if (v === null || v === undefined) return '—';
  if (kind === 'rate')
    return new Intl.NumberFormat('en-GB', {
      style: 'percent',
      minimumFractionDigits: 1,
      maximumFractionDigits: 1,
    }).format(v);
  return new Intl.NumberFormat('en-GB', { maximumFractionDigits: kind === 'dec' ? 2 : 0 }).format(v);
}

/** Each chart drawn (an SVG of its size with shapes), and each table exactly the API's numbers. */
async function checkDashboard(page: Page, query: Record<string, string>, group: boolean) {
  const names: ReportName[] = [
    'guests-by-stage',
    'guests-by-tier',
    'stays-and-mails',
    'suppressed-mails',
    'cases',
    'cost-buckets',
    'retention',
    'win-back',
    'satisfaction',
    'churn-reasons',
  ];
  const answers = Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await fetchReport(n, query)] as const)),
  ) as AllAnswers;
  for (const e of expectedTables(answers, group)) {
    const chart = page.getByTestId(`chart-${e.panel}`);
    await expect.poll(() => chart.getAttribute('data-drawn'), { message: e.panel }).toBe('true');
    const box = await chart.locator('svg').boundingBox();
    expect(box?.width, e.panel).toBeGreaterThan(200);
    expect(box?.height, e.panel).toBeGreaterThanOrEqual(250);
    expect(await chart.locator('svg path').count(), e.panel).toBeGreaterThanOrEqual(3);

    // The cells of each row (the DOM's types are not in the tests' lib: the shape read is named here).
    type Td = { dataset: Record<string, string | undefined>; textContent: string | null };
    type Tr = { querySelectorAll(selector: 'td'): ArrayLike<Td> };
    const table = await page
      .getByTestId(`table-${e.panel}`)
      .locator('tbody tr')
      .evaluateAll((trs: Tr[]) =>
        trs.map((tr) =>
          Array.from(tr.querySelectorAll('td')).map((td) => ({
            value: td.dataset.value ?? '',
            text: td.textContent ?? '',
          })),
        ),
      );
    expect(
      table.map((r) => r.map((c) => c.value)),
      e.panel,
    ).toEqual(e.rows.map((r) => r.map((v) => (v === null || v === undefined ? '' : String(v)))));
    expect(
      table.map((r) => r.map((c) => c.text)),
      e.panel,
    ).toEqual(e.rows.map((r) => r.map((v, i) => shown(v, e.kinds[i]!))));
  }
  return answers;
}

const sqlCount = async (sql: string, bindings: string[]) =>
  Number((await api.stack.db.raw<{ rows: { n: number }[] }>(sql, bindings)).rows[0]!.n);

describe('the marketing dashboard in a browser', () => {
  it('4. The dashboard shows each chart with the numbers of its API', async () => {
    const p = await marketerPage();
    const { page } = p;
    // The whole group for 2025, by month, in the browser's zone (UTC: no hotel chosen).
    await page.goto(`/console/marketing/dashboard?from=${YEAR.from}&to=${YEAR.to}`);
    await page.getByTestId('dashboard-page').waitFor();
    const group = await checkDashboard(page, { ...YEAR, zone: 'UTC' }, true);
    await shoot(page, 'm4-dashboard-group');

    // One hotel, picked in the dashboard's filter: its figures, in its own zone (Shanghai).
    await page.getByTestId('dashboard-property').selectOption(samples.P);
    await expect.poll(() => new URL(page.url()).searchParams.get('property')).toBe(samples.P);
    const one = await checkDashboard(page, { ...YEAR, zone: SHANGHAI, property: samples.P }, false);
    expect(await page.getByText(/Days in Asia\/Shanghai/).count()).toBe(1);
    // The tiles are the API's too.
    expect(await page.getByTestId('tile-retention').textContent()).toBe('50.0%');
    expect(await page.getByTestId('tile-repeat').textContent()).toBe('75.0%');
    expect(await page.getByTestId('tile-win-back').textContent()).toBe('50.0%');
    await shoot(page, 'm4-dashboard-hotel');

    // What the database holds: the stays, suppressed mails and churn answers of the hotel in its 2025, counted
    // in SQL, are the tables' totals.
    expect(one['stays-and-mails'].totals).toMatchObject({
      stays: await sqlCount(
        "select count(*)::int as n from stays where property_code = ? and departure between '2025-01-01' and '2025-12-31'",
        [samples.P],
      ),
    });
    expect(one['suppressed-mails'].total).toBe(
      await sqlCount(
        `select count(*)::int as n from mail_outbox m
          where status = 'suppressed' and audience = 'guest'
            and planned_at >= timestamp '2025-01-01' at time zone 'Asia/Shanghai'
            and planned_at < timestamp '2026-01-01' at time zone 'Asia/Shanghai'
            and guest_id in (select guest_id from stays where property_code = ?)`,
        [samples.P],
      ),
    );
    expect(one['churn-reasons'].total).toBe(
      await sqlCount(
        `select count(*)::int as n from guests
          where churn_reason_at >= timestamp '2025-01-01' at time zone 'Asia/Shanghai'
            and churn_reason_at < timestamp '2026-01-01' at time zone 'Asia/Shanghai'
            and id in (select guest_id from stays where property_code = ?)`,
        [samples.P],
      ),
    );
    // The group counts more than the hotel.
    expect(group['stays-and-mails'].totals.stays).toBeGreaterThan(one['stays-and-mails'].totals.stays);

    // A reversed range: explained, and no report is asked for.
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/v1/reports/')) asked.push(r.url());
    });
    await page.locator('input[name="to"]').fill('2024-12-01');
    await page.getByTestId('dashboard-problem').waitFor();
    expect(await page.getByTestId('dashboard-problem').textContent()).toMatch(/ends before it starts/);
    expect(await page.getByTestId('report-cases').count()).toBe(0);
    expect(asked).toEqual([]);
    expect(p.errors).toEqual([]);
  }, 180_000);

  it('4b. on a tablet and in Chinese, each chart is drawn with its table below it', async () => {
    const p = await marketerPage({ size: 'tablet', locale: 'zh-CN' });
    const { page } = p;
    await page.goto(`/console/marketing/dashboard?from=${YEAR.from}&to=${YEAR.to}&property=${samples.P}`);
    await page.getByTestId('dashboard-page').waitFor();
    expect(await page.locator('h1').textContent()).toBe('仪表盘');
    const chart = page.getByTestId('chart-retention');
    await expect.poll(() => chart.getAttribute('data-drawn')).toBe('true');
    // Below, not beside: the table starts under the chart.
    const [c, t] = await Promise.all([
      chart.boundingBox(),
      page.getByTestId('table-retention').boundingBox(),
    ]);
    expect(t!.y).toBeGreaterThanOrEqual(c!.y + c!.height);
    expect(await page.getByTestId('table-retention').locator('thead').textContent()).toContain('留存率');
    for (const id of ['stages', 'cases', 'satisfaction-departments', 'churn'])
      await expect.poll(() => page.getByTestId(`chart-${id}`).getAttribute('data-drawn')).toBe('true');
    await shoot(page, 'm4-dashboard-zh');
    expect(p.errors).toEqual([]);
  }, 120_000);
});
