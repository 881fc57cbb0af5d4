/**
 * The segment builder: a definition from controls (stage, tier, hotel, consent, language, value, tenure, RFM,
 * lapsed within N days), the live count and the first guests as the marketer clicks (`POST
 * /v1/segments/preview`), and saving it under a name (`POST /v1/segments`, or `POST /v1/segments/:id` when
 * editing one).
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { STAGES } from '../../../../domain/stages';
import { TIERS } from '../../../../domain/tiers';
import { TENURES, VALUE_SEGMENTS } from '../../../../domain/segments';
import { get, post } from '../../api';
import { codeLabel } from '../../i18n';
import { formatDay, formatNumber } from '../../format';
import { useSession } from '../../session';
import { ErrorBox, Loading, QueryState, Section } from '../../ui';
import {
  GuestTable,
  LANGUAGES,
  RFM_KEYS,
  useDebounced,
  type Definition,
  type OpenedSegment,
  type PreviewAnswer,
  type SavedSegment,
} from './shared';

const SCORES = [1, 2, 3, 4, 5] as const;

/** `/marketing/segments`: a new segment. */
export function NewSegment() {
  return <Builder initial={{}} />;
}

/** `/marketing/segments/:id/edit`: a saved segment's name and definition, changed. */
export function EditSegment() {
  const { id } = useParams();
  const query = useQuery({
    queryKey: ['segment', id],
    queryFn: () => get<OpenedSegment>(`/v1/segments/${id}`),
  });
  return (
    <QueryState query={query}>
      {(data) => <Builder initial={data.segment.definition} saved={data.segment} />}
    </QueryState>
  );
}

function Builder(props: { initial: Definition; saved?: SavedSegment }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [definition, setDefinition] = useState<Definition>(props.initial);
  const [name, setName] = useState(props.saved?.name ?? '');
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const settled = useDebounced(definition);
  const preview = useQuery({
    queryKey: ['segment-preview', settled],
    queryFn: () => post<PreviewAnswer>('/v1/segments/preview', { definition: settled, limit: 20 }),
    placeholderData: keepPreviousData,
  });
  const stale = preview.isFetching || settled !== definition;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setSaveError(null);
    try {
      const body = { name: name.trim(), definition };
      const res = props.saved
        ? await post<{ segment: SavedSegment }>(`/v1/segments/${props.saved.id}`, body)
        : await post<{ segment: SavedSegment }>('/v1/segments', body);
      await client.invalidateQueries({ queryKey: ['segments'] });
      await client.invalidateQueries({ queryKey: ['segment', res.segment.id] });
      void navigate(`/marketing/segments/${res.segment.id}`);
    } catch (err) {
      setSaveError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <Section
        title={
          props.saved
            ? t('segments.builder.editTitle', { name: props.saved.name })
            : t('segments.builder.title')
        }
        actions={
          <button
            type="button"
            className="btn btn-quiet"
            onClick={() => setDefinition({})}
            data-testid="seg-clear"
          >
            {t('segments.builder.clear')}
          </button>
        }
      >
        <p className="muted small">{t('segments.builder.intro')}</p>
        <DefinitionForm value={definition} onChange={setDefinition} />
      </Section>
      <Section
        title={t('segments.preview.title')}
        actions={
          <form className="seg-save" onSubmit={(e) => void save(e)}>
            <label className="seg-save-name">
              <span className="sr-only">{t('segments.save.name')}</span>
              <input
                name="segment-name"
                value={name}
                onChange={(e) => setName(e.target.value)}
                placeholder={t('segments.save.namePlaceholder')}
                maxLength={100}
                aria-label={t('segments.save.name')}
              />
            </label>
            <button
              type="submit"
              className="btn btn-primary"
              disabled={saving || name.trim() === ''}
              data-testid="seg-save"
            >
              {props.saved ? t('segments.save.update') : t('segments.save.create')}
            </button>
            {props.saved ? (
              <Link className="btn btn-quiet" to={`/marketing/segments/${props.saved.id}`}>
                {t('segments.save.cancel')}
              </Link>
            ) : null}
          </form>
        }
      >
        <ErrorBox error={saveError} />
        {preview.isPending ? (
          <Loading />
        ) : preview.error && !preview.data ? (
          <ErrorBox error={preview.error} />
        ) : preview.data ? (
          <div className={stale ? 'seg-preview seg-stale' : 'seg-preview'} aria-busy={stale}>
            <ErrorBox error={preview.error} />
            <p className="seg-count">
              <strong
                data-testid="seg-count"
                data-count={stale ? undefined : preview.data.count}
                data-definition={stale ? undefined : JSON.stringify(settled)}
              >
                {t('segments.preview.count', { n: formatNumber(preview.data.count) })}
              </strong>{' '}
              <span className="muted small">
                {t('segments.preview.asOf', { day: formatDay(preview.data.asOf) })} ·{' '}
                {t('segments.preview.spenders', { n: formatNumber(preview.data.spenders) })}
                {stale ? ` · ${t('segments.preview.counting')}` : ''}
              </span>
            </p>
            {preview.data.guests.length === 0 ? (
              <p className="state state-empty">{t('segments.preview.none')}</p>
            ) : (
              <>
                <h3 className="small muted">
                  {t('segments.preview.first', { n: preview.data.guests.length })}
                </h3>
                <GuestTable guests={preview.data.guests} testId="seg-preview-guests" />
              </>
            )}
          </div>
        ) : null}
      </Section>
    </>
  );
}

/** The controls of a definition; a part with nothing chosen is left out of it. */
function DefinitionForm(props: { value: Definition; onChange: (d: Definition) => void }) {
  const { t } = useTranslation();
  const { properties } = useSession();
  const d = props.value;
  const set = <K extends keyof Definition>(key: K, v: Definition[K] | undefined) => {
    const next = { ...d };
    if (v === undefined || (Array.isArray(v) && v.length === 0)) delete next[key];
    else next[key] = v;
    props.onChange(next);
  };
  const setSpan = (measure: (typeof RFM_KEYS)[number], end: 0 | 1, score: number | undefined) => {
    const rfm = { ...d.rfm };
    const current = rfm[measure] ?? [1, 5];
    const span: [number, number] = [current[0], current[1]];
    span[end] = score ?? (end === 0 ? 1 : 5);
    // A span that takes every score is no filter; the other end follows when they cross.
    if (end === 0 && span[1] < span[0]) span[1] = span[0];
    if (end === 1 && span[0] > span[1]) span[0] = span[1];
    if (span[0] === 1 && span[1] === 5) delete rfm[measure];
    else rfm[measure] = span;
    set('rfm', Object.keys(rfm).length ? rfm : undefined);
  };

  return (
    <div className="seg-form">
      <Checks
        legend={t('segments.builder.tiers')}
        name="tiers"
        options={TIERS}
        value={d.tiers}
        label={(x) => codeLabel('tier', x)}
        onChange={(v) => set('tiers', v)}
      />
      <Checks
        legend={t('segments.builder.stages')}
        name="stages"
        options={STAGES}
        value={d.stages}
        label={(x) => codeLabel('stage', x)}
        onChange={(v) => set('stages', v)}
      />
      <Checks
        legend={t('segments.builder.languages')}
        name="languages"
        options={LANGUAGES}
        value={d.languages}
        label={(x) => codeLabel('language', x)}
        onChange={(v) => set('languages', v)}
      />
      <Checks
        legend={t('segments.builder.value')}
        name="value"
        options={VALUE_SEGMENTS}
        value={d.value}
        label={(x) => t(`segments.valueSeg.${x}`)}
        onChange={(v) => set('value', v)}
      />
      <Checks
        legend={t('segments.builder.tenure')}
        name="tenure"
        options={TENURES}
        value={d.tenure}
        label={(x) => t(`segments.tenureKind.${x}`)}
        onChange={(v) => set('tenure', v)}
      />
      <fieldset className="seg-group">
        <legend>{t('segments.builder.properties')}</legend>
        {properties.length === 0 ? (
          <p className="muted small">{t('segments.builder.noProperties')}</p>
        ) : (
          <Checks
            bare
            legend={t('segments.builder.properties')}
            name="properties"
            options={properties.map((p) => p.code)}
            value={d.properties}
            label={(code) => properties.find((p) => p.code === code)?.name ?? code}
            onChange={(v) => set('properties', v)}
          />
        )}
      </fieldset>
      <fieldset className="seg-group">
        <legend>{t('segments.builder.consent')}</legend>
        <select
          name="marketingConsent"
          value={d.marketingConsent === undefined ? '' : String(d.marketingConsent)}
          onChange={(e) =>
            set('marketingConsent', e.target.value === '' ? undefined : e.target.value === 'true')
          }
        >
          <option value="">{t('segments.builder.consentAny')}</option>
          <option value="true">{t('segments.builder.consentYes')}</option>
          <option value="false">{t('segments.builder.consentNo')}</option>
        </select>
      </fieldset>
      <fieldset className="seg-group">
        <legend>{t('segments.builder.lapsed')}</legend>
        <span className="seg-days">
          <input
            type="number"
            name="lapsedWithinDays"
            aria-label={t('segments.builder.lapsed')}
            min={1}
            max={3650}
            step={1}
            value={d.lapsedWithinDays ?? ''}
            onChange={(e) => {
              const n = Number(e.target.value);
              set(
                'lapsedWithinDays',
                e.target.value === '' || !Number.isInteger(n) || n < 1 ? undefined : Math.min(n, 3650),
              );
            }}
          />
          <span>{t('segments.builder.lapsedDays')}</span>
        </span>
        <p className="field-hint">{t('segments.builder.lapsedHint')}</p>
      </fieldset>
      <fieldset className="seg-group seg-rfm">
        <legend>{t('segments.builder.rfm')}</legend>
        {RFM_KEYS.map((k) => {
          const span = d.rfm?.[k];
          return (
            <div className="seg-rfm-row" key={k}>
              <span className="seg-rfm-label">{t(`segments.measure.${k}`)}</span>
              <ScoreSelect
                label={`${t(`segments.measure.${k}`)} ${t('segments.builder.from')}`}
                name={`rfm-${k}-from`}
                value={span?.[0]}
                onChange={(s) => setSpan(k, 0, s)}
              />
              <span className="muted">–</span>
              <ScoreSelect
                label={`${t(`segments.measure.${k}`)} ${t('segments.builder.to')}`}
                name={`rfm-${k}-to`}
                value={span?.[1]}
                onChange={(s) => setSpan(k, 1, s)}
              />
            </div>
          );
        })}
        <p className="field-hint">{t('segments.builder.rfmHint')}</p>
      </fieldset>
    </div>
  );
}

function ScoreSelect(props: {
  label: string;
  name: string;
  value: number | undefined;
  onChange: (s: number | undefined) => void;
}) {
  const { t } = useTranslation();
  return (
    <select
      aria-label={props.label}
      name={props.name}
      value={props.value ?? ''}
      onChange={(e) => props.onChange(e.target.value === '' ? undefined : Number(e.target.value))}
    >
      <option value="">{t('segments.builder.any')}</option>
      {SCORES.map((s) => (
        <option key={s} value={s}>
          {s}
        </option>
      ))}
    </select>
  );
}

/** A part of the definition as tick boxes: the values ticked, in the options' order. */
function Checks<T extends string>(props: {
  legend: ReactNode;
  name: string;
  options: readonly T[];
  value: T[] | undefined;
  label: (x: T) => string;
  onChange: (v: T[]) => void;
  /** Without its own fieldset (inside another). */
  bare?: boolean;
}) {
  const chosen = new Set(props.value ?? []);
  const toggle = (x: T) => {
    const next = new Set(chosen);
    if (next.has(x)) next.delete(x);
    else next.add(x);
    props.onChange(props.options.filter((o) => next.has(o)));
  };
  const boxes = (
    <div className="seg-checks">
      {props.options.map((x) => (
        <label key={x} className={chosen.has(x) ? 'seg-check on' : 'seg-check'}>
          <input
            type="checkbox"
            name={props.name}
            value={x}
            checked={chosen.has(x)}
            onChange={() => toggle(x)}
          />
          {props.label(x)}
        </label>
      ))}
    </div>
  );
  if (props.bare) return boxes;
  return (
    <fieldset className="seg-group">
      <legend>{props.legend}</legend>
      {boxes}
    </fieldset>
  );
}
