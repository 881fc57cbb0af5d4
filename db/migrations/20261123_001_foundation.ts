import type { Knex } from 'knex';

/** Guests, stays, the points ledger, the mail outbox, received PMS events, the audit trail, program settings. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('guests', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('source').notNullable();
    t.text('pms_profile_id').notNullable();
    t.text('first_name').notNullable();
    t.text('last_name').notNullable();
    t.text('email').notNullable();
    t.text('locale').notNullable();
    t.text('timezone').notNullable();
    // The PMS delivers unordered: a profile is only overwritten by a newer event.
    t.timestamp('profile_as_of', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['source', 'pms_profile_id']);
    t.index(['email']);
  });

  await knex.schema.createTable('stays', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('guest_id').notNullable().references('guests.id');
    t.text('source').notNullable();
    t.text('pms_stay_id').notNullable();
    t.text('property_code').notNullable();
    t.date('arrival').notNullable();
    t.date('departure').notNullable();
    t.integer('nights').notNullable();
    t.decimal('room_revenue', 12, 2).notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    t.timestamp('checked_out_at', { useTz: true }).notNullable();
    t.text('event_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['source', 'pms_stay_id']);
    t.index(['guest_id', 'departure']);
  });
  await knex.raw('alter table stays add constraint stays_nights_positive check (nights > 0)');

  await knex.schema.createTable('points_ledger', (t) => {
    t.bigIncrements('id');
    t.uuid('guest_id').notNullable().references('guests.id');
    t.integer('points').notNullable();
    t.integer('balance_after').notNullable();
    t.text('reason').notNullable();
    t.uuid('stay_id').nullable().references('stays.id');
    t.text('idempotency_key').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['guest_id', 'id']);
  });

  await knex.schema.createTable('mail_outbox', (t) => {
    t.bigIncrements('id');
    t.text('idempotency_key').notNullable().unique();
    t.text('message_id').notNullable().unique();
    t.uuid('guest_id').notNullable().references('guests.id');
    t.text('template').notNullable();
    t.text('locale').notNullable();
    t.text('to_address').notNullable();
    t.text('subject').notNullable();
    t.text('body_text').notNullable();
    t.text('body_html').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true }).nullable();
    t.index(['guest_id', 'id']);
  });
  await knex.raw(
    "alter table mail_outbox add constraint mail_outbox_status check (status in ('pending', 'sent', 'failed'))",
  );

  await knex.schema.createTable('pms_events', (t) => {
    t.text('id').primary();
    t.text('type').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('payload_hash').notNullable();
    t.jsonb('payload').notNullable();
    t.uuid('guest_id').nullable().references('guests.id');
    t.text('workflow_id').nullable();
    t.timestamp('signalled_at', { useTz: true }).nullable();
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.text('subject').notNullable();
    t.jsonb('before').nullable();
    t.jsonb('after').nullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['subject', 'at']);
  });

  await knex.schema.createTable('program_settings', (t) => {
    t.text('id').primary();
    t.decimal('base_points_per_currency_unit', 8, 2).notNullable();
    t.integer('thank_you_delay_minutes').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex('program_settings').insert({
    id: 'default',
    base_points_per_currency_unit: 10,
    thank_you_delay_minutes: 120,
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'program_settings',
    'audit_log',
    'pms_events',
    'mail_outbox',
    'points_ledger',
    'stays',
    'guests',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
