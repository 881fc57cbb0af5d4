/** Guest search: by part of a name, e-mail, phone, member number, PMS profile id, tier and stage; paged. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { STAGES } from '../../../domain/stages';
import { TIERS } from '../../../domain/tiers';
import { get } from '../api';
import { codeLabel } from '../i18n';
import { personName } from '../format';
import type { GuestSearchAnswer } from '../types';
import { Badge, Empty, Field, Pager, QueryState, Section, usePager, Table } from '../ui';

const TEXT_FIELDS = ['name', 'email', 'phone', 'memberNumber', 'pmsProfileId'] as const;
const FIELDS = [...TEXT_FIELDS, 'tier', 'stage'] as const;
type SearchForm = Record<(typeof FIELDS)[number], string>;

export function GuestsPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const search = Object.fromEntries(FIELDS.map((f) => [f, params.get(f) ?? ''])) as SearchForm;
  const [form, setForm] = useState<SearchForm>(search);
  const pager = usePager();
  const given = FIELDS.filter((f) => search[f] !== '');
  const query = useQuery({
    queryKey: ['guests', search, pager.cursor],
    queryFn: () =>
      get<GuestSearchAnswer>('/v1/guests', {
        ...Object.fromEntries(given.map((f) => [f, search[f]])),
        limit: 25,
        cursor: pager.cursor,
      }),
    enabled: given.length > 0,
    placeholderData: keepPreviousData,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    pager.reset();
    setParams(Object.fromEntries(FIELDS.filter((f) => form[f].trim()).map((f) => [f, form[f].trim()])));
  };
  const set = (f: keyof SearchForm) => (e: { target: { value: string } }) =>
    setForm((s) => ({ ...s, [f]: e.target.value }));

  return (
    <>
      <Section title={t('guests.title')}>
        <form className="search-form" onSubmit={submit} role="search">
          {TEXT_FIELDS.map((f) => (
            <Field key={f} label={t(`guests.field.${f}`)}>
              <input value={form[f]} onChange={set(f)} name={f} autoComplete="off" />
            </Field>
          ))}
          <Field label={t('guests.field.tier')}>
            <select value={form.tier} onChange={set('tier')} name="tier">
              <option value="">{t('guests.any')}</option>
              {TIERS.map((x) => (
                <option key={x} value={x}>
                  {codeLabel('tier', x)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('guests.field.stage')}>
            <select value={form.stage} onChange={set('stage')} name="stage">
              <option value="">{t('guests.any')}</option>
              {STAGES.map((x) => (
                <option key={x} value={x}>
                  {codeLabel('stage', x)}
                </option>
              ))}
            </select>
          </Field>
          <div className="form-buttons">
            <button type="submit" className="btn btn-primary">
              {t('action.search')}
            </button>
          </div>
        </form>
      </Section>
      {given.length === 0 ? (
        <Empty>{t('guests.hint')}</Empty>
      ) : (
        <Section title={t('guests.results')}>
          <QueryState query={query} empty={(d) => d.guests.length === 0} emptyText={t('guests.none')}>
            {(data) => (
              <>
                <Table
                  columns={[
                    t('guest.name'),
                    t('guest.memberNumber'),
                    t('guest.tier'),
                    t('guest.stage'),
                    t('guest.email'),
                    t('guest.phone'),
                  ]}
                  testId="guest-results"
                >
                  {data.guests.map((g) => (
                    <tr key={g.id}>
                      <td>
                        <Link to={`/guests/${g.id}`}>{personName(g.firstName, g.lastName)}</Link>
                      </td>
                      <td>{g.memberNumber ?? '—'}</td>
                      <td>
                        <Badge kind={`tier-${g.tier}`}>{codeLabel('tier', g.tier)}</Badge>
                      </td>
                      <td>{codeLabel('stage', g.stage)}</td>
                      <td className="nowrap">{g.email}</td>
                      <td className="nowrap">{g.phone ?? '—'}</td>
                    </tr>
                  ))}
                </Table>
                <Pager pager={pager} nextCursor={data.nextCursor} />
              </>
            )}
          </QueryState>
        </Section>
      )}
    </>
  );
}
