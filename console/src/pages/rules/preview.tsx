/** The tier-change preview: how many members the next review moves from each tier to each other, now and by the draft. */
import { useTranslation } from 'react-i18next';
import { codeLabel } from '../../i18n';
import { formatDay, formatNumber } from '../../format';
import { Empty, Table } from '../../ui';
import type { Preview } from './model';

const signed = (n: number) => (n > 0 ? `+${formatNumber(n)}` : formatNumber(n));

export function PreviewTable({ preview }: { preview: Preview }) {
  const { t } = useTranslation();
  const version = preview.currentVersion ?? '—';
  const totals = ['up', 'down', 'kept', 'floor'] as const;
  return (
    <div data-testid="preview">
      <p data-testid="preview-summary">
        {t('rules.preview.intro', {
          year: preview.year,
          day: formatDay(preview.reviewDay),
          members: formatNumber(preview.members),
          version,
        })}
      </p>
      {preview.transitions.length === 0 ? (
        <Empty>{t('rules.preview.none')}</Empty>
      ) : (
        <Table
          testId="preview-table"
          columns={[
            t('rules.preview.from'),
            t('rules.preview.to'),
            { label: t('rules.preview.current', { version }), num: true },
            { label: t('rules.preview.draft'), num: true },
            { label: t('rules.preview.difference'), num: true },
          ]}
        >
          {preview.transitions.map((r) => (
            <tr key={`${r.from}-${r.to}`} data-testid={`preview-row-${r.from}-${r.to}`}>
              <td>{codeLabel('tier', r.from)}</td>
              <td>
                {codeLabel('tier', r.to)} <span className="muted">{tierArrow(r.from, r.to)}</span>
              </td>
              <td className="num" data-col="current">
                {formatNumber(r.current)}
              </td>
              <td className="num" data-col="draft">
                {formatNumber(r.draft)}
              </td>
              <td
                className={`num ${r.difference > 0 ? 'pos' : r.difference < 0 ? 'neg' : ''}`}
                data-col="difference"
              >
                {signed(r.difference)}
              </td>
            </tr>
          ))}
        </Table>
      )}
      <Table
        small
        testId="preview-totals"
        columns={[
          t('rules.preview.totals'),
          { label: t('rules.preview.current', { version }), num: true },
          { label: t('rules.preview.draft'), num: true },
          { label: t('rules.preview.difference'), num: true },
        ]}
      >
        {totals.map((k) => (
          <tr key={k} data-testid={`preview-total-${k}`}>
            <td>{t(`rules.preview.${k}`)}</td>
            <td className="num" data-col="current">
              {formatNumber(preview.current[k])}
            </td>
            <td className="num" data-col="draft">
              {formatNumber(preview.draft[k])}
            </td>
            <td className="num" data-col="difference">
              {signed(preview.draft[k] - preview.current[k])}
            </td>
          </tr>
        ))}
      </Table>
      <p className="field-hint">{t('rules.preview.hint')}</p>
    </div>
  );
}

const RANK = { member: 0, silver: 1, gold: 2, diamond: 3 } as const;
function tierArrow(from: keyof typeof RANK, to: keyof typeof RANK): string {
  return RANK[to] > RANK[from] ? '▲' : '▼';
}
