/**
 * Privacy, for admins (docs/privacy.md): find a guest (the guest search, `GET /v1/guests`), see the marketing
 * consent history (`GET /v1/guests/:id/consents`), download everything held about the guest for a data-subject
 * access request (`GET /v1/guests/:id/export`) and erase the guest (`POST /v1/guests/:id/erasure`) behind a
 * confirmation: the reason, and the member number (or, without one, the e-mail address) typed again. Afterwards the
 * page shows the guest as erased, with the time.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { get, post } from '../api';
import { codeLabel } from '../i18n';
import { browserZone, formatInstant, personName } from '../format';
import type { GuestSearchAnswer, GuestView } from '../types';
import { ActionDialog, Badge, Empty, ErrorBox, Field, QueryState, Section, Table } from '../ui';

interface ConsentChange {
  id: number;
  from: boolean | null;
  to: boolean;
  source: string;
  actor: string | null;
  eventId: string | null;
  at: string;
}

interface Consents {
  guestId: string;
  marketingConsent: boolean;
  erasedAt: string | null;
  changes: ConsentChange[];
}

interface Erased {
  guestId: string;
  erasedAt: string;
  alreadyErased: boolean;
  auditId: number;
}

export function PrivacyPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const guestId = params.get('guest');
  const term = params.get('q') ?? '';
  return (
    <div className="privacy" data-testid="privacy-page">
      <FindGuest
        term={term}
        onSearch={(q) => setParams(q ? { q } : {})}
        onPick={(id) => setParams({ ...(term ? { q: term } : {}), guest: id })}
      />
      {guestId ? <GuestPrivacy guestId={guestId} /> : <Empty>{t('privacy.hint')}</Empty>}
    </div>
  );
}

/** One search box: an e-mail address (or part), a member number (`M` and digits), else a name. */
function searchOf(term: string): Record<string, string> {
  if (term.includes('@')) return { email: term };
  if (/^M\d{6,}$/i.test(term)) return { memberNumber: term.toUpperCase() };
  return { name: term };
}

function FindGuest(props: { term: string; onSearch: (q: string) => void; onPick: (id: string) => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState(props.term);
  const query = useQuery({
    queryKey: ['privacy-search', props.term],
    queryFn: () => get<GuestSearchAnswer>('/v1/guests', { ...searchOf(props.term), limit: 10 }),
    enabled: props.term.length >= 2,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.onSearch(form.trim());
  };
  return (
    <Section title={t('privacy.title')}>
      <p className="muted">{t('privacy.intro')}</p>
      <form className="search-form" onSubmit={submit} role="search">
        <Field label={t('privacy.search')} hint={t('privacy.searchHint')}>
          <input value={form} onChange={(e) => setForm(e.target.value)} name="q" autoComplete="off" />
        </Field>
        <div className="form-buttons">
          <button type="submit" className="btn btn-primary" disabled={form.trim().length < 2}>
            {t('action.search')}
          </button>
        </div>
      </form>
      {props.term.length >= 2 ? (
        <QueryState query={query} empty={(d) => d.guests.length === 0} emptyText={t('privacy.none')}>
          {(data) => (
            <Table
              columns={[t('guest.name'), t('guest.memberNumber'), t('guest.email'), t('guest.stage'), '']}
              testId="privacy-results"
              small
            >
              {data.guests.map((g) => (
                <tr key={g.id}>
                  <td>{personName(g.firstName, g.lastName)}</td>
                  <td>{g.memberNumber ?? '—'}</td>
                  <td className="nowrap">{g.email}</td>
                  <td>{codeLabel('stage', g.stage)}</td>
                  <td>
                    <button type="button" className="btn btn-quiet" onClick={() => props.onPick(g.id)}>
                      {t('privacy.open')}
                    </button>
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </QueryState>
      ) : null}
    </Section>
  );
}

function GuestPrivacy({ guestId }: { guestId: string }) {
  const { t } = useTranslation();
  const zone = browserZone();
  const client = useQueryClient();
  const card = useQuery({
    queryKey: ['privacy-guest', guestId],
    queryFn: () => get<GuestView>(`/v1/guests/${guestId}`),
  });
  const consents = useQuery({
    queryKey: ['privacy-consents', guestId],
    queryFn: () => get<Consents>(`/v1/guests/${guestId}/consents`),
  });
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['privacy-guest', guestId] });
    void client.invalidateQueries({ queryKey: ['privacy-consents', guestId] });
    void client.invalidateQueries({ queryKey: ['privacy-search'] });
  };
  const erasedAt = consents.data?.erasedAt ?? null;
  return (
    <>
      <QueryState query={card}>
        {({ guest }) => (
          <Section
            title={erasedAt ? t('privacy.erasedGuest') : personName(guest.firstName, guest.lastName)}
            actions={
              <>
                <ExportButton guestId={guestId} />
                {consents.data && !erasedAt ? (
                  <EraseAction
                    guestId={guestId}
                    confirmWith={guest.memberNumber ?? guest.email}
                    byMemberNumber={guest.memberNumber !== null}
                    onDone={refresh}
                  />
                ) : null}
              </>
            }
          >
            {erasedAt ? (
              <p className="privacy-erased" data-testid="privacy-erased">
                <Badge kind="erased">{t('privacy.erased')}</Badge>{' '}
                {t('privacy.erasedAt', { at: formatInstant(erasedAt, zone) })}
              </p>
            ) : null}
            <dl className="facts" data-testid="privacy-guest">
              <Fact label={t('guest.memberNumber')}>{guest.memberNumber ?? '—'}</Fact>
              <Fact label={t('guest.email')}>{guest.email || '—'}</Fact>
              <Fact label={t('guest.phone')}>{guest.phone ?? '—'}</Fact>
              <Fact label={t('guest.stage')}>{codeLabel('stage', guest.stage)}</Fact>
              <Fact label={t('guest.tier')}>{codeLabel('tier', guest.tier)}</Fact>
              <Fact label={t('privacy.consentNow')} testId="privacy-consent-now">
                {guest.marketingConsent ? t('privacy.consentYes') : t('privacy.consentNo')}
              </Fact>
            </dl>
          </Section>
        )}
      </QueryState>
      <Section title={t('privacy.history')}>
        <QueryState query={consents} empty={(d) => d.changes.length === 0} emptyText={t('privacy.noChanges')}>
          {(data) => (
            <Table
              columns={[
                t('privacy.col.at'),
                t('privacy.col.change'),
                t('privacy.col.source'),
                t('privacy.col.actor'),
              ]}
              testId="privacy-consents"
              small
            >
              {[...data.changes].reverse().map((c) => (
                <tr key={c.id} data-source={c.source}>
                  <td className="nowrap">{formatInstant(c.at, zone)}</td>
                  <td>
                    {c.from === null ? '—' : c.from ? t('privacy.consentYes') : t('privacy.consentNo')} →{' '}
                    <strong>{c.to ? t('privacy.consentYes') : t('privacy.consentNo')}</strong>
                  </td>
                  <td>{t(`privacy.source.${c.source}`, { defaultValue: c.source })}</td>
                  <td className="muted">{c.actor ?? '—'}</td>
                </tr>
              ))}
            </Table>
          )}
        </QueryState>
      </Section>
    </>
  );
}

function Fact(props: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="fact">
      <dt>{props.label}</dt>
      <dd data-testid={props.testId}>{props.children}</dd>
    </div>
  );
}

/** Downloads the export as a JSON file (`guest-<id>.json`). */
function ExportButton({ guestId }: { guestId: string }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const data = await get<unknown>(`/v1/guests/${guestId}/export`);
      const url = URL.createObjectURL(
        new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }),
      );
      const a = document.createElement('a');
      a.href = url;
      a.download = `guest-${guestId}.json`;
      document.body.append(a);
      a.click();
      a.remove();
      URL.revokeObjectURL(url);
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="privacy-export">
      <button
        type="button"
        className="btn"
        disabled={busy}
        onClick={() => void download()}
        data-testid="privacy-export"
      >
        {t('privacy.export')}
      </button>
      {done ? <span className="muted"> {t('privacy.exported')}</span> : null}
      <ErrorBox error={error} />
    </span>
  );
}

/** The erasure: a reason, and the member number (or e-mail) typed again before the button can be pressed. */
function EraseAction(props: {
  guestId: string;
  confirmWith: string;
  byMemberNumber: boolean;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [typed, setTyped] = useState('');
  const matches = typed.trim().toLowerCase() === props.confirmWith.toLowerCase() && props.confirmWith !== '';
  return (
    <ActionDialog<Erased>
      label={t('privacy.erase')}
      title={t('privacy.eraseTitle')}
      valid={reason.trim().length >= 3 && matches}
      confirmText={t('privacy.eraseConfirm')}
      submit={() => post<Erased>(`/v1/guests/${props.guestId}/erasure`, { reason: reason.trim() })}
      onDone={() => {
        setReason('');
        setTyped('');
        props.onDone();
      }}
      danger
      testId="privacy-erase"
    >
      <p className="privacy-warning">{t('privacy.eraseWarning')}</p>
      <Field label={t('action.reason')} hint={t('privacy.reasonHint')}>
        <textarea
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          name="reason"
          rows={2}
          maxLength={500}
        />
      </Field>
      <Field
        label={props.byMemberNumber ? t('privacy.typeMemberNumber') : t('privacy.typeEmail')}
        error={typed && !matches ? t('privacy.typeMismatch') : undefined}
      >
        <input value={typed} onChange={(e) => setTyped(e.target.value)} name="confirm" autoComplete="off" />
      </Field>
    </ActionDialog>
  );
}
