import type { Knex } from 'knex';

/**
 * What the hotel knows a guest likes and must avoid (the guest information card of docs/console.md): one row
 * per fact, with where it came from (`source`: staff in the console, the PMS, a survey answer, an import) and
 * who recorded it. A fact is removed by marking it (`removed_at`, `removed_by`), so the card can say who
 * changed what. Free text: Postgres only, never workflow history.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('guest_preferences', (t) => {
    t.bigIncrements('id');
    t.uuid('guest_id').notNullable().references('guests.id');
    t.text('kind').notNullable();
    t.text('category').notNullable();
    t.text('text').notNullable();
    t.text('source').notNullable();
    t.text('recorded_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('removed_at', { useTz: true }).nullable();
    t.text('removed_by').nullable();
  });
  await knex.raw(`
    alter table guest_preferences
      add constraint guest_preferences_kind check (kind in ('preference', 'taboo')),
      add constraint guest_preferences_source check (source in ('staff', 'pms', 'survey', 'import'));
    create index guest_preferences_guest on guest_preferences (guest_id) where removed_at is null;`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('guest_preferences');
}
