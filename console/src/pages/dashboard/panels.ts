/**
 * What the dashboard shows of each report: for every chart its ECharts option and its table, both made from the
 * same API answer (the table holds exactly the numbers the chart draws, and the browser test compares it with
 * the API's answer). Pure: labels come in through `Labels`, numbers are formatted by the table (panel.tsx).
 */
import type { BarSeriesOption, LineSeriesOption, PieSeriesOption } from 'echarts/charts';
import type {
  AriaComponentOption,
  GridComponentOption,
  LegendComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import type { ComposeOption } from 'echarts/core';
import type { Answers, Figures, ReportWindow } from './types';

export type ChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | PieSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | AriaComponentOption
>;

/** How a number is shown: a count, a rate 0–1 as a percentage, a decimal (averages, the NPS). */
export type CellKind = 'int' | 'rate' | 'dec';

export interface TableModel {
  /** The first column's heading (the rows' labels), then one per number. */
  head: string;
  columns: { label: string; kind: CellKind }[];
  rows: { key: string; label: string; cells: (number | null)[]; total?: boolean }[];
}

export interface Panel {
  /** `stages`, `satisfaction-departments`…: the testids `chart-<id>` and `table-<id>`. */
  id: string;
  title: string;
  /** One line: what the numbers are. */
  hint: string;
  option: ChartOption;
  table: TableModel;
  /** Headline figures shown above the chart. */
  tiles?: { label: string; value: number | null; kind: CellKind; testId: string }[];
}

export interface Labels {
  t: (key: string, vars?: Record<string, unknown>) => string;
  /** A code in the current language (`stage`, `tier`, `suppression`…). */
  code: (group: string, code: string) => string;
  /** A bucket's first day as a label for its interval. */
  bucket: (day: string, interval: ReportWindow['interval']) => string;
}

const PALETTE = ['#2f6fb0', '#1f7a4d', '#d08a2e', '#b42318', '#6b4fa3', '#3a8fa0', '#8a8f98', '#c2569b'];
const STAGE_COLOURS: Record<string, string> = {
  prospect: '#a9b1bd',
  member: '#2f6fb0',
  regular: '#3a8fa0',
  vip: '#6b4fa3',
  at_risk: '#d08a2e',
  lapsed: '#b42318',
  reactivated: '#1f7a4d',
  churned: '#4a4f57',
};
const TIER_COLOURS: Record<string, string> = {
  member: '#8fb3d9',
  silver: '#9aa3ae',
  gold: '#d8b45a',
  diamond: '#2f6fb0',
};

function base(opts: { axis?: boolean } = {}): ChartOption {
  return {
    animation: false,
    aria: { enabled: true },
    color: PALETTE,
    tooltip: { trigger: opts.axis === false ? 'item' : 'axis' },
    legend: { type: 'scroll', top: 0, left: 0, right: 0 },
    grid: { left: 8, right: 12, top: 40, bottom: 8 },
  };
}

/** Bars no wider than this, however few the categories. */
const BAR_MAX_WIDTH = 40;

/** The option as drawn: every bar series at most BAR_MAX_WIDTH wide. */
export function finished(option: ChartOption): ChartOption {
  const series = Array.isArray(option.series) ? option.series : option.series ? [option.series] : [];
  return {
    ...option,
    series: series.map((s) => (s.type === 'bar' ? { ...s, barMaxWidth: BAR_MAX_WIDTH } : s)),
  };
}

const percent = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);

/** A series over the window's buckets: category x axis, values y axis. */
function overTime(
  w: ReportWindow,
  l: Labels,
  series: (BarSeriesOption | LineSeriesOption)[],
  yAxis?: ChartOption['yAxis'],
): ChartOption {
  return {
    ...base(),
    xAxis: { type: 'category', data: w.buckets.map((b) => l.bucket(b, w.interval)) },
    yAxis: yAxis ?? { type: 'value', minInterval: 1 },
    series,
  };
}

function stock(
  id: string,
  answer: { window: ReportWindow; series: { bucket: string; counts: Record<string, number> }[] },
  keys: string[],
  group: string,
  colours: Record<string, string>,
  l: Labels,
): Pick<Panel, 'option' | 'table'> {
  const w = answer.window;
  return {
    option: overTime(
      w,
      l,
      keys.map((k) => ({
        id: `${id}-${k}`,
        type: 'bar',
        stack: 'all',
        name: l.code(group, k),
        color: colours[k],
        data: answer.series.map((s) => s.counts[k] ?? 0),
      })),
    ),
    table: {
      head: l.t(`dashboard.interval.${w.interval}`),
      columns: keys.map((k) => ({ label: l.code(group, k), kind: 'int' as const })),
      rows: answer.series.map((s) => ({
        key: s.bucket,
        label: l.bucket(s.bucket, w.interval),
        cells: keys.map((k) => s.counts[k] ?? 0),
      })),
    },
  };
}

export function stagesPanel(a: Answers['guests-by-stage'], l: Labels): Panel {
  return {
    id: 'stages',
    title: l.t('dashboard.stages.title'),
    hint: l.t('dashboard.stages.hint'),
    ...stock('stages', a, a.stages, 'stage', STAGE_COLOURS, l),
  };
}

export function tiersPanel(a: Answers['guests-by-tier'], l: Labels): Panel {
  return {
    id: 'tiers',
    title: l.t('dashboard.tiers.title'),
    hint: l.t('dashboard.tiers.hint'),
    ...stock('tiers', a, a.tiers, 'tier', TIER_COLOURS, l),
  };
}

const MAIL_STATUSES = ['sent', 'pending', 'failed', 'suppressed'] as const;
const MAIL_COLOURS = { sent: '#1f7a4d', pending: '#2f6fb0', failed: '#b42318', suppressed: '#d08a2e' };

export function staysAndMailsPanel(a: Answers['stays-and-mails'], l: Labels): Panel {
  const w = a.window;
  const mail = (s: (typeof MAIL_STATUSES)[number]) => l.code('mailStatus', s);
  return {
    id: 'stays-and-mails',
    title: l.t('dashboard.staysAndMails.title'),
    hint: l.t('dashboard.staysAndMails.hint'),
    option: overTime(w, l, [
      {
        id: 'stays',
        type: 'bar',
        name: l.t('dashboard.staysAndMails.stays'),
        color: '#8fb3d9',
        data: a.series.map((s) => s.stays),
      },
      ...MAIL_STATUSES.map((st): LineSeriesOption => ({
        id: `mails-${st}`,
        type: 'line',
        name: `${l.t('dashboard.staysAndMails.mails')}: ${mail(st)}`,
        color: MAIL_COLOURS[st],
        symbolSize: 5,
        data: a.series.map((s) => s.mails[st] ?? 0),
      })),
    ]),
    table: {
      head: l.t(`dashboard.interval.${w.interval}`),
      columns: [
        { label: l.t('dashboard.staysAndMails.stays'), kind: 'int' },
        { label: l.t('dashboard.staysAndMails.nights'), kind: 'int' },
        ...MAIL_STATUSES.map((st) => ({ label: mail(st), kind: 'int' as const })),
      ],
      rows: [
        ...a.series.map((s) => ({
          key: s.bucket,
          label: l.bucket(s.bucket, w.interval),
          cells: [s.stays, s.nights, ...MAIL_STATUSES.map((st) => s.mails[st] ?? 0)],
        })),
        {
          key: 'total',
          label: l.t('dashboard.total'),
          total: true,
          cells: [a.totals.stays, a.totals.nights, ...MAIL_STATUSES.map((st) => a.totals.mails[st] ?? 0)],
        },
      ],
    },
  };
}

export function suppressedPanel(a: Answers['suppressed-mails'], l: Labels): Panel {
  const rows = a.reasons;
  const label = (r: string) => (r === 'other' ? l.t('dashboard.suppressed.other') : l.code('suppression', r));
  return {
    id: 'suppressed',
    title: l.t('dashboard.suppressed.title'),
    hint: l.t('dashboard.suppressed.hint'),
    option: {
      ...base(),
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 8, right: 16, top: 40, bottom: 8 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: rows.map((r) => label(r.reason)) },
      series: [
        {
          id: 'marketing',
          type: 'bar',
          stack: 'all',
          name: l.t('dashboard.suppressed.marketing'),
          data: rows.map((r) => r.marketing),
        },
        {
          id: 'transactional',
          type: 'bar',
          stack: 'all',
          name: l.t('dashboard.suppressed.transactional'),
          data: rows.map((r) => r.transactional),
        },
      ],
    },
    table: {
      head: l.t('dashboard.suppressed.reason'),
      columns: [
        { label: l.t('dashboard.suppressed.marketing'), kind: 'int' },
        { label: l.t('dashboard.suppressed.transactional'), kind: 'int' },
        { label: l.t('dashboard.total'), kind: 'int' },
      ],
      rows: [
        ...rows.map((r) => ({
          key: r.reason,
          label: label(r.reason),
          cells: [r.marketing, r.transactional, r.mails],
        })),
        {
          key: 'total',
          label: l.t('dashboard.total'),
          total: true,
          cells: [
            rows.reduce((n, r) => n + r.marketing, 0),
            rows.reduce((n, r) => n + r.transactional, 0),
            a.total,
          ],
        },
      ],
    },
  };
}

export function casesPanel(a: Answers['cases'], l: Labels): Panel {
  const w = a.window;
  const c = (k: string) => l.t(`dashboard.cases.${k}`);
  return {
    id: 'cases',
    title: c('title'),
    hint: c('hint'),
    tiles: [
      { label: c('openNow'), value: a.now.open, kind: 'int', testId: 'tile-cases-open' },
      { label: c('breachedNow'), value: a.now.breached, kind: 'int', testId: 'tile-cases-breached' },
    ],
    option: overTime(w, l, [
      { id: 'opened', type: 'bar', name: c('opened'), color: '#2f6fb0', data: a.series.map((s) => s.opened) },
      {
        id: 'resolved',
        type: 'bar',
        name: c('resolved'),
        color: '#1f7a4d',
        data: a.series.map((s) => s.resolved),
      },
      {
        id: 'duty',
        type: 'bar',
        stack: 'breach',
        name: c('dutyManager'),
        color: '#d08a2e',
        data: a.series.map((s) => s.breaches.duty_manager ?? 0),
      },
      {
        id: 'general',
        type: 'bar',
        stack: 'breach',
        name: c('generalManager'),
        color: '#b42318',
        data: a.series.map((s) => s.breaches.general_manager ?? 0),
      },
      {
        id: 'open',
        type: 'line',
        name: c('openAtEnd'),
        color: '#4a4f57',
        symbolSize: 5,
        data: a.series.map((s) => s.openAtEnd),
      },
    ]),
    table: {
      head: l.t(`dashboard.interval.${w.interval}`),
      columns: [
        { label: c('opened'), kind: 'int' },
        { label: c('resolved'), kind: 'int' },
        { label: c('dutyManager'), kind: 'int' },
        { label: c('generalManager'), kind: 'int' },
        { label: c('openAtEnd'), kind: 'int' },
      ],
      rows: [
        ...a.series.map((s) => ({
          key: s.bucket,
          label: l.bucket(s.bucket, w.interval),
          cells: [
            s.opened,
            s.resolved,
            s.breaches.duty_manager ?? 0,
            s.breaches.general_manager ?? 0,
            s.openAtEnd,
          ],
        })),
        {
          key: 'total',
          label: l.t('dashboard.total'),
          total: true,
          cells: [
            a.totals.opened,
            a.totals.resolved,
            a.totals.breaches.duty_manager ?? 0,
            a.totals.breaches.general_manager ?? 0,
            null,
          ],
        },
      ],
    },
  };
}

export function costPanel(a: Answers['cost-buckets'], l: Labels): Panel {
  const c = (k: string) => l.t(`dashboard.cost.${k}`);
  return {
    id: 'cost',
    title: c('title'),
    hint: c('hint'),
    tiles: [{ label: c('units'), value: a.units, kind: 'int', testId: 'tile-cost-units' }],
    option: {
      ...base(),
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'category', data: a.buckets.map((b) => l.code('costBucket', b.bucket)) },
      yAxis: [
        { type: 'value', minInterval: 1 },
        { type: 'value', minInterval: 1 },
      ],
      series: [
        { id: 'cases', type: 'bar', name: c('cases'), data: a.buckets.map((b) => b.cases) },
        {
          id: 'units',
          type: 'bar',
          name: c('units'),
          yAxisIndex: 1,
          color: '#b42318',
          data: a.buckets.map((b) => b.units),
        },
      ],
    },
    table: {
      head: c('bucket'),
      columns: [
        { label: c('weight'), kind: 'int' },
        { label: c('cases'), kind: 'int' },
        { label: c('share'), kind: 'rate' },
        { label: c('units'), kind: 'int' },
      ],
      rows: [
        ...a.buckets.map((b) => ({
          key: b.bucket,
          label: l.code('costBucket', b.bucket),
          cells: [b.weight, b.cases, b.share, b.units],
        })),
        { key: 'total', label: l.t('dashboard.total'), total: true, cells: [null, a.cases, null, a.units] },
      ],
    },
  };
}

export function retentionPanel(a: Answers['retention'], l: Labels): Panel {
  const c = (k: string, v?: Record<string, unknown>) => l.t(`dashboard.retention.${k}`, v);
  const rows = [
    ...(a.window.property === null ? [{ key: 'group', label: c('group'), ...a.group, total: true }] : []),
    ...a.properties.map((p) => ({ key: p.property, label: p.property, ...p, total: false })),
  ];
  return {
    id: 'retention',
    title: c('title'),
    hint: c('hint', { baseFrom: a.baseFrom }),
    tiles: [
      { label: c('retentionRate'), value: a.group.retentionRate, kind: 'rate', testId: 'tile-retention' },
      { label: c('repeatStayRate'), value: a.group.repeatStayRate, kind: 'rate', testId: 'tile-repeat' },
    ],
    option: {
      ...base(),
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => `${String(v)} %` },
      xAxis: {
        type: 'category',
        data: rows.map((r) => r.label),
        axisLabel: { interval: 0, rotate: rows.length > 6 ? 30 : 0 },
      },
      yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value} %' } },
      series: [
        {
          id: 'retention',
          type: 'bar',
          name: c('retentionRate'),
          data: rows.map((r) => percent(r.retentionRate)),
        },
        {
          id: 'repeat',
          type: 'bar',
          name: c('repeatStayRate'),
          color: '#1f7a4d',
          data: rows.map((r) => percent(r.repeatStayRate)),
        },
      ],
    },
    table: {
      head: c('property'),
      columns: [
        { label: c('base'), kind: 'int' },
        { label: c('retained'), kind: 'int' },
        { label: c('retentionRate'), kind: 'rate' },
        { label: c('stayed'), kind: 'int' },
        { label: c('repeaters'), kind: 'int' },
        { label: c('repeatStayRate'), kind: 'rate' },
      ],
      rows: rows.map((r) => ({
        key: r.key,
        label: r.label,
        total: r.total,
        cells: [r.base, r.retained, r.retentionRate, r.stayed, r.repeaters, r.repeatStayRate],
      })),
    },
  };
}

export function winBackPanel(a: Answers['win-back'], l: Labels): Panel {
  const w = a.window;
  const c = (k: string) => l.t(`dashboard.winBack.${k}`);
  return {
    id: 'win-back',
    title: c('title'),
    hint: c('hint'),
    tiles: [
      { label: c('conversion'), value: a.totals.conversionRate, kind: 'rate', testId: 'tile-win-back' },
    ],
    option: overTime(w, l, [
      {
        id: 'started',
        type: 'bar',
        name: c('started'),
        color: '#8fb3d9',
        data: a.series.map((s) => s.started),
      },
      {
        id: 'reactivated',
        type: 'bar',
        name: c('reactivated'),
        color: '#1f7a4d',
        data: a.series.map((s) => s.reactivated),
      },
      {
        id: 'churned',
        type: 'bar',
        name: c('churned'),
        color: '#b42318',
        data: a.series.map((s) => s.churned),
      },
    ]),
    table: {
      head: l.t(`dashboard.interval.${w.interval}`),
      columns: [
        { label: c('started'), kind: 'int' },
        { label: c('reactivated'), kind: 'int' },
        { label: c('churned'), kind: 'int' },
        { label: c('open'), kind: 'int' },
      ],
      rows: [
        ...a.series.map((s) => ({
          key: s.bucket,
          label: l.bucket(s.bucket, w.interval),
          cells: [s.started, s.reactivated, s.churned, s.open],
        })),
        {
          key: 'total',
          label: l.t('dashboard.total'),
          total: true,
          cells: [a.totals.started, a.totals.reactivated, a.totals.churned, a.totals.open],
        },
      ],
    },
  };
}

/** The satisfaction columns of one set of answers. */
const figureCells = (f: Figures) => [
  f.responses,
  f.averageScore,
  f.wouldReturn.yesRate,
  f.recommend.average,
  f.recommend.nps,
];

function satisfactionOption(labels: string[], figures: Figures[], l: Labels): ChartOption {
  const c = (k: string) => l.t(`dashboard.satisfaction.${k}`);
  return {
    ...base(),
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 12, top: 40, bottom: 8 },
    xAxis: {
      type: 'category',
      data: labels,
      axisLabel: { interval: 0, rotate: labels.length > 5 ? 30 : 0 },
    },
    yAxis: [
      { type: 'value', min: 0, max: 10 },
      { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value} %' } },
    ],
    series: [
      { id: 'score', type: 'bar', name: c('averageScore'), data: figures.map((f) => f.averageScore) },
      {
        id: 'recommend',
        type: 'bar',
        name: c('recommend'),
        color: '#6b4fa3',
        data: figures.map((f) => f.recommend.average),
      },
      {
        id: 'return',
        type: 'line',
        name: c('wouldReturn'),
        yAxisIndex: 1,
        color: '#1f7a4d',
        symbolSize: 7,
        data: figures.map((f) => percent(f.wouldReturn.yesRate)),
      },
    ],
  };
}

function satisfactionColumns(l: Labels): TableModel['columns'] {
  const c = (k: string) => l.t(`dashboard.satisfaction.${k}`);
  return [
    { label: c('responses'), kind: 'int' },
    { label: c('averageScore'), kind: 'dec' },
    { label: c('wouldReturn'), kind: 'rate' },
    { label: c('recommend'), kind: 'dec' },
    { label: c('nps'), kind: 'dec' },
  ];
}

export function satisfactionPanels(a: Answers['satisfaction'], l: Labels): Panel[] {
  const c = (k: string) => l.t(`dashboard.satisfaction.${k}`);
  const properties = [
    ...(a.window.property === null ? [{ key: 'all', label: c('all'), f: a.overall, total: true }] : []),
    ...a.byProperty.map((p) => ({ key: p.property, label: p.property, f: p, total: false })),
  ];
  const dept = (d: string) => (d === 'none' ? c('noCase') : l.code('department', d));
  return [
    {
      id: 'satisfaction-properties',
      title: c('byProperty'),
      hint: c('hintProperty'),
      tiles: [
        { label: c('averageScore'), value: a.overall.averageScore, kind: 'dec', testId: 'tile-score' },
        { label: c('nps'), value: a.overall.recommend.nps, kind: 'dec', testId: 'tile-nps' },
      ],
      option: satisfactionOption(
        properties.map((p) => p.label),
        properties.map((p) => p.f),
        l,
      ),
      table: {
        head: c('property'),
        columns: satisfactionColumns(l),
        rows: properties.map((p) => ({
          key: p.key,
          label: p.label,
          total: p.total,
          cells: figureCells(p.f),
        })),
      },
    },
    {
      id: 'satisfaction-departments',
      title: c('byDepartment'),
      hint: c('hintDepartment'),
      option: satisfactionOption(
        a.byDepartment.map((d) => dept(d.department)),
        a.byDepartment,
        l,
      ),
      table: {
        head: c('department'),
        columns: [
          ...satisfactionColumns(l),
          { label: c('caseSatisfied'), kind: 'int' },
          { label: c('caseUnsatisfied'), kind: 'int' },
        ],
        rows: a.byDepartment.map((d) => ({
          key: d.department,
          label: dept(d.department),
          cells: [...figureCells(d), d.caseChecks.satisfied, d.caseChecks.unsatisfied],
        })),
      },
    },
  ];
}

export function churnPanel(a: Answers['churn-reasons'], l: Labels): Panel {
  const c = (k: string) => l.t(`dashboard.churn.${k}`);
  const label = (r: string) => l.t(`dashboard.churnReason.${r}`);
  return {
    id: 'churn',
    title: c('title'),
    hint: c('hint'),
    option: {
      ...base({ axis: false }),
      legend: { type: 'scroll', top: 0, left: 0, right: 0 },
      series: [
        {
          id: 'reasons',
          type: 'pie',
          radius: ['38%', '68%'],
          center: ['50%', '58%'],
          label: { formatter: '{b}: {c}' },
          // The reasons nobody gave are in the table, not in the ring.
          data: a.reasons
            .filter((r) => r.guests > 0)
            .map((r) => ({ name: label(r.reason), value: r.guests })),
        },
      ],
    },
    table: {
      head: c('reason'),
      columns: [
        { label: c('guests'), kind: 'int' },
        { label: c('share'), kind: 'rate' },
      ],
      rows: [
        ...a.reasons.map((r) => ({ key: r.reason, label: label(r.reason), cells: [r.guests, r.share] })),
        { key: 'total', label: l.t('dashboard.total'), total: true, cells: [a.total, null] },
      ],
    },
  };
}
