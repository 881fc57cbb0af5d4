import type { Knex } from 'knex';
import { RULES_V1 } from '../../domain/default-rules.js';

/**
 * The whole lifecycle: program rules as immutable versions, the guest's
 * membership and profile facts, tier and stage history, bookings, coupons,
 * staff requests (the free text of redemptions, adjustments and floors, so
 * that workflow history carries only their ids), and the message each PMS
 * event became (what the sweeper re-signals).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('program_rules', (t) => {
    t.integer('version').primary();
    // A stay earns by the version in force on its departure date; a review by the one in force on its day.
    t.date('effective_from').notNullable().unique();
    t.jsonb('rules').notNullable();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.alterTable('guests', (t) => {
    t.text('member_number').nullable().unique();
    t.timestamp('enrolled_at', { useTz: true }).nullable();
    t.text('enrolment_channel').nullable();
    t.uuid('referred_by_guest_id').nullable().references('guests.id');
    t.date('birthday').nullable();
    t.boolean('marketing_consent').notNullable().defaultTo(false);
    t.text('phone').nullable();
    // The record of where the guest stands (the workflow decides, these columns remember).
    t.text('stage').notNullable().defaultTo('prospect');
    t.text('tier').notNullable().defaultTo('member');
    t.date('tier_valid_through').nullable();
    t.text('tier_floor').nullable();
    t.text('churn_reason').nullable();
    t.timestamp('churn_reason_at', { useTz: true }).nullable();
  });

  await knex.schema.createTable('tier_history', (t) => {
    t.bigIncrements('id');
    t.uuid('guest_id').notNullable().references('guests.id');
    t.text('tier').notNullable();
    t.text('previous_tier').notNullable();
    t.date('valid_from').notNullable();
    t.date('valid_through').nullable();
    // upgrade | review | floor | reset
    t.text('source').notNullable();
    t.text('reason').notNullable();
    t.integer('rules_version').nullable();
    t.text('idempotency_key').notNullable().unique();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['guest_id', 'id']);
  });

  await knex.schema.createTable('stage_history', (t) => {
    t.bigIncrements('id');
    t.uuid('guest_id').notNullable().references('guests.id');
    t.text('from_stage').nullable();
    t.text('to_stage').notNullable();
    t.text('reason').notNullable();
    // `workflow` or the staff key's name
    t.text('actor').notNullable();
    t.text('idempotency_key').notNullable().unique();
    t.timestamp('at', { useTz: true }).notNullable();
    t.index(['guest_id', 'id']);
  });

  await knex.schema.alterTable('points_ledger', (t) => {
    // stay | tier_bonus | referral | welcome_back | redemption | adjustment | expiry | compensation
    t.text('source').nullable();
    t.integer('rules_version').nullable();
    t.uuid('staff_request_id').nullable();
    // When the movement counts (a stay: its departure); expiry is measured from the last qualifying one.
    t.timestamp('effective_at', { useTz: true }).nullable();
  });
  await knex('points_ledger').update({ source: 'stay' });

  await knex.schema.alterTable('stays', (t) => {
    t.integer('rules_version').nullable();
    // A stay in a currency without a rate earns nothing and is flagged.
    t.text('earn_flag').nullable();
  });

  await knex.schema.createTable('bookings', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('guest_id').notNullable().references('guests.id');
    t.text('source').notNullable();
    t.text('pms_booking_id').notNullable();
    t.text('property_code').notNullable();
    t.date('arrival').notNullable();
    t.date('departure').notNullable();
    t.text('offer_code').nullable();
    t.text('status').notNullable().defaultTo('created');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('cancelled_at', { useTz: true }).nullable();
    t.unique(['source', 'pms_booking_id']);
    t.index(['guest_id', 'created_at']);
  });

  await knex.schema.createTable('coupons', (t) => {
    t.text('code').primary();
    t.uuid('guest_id').notNullable().references('guests.id');
    t.text('campaign').notNullable();
    t.integer('offer_index').notNullable();
    t.text('offer').notNullable();
    t.text('idempotency_key').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).nullable();
    t.timestamp('redeemed_at', { useTz: true }).nullable();
    t.uuid('redeemed_booking_id').nullable().references('bookings.id');
  });

  await knex.schema.createTable('staff_requests', (t) => {
    // The Update id: a retried request is the same request.
    t.uuid('id').primary();
    t.uuid('guest_id').notNullable().references('guests.id');
    // redemption | adjustment | tier_floor
    t.text('kind').notNullable();
    t.jsonb('body').notNullable();
    t.text('actor').notNullable();
    // pending | applied | rejected
    t.text('status').notNullable().defaultTo('pending');
    t.jsonb('result').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('decided_at', { useTz: true }).nullable();
  });

  await knex.schema.alterTable('pms_events', (t) => {
    // What the event became for the guest's workflow (ids and facts): the sweeper re-signals exactly this.
    t.jsonb('message').nullable();
  });

  await knex('program_rules').insert({
    version: 1,
    effective_from: '2000-01-01',
    created_by: 'migration',
    rules: JSON.stringify(RULES_V1),
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('pms_events', (t) => t.dropColumn('message'));
  for (const table of ['staff_requests', 'coupons', 'bookings', 'stage_history', 'tier_history']) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.schema.alterTable('stays', (t) => {
    t.dropColumn('rules_version');
    t.dropColumn('earn_flag');
  });
  await knex.schema.alterTable('points_ledger', (t) => {
    t.dropColumn('source');
    t.dropColumn('rules_version');
    t.dropColumn('staff_request_id');
    t.dropColumn('effective_at');
  });
  await knex.schema.alterTable('guests', (t) => {
    for (const c of [
      'member_number',
      'enrolled_at',
      'enrolment_channel',
      'referred_by_guest_id',
      'birthday',
      'marketing_consent',
      'phone',
      'stage',
      'tier',
      'tier_valid_through',
      'tier_floor',
      'churn_reason',
      'churn_reason_at',
    ])
      t.dropColumn(c);
  });
  await knex.schema.dropTableIfExists('program_rules');
}
