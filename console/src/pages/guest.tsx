/**
 * The guest information card: profile and contact, stage and tier with this year's progress, points and the
 * ledger, stays and bookings, mails, cases, the timeline that explains every decision, what happens next, and
 * the actions the role may take (each confirmed, each refusal shown as the API said it).
 */
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { CASE_CATEGORIES, CASE_PRIORITIES, CASE_SOURCES, DEPARTMENTS } from '../../../domain/cases';
import { TIERS } from '../../../domain/tiers';
import { PREFERENCE_CATEGORIES, PREFERENCE_KINDS } from '../../../domain/preferences';
import { get, idempotencyKey, post } from '../api';
import { codeLabel, statusCode } from '../i18n';
import { formatDay, formatInstant, formatNumber, personName } from '../format';
import { useSession } from '../session';
import type { GuestView, GuestWorkflow, TierProgress } from '../types';
import { ActionDialog, Badge, Empty, ErrorBox, Field, QueryState, Section, Table } from '../ui';
import { Timeline } from './timeline';
import { MailReason, ReasonAction } from '../shared';

const TABS = ['timeline', 'points', 'stays', 'mails', 'cases'] as const;
type Tab = (typeof TABS)[number];

export function GuestPage() {
  const { id = '' } = useParams();
  const query = useQuery({ queryKey: ['guest', id], queryFn: () => get<GuestView>(`/v1/guests/${id}`) });
  return <QueryState query={query}>{(g) => <GuestCard view={g} />}</QueryState>;
}

function GuestCard({ view }: { view: GuestView }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  const [tab, setTab] = useState<Tab>('timeline');
  const g = view.guest;
  const balance = view.pointsBalance ?? view.ledger[0]?.balanceAfter ?? 0;
  return (
    <>
      <section className="card guest-head" data-testid="guest-head">
        <div className="guest-title">
          <h1 data-testid="guest-name">{personName(g.firstName, g.lastName)}</h1>
          <div className="badges">
            <Badge kind={`tier-${g.tier}`} testId="guest-tier">
              {t('guest.tier')}: {codeLabel('tier', g.tier)}
            </Badge>
            <Badge kind={`stage-${g.stage}`} testId="guest-stage">
              {t('guest.stage')}: {codeLabel('stage', g.stage)}
            </Badge>
            {view.inHouse ? <Badge kind="inhouse">{t('guest.inHouse')}</Badge> : null}
            {view.openCases.some((c) => c.status === 'open') ? (
              <Badge kind="alert">{t('guest.openCase')}</Badge>
            ) : null}
            {g.tierFloor ? <Badge>{t('guest.floor', { tier: codeLabel('tier', g.tierFloor) })}</Badge> : null}
          </div>
        </div>
        <dl className="facts">
          <Fact label={t('guest.memberNumber')}>{g.memberNumber ?? t('guest.notMember')}</Fact>
          <Fact label={t('guest.balance')}>
            <span data-testid="points-balance">{formatNumber(balance)}</span>
          </Fact>
          <Fact label={t('guest.staysTotal')}>{formatNumber(view.totals.stays)}</Fact>
          <Fact label={t('guest.email')}>{g.email}</Fact>
          <Fact label={t('guest.phone')}>{g.phone ?? '—'}</Fact>
          <Fact label={t('guest.language')}>{codeLabel('language', g.locale)}</Fact>
          <Fact label={t('guest.zone')}>{g.timezone}</Fact>
          <Fact label={t('guest.birthday')}>{formatDay(g.birthday)}</Fact>
          <Fact label={t('guest.consent')}>{g.marketingConsent ? t('common.yes') : t('common.no')}</Fact>
          <Fact label={t('guest.pmsProfile')}>
            {g.pmsProfileId} <span className="muted">({codeLabel('source', g.source)})</span>
          </Fact>
          <Fact label={t('guest.enrolled')}>
            {g.enrolledAt ? formatInstant(g.enrolledAt, zone) : '—'}
            {g.enrolmentChannel ? <span className="muted"> · {g.enrolmentChannel}</span> : null}
          </Fact>
          <Fact label={t('guest.tierValidThrough')}>{formatDay(g.tierValidThrough)}</Fact>
        </dl>
        <GuestActions view={view} />
      </section>
      <div className="columns">
        <Section title={t('guest.preferences')} actions={<AddPreference guestId={g.id} />}>
          <Preferences view={view} />
        </Section>
        <Section title={t('guest.tierProgress')}>
          <TierProgressView progress={view.tierProgress ?? null} tier={g.tier} />
        </Section>
        <Section title={t('guest.inHouseTitle')}>
          {view.inHouse ? (
            <p>
              {view.inHouse.propertyCode}: {formatDay(view.inHouse.arrival)} →{' '}
              {formatDay(view.inHouse.expectedDeparture)}
            </p>
          ) : (
            <Empty>{t('guest.notInHouse')}</Empty>
          )}
          <WorkflowLine view={view} />
        </Section>
      </div>
      <section className="card">
        <div className="tabs" role="tablist">
          {TABS.map((x) => (
            <button
              key={x}
              type="button"
              role="tab"
              aria-selected={tab === x}
              className={tab === x ? 'tab active' : 'tab'}
              onClick={() => setTab(x)}
              data-testid={`tab-${x}`}
            >
              {t(`guest.tab.${x}`)}
            </button>
          ))}
        </div>
        <div className="tab-body">
          {tab === 'timeline' ? <Timeline guestId={g.id} /> : null}
          {tab === 'points' ? <Ledger view={view} /> : null}
          {tab === 'stays' ? <StaysAndBookings view={view} /> : null}
          {tab === 'mails' ? <Mails view={view} /> : null}
          {tab === 'cases' ? <Cases view={view} /> : null}
        </div>
      </section>
    </>
  );
}

function Fact({ label, children }: { label: ReactNode; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Meter({ have, need }: { have: number; need: number }) {
  const pct = need > 0 ? Math.min(100, Math.round((have / need) * 100)) : 100;
  return (
    <div className="meter" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
      <div className="meter-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

function TierProgressView({ progress, tier }: { progress: TierProgress | null; tier: string }) {
  const { t } = useTranslation();
  if (!progress) return <Empty />;
  const a = progress.activity;
  return (
    <div className="tier-progress" data-testid="tier-progress">
      <p className="muted">
        {t('tierProgress.year', {
          year: progress.year,
          stays: t('tierProgress.stays', { count: a.stays }),
          nights: t('tierProgress.nights', { count: a.nights }),
        })}
      </p>
      {progress.keep ? (
        <div className="progress-line">
          <p data-testid="tier-keep">
            {t('tierProgress.keep', {
              nights: t('tierProgress.nights', { count: progress.keep.nights }),
              stays: t('tierProgress.stays', { count: progress.keep.stays }),
              tier: codeLabel('tier', progress.keep.tier),
              by: formatDay(progress.by),
            })}
          </p>
          <Meter have={a.nights} need={a.nights + progress.keep.nights} />
        </div>
      ) : progress.kept ? (
        <p data-testid="tier-keep">{t('tierProgress.kept', { tier: codeLabel('tier', tier) })}</p>
      ) : null}
      {progress.next ? (
        <div className="progress-line">
          <p data-testid="tier-next">
            {t('tierProgress.next', {
              nights: t('tierProgress.nights', { count: progress.next.nights }),
              stays: t('tierProgress.stays', { count: progress.next.stays }),
              tier: codeLabel('tier', progress.next.tier),
              by: formatDay(progress.by),
            })}
          </p>
          <Meter have={a.nights} need={a.nights + progress.next.nights} />
        </div>
      ) : (
        <p>{t('tierProgress.top')}</p>
      )}
    </div>
  );
}

/**
 * The guest's workflow as Temporal has it now: asked apart from the card (`GET /v1/guests/:id/workflow`), so the
 * card shows from Postgres even while Temporal is slow or away. Its key sits under the card's, so whatever
 * refreshes the card refreshes it too.
 */
function WorkflowLine({ view }: { view: GuestView }) {
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: ['guest', view.guest.id, 'workflow'],
    queryFn: () => get<GuestWorkflow>(`/v1/guests/${view.guest.id}/workflow`),
  });
  return (
    <QueryState query={query}>
      {({ workflow }) =>
        workflow ? (
          <p data-testid="guest-workflow">
            {t('guest.workflow')}:{' '}
            <Link to={`/workflows/${encodeURIComponent(workflow.workflowId)}`}>{workflow.workflowId}</Link>{' '}
            <Badge kind={`status-${statusCode(workflow.status).toLowerCase()}`}>
              {codeLabel('status', statusCode(workflow.status))}
            </Badge>
          </p>
        ) : (
          <p className="muted">{t('guest.noWorkflow')}</p>
        )
      }
    </QueryState>
  );
}

function Ledger({ view }: { view: GuestView }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  if (view.ledger.length === 0) return <Empty>{t('guest.noLedger')}</Empty>;
  return (
    <Table
      columns={[
        t('common.when'),
        { label: t('points.points'), num: true },
        { label: t('points.balanceAfter'), num: true },
        t('points.reason'),
        t('points.source'),
      ]}
      testId="ledger"
    >
      {view.ledger.map((l) => (
        <tr key={l.id}>
          <td className="nowrap">{formatInstant(l.createdAt, zone)}</td>
          <td className={`num ${l.points < 0 ? 'neg' : 'pos'}`}>
            {l.points > 0 ? '+' : ''}
            {formatNumber(l.points)}
          </td>
          <td className="num">{formatNumber(l.balanceAfter)}</td>
          <td>{codeLabel('ledgerReason', l.reason)}</td>
          <td>{l.source ?? '—'}</td>
        </tr>
      ))}
    </Table>
  );
}

function StaysAndBookings({ view }: { view: GuestView }) {
  const { t } = useTranslation();
  return (
    <div className="columns wide">
      <div>
        <h3>{t('guest.stays')}</h3>
        {view.stays.length === 0 ? (
          <Empty>{t('guest.noStays')}</Empty>
        ) : (
          <Table
            columns={[
              t('stay.property'),
              t('stay.dates'),
              { label: t('stay.nights'), num: true },
              { label: t('stay.revenue'), num: true },
            ]}
          >
            {view.stays.map((s) => (
              <tr key={s.id} className={s.cancelledAt ? 'muted' : undefined}>
                <td>
                  {s.propertyCode}{' '}
                  {s.cancelledAt ? (
                    <Badge
                      kind="alert"
                      testId="stay-cancelled"
                      title={t('stay.cancelledTitle', { day: formatDay(s.cancelledAt) })}
                    >
                      {t('stay.cancelled')}
                    </Badge>
                  ) : s.revision > 0 ? (
                    <Badge title={t('stay.amendedTitle', { count: s.revision })}>{t('stay.amended')}</Badge>
                  ) : null}
                </td>
                <td className="nowrap">
                  {formatDay(s.arrival)} → {formatDay(s.departure)}
                </td>
                <td className="num">{s.nights}</td>
                <td className="num">
                  {formatNumber(s.roomRevenue)} {s.currency}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </div>
      <div>
        <h3>{t('guest.bookings')}</h3>
        {view.bookings.length === 0 ? (
          <Empty>{t('guest.noBookings')}</Empty>
        ) : (
          <Table columns={[t('stay.property'), t('stay.dates'), t('common.status')]}>
            {view.bookings.map((b) => (
              <tr key={b.id}>
                <td>{b.propertyCode}</td>
                <td className="nowrap">
                  {formatDay(b.arrival)} → {formatDay(b.departure)}
                </td>
                <td>{codeLabel('bookingStatus', b.status)}</td>
              </tr>
            ))}
          </Table>
        )}
      </div>
    </div>
  );
}

function Mails({ view }: { view: GuestView }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  if (view.mails.length === 0) return <Empty>{t('guest.noMails')}</Empty>;
  return (
    <Table
      columns={[
        t('common.when'),
        t('mail.template'),
        t('mail.subject'),
        t('common.status'),
        t('mail.reason'),
      ]}
      testId="mails"
    >
      {view.mails.map((m) => (
        <tr key={m.id}>
          <td className="nowrap">{formatInstant(m.sentAt ?? m.sendAt ?? m.createdAt, zone)}</td>
          <td>{codeLabel('template', m.template)}</td>
          <td>{m.subject}</td>
          <td>
            <Badge kind={`mail-${m.status}`}>{codeLabel('mailStatus', m.status)}</Badge>
          </td>
          <td>{m.suppressionReason ? <MailReason reason={m.suppressionReason} /> : '—'}</td>
        </tr>
      ))}
    </Table>
  );
}

function Cases({ view }: { view: GuestView }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  if (view.openCases.length === 0) return <Empty>{t('guest.noCases')}</Empty>;
  return (
    <Table
      columns={[
        t('common.when'),
        t('case.category'),
        t('case.priority'),
        t('case.department'),
        t('case.sla'),
        t('common.status'),
      ]}
    >
      {view.openCases.map((c) => (
        <tr key={c.id} className={c.slaState !== 'on_track' ? 'row-alert' : ''}>
          <td className="nowrap">
            <Link to={`/cases/${c.id}`}>{formatInstant(c.openedAt, zone)}</Link>
          </td>
          <td>{codeLabel('category', c.category)}</td>
          <td>{codeLabel('priority', c.priority)}</td>
          <td>{codeLabel('department', c.department)}</td>
          <td>{codeLabel('sla', c.slaState)}</td>
          <td>{codeLabel('caseStatus', c.status)}</td>
        </tr>
      ))}
    </Table>
  );
}

function Preferences({ view }: { view: GuestView }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  const client = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  if (view.preferences.length === 0) return <Empty>{t('guest.noPreferences')}</Empty>;
  const remove = async (id: number) => {
    setError(null);
    try {
      await post(`/v1/guests/${view.guest.id}/preferences/${id}/remove`, {});
      void client.invalidateQueries({ queryKey: ['guest', view.guest.id] });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <ul className="prefs" data-testid="preferences">
        {view.preferences.map((p) => (
          <li key={p.id} className={p.kind === 'taboo' ? 'taboo' : ''}>
            <strong>{codeLabel('preferenceKind', p.kind)}</strong> ·{' '}
            {codeLabel('preferenceCategory', p.category)}: {p.text}{' '}
            <span className="muted small">
              ({codeLabel('factSource', p.source)} · {p.recordedBy} · {formatInstant(p.at, zone)})
            </span>{' '}
            <button
              type="button"
              className="btn btn-quiet small"
              onClick={() => void remove(p.id)}
              aria-label={t('action.remove')}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <ErrorBox error={error} />
    </>
  );
}

function AddPreference({ guestId }: { guestId: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [kind, setKind] = useState('preference');
  const [category, setCategory] = useState('room');
  const [text, setText] = useState('');
  return (
    <ActionDialog
      label={t('action.add')}
      title={t('action.addPreference')}
      valid={text.trim().length > 0}
      confirmText={t('action.addPreferenceConfirm')}
      submit={() => post(`/v1/guests/${guestId}/preferences`, { kind, category, text: text.trim() })}
      onDone={() => {
        setText('');
        void client.invalidateQueries({ queryKey: ['guest', guestId] });
      }}
      testId="action-add-preference"
    >
      <Field label={t('preferences.kind')}>
        <select value={kind} onChange={(e) => setKind(e.target.value)} name="kind">
          {PREFERENCE_KINDS.map((k) => (
            <option key={k} value={k}>
              {codeLabel('preferenceKind', k)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('preferences.category')}>
        <select value={category} onChange={(e) => setCategory(e.target.value)} name="category">
          {PREFERENCE_CATEGORIES.map((k) => (
            <option key={k} value={k}>
              {codeLabel('preferenceCategory', k)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('preferences.text')}>
        <input value={text} onChange={(e) => setText(e.target.value)} name="text" maxLength={300} />
      </Field>
    </ActionDialog>
  );
}

// --- actions -------------------------------------------------------------------------------------------------

function GuestActions({ view }: { view: GuestView }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const client = useQueryClient();
  const id = view.guest.id;
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['guest', id] });
    void client.invalidateQueries({ queryKey: ['timeline', id] });
  };
  const admin = !!session?.can.admin;
  return (
    <div className="actions" data-testid="guest-actions">
      <RedeemAction guestId={id} onDone={refresh} />
      {admin ? <AdjustAction guestId={id} onDone={refresh} /> : null}
      {admin ? <TierFloorAction guestId={id} onDone={refresh} /> : null}
      <OpenCaseAction view={view} onDone={refresh} />
      {view.guest.stage === 'lapsed' ? (
        <ReasonAction
          label={t('action.startWinBack')}
          title={t('action.startWinBackTitle')}
          path={`/v1/guests/${id}/win-back`}
          onDone={refresh}
          testId="action-win-back"
        />
      ) : null}
      <ReasonAction
        label={t('action.reload')}
        title={t('action.reloadTitle')}
        path={`/v1/guests/${id}/reload`}
        onDone={refresh}
        testId="action-reload"
      />
      {admin ? (
        <ReasonAction
          label={t('action.restart')}
          title={t('action.restartTitle')}
          path={`/v1/guests/${id}/restart`}
          onDone={refresh}
          danger
          testId="action-restart"
        />
      ) : null}
    </div>
  );
}

function RedeemAction({ guestId, onDone }: { guestId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [points, setPoints] = useState('');
  const [note, setNote] = useState('');
  const n = Number(points);
  return (
    <ActionDialog
      label={t('action.redeem')}
      title={t('action.redeemTitle')}
      valid={Number.isInteger(n) && n > 0}
      confirmText={t('action.redeemConfirm', { points: formatNumber(n) })}
      submit={() =>
        post(
          `/v1/guests/${guestId}/points/redemptions`,
          { points: n, ...(note.trim() ? { note: note.trim() } : {}) },
          idempotencyKey(),
        )
      }
      onDone={() => {
        setPoints('');
        setNote('');
        onDone();
      }}
      testId="action-redeem"
    >
      <Field label={t('points.points')}>
        <input
          type="number"
          min={1}
          step={1}
          value={points}
          onChange={(e) => setPoints(e.target.value)}
          name="points"
          required
        />
      </Field>
      <Field label={t('action.note')}>
        <input value={note} onChange={(e) => setNote(e.target.value)} name="note" maxLength={200} />
      </Field>
    </ActionDialog>
  );
}

function AdjustAction({ guestId, onDone }: { guestId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [points, setPoints] = useState('');
  const [reason, setReason] = useState('');
  const n = Number(points);
  return (
    <ActionDialog
      label={t('action.adjust')}
      title={t('action.adjustTitle')}
      valid={Number.isInteger(n) && n !== 0 && reason.trim().length > 0}
      confirmText={t('action.adjustConfirm', { points: formatNumber(n) })}
      submit={() =>
        post(
          `/v1/guests/${guestId}/points/adjustments`,
          { points: n, reason: reason.trim() },
          idempotencyKey(),
        )
      }
      onDone={onDone}
      testId="action-adjust"
    >
      <Field label={t('points.points')} hint={t('action.adjustHint')}>
        <input
          type="number"
          step={1}
          value={points}
          onChange={(e) => setPoints(e.target.value)}
          name="points"
        />
      </Field>
      <Field label={t('action.reason')}>
        <input value={reason} onChange={(e) => setReason(e.target.value)} name="reason" maxLength={200} />
      </Field>
    </ActionDialog>
  );
}

function TierFloorAction({ guestId, onDone }: { guestId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [tier, setTier] = useState<string>('silver');
  const [reason, setReason] = useState('');
  return (
    <ActionDialog
      label={t('action.tierFloor')}
      title={t('action.tierFloorTitle')}
      valid={reason.trim().length > 0}
      confirmText={t('action.tierFloorConfirm', { tier: codeLabel('tier', tier) })}
      submit={() =>
        post(`/v1/guests/${guestId}/tier-floor`, { tier, reason: reason.trim() }, idempotencyKey())
      }
      onDone={onDone}
      testId="action-tier-floor"
    >
      <Field label={t('guest.tier')}>
        <select value={tier} onChange={(e) => setTier(e.target.value)} name="tier">
          {TIERS.map((x) => (
            <option key={x} value={x}>
              {codeLabel('tier', x)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('action.reason')}>
        <input value={reason} onChange={(e) => setReason(e.target.value)} name="reason" maxLength={200} />
      </Field>
    </ActionDialog>
  );
}

function OpenCaseAction({ view, onDone }: { view: GuestView; onDone: () => void }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const lastProperty = view.inHouse?.propertyCode ?? view.stays[0]?.propertyCode ?? '';
  const [form, setForm] = useState({
    source: 'staff_visit',
    category: 'service_attitude',
    priority: 'normal',
    department: 'front_office',
    propertyCode: lastProperty,
    description: '',
  });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [k]: e.target.value }));
  const select = (
    k: 'source' | 'category' | 'priority' | 'department',
    values: readonly string[],
    group: string,
  ) => (
    <Field label={t(`case.${k}`)}>
      <select value={form[k]} onChange={set(k)} name={k}>
        {values.map((v) => (
          <option key={v} value={v}>
            {codeLabel(group, v)}
          </option>
        ))}
      </select>
    </Field>
  );
  return (
    <ActionDialog
      label={t('action.openCase')}
      title={t('action.openCaseTitle')}
      valid={form.propertyCode.trim().length > 0}
      confirmText={t('action.openCaseConfirm')}
      submit={() =>
        post(
          '/v1/cases',
          {
            guestId: view.guest.id,
            source: form.source,
            category: form.category,
            priority: form.priority,
            department: form.department,
            propertyCode: form.propertyCode.trim(),
            receivedBy: session?.name ?? 'console',
            ...(form.description.trim() ? { description: form.description.trim() } : {}),
          },
          idempotencyKey(),
        )
      }
      onDone={onDone}
      testId="action-open-case"
    >
      {select('source', CASE_SOURCES, 'caseSource')}
      {select('category', CASE_CATEGORIES, 'category')}
      {select('priority', CASE_PRIORITIES, 'priority')}
      {select('department', DEPARTMENTS, 'department')}
      <Field label={t('stay.property')}>
        <input value={form.propertyCode} onChange={set('propertyCode')} name="propertyCode" />
      </Field>
      <Field label={t('case.description')}>
        <textarea value={form.description} onChange={set('description')} name="description" rows={3} />
      </Field>
    </ActionDialog>
  );
}
