/**
 * One cadence: its versions; the chosen version's steps and its diff against the published one; a draft
 * editor; the preview for a guest (the exact mails with their local send times, and the skips with reasons);
 * the dry run over the base (per step and per reason); publish, roll back, and move the follow-ups in flight
 * with the move's report.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { get, idempotencyKey, post } from '../../api';
import { codeLabel } from '../../i18n';
import { formatInstant } from '../../format';
import { useSession } from '../../session';
import { ActionDialog, Badge, Field, QueryState, Section, Table } from '../../ui';
import { useConditionText, useFieldValue, useStepTiming } from './common';
import { DraftEditor } from './editor';
import { BasePlan, PreviewCard } from './preview';
import type {
  CadenceDetail,
  CadenceVersion,
  DiffAnswer,
  DryRunAnswer,
  MoveAnswer,
  TemplateSummary,
} from './types';

export function CadencePage() {
  const { key = '' } = useParams();
  const query = useQuery({
    queryKey: ['cadence', key],
    queryFn: () => get<CadenceDetail>(`/v1/cadences/${key}`),
  });
  return <QueryState query={query}>{(d) => <CadenceView detail={d} />}</QueryState>;
}

function CadenceView({ detail }: { detail: CadenceDetail }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [editing, setEditing] = useState(false);
  const current = detail.currentVersion;
  const chosen = Number(params.get('v')) || current || detail.versions[0]?.version || 0;
  const choose = (v: number) => {
    setEditing(false);
    setParams({ v: String(v) });
  };
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['cadence', detail.key] });
    void client.invalidateQueries({ queryKey: ['cadences'] });
    void client.invalidateQueries({ queryKey: ['cadence-dry-run', detail.key] });
    void client.invalidateQueries({ queryKey: ['cadence-version', detail.key] });
    void client.invalidateQueries({ queryKey: ['cadence-diff', detail.key] });
    void client.invalidateQueries({ queryKey: ['cadence-base-plan', detail.key] });
  };
  const version = useQuery({
    queryKey: ['cadence-version', detail.key, chosen],
    queryFn: () => get<CadenceVersion>(`/v1/cadences/${detail.key}/versions/${chosen}`),
    enabled: chosen > 0,
  });
  const templates = useQuery({
    queryKey: ['templates'],
    queryFn: () => get<{ templates: TemplateSummary[] }>('/v1/templates'),
  });
  const meta = detail.versions.find((v) => v.version === chosen);

  return (
    <div className="cad-page" data-testid="cadence-page">
      <section className="card" data-testid="cadence-head">
        <p className="cad-crumbs">
          <Link to="/marketing/cadences">{t('cadences.title')}</Link> ›
        </p>
        <h1>{detail.name}</h1>
        <p className="muted">{detail.description}</p>
        <div className="badges">
          <Badge kind="ok" testId="current-version">
            {current ? t('cadences.currentN', { n: current }) : t('cadences.noCurrent')}
          </Badge>
        </div>
      </section>

      <Section title={t('cadences.versions.title')}>
        <Table
          columns={[
            t('cadences.versions.version'),
            t('common.status'),
            t('cadences.versions.note'),
            t('cadences.versions.created'),
            t('cadences.versions.published'),
          ]}
          testId="cadence-versions"
          small
        >
          {detail.versions.map((v) => (
            <tr key={v.version} className={v.version === chosen ? 'cad-row-chosen' : ''}>
              <td>
                <button type="button" className="btn btn-quiet cad-link" onClick={() => choose(v.version)}>
                  v{v.version}
                </button>
              </td>
              <td>
                <VersionBadge status={v.status} current={v.version === current} />
              </td>
              <td className="cad-note-cell">
                {v.note}
                {v.basedOn ? (
                  <span className="muted"> ({t('cadences.basedOn', { n: v.basedOn })})</span>
                ) : null}
              </td>
              <td className="nowrap">
                {v.createdBy}
                <div className="muted small">{formatInstant(v.createdAt, zone)}</div>
              </td>
              <td className="nowrap">
                {v.publishedBy ?? '—'}
                {v.publishedAt ? (
                  <div className="muted small">{formatInstant(v.publishedAt, zone)}</div>
                ) : null}
              </td>
            </tr>
          ))}
        </Table>
      </Section>

      {editing && version.data && templates.data ? (
        <DraftEditor
          cadenceKey={detail.key}
          from={version.data}
          templates={templates.data.templates.map((x) => x.key)}
          onCancel={() => setEditing(false)}
          onSaved={(v) => {
            refresh();
            choose(v.version);
          }}
        />
      ) : null}

      <QueryState query={version}>
        {(v) => (
          <>
            <section className="card" data-testid="version-view">
              <header className="card-head">
                <h2>
                  {t('cadences.versionN', { n: v.version })}{' '}
                  <VersionBadge status={v.status} current={v.version === current} />
                </h2>
                <div className="card-actions actions">
                  {!editing ? (
                    <button
                      type="button"
                      className="btn"
                      onClick={() => setEditing(true)}
                      data-testid="edit-draft"
                    >
                      {t('cadences.editAsDraft')}
                    </button>
                  ) : null}
                  {v.status === 'draft' ? (
                    <ActionDialog
                      label={t('cadences.publish.label', { n: v.version })}
                      title={t('cadences.publish.title', { n: v.version })}
                      confirmText={t('cadences.publish.confirm')}
                      submit={() =>
                        post<CadenceVersion>(`/v1/cadences/${detail.key}/versions/${v.version}/publish`, {})
                      }
                      onDone={refresh}
                      testId="publish"
                    >
                      <p>{t('cadences.publish.body')}</p>
                    </ActionDialog>
                  ) : null}
                  {v.status === 'published' && current !== null && v.version !== current ? (
                    <RollbackAction
                      cadenceKey={detail.key}
                      version={v.version}
                      onDone={(n) => {
                        refresh();
                        choose(n);
                      }}
                    />
                  ) : null}
                </div>
              </header>
              {meta?.note ? <p className="quote">{meta.note}</p> : null}
              <StepsTable steps={v.steps} />
            </section>
            {current !== null && v.version !== current ? (
              <DiffCard cadenceKey={detail.key} from={current} to={v.version} />
            ) : null}
            <PreviewCard cadenceKey={detail.key} version={v.version} current={current} />
            <BasePlan cadenceKey={detail.key} version={v.version} />
          </>
        )}
      </QueryState>

      {current !== null ? <InFlight cadenceKey={detail.key} current={current} onMoved={refresh} /> : null}
    </div>
  );
}

function VersionBadge({ status, current }: { status: string; current: boolean }) {
  const { t } = useTranslation();
  if (current) return <Badge kind="ok">{t('cadences.status.current')}</Badge>;
  return <Badge kind={status === 'draft' ? 'draft' : undefined}>{t(`cadences.status.${status}`)}</Badge>;
}

function StepsTable({ steps }: { steps: CadenceVersion['steps'] }) {
  const { t } = useTranslation();
  const timing = useStepTiming();
  const condition = useConditionText();
  return (
    <Table
      columns={[
        '#',
        t('cadences.step.id'),
        t('cadences.step.when'),
        t('cadences.step.template'),
        t('cadences.step.class'),
        t('cadences.step.condition'),
      ]}
      testId="version-steps"
      small
    >
      {steps.map((s, i) => (
        <tr key={s.id} data-step={s.id}>
          <td>{i + 1}</td>
          <td className="mono nowrap">{s.id}</td>
          <td>{timing(s)}</td>
          <td>{codeLabel('template', s.template)}</td>
          <td>{t(`cadences.class.${s.class}`)}</td>
          <td>{condition(s.condition)}</td>
        </tr>
      ))}
    </Table>
  );
}

/** What the chosen version changes against the published one, step by step. */
function DiffCard(props: { cadenceKey: string; from: number; to: number }) {
  const { t } = useTranslation();
  const value = useFieldValue();
  const timing = useStepTiming();
  const query = useQuery({
    queryKey: ['cadence-diff', props.cadenceKey, props.from, props.to],
    queryFn: () =>
      get<DiffAnswer>(`/v1/cadences/${props.cadenceKey}/diff`, { from: props.from, to: props.to }),
  });
  return (
    <Section title={t('cadences.diff.title', { from: props.from, to: props.to })}>
      <QueryState
        query={query}
        empty={(d) => d.added.length + d.removed.length + d.changed.length === 0}
        emptyText={t('cadences.diff.same')}
      >
        {(d) => (
          <ul className="cad-diff" data-testid="cadence-diff">
            {d.changed.map((c) => (
              <li key={`c-${c.id}`} className="cad-diff-changed">
                <Badge>{t('cadences.diff.changed')}</Badge> <span className="mono">{c.id}</span>
                <ul>
                  {Object.entries(c.fields).map(([f, ch]) => (
                    <li key={f}>
                      {t(`cadences.field.${f}`, { defaultValue: f })}:{' '}
                      <del>{f === 'position' ? String(ch.from as number) : value(f, ch.from)}</del> →{' '}
                      <ins>{f === 'position' ? String(ch.to as number) : value(f, ch.to)}</ins>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
            {d.added.map((s) => (
              <li key={`a-${s.id}`} className="cad-diff-added">
                <Badge kind="ok">{t('cadences.diff.added')}</Badge> <span className="mono">{s.id}</span> ·{' '}
                {codeLabel('template', s.template)} · {timing(s)}
              </li>
            ))}
            {d.removed.map((s) => (
              <li key={`r-${s.id}`} className="cad-diff-removed">
                <Badge kind="alert">{t('cadences.diff.removed')}</Badge> <span className="mono">{s.id}</span>{' '}
                · {codeLabel('template', s.template)}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Section>
  );
}

function RollbackAction(props: { cadenceKey: string; version: number; onDone: (v: number) => void }) {
  const { t } = useTranslation();
  const [note, setNote] = useState('');
  return (
    <ActionDialog
      label={t('cadences.rollback.label', { n: props.version })}
      title={t('cadences.rollback.title', { n: props.version })}
      confirmText={t('cadences.rollback.confirm')}
      submit={() =>
        post<CadenceVersion>(`/v1/cadences/${props.cadenceKey}/rollback`, {
          version: props.version,
          ...(note.trim() ? { note: note.trim() } : {}),
        })
      }
      onDone={(v) => props.onDone(v.version)}
      danger
      testId="rollback"
    >
      <p>{t('cadences.rollback.body', { n: props.version })}</p>
      <Field label={t('cadences.editor.note')}>
        <input value={note} onChange={(e) => setNote(e.target.value)} name="note" maxLength={1000} />
      </Field>
    </ActionDialog>
  );
}

/** The follow-ups running now, per version; those on another version than the current one can be moved. */
function InFlight(props: { cadenceKey: string; current: number; onMoved: () => void }) {
  const { t } = useTranslation();
  const value = useFieldValue();
  const [report, setReport] = useState<MoveAnswer | null>(null);
  const query = useQuery({
    queryKey: ['cadence-dry-run', props.cadenceKey, props.current],
    queryFn: () => get<DryRunAnswer>(`/v1/cadences/${props.cadenceKey}/dry-run`, { to: props.current }),
  });
  return (
    <Section title={t('cadences.inFlight.title')}>
      <p className="muted">{t('cadences.inFlight.intro', { n: props.current })}</p>
      <QueryState
        query={query}
        empty={(d) => d.versions.length === 0}
        emptyText={t('cadences.inFlight.none')}
      >
        {(d) => (
          <Table
            columns={[
              t('cadences.versions.version'),
              { label: t('cadences.inFlight.running'), num: true },
              t('cadences.inFlight.stepsDone'),
              t('cadences.inFlight.change'),
              '',
            ]}
            testId="in-flight"
          >
            {d.versions.map((v) => (
              <tr key={v.version} data-version={v.version}>
                <td>v{v.version}</td>
                <td className="num">{v.running.toLocaleString()}</td>
                <td>
                  {Object.entries(v.stepsDone).map(([id, n]) => (
                    <div key={id} className="small">
                      <span className="mono">{id}</span>: {n.toLocaleString()}
                    </div>
                  ))}
                </td>
                <td className="small">
                  {v.move === null || v.move === undefined ? (
                    <span className="muted">{t('cadences.inFlight.onCurrent')}</span>
                  ) : v.move.added.length + v.move.removed.length + v.move.changed.length === 0 ? (
                    t('cadences.diff.same')
                  ) : (
                    <>
                      {v.move.changed.map((c) => (
                        <div key={c.id}>
                          <span className="mono">{c.id}</span>:{' '}
                          {Object.entries(c.fields)
                            .map(
                              ([f, ch]) =>
                                `${t(`cadences.field.${f}`, { defaultValue: f })} ${value(f, ch.from)} → ${value(f, ch.to)}`,
                            )
                            .join('; ')}
                        </div>
                      ))}
                      {v.move.added.map((s) => (
                        <div key={s.id}>+ {s.id}</div>
                      ))}
                      {v.move.removed.map((s) => (
                        <div key={s.id}>− {s.id}</div>
                      ))}
                    </>
                  )}
                </td>
                <td>
                  {v.version !== props.current ? (
                    <MoveAction
                      cadenceKey={props.cadenceKey}
                      from={v.version}
                      to={props.current}
                      running={v.running}
                      onDone={(r) => {
                        setReport(r);
                        props.onMoved();
                      }}
                    />
                  ) : null}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </QueryState>
      {report ? <MoveReport report={report} /> : null}
    </Section>
  );
}

function MoveAction(props: {
  cadenceKey: string;
  from: number;
  to: number;
  running: number;
  onDone: (r: MoveAnswer) => void;
}) {
  const { t } = useTranslation();
  const [limit, setLimit] = useState(String(Math.min(Math.max(props.running, 1), 500)));
  // One key per dialog: a retried confirmation asks the same follow-ups again, never a second batch.
  const [key] = useState(idempotencyKey);
  const n = Number(limit);
  return (
    <ActionDialog
      label={t('cadences.move.label', { from: props.from, to: props.to })}
      title={t('cadences.move.title', { from: props.from, to: props.to })}
      valid={Number.isInteger(n) && n >= 1 && n <= 500}
      confirmText={t('cadences.move.confirm', { n, from: props.from, to: props.to })}
      submit={() =>
        post<MoveAnswer>(
          `/v1/cadences/${props.cadenceKey}/moves`,
          { fromVersion: props.from, toVersion: props.to, limit: n },
          key,
        )
      }
      onDone={props.onDone}
      testId={`move-${props.from}`}
    >
      <p>{t('cadences.move.body', { n: props.running, from: props.from, to: props.to })}</p>
      <Field label={t('cadences.move.limit')} hint={t('cadences.move.limitHint')}>
        <input
          type="number"
          min={1}
          max={500}
          value={limit}
          onChange={(e) => setLimit(e.target.value)}
          name="limit"
        />
      </Field>
    </ActionDialog>
  );
}

function MoveReport({ report }: { report: MoveAnswer }) {
  const { t } = useTranslation();
  const byReason: Record<string, number> = {};
  for (const f of report.failed) byReason[f.reason] = (byReason[f.reason] ?? 0) + 1;
  return (
    <div className="cad-report" data-testid="move-report" role="status">
      <h3>{t('cadences.report.title', { from: report.fromVersion, to: report.toVersion })}</h3>
      <dl className="facts">
        <div className="fact">
          <dt>{t('cadences.report.selected')}</dt>
          <dd data-testid="report-selected">{report.selected}</dd>
        </div>
        <div className="fact">
          <dt>{t('cadences.report.moved')}</dt>
          <dd data-testid="report-moved">{report.moved}</dd>
        </div>
        <div className="fact">
          <dt>{t('cadences.report.failed')}</dt>
          <dd data-testid="report-failed">{report.failed.length}</dd>
        </div>
        <div className="fact">
          <dt>{t('cadences.report.remaining')}</dt>
          <dd data-testid="report-remaining">{report.remaining}</dd>
        </div>
      </dl>
      {report.failed.length ? (
        <ul className="small">
          {Object.entries(byReason).map(([r, n]) => (
            <li key={r}>
              {t(`cadences.moveFailure.${r}`, { defaultValue: r })}: {n}
            </li>
          ))}
        </ul>
      ) : null}
      {report.replayed ? <p className="muted small">{t('cadences.report.replayed')}</p> : null}
      <p className="muted small mono">{report.requestId}</p>
    </div>
  );
}
