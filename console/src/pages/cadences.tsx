/**
 * Cadences and templates (docs/console.md "Cadences and templates"), for marketers: the list of both
 * (`/marketing/cadences`), one cadence with its versions, draft editor, diff, preview for a guest, dry run,
 * publish, rollback and moves (`/marketing/cadences/cadence/:key`), and the template editor with both languages
 * side by side (`/marketing/cadences/template/:key`).
 */
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { get } from '../api';
import { codeLabel } from '../i18n';
import { Badge, QueryState, Section, Table } from '../ui';
import { CadencePage } from './cadences/cadence';
import { TemplatePage } from './cadences/template';
import type { CadenceSummary, TemplateSummary } from './cadences/types';

export function CadencesPage() {
  return (
    <Routes>
      <Route index element={<CadenceList />} />
      <Route path="cadence/:key" element={<CadencePage />} />
      <Route path="template/:key" element={<TemplatePage />} />
    </Routes>
  );
}

function CadenceList() {
  const { t } = useTranslation();
  const cadences = useQuery({
    queryKey: ['cadences'],
    queryFn: () => get<{ cadences: CadenceSummary[] }>('/v1/cadences'),
  });
  const templates = useQuery({
    queryKey: ['templates'],
    queryFn: () => get<{ templates: TemplateSummary[] }>('/v1/templates'),
  });
  return (
    <div data-testid="cadences-page" className="cad-page">
      <Section title={t('cadences.list.cadences')}>
        <p className="muted">{t('cadences.list.cadencesIntro')}</p>
        <QueryState query={cadences} empty={(d) => d.cadences.length === 0}>
          {(d) => (
            <Table
              columns={[
                t('cadences.list.name'),
                t('cadences.list.current'),
                t('cadences.list.latest'),
                { label: t('cadences.list.running'), num: true },
              ]}
              testId="cadence-list"
            >
              {d.cadences.map((c) => (
                <tr key={c.key}>
                  <td>
                    <Link to={`/marketing/cadences/cadence/${c.key}`}>{c.name}</Link>
                    <div className="muted small">{c.description}</div>
                  </td>
                  <td>{c.currentVersion ? `v${c.currentVersion}` : '—'}</td>
                  <td>
                    {c.latestVersion && c.latestVersion !== c.currentVersion ? (
                      <Badge kind="draft">{t('cadences.draftN', { n: c.latestVersion })}</Badge>
                    ) : c.latestVersion ? (
                      `v${c.latestVersion}`
                    ) : (
                      '—'
                    )}
                  </td>
                  <td className="num">{c.runningFollowUps.toLocaleString()}</td>
                </tr>
              ))}
            </Table>
          )}
        </QueryState>
      </Section>
      <Section title={t('cadences.list.templates')}>
        <p className="muted">{t('cadences.list.templatesIntro')}</p>
        <QueryState query={templates}>
          {(d) => (
            <Table
              columns={[
                t('cadences.list.template'),
                t('cadences.list.current'),
                { label: t('cadences.list.drafts'), num: true },
                t('cadences.list.placeholders'),
              ]}
              testId="template-list"
            >
              {d.templates.map((tp) => (
                <tr key={tp.key}>
                  <td>
                    <Link to={`/marketing/cadences/template/${tp.key}`}>{codeLabel('template', tp.key)}</Link>
                    <div className="muted small mono">{tp.key}</div>
                  </td>
                  <td>{tp.currentVersion ? `v${tp.currentVersion}` : t('cadences.builtIn')}</td>
                  <td className="num">{tp.drafts}</td>
                  <td className="cad-placeholders-cell">
                    {tp.placeholders.map((p) => (
                      <code key={p} className="cad-ph">
                        {p}
                      </code>
                    ))}
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </QueryState>
      </Section>
    </div>
  );
}
