import type { Knex } from 'knex';

/**
 * Saved segments (docs/segments.md): a marketer's definition under a name, counted anew whenever it is opened
 * (the definition is kept, never the guests). Archiving hides a segment from the list and keeps its row, so a
 * campaign that went to it still names what it went to. Every CSV export is recorded (who, when, how many
 * rows): the file carries e-mail addresses.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('segments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    // domain/segments.ts SegmentDefinition, as api/segments/schema.ts `segmentDefinition` accepted it.
    t.jsonb('definition').notNullable();
    // The API key's name (api/auth.ts Principal).
    t.text('created_by').notNullable();
    t.text('updated_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('archived_at', { useTz: true }).nullable();
    t.text('archived_by').nullable();
  });
  await knex.raw(`
    create unique index segments_name_live on segments (lower(name)) where archived_at is null;
    create index segments_updated on segments (updated_at desc, id) where archived_at is null;`);
  await knex.schema.createTable('segment_exports', (t) => {
    t.bigIncrements('id');
    // A saved segment's export; null for the requalification forecast's.
    t.uuid('segment_id').nullable().references('segments.id');
    t.text('kind').notNullable();
    t.text('exported_by').notNullable();
    t.integer('rows').nullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['segment_id', 'at']);
  });
  await knex.raw(`
    alter table segment_exports add constraint segment_exports_kind check (kind in ('segment', 'forecast'));
    -- "Lapsed within N days" looks for a recent move to lapsed.
    create index stage_history_lapsed on stage_history (guest_id, at) where to_stage = 'lapsed';`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists stage_history_lapsed');
  await knex.schema.dropTableIfExists('segment_exports');
  await knex.schema.dropTableIfExists('segments');
}
