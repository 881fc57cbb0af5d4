/**
 * The marketing dashboard (docs/console.md): filters by hotel and date range (and the interval of the series),
 * kept in the address; then one card per report of `GET /v1/reports/<name>`, each chart with its table of
 * numbers beside it (console/src/pages/dashboard/). The window's days are read in the hotel's zone when one hotel
 * is chosen, else in the zone the console shows (the hotel chosen in the header, else the browser's). A window the API would refuse is explained here and
 * not asked for (domain/reports.ts `windowProblem`).
 */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import {
  daysInWindow,
  INTERVALS,
  MAX_REPORT_DAYS,
  REPORT_NAMES,
  windowProblem,
  type ReportName,
} from '../../../domain/reports';
import { addDaysToDay, addMonthsToDay } from '../../../domain/segments';
import { get } from '../api';
import { codeLabel } from '../i18n';
import { dayIn, formatDay, zoneLabel } from '../format';
import { useSession } from '../session';
import { ErrorBox, Field, Loading } from '../ui';
import { PanelView } from './dashboard/panel';
import {
  casesPanel,
  churnPanel,
  costPanel,
  finished,
  retentionPanel,
  satisfactionPanels,
  staysAndMailsPanel,
  stagesPanel,
  suppressedPanel,
  tiersPanel,
  winBackPanel,
  type Labels,
  type Panel,
} from './dashboard/panels';
import type { Answers } from './dashboard/types';

/** Each report's panels, in the order the page shows them. */
const PANELS: { [N in ReportName]: (a: Answers[N], l: Labels) => Panel[] } = {
  'guests-by-stage': (a, l) => [stagesPanel(a, l)],
  'guests-by-tier': (a, l) => [tiersPanel(a, l)],
  'stays-and-mails': (a, l) => [staysAndMailsPanel(a, l)],
  'suppressed-mails': (a, l) => [suppressedPanel(a, l)],
  cases: (a, l) => [casesPanel(a, l)],
  'cost-buckets': (a, l) => [costPanel(a, l)],
  retention: (a, l) => [retentionPanel(a, l)],
  'win-back': (a, l) => [winBackPanel(a, l)],
  satisfaction: (a, l) => satisfactionPanels(a, l),
  'churn-reasons': (a, l) => [churnPanel(a, l)],
};

interface Filters {
  from: string;
  to: string;
  property: string;
  interval: string;
}

export function DashboardPage() {
  const { t } = useTranslation();
  const { properties, property: chosen, zone: shown } = useSession();
  const [params, setParams] = useSearchParams();
  const property = params.get('property') ?? chosen ?? '';
  // One hotel's figures are counted in its own days; the group's in the zone the console shows.
  const zone = properties.find((p) => p.code === property)?.timezone ?? shown;
  const today = dayIn(zone);
  const last12 = { from: addDaysToDay(addMonthsToDay(today, -12), 1), to: today };
  const day = (key: string, otherwise: string) => {
    const v = params.get(key);
    return v && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) ? v : otherwise;
  };
  const filters: Filters = {
    from: day('from', last12.from),
    to: day('to', last12.to),
    property,
    interval: params.get('interval') ?? '',
  };
  const set = (changes: Partial<Filters>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries({ ...filters, ...changes })) next.set(k, v);
    setParams(next, { replace: true });
  };
  const problem = windowProblem(filters.from, filters.to)
    ? daysInWindow(filters.from, filters.to) < 1
      ? t('dashboard.filters.reversed')
      : t('dashboard.filters.tooLong', { days: MAX_REPORT_DAYS })
    : null;
  const query = {
    from: filters.from,
    to: filters.to,
    zone,
    ...(filters.property ? { property: filters.property } : {}),
    ...(filters.interval ? { interval: filters.interval } : {}),
  };

  return (
    <>
      <section className="card dashboard-head" data-testid="dashboard-page">
        <h1>{t('dashboard.title')}</h1>
        <p className="muted">{t('dashboard.intro')}</p>
        <form
          className="filters dashboard-filters"
          aria-label={t('dashboard.filters.label')}
          onSubmit={(e) => e.preventDefault()}
        >
          <Field label={t('dashboard.filters.property')}>
            <select
              name="property"
              value={filters.property}
              onChange={(e) => set({ property: e.target.value })}
              data-testid="dashboard-property"
            >
              <option value="">{t('dashboard.filters.allProperties')}</option>
              {properties.map((p) => (
                <option key={p.code} value={p.code}>
                  {p.name ? `${p.name} (${p.code})` : p.code}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('dashboard.filters.from')}>
            <input
              type="date"
              name="from"
              value={filters.from}
              max={filters.to}
              onChange={(e) => e.target.value && set({ from: e.target.value })}
            />
          </Field>
          <Field label={t('dashboard.filters.to')}>
            <input
              type="date"
              name="to"
              value={filters.to}
              min={filters.from}
              onChange={(e) => e.target.value && set({ to: e.target.value })}
            />
          </Field>
          <Field label={t('dashboard.filters.interval')}>
            <select
              name="interval"
              value={filters.interval}
              onChange={(e) => set({ interval: e.target.value })}
            >
              <option value="">{t('dashboard.filters.auto')}</option>
              {INTERVALS.map((i) => (
                <option key={i} value={i}>
                  {t(`dashboard.interval.${i}`)}
                </option>
              ))}
            </select>
          </Field>
          <div className="dashboard-ranges">
            <button
              type="button"
              className="btn btn-quiet"
              onClick={() => set({ from: addDaysToDay(today, -29), to: today })}
            >
              {t('dashboard.filters.last30')}
            </button>
            <button type="button" className="btn btn-quiet" onClick={() => set(last12)}>
              {t('dashboard.filters.last12')}
            </button>
            <button
              type="button"
              className="btn btn-quiet"
              onClick={() => set({ from: `${today.slice(0, 4)}-01-01`, to: today })}
            >
              {t('dashboard.filters.thisYear')}
            </button>
          </div>
        </form>
        <p className="muted small">{t('dashboard.filters.zone', { zone: zoneLabel(zone) })}</p>
        {problem ? (
          <div className="state state-error" role="alert" data-testid="dashboard-problem">
            {problem}
          </div>
        ) : null}
      </section>
      {problem ? null : (
        <div className="dashboard-grid">
          {REPORT_NAMES.map((name) => (
            <ReportCard key={name} name={name} query={query} />
          ))}
        </div>
      )}
    </>
  );
}

function ReportCard<N extends ReportName>(props: { name: N; query: Record<string, string> }) {
  const { t, i18n } = useTranslation();
  const result = useQuery({
    queryKey: ['report', props.name, props.query],
    queryFn: () => get<Answers[N]>(`/v1/reports/${props.name}`, props.query),
    staleTime: 60_000,
  });
  const data = result.data;
  const panels = useMemo(() => {
    if (!data) return [];
    const labels: Labels = {
      t: (key, vars) => t(key, vars ?? {}),
      code: codeLabel,
      bucket: (day, interval) =>
        interval === 'week'
          ? t('dashboard.weekOf', { day: formatDay(day) })
          : interval === 'month'
            ? monthLabel(day, i18n.language)
            : formatDay(day),
    };
    return PANELS[props.name](data, labels).map((p) => ({ ...p, option: finished(p.option) }));
    // The labels follow the language.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, props.name, i18n.language]);
  return (
    <section className="card report" data-testid={`report-${props.name}`} aria-busy={result.isPending}>
      {result.isPending ? <Loading /> : null}
      <ErrorBox error={result.error} />
      {panels.map((p) => (
        <PanelView key={p.id} panel={p} />
      ))}
    </section>
  );
}

/** A month as `Jan 2026` / `2026年1月`. */
function monthLabel(day: string, language: string): string {
  const [y, m] = day.split('-').map(Number);
  return new Intl.DateTimeFormat(language === 'zh-CN' ? 'zh-CN' : 'en-GB', {
    timeZone: 'UTC',
    year: 'numeric',
    month: 'short',
  }).format(new Date(Date.UTC(y!, m! - 1, 1)));
}
