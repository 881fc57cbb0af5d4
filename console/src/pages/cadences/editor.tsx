/**
 * The draft editor of a cadence: every step's id, anchor, offset, window, template, class and condition, in
 * order. Checked as the marketer types by the domain's own rules (domain/cadence.ts validateSteps, with the
 * templates the API lists), and again by the API when the draft is saved (422 naming the step's field).
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  CADENCE_ANCHORS,
  CADENCE_CLASSES,
  DEFAULT_STEP_WINDOW,
  validateSteps,
  type CadenceStep,
} from '../../../../domain/cadence';
import { ApiError, post } from '../../api';
import { codeLabel } from '../../i18n';
import { ErrorBox } from '../../ui';
import { OFFSET_UNITS, offsetParts, UNIT_MINUTES, type OffsetUnit } from './common';
import type { CadenceVersion } from './types';

/** A step as the form holds it: the offset as a number and a unit, the condition split. */
interface EditStep {
  key: number;
  id: string;
  anchor: CadenceStep['anchor'];
  offset: string;
  unit: OffsetUnit;
  ownWindow: boolean;
  start: string;
  end: string;
  template: string;
  class: CadenceStep['class'];
  condition: string;
  score: string;
}

const CONDITIONS = ['', 'survey_not_answered', 'score_at_least', 'no_booking_since_anchor', 'no_open_case'];

let nextKey = 1;

function toEdit(s: CadenceStep): EditStep {
  const { n, unit } = offsetParts(s.offsetMinutes);
  const score = /^score_at_least:(\d+)$/.exec(s.condition ?? '');
  return {
    key: nextKey++,
    id: s.id,
    anchor: s.anchor,
    offset: String(n),
    unit,
    ownWindow: s.window !== null,
    start: s.window?.start ?? DEFAULT_STEP_WINDOW.start,
    end: s.window?.end ?? DEFAULT_STEP_WINDOW.end,
    template: s.template,
    class: s.class,
    condition: score ? 'score_at_least' : (s.condition ?? ''),
    score: score ? score[1]! : '4',
  };
}

function toStep(e: EditStep): CadenceStep {
  const n = Number(e.offset);
  return {
    id: e.id.trim(),
    anchor: e.anchor,
    offsetMinutes: e.offset.trim() === '' || !Number.isFinite(n) ? NaN : Math.round(n * UNIT_MINUTES[e.unit]),
    window: e.ownWindow ? { start: e.start, end: e.end } : null,
    template: e.template,
    channel: 'mail',
    class: e.class,
    condition: e.condition === 'score_at_least' ? `score_at_least:${e.score}` : e.condition || null,
  };
}

export function DraftEditor(props: {
  cadenceKey: string;
  from: CadenceVersion;
  templates: string[];
  onSaved: (version: CadenceVersion) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [steps, setSteps] = useState<EditStep[]>(() => props.from.steps.map(toEdit));
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const built = steps.map(toStep);
  const known = new Set(props.templates);
  const problems = validateSteps(
    built.map((s) => ({ ...s, offsetMinutes: Number.isNaN(s.offsetMinutes) ? null : s.offsetMinutes })),
    { knownTemplate: (n) => known.has(n) },
  );
  const apiIssues =
    error instanceof ApiError && Array.isArray(error.details.issues)
      ? (error.details.issues as { field: string; message: string }[])
      : [];
  const problemsOf = (i: number) =>
    [...problems, ...apiIssues].filter((p) => p.field.startsWith(`steps[${i}]`)).map((p) => p.message);
  const listProblems = problems.filter((p) => p.field === 'steps');

  const set = (i: number, patch: Partial<EditStep>) =>
    setSteps((all) => all.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const move = (i: number, by: number) =>
    setSteps((all) => {
      const next = [...all];
      const [s] = next.splice(i, 1);
      next.splice(i + by, 0, s!);
      return next;
    });
  const add = () =>
    setSteps((all) => [
      ...all,
      toEdit({
        id: `step-${all.length + 1}`,
        anchor: 'check_out',
        offsetMinutes: 7 * 1440,
        window: DEFAULT_STEP_WINDOW,
        template: props.templates[0] ?? '',
        channel: 'mail',
        class: 'marketing',
        condition: null,
      }),
    ]);

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = { steps: built, ...(note.trim() ? { note: note.trim() } : {}) };
      props.onSaved(await post<CadenceVersion>(`/v1/cadences/${props.cadenceKey}/versions`, body));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card cad-editor" data-testid="draft-editor">
      <header className="card-head">
        <h2>{t('cadences.editor.title', { n: props.from.version })}</h2>
      </header>
      <p className="muted">{t('cadences.editor.intro')}</p>
      <ol className="cad-step-list">
        {steps.map((s, i) => {
          const msgs = problemsOf(i);
          return (
            <li key={s.key} className={`cad-step ${msgs.length ? 'cad-step-invalid' : ''}`} data-step={s.id}>
              <div className="cad-step-head">
                <span className="cad-step-no">{i + 1}</span>
                <label className="field cad-f-id">
                  <span className="field-label">{t('cadences.step.id')}</span>
                  <input value={s.id} onChange={(e) => set(i, { id: e.target.value })} name="step-id" />
                </label>
                <div className="cad-step-buttons">
                  <button
                    type="button"
                    className="btn btn-quiet"
                    disabled={i === 0}
                    onClick={() => move(i, -1)}
                    aria-label={t('cadences.editor.up')}
                    title={t('cadences.editor.up')}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="btn btn-quiet"
                    disabled={i === steps.length - 1}
                    onClick={() => move(i, 1)}
                    aria-label={t('cadences.editor.down')}
                    title={t('cadences.editor.down')}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    className="btn btn-quiet"
                    onClick={() => setSteps((all) => all.filter((_, j) => j !== i))}
                  >
                    {t('action.remove')}
                  </button>
                </div>
              </div>
              <div className="cad-step-fields">
                <label className="field">
                  <span className="field-label">{t('cadences.step.offset')}</span>
                  <span className="cad-offset">
                    <input
                      type="number"
                      min={0}
                      value={s.offset}
                      onChange={(e) => set(i, { offset: e.target.value })}
                      name="offset"
                      data-testid={`offset-${s.id}`}
                    />
                    <select
                      value={s.unit}
                      onChange={(e) => set(i, { unit: e.target.value as OffsetUnit })}
                      name="unit"
                      data-testid={`unit-${s.id}`}
                    >
                      {OFFSET_UNITS.map((u) => (
                        <option key={u} value={u}>
                          {t(`cadences.unitName.${u}`)}
                        </option>
                      ))}
                    </select>
                  </span>
                </label>
                <label className="field">
                  <span className="field-label">{t('cadences.step.anchor')}</span>
                  <select
                    value={s.anchor}
                    onChange={(e) => set(i, { anchor: e.target.value as CadenceStep['anchor'] })}
                    name="anchor"
                  >
                    {CADENCE_ANCHORS.map((a) => (
                      <option key={a} value={a}>
                        {t(`cadences.anchorAfter.${a}`)}
                      </option>
                    ))}
                  </select>
                </label>
                <div className="field cad-f-window">
                  <label className="cad-check">
                    <input
                      type="checkbox"
                      checked={s.ownWindow}
                      onChange={(e) => set(i, { ownWindow: e.target.checked })}
                      name="own-window"
                    />
                    <span className="field-label">{t('cadences.step.window')}</span>
                  </label>
                  {s.ownWindow ? (
                    <span className="cad-window">
                      <input
                        type="time"
                        value={s.start}
                        onChange={(e) => set(i, { start: e.target.value })}
                        name="window-start"
                        aria-label={t('cadences.step.windowStart')}
                      />
                      –
                      <input
                        type="time"
                        value={s.end}
                        onChange={(e) => set(i, { end: e.target.value })}
                        name="window-end"
                        aria-label={t('cadences.step.windowEnd')}
                      />
                    </span>
                  ) : (
                    <span className="field-hint">
                      {s.class === 'marketing'
                        ? t('cadences.step.programWindow')
                        : t('cadences.step.anyTime')}
                    </span>
                  )}
                </div>
                <label className="field">
                  <span className="field-label">{t('cadences.step.template')}</span>
                  <select
                    value={s.template}
                    onChange={(e) => set(i, { template: e.target.value })}
                    name="template"
                  >
                    {known.has(s.template) ? null : <option value={s.template}>{s.template}</option>}
                    {props.templates.map((tp) => (
                      <option key={tp} value={tp}>
                        {codeLabel('template', tp)}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field">
                  <span className="field-label">{t('cadences.step.class')}</span>
                  <select
                    value={s.class}
                    onChange={(e) => set(i, { class: e.target.value as CadenceStep['class'] })}
                    name="class"
                  >
                    {CADENCE_CLASSES.map((c) => (
                      <option key={c} value={c}>
                        {t(`cadences.class.${c}`)}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field cad-f-condition">
                  <span className="field-label">{t('cadences.step.condition')}</span>
                  <span className="cad-offset">
                    <select
                      value={s.condition}
                      onChange={(e) => set(i, { condition: e.target.value })}
                      name="condition"
                    >
                      {CONDITIONS.map((c) => (
                        <option key={c} value={c}>
                          {c === 'score_at_least'
                            ? t('cadences.condition.score_at_least', { n: 'N' })
                            : t(`cadences.condition.${c || 'none'}`)}
                        </option>
                      ))}
                    </select>
                    {s.condition === 'score_at_least' ? (
                      <select
                        value={s.score}
                        onChange={(e) => set(i, { score: e.target.value })}
                        name="score"
                        aria-label={t('cadences.step.score')}
                      >
                        {['1', '2', '3', '4', '5'].map((n) => (
                          <option key={n}>{n}</option>
                        ))}
                      </select>
                    ) : null}
                  </span>
                </label>
              </div>
              {msgs.length ? (
                <ul className="cad-problems" role="alert">
                  {msgs.map((m) => (
                    <li key={m}>{m}</li>
                  ))}
                </ul>
              ) : null}
            </li>
          );
        })}
      </ol>
      {listProblems.length ? (
        <p className="field-error" role="alert">
          {listProblems.map((p) => p.message).join('; ')}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" className="btn" onClick={add}>
          {t('cadences.editor.addStep')}
        </button>
      </div>
      <label className="field cad-note">
        <span className="field-label">{t('cadences.editor.note')}</span>
        <input value={note} onChange={(e) => setNote(e.target.value)} name="note" maxLength={1000} />
      </label>
      <ErrorBox error={error} />
      <div className="actions">
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy || problems.length > 0}
          onClick={() => void save()}
          data-testid="save-draft"
        >
          {t('cadences.editor.save')}
        </button>
        <button type="button" className="btn btn-quiet" onClick={props.onCancel}>
          {t('action.cancel')}
        </button>
      </div>
    </section>
  );
}
