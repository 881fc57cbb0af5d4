/**
 * Workflows as Temporal's visibility has them, filtered by type, status and the guest's search attributes
 * (stage, tier, last property); one workflow with its state, deadlines, pending work, last events, the staff
 * actions its type allows, and the link to the same run in the Temporal Web UI.
 */
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { STAGES } from '../../../domain/stages';
import { TIERS } from '../../../domain/tiers';
import { get } from '../api';
import { codeLabel } from '../i18n';
import { formatInstant, personName } from '../format';
import { useSession } from '../session';
import { Badge, Empty, Field, Pager, QueryState, Section, usePager, Table } from '../ui';
import { ReasonAction } from '../shared';

const TYPES = [
  'guestLifecycle',
  'postStayFollowUp',
  'inStayCare',
  'tierReview',
  'winBack',
  'serviceRecovery',
  'pmsEventSweeper',
] as const;
const STATUSES = [
  'Running',
  'Completed',
  'Failed',
  'Canceled',
  'Terminated',
  'ContinuedAsNew',
  'TimedOut',
] as const;
const CANCELLABLE = new Set(['winBack', 'postStayFollowUp']);

interface WorkflowSummary {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  startedAt: string | null;
  closedAt: string | null;
  guest: {
    stage: string | null;
    tier: string | null;
    lastProperty: string | null;
    openCases: number | null;
  } | null;
  guestId?: string | null;
  guestName?: { firstName: string; lastName: string } | null;
}

interface WorkflowDetail extends WorkflowSummary {
  state: unknown;
  nextDeadlines: { kind: string; at: string }[];
  pendingActivities: { activityType: string; attempt: number; state: string }[];
  pendingChildren: { workflowId: string; type: string }[];
  lastEvents: { eventId: number; type: string; at: string | null }[];
  webUiUrl: string | null;
}

const GUEST_ID = /^guest-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;
const guestIdOf = (w: WorkflowSummary) => w.guestId ?? GUEST_ID.exec(w.workflowId)?.[1] ?? null;

export function WorkflowsPage() {
  const { t } = useTranslation();
  const { zone } = useSession();
  const [params, setParams] = useSearchParams();
  const pager = usePager();
  const filters = {
    type: params.get('type') ?? 'guestLifecycle',
    status: params.get('status') ?? 'Running',
    stage: params.get('stage') ?? '',
    tier: params.get('tier') ?? '',
    property: params.get('property') ?? '',
  };
  const query = useQuery({
    queryKey: ['workflows', filters, pager.cursor],
    queryFn: () =>
      get<{ workflows: WorkflowSummary[]; nextCursor: string | null }>('/v1/workflows', {
        ...filters,
        limit: 50,
        cursor: pager.cursor,
      }),
    placeholderData: keepPreviousData,
  });
  const setFilter = (k: string, v: string) => {
    pager.reset();
    const next = new URLSearchParams(params);
    next.set(k, v);
    setParams(next);
  };
  const select = (k: 'type' | 'status' | 'stage' | 'tier', values: readonly string[], group: string) => (
    <Field label={t(`workflows.filter.${k}`)}>
      <select
        value={filters[k]}
        onChange={(e) => setFilter(k, e.target.value)}
        name={k}
        data-testid={`filter-${k}`}
      >
        <option value="">{t('guests.any')}</option>
        {values.map((v) => (
          <option key={v} value={v}>
            {codeLabel(group, v)}
          </option>
        ))}
      </select>
    </Field>
  );
  return (
    <Section title={t('workflows.title')}>
      <div className="filters">
        {select('type', TYPES, 'workflowType')}
        {select('status', STATUSES, 'status')}
        {select('stage', STAGES, 'stage')}
        {select('tier', TIERS, 'tier')}
        <Field label={t('workflows.filter.property')}>
          <input value={filters.property} onChange={(e) => setFilter('property', e.target.value)} size={10} />
        </Field>
      </div>
      <QueryState query={query} empty={(d) => d.workflows.length === 0} emptyText={t('workflows.none')}>
        {(data) => (
          <>
            <Table
              columns={[
                t('workflows.id'),
                t('workflows.type'),
                t('common.status'),
                t('guest.stage'),
                t('guest.tier'),
                t('workflows.lastProperty'),
                t('workflows.started'),
              ]}
              testId="workflow-list"
            >
              {data.workflows.map((w) => (
                <tr key={`${w.workflowId}/${w.runId}`}>
                  <td className="mono">
                    <Link to={`/workflows/${encodeURIComponent(w.workflowId)}`}>
                      {w.guestName ? personName(w.guestName.firstName, w.guestName.lastName) : w.workflowId}
                    </Link>
                  </td>
                  <td>{codeLabel('workflowType', w.type)}</td>
                  <td>
                    <Badge kind={`status-${w.status.toLowerCase()}`}>{codeLabel('status', w.status)}</Badge>
                  </td>
                  <td>{codeLabel('stage', w.guest?.stage)}</td>
                  <td>{codeLabel('tier', w.guest?.tier)}</td>
                  <td>{w.guest?.lastProperty ?? '—'}</td>
                  <td className="nowrap">{formatInstant(w.startedAt, zone)}</td>
                </tr>
              ))}
            </Table>
            <Pager pager={pager} nextCursor={data.nextCursor} />
          </>
        )}
      </QueryState>
    </Section>
  );
}

export function WorkflowPage() {
  const { id = '' } = useParams();
  const query = useQuery({
    queryKey: ['workflow', id],
    queryFn: () => get<WorkflowDetail>(`/v1/workflows/${encodeURIComponent(id)}`),
  });
  return <QueryState query={query}>{(w) => <WorkflowView w={w} />}</QueryState>;
}

function WorkflowView({ w }: { w: WorkflowDetail }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  const client = useQueryClient();
  const navigate = useNavigate();
  const guestId = guestIdOf(w);
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['workflow', w.workflowId] });
    void client.invalidateQueries({ queryKey: ['workflows'] });
  };
  return (
    <>
      <section className="card" data-testid="workflow-head">
        <h1 className="mono">{w.workflowId}</h1>
        <div className="badges">
          <Badge>{codeLabel('workflowType', w.type)}</Badge>
          <Badge kind={`status-${w.status.toLowerCase()}`}>{codeLabel('status', w.status)}</Badge>
          {w.guest?.stage ? (
            <Badge kind={`stage-${w.guest.stage}`}>{codeLabel('stage', w.guest.stage)}</Badge>
          ) : null}
          {w.guest?.tier ? (
            <Badge kind={`tier-${w.guest.tier}`}>{codeLabel('tier', w.guest.tier)}</Badge>
          ) : null}
        </div>
        <dl className="facts">
          <div className="fact">
            <dt>{t('workflows.started')}</dt>
            <dd>{formatInstant(w.startedAt, zone)}</dd>
          </div>
          <div className="fact">
            <dt>{t('workflows.closed')}</dt>
            <dd>{formatInstant(w.closedAt, zone)}</dd>
          </div>
          <div className="fact">
            <dt>{t('workflows.run')}</dt>
            <dd className="mono small">{w.runId}</dd>
          </div>
          {guestId ? (
            <div className="fact">
              <dt>{t('case.guest')}</dt>
              <dd>
                <Link to={`/guests/${guestId}`}>
                  {w.guestName
                    ? personName(w.guestName.firstName, w.guestName.lastName)
                    : t('case.openGuest')}
                </Link>
              </dd>
            </div>
          ) : null}
        </dl>
        <div className="actions">
          {w.webUiUrl ? (
            <a
              className="btn btn-quiet"
              href={w.webUiUrl}
              target="_blank"
              rel="noreferrer"
              data-testid="web-ui-link"
            >
              {t('workflows.webUi')} ↗
            </a>
          ) : null}
          {CANCELLABLE.has(w.type) && w.status === 'Running' ? (
            <ReasonAction
              label={t('action.cancelWorkflow')}
              title={t('action.cancelWorkflowTitle', { type: codeLabel('workflowType', w.type) })}
              path={`/v1/workflows/${encodeURIComponent(w.workflowId)}/cancel`}
              onDone={refresh}
              danger
              testId="action-cancel-workflow"
            />
          ) : null}
          {w.type === 'guestLifecycle' && guestId ? (
            <button
              type="button"
              className="btn btn-quiet"
              onClick={() => void navigate(`/guests/${guestId}`)}
            >
              {t('workflows.guestActions')}
            </button>
          ) : null}
        </div>
      </section>
      <div className="columns">
        <Section title={t('workflows.deadlines')}>
          {w.nextDeadlines.length === 0 ? (
            <Empty />
          ) : (
            <ul className="steps" data-testid="deadlines">
              {w.nextDeadlines.map((d) => (
                <li key={`${d.kind}-${d.at}`}>
                  <strong>{codeLabel('deadline', d.kind)}</strong>{' '}
                  <span className="nowrap">{formatInstant(d.at, zone)}</span>
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title={t('workflows.pending')}>
          {w.pendingActivities.length === 0 && w.pendingChildren.length === 0 ? (
            <Empty />
          ) : (
            <ul className="steps">
              {w.pendingActivities.map((a, i) => (
                <li key={`a${i}`}>
                  {a.activityType} · {a.state} · {t('workflows.attempt', { n: a.attempt })}
                </li>
              ))}
              {w.pendingChildren.map((c) => (
                <li key={c.workflowId}>
                  <Link to={`/workflows/${encodeURIComponent(c.workflowId)}`}>{c.workflowId}</Link> (
                  {codeLabel('workflowType', c.type)})
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>
      <Section title={t('workflows.events')}>
        <Table columns={[{ label: '#', num: true }, t('workflows.event'), t('common.when')]} small>
          {w.lastEvents.map((e) => (
            <tr key={e.eventId}>
              <td className="num">{e.eventId}</td>
              <td>{e.type}</td>
              <td className="nowrap">{formatInstant(e.at, zone)}</td>
            </tr>
          ))}
        </Table>
      </Section>
      {w.state ? (
        <Section title={t('workflows.state')}>
          <pre className="state-json">{JSON.stringify(w.state, null, 2)}</pre>
        </Section>
      ) : null}
    </>
  );
}
