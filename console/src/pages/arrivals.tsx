/** Arrivals for a property and a day, each with the front desk's brief; printable (the print stylesheet). */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { get } from '../api';
import { codeLabel } from '../i18n';
import { dayIn, formatDay, formatNumber, personName } from '../format';
import { useSession } from '../session';
import type { Preference } from '../types';
import { Badge, Empty, Field, QueryState, Section } from '../ui';

export interface Arrival {
  guest: {
    id: string;
    firstName: string;
    lastName: string;
    memberNumber: string | null;
    language: string;
    stage: string;
  };
  booking: { id: string; pmsBookingId: string; arrival: string; departure: string; nights: number };
  tier: { name: string; benefits: { code: string; percent?: number; upTo?: string }[] };
  stays: { count: number; last: { propertyCode: string; arrival: string; departure: string } | null };
  openCases: {
    count: number;
    mostUrgent: { id: string; category: string; priority: string; slaState: string } | null;
  };
  lastSurvey: { score: number; answeredAt: string; wouldReturn: boolean | null } | null;
  followUp: { running: boolean } | null;
  winBack: { lapsedAt: string | null } | null;
  preferences: Preference[];
  birthdayDuringStay: string | null;
}

export function ArrivalsPage() {
  const { t } = useTranslation();
  const { property, properties, zone } = useSession();
  const [code, setCode] = useState(property ?? properties[0]?.code ?? '');
  const [day, setDay] = useState(dayIn(zone, 1));
  const query = useQuery({
    queryKey: ['arrivals', code, day],
    queryFn: () => get<{ arrivals: Arrival[]; count: number }>('/v1/arrivals', { property: code, date: day }),
    enabled: code !== '' && /^\d{4}-\d{2}-\d{2}$/.test(day),
  });
  return (
    <Section
      title={t('arrivals.title')}
      actions={
        <button type="button" className="btn btn-quiet no-print" onClick={() => window.print()}>
          {t('action.print')}
        </button>
      }
    >
      <div className="filters no-print">
        <Field label={t('stay.property')}>
          <input
            value={code}
            onChange={(e) => setCode(e.target.value.trim())}
            name="property"
            list="property-codes"
          />
          <datalist id="property-codes">
            {properties.map((p) => (
              <option key={p.code} value={p.code}>
                {p.name ?? p.code}
              </option>
            ))}
          </datalist>
        </Field>
        <Field label={t('arrivals.date')}>
          <input type="date" value={day} onChange={(e) => setDay(e.target.value)} name="date" />
        </Field>
        <div className="form-buttons">
          <button type="button" className="btn btn-quiet" onClick={() => setDay(dayIn(zone, 0))}>
            {t('arrivals.today')}
          </button>
          <button type="button" className="btn btn-quiet" onClick={() => setDay(dayIn(zone, 1))}>
            {t('arrivals.tomorrow')}
          </button>
        </div>
      </div>
      <p className="print-only">
        {code} · {formatDay(day)}
      </p>
      {code === '' ? (
        <Empty>{t('arrivals.pickProperty')}</Empty>
      ) : (
        <QueryState query={query} empty={(d) => d.arrivals.length === 0} emptyText={t('arrivals.none')}>
          {(data) => (
            <>
              <p className="muted">{t('arrivals.count', { count: data.count })}</p>
              <div className="arrivals" data-testid="arrivals">
                {data.arrivals.map((a) => (
                  <ArrivalCard key={a.booking.id} a={a} />
                ))}
              </div>
            </>
          )}
        </QueryState>
      )}
    </Section>
  );
}

/** A benefit in words: `Bonus points +80%`, `Room upgrade (up to a one-bedroom suite)`. */
function benefitText(b: Arrival['tier']['benefits'][number]): string {
  const label = codeLabel('benefit', b.code);
  if (b.percent !== undefined) return `${label} +${b.percent}%`;
  if (b.upTo) return `${label} (${codeLabel('upgradeCeiling', b.upTo)})`;
  return label;
}

function ArrivalCard({ a }: { a: Arrival }) {
  const { t } = useTranslation();
  return (
    <article className="arrival card-inner" data-testid="arrival">
      <header>
        <h3>
          <Link to={`/guests/${a.guest.id}`}>{personName(a.guest.firstName, a.guest.lastName)}</Link>
        </h3>
        <div className="badges">
          <Badge kind={`tier-${a.tier.name}`}>{codeLabel('tier', a.tier.name)}</Badge>
          {a.openCases.count > 0 ? (
            <Badge kind="alert">{t('arrivals.openCases', { count: a.openCases.count })}</Badge>
          ) : null}
          {a.birthdayDuringStay ? (
            <Badge kind="birthday">{t('arrivals.birthday', { day: formatDay(a.birthdayDuringStay) })}</Badge>
          ) : null}
          {a.winBack ? <Badge>{t('arrivals.winBack')}</Badge> : null}
          {a.followUp?.running ? <Badge>{t('arrivals.followUp')}</Badge> : null}
        </div>
      </header>
      <dl className="facts">
        <div className="fact">
          <dt>{t('stay.dates')}</dt>
          <dd>
            {formatDay(a.booking.arrival)} → {formatDay(a.booking.departure)} ·{' '}
            {t('tierProgress.nights', { count: a.booking.nights })}
          </dd>
        </div>
        <div className="fact">
          <dt>{t('guest.memberNumber')}</dt>
          <dd>{a.guest.memberNumber ?? t('guest.notMember')}</dd>
        </div>
        <div className="fact">
          <dt>{t('arrivals.stays')}</dt>
          <dd>
            {formatNumber(a.stays.count)}
            {a.stays.last
              ? ` · ${t('arrivals.lastStay', { property: a.stays.last.propertyCode, day: formatDay(a.stays.last.departure) })}`
              : ''}
          </dd>
        </div>
        <div className="fact">
          <dt>{t('arrivals.lastSurvey')}</dt>
          <dd>{a.lastSurvey ? `${a.lastSurvey.score}/5 · ${formatDay(a.lastSurvey.answeredAt)}` : '—'}</dd>
        </div>
        <div className="fact">
          <dt>{t('guest.language')}</dt>
          <dd>{codeLabel('language', a.guest.language)}</dd>
        </div>
      </dl>
      {a.tier.benefits.length > 0 ? (
        <p className="small">
          <strong>{t('arrivals.benefits')}:</strong> {a.tier.benefits.map(benefitText).join(' · ')}
        </p>
      ) : null}
      {a.preferences.length > 0 ? (
        <ul className="prefs">
          {a.preferences.map((p) => (
            <li key={p.id} className={p.kind === 'taboo' ? 'taboo' : ''}>
              <strong>{codeLabel('preferenceKind', p.kind)}:</strong> {p.text}{' '}
              <span className="muted">({codeLabel('factSource', p.source)})</span>
            </li>
          ))}
        </ul>
      ) : null}
      {a.openCases.mostUrgent ? (
        <p className="alert-text">
          <Link to={`/cases/${a.openCases.mostUrgent.id}`}>
            {codeLabel('category', a.openCases.mostUrgent.category)} ·{' '}
            {codeLabel('priority', a.openCases.mostUrgent.priority)} ·{' '}
            {codeLabel('sla', a.openCases.mostUrgent.slaState)}
          </Link>
        </p>
      ) : null}
    </article>
  );
}
