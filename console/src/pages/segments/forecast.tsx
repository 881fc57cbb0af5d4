/**
 * The requalification forecast (`GET /v1/segments/forecast`): the members the next review moves down if nothing
 * changes, with what each still needs, a page at a time, filtered by the tier held; the whole list as CSV.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { get, withQuery } from '../../api';
import { codeLabel } from '../../i18n';
import { formatDay, formatNumber, personName } from '../../format';
import { Badge, Field, Pager, QueryState, Section, Table, usePager } from '../../ui';

interface ForecastMember {
  id: string;
  memberNumber: string | null;
  firstName: string;
  lastName: string;
  email: string;
  language: string;
  tier: string;
  forecast: string;
  floor: string | null;
  activity: { stays: number; nights: number; basePoints: number };
  short: { nights: number; stays: number };
}

interface ForecastAnswer {
  year: number;
  reviewOn: string;
  count: number;
  byTier: Record<string, number>;
  members: ForecastMember[];
  nextCursor: string | null;
}

const HELD = ['silver', 'gold', 'diamond'] as const;

export function ForecastTab() {
  const { t } = useTranslation();
  const [tier, setTier] = useState('');
  const pager = usePager();
  const query = useQuery({
    queryKey: ['segment-forecast', tier, pager.cursor],
    queryFn: () => get<ForecastAnswer>('/v1/segments/forecast', { tier, limit: 25, cursor: pager.cursor }),
    placeholderData: keepPreviousData,
  });
  return (
    <Section
      title={t('segments.forecast.title')}
      actions={
        <a
          className="btn"
          href={withQuery('/v1/segments/forecast.csv', { tier })}
          download
          data-testid="seg-forecast-csv"
        >
          {t('segments.detail.csv')}
        </a>
      }
    >
      <div className="filters">
        <Field label={t('segments.forecast.tierFilter')}>
          <select
            name="tier"
            value={tier}
            onChange={(e) => {
              pager.reset();
              setTier(e.target.value);
            }}
          >
            <option value="">{t('segments.forecast.any')}</option>
            {HELD.map((x) => (
              <option key={x} value={x}>
                {codeLabel('tier', x)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <QueryState query={query}>
        {(data) => (
          <>
            <p className="muted small">{t('segments.forecast.intro', { day: formatDay(data.reviewOn) })}</p>
            <p className="seg-count">
              <strong data-testid="seg-forecast-count" data-count={data.count}>
                {t('segments.forecast.count', { n: formatNumber(data.count) })}
              </strong>{' '}
              {HELD.filter((x) => data.byTier[x]).map((x) => (
                <Badge key={x} kind={`tier-${x}`}>
                  {codeLabel('tier', x)} {formatNumber(data.byTier[x])}
                </Badge>
              ))}
            </p>
            {data.members.length === 0 ? (
              <p className="state state-empty">{t('segments.forecast.none')}</p>
            ) : (
              <>
                <Table
                  columns={[
                    t('segments.col.name'),
                    t('segments.col.memberNumber'),
                    t('segments.col.tier'),
                    t('segments.col.forecast'),
                    t('segments.col.year'),
                    t('segments.col.short'),
                  ]}
                  testId="seg-forecast"
                  small
                >
                  {data.members.map((m) => (
                    <tr key={m.id}>
                      <td className="nowrap">{personName(m.firstName, m.lastName)}</td>
                      <td className="nowrap">{m.memberNumber ?? '—'}</td>
                      <td>
                        <Badge kind={`tier-${m.tier}`}>{codeLabel('tier', m.tier)}</Badge>
                      </td>
                      <td className="nowrap">
                        → {codeLabel('tier', m.forecast)}
                        {m.floor ? (
                          <span className="muted small">
                            {' '}
                            ({t('segments.forecast.floor', { tier: codeLabel('tier', m.floor) })})
                          </span>
                        ) : null}
                      </td>
                      <td className="nowrap">
                        {t('segments.forecast.activity', {
                          stays: t('segments.forecast.stays', { count: m.activity.stays }),
                          nights: t('segments.forecast.nights', { count: m.activity.nights }),
                        })}
                      </td>
                      <td className="nowrap">
                        {t('segments.forecast.short', {
                          nights: t('segments.forecast.nights', { count: m.short.nights }),
                          stays: t('segments.forecast.stays', { count: m.short.stays }),
                        })}
                      </td>
                    </tr>
                  ))}
                </Table>
                <Pager pager={pager} nextCursor={data.nextCursor} />
              </>
            )}
          </>
        )}
      </QueryState>
    </Section>
  );
}
