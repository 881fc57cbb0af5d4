/**
 * PMS sync, for admins (docs/console.md "PMS sync"): start a catch-up sync of Apaleo or Mews for a period
 * (`POST /v1/admin/pms/syncs`), its progress and summary while it runs (`GET /v1/admin/pms/syncs/:id`, every
 * second), the history of syncs, and the webhook deliveries parked for ops with their reason and a re-drive
 * (`GET /v1/admin/pms/deliveries?status=parked`, `POST …/:id/redrive`).
 */
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { get, post } from '../api';
import { dayIn, formatDay, formatInstant, formatNumber } from '../format';
import { useSession } from '../session';
import { ActionDialog, Badge, ErrorBox, Field, QueryState, Section, Table } from '../ui';

type Adapter = 'apaleo' | 'mews';

interface Sync {
  id: string;
  adapter: Adapter;
  since: string;
  until: string;
  status: 'running' | 'done' | 'failed';
  startedBy: string;
  startedAt: string;
  finishedAt: string | null;
  total: number | null;
  seen: number;
  new: number;
  known: number;
  rejected: number;
  reasons: Record<string, number>;
  rejections: { reservationId: string; reason: string }[];
  error: string | null;
}

interface Delivery {
  id: string;
  adapter: Adapter;
  kind: string;
  reservationId: string;
  receivedAt: string;
  attempts: number;
  parkedAt: string | null;
  parkedReason: string | null;
  redriveCount: number;
}

interface Deliveries {
  deliveries: Delivery[];
  counts: { pending: number; done: number; parked: number };
}

const POLL_MS = 1_000;
const SHOWN_REJECTIONS = 20;

export function PmsSyncPage() {
  const { t } = useTranslation();
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const history = useQuery({
    queryKey: ['pms-syncs'],
    queryFn: () => get<{ syncs: Sync[] }>('/v1/admin/pms/syncs'),
    refetchInterval: (q) => (q.state.data?.syncs.some((s) => s.status === 'running') ? POLL_MS : false),
  });
  const shown = selected ?? history.data?.syncs[0]?.id;
  return (
    <div className="pms-page" data-testid="pms-sync-page">
      <Section title={t('pmsSync.title')}>
        <p className="muted pms-intro">{t('pmsSync.intro')}</p>
        <StartSync onStarted={setSelected} />
      </Section>
      {shown ? <SyncCard id={shown} /> : null}
      <Section title={t('pmsSync.history.title')}>
        <QueryState query={history} empty={(d) => d.syncs.length === 0} emptyText={t('pmsSync.sync.none')}>
          {(d) => <History syncs={d.syncs} shown={shown} onShow={setSelected} />}
        </QueryState>
      </Section>
      <Parked />
    </div>
  );
}

function StartSync({ onStarted }: { onStarted: (id: string) => void }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  const client = useQueryClient();
  const [adapter, setAdapter] = useState<Adapter>('apaleo');
  const [since, setSince] = useState(dayIn(zone, -30));
  const [until, setUntil] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <div className="pms-start">
      <h3>{t('pmsSync.start.title')}</h3>
      <div className="pms-start-fields">
        <Field label={t('pmsSync.start.adapter')}>
          <select
            name="adapter"
            value={adapter}
            onChange={(e) => setAdapter(e.target.value as Adapter)}
            data-testid="sync-adapter"
          >
            <option value="apaleo">{t('pmsSync.adapter.apaleo')}</option>
            <option value="mews">{t('pmsSync.adapter.mews')}</option>
          </select>
        </Field>
        <Field label={t('pmsSync.start.since')}>
          <input
            type="date"
            name="since"
            value={since}
            onChange={(e) => setSince(e.target.value)}
            data-testid="sync-since"
          />
        </Field>
        <Field label={t('pmsSync.start.until')} hint={t('pmsSync.start.untilHint')}>
          <input
            type="date"
            name="until"
            value={until}
            onChange={(e) => setUntil(e.target.value)}
            data-testid="sync-until"
          />
        </Field>
        <div className="pms-start-button">
          <ActionDialog
            label={t('pmsSync.start.submit')}
            title={t('pmsSync.start.title')}
            valid={since !== ''}
            confirmText={t('pmsSync.start.confirm', {
              adapter: t(`pmsSync.adapter.${adapter}`),
              since: formatDay(since),
              until: formatDay(until || dayIn(zone)),
            })}
            submit={() => post<Sync>('/v1/admin/pms/syncs', { adapter, since, ...(until ? { until } : {}) })}
            onDone={(sync) => {
              setNotice(t('pmsSync.start.started', { id: sync.id }));
              onStarted(sync.id);
              void client.invalidateQueries({ queryKey: ['pms-syncs'] });
            }}
            testId="start-sync"
          >
            <p>
              {t(`pmsSync.adapter.${adapter}`)} · {formatDay(since)} – {formatDay(until || dayIn(zone))}
            </p>
          </ActionDialog>
        </div>
      </div>
      {notice ? (
        <p className="pms-notice" role="status" data-testid="sync-notice">
          {notice}
        </p>
      ) : null}
    </div>
  );
}

function StatusBadge({ status, testId }: { status: Sync['status']; testId?: string }) {
  const { t } = useTranslation();
  const kind = status === 'done' ? 'ok' : status === 'failed' ? 'alert' : 'info';
  return (
    <Badge kind={kind} {...(testId ? { testId } : {})}>
      {t(`pmsSync.status.${status}`)}
    </Badge>
  );
}

function Fact(props: { label: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <div className="fact">
      <dt>{props.label}</dt>
      <dd data-testid={props.testId}>{props.children}</dd>
    </div>
  );
}

function SyncCard({ id }: { id: string }) {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: ['pms-sync', id],
    queryFn: async () => {
      const sync = await get<Sync>(`/v1/admin/pms/syncs/${id}`);
      if (sync.status !== 'running') void client.invalidateQueries({ queryKey: ['pms-syncs'] });
      return sync;
    },
    refetchInterval: (q) => (q.state.data?.status === 'running' ? POLL_MS : false),
  });
  return <QueryState query={query}>{(s) => <SyncView s={s} />}</QueryState>;
}

function SyncView({ s }: { s: Sync }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  const share = s.total ? Math.min(1, s.seen / s.total) : s.status === 'running' ? 0 : 1;
  const reasons = Object.entries(s.reasons).sort(([, a], [, b]) => b - a);
  return (
    <Section
      title={
        <span className="pms-title">
          {t('pmsSync.sync.title', { id: s.id })} <StatusBadge status={s.status} testId="sync-status" />
        </span>
      }
    >
      <div data-testid="sync-summary" data-sync={s.id}>
        <dl className="facts">
          <Fact label={t('pmsSync.start.adapter')}>{t(`pmsSync.adapter.${s.adapter}`)}</Fact>
          <Fact label={t('pmsSync.sync.period')}>
            {formatDay(s.since)} – {formatDay(s.until)}
          </Fact>
          <Fact label={t('pmsSync.sync.startedBy')}>{s.startedBy}</Fact>
          <Fact label={t('pmsSync.sync.startedAt')}>{formatInstant(s.startedAt, zone)}</Fact>
          <Fact label={t('pmsSync.sync.finishedAt')}>{formatInstant(s.finishedAt, zone)}</Fact>
        </dl>
        <div className="progress-line">
          <p data-testid="sync-progress">
            {s.total !== null
              ? t('pmsSync.sync.progress', { seen: formatNumber(s.seen), total: formatNumber(s.total) })
              : t('pmsSync.sync.progressUnknown', { seen: formatNumber(s.seen) })}
          </p>
        </div>
        <div
          className="meter"
          role="progressbar"
          aria-valuenow={Math.round(share * 100)}
          aria-valuemin={0}
          aria-valuemax={100}
        >
          <div className="meter-fill" style={{ width: `${share * 100}%` }} />
        </div>
        <div className="pms-counts">
          <Count label={t('pmsSync.sync.new')} n={s.new} kind="new" />
          <Count label={t('pmsSync.sync.known')} n={s.known} kind="known" />
          <Count label={t('pmsSync.sync.rejected')} n={s.rejected} kind="rejected" />
        </div>
        {s.error ? <ErrorBox error={new Error(t('pmsSync.sync.error', { error: s.error }))} /> : null}
        {reasons.length > 0 ? (
          <>
            <h3>{t('pmsSync.sync.reasons')}</h3>
            <Table
              columns={[t('pmsSync.sync.reason'), { label: t('pmsSync.sync.count'), num: true }]}
              small
              testId="sync-reasons"
            >
              {reasons.map(([reason, n]) => (
                <tr key={reason}>
                  <td>{reason}</td>
                  <td className="num">{formatNumber(n)}</td>
                </tr>
              ))}
            </Table>
            <details className="pms-rejections">
              <summary>
                {t('pmsSync.sync.rejections', { n: Math.min(SHOWN_REJECTIONS, s.rejections.length) })}
              </summary>
              <Table columns={[t('pmsSync.sync.reservation'), t('pmsSync.sync.reason')]} small>
                {s.rejections.slice(0, SHOWN_REJECTIONS).map((r) => (
                  <tr key={r.reservationId}>
                    <td className="mono">{r.reservationId}</td>
                    <td>{r.reason}</td>
                  </tr>
                ))}
              </Table>
            </details>
          </>
        ) : null}
      </div>
    </Section>
  );
}

function Count(props: { label: string; n: number; kind: string }) {
  return (
    <div className={`pms-count pms-count-${props.kind}`} data-testid={`sync-${props.kind}`}>
      <span className="pms-count-n">{formatNumber(props.n)}</span>
      <span className="pms-count-label">{props.label}</span>
    </div>
  );
}

function History(props: { syncs: Sync[]; shown: string | undefined; onShow: (id: string) => void }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  return (
    <Table
      columns={[
        t('pmsSync.history.started'),
        t('pmsSync.history.adapter'),
        t('pmsSync.history.period'),
        t('pmsSync.history.status'),
        { label: t('pmsSync.sync.new'), num: true },
        { label: t('pmsSync.sync.known'), num: true },
        { label: t('pmsSync.sync.rejected'), num: true },
        t('pmsSync.history.by'),
      ]}
      testId="sync-history"
    >
      {props.syncs.map((s) => (
        <tr key={s.id} data-sync={s.id} className={s.id === props.shown ? 'pms-shown' : undefined}>
          <td>
            <button
              type="button"
              className="pms-link"
              onClick={() => props.onShow(s.id)}
              title={t('pmsSync.history.show')}
            >
              #{s.id}
            </button>{' '}
            <span className="small">{formatInstant(s.startedAt, zone)}</span>
          </td>
          <td>{t(`pmsSync.adapter.${s.adapter}`)}</td>
          <td className="small">
            {formatDay(s.since)} – {formatDay(s.until)}
          </td>
          <td>
            <StatusBadge status={s.status} />
          </td>
          <td className="num">{formatNumber(s.new)}</td>
          <td className="num">{formatNumber(s.known)}</td>
          <td className="num">{formatNumber(s.rejected)}</td>
          <td className="small">{s.startedBy}</td>
        </tr>
      ))}
    </Table>
  );
}

function Parked() {
  const { t } = useTranslation();
  const { zone } = useSession();
  const client = useQueryClient();
  const query = useQuery({
    queryKey: ['pms-parked'],
    queryFn: () => get<Deliveries>('/v1/admin/pms/deliveries', { status: 'parked' }),
    refetchInterval: 5_000,
  });
  return (
    <Section title={t('pmsSync.parked.title')}>
      <p className="muted">{t('pmsSync.parked.intro')}</p>
      {query.data ? (
        <p className="small" data-testid="delivery-counts">
          {t('pmsSync.parked.counts', {
            pending: formatNumber(query.data.counts.pending),
            done: formatNumber(query.data.counts.done),
            parked: formatNumber(query.data.counts.parked),
          })}
        </p>
      ) : null}
      <QueryState query={query} empty={(d) => d.deliveries.length === 0} emptyText={t('pmsSync.parked.none')}>
        {(d) => (
          <Table
            columns={[
              t('pmsSync.parked.reservation'),
              t('pmsSync.parked.adapter'),
              t('pmsSync.parked.kind'),
              t('pmsSync.parked.received'),
              { label: t('pmsSync.parked.attempts'), num: true },
              t('pmsSync.parked.reason'),
              '',
            ]}
            testId="parked-deliveries"
          >
            {d.deliveries.map((p) => (
              <tr key={p.id} data-delivery={p.id}>
                <td className="mono nowrap">{p.reservationId}</td>
                <td>{t(`pmsSync.adapter.${p.adapter}`)}</td>
                <td className="mono small">{p.kind}</td>
                <td className="nowrap small">{formatInstant(p.receivedAt, zone)}</td>
                <td className="num">{p.attempts}</td>
                <td className="pms-reason" data-testid="parked-reason">
                  {p.parkedReason}
                  {p.redriveCount > 0 ? (
                    <div className="muted small">{t('pmsSync.parked.redriven', { n: p.redriveCount })}</div>
                  ) : null}
                </td>
                <td className="nowrap">
                  <ActionDialog
                    label={t('pmsSync.parked.redrive')}
                    title={t('pmsSync.parked.redriveTitle', { reservation: p.reservationId })}
                    confirmText={t('pmsSync.parked.redriveConfirm')}
                    submit={() => post<Delivery>(`/v1/admin/pms/deliveries/${p.id}/redrive`, {})}
                    onDone={() => void client.invalidateQueries({ queryKey: ['pms-parked'] })}
                    testId={`redrive-${p.id}`}
                  >
                    <p className="muted">{p.parkedReason}</p>
                  </ActionDialog>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </QueryState>
    </Section>
  );
}
