import type { Knex } from 'knex';

/**
 * Care during the stay (docs/architecture.md "Care during the stay"): one row per PMS stay that checked in (`stay.started`), written by the API
 * with the event. `checked_out_at` is set when that stay's `stay.completed` arrives (or at once, when the
 * check-out was reported first). The in-stay care child reads it to tell whether the guest is still in house
 * before it asks "how is your stay?".
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('stay_checkins', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('guest_id').notNullable().references('guests.id');
    t.text('source').notNullable();
    t.text('pms_stay_id').notNullable();
    t.text('property_code').notNullable();
    t.date('arrival').notNullable();
    t.date('expected_departure').notNullable();
    // The PMS's check-in instant (the event's occurredAt).
    t.timestamp('checked_in_at', { useTz: true }).notNullable();
    // The check-out of the same PMS stay (its stay.completed), null while the guest is in house.
    t.timestamp('checked_out_at', { useTz: true }).nullable();
    // The stay.started event that recorded it.
    t.text('event_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['source', 'pms_stay_id']);
    t.index(['guest_id']);
  });
  await knex.raw(`
    alter table stay_checkins
      add constraint stay_checkins_dates check (expected_departure > arrival)
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('stay_checkins');
}
