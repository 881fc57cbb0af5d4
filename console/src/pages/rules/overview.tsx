/** /admin/rules: the version in force, the versions waiting for their day, and the open drafts. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { get, post } from '../../api';
import { formatDay, formatInstant } from '../../format';
import { useSession } from '../../session';
import { Empty, ErrorBox, QueryState, Section, Table } from '../../ui';
import type { Draft, RulesList } from './model';
import { RulesView } from './view';

export const rulesQuery = { queryKey: ['program-rules'], queryFn: () => get<RulesList>('/v1/program/rules') };
export const draftsQuery = {
  queryKey: ['program-rules-drafts'],
  queryFn: () => get<{ drafts: Draft[] }>('/v1/program/rules/drafts'),
};

/** Today as the API counts versions in force: UTC. */
export const todayUtc = () => new Date().toISOString().slice(0, 10);

export function RulesOverview() {
  const { t } = useTranslation();
  const { zone } = useSession();
  const rules = useQuery(rulesQuery);
  return (
    <>
      <QueryState query={rules}>
        {(list) => {
          const inForce = list.versions.find((v) => v.version === list.inForce);
          const upcoming = list.versions
            .filter((v) => v.effectiveFrom > todayUtc())
            .sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom));
          return (
            <>
              <Section
                title={inForce ? t('rules.inForce.title', { version: inForce.version }) : t('rules.title')}
                id="in-force"
              >
                {inForce ? (
                  <>
                    <p className="muted" data-testid="in-force-since">
                      {t('rules.inForce.since', {
                        day: formatDay(inForce.effectiveFrom),
                        by: inForce.createdBy,
                        at: formatInstant(inForce.createdAt, zone),
                      })}
                    </p>
                    <RulesView rules={inForce.rules} testId="rules-in-force" />
                  </>
                ) : (
                  <Empty>{t('rules.inForce.none')}</Empty>
                )}
              </Section>
              <Section title={t('rules.upcoming.title')} id="upcoming">
                {upcoming.length === 0 ? (
                  <Empty>{t('rules.upcoming.none')}</Empty>
                ) : (
                  upcoming.map((v) => (
                    <details key={v.version} className="rules-upcoming" data-testid={`upcoming-${v.version}`}>
                      <summary>
                        <strong>
                          {t('rules.upcoming.item', { version: v.version, day: formatDay(v.effectiveFrom) })}
                        </strong>{' '}
                        <span className="muted">
                          {t('rules.upcoming.by', { by: v.createdBy, at: formatInstant(v.createdAt, zone) })}
                        </span>
                      </summary>
                      <RulesView rules={v.rules} />
                    </details>
                  ))
                )}
              </Section>
              <Drafts list={list} />
            </>
          );
        }}
      </QueryState>
    </>
  );
}

function Drafts({ list }: { list: RulesList }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  const drafts = useQuery(draftsQuery);
  const client = useQueryClient();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // A new version comes after the latest, whichever is in force: start from the latest.
  const latest = [...list.versions].sort((a, b) => b.effectiveFrom.localeCompare(a.effectiveFrom))[0];
  const start = async () => {
    if (!latest) return;
    setBusy(true);
    setError(null);
    try {
      const draft = await post<Draft>('/v1/program/rules/drafts', {
        rules: latest.rules,
        basedOnVersion: latest.version,
      });
      await client.invalidateQueries({ queryKey: draftsQuery.queryKey });
      void navigate(`/admin/rules/drafts/${draft.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section
      title={t('rules.drafts.title')}
      id="drafts"
      actions={
        latest ? (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => void start()}
            disabled={busy}
            data-testid="new-draft"
          >
            {t('rules.drafts.start', { version: latest.version })}
          </button>
        ) : null
      }
    >
      <ErrorBox error={error} />
      <QueryState query={drafts} empty={(d) => d.drafts.length === 0} emptyText={t('rules.drafts.none')}>
        {(d) => (
          <Table
            testId="drafts-table"
            columns={[
              t('rules.drafts.id'),
              t('rules.drafts.basedOn'),
              t('rules.drafts.note'),
              t('rules.drafts.savedBy'),
              t('rules.drafts.savedAt'),
              { label: t('rules.drafts.revision'), num: true },
            ]}
          >
            {d.drafts.map((draft) => (
              <tr key={draft.id}>
                <td>
                  <Link to={`/admin/rules/drafts/${draft.id}`}>
                    {t('rules.editor.title', { id: draft.id })}
                  </Link>
                </td>
                <td>{draft.basedOnVersion ?? '—'}</td>
                <td className="rules-note">{draft.note ?? '—'}</td>
                <td>{draft.updatedBy}</td>
                <td className="nowrap">{formatInstant(draft.updatedAt, zone)}</td>
                <td className="num">{draft.revision}</td>
              </tr>
            ))}
          </Table>
        )}
      </QueryState>
    </Section>
  );
}
