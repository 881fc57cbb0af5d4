/**
 * The template editor: both languages side by side (subject, text and html of `en` and `zh-CN`), the
 * placeholders the template may use, and the API's check as the marketer types (`POST /v1/templates/:key/check`):
 * each problem under its field with its line and column, an unknown placeholder marked in its line. While
 * there is a problem, the draft can be neither saved nor published (and the API refuses it too: 422).
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { get, post } from '../../api';
import { codeLabel } from '../../i18n';
import { formatInstant } from '../../format';
import { useSession } from '../../session';
import { ActionDialog, Badge, ErrorBox, Loading, QueryState, Section, Table } from '../../ui';
import { GuestPick } from './common';
import {
  TEMPLATE_LOCALES,
  TEMPLATE_PARTS,
  type PickedGuest,
  type TemplateCheck,
  type TemplateDetail,
  type TemplateIssue,
  type TemplateLocale,
  type TemplatePart,
  type TemplateTexts,
  type TemplateVersion,
} from './types';

export function TemplatePage() {
  const { key = '' } = useParams();
  const query = useQuery({
    queryKey: ['template', key],
    queryFn: () => get<TemplateDetail>(`/v1/templates/${key}`),
  });
  return <QueryState query={query}>{(d) => <TemplateView detail={d} />}</QueryState>;
}

function TemplateView({ detail }: { detail: TemplateDetail }) {
  const { t } = useTranslation();
  const { zone } = useSession();
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const chosen = Number(params.get('v')) || detail.currentVersion || 0;
  const version = useQuery({
    queryKey: ['template-version', detail.key, chosen],
    queryFn: () => get<TemplateVersion>(`/v1/templates/${detail.key}/versions/${chosen}`),
    enabled: chosen > 0,
  });
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['template', detail.key] });
    void client.invalidateQueries({ queryKey: ['templates'] });
  };
  const base: TemplateTexts | undefined = chosen > 0 ? version.data?.locales : detail.builtIn.locales;

  return (
    <div className="cad-page" data-testid="template-page">
      <section className="card">
        <p className="cad-crumbs">
          <Link to="/marketing/cadences">{t('cadences.title')}</Link> ›
        </p>
        <h1>
          {codeLabel('template', detail.key)} <span className="muted mono small">{detail.key}</span>
        </h1>
        <div className="badges">
          <Badge kind="ok">
            {detail.currentVersion
              ? t('cadences.currentN', { n: detail.currentVersion })
              : t('cadences.builtIn')}
          </Badge>
        </div>
        <div className="cad-placeholders" data-testid="placeholders">
          <span className="field-label">{t('cadences.template.placeholders')}</span>{' '}
          {detail.placeholders.map((p) => (
            <code key={p} className="cad-ph">{`{{${p}}}`}</code>
          ))}
        </div>
        <p className="muted small">
          {t('cadences.template.language', { ph: '{{name}}', block: '{{#if name}}…{{/if}}' })}
        </p>
      </section>

      <Section title={t('cadences.versions.title')}>
        <Table
          columns={[
            t('cadences.versions.version'),
            t('common.status'),
            t('cadences.versions.note'),
            t('cadences.versions.created'),
            '',
          ]}
          testId="template-versions"
          small
        >
          <tr className={chosen === 0 ? 'cad-row-chosen' : ''}>
            <td>
              <button type="button" className="btn btn-quiet cad-link nowrap" onClick={() => setParams({})}>
                {t('cadences.builtIn')}
              </button>
            </td>
            <td>{detail.currentVersion ? null : <Badge kind="ok">{t('cadences.status.current')}</Badge>}</td>
            <td className="muted">{t('cadences.template.builtInNote')}</td>
            <td />
            <td />
          </tr>
          {detail.versions.map((v) => (
            <tr key={v.version} className={v.version === chosen ? 'cad-row-chosen' : ''}>
              <td>
                <button
                  type="button"
                  className="btn btn-quiet cad-link"
                  onClick={() => setParams({ v: String(v.version) })}
                >
                  v{v.version}
                </button>
              </td>
              <td>
                {v.version === detail.currentVersion ? (
                  <Badge kind="ok">{t('cadences.status.current')}</Badge>
                ) : (
                  <Badge kind={v.status === 'draft' ? 'draft' : undefined}>
                    {t(`cadences.status.${v.status}`)}
                  </Badge>
                )}
              </td>
              <td className="cad-note-cell">{v.note}</td>
              <td className="nowrap">
                {v.createdBy}
                <div className="muted small">{formatInstant(v.createdAt, zone)}</div>
              </td>
              <td>
                {v.status === 'draft' && (detail.currentVersion ?? 0) < v.version ? (
                  <ActionDialog
                    label={t('cadences.publish.label', { n: v.version })}
                    title={t('cadences.publish.title', { n: v.version })}
                    confirmText={t('cadences.template.publishConfirm')}
                    submit={() => post(`/v1/templates/${detail.key}/versions/${v.version}/publish`, {})}
                    onDone={refresh}
                    testId={`publish-template-${v.version}`}
                  >
                    <p>{t('cadences.template.publishBody')}</p>
                  </ActionDialog>
                ) : null}
              </td>
            </tr>
          ))}
        </Table>
      </Section>

      {base ? (
        <TemplateEditor
          key={`${detail.key}-${chosen}`}
          templateKey={detail.key}
          from={chosen}
          base={base}
          onSaved={(v) => {
            refresh();
            setParams({ v: String(v.version) });
          }}
        />
      ) : (
        <Loading />
      )}
      <TemplatePreview templateKey={detail.key} version={chosen || null} />
    </div>
  );
}

const fieldOf = (locale: TemplateLocale, part: TemplatePart) => `locales.${locale}.${part}`;

function TemplateEditor(props: {
  templateKey: string;
  from: number;
  base: TemplateTexts;
  onSaved: (v: TemplateVersion) => void;
}) {
  const { t } = useTranslation();
  const [texts, setTexts] = useState<TemplateTexts>(props.base);
  const [note, setNote] = useState('');
  const [check, setCheck] = useState<{ for: string; answer: TemplateCheck } | null>(null);
  const [checkError, setCheckError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const body = JSON.stringify(texts);
  const changed = body !== JSON.stringify(props.base);

  // The API's check, a moment after the last keystroke.
  useEffect(() => {
    let stale = false;
    const timer = setTimeout(() => {
      post<TemplateCheck>(`/v1/templates/${props.templateKey}/check`, {
        locales: JSON.parse(body) as unknown,
      })
        .then((answer) => {
          if (stale) return;
          setCheck({ for: body, answer });
          setCheckError(null);
        })
        .catch((err: unknown) => {
          if (stale) return;
          setCheck(null);
          setCheckError(err);
        });
    }, 300);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [body, props.templateKey]);

  const current = check?.for === body ? check.answer : null;
  const issues = current?.issues ?? [];
  const ok = current?.ok === true;
  const set = (locale: TemplateLocale, part: TemplatePart, value: string) =>
    setTexts((all) => ({ ...all, [locale]: { ...all[locale], [part]: value } }));

  const save = async (publish: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const draft = await post<TemplateVersion>(`/v1/templates/${props.templateKey}/versions`, {
        locales: texts,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      const saved = publish
        ? await post<TemplateVersion>(
            `/v1/templates/${props.templateKey}/versions/${draft.version}/publish`,
            {},
          )
        : draft;
      props.onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" data-testid="template-editor">
      <header className="card-head">
        <h2>
          {props.from
            ? t('cadences.template.editFrom', { n: props.from })
            : t('cadences.template.editBuiltIn')}
        </h2>
        <span data-testid="check-state">
          {current === null ? (
            <Badge>{t('cadences.template.checking')}</Badge>
          ) : ok ? (
            <Badge kind="ok">{t('cadences.template.ok')}</Badge>
          ) : (
            <Badge kind="alert">{t('cadences.template.problems', { count: issues.length })}</Badge>
          )}
        </span>
      </header>
      <div className="cad-locales">
        {TEMPLATE_LOCALES.map((locale) => (
          <div key={locale} className="cad-locale" data-testid={`locale-${locale}`} lang={locale}>
            <h3>{t(`cadences.template.locale.${locale}`)}</h3>
            {TEMPLATE_PARTS.map((part) => {
              const field = fieldOf(locale, part);
              const mine = issues.filter((i) => i.field === field);
              const value = texts[locale][part];
              return (
                <label key={part} className={`field ${mine.length ? 'field-invalid' : ''}`}>
                  <span className="field-label">{t(`cadences.template.part.${part}`)}</span>
                  {part === 'subject' ? (
                    <input
                      value={value}
                      onChange={(e) => set(locale, part, e.target.value)}
                      name={field}
                      aria-invalid={mine.length > 0}
                    />
                  ) : (
                    <textarea
                      value={value}
                      onChange={(e) => set(locale, part, e.target.value)}
                      name={field}
                      rows={Math.min(Math.max(value.split('\n').length + 2, 6), 18)}
                      spellCheck={false}
                      aria-invalid={mine.length > 0}
                    />
                  )}
                  {mine.map((issue, n) => (
                    <IssueAt key={n} issue={issue} source={value} />
                  ))}
                </label>
              );
            })}
          </div>
        ))}
      </div>
      {issues
        .filter((i) => !TEMPLATE_LOCALES.some((l) => TEMPLATE_PARTS.some((p) => fieldOf(l, p) === i.field)))
        .map((issue, n) => (
          <p key={n} className="field-error">
            {issue.field}: {issue.message}
          </p>
        ))}
      <ErrorBox error={checkError} />
      <label className="field cad-note">
        <span className="field-label">{t('cadences.editor.note')}</span>
        <input value={note} onChange={(e) => setNote(e.target.value)} name="note" maxLength={1000} />
      </label>
      <ErrorBox error={error} />
      <div className="actions">
        <button
          type="button"
          className="btn"
          disabled={busy || !ok || !changed}
          onClick={() => void save(false)}
          data-testid="template-save"
        >
          {t('cadences.template.save')}
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy || !ok || !changed}
          onClick={() => void save(true)}
          data-testid="template-publish"
          title={ok ? undefined : t('cadences.template.fixFirst')}
        >
          {t('cadences.template.saveAndPublish')}
        </button>
        {!ok && current ? <span className="field-error">{t('cadences.template.fixFirst')}</span> : null}
      </div>
    </section>
  );
}

/** One problem at its place: line and column, and the line itself with the unknown name marked. */
function IssueAt({ issue, source }: { issue: TemplateIssue; source: string }) {
  const { t } = useTranslation();
  const line = issue.line ? source.split('\n')[issue.line - 1] : undefined;
  const at = issue.column ? issue.column - 1 : -1;
  const len = issue.placeholder && line?.startsWith(issue.placeholder, at) ? issue.placeholder.length : 0;
  return (
    <div className="cad-issue" role="alert" data-testid="template-issue" data-field={issue.field}>
      <span className="field-error">
        {issue.line ? t('cadences.template.at', { line: issue.line, column: issue.column ?? 1 }) : null}{' '}
        {issue.code === 'unknown_placeholder' && issue.placeholder
          ? t('cadences.template.unknownPlaceholder', { name: issue.placeholder })
          : issue.message}
      </span>
      {line !== undefined && at >= 0 ? (
        <pre className="cad-issue-line">
          <span className="cad-issue-lineno">{issue.line}</span>
          {line.slice(0, at)}
          <mark data-testid="issue-mark">{line.slice(at, at + Math.max(len, 1))}</mark>
          {line.slice(at + Math.max(len, 1))}
        </pre>
      ) : null}
    </div>
  );
}

interface TemplatePreviewAnswer {
  version: number | null;
  status: string;
  locale: string;
  subject: string;
  text: string;
}

/** The chosen version as a guest would get it (their language and name; sample values for the rest). */
function TemplatePreview(props: { templateKey: string; version: number | null }) {
  const { t } = useTranslation();
  const [guest, setGuest] = useState<PickedGuest | null>(null);
  const query = useQuery({
    queryKey: ['template-preview', props.templateKey, props.version, guest?.id],
    queryFn: () =>
      post<TemplatePreviewAnswer>(`/v1/templates/${props.templateKey}/preview`, {
        guestId: guest!.id,
        ...(props.version ? { version: props.version } : {}),
      }),
    enabled: guest !== null,
  });
  return (
    <Section title={t('cadences.template.previewTitle')}>
      <GuestPick value={guest} onChange={setGuest} />
      {guest ? (
        <QueryState query={query}>
          {(p) => (
            <div className="cad-mail" data-testid="template-preview" lang={p.locale}>
              <p>
                <strong>{p.subject}</strong> <span className="muted small">({p.locale})</span>
              </p>
              <pre className="cad-mail-text">{p.text}</pre>
            </div>
          )}
        </QueryState>
      ) : null}
    </Section>
  );
}
