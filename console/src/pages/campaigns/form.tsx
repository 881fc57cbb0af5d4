/**
 * A new campaign (`POST /v1/campaigns`): its name and mail; the audience as a segment's definition (tiers,
 * stages, languages, value, tenure, hotels, consent), or a saved segment's when the API has them
 * (`GET /v1/segments`), with the segment's count today (`POST /v1/segments/preview`); the local send day and
 * time; the holdout and the uplift window. A refusal names its field and shows next to it. Saved as a draft,
 * then the campaign's page.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { STAGES } from '../../../../domain/stages';
import { TIERS } from '../../../../domain/tiers';
import { TENURES, VALUE_SEGMENTS } from '../../../../domain/segments';
import { ApiError, get, post } from '../../api';
import { codeLabel } from '../../i18n';
import { dayIn, formatNumber } from '../../format';
import { useSession } from '../../session';
import { ErrorBox, Field, Section } from '../../ui';
import { otherFilters } from './common';
import { CAMPAIGN_TEMPLATES, type Campaign, type Definition, type SavedSegment } from './types';

const LANGUAGES = ['en', 'zh-CN'];
type ListKey = 'tiers' | 'stages' | 'languages' | 'value' | 'tenure' | 'properties';

/** A group of checkboxes for one list of the definition; nothing ticked leaves the list out (any). */
function CheckGroup(props: {
  name: ListKey;
  legend: ReactNode;
  options: [string, string][];
  value: string[] | undefined;
  onChange: (values: string[] | undefined) => void;
}) {
  const chosen = props.value ?? [];
  const toggle = (v: string, on: boolean) => {
    const next = on ? [...chosen, v] : chosen.filter((x) => x !== v);
    // In the options' order, so the definition reads the same whatever the clicks.
    const ordered = props.options.map(([o]) => o).filter((o) => next.includes(o));
    props.onChange(ordered.length > 0 ? ordered : undefined);
  };
  return (
    <fieldset className="cmp-checks" data-testid={`def-${props.name}`}>
      <legend className="field-label">{props.legend}</legend>
      {props.options.map(([v, label]) => (
        <label key={v} className="cmp-check">
          <input
            type="checkbox"
            name={props.name}
            value={v}
            checked={chosen.includes(v)}
            onChange={(e) => toggle(v, e.target.checked)}
          />
          {label}
        </label>
      ))}
    </fieldset>
  );
}

export function NewCampaign() {
  const { t } = useTranslation();
  const { zone, properties } = useSession();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [template, setTemplate] = useState<string>(CAMPAIGN_TEMPLATES[0]);
  const [definition, setDefinition] = useState<Definition>({});
  const [segmentId, setSegmentId] = useState<string | null>(null);
  const [sendDate, setSendDate] = useState(() => dayIn(zone, 1));
  const [sendTime, setSendTime] = useState('10:00');
  const [holdout, setHoldout] = useState('10');
  const [upliftDays, setUpliftDays] = useState('30');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  // Saved segments, where the API has them; otherwise (404 or any refusal) the option is not offered.
  const saved = useQuery({
    queryKey: ['segments-saved'],
    queryFn: () => get<{ segments: SavedSegment[] }>('/v1/segments'),
    retry: false,
    staleTime: 60_000,
  });
  const savedSegments = saved.data?.segments ?? [];

  const count = useQuery({
    queryKey: ['segment-count', definition],
    queryFn: () => post<{ count: number; asOf: string }>('/v1/segments/preview', { definition, limit: 1 }),
    placeholderData: keepPreviousData,
  });

  const setList = (key: ListKey) => (values: string[] | undefined) => {
    setSegmentId(null);
    setDefinition((d) => {
      const next = { ...d };
      if (values) next[key] = values;
      else delete next[key];
      return next;
    });
  };
  const setConsent = (v: string) => {
    setSegmentId(null);
    setDefinition((d) => {
      const next = { ...d };
      if (v === '') delete next.marketingConsent;
      else next.marketingConsent = v === 'true';
      return next;
    });
  };
  const pickSaved = (id: string) => {
    const s = savedSegments.find((x) => x.id === id);
    if (!s) {
      setSegmentId(null);
      return;
    }
    setSegmentId(s.id);
    setDefinition({ ...s.definition });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const num = (s: string) => (s.trim() === '' ? null : Number(s));
    try {
      const created = await post<Campaign>('/v1/campaigns', {
        name: name.trim(),
        template,
        definition,
        ...(segmentId ? { segmentId } : {}),
        sendDate,
        sendTime,
        holdoutPercent: num(holdout),
        upliftDays: num(upliftDays),
      });
      void client.invalidateQueries({ queryKey: ['campaigns'] });
      void navigate(`/marketing/campaigns/${created.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const field = error instanceof ApiError ? error.field : undefined;
  const errorOf = (f: string) =>
    field && (field === f || field.startsWith(`${f}.`)) ? (error as ApiError).message : undefined;
  const other = otherFilters(definition);

  return (
    <Section
      title={t('campaigns.form.title')}
      actions={
        <Link to="/marketing/campaigns" className="btn btn-quiet">
          ← {t('campaigns.back')}
        </Link>
      }
    >
      <form className="cmp-form" onSubmit={(e) => void submit(e)} data-testid="campaign-form" noValidate>
        <fieldset className="cmp-part">
          <legend>{t('campaigns.form.what')}</legend>
          <div className="cmp-row">
            <Field
              label={t('campaigns.form.name')}
              hint={t('campaigns.form.nameHint')}
              error={errorOf('name')}
            >
              <input name="name" value={name} onChange={(e) => setName(e.target.value)} maxLength={120} />
            </Field>
            <Field label={t('campaigns.form.template')} error={errorOf('template')}>
              <select name="template" value={template} onChange={(e) => setTemplate(e.target.value)}>
                {CAMPAIGN_TEMPLATES.map((tp) => (
                  <option key={tp} value={tp}>
                    {codeLabel('campaigns.template', tp)}
                  </option>
                ))}
              </select>
              <Link className="small" to={`/marketing/cadences/template/${template}`}>
                {t('campaigns.form.editText')}
              </Link>
            </Field>
          </div>
        </fieldset>

        <fieldset className="cmp-part">
          <legend>{t('campaigns.form.who')}</legend>
          {savedSegments.length > 0 ? (
            <Field label={t('campaigns.form.saved')} hint={t('campaigns.form.savedHint')}>
              <select
                name="savedSegment"
                value={segmentId ?? ''}
                onChange={(e) => pickSaved(e.target.value)}
                data-testid="saved-segment"
              >
                <option value="">{t('campaigns.form.savedNone')}</option>
                {savedSegments.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </Field>
          ) : null}
          <div className="cmp-groups">
            <CheckGroup
              name="tiers"
              legend={t('campaigns.form.tiers')}
              options={TIERS.map((v) => [v, codeLabel('tier', v)])}
              value={definition.tiers}
              onChange={setList('tiers')}
            />
            <CheckGroup
              name="stages"
              legend={t('campaigns.form.stages')}
              options={STAGES.map((v) => [v, codeLabel('stage', v)])}
              value={definition.stages}
              onChange={setList('stages')}
            />
            <CheckGroup
              name="languages"
              legend={t('campaigns.form.languages')}
              options={LANGUAGES.map((v) => [v, codeLabel('language', v)])}
              value={definition.languages}
              onChange={setList('languages')}
            />
            <CheckGroup
              name="value"
              legend={t('campaigns.form.value')}
              options={VALUE_SEGMENTS.map((v) => [v, codeLabel('campaigns.value', v)])}
              value={definition.value}
              onChange={setList('value')}
            />
            <CheckGroup
              name="tenure"
              legend={t('campaigns.form.tenure')}
              options={TENURES.map((v) => [v, codeLabel('campaigns.tenure', v)])}
              value={definition.tenure}
              onChange={setList('tenure')}
            />
            {properties.length > 0 ? (
              <CheckGroup
                name="properties"
                legend={t('campaigns.form.properties')}
                options={properties.map((p) => [p.code, p.name ? `${p.name} (${p.code})` : p.code])}
                value={definition.properties}
                onChange={setList('properties')}
              />
            ) : null}
            <fieldset className="cmp-checks" data-testid="def-consent">
              <legend className="field-label">{t('campaigns.form.consent')}</legend>
              {(
                [
                  ['', t('campaigns.form.consentAny')],
                  ['true', t('campaigns.form.consentYes')],
                  ['false', t('campaigns.form.consentNo')],
                ] as const
              ).map(([v, label]) => (
                <label key={v} className="cmp-check">
                  <input
                    type="radio"
                    name="marketingConsent"
                    value={v}
                    checked={
                      (definition.marketingConsent === undefined
                        ? ''
                        : String(definition.marketingConsent)) === v
                    }
                    onChange={() => setConsent(v)}
                  />
                  {label}
                </label>
              ))}
              <span className="field-hint">{t('campaigns.form.consentHint')}</span>
            </fieldset>
          </div>
          <p className="field-hint">{t('campaigns.form.anyHint')}</p>
          {other.length > 0 ? (
            <p className="small" data-testid="def-other">
              {t('campaigns.form.also')}:{' '}
              {other.map(([k, v]) => (
                <code key={k} className="cmp-other">
                  {k}: {v}
                </code>
              ))}
            </p>
          ) : null}
          {errorOf('definition') ? <p className="field-error">{errorOf('definition')}</p> : null}
          <div className="cmp-audience">
            <span className="field-label">{t('campaigns.form.audience')}</span>{' '}
            <strong data-testid="audience-count">
              {count.data ? formatNumber(count.data.count) : count.isPending ? '…' : '—'}
            </strong>
            <div className="field-hint">{t('campaigns.form.audienceHint')}</div>
            {count.error ? <ErrorBox error={count.error} /> : null}
          </div>
        </fieldset>

        <fieldset className="cmp-part">
          <legend>{t('campaigns.form.when')}</legend>
          <div className="cmp-row">
            <Field label={t('campaigns.form.sendDate')} error={errorOf('sendDate')}>
              <input
                type="date"
                name="sendDate"
                value={sendDate}
                onChange={(e) => setSendDate(e.target.value)}
              />
            </Field>
            <div data-testid="field-sendTime">
              <Field
                label={t('campaigns.form.sendTime')}
                hint={t('campaigns.form.sendTimeHint')}
                error={errorOf('sendTime')}
              >
                <input
                  type="time"
                  name="sendTime"
                  value={sendTime}
                  onChange={(e) => setSendTime(e.target.value)}
                />
              </Field>
            </div>
          </div>
        </fieldset>

        <fieldset className="cmp-part">
          <legend>{t('campaigns.form.measure')}</legend>
          <div className="cmp-row">
            <Field
              label={t('campaigns.form.holdout')}
              hint={t('campaigns.form.holdoutHint')}
              error={errorOf('holdoutPercent')}
            >
              <input
                type="number"
                name="holdoutPercent"
                min={0}
                max={50}
                step={0.01}
                value={holdout}
                onChange={(e) => setHoldout(e.target.value)}
              />
            </Field>
            <Field
              label={t('campaigns.form.upliftDays')}
              hint={t('campaigns.form.upliftDaysHint')}
              error={errorOf('upliftDays')}
            >
              <input
                type="number"
                name="upliftDays"
                min={1}
                max={365}
                step={1}
                value={upliftDays}
                onChange={(e) => setUpliftDays(e.target.value)}
              />
            </Field>
          </div>
        </fieldset>

        {error ? (
          field ? (
            <p className="field-error">{t('campaigns.form.invalid')}</p>
          ) : (
            <ErrorBox error={error} />
          )
        ) : null}
        <div className="form-buttons">
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="create-campaign">
            {t('campaigns.form.create')}
          </button>
          <Link to="/marketing/campaigns" className="btn btn-quiet">
            {t('campaigns.form.cancel')}
          </Link>
        </div>
      </form>
    </Section>
  );
}
