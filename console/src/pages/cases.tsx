/**
 * The case queue (filter by status, property, department, SLA state and priority; breaches stand out) and one
 * case: its facts, notes, compensations and steps, with assign, note, compensate, approve (a manager, above
 * the frontline limit) and resolve.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  CASE_PRIORITIES,
  CASE_STATUSES,
  COMPENSATION_KINDS,
  DEPARTMENTS,
  SLA_STATES,
} from '../../../domain/cases';
import { get, idempotencyKey, post } from '../api';
import { codeLabel } from '../i18n';
import { formatInstant, personName } from '../format';
import { useSession } from '../session';
import { ActionDialog, Badge, Empty, Field, Pager, QueryState, Section, usePager, Table } from '../ui';

interface CaseSummary {
  id: string;
  guestId: string;
  status: string;
  source: string;
  category: string;
  priority: string;
  propertyCode: string;
  department: string;
  owner: string;
  assignee: string | null;
  openedAt: string;
  slaState: string;
  costBucket: string | null;
  resolvedAt: string | null;
  guestName?: { firstName: string; lastName: string } | null;
}

interface CaseDetail {
  case: CaseSummary & { description: string | null; resolution: string | null; surveyScore: number | null };
  notes: { id: string; author: string; text: string; at: string }[];
  compensations: {
    id: string;
    kind: string;
    amount: string;
    currency: string;
    points: number | null;
    status: string;
    requestedBy: string;
    approvedBy: string | null;
    requestedAt: string;
  }[];
  audit: { actor: string; action: string; at: string }[];
}

const FILTERS = {
  status: CASE_STATUSES,
  department: DEPARTMENTS,
  sla: SLA_STATES,
  priority: CASE_PRIORITIES,
} as const;
const GROUP: Record<keyof typeof FILTERS, string> = {
  status: 'caseStatus',
  department: 'department',
  sla: 'sla',
  priority: 'priority',
};

export function CasesPage() {
  const { t } = useTranslation();
  const { zone, property } = useSession();
  const [params, setParams] = useSearchParams();
  const pager = usePager();
  const filters = {
    status: params.get('status') ?? 'open',
    department: params.get('department') ?? '',
    sla: params.get('sla') ?? '',
    priority: params.get('priority') ?? '',
    property: params.get('property') ?? property ?? '',
  };
  const query = useQuery({
    queryKey: ['cases', filters, pager.cursor],
    queryFn: () =>
      get<{ cases: CaseSummary[]; next: string | null }>('/v1/cases', {
        ...filters,
        limit: 50,
        before: pager.cursor,
      }),
    placeholderData: keepPreviousData,
  });
  const setFilter = (k: string, v: string) => {
    pager.reset();
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    if (k === 'status' && !v) next.set('status', '');
    setParams(next);
  };
  return (
    <Section title={t('cases.title')}>
      <div className="filters">
        {(Object.keys(FILTERS) as (keyof typeof FILTERS)[]).map((k) => (
          <Field key={k} label={t(`cases.filter.${k}`)}>
            <select value={filters[k]} onChange={(e) => setFilter(k, e.target.value)} name={k}>
              <option value="">{t('guests.any')}</option>
              {FILTERS[k].map((v) => (
                <option key={v} value={v}>
                  {codeLabel(GROUP[k], v)}
                </option>
              ))}
            </select>
          </Field>
        ))}
        <Field label={t('stay.property')}>
          <input
            value={filters.property}
            onChange={(e) => setFilter('property', e.target.value)}
            name="property"
            size={10}
          />
        </Field>
      </div>
      <QueryState query={query} empty={(d) => d.cases.length === 0} emptyText={t('cases.none')}>
        {(data) => (
          <>
            <Table
              columns={[
                t('case.opened'),
                t('case.guest'),
                t('case.category'),
                t('case.priority'),
                t('stay.property'),
                t('case.department'),
                t('case.sla'),
                t('case.assignee'),
                t('common.status'),
              ]}
              testId="case-queue"
            >
              {data.cases.map((c) => (
                <tr
                  key={c.id}
                  className={c.slaState !== 'on_track' && c.status === 'open' ? 'row-alert' : ''}
                >
                  <td className="nowrap">
                    <Link to={`/cases/${c.id}`}>{formatInstant(c.openedAt, zone)}</Link>
                  </td>
                  <td>
                    <Link to={`/guests/${c.guestId}`}>
                      {c.guestName ? personName(c.guestName.firstName, c.guestName.lastName) : '—'}
                    </Link>
                  </td>
                  <td>{codeLabel('category', c.category)}</td>
                  <td>
                    <Badge kind={`priority-${c.priority}`}>{codeLabel('priority', c.priority)}</Badge>
                  </td>
                  <td>{c.propertyCode}</td>
                  <td>{codeLabel('department', c.department)}</td>
                  <td>
                    <Badge kind={c.slaState === 'on_track' ? 'ok' : 'alert'}>
                      {codeLabel('sla', c.slaState)}
                    </Badge>
                  </td>
                  <td>{c.assignee ?? c.owner}</td>
                  <td>{codeLabel('caseStatus', c.status)}</td>
                </tr>
              ))}
            </Table>
            <Pager pager={pager} nextCursor={data.next} />
          </>
        )}
      </QueryState>
    </Section>
  );
}

export function CasePage() {
  const { id = '' } = useParams();
  const query = useQuery({ queryKey: ['case', id], queryFn: () => get<CaseDetail>(`/v1/cases/${id}`) });
  return <QueryState query={query}>{(d) => <CaseView detail={d} />}</QueryState>;
}

function CaseView({ detail }: { detail: CaseDetail }) {
  const { t } = useTranslation();
  const { zone, session } = useSession();
  const client = useQueryClient();
  const c = detail.case;
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['case', c.id] });
    void client.invalidateQueries({ queryKey: ['cases'] });
  };
  const open = c.status === 'open';
  return (
    <>
      <section className="card" data-testid="case-head">
        <h1>
          {codeLabel('category', c.category)} · {c.propertyCode}
        </h1>
        <div className="badges">
          <Badge kind={`status-${c.status}`}>{codeLabel('caseStatus', c.status)}</Badge>
          <Badge kind={`priority-${c.priority}`}>{codeLabel('priority', c.priority)}</Badge>
          <Badge kind={c.slaState === 'on_track' ? 'ok' : 'alert'}>{codeLabel('sla', c.slaState)}</Badge>
          {c.costBucket ? <Badge>{codeLabel('costBucket', c.costBucket)}</Badge> : null}
        </div>
        <dl className="facts">
          <div className="fact">
            <dt>{t('case.guest')}</dt>
            <dd>
              <Link to={`/guests/${c.guestId}`}>{t('case.openGuest')}</Link>
            </dd>
          </div>
          <div className="fact">
            <dt>{t('case.opened')}</dt>
            <dd>{formatInstant(c.openedAt, zone)}</dd>
          </div>
          <div className="fact">
            <dt>{t('case.source')}</dt>
            <dd>{codeLabel('caseSource', c.source)}</dd>
          </div>
          <div className="fact">
            <dt>{t('case.department')}</dt>
            <dd>{codeLabel('department', c.department)}</dd>
          </div>
          <div className="fact">
            <dt>{t('case.assignee')}</dt>
            <dd>{c.assignee ?? c.owner}</dd>
          </div>
          <div className="fact">
            <dt>{t('case.surveyScore')}</dt>
            <dd>{c.surveyScore ?? '—'}</dd>
          </div>
        </dl>
        {c.description ? <p className="quote">{c.description}</p> : null}
        {c.resolution ? (
          <p>
            <strong>{t('case.resolution')}:</strong> {c.resolution}
          </p>
        ) : null}
        {open ? (
          <div className="actions">
            <CaseAssign caseId={c.id} onDone={refresh} />
            <CaseNote caseId={c.id} onDone={refresh} />
            <CaseCompensation caseId={c.id} onDone={refresh} />
            <CaseResolve caseId={c.id} onDone={refresh} />
          </div>
        ) : null}
      </section>
      <div className="columns">
        <Section title={t('case.compensations')}>
          {detail.compensations.length === 0 ? (
            <Empty />
          ) : (
            <Table
              columns={[
                t('case.kind'),
                { label: t('case.amount'), num: true },
                t('common.status'),
                t('case.requestedBy'),
                '',
              ]}
              testId="compensations"
            >
              {detail.compensations.map((k) => (
                <tr key={k.id}>
                  <td>{codeLabel('compensationKind', k.kind)}</td>
                  <td className="num">
                    {k.amount} {k.currency}
                    {k.points ? ` · ${k.points} pts` : ''}
                  </td>
                  <td>
                    <Badge kind={k.status === 'awaiting_approval' ? 'alert' : 'ok'}>
                      {codeLabel('compensationStatus', k.status)}
                    </Badge>
                  </td>
                  <td>
                    {k.requestedBy}
                    {k.approvedBy ? ` → ${k.approvedBy}` : ''}
                  </td>
                  <td>
                    {k.status === 'awaiting_approval' && session?.can.manager ? (
                      <CaseApprove caseId={c.id} compensationId={k.id} onDone={refresh} />
                    ) : null}
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </Section>
        <Section title={t('case.notes')}>
          {detail.notes.length === 0 ? (
            <Empty />
          ) : (
            <ul className="notes">
              {detail.notes.map((n) => (
                <li key={n.id}>
                  <span className="muted">
                    {formatInstant(n.at, zone)} · {n.author}
                  </span>
                  <p>{n.text}</p>
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>
      <Section title={t('case.steps')}>
        <ul className="steps" data-testid="case-steps">
          {detail.audit.map((a, i) => (
            <li key={i}>
              <span className="muted nowrap">{formatInstant(a.at, zone)}</span>{' '}
              <strong>{codeLabel('caseStep', a.action.replace(/^case\./, ''))}</strong> · {a.actor}
            </li>
          ))}
        </ul>
      </Section>
    </>
  );
}

function CaseAssign({ caseId, onDone }: { caseId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [assignee, setAssignee] = useState('');
  return (
    <ActionDialog
      label={t('case.assign')}
      title={t('case.assign')}
      valid={assignee.trim().length > 0}
      confirmText={t('case.assignConfirm', { assignee })}
      submit={() => post(`/v1/cases/${caseId}/assign`, { assignee: assignee.trim() }, idempotencyKey())}
      onDone={onDone}
    >
      <Field label={t('case.assignee')}>
        <input value={assignee} onChange={(e) => setAssignee(e.target.value)} name="assignee" />
      </Field>
    </ActionDialog>
  );
}

function CaseNote({ caseId, onDone }: { caseId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  return (
    <ActionDialog
      label={t('case.addNote')}
      title={t('case.addNote')}
      valid={text.trim().length > 0}
      confirmText={t('case.noteConfirm')}
      submit={() => post(`/v1/cases/${caseId}/notes`, { text: text.trim() }, idempotencyKey())}
      onDone={onDone}
    >
      <Field label={t('case.note')}>
        <textarea value={text} onChange={(e) => setText(e.target.value)} name="text" rows={4} />
      </Field>
    </ActionDialog>
  );
}

function CaseCompensation({ caseId, onDone }: { caseId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState('refund');
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState('USD');
  const [points, setPoints] = useState('');
  return (
    <ActionDialog
      label={t('case.compensate')}
      title={t('case.compensate')}
      valid={Number(amount) > 0 && /^[A-Z]{3}$/.test(currency) && (kind !== 'points' || Number(points) > 0)}
      confirmText={t('case.compensateConfirm', { amount, currency })}
      submit={() =>
        post(
          `/v1/cases/${caseId}/compensations`,
          { kind, amount, currency, ...(kind === 'points' ? { points: Number(points) } : {}) },
          idempotencyKey(),
        )
      }
      onDone={onDone}
      testId="action-compensate"
    >
      <Field label={t('case.kind')}>
        <select value={kind} onChange={(e) => setKind(e.target.value)} name="kind">
          {COMPENSATION_KINDS.map((k) => (
            <option key={k} value={k}>
              {codeLabel('compensationKind', k)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('case.amount')}>
        <input value={amount} onChange={(e) => setAmount(e.target.value)} name="amount" inputMode="decimal" />
      </Field>
      <Field label={t('case.currency')}>
        <input
          value={currency}
          onChange={(e) => setCurrency(e.target.value.toUpperCase())}
          name="currency"
          maxLength={3}
        />
      </Field>
      {kind === 'points' ? (
        <Field label={t('points.points')}>
          <input type="number" value={points} onChange={(e) => setPoints(e.target.value)} name="points" />
        </Field>
      ) : null}
    </ActionDialog>
  );
}

function CaseApprove(props: { caseId: string; compensationId: string; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <ActionDialog
      label={t('case.approve')}
      title={t('case.approve')}
      confirmText={t('case.approveConfirm')}
      submit={() =>
        post(`/v1/cases/${props.caseId}/compensations/${props.compensationId}/approve`, {}, idempotencyKey())
      }
      onDone={props.onDone}
      testId="action-approve"
    >
      <p>{t('case.approveBody')}</p>
    </ActionDialog>
  );
}

function CaseResolve({ caseId, onDone }: { caseId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [resolution, setResolution] = useState('');
  return (
    <ActionDialog
      label={t('case.resolve')}
      title={t('case.resolve')}
      valid={resolution.trim().length > 0}
      confirmText={t('case.resolveConfirm')}
      submit={() => post(`/v1/cases/${caseId}/resolve`, { resolution: resolution.trim() }, idempotencyKey())}
      onDone={onDone}
    >
      <Field label={t('case.resolution')}>
        <textarea
          value={resolution}
          onChange={(e) => setResolution(e.target.value)}
          name="resolution"
          rows={4}
        />
      </Field>
    </ActionDialog>
  );
}
