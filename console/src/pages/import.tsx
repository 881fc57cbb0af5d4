/**
 * Member import, for admins (docs/import.md): upload a CSV (`POST /v1/admin/imports`, the file itself as the body),
 * its progress read again every second while it runs (`GET /v1/admin/imports/:id`: lines, rate, ETA, then the
 * guests' workflows), the result counts, the bad-line report (`GET …/:id/report`, a CSV download) and the past
 * imports (`GET /v1/admin/imports`).
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, get } from '../api';
import { formatInstant, formatNumber } from '../format';
import { useSession } from '../session';
import { Badge, ErrorBox, QueryState, Section, Table } from '../ui';

type ImportStatus = 'running' | 'workflows' | 'finished' | 'failed';

/** An import as `GET /v1/admin/imports/:id` answers it (api/imports/service.ts `ImportView`). */
interface ImportView {
  id: number;
  fileName: string;
  fileHash: string;
  fileBytes: number;
  status: ImportStatus;
  createdBy: string;
  startedAt: string;
  rowsDoneAt: string | null;
  finishedAt: string | null;
  error: string | null;
  rows: { read: number; created: number; updated: number; unchanged: number; rejected: number };
  workflows: { total: number; done: number };
  progress: { fraction: number; rowsPerSecond: number | null; etaSeconds: number | null };
  reportUrl: string;
}

interface Uploaded {
  import: ImportView;
  alreadyImported: boolean;
}

const POLL_MS = 1_000;
const live = (s: ImportStatus | undefined) => s === 'running' || s === 'workflows';

/** The file itself as the body (api.ts sends JSON only). A refusal comes back as the API phrased it. */
async function upload(file: File): Promise<Uploaded> {
  const res = await fetch(`/v1/admin/imports?fileName=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'X-Console': '1', 'Content-Type': 'text/csv' },
    body: file,
  });
  const json = (await res.json().catch(() => undefined)) as
    (Uploaded & { error?: { code: string; message: string; details?: Record<string, unknown> } }) | undefined;
  if (!res.ok)
    throw new ApiError(
      res.status,
      json?.error?.code ?? `http_${res.status}`,
      json?.error?.message ?? res.statusText,
      json?.error?.details ?? {},
    );
  return json!;
}

/** `65` → `1 min 5 s`. */
function eta(seconds: number | null, none: string): string {
  if (seconds === null) return none;
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${seconds % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function ImportPage() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [current, setCurrent] = useState<number | null>(null);
  const [already, setAlready] = useState<ImportView | null>(null);
  const list = useQuery({
    queryKey: ['imports'],
    queryFn: () => get<{ imports: ImportView[] }>('/v1/admin/imports'),
    refetchInterval: (q) => (q.state.data?.imports.some((i) => live(i.status)) ? POLL_MS * 3 : false),
  });
  const onUploaded = (u: Uploaded) => {
    setCurrent(u.import.id);
    setAlready(u.alreadyImported ? u.import : null);
    client.setQueryData(['import', u.import.id], u.import);
    void client.invalidateQueries({ queryKey: ['imports'] });
  };
  return (
    <div className="imp-page" data-testid="import-page">
      <Section title={t('import.title')}>
        <p className="imp-intro">{t('import.intro')}</p>
        <UploadForm onUploaded={onUploaded} />
      </Section>
      {current !== null ? <CurrentImport id={current} already={already} /> : null}
      <Section title={t('import.past.title')}>
        <QueryState query={list} empty={(d) => d.imports.length === 0} emptyText={t('import.past.empty')}>
          {(d) => (
            <div className="imp-table">
              <PastImports
                imports={d.imports}
                onOpen={(id) => {
                  setCurrent(id);
                  setAlready(null);
                }}
              />
            </div>
          )}
        </QueryState>
      </Section>
    </div>
  );
}

function UploadForm({ onUploaded }: { onUploaded: (u: Uploaded) => void }) {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) {
      setError(new Error(t('import.upload.choose')));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onUploaded(await upload(file));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="imp-upload" onSubmit={(e) => void submit(e)} data-testid="import-form">
      <label className="field">
        <span className="field-label">{t('import.upload.file')}</span>
        <input
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          data-testid="import-file"
        />
      </label>
      <button type="submit" className="btn btn-primary" disabled={busy} data-testid="import-submit">
        {busy ? t('import.upload.sending') : t('import.upload.submit')}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function StatusBadge({ status, testId }: { status: ImportStatus; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Badge kind={`imp-${status}`} {...(testId ? { testId } : {})}>
      {t(`import.status.${status}`)}
    </Badge>
  );
}

function Counter(props: { label: ReactNode; n: number; testId: string; kind?: string }) {
  return (
    <div className={`imp-counter ${props.kind ? `imp-counter-${props.kind}` : ''}`}>
      <span className="imp-counter-n" data-testid={props.testId}>
        {formatNumber(props.n)}
      </span>
      <span className="imp-counter-label">{props.label}</span>
    </div>
  );
}

function CurrentImport({ id, already }: { id: number; already: ImportView | null }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  const client = useQueryClient();
  const query = useQuery({
    queryKey: ['import', id],
    queryFn: async () => {
      const view = await get<ImportView>(`/v1/admin/imports/${id}`);
      if (!live(view.status)) void client.invalidateQueries({ queryKey: ['imports'] });
      return view;
    },
    refetchInterval: (q) => (live(q.state.data?.status) ? POLL_MS : false),
  });
  return (
    <QueryState query={query}>
      {(v) => (
        <Section
          title={
            <span className="imp-title">
              <span data-testid="current-title">
                {t('import.current.title', { id: v.id, file: v.fileName })}
              </span>
              <StatusBadge status={v.status} testId="current-status" />
            </span>
          }
        >
          {already && already.id === v.id ? (
            <p className="imp-already" data-testid="already-imported">
              {t('import.upload.already', { when: formatInstant(already.finishedAt, zone) })}
            </p>
          ) : null}
          {v.status === 'failed' && v.error ? (
            <p className="state state-error" data-testid="current-error">
              {t('import.current.failed', { error: v.error })}
            </p>
          ) : null}
          {live(v.status) ? (
            <p className="muted small" data-testid="current-phase">
              {v.status === 'running' ? t('import.current.phaseRows') : t('import.current.phaseWorkflows')}
            </p>
          ) : null}
          <div
            className="imp-bar"
            role="progressbar"
            aria-label={t('import.current.bar')}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(v.progress.fraction * 100)}
            data-testid="current-bar"
          >
            <span
              className={`imp-bar-fill imp-bar-${v.status}`}
              style={{ width: `${v.progress.fraction * 100}%` }}
            />
          </div>
          <dl className="imp-facts">
            <div>
              <dt>{t('import.current.rate')}</dt>
              <dd data-testid="current-rate">
                {v.progress.rowsPerSecond === null
                  ? t('import.current.etaNone')
                  : t('import.current.rateValue', { n: formatNumber(v.progress.rowsPerSecond) })}
              </dd>
            </div>
            <div>
              <dt>{t('import.current.eta')}</dt>
              <dd data-testid="current-eta">{eta(v.progress.etaSeconds, t('import.current.etaNone'))}</dd>
            </div>
            <div>
              <dt>{t('import.current.started')}</dt>
              <dd>{formatInstant(v.startedAt, zone)}</dd>
            </div>
            <div>
              <dt>{t('import.current.finished')}</dt>
              <dd data-testid="current-finished">
                {v.finishedAt ? formatInstant(v.finishedAt, zone) : t('import.current.etaNone')}
              </dd>
            </div>
            <div>
              <dt>{t('import.current.by')}</dt>
              <dd>{v.createdBy}</dd>
            </div>
          </dl>
          <div className="imp-counters">
            <Counter label={t('import.counts.read')} n={v.rows.read} testId="count-read" />
            <Counter
              label={t('import.counts.created')}
              n={v.rows.created}
              testId="count-created"
              kind="created"
            />
            <Counter label={t('import.counts.updated')} n={v.rows.updated} testId="count-updated" />
            <Counter label={t('import.counts.unchanged')} n={v.rows.unchanged} testId="count-unchanged" />
            <Counter
              label={t('import.counts.rejected')}
              n={v.rows.rejected}
              testId="count-rejected"
              kind={v.rows.rejected > 0 ? 'rejected' : undefined}
            />
            <Counter
              label={`${t('import.counts.workflows')} (${formatNumber(v.workflows.total)})`}
              n={v.workflows.done}
              testId="count-workflows"
            />
          </div>
          <p className="imp-report">
            {v.rows.rejected > 0 ? (
              <a
                className="btn"
                href={v.reportUrl}
                download={`import-${v.id}-report.csv`}
                data-testid="report-link"
              >
                {t('import.current.report')}
              </a>
            ) : v.status === 'finished' ? (
              <span className="muted" data-testid="no-bad-lines">
                {t('import.current.noBadLines')}
              </span>
            ) : null}
          </p>
        </Section>
      )}
    </QueryState>
  );
}

function PastImports({ imports, onOpen }: { imports: ImportView[]; onOpen: (id: number) => void }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  return (
    <Table
      testId="imports-table"
      columns={[
        { label: t('import.past.id'), num: true },
        t('import.past.file'),
        t('import.past.status'),
        t('import.past.started'),
        t('import.past.by'),
        { label: t('import.counts.read'), num: true },
        { label: t('import.counts.created'), num: true },
        { label: t('import.counts.updated'), num: true },
        { label: t('import.counts.unchanged'), num: true },
        { label: t('import.counts.rejected'), num: true },
        '',
      ]}
    >
      {imports.map((i) => (
        <tr key={i.id} data-testid={`import-row-${i.id}`}>
          <td className="num">{i.id}</td>
          <td className="imp-file">{i.fileName}</td>
          <td>
            <StatusBadge status={i.status} />
          </td>
          <td>{formatInstant(i.startedAt, zone)}</td>
          <td>{i.createdBy}</td>
          <td className="num">{formatNumber(i.rows.read)}</td>
          <td className="num">{formatNumber(i.rows.created)}</td>
          <td className="num">{formatNumber(i.rows.updated)}</td>
          <td className="num">{formatNumber(i.rows.unchanged)}</td>
          <td className="num">{formatNumber(i.rows.rejected)}</td>
          <td className="imp-actions">
            <button type="button" className="btn btn-quiet" onClick={() => onOpen(i.id)}>
              {t('import.past.open')}
            </button>
            {i.rows.rejected > 0 ? (
              <a className="btn btn-quiet" href={i.reportUrl} download={`import-${i.id}-report.csv`}>
                {t('import.past.report')}
              </a>
            ) : null}
          </td>
        </tr>
      ))}
    </Table>
  );
}
