import type { Knex } from 'knex';

/**
 * Mail templates as versioned rows (docs/architecture.md "Mail templates, versioned"). The code definitions
 * (mail/templates.ts) are each template's built-in version; a marketer stores drafts and publishes
 * them, and the renderer uses a template's highest published version when there is one, else the built-in.
 *
 * - `template_versions`: one row per (template, version), numbered from 1 per template; `draft` or `published`
 *   (with who and when), a note, the version it was based on (null: the built-in).
 * - `template_version_locales`: the version's text per locale (`en`, `zh-CN`): subject, html, text.
 * - A published version never changes: triggers refuse an update or a delete of a published version and any
 *   insert, update or delete of its locale rows (a draft may be published, nothing else).
 * - `mail_outbox.template_version`: the stored version a mail was rendered with; null = the built-in.
 *
 * And the marketer's requests to move running follow-ups between cadence versions (`POST /v1/cadences/:key/
 * moves`, api/marketing/cadences.ts): `cadence_move_requests`, one row per request id (the Idempotency-Key),
 * holding the follow-ups it chose, so a retried request asks the same follow-ups again (under the same Update
 * ids) instead of moving another batch, and its result once done.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('template_versions', (t) => {
    t.text('template_key').notNullable();
    t.integer('version').notNullable();
    t.text('status').notNullable().defaultTo('draft');
    t.text('note').nullable();
    t.integer('based_on').nullable();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('published_by').nullable();
    t.timestamp('published_at', { useTz: true }).nullable();
    t.primary(['template_key', 'version']);
  });
  await knex.raw(`alter table template_versions
    add constraint template_versions_version check (version > 0),
    add constraint template_versions_based_on check (based_on is null or (based_on > 0 and based_on < version)),
    add constraint template_versions_status check (status in ('draft', 'published')),
    add constraint template_versions_published check (
      (status = 'published') = (published_by is not null and published_at is not null))`);
  // The renderer's question, per mail: the template's highest published version.
  await knex.raw(
    "create index template_versions_current on template_versions (template_key, version desc) where status = 'published'",
  );

  await knex.schema.createTable('template_version_locales', (t) => {
    t.text('template_key').notNullable();
    t.integer('version').notNullable();
    t.text('locale').notNullable();
    t.text('subject').notNullable();
    t.text('html').notNullable();
    t.text('text').notNullable();
    t.primary(['template_key', 'version', 'locale']);
    t.foreign(['template_key', 'version'])
      .references(['template_key', 'version'])
      .inTable('template_versions')
      .onDelete('CASCADE');
  });
  await knex.raw(
    "alter table template_version_locales add constraint template_version_locales_locale check (locale in ('en', 'zh-CN'))",
  );

  await knex.raw(`
    create function template_version_immutable() returns trigger language plpgsql as $$
    begin
      if old.status = 'published' then
        raise exception 'template % version % is published and cannot change', old.template_key, old.version
          using errcode = 'integrity_constraint_violation';
      end if;
      if tg_op = 'DELETE' then return old; end if;
      return new;
    end $$`);
  await knex.raw(`create trigger template_versions_immutable before update or delete on template_versions
    for each row execute function template_version_immutable()`);

  await knex.raw(`
    create function template_version_locale_immutable() returns trigger language plpgsql as $$
    declare
      r record;
    begin
      if tg_op = 'INSERT' then r := new; else r := old; end if;
      if exists (select 1 from template_versions v
                 where v.template_key = r.template_key and v.version = r.version and v.status = 'published') then
        raise exception 'template % version % is published and cannot change', r.template_key, r.version
          using errcode = 'integrity_constraint_violation';
      end if;
      if tg_op = 'DELETE' then return old; end if;
      return new;
    end $$`);
  await knex.raw(`create trigger template_version_locales_immutable
    before insert or update or delete on template_version_locales
    for each row execute function template_version_locale_immutable()`);

  await knex.schema.alterTable('mail_outbox', (t) => {
    t.integer('template_version').nullable();
  });

  await knex.schema.createTable('cadence_move_requests', (t) => {
    t.uuid('id').primary();
    t.text('cadence_key').notNullable();
    t.integer('from_version').notNullable();
    t.integer('to_version').notNullable();
    t.integer('batch_limit').notNullable();
    // The follow-ups' workflow ids the request chose (running on from_version when it was first made).
    t.jsonb('workflow_ids').notNullable();
    t.text('requested_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // { moved, failed: [{ workflowId, reason }] } once the batch has run.
    t.jsonb('result').nullable();
    t.timestamp('finished_at', { useTz: true }).nullable();
    t.index(['cadence_key', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('cadence_move_requests');
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.dropColumn('template_version');
  });
  await knex.schema.dropTable('template_version_locales');
  await knex.schema.dropTable('template_versions');
  await knex.raw('drop function template_version_locale_immutable()');
  await knex.raw('drop function template_version_immutable()');
}
