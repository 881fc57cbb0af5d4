/**
 * /admin/rules/drafts/:id: a draft of a rules version as a form (tiers and thresholds, earning, currency rates,
 * timings, win-back, segment settings), saved as the draft's next revision; the tier-change preview of the
 * form as it stands; publication with an effective date behind a confirmation. Every check is the API's: a 400
 * names the field, shown next to it; a field changed from the version the draft started from says what it was.
 */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, get, post } from '../../api';
import { codeLabel } from '../../i18n';
import { formatDay, formatInstant } from '../../format';
import { useSession } from '../../session';
import { ActionDialog, ErrorBox, Field, QueryState, Section } from '../../ui';
import {
  addDays,
  EARN_FIELDS,
  fieldErrors,
  formOf,
  rulesOf,
  SEGMENT_SHARES,
  shownAt,
  TIER_KEYS,
  TIER_MEASURES,
  TIMING_FIELDS,
  type Draft,
  type Preview,
  type RulesForm,
  type RulesList,
} from './model';
import { draftsQuery, rulesQuery, todayUtc } from './overview';
import { PreviewTable } from './preview';

export function DraftPage() {
  const { id } = useParams();
  const draft = useQuery({
    queryKey: ['program-rules-draft', id],
    queryFn: () => get<Draft>(`/v1/program/rules/drafts/${id}`),
  });
  const rules = useQuery(rulesQuery);
  const both = {
    isPending: draft.isPending || rules.isPending,
    error: draft.error ?? rules.error,
    data: draft.data && rules.data ? { draft: draft.data, list: rules.data } : undefined,
  };
  return (
    <QueryState query={both}>
      {({ draft: d, list }) => <DraftEditor key={`${d.id}`} draft={d} list={list} />}
    </QueryState>
  );
}

/** What a save, preview or publication was refused for, by the form's field. */
function errorsOf(err: unknown): Record<string, string> {
  return err instanceof ApiError && err.status === 400 ? fieldErrors(err.details) : {};
}

function DraftEditor({ draft, list }: { draft: Draft; list: RulesList }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [saved, setSaved] = useState(draft);
  const [form, setForm] = useState<RulesForm>(() => formOf(draft.rules));
  const [note, setNote] = useState(draft.note ?? '');
  const [error, setError] = useState<unknown>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [justSaved, setJustSaved] = useState(false);
  const [preview, setPreview] = useState<{ for: string; answer: Preview } | null>(null);
  const [published, setPublished] = useState<{ version: number; effectiveFrom: string } | null>(null);
  // A new preview is shown where the admin looks: below a long form.
  const previewRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (preview) previewRef.current?.scrollIntoView({ block: 'start' });
  }, [preview]);

  const basedOn = list.versions.find((v) => v.version === saved.basedOnVersion)?.rules;
  const latest = [...list.versions].sort((a, b) => b.effectiveFrom.localeCompare(a.effectiveFrom))[0];
  const current = useMemo(() => rulesOf(form), [form]);
  const currentJson = JSON.stringify(current);
  const savedJson = useMemo(() => JSON.stringify(rulesOf(formOf(saved.rules))), [saved.rules]);
  const dirty = currentJson !== savedJson || note.trim() !== (saved.note ?? '');
  const closed = saved.publishedVersion !== null || saved.discardedAt !== null;

  const edit = (change: (f: RulesForm) => RulesForm) => {
    setForm(change);
    setJustSaved(false);
  };
  const setNumber = (path: string, value: string) =>
    edit((f) => ({ ...f, numbers: { ...f.numbers, [path]: value } }));

  const run = async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      const result = await action();
      setErrors({});
      return result;
    } catch (err) {
      setError(err);
      setErrors(errorsOf(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  };

  const save = () =>
    run(async () => {
      const next = await post<Draft>(`/v1/program/rules/drafts/${saved.id}`, {
        rules: current,
        note: note.trim() ? note.trim() : null,
        revision: saved.revision,
      });
      setSaved(next);
      setJustSaved(true);
      client.setQueryData(['program-rules-draft', String(saved.id)], next);
      await client.invalidateQueries({ queryKey: draftsQuery.queryKey });
    });

  const runPreview = () =>
    run(async () => {
      const answer = await post<Preview>('/v1/program/rules/preview', { rules: current });
      setPreview({ for: currentJson, answer });
    });

  const firstAllowed = latest ? addDays(latest.effectiveFrom, 1) : todayUtc();
  const reviewDay = `${new Date().getUTCFullYear() + 1}-01-01`;
  const defaultDay = [reviewDay, firstAllowed, todayUtc()].sort().reverse()[0]!;
  const [effectiveFrom, setEffectiveFrom] = useState(defaultDay);
  const [publishNote, setPublishNote] = useState('');

  const err = (path: string) => errors[path];
  const was = (path: string, value: string) => {
    const before = shownAt(basedOn, path);
    return before !== undefined && before !== value.trim()
      ? t('rules.editor.was', { value: before })
      : undefined;
  };

  const numberInput = (path: string, label: ReactNode) => {
    const value = form.numbers[path] ?? '';
    const hint = was(path, value);
    return (
      <Field key={path} label={label} error={err(path)} {...(hint ? { hint } : {})}>
        <input
          name={path}
          inputMode="decimal"
          value={value}
          onChange={(e) => setNumber(path, e.target.value)}
          className={hint ? 'rules-changed' : undefined}
          aria-invalid={err(path) ? true : undefined}
        />
      </Field>
    );
  };

  if (published)
    return (
      <Section title={t('rules.editor.title', { id: saved.id })}>
        <p className="rules-done" role="status" data-testid="published">
          {t('rules.publish.done', { version: published.version, day: formatDay(published.effectiveFrom) })}
        </p>
        <Link to="/admin/rules">{t('rules.editor.back')}</Link>
      </Section>
    );

  return (
    <>
      <Section
        title={t('rules.editor.title', { id: saved.id })}
        actions={<Link to="/admin/rules">{t('rules.editor.back')}</Link>}
      >
        <p className="muted" data-testid="draft-meta">
          {saved.basedOnVersion
            ? t('rules.editor.meta', {
                version: saved.basedOnVersion,
                revision: saved.revision,
                by: saved.updatedBy,
                at: formatInstant(saved.updatedAt, zone),
              })
            : t('rules.editor.metaNoBase', {
                revision: saved.revision,
                by: saved.updatedBy,
                at: formatInstant(saved.updatedAt, zone),
              })}
        </p>
        {closed ? (
          <p className="state state-empty" data-testid="draft-closed">
            {saved.publishedVersion !== null
              ? t('rules.editor.closedPublished', { version: saved.publishedVersion })
              : t('rules.editor.closedDiscarded')}
          </p>
        ) : null}
        <form
          className="rules-form"
          id={`rules-draft-${saved.id}`}
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <fieldset disabled={closed || busy} className="rules-fieldset">
            <div className="rules-block">
              <h3>{t('rules.view.tiers')}</h3>
              <div className="table-wrap">
                <table className="table small rules-tier-grid" data-testid="tier-grid">
                  <thead>
                    <tr>
                      <th>{t('rules.view.tier')}</th>
                      {TIER_MEASURES.map((m) => (
                        <th key={m}>{t(`rules.view.${m}`)}</th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {TIER_KEYS.map((tier) => (
                      <tr key={tier}>
                        <th scope="row">{codeLabel('tier', tier)}</th>
                        {TIER_MEASURES.map((m) => {
                          const path = `tiers.${tier}.${m}`;
                          const value = form.numbers[path] ?? '';
                          const hint = was(path, value);
                          return (
                            <td key={m}>
                              <input
                                name={path}
                                inputMode="numeric"
                                aria-label={`${codeLabel('tier', tier)} · ${t(`rules.view.${m}`)}`}
                                value={value}
                                onChange={(e) => setNumber(path, e.target.value)}
                                className={hint ? 'rules-changed' : undefined}
                                aria-invalid={err(path) ? true : undefined}
                              />
                              {hint ? <span className="field-hint">{hint}</span> : null}
                              {err(path) ? <span className="field-error">{err(path)}</span> : null}
                            </td>
                          );
                        })}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p className="field-hint">{t('rules.view.tierHint')}</p>
            </div>

            <div className="rules-block">
              <h3>{t('rules.view.earn')}</h3>
              <div className="filters">
                <Field label={t('rules.field.programCurrency')} error={err('programCurrency')}>
                  <input
                    name="programCurrency"
                    value={form.programCurrency}
                    maxLength={3}
                    onChange={(e) => edit((f) => ({ ...f, programCurrency: e.target.value }))}
                  />
                </Field>
                {EARN_FIELDS.map((f) => numberInput(f, t(`rules.field.${f}`)))}
              </div>
            </div>

            <div className="rules-block">
              <h3>{t('rules.view.expiry')}</h3>
              <div className="filters rules-wide">
                {TIMING_FIELDS.map((f) => numberInput(f, t(`rules.field.${f}`)))}
              </div>
            </div>

            <div className="rules-pair">
              <div className="rules-block">
                <h3>{t('rules.view.rates')}</h3>
                <p className="field-hint">{t('rules.view.ratesHint')}</p>
                {err('currencyRates') ? <p className="field-error">{err('currencyRates')}</p> : null}
                <div className="table-wrap">
                  <table className="table small rules-list" data-testid="rates">
                    <thead>
                      <tr>
                        <th>{t('rules.view.currency')}</th>
                        <th>{t('rules.view.rate')}</th>
                        <th />
                      </tr>
                    </thead>
                    <tbody>
                      {form.rates.map((r, i) => {
                        const code = r.code.trim().toUpperCase();
                        const path = `currencyRates.${code}`;
                        const hint = code ? was(path, r.rate) : undefined;
                        const error = code ? err(path) : undefined;
                        return (
                          <tr key={i}>
                            <td className="rules-code">
                              <input
                                name={`rate-code-${i}`}
                                aria-label={t('rules.editor.newCurrency')}
                                value={r.code}
                                maxLength={3}
                                onChange={(e) =>
                                  edit((f) => ({
                                    ...f,
                                    rates: f.rates.map((x, j) =>
                                      j === i ? { ...x, code: e.target.value } : x,
                                    ),
                                  }))
                                }
                              />
                            </td>
                            <td>
                              <input
                                name={code ? path : `rate-${i}`}
                                aria-label={`${t('rules.view.rate')} ${code}`}
                                inputMode="decimal"
                                value={r.rate}
                                className={hint ? 'rules-changed' : undefined}
                                aria-invalid={error ? true : undefined}
                                onChange={(e) =>
                                  edit((f) => ({
                                    ...f,
                                    rates: f.rates.map((x, j) =>
                                      j === i ? { ...x, rate: e.target.value } : x,
                                    ),
                                  }))
                                }
                              />
                              {hint ? <span className="field-hint">{hint}</span> : null}
                              {error ? <span className="field-error">{error}</span> : null}
                            </td>
                            <td className="rules-remove">
                              <button
                                type="button"
                                className="btn btn-quiet"
                                title={t('rules.editor.removeRate', { code: code || '…' })}
                                aria-label={t('rules.editor.removeRate', { code: code || '…' })}
                                onClick={() =>
                                  edit((f) => ({ ...f, rates: f.rates.filter((_, j) => j !== i) }))
                                }
                              >
                                ×
                              </button>
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
                <button
                  type="button"
                  className="btn"
                  onClick={() => edit((f) => ({ ...f, rates: [...f.rates, { code: '', rate: '' }] }))}
                >
                  {t('rules.editor.addRate')}
                </button>
              </div>

              <div className="rules-block">
                <h3>{t('rules.view.winBack')}</h3>
                {err('winBack.offers') ? <p className="field-error">{err('winBack.offers')}</p> : null}
                {err('winBack.offerDays') ? <p className="field-error">{err('winBack.offerDays')}</p> : null}
                <div className="table-wrap">
                  <table className="table small rules-list" data-testid="win-back">
                    <thead>
                      <tr>
                        <th>{t('rules.view.offerDay')}</th>
                        <th>{t('rules.view.offer')}</th>
                        <th />
                      </tr>
                    </thead>
                    <tbody>
                      {form.winBack.map((w, i) => (
                        <tr key={i}>
                          <td className="rules-code">
                            <input
                              name={`winBack.offerDays.${i}`}
                              aria-label={`${t('rules.view.offerDay')} ${i + 1}`}
                              inputMode="numeric"
                              value={w.day}
                              onChange={(e) =>
                                edit((f) => ({
                                  ...f,
                                  winBack: f.winBack.map((x, j) =>
                                    j === i ? { ...x, day: e.target.value } : x,
                                  ),
                                }))
                              }
                            />
                            {err(`winBack.offerDays.${i}`) ? (
                              <span className="field-error">{err(`winBack.offerDays.${i}`)}</span>
                            ) : null}
                          </td>
                          <td>
                            <input
                              name={`winBack.offers.${i}`}
                              aria-label={`${t('rules.view.offer')} ${i + 1}`}
                              value={w.offer}
                              maxLength={100}
                              onChange={(e) =>
                                edit((f) => ({
                                  ...f,
                                  winBack: f.winBack.map((x, j) =>
                                    j === i ? { ...x, offer: e.target.value } : x,
                                  ),
                                }))
                              }
                            />
                            {err(`winBack.offers.${i}`) ? (
                              <span className="field-error">{err(`winBack.offers.${i}`)}</span>
                            ) : null}
                          </td>
                          <td className="rules-remove">
                            <button
                              type="button"
                              className="btn btn-quiet"
                              title={t('rules.editor.removeOffer')}
                              aria-label={t('rules.editor.removeOffer')}
                              onClick={() =>
                                edit((f) => ({ ...f, winBack: f.winBack.filter((_, j) => j !== i) }))
                              }
                            >
                              ×
                            </button>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <button
                  type="button"
                  className="btn"
                  onClick={() => edit((f) => ({ ...f, winBack: [...f.winBack, { day: '', offer: '' }] }))}
                >
                  {t('rules.editor.addOffer')}
                </button>
                <div className="filters rules-after-list">
                  {numberInput('winBack.answerWindowDays', t('rules.field.answerWindowDays'))}
                </div>
              </div>
            </div>

            <div className="rules-block">
              <h3>{t('rules.view.segments')}</h3>
              {err('segments.value') ? <p className="field-error">{err('segments.value')}</p> : null}
              <div className="filters">
                {SEGMENT_SHARES.map((s) => numberInput(`segments.value.${s}`, t(`rules.field.${s}`)))}
                {numberInput('segments.newMemberDays', t('rules.field.newMemberDays'))}
              </div>
            </div>

            <Field label={t('rules.editor.note')} error={err('note')}>
              <textarea
                name="note"
                rows={2}
                maxLength={1000}
                value={note}
                onChange={(e) => {
                  setNote(e.target.value);
                  setJustSaved(false);
                }}
              />
            </Field>
          </fieldset>
        </form>
        <div className="rules-form-foot">
          {Object.keys(errors).length > 0 ? (
            <p className="field-error" data-testid="field-errors">
              {t('rules.editor.fieldErrors')}
            </p>
          ) : null}
          <ErrorBox error={error} />
          {!closed ? (
            <div className="form-buttons rules-buttons">
              <button
                type="button"
                onClick={() => void save()}
                className="btn btn-primary"
                disabled={busy || !dirty}
                data-testid="save-draft"
              >
                {t('rules.editor.save')}
              </button>
              <button
                type="button"
                className="btn"
                disabled={busy}
                onClick={() => void runPreview()}
                data-testid="run-preview"
              >
                {preview ? t('rules.preview.again') : t('rules.preview.run')}
              </button>
              <span className="muted" data-testid="save-state" role="status">
                {dirty
                  ? t('rules.editor.unsaved')
                  : justSaved
                    ? t('rules.editor.saved', { revision: saved.revision })
                    : ''}
              </span>
              <span className="rules-spacer" />
              <ActionDialog
                label={t('rules.publish.button')}
                title={t('rules.publish.title')}
                valid={!dirty && /^\d{4}-\d{2}-\d{2}$/.test(effectiveFrom)}
                confirmText={t('rules.publish.confirm', {
                  version: (latest?.version ?? 0) + 1,
                  day: formatDay(effectiveFrom),
                })}
                submit={() =>
                  post<{ version: number; effectiveFrom: string }>(
                    `/v1/program/rules/drafts/${saved.id}/publish`,
                    {
                      effectiveFrom,
                      revision: saved.revision,
                      ...(publishNote.trim() ? { note: publishNote.trim() } : {}),
                    },
                  )
                }
                onDone={(r) => {
                  setPublished(r);
                  void client.invalidateQueries({ queryKey: rulesQuery.queryKey });
                  void client.invalidateQueries({ queryKey: draftsQuery.queryKey });
                }}
                testId="publish"
              >
                {dirty ? <p className="field-error">{t('rules.publish.saveFirst')}</p> : null}
                {preview && preview.for === currentJson ? (
                  <p className="muted" data-testid="publish-preview">
                    {t('rules.publish.previewed', {
                      up: preview.answer.draft.up,
                      down: preview.answer.draft.down,
                      version: preview.answer.currentVersion ?? '—',
                      currentUp: preview.answer.current.up,
                      currentDown: preview.answer.current.down,
                    })}
                  </p>
                ) : (
                  <p className="muted">{t('rules.publish.notPreviewed')}</p>
                )}
                <Field
                  label={t('rules.publish.effectiveFrom')}
                  hint={t('rules.publish.effectiveHint', {
                    day: latest ? formatDay(latest.effectiveFrom) : '—',
                    version: latest?.version ?? '—',
                    review: formatDay(reviewDay),
                  })}
                >
                  <input
                    type="date"
                    name="effectiveFrom"
                    value={effectiveFrom}
                    min={[firstAllowed, todayUtc()].sort().reverse()[0]}
                    onChange={(e) => setEffectiveFrom(e.target.value)}
                    required
                  />
                </Field>
                <Field label={t('rules.publish.note')}>
                  <textarea
                    name="publishNote"
                    rows={2}
                    maxLength={1000}
                    value={publishNote}
                    onChange={(e) => setPublishNote(e.target.value)}
                  />
                </Field>
              </ActionDialog>
              <ActionDialog
                label={t('rules.editor.discard')}
                title={t('rules.editor.discardTitle')}
                confirmText={t('rules.editor.discardConfirm')}
                danger
                submit={() => api<Draft>('DELETE', `/v1/program/rules/drafts/${saved.id}`)}
                onDone={() => {
                  void client.invalidateQueries({ queryKey: draftsQuery.queryKey });
                  void navigate('/admin/rules');
                }}
                testId="discard-draft"
              >
                <p>{t('rules.editor.discardBody')}</p>
              </ActionDialog>
            </div>
          ) : null}
        </div>
      </Section>
      {preview ? (
        <div ref={previewRef}>
          <Section title={t('rules.preview.title')} id="preview">
            {preview.for !== currentJson ? (
              <p className="state state-empty" data-testid="preview-stale">
                {t('rules.preview.stale')}
              </p>
            ) : null}
            <PreviewTable preview={preview.answer} />
          </Section>
        </div>
      ) : null}
    </>
  );
}
