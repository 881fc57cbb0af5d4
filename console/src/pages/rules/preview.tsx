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
      {preview.transitions.length === 0 ? <Empty>{t('rules.preview.none')}</Empty> : null}
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
          <tr
            key={`${r.from}-${r.to}`}
            data-testid={`preview-row-${r.from}-${r.to}`}
            className="preview-move"
          >
            <td>{codeLabel('tier', r.from)}</td>
            <td>
              {codeLabel('tier', r.to)} <span className="muted">{tierArrow(r.from, r.to)}</span>
            </td>
            <Counts current={r.current} draft={r.draft} />
          </tr>
        ))}
        <tr className="rules-total-head">
          <th colSpan={5}>{t('rules.preview.totals', { members: formatNumber(preview.members) })}</th>
        </tr>
        {totals.map((k) => (
          <tr key={k} data-testid={`preview-total-${k}`}>
            <td colSpan={2}>{t(`rules.preview.${k}`)}</td>
            <Counts current={preview.current[k]} draft={preview.draft[k]} />
          </tr>
        ))}
      </Table>
      <p className="field-hint">{t('rules.preview.hint')}</p>
    </div>
  );
}

function Counts({ current, draft }: { current: number; draft: number }) {
  const difference = draft - current;
  return (
    <>
      <td className="num" data-col="current">
        {formatNumber(current)}
      </td>
      <td className="num" data-col="draft">
        {formatNumber(draft)}
      </td>
      <td className={`num ${difference > 0 ? 'pos' : difference < 0 ? 'neg' : ''}`} data-col="difference">
        {signed(difference)}
      </td>
    </>
  );
}

const RANK = { member: 0, silver: 1, gold: 2, diamond: 3 } as const;
function tierArrow(from: keyof typeof RANK, to: keyof typeof RANK): string {
  return RANK[to] > RANK[from] ? '▲' : '▼';
}
