/** The console's small building blocks: states (loading, empty, error), sections, badges and the action dialog. */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from './api';

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="state state-loading" role="status">
      {t('state.loading')}
    </p>
  );
}

export function Empty({ children }: { children?: ReactNode }) {
  const { t } = useTranslation();
  return <p className="state state-empty">{children ?? t('state.empty')}</p>;
}

/** An error as the API phrased it, with its code; a field it named is shown too. */
export function ErrorBox({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  return (
    <div className="state state-error" role="alert">
      <strong>
        {e ? t(`errorStatus.${e.status}`, { defaultValue: t('state.error') }) : t('state.error')}
      </strong>{' '}
      <span className="error-message">{e ? e.message : String((error as Error)?.message ?? error)}</span>
      {e ? <code className="error-code">{e.code}</code> : null}
    </div>
  );
}

/** What a query gives a page: its data, or one of the three states. */
export function QueryState<T>(props: {
  query: { isPending: boolean; error: unknown; data: T | undefined };
  empty?: (data: T) => boolean;
  emptyText?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  const { query } = props;
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorBox error={query.error} />;
  const data = query.data as T;
  if (props.empty?.(data)) return <Empty>{props.emptyText}</Empty>;
  return <>{props.children(data)}</>;
}

export function Section(props: { title: ReactNode; actions?: ReactNode; children: ReactNode; id?: string }) {
  return (
    <section className="card" id={props.id}>
      <header className="card-head">
        <h2>{props.title}</h2>
        {props.actions ? <div className="card-actions">{props.actions}</div> : null}
      </header>
      {props.children}
    </section>
  );
}

export function Badge(props: { kind?: string; children: ReactNode; title?: string; testId?: string }) {
  return (
    <span
      className={`badge ${props.kind ? `badge-${props.kind}` : ''}`}
      title={props.title}
      data-testid={props.testId}
    >
      {props.children}
    </span>
  );
}

export function Field(props: { label: ReactNode; children: ReactNode; hint?: ReactNode; error?: string }) {
  return (
    <label className={`field ${props.error ? 'field-invalid' : ''}`}>
      <span className="field-label">{props.label}</span>
      {props.children}
      {props.hint ? <span className="field-hint">{props.hint}</span> : null}
      {props.error ? <span className="field-error">{props.error}</span> : null}
    </label>
  );
}

/**
 * An action behind a button: a dialog with its form, a confirmation step, and the API's answer. A refusal
 * keeps the dialog open with the API's message; nothing changed.
 */
export function ActionDialog<T>(props: {
  label: ReactNode;
  title: ReactNode;
  /** The form's fields; `valid` false disables the confirmation. */
  children: ReactNode;
  valid?: boolean;
  confirmText: ReactNode;
  submit: () => Promise<T>;
  onDone?: (result: T) => void;
  danger?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);

  const close = () => {
    setOpen(false);
    setConfirming(false);
    setError(null);
  };
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (!confirming) {
      setConfirming(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await props.submit();
      close();
      props.onDone?.(result);
    } catch (err) {
      setError(err);
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button
        type="button"
        className={props.danger ? 'btn btn-danger' : 'btn'}
        onClick={() => setOpen(true)}
        data-testid={props.testId}
      >
        {props.label}
      </button>
      <dialog ref={dialog} onClose={close} className="dialog">
        {open ? (
          <form onSubmit={(e) => void onSubmit(e)} className="dialog-form">
            <h3>{props.title}</h3>
            <fieldset disabled={confirming || busy}>{props.children}</fieldset>
            {confirming ? <p className="confirm-text">{props.confirmText}</p> : null}
            <ErrorBox error={error} />
            <div className="dialog-buttons">
              <button type="button" className="btn btn-quiet" onClick={close}>
                {t('action.cancel')}
              </button>
              <button
                type="submit"
                className={props.danger ? 'btn btn-danger' : 'btn btn-primary'}
                disabled={busy || props.valid === false}
              >
                {confirming ? t('action.confirm') : t('action.continue')}
              </button>
            </div>
          </form>
        ) : null}
      </dialog>
    </>
  );
}

/** "Next page" for the API's cursors: the cursors seen so far, so "previous" works too. */
export function usePager() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const current = cursors[cursors.length - 1];
  return {
    cursor: current,
    page: cursors.length,
    next: (c: string) => setCursors((cs) => [...cs, c]),
    previous: () => setCursors((cs) => (cs.length > 1 ? cs.slice(0, -1) : cs)),
    reset: () => setCursors([undefined]),
  };
}

export function Pager(props: { pager: ReturnType<typeof usePager>; nextCursor: string | null | undefined }) {
  const { t } = useTranslation();
  const { pager } = props;
  return (
    <nav className="pager" aria-label={t('pager.label')}>
      <button type="button" className="btn btn-quiet" disabled={pager.page <= 1} onClick={pager.previous}>
        ← {t('pager.previous')}
      </button>
      <span>{t('pager.page', { n: pager.page })}</span>
      <button
        type="button"
        className="btn btn-quiet"
        disabled={!props.nextCursor}
        onClick={() => props.nextCursor && pager.next(props.nextCursor)}
      >
        {t('pager.next')} →
      </button>
    </nav>
  );
}

/** A heading of a `Table` column: its label, right-aligned when it holds numbers. */
export type Column = ReactNode | { label: ReactNode; num: true };

/** The console's table: scrolls sideways on a narrow screen, headings from `columns`, rows as children. */
export function Table(props: { columns: Column[]; children: ReactNode; testId?: string; small?: boolean }) {
  return (
    <div className="table-wrap">
      <table className={props.small ? 'table small' : 'table'} data-testid={props.testId}>
        <thead>
          <tr>
            {props.columns.map((c, i) =>
              c && typeof c === 'object' && 'num' in c ? (
                <th key={i} className="num">
                  {c.label}
                </th>
              ) : (
                <th key={i}>{c}</th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
