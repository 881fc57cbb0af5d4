/**
 * Saved segments: the list (`GET /v1/segments`), and one segment with its count today, its guests a page at a
 * time and the CSV download (`GET /v1/segments/:id`, `/guests`, `/export.csv`), edited or archived.
 */
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, get } from '../../api';
import { formatDay, formatInstant, formatNumber } from '../../format';
import { useSession } from '../../session';
import { ActionDialog, Badge, Pager, QueryState, Section, Table, usePager } from '../../ui';
import {
  GuestTable,
  useDefinitionText,
  type OpenedSegment,
  type SavedSegment,
  type SegmentGuest,
} from './shared';

export function SavedSegments() {
  const { t } = useTranslation();
  const { zone } = useSession();
  const describe = useDefinitionText();
  const query = useQuery({
    queryKey: ['segments'],
    queryFn: () => get<{ segments: SavedSegment[] }>('/v1/segments'),
  });
  return (
    <Section
      title={t('segments.list.title')}
      actions={
        <Link className="btn" to="/marketing/segments">
          {t('segments.list.new')}
        </Link>
      }
    >
      <QueryState query={query} empty={(d) => d.segments.length === 0} emptyText={t('segments.list.empty')}>
        {(data) => (
          <Table
            columns={[
              t('segments.list.name'),
              t('segments.list.definition'),
              t('segments.list.by'),
              t('segments.list.updated'),
            ]}
            testId="seg-saved-list"
          >
            {data.segments.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link to={`/marketing/segments/${s.id}`}>{s.name}</Link>
                </td>
                <td>{describe(s.definition)}</td>
                <td className="nowrap">{s.createdBy}</td>
                <td className="nowrap">{formatInstant(s.updatedAt, zone)}</td>
              </tr>
            ))}
          </Table>
        )}
      </QueryState>
    </Section>
  );
}

export function SegmentDetail() {
  const { t } = useTranslation();
  const { id } = useParams();
  const { zone } = useSession();
  const navigate = useNavigate();
  const client = useQueryClient();
  const describe = useDefinitionText();
  const pager = usePager();
  const opened = useQuery({
    queryKey: ['segment', id],
    queryFn: () => get<OpenedSegment>(`/v1/segments/${id}`),
  });
  const guests = useQuery({
    queryKey: ['segment-guests', id, pager.cursor],
    queryFn: () =>
      get<{ guests: SegmentGuest[]; nextCursor: string | null }>(`/v1/segments/${id}/guests`, {
        limit: 25,
        cursor: pager.cursor,
      }),
    placeholderData: keepPreviousData,
  });
  return (
    <QueryState query={opened}>
      {(data) => {
        const s = data.segment;
        return (
          <>
            <Section
              title={
                <>
                  <span data-testid="seg-name">{s.name}</span>{' '}
                  {s.archivedAt ? <Badge kind="alert">{t('segments.detail.archived')}</Badge> : null}
                </>
              }
              actions={
                <>
                  <Link className="btn btn-quiet" to="/marketing/segments/saved">
                    {t('segments.detail.back')}
                  </Link>
                  {s.archivedAt ? null : (
                    <>
                      <Link className="btn" to={`/marketing/segments/${s.id}/edit`} data-testid="seg-edit">
                        {t('segments.detail.edit')}
                      </Link>
                      <ActionDialog
                        label={t('segments.detail.archive')}
                        title={t('segments.detail.archiveTitle')}
                        confirmText={t('segments.detail.archiveText')}
                        submit={() => api('DELETE', `/v1/segments/${s.id}`)}
                        onDone={() => {
                          void client.invalidateQueries({ queryKey: ['segments'] });
                          void navigate('/marketing/segments/saved');
                        }}
                        danger
                        testId="seg-archive"
                      >
                        <p>{s.name}</p>
                      </ActionDialog>
                    </>
                  )}
                </>
              }
            >
              <dl className="facts">
                <div className="fact">
                  <dt>{t('segments.detail.count')}</dt>
                  <dd>
                    <strong className="seg-big" data-testid="seg-detail-count" data-count={data.count}>
                      {formatNumber(data.count)}
                    </strong>{' '}
                    <span className="muted small">
                      {t('segments.preview.asOf', { day: formatDay(data.asOf) })}
                    </span>
                  </dd>
                </div>
                <div className="fact seg-fact-wide">
                  <dt>{t('segments.detail.definition')}</dt>
                  <dd data-testid="seg-definition">{describe(s.definition)}</dd>
                </div>
                <div className="fact">
                  <dt>{t('segments.list.by')}</dt>
                  <dd className="small">
                    {s.createdBy}, {formatInstant(s.createdAt, zone)}
                    {s.updatedAt !== s.createdAt ? (
                      <>
                        <br />
                        {t('segments.detail.updatedBy', { by: s.updatedBy })},{' '}
                        {formatInstant(s.updatedAt, zone)}
                      </>
                    ) : null}
                  </dd>
                </div>
              </dl>
            </Section>
            <Section
              title={t('segments.detail.guests')}
              actions={
                <a className="btn" href={`/v1/segments/${s.id}/export.csv`} download data-testid="seg-csv">
                  {t('segments.detail.csv')}
                </a>
              }
            >
              <p className="muted small">{t('segments.detail.csvHint')}</p>
              <QueryState
                query={guests}
                empty={(g) => g.guests.length === 0}
                emptyText={t('segments.preview.none')}
              >
                {(page) => (
                  <>
                    <GuestTable guests={page.guests} contact testId="seg-guests" />
                    <Pager pager={pager} nextCursor={page.nextCursor} />
                  </>
                )}
              </QueryState>
            </Section>
          </>
        );
      }}
    </QueryState>
  );
}
