/**
 * One campaign (`GET /v1/campaigns/:id`): its settings; a draft's count preview (`POST …/preview`) and start
 * (`POST …/start`, confirmed); while it runs or is paused, the progress from Postgres every 2 seconds with pause,
 * resume and cancel (confirmed); once it has ended, the result against the holdout (`GET …/report`).
 */
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { RECIPIENT_STATES, type RecipientState } from '../../../../domain/campaigns';
import { get, post } from '../../api';
import { codeLabel } from '../../i18n';
import { formatDay, formatInstant, formatNumber, zoneLabel } from '../../format';
import { useSession } from '../../session';
import { MailReason } from '../../shared';
import { ActionDialog, ErrorBox, QueryState, Section, Table } from '../../ui';
import { percentText, signed, StatusBadge, useDefinitionText, useSendAt } from './common';
import type {
  Campaign,
  CampaignAnswer,
  CampaignProgress,
  CampaignReport,
  CountPreview,
  SavedSegment,
} from './types';

/** The live progress is read again this often while the campaign runs or is paused. */
const POLL_MS = 2_000;

export function CampaignPage() {
  const { id = '' } = useParams();
  const query = useQuery({
    queryKey: ['campaign', id],
    queryFn: () => get<CampaignAnswer>(`/v1/campaigns/${id}`),
    refetchInterval: (q) => {
      const s = q.state.data?.campaign.status;
      return s === 'running' || s === 'paused' ? POLL_MS : false;
    },
  });
  return <QueryState query={query}>{(d) => <CampaignView answer={d} />}</QueryState>;
}

function CampaignView({ answer }: { answer: CampaignAnswer }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const { campaign: c, progress } = answer;
  const update = (next: CampaignAnswer) => {
    client.setQueryData(['campaign', c.id], next);
    void client.invalidateQueries({ queryKey: ['campaigns'] });
  };
  const ended = c.status === 'done' || c.status === 'cancelled';
  return (
    <>
      <Section
        title={
          <span className="cmp-title">
            <span data-testid="campaign-name">{c.name}</span>
            <StatusBadge status={c.status} testId="campaign-status" />
          </span>
        }
        actions={
          <Link to="/marketing/campaigns" className="btn btn-quiet">
            ← {t('campaigns.back')}
          </Link>
        }
      >
        <Settings c={c} />
      </Section>
      {c.status === 'draft' ? (
        <PreviewCard c={c} onStarted={update} />
      ) : (
        <ProgressCard c={c} progress={progress} onChanged={update} />
      )}
      {ended ? <ReportCard c={c} /> : null}
    </>
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

function Settings({ c }: { c: Campaign }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  const sendAt = useSendAt();
  const definitionText = useDefinitionText();
  const byAt = (who: string | null, at: string | null) =>
    who || at ? t('campaigns.settings.byAt', { who: who ?? '—', at: formatInstant(at, zone) }) : '—';
  return (
    <dl className="facts cmp-settings" data-testid="campaign-settings">
      <Fact label={t('campaigns.settings.template')} testId="setting-template">
        {codeLabel('campaigns.template', c.template)}
        {c.status !== 'draft' ? (
          <span className="muted small">
            {' '}
            · {c.templateVersion ? `v${c.templateVersion}` : t('campaigns.settings.templateVersionBuiltIn')} (
            {t('campaigns.settings.templateVersionAtStart')})
          </span>
        ) : null}
      </Fact>
      <Fact label={t('campaigns.settings.send')} testId="setting-send">
        {sendAt(c)} <span className="muted small">({t('campaigns.localHint')})</span>
      </Fact>
      <Fact label={t('campaigns.settings.audience')} testId="setting-audience">
        <span data-testid="setting-definition">{definitionText(c.definition)}</span>
        {c.segmentId ? <SegmentName id={c.segmentId} /> : null}
      </Fact>
      <Fact label={t('campaigns.settings.holdout')} testId="setting-holdout">
        {c.holdoutPercent} %
      </Fact>
      <Fact label={t('campaigns.settings.upliftDays')} testId="setting-uplift-days">
        {t('campaigns.settings.upliftDaysN', { n: c.upliftDays })}
      </Fact>
      <Fact label={t('campaigns.settings.createdBy')}>{byAt(c.createdBy, c.createdAt)}</Fact>
      {c.startedAt ? (
        <Fact label={t('campaigns.settings.startedBy')}>{byAt(c.startedBy, c.startedAt)}</Fact>
      ) : null}
      {c.finishedAt ? (
        <Fact label={t('campaigns.settings.finishedAt')}>{formatInstant(c.finishedAt, zone)}</Fact>
      ) : null}
      {c.status !== 'draft' ? (
        <Fact label={t('campaigns.settings.workflow')}>
          <span className="mono small">{c.workflowId}</span>
        </Fact>
      ) : null}
    </dl>
  );
}

/** The saved segment the audience was taken from: its name from `GET /v1/segments`, else (archived) its id. */
function SegmentName({ id }: { id: string }) {
  const { t } = useTranslation();
  const saved = useQuery({
    queryKey: ['segments-saved'],
    queryFn: () => get<{ segments: SavedSegment[] }>('/v1/segments'),
    retry: false,
    staleTime: 60_000,
  });
  const name = saved.data?.segments.find((s) => s.id === id)?.name;
  return (
    <div className="small">
      <span className="muted">{t('campaigns.settings.segment')}:</span>{' '}
      <Link to={`/marketing/segments/${id}`} data-testid="setting-segment">
        {name ?? id}
      </Link>
    </div>
  );
}

/** Counts by reason (suppressed or failed), translated. */
function ReasonTable(props: {
  counts: Record<string, number>;
  prefix: string;
  failed?: boolean;
  testId: string;
}) {
  const { t } = useTranslation();
  const rows = Object.entries(props.counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (rows.length === 0) return null;
  return (
    <Table
      columns={[t('campaigns.progress.reason'), { label: t('campaigns.progress.guests'), num: true }]}
      testId={props.testId}
      small
    >
      {rows.map(([reason, n]) => (
        <tr key={reason} data-reason={reason}>
          <td>
            {props.failed ? codeLabel('campaigns.failedReason', reason) : <MailReason reason={reason} />}
          </td>
          <td className="num" data-testid={`${props.prefix}-${reason}`}>
            {formatNumber(n)}
          </td>
        </tr>
      ))}
    </Table>
  );
}

function Counter(props: { label: ReactNode; n: number; testId: string; kind?: string; sub?: ReactNode }) {
  return (
    <div className={`cmp-counter ${props.kind ? `cmp-k-${props.kind}` : ''}`}>
      <span className="cmp-counter-label">{props.label}</span>
      <strong data-testid={props.testId}>{formatNumber(props.n)}</strong>
      {props.sub ? <span className="cmp-counter-sub">{props.sub}</span> : null}
    </div>
  );
}

function PreviewCard({ c, onStarted }: { c: Campaign; onStarted: (a: CampaignAnswer) => void }) {
  const { t } = useTranslation();
  const sendAt = useSendAt();
  const preview = useQuery({
    queryKey: ['campaign-preview', c.id],
    queryFn: () => post<CountPreview>(`/v1/campaigns/${c.id}/preview`, {}),
  });
  return (
    <Section
      title={t('campaigns.preview.title')}
      actions={
        <button
          type="button"
          className="btn btn-quiet"
          onClick={() => void preview.refetch()}
          disabled={preview.isFetching}
          data-testid="preview-refresh"
        >
          {t('campaigns.preview.refresh')}
        </button>
      }
    >
      <p className="muted">{t('campaigns.preview.intro')}</p>
      <QueryState query={preview}>
        {(p) => (
          <div data-testid="count-preview" className={preview.isFetching ? 'cmp-stale' : ''}>
            <div className="cmp-counters">
              <Counter label={t('campaigns.preview.audience')} n={p.audience} testId="preview-audience" />
              <Counter
                label={t('campaigns.preview.willSend')}
                n={p.willSend}
                testId="preview-will-send"
                kind="sent"
                sub={
                  p.heldForWindow > 0 ? (
                    <>
                      {t('campaigns.preview.heldForWindow')}:{' '}
                      <span data-testid="preview-held-for-window">{formatNumber(p.heldForWindow)}</span>
                    </>
                  ) : undefined
                }
              />
              <Counter
                label={t('campaigns.preview.heldOut')}
                n={p.heldOut}
                testId="preview-held-out"
                kind="held_out"
              />
              <Counter
                label={t('campaigns.preview.suppressed')}
                n={p.suppressed}
                testId="preview-suppressed"
                kind="suppressed"
              />
            </div>
            <p className="muted small">{t('campaigns.preview.asOf', { day: formatDay(p.asOf) })}</p>
            <h3>{t('campaigns.preview.byReason')}</h3>
            {p.suppressed === 0 ? (
              <p className="muted">{t('campaigns.preview.noneSuppressed')}</p>
            ) : (
              <ReasonTable
                counts={p.suppressedByReason}
                prefix="preview-suppressed"
                testId="preview-reasons"
              />
            )}
            <div className="actions">
              <ActionDialog
                label={t('campaigns.start.button')}
                title={t('campaigns.start.title')}
                confirmText={t('campaigns.start.confirm')}
                submit={() => post<CampaignAnswer>(`/v1/campaigns/${c.id}/start`, {})}
                onDone={onStarted}
                testId="start-campaign"
              >
                <p>
                  {t('campaigns.start.body', {
                    day: formatDay(c.sendDate),
                    time: c.sendTime,
                    n: formatNumber(p.willSend),
                  })}
                </p>
                <p className="muted small">{sendAt(c)}</p>
              </ActionDialog>
            </div>
          </div>
        )}
      </QueryState>
    </Section>
  );
}

/** The bar's segments, in the order they fill it; what is left is still planned. */
const BAR: RecipientState[] = ['sent', 'suppressed', 'failed', 'held_out', 'cancelled', 'sending'];

function ProgressCard(props: {
  c: Campaign;
  progress: CampaignProgress;
  onChanged: (a: CampaignAnswer) => void;
}) {
  const { t } = useTranslation();
  const { zone } = useSession();
  const { c, progress: p } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const s = p.byState;
  const settled = p.audience - s.planned - s.sending;
  const live = c.status === 'running' || c.status === 'paused';
  const act = async (action: 'pause' | 'resume') => {
    setBusy(true);
    setError(null);
    try {
      props.onChanged(await post<CampaignAnswer>(`/v1/campaigns/${c.id}/${action}`, {}));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const share = (n: number) => (p.audience > 0 ? (100 * n) / p.audience : 0);
  return (
    <Section
      title={t('campaigns.progress.title')}
      actions={
        live ? (
          <div className="cmp-controls">
            {c.status === 'running' ? (
              <button
                type="button"
                className="btn"
                disabled={busy}
                onClick={() => void act('pause')}
                data-testid="pause-campaign"
              >
                {t('campaigns.control.pause')}
              </button>
            ) : (
              <button
                type="button"
                className="btn btn-primary"
                disabled={busy}
                onClick={() => void act('resume')}
                data-testid="resume-campaign"
              >
                {t('campaigns.control.resume')}
              </button>
            )}
            <ActionDialog
              label={t('campaigns.control.cancel')}
              title={t('campaigns.control.cancelTitle')}
              confirmText={t('campaigns.control.cancelConfirm')}
              submit={() => post<CampaignAnswer>(`/v1/campaigns/${c.id}/cancel`, {})}
              onDone={props.onChanged}
              danger
              testId="cancel-campaign"
            >
              <p>{t('campaigns.control.cancelBody')}</p>
            </ActionDialog>
          </div>
        ) : undefined
      }
    >
      <ErrorBox error={error} />
      <div data-testid="campaign-progress" data-settled={String(p.settled)}>
        {c.plannedAt === null && live ? (
          <p className="muted" data-testid="progress-planning">
            {t('campaigns.progress.planning')}
          </p>
        ) : null}
        <div className="cmp-progress-line">
          <span data-testid="progress-settled">
            {t('campaigns.progress.done', {
              done: formatNumber(settled),
              audience: formatNumber(p.audience),
            })}
          </span>
          {live ? <span className="muted small">{t('campaigns.progress.live')}</span> : null}
        </div>
        <div
          className="cmp-bar"
          role="img"
          aria-label={`${t('campaigns.progress.bar')}: ${settled}/${p.audience}`}
          data-testid="progress-bar"
        >
          {BAR.map((state) =>
            s[state] > 0 ? (
              <span
                key={state}
                className={`cmp-bar-part cmp-k-${state}`}
                style={{ width: `${share(s[state])}%` }}
                title={`${t(`campaigns.progress.${state}`)}: ${s[state]}`}
              />
            ) : null,
          )}
        </div>
        <div className="cmp-counters">
          <Counter label={t('campaigns.progress.audience')} n={p.audience} testId="progress-audience" />
          {RECIPIENT_STATES.map((state) => (
            <Counter
              key={state}
              label={t(`campaigns.progress.${state}`)}
              n={s[state]}
              testId={`progress-${state}`}
              kind={state}
              sub={
                state === 'planned' && p.heldUntilLocalTime > 0 ? (
                  <>
                    {t('campaigns.progress.heldUntil')}:{' '}
                    <span data-testid="progress-held-until">{formatNumber(p.heldUntilLocalTime)}</span>
                  </>
                ) : undefined
              }
            />
          ))}
        </div>
        {p.nextSendAt ? (
          <p className="small" data-testid="progress-next-at">
            {t('campaigns.progress.nextAt', { at: formatInstant(p.nextSendAt, zone), zone: zoneLabel(zone) })}
          </p>
        ) : null}
        <div className="columns cmp-reasons">
          {Object.keys(p.suppressedByReason).length > 0 ? (
            <div>
              <h3>{t('campaigns.progress.suppressedByReason')}</h3>
              <ReasonTable
                counts={p.suppressedByReason}
                prefix="progress-suppressed"
                testId="progress-suppressed-reasons"
              />
            </div>
          ) : null}
          {Object.keys(p.failedByReason).length > 0 ? (
            <div>
              <h3>{t('campaigns.progress.failedByReason')}</h3>
              <ReasonTable
                counts={p.failedByReason}
                prefix="progress-failed"
                failed
                testId="progress-failed-reasons"
              />
            </div>
          ) : null}
        </div>
      </div>
    </Section>
  );
}

function ReportCard({ c }: { c: Campaign }) {
  const { t } = useTranslation();
  const report = useQuery({
    queryKey: ['campaign-report', c.id, c.status],
    queryFn: () => get<CampaignReport>(`/v1/campaigns/${c.id}/report`),
  });
  return (
    <Section title={t('campaigns.report.title')}>
      <QueryState query={report}>
        {(r) => (
          <div data-testid="campaign-report">
            <div className="cmp-counters">
              <Counter
                label={t('campaigns.report.delivered')}
                n={r.delivered}
                testId="report-delivered"
                kind="sent"
              />
              <Counter
                label={t('campaigns.report.unsubscribed')}
                n={r.unsubscribed}
                testId="report-unsubscribed"
              />
            </div>
            <Table
              columns={[
                t('campaigns.report.group'),
                { label: t('campaigns.report.guests'), num: true },
                { label: t('campaigns.report.booked'), num: true },
                { label: t('campaigns.report.stayed'), num: true },
                { label: t('campaigns.report.converted'), num: true },
                { label: t('campaigns.report.rate'), num: true },
              ]}
              testId="report-groups"
            >
              {(['treated', 'holdout'] as const).map((g) => (
                <tr key={g} data-group={g}>
                  <td>
                    <strong>{t(`campaigns.report.${g}`)}</strong>
                  </td>
                  {(['guests', 'booked', 'stayed', 'converted'] as const).map((k) => (
                    <td key={k} className="num" data-testid={`report-${g}-${k}`}>
                      {formatNumber(r[g][k])}
                    </td>
                  ))}
                  <td className="num" data-testid={`report-${g}-rate`} data-value={String(r.uplift[g].rate)}>
                    {percentText(r.uplift[g].rate)}
                  </td>
                </tr>
              ))}
            </Table>
            <dl className="facts cmp-uplift">
              <Fact label={t('campaigns.report.upliftPoints')}>
                <span data-testid="report-uplift-points" data-value={String(r.uplift.upliftPoints)}>
                  {r.uplift.upliftPoints === null
                    ? '—'
                    : t('campaigns.report.upliftPointsN', { n: signed(r.uplift.upliftPoints) })}
                </span>
              </Fact>
              <Fact label={t('campaigns.report.relative')}>
                <span data-testid="report-uplift-relative" data-value={String(r.uplift.relativeUplift)}>
                  {r.uplift.relativeUplift === null
                    ? '—'
                    : `${signed(Math.round(r.uplift.relativeUplift * 10_000) / 100)} %`}
                </span>
              </Fact>
              <Fact label={t('campaigns.report.z')}>
                <span data-testid="report-z" data-value={String(r.uplift.z)}>
                  {r.uplift.z === null ? '—' : signed(r.uplift.z)}
                </span>
                <div className="muted small">
                  {r.uplift.z === null
                    ? t('campaigns.report.notYet')
                    : Math.abs(r.uplift.z) >= 1.96
                      ? t('campaigns.report.significant')
                      : t('campaigns.report.notSignificant')}
                </div>
              </Fact>
            </dl>
            <div className="cmp-explain" data-testid="holdout-explain">
              <h3>{t('campaigns.report.explainTitle')}</h3>
              <p>{t('campaigns.report.explain1', { percent: c.holdoutPercent })}</p>
              <p>{t('campaigns.report.explain2', { days: r.upliftDays })}</p>
            </div>
          </div>
        )}
      </QueryState>
    </Section>
  );
}
