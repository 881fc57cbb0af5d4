import type { Knex } from 'knex';
import { DEFAULT_POST_STAY_STEPS, POST_STAY_CADENCE } from '../../domain/cadence.js';

/**
 * Cadences (docs/architecture.md "The post-stay follow-up", domain/cadence.ts): a cadence (`cadences`) has numbered versions
 * (`cadence_versions`) of its steps (jsonb, domain/cadence.ts CadenceStep[]). A version is a `draft` until it is
 * published; a published version is immutable (a trigger refuses any update or delete of it), and the current
 * version of a cadence is its highest published one. `follow_ups` records each running post-stay follow-up:
 * the version it pinned at its start (or was moved to, `moved_from` the version before the last move), the
 * step ids it has done, and whether it runs. The migration seeds `post-stay` version 1, the default cadence.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cadences', (t) => {
    t.text('key').primary();
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('cadence_versions', (t) => {
    t.text('cadence_key').notNullable().references('cadences.key');
    t.integer('version').notNullable();
    t.text('status').notNullable().defaultTo('draft');
    t.jsonb('steps').notNullable();
    t.text('note').notNullable().defaultTo('');
    // The version this one was drafted from (a rollback publishes a copy of an old one).
    t.integer('based_on').nullable();
    // API key names (audit), or 'system' for the seed.
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('published_by').nullable();
    t.timestamp('published_at', { useTz: true }).nullable();
    t.primary(['cadence_key', 'version']);
  });
  await knex.raw(`
    alter table cadence_versions
      add constraint cadence_versions_status check (status in ('draft', 'published')),
      add constraint cadence_versions_version check (version >= 1),
      add constraint cadence_versions_published check (
        (status = 'published') = (published_at is not null and published_by is not null)),
      add constraint cadence_versions_steps check (jsonb_typeof(steps) = 'array')
  `);
  // Published versions are immutable: follow-ups that pinned one read it again at every step.
  await knex.raw(`
    create function cadence_versions_immutable() returns trigger language plpgsql as $$
    begin
      if old.status = 'published' then
        raise exception 'cadence % version % is published and cannot change', old.cadence_key, old.version
          using errcode = 'check_violation';
      end if;
      if tg_op = 'DELETE' then return old; end if;
      return new;
    end $$
  `);
  await knex.raw(`
    create trigger cadence_versions_immutable before update or delete on cadence_versions
      for each row execute function cadence_versions_immutable()
  `);

  await knex.schema.createTable('follow_ups', (t) => {
    // The follow-up's workflow ID (domain/ids.ts followUpWorkflowId).
    t.text('workflow_id').primary();
    t.uuid('guest_id').notNullable().references('guests.id');
    // The stay followed up (not a foreign key: the row records the process, keyed by its workflow).
    t.uuid('stay_id').notNullable();
    t.text('cadence_key').notNullable();
    t.integer('cadence_version').notNullable();
    t.text('status').notNullable().defaultTo('running');
    // Step ids done, in order: planned (sent, scheduled or suppressed with a reason).
    t.jsonb('steps_done').notNullable().defaultTo(knex.raw("'[]'::jsonb"));
    // The version the follow-up ran before its last move (null: never moved).
    t.integer('moved_from').nullable();
    t.timestamp('moved_at', { useTz: true }).nullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true }).nullable();
    t.foreign(['cadence_key', 'cadence_version'])
      .references(['cadence_key', 'version'])
      .inTable('cadence_versions');
    t.index(['guest_id']);
  });
  await knex.raw(`
    alter table follow_ups
      add constraint follow_ups_status check (status in ('running', 'completed', 'cancelled')),
      add constraint follow_ups_steps_done check (jsonb_typeof(steps_done) = 'array')
  `);
  // How many follow-ups run on each version (the dry run of a move, the marketer's overview).
  await knex.raw(
    "create index follow_ups_running on follow_ups (cadence_key, cadence_version) where status = 'running'",
  );

  await knex('cadences').insert({
    key: POST_STAY_CADENCE,
    name: 'Post-stay follow-up',
    description: 'Thank-you, satisfaction survey, review request and come-back offer after each stay.',
  });
  await knex('cadence_versions').insert({
    cadence_key: POST_STAY_CADENCE,
    version: 1,
    status: 'published',
    steps: JSON.stringify(DEFAULT_POST_STAY_STEPS),
    note: 'The default post-stay cadence (issue 8).',
    created_by: 'system',
    published_by: 'system',
    published_at: knex.fn.now(),
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('follow_ups');
  await knex.raw('drop trigger if exists cadence_versions_immutable on cadence_versions');
  await knex.schema.dropTable('cadence_versions');
  await knex.raw('drop function if exists cadence_versions_immutable()');
  await knex.schema.dropTable('cadences');
}
