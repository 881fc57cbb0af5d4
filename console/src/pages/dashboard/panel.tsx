/**
 * One chart of the dashboard with its table of numbers beside it (below it on a narrow screen): both from the
 * same panel (console/src/pages/dashboard/panels.ts). Every number cell carries its value as the API gave it in
 * `data-value` (empty for none), and shows it formatted in the console's language.
 */
import { useTranslation } from 'react-i18next';
import i18n from '../../i18n';
import { Chart } from './chart';
import type { CellKind, Panel } from './panels';

function locale(): string {
  return i18n.language === 'zh-CN' ? 'zh-CN' : 'en-GB';
}

/** A number as the tables show it: a count, a percentage (one decimal), or a decimal; none is a dash. */
export function formatCell(value: number | null, kind: CellKind): string {
  if (value === null) return '—';
  if (kind === 'rate')
    return new Intl.NumberFormat(locale(), {
      style: 'percent',
      minimumFractionDigits: 1,
      maximumFractionDigits: 1,
    }).format(value);
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: kind === 'dec' ? 2 : 0 }).format(value);
}

export function PanelView({ panel }: { panel: Panel }) {
  const { t } = useTranslation();
  const { table } = panel;
  return (
    <div className="report-panel" data-testid={`panel-${panel.id}`}>
      <header className="report-head">
        <h2>{panel.title}</h2>
        <p className="muted small">{panel.hint}</p>
      </header>
      {panel.tiles ? (
        <dl className="report-tiles">
          {panel.tiles.map((tile) => (
            <div key={tile.testId} className="report-tile">
              <dt>{tile.label}</dt>
              <dd data-testid={tile.testId} data-value={tile.value ?? ''}>
                {formatCell(tile.value, tile.kind)}
              </dd>
            </div>
          ))}
        </dl>
      ) : null}
      <div className={table.columns.length >= 6 ? 'report-body report-body-wide' : 'report-body'}>
        <Chart
          option={panel.option}
          label={t('dashboard.chartLabel', { title: panel.title })}
          testId={`chart-${panel.id}`}
        />
        <div className="report-table table-wrap">
          <table className="table small" data-testid={`table-${panel.id}`}>
            <caption className="sr-only">{t('dashboard.tableLabel', { title: panel.title })}</caption>
            <thead>
              <tr>
                <th scope="col">{table.head}</th>
                {table.columns.map((c) => (
                  <th key={c.label} scope="col" className="num">
                    {c.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((r) => (
                <tr key={r.key} data-key={r.key} className={r.total ? 'report-total' : undefined}>
                  <th scope="row">{r.label}</th>
                  {r.cells.map((v, i) => (
                    <td key={i} className="num" data-value={v ?? ''}>
                      {formatCell(v, table.columns[i]!.kind)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </div>
  );
}
