/**
 * Stored template versions (migration 010): drafts and immutable published versions of each mail template,
 * with their text per locale. The renderer asks for a template's current version (its highest published one);
 * the marketer API lists, reads, creates drafts and publishes.
 */
import type { Knex } from 'knex';

export type TemplateVersionStatus = 'draft' | 'published';

export interface TemplateVersionRow {
  template_key: string;
  version: number;
  status: TemplateVersionStatus;
  note: string | null;
  based_on: number | null;
  created_by: string;
  created_at: Date;
  published_by: string | null;
  published_at: Date | null;
}

export interface TemplateLocaleText {
  subject: string;
  html: string;
  text: string;
}

export interface TemplateVersion extends TemplateVersionRow {
  /** By locale (`en`, `zh-CN`). */
  locales: Record<string, TemplateLocaleText>;
}

interface LocaleRow extends TemplateLocaleText {
  template_key: string;
  version: number;
  locale: string;
}

async function withLocales(db: Knex, rows: TemplateVersionRow[]): Promise<TemplateVersion[]> {
  if (rows.length === 0) return [];
  const texts = await db<LocaleRow>('template_version_locales')
    .whereIn(
      ['template_key', 'version'],
      rows.map((r) => [r.template_key, r.version]),
    )
    .orderBy('locale');
  return rows.map((r) => ({
    ...r,
    locales: Object.fromEntries(
      texts
        .filter((t) => t.template_key === r.template_key && t.version === r.version)
        .map((t) => [t.locale, { subject: t.subject, html: t.html, text: t.text }]),
    ),
  }));
}

/** The template's highest published version with its text, or undefined (the built-in one applies). */
/** Serialises new drafts and publications of one template, to the end of the transaction. */
export async function lockTemplate(trx: Knex, templateKey: string): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`template:${templateKey}`]);
}

export async function currentPublished(db: Knex, templateKey: string): Promise<TemplateVersion | undefined> {
  const row = await db<TemplateVersionRow>('template_versions')
    .where({ template_key: templateKey, status: 'published' })
    .orderBy('version', 'desc')
    .first();
  if (!row) return undefined;
  return (await withLocales(db, [row]))[0];
}

export async function findVersion(
  db: Knex,
  templateKey: string,
  version: number,
): Promise<TemplateVersion | undefined> {
  const row = await db<TemplateVersionRow>('template_versions')
    .where({ template_key: templateKey, version })
    .first();
  if (!row) return undefined;
  return (await withLocales(db, [row]))[0];
}

/** Every version of a template, newest first, without their text. */
export function listVersions(db: Knex, templateKey: string): Promise<TemplateVersionRow[]> {
  return db<TemplateVersionRow>('template_versions')
    .where({ template_key: templateKey })
    .orderBy('version', 'desc');
}

export interface TemplateSummary {
  template_key: string;
  /** Highest published version; null: none (the built-in one applies). */
  current: number | null;
  latest: number;
  versions: number;
  drafts: number;
}

/** Per stored template: current published version, latest version, counts. */
export async function summaries(db: Knex): Promise<TemplateSummary[]> {
  const { rows } = await db.raw<{
    rows: {
      template_key: string;
      current: number | null;
      latest: number;
      versions: string;
      drafts: string;
    }[];
  }>(`select template_key,
            max(version) filter (where status = 'published') as current,
            max(version) as latest,
            count(*) as versions,
            count(*) filter (where status = 'draft') as drafts
       from template_versions
      group by template_key`);
  return rows.map((r) => ({ ...r, versions: Number(r.versions), drafts: Number(r.drafts) }));
}

/**
 * A new draft, numbered one above the template's latest version (under a transaction-scoped advisory lock per
 * template, so two concurrent drafts get two numbers), with its text per locale. `db` may be a transaction.
 */
export async function createDraft(
  db: Knex,
  input: {
    templateKey: string;
    note: string | null;
    basedOn: number | null;
    createdBy: string;
    locales: Record<string, TemplateLocaleText>;
  },
): Promise<TemplateVersion> {
  return db.transaction(async (trx) => {
    await lockTemplate(trx, input.templateKey);
    const latest = (await trx('template_versions')
      .where({ template_key: input.templateKey })
      .max({ v: 'version' })
      .first()) as { v: number | null } | undefined;
    const version = (latest?.v ?? 0) + 1;
    const [row] = (await trx('template_versions')
      .insert({
        template_key: input.templateKey,
        version,
        status: 'draft',
        note: input.note,
        based_on: input.basedOn,
        created_by: input.createdBy,
      })
      .returning('*')) as TemplateVersionRow[];
    await trx('template_version_locales').insert(
      Object.entries(input.locales).map(([locale, t]) => ({
        template_key: input.templateKey,
        version,
        locale,
        subject: t.subject,
        html: t.html,
        text: t.text,
      })),
    );
    return { ...row!, locales: input.locales };
  });
}

/** Publishes a draft; undefined when it is not a draft (any more). */
export async function publish(
  db: Knex,
  input: { templateKey: string; version: number; publishedBy: string },
): Promise<TemplateVersionRow | undefined> {
  const [row] = (await db('template_versions')
    .where({ template_key: input.templateKey, version: input.version, status: 'draft' })
    .update({ status: 'published', published_by: input.publishedBy, published_at: db.fn.now() })
    .returning('*')) as TemplateVersionRow[];
  return row;
}
