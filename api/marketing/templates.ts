/**
 * The template store for marketers (`/v1/templates`): every mail template the code defines (its built-in
 * version) with the versions stored for it. A draft is checked before it is written (the logic-less subset,
 * known placeholders only, a render with sample values: 422 naming each problem's field, nothing written);
 * publishing makes it the template's current version for every mail rendered from then on. Drafts and
 * publications are audited with the key's name, in the transaction of the write.
 */
import type { Db } from '../../db/knex.js';
import * as audit from '../../db/repositories/audit.js';
import * as guests from '../../db/repositories/guests.js';
import * as store from '../../db/repositories/templates.js';
import { previewTemplate } from '../../mail/store.js';
import { checkTemplateText, knownPlaceholders, type TemplateProblem } from '../../mail/template-check.js';
import {
  isTemplateName,
  TEMPLATE_LOCALES,
  TEMPLATE_NAMES,
  templateSource,
  type TemplateName,
} from '../../mail/templates.js';
import { HttpError } from '../errors.js';
import type { TemplateDraftBody } from './schema.js';

export interface TemplateServiceDeps {
  db: Db;
}

function versionView(v: store.TemplateVersionRow) {
  return {
    version: v.version,
    status: v.status,
    note: v.note,
    basedOn: v.based_on,
    createdBy: v.created_by,
    createdAt: v.created_at.toISOString(),
    publishedBy: v.published_by,
    publishedAt: v.published_at?.toISOString() ?? null,
  };
}

function fullVersionView(v: store.TemplateVersion) {
  return { template: v.template_key, ...versionView(v), locales: v.locales };
}

/** A template the code defines, or 404 naming the key. */
export function templateOrNotFound(key: string): TemplateName {
  if (!isTemplateName(key))
    throw new HttpError(404, 'template_not_found', `no mail template '${key}'`, { field: 'key' });
  return key;
}

async function versionOrNotFound(db: Db, key: string, version: number, field = 'version') {
  const v = await store.findVersion(db, key, version);
  if (!v)
    throw new HttpError(404, 'version_not_found', `template '${key}' has no version ${version}`, { field });
  return v;
}

/** 422 with every problem, `details.field` the first one's. */
export function templateInvalid(problems: TemplateProblem[]): HttpError {
  const first = problems[0]!;
  return new HttpError(422, 'template_invalid', `${first.field}: ${first.message}`, {
    field: first.field,
    ...(first.placeholder ? { placeholder: first.placeholder } : {}),
    issues: problems,
  });
}

export async function listTemplates(deps: TemplateServiceDeps) {
  const stored = new Map((await store.summaries(deps.db)).map((s) => [s.template_key, s]));
  return {
    templates: TEMPLATE_NAMES.map((key) => {
      const s = stored.get(key);
      return {
        key,
        /** null: no published version, the built-in one applies. */
        currentVersion: s?.current ?? null,
        latestVersion: s?.latest ?? null,
        drafts: s?.drafts ?? 0,
        locales: [...TEMPLATE_LOCALES],
        placeholders: knownPlaceholders(key),
      };
    }),
  };
}

export async function getTemplate(deps: TemplateServiceDeps, key: string) {
  const name = templateOrNotFound(key);
  const versions = await store.listVersions(deps.db, name);
  const current = versions.find((v) => v.status === 'published')?.version ?? null;
  return {
    key: name,
    currentVersion: current,
    locales: [...TEMPLATE_LOCALES],
    placeholders: knownPlaceholders(name),
    builtIn: { locales: Object.fromEntries(TEMPLATE_LOCALES.map((l) => [l, templateSource(name, l)])) },
    versions: versions.map(versionView),
  };
}

export async function getVersion(deps: TemplateServiceDeps, key: string, version: number) {
  const name = templateOrNotFound(key);
  return fullVersionView(await versionOrNotFound(deps.db, name, version));
}

export async function createDraft(
  deps: TemplateServiceDeps,
  input: { key: string; actor: string; body: TemplateDraftBody },
) {
  const name = templateOrNotFound(input.key);
  const problems = checkTemplateText(name, input.body.locales);
  if (problems.length > 0) throw templateInvalid(problems);
  const draft = await deps.db.transaction(async (trx) => {
    const current = await store.currentPublished(trx, name);
    const created = await store.createDraft(trx, {
      templateKey: name,
      note: input.body.note ?? null,
      basedOn: current?.version ?? null,
      createdBy: input.actor,
      locales: input.body.locales,
    });
    await audit.record(trx, {
      actor: input.actor,
      action: 'template.draft_created',
      subject: `template:${name}`,
      after: { version: created.version, basedOn: created.based_on, note: created.note },
    });
    return created;
  });
  return fullVersionView(draft);
}

/**
 * Publishes a draft: from now on every mail of the template is rendered from it. The text is checked again
 * (a deploy may have changed the template's variables since the draft was saved). Publishing a published
 * version again answers it unchanged; a draft older than the current version is refused (409): it would not
 * become current.
 */
export async function publishVersion(
  deps: TemplateServiceDeps,
  input: { key: string; version: number; actor: string },
): Promise<{ version: ReturnType<typeof fullVersionView>; alreadyPublished: boolean }> {
  const name = templateOrNotFound(input.key);
  return deps.db.transaction(async (trx) => {
    // One publication per template at a time (the same lock as new drafts).
    await store.lockTemplate(trx, name);
    const v = await versionOrNotFound(trx, name, input.version);
    if (v.status === 'published') return { version: fullVersionView(v), alreadyPublished: true };
    const current = await store.currentPublished(trx, name);
    if (current && current.version > v.version) {
      throw new HttpError(
        409,
        'superseded',
        `version ${current.version} of '${name}' is published after this draft: create a new draft instead`,
        { field: 'version', currentVersion: current.version },
      );
    }
    const locales = Object.fromEntries(TEMPLATE_LOCALES.map((l) => [l, v.locales[l]!])) as Parameters<
      typeof checkTemplateText
    >[1];
    const problems = checkTemplateText(name, locales);
    if (problems.length > 0) throw templateInvalid(problems);
    const published = await store.publish(trx, {
      templateKey: name,
      version: v.version,
      publishedBy: input.actor,
    });
    if (!published) throw new Error(`template ${name} version ${v.version} vanished while publishing`);
    await audit.record(trx, {
      actor: input.actor,
      action: 'template.published',
      subject: `template:${name}`,
      before: { currentVersion: current?.version ?? null },
      after: { currentVersion: published.version },
    });
    return { version: fullVersionView({ ...published, locales: v.locales }), alreadyPublished: false };
  });
}

/** The template as the guest would get it: their locale and name, sample values for the rest (marked). */
export async function previewForGuest(
  deps: TemplateServiceDeps,
  input: { key: string; guestId: string; version?: number | undefined },
) {
  const name = templateOrNotFound(input.key);
  const guest = await guests.findById(deps.db, input.guestId);
  if (!guest)
    throw new HttpError(404, 'guest_not_found', `no guest with id ${input.guestId}`, { field: 'guestId' });
  const stored =
    input.version === undefined
      ? await store.currentPublished(deps.db, name)
      : await versionOrNotFound(deps.db, name, input.version);
  let preview;
  try {
    preview = previewTemplate(name, guest, stored);
  } catch (err) {
    throw new HttpError(
      422,
      'template_does_not_render',
      `the template does not render for this guest: ${(err as Error).message.split('\n')[0]}`,
      { field: input.version === undefined ? 'key' : 'version' },
    );
  }
  return {
    template: name,
    version: stored?.version ?? null,
    status: stored?.status ?? 'built-in',
    guestId: guest.id,
    locale: preview.locale,
    subject: preview.subject,
    html: preview.html,
    text: preview.text,
    sample: true,
    sampleVars: preview.sampleVars,
  };
}

/**
 * The checks of a draft, without writing it (`POST /v1/templates/:key/check`): the console's editor asks as the
 * marketer types, and shows each problem at its field, line and column. The same checks as a draft's and a
 * publication's, so a text the editor passes is one the API saves.
 */
export function checkDraft(key: string, locales: TemplateDraftBody['locales']) {
  const name = templateOrNotFound(key);
  const issues = checkTemplateText(name, locales);
  return { template: name, ok: issues.length === 0, placeholders: knownPlaceholders(name), issues };
}
