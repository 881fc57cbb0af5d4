import type { Knex } from 'knex';

/**
 * An admin's draft of a program rules version (docs/program.md "Drafts and the tier-change preview"): the whole
 * rules as the form holds them, saved so that they survive a reload and another admin sees them, with who
 * created and last saved it and when. `revision` counts the saves: a save or a publication names the revision it
 * was made from, and an older one is refused (two admins on one draft do not overwrite each other unseen). A
 * draft ends published (`published_version`, the `program_rules` row it became) or discarded; it is never
 * deleted, and its rules are never those of a version in force until published.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('program_rules_drafts', (t) => {
    t.bigIncrements('id');
    t.jsonb('rules').notNullable();
    t.integer('based_on_version').nullable().references('program_rules.version');
    t.text('note').nullable();
    t.integer('revision').notNullable().defaultTo(1);
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('updated_by').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('published_version').nullable().unique().references('program_rules.version');
    t.text('published_by').nullable();
    t.timestamp('published_at', { useTz: true }).nullable();
    t.text('discarded_by').nullable();
    t.timestamp('discarded_at', { useTz: true }).nullable();
  });
  await knex.raw(`
    alter table program_rules_drafts
      add constraint program_rules_drafts_closed_once
        check (published_version is null or discarded_at is null);
    create index program_rules_drafts_open on program_rules_drafts (updated_at desc)
      where published_version is null and discarded_at is null;`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('program_rules_drafts');
}
