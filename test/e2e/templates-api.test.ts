/**
 * The template store over real HTTP: the API, a Temporal dev server, a worker with the real activities,
 * PostgreSQL and an SMTP sink. Roles; a draft with an unknown placeholder is refused naming it and its field,
 * with nothing written; a draft is published, audited with the key's name, and the next thank-you mail (a
 * real stay through the PMS webhook) is rendered from it, in the responsive layout, the outbox row recording
 * the version; a published version cannot change; a preview for a zh-CN guest is in Chinese with the guest's
 * name and marked samples.
 *
 * Published versions apply to every mail in the database: afterAll removes the ones this file stored, so the
 * test files after it render the built-in templates again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATE_NAMES, templateSource } from '../../mail/templates.js';
import * as store from '../../db/repositories/templates.js';
import { openApiStack, type Answer, type ApiStack } from '../api-stack.js';
import { countRows, eventually, sentMail, stayCompletedBody, type Stack } from '../helpers.js';

const SECRET = 'e2e-templates-pms-webhook-secret-0123456789';
const MARKETER = 'e2e marketer (templates)';

let api: ApiStack;
let stack: Stack;
let marketerKey: string;
let adminKey: string;
let opsKey: string;
let managerKey: string;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-templates',
    pmsSecret: SECRET,
    keys: {
      marketer: MARKETER,
      admin: 'e2e admin (templates)',
      ops: 'e2e ops (templates)',
      manager: 'e2e manager (templates)',
    },
  });
  ({ stack } = api);
  marketerKey = api.keyFor('marketer');
  adminKey = api.keyFor('admin');
  opsKey = api.keyFor('ops');
  managerKey = api.keyFor('manager');
});

afterAll(async () => {
  // Published versions are immutable by trigger; this file's own are removed with the triggers off.
  await api?.close(async () => {
    await stack.db.transaction(async (trx) => {
      await trx.raw('alter table template_versions disable trigger template_versions_immutable');
      await trx.raw(
        'alter table template_version_locales disable trigger template_version_locales_immutable',
      );
      await trx('template_versions').where({ created_by: MARKETER }).delete();
      await trx.raw('alter table template_versions enable trigger template_versions_immutable');
      await trx.raw('alter table template_version_locales enable trigger template_version_locales_immutable');
    });
  });
});

interface Issue {
  field: string;
  code: string;
  placeholder?: string;
  message: string;
}
interface ErrorBody {
  error: {
    code: string;
    message: string;
    details: { field?: string; placeholder?: string; issues?: Issue[] };
  };
}
interface TemplateList {
  templates: { key: string; locales: string[]; placeholders: string[]; currentVersion: number | null }[];
}
interface TemplateBody {
  key: string;
  currentVersion: number | null;
  builtIn: { locales: Record<string, { subject: string; html: string; text: string }> };
  versions: { version: number; status: string }[];
}
interface VersionBody {
  template: string;
  version: number;
  status: string;
  createdBy: string;
  publishedBy: string | null;
}
interface PreviewBody {
  template: string;
  version: number | null;
  status: string;
  locale: string;
  subject: string;
  html: string;
  text: string;
  sample: boolean;
  sampleVars: Record<string, string | number | boolean>;
}

async function call<T = ErrorBody>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  opts: { key?: string | null } = {},
): Promise<Answer<T>> {
  const key = opts.key === undefined ? marketerKey : opts.key;
  return api.request<T>(method, path, body, { key });
}

/** A guest with a completed stay (checked out three hours ago: the thank-you is due at once). */
async function guestWithStay(
  guest: Record<string, string> = {},
): Promise<{ guestId: string; email: string }> {
  const body = stayCompletedBody({
    occurredAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
    guest,
  });
  const res = await api.postPms(body);
  expect(res.status).toBe(202);
  const { guestId } = (await res.json()) as { guestId: string };
  return { guestId, email: body.data.guest.email };
}

/** The thank-you's built-in text with a marked subject and a line of its own in each part. */
function thankYouDraft(marker: string) {
  const en = templateSource('stay-thank-you', 'en');
  const zh = templateSource('stay-thank-you', 'zh-CN');
  return {
    note: `e2e ${marker}`,
    locales: {
      en: {
        subject: `Thank you, {{firstName}} (${marker})`,
        html: `${en.html}\n<p>${marker}: see you in {{propertyCode}}</p>`,
        text: `${en.text}\n\n${marker}: see you in {{propertyCode}}`,
      },
      'zh-CN': {
        subject: `{{lastName}}{{firstName}}，谢谢（${marker}）`,
        html: `${zh.html}\n<p>${marker}</p>`,
        text: `${zh.text}\n\n${marker}`,
      },
    },
  };
}

const storedRows = async () => ({
  versions: await countRows(stack.db, 'template_versions'),
  locales: await countRows(stack.db, 'template_version_locales'),
  audit: await countRows(stack.db, 'audit_log', { actor: MARKETER }),
});

describe('roles', () => {
  it('needs a key of role marketer or admin', async () => {
    expect((await call('GET', '/v1/templates', undefined, { key: null })).status).toBe(401);
    expect((await call('GET', '/v1/templates', undefined, { key: 'not-a-key' })).status).toBe(401);
    for (const key of [opsKey, managerKey]) {
      const denied = await call('GET', '/v1/templates', undefined, { key });
      expect(denied.status).toBe(403);
      expect(denied.json.error.code).toBe('forbidden');
      const post = await call('POST', '/v1/templates/stay-thank-you/versions', thankYouDraft('denied'), {
        key,
      });
      expect(post.status).toBe(403);
    }
    expect((await call('GET', '/v1/templates', undefined, { key: adminKey })).status).toBe(200);
    expect((await call('GET', '/v1/templates')).status).toBe(200);
  });
});

describe('the template store', () => {
  it('lists every template the code defines, with both locales and its placeholders', async () => {
    const { status, json } = await call<TemplateList>('GET', '/v1/templates');
    expect(status).toBe(200);
    const keys = json.templates.map((t) => t.key);
    expect(keys.sort()).toEqual([...TEMPLATE_NAMES].sort());
    const thankYou = json.templates.find((t) => t.key === 'stay-thank-you')!;
    expect(thankYou.locales).toEqual(['en', 'zh-CN']);
    expect(thankYou.placeholders).toContain('pointsBalance');
    expect(thankYou.placeholders).toContain('unsubscribeUrl');

    const one = await call<TemplateBody>('GET', '/v1/templates/stay-thank-you');
    expect(one.status).toBe(200);
    expect(one.json.builtIn.locales.en!.subject).toBe(templateSource('stay-thank-you', 'en').subject);
    expect((await call('GET', '/v1/templates/no-such-mail')).json.error).toMatchObject({
      code: 'template_not_found',
      details: { field: 'key' },
    });
    expect((await call('GET', '/v1/templates/stay-thank-you/versions/abc')).status).toBe(400);
    // Digits only: 1e3 is not version 1000.
    const exponent = await call('GET', '/v1/templates/stay-thank-you/versions/1e3');
    expect(exponent.status).toBe(400);
    expect(exponent.json).toMatchObject({ error: { details: { field: 'version' } } });
    expect((await call('GET', '/v1/templates/stay-thank-you/versions/999999')).status).toBe(404);
  });

  it('refuses an unknown placeholder at save, naming it and its field, and writes nothing', async () => {
    const before = await storedRows();
    const draft = thankYouDraft('typo');
    draft.locales.en.html = '<p>Dear {{frstName}},</p>\n<p>{{#if vip}}Welcome back{{/if}}</p>';
    draft.locales['zh-CN'].subject = '{{lastName}}{{firstName}}，{{roomNumber}}';
    const { status, json } = await call('POST', '/v1/templates/stay-thank-you/versions', draft);
    expect(status).toBe(422);
    expect(json.error.code).toBe('template_invalid');
    expect(json.error.message).toContain("unknown placeholder 'frstName'");
    expect(json.error.details.field).toBe('locales.en.html');
    expect(json.error.details.placeholder).toBe('frstName');
    expect(json.error.details.issues!.map((i) => [i.field, i.placeholder, i.code])).toEqual([
      ['locales.en.html', 'frstName', 'unknown_placeholder'],
      ['locales.en.html', 'vip', 'unknown_placeholder'],
      ['locales.zh-CN.subject', 'roomNumber', 'unknown_placeholder'],
    ]);
    expect(await storedRows()).toEqual(before);

    // Outside the logic-less subset, a malformed body, and a template the code does not define.
    const raw = thankYouDraft('raw');
    raw.locales.en.html = '<p>{{{firstName}}}</p>';
    const rawAnswer = await call('POST', '/v1/templates/stay-thank-you/versions', raw);
    expect(rawAnswer.status).toBe(422);
    expect(rawAnswer.json.error.details.issues![0]).toMatchObject({
      field: 'locales.en.html',
      code: 'unsupported_syntax',
    });
    const noZh = { locales: { en: thankYouDraft('x').locales.en } };
    const missing = await call('POST', '/v1/templates/stay-thank-you/versions', noZh);
    expect(missing.status).toBe(400);
    expect(missing.json.error.details.field).toBe('locales.zh-CN');
    const unknown = await call('POST', '/v1/templates/no-such-mail/versions', thankYouDraft('x'));
    expect(unknown.status).toBe(404);
    expect(await storedRows()).toEqual(before);
  });

  it("checks a draft's text without saving it: every problem at its field, line and column", async () => {
    const before = await storedRows();
    const draft = thankYouDraft('check');
    draft.locales.en.html = '<p>Dear {{firstName}},</p>\n<p>Room {{ roomNumber }} is ready</p>';
    draft.locales['zh-CN'].subject = '{{frstName}}，您好';
    const { status, json } = await call<{
      ok: boolean;
      placeholders: string[];
      issues: (Issue & { line?: number; column?: number })[];
    }>('POST', '/v1/templates/stay-thank-you/check', { locales: draft.locales });
    expect(status).toBe(200);
    expect(json.ok).toBe(false);
    expect(json.placeholders).toContain('firstName');
    expect(json.issues.map((i) => [i.field, i.placeholder, i.line, i.column])).toEqual([
      ['locales.en.html', 'roomNumber', 2, 12],
      ['locales.zh-CN.subject', 'frstName', 1, 3],
    ]);
    // The same text is refused as a draft, with the same places.
    const refused = await call('POST', '/v1/templates/stay-thank-you/versions', draft);
    expect(refused.status).toBe(422);
    expect(refused.json.error.details.issues).toEqual(json.issues);
    // A good text passes; a body out of shape is a 400; nothing is written either way.
    const good = await call<{ ok: boolean; issues: unknown[] }>(
      'POST',
      '/v1/templates/stay-thank-you/check',
      {
        locales: thankYouDraft('fine').locales,
      },
    );
    expect(good.json).toMatchObject({ ok: true, issues: [] });
    const bad = await call('POST', '/v1/templates/stay-thank-you/check', { locales: { en: {} } });
    expect(bad.status).toBe(400);
    expect(await storedRows()).toEqual(before);
  });

  it('publishes a draft; the next mail is rendered from it and records the version', async () => {
    const created = await call<VersionBody>(
      'POST',
      '/v1/templates/stay-thank-you/versions',
      thankYouDraft('V-NEW'),
    );
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ template: 'stay-thank-you', status: 'draft', createdBy: MARKETER });
    const version = created.json.version;
    expect((await call<TemplateBody>('GET', '/v1/templates/stay-thank-you')).json.versions[0]).toMatchObject({
      version,
      status: 'draft',
    });

    // A draft is not used.
    const before = await guestWithStay();
    const builtInMail = await sentMail(stack.db, { guest_id: before.guestId, template: 'stay-thank-you' });
    expect(builtInMail.template_version).toBeNull();
    expect(builtInMail.subject).toBe('Thank you for staying with us, Ada');

    const published = await call<VersionBody>(
      'POST',
      `/v1/templates/stay-thank-you/versions/${version}/publish`,
    );
    expect(published.status).toBe(200);
    expect(published.json).toMatchObject({ version, status: 'published', publishedBy: MARKETER });
    const again = await call('POST', `/v1/templates/stay-thank-you/versions/${version}/publish`);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const audit = await stack
      .db<{ action: string; actor: string; subject: string }>('audit_log')
      .where({ actor: MARKETER, subject: 'template:stay-thank-you' });
    expect(audit.map((a) => a.action).sort()).toEqual(['template.draft_created', 'template.published']);
    const list = await call<TemplateList>('GET', '/v1/templates');
    expect(list.json.templates.find((t) => t.key === 'stay-thank-you')!.currentVersion).toBe(version);

    const after = await guestWithStay();
    const row = await sentMail(stack.db, { guest_id: after.guestId, template: 'stay-thank-you' });
    expect(row.template_version).toBe(version);
    const [mail] = await stack.sink.waitFor((m) => m.messageId === row.message_id);
    expect(mail!.subject).toBe('Thank you, Ada (V-NEW)');
    expect(mail!.text).toContain('V-NEW: see you in SHA-BUND');
    expect(mail!.text).toContain('Dear Ada Lovelace,');
    // The responsive layout around the html.
    expect(mail!.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(mail!.html).toContain('max-width:600px');
    expect(mail!.html).toContain('<p>V-NEW: see you in SHA-BUND</p>');

    // A published version never changes, not even by SQL.
    await expect(
      stack
        .db('template_versions')
        .where({ template_key: 'stay-thank-you', version })
        .update({ note: 'edited' }),
    ).rejects.toThrow(/published and cannot change/);
    await expect(
      stack
        .db('template_version_locales')
        .where({ template_key: 'stay-thank-you', version, locale: 'en' })
        .update({ subject: 'edited' }),
    ).rejects.toThrow(/published and cannot change/);
  });

  it('refuses to publish a draft older than the current version, and an unknown version', async () => {
    const older = await call<VersionBody>(
      'POST',
      '/v1/templates/stay-thank-you/versions',
      thankYouDraft('OLDER'),
    );
    const newer = await call<VersionBody>(
      'POST',
      '/v1/templates/stay-thank-you/versions',
      thankYouDraft('NEWER'),
    );
    expect(newer.json.version).toBe(older.json.version + 1);
    expect(
      (await call('POST', `/v1/templates/stay-thank-you/versions/${newer.json.version}/publish`)).status,
    ).toBe(200);
    const stale = await call('POST', `/v1/templates/stay-thank-you/versions/${older.json.version}/publish`);
    expect(stale.status).toBe(409);
    expect(stale.json.error).toMatchObject({ code: 'superseded', details: { field: 'version' } });
    const stored = await stack
      .db<{ status: string; template_key: string; version: number }>('template_versions')
      .where({ template_key: 'stay-thank-you', version: older.json.version })
      .first();
    expect(stored!.status).toBe('draft');
    expect((await call('POST', '/v1/templates/stay-thank-you/versions/999999/publish')).status).toBe(404);
  });

  it('previews a template for a zh-CN guest: their language and name, samples marked', async () => {
    const { guestId } = await guestWithStay({ firstName: '梅', lastName: '王', locale: 'zh-CN' });
    await eventually(async () =>
      (await countRows(stack.db, 'guests', { id: guestId })) === 1 ? true : undefined,
    );
    const builtIn = await call<PreviewBody>('POST', '/v1/templates/tier-upgrade/preview', { guestId });
    expect(builtIn.status).toBe(200);
    expect(builtIn.json).toMatchObject({
      template: 'tier-upgrade',
      version: null,
      status: 'built-in',
      locale: 'zh-CN',
      sample: true,
      sampleVars: { tier: 'gold', validThrough: '2027-12-31' },
    });
    expect(builtIn.json.subject).toContain('王梅');
    expect(builtIn.json.subject).toContain('金卡');
    expect(builtIn.json.text).toContain('尊敬的王梅：');
    expect(builtIn.json.text).toContain('2027年12月31日');
    expect(builtIn.json.html).toContain('<html lang="zh-CN"');

    // A draft of the thank-you, by version; without one, the current (published) version.
    const draft = await call<VersionBody>(
      'POST',
      '/v1/templates/stay-thank-you/versions',
      thankYouDraft('PREVIEW'),
    );
    const byVersion = await call<PreviewBody>('POST', '/v1/templates/stay-thank-you/preview', {
      guestId,
      version: draft.json.version,
    });
    expect(byVersion.json).toMatchObject({ version: draft.json.version, status: 'draft', locale: 'zh-CN' });
    expect(byVersion.json.subject).toBe('王梅，谢谢（PREVIEW）');
    expect(byVersion.json.sampleVars).toMatchObject({ propertyCode: 'SHA-PUDONG', nights: 2 });
    const current = await call<PreviewBody>('POST', '/v1/templates/stay-thank-you/preview', { guestId });
    expect(current.json.status).toBe('published');
    expect(current.json.subject).toBe('王梅，谢谢（NEWER）');

    const noGuest = await call('POST', '/v1/templates/stay-thank-you/preview', {
      guestId: '00000000-0000-4000-8000-000000000000',
    });
    expect(noGuest.status).toBe(404);
    expect(noGuest.json.error.details.field).toBe('guestId');
    const badGuest = await call('POST', '/v1/templates/stay-thank-you/preview', { guestId: 'x' });
    expect(badGuest.json.error.details.field).toBe('guestId');
    const noVersion = await call('POST', '/v1/templates/stay-thank-you/preview', {
      guestId,
      version: 999999,
    });
    expect(noVersion.status).toBe(404);
    expect(noVersion.json.error.details.field).toBe('version');
  });
});

describe('a stored version the code no longer supplies', () => {
  it('gives way to the built-in text, and the outbox row says so', async () => {
    // Written past the API's check, as if a deploy had since dropped the variable it uses.
    const draft = thankYouDraft('BROKEN');
    draft.locales.en.subject = 'Thank you, {{roomNumber}}';
    const { version } = await store.createDraft(stack.db, {
      templateKey: 'stay-thank-you',
      note: 'e2e: uses a variable the code does not supply',
      basedOn: null,
      createdBy: MARKETER,
      locales: draft.locales,
    });
    await store.publish(stack.db, { templateKey: 'stay-thank-you', version, publishedBy: MARKETER });
    const guest = await guestWithStay();
    const row = await sentMail(stack.db, { guest_id: guest.guestId, template: 'stay-thank-you' });
    expect(row.template_version).toBeNull();
    expect(row.subject).toBe('Thank you for staying with us, Ada');
  });
});
