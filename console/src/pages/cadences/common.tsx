/** Pieces the cadence and template pages share: offsets, windows and conditions in words, and the guest pick. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import type { CadenceStep } from '../../../../domain/cadence';
import { get } from '../../api';
import { codeLabel } from '../../i18n';
import { personName } from '../../format';
import { ErrorBox } from '../../ui';
import type { PickedGuest } from './types';

const DAY = 1440;

/** An offset in the largest unit it is a whole number of: `{ n: 2, unit: 'days' }`. */
export function offsetParts(minutes: number): { n: number; unit: OffsetUnit } {
  if (minutes !== 0 && minutes % DAY === 0) return { n: minutes / DAY, unit: 'days' };
  if (minutes !== 0 && minutes % 60 === 0) return { n: minutes / 60, unit: 'hours' };
  return { n: minutes, unit: 'minutes' };
}
export const OFFSET_UNITS = ['minutes', 'hours', 'days'] as const;
export type OffsetUnit = (typeof OFFSET_UNITS)[number];
export const UNIT_MINUTES: Record<OffsetUnit, number> = { minutes: 1, hours: 60, days: DAY };

/** `2 days`, `3 hours`, `90 minutes` (`2 天`…). */
export function useOffsetText() {
  const { t } = useTranslation();
  return (minutes: number) => {
    const { n, unit } = offsetParts(minutes);
    return t(`cadences.unit.${unit}`, { count: n });
  };
}

/** The step's timing in words: `2 days after check-out, 09:00–20:00`. */
export function useStepTiming() {
  const { t } = useTranslation();
  const offset = useOffsetText();
  return (s: Pick<CadenceStep, 'anchor' | 'offsetMinutes' | 'window'>) =>
    t('cadences.timing', { offset: offset(s.offsetMinutes), anchor: t(`cadences.anchor.${s.anchor}`) }) +
    (s.window ? ` · ${s.window.start}–${s.window.end}` : '');
}

/** A condition in words (`score_at_least:4` → "Survey score at least 4"); none: "Always". */
export function useConditionText() {
  const { t } = useTranslation();
  return (c: string | null) => {
    if (!c) return t('cadences.condition.none');
    const m = /^score_at_least:(\d+)$/.exec(c);
    if (m) return t('cadences.condition.score_at_least', { n: m[1] });
    return t(`cadences.condition.${c}`, { defaultValue: c });
  };
}

/** A field's value in a diff, in words. */
export function useFieldValue() {
  const { t } = useTranslation();
  const offset = useOffsetText();
  const condition = useConditionText();
  return (field: string, v: unknown): string => {
    if (v === null || v === undefined) {
      return field === 'condition' ? condition(null) : field === 'window' ? t('cadences.noWindow') : '—';
    }
    const text = typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v);
    switch (field) {
      case 'offsetMinutes':
        return offset(Number(v));
      case 'anchor':
        return t(`cadences.anchor.${text}`);
      case 'window': {
        const w = v as { start: string; end: string };
        return `${w.start}–${w.end}`;
      }
      case 'template':
        return codeLabel('template', text);
      case 'class':
        return t(`cadences.class.${text}`);
      case 'condition':
        return condition(text);
      default:
        return text;
    }
  };
}

/**
 * A guest for a preview: part of a name or a member number, answered by the marketers' own guest pick
 * (`GET /v1/marketing/guests`: id and name only).
 */
export function GuestPick(props: { value: PickedGuest | null; onChange: (g: PickedGuest | null) => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const query = useQuery({
    queryKey: ['marketing-guests', q],
    queryFn: () => get<{ guests: PickedGuest[] }>('/v1/marketing/guests', { q }),
    enabled: q.length >= 2,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQ(text.trim());
  };
  if (props.value) {
    return (
      <div className="cad-guest-picked" data-testid="picked-guest">
        <span>
          {t('cadences.preview.for')}{' '}
          <strong>{personName(props.value.firstName, props.value.lastName)}</strong>
        </span>
        <button type="button" className="btn btn-quiet" onClick={() => props.onChange(null)}>
          {t('cadences.preview.otherGuest')}
        </button>
      </div>
    );
  }
  return (
    <div className="cad-guest-pick">
      <form onSubmit={submit} className="cad-inline-form" role="search">
        <label className="field">
          <span className="field-label">{t('cadences.preview.findGuest')}</span>
          <input
            name="guest-q"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder={t('cadences.preview.findHint')}
            autoComplete="off"
          />
        </label>
        <button type="submit" className="btn" disabled={text.trim().length < 2}>
          {t('action.search')}
        </button>
      </form>
      <ErrorBox error={query.error} />
      {query.data ? (
        query.data.guests.length === 0 ? (
          <p className="muted">{t('cadences.preview.noGuest')}</p>
        ) : (
          <ul className="cad-guest-list" data-testid="guest-pick-results">
            {query.data.guests.map((g) => (
              <li key={g.id}>
                <button type="button" className="btn btn-quiet" onClick={() => props.onChange(g)}>
                  {personName(g.firstName, g.lastName)}
                </button>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </div>
  );
}

/** A count, or a quiet dash for none. */
export function Count({ n }: { n: number | undefined }) {
  return n ? <>{n.toLocaleString()}</> : <span className="muted">0</span>;
}
