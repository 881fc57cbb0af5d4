import type { Knex } from 'knex';

/**
 * Service recovery (docs/architecture.md "Service recovery"): one row per case in `service_cases` (the marketing
 * planner pauses a guest's marketing while a row of theirs has `status = 'open'`), the staff's requests on a
 * case with their free text (`case_requests`, keyed by the Temporal Update id), notes, compensations, and the
 * property settings the escalations are addressed with. Program settings gain the frontline limit (with its
 * currency), the managers' approval limit and the case clocks. API keys gain the `manager` role. Outbox rows
 * say whom they address (`audience`: the guest, or a property's staff for an escalation).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('property_settings', (t) => {
    t.text('property_code').primary();
    t.text('name').notNullable();
    // The property's zone: an in-stay case escalates at the end of the local day there.
    t.text('timezone').notNullable();
    // The language of the staff mails.
    t.text('locale').notNullable().defaultTo('en');
    t.text('duty_manager_email').nullable();
    t.text('general_manager_email').nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.alterTable('program_settings', (t) => {
    // Ritz-Carlton's 2,000 USD by default; 0 = every compensation needs a manager.
    t.decimal('frontline_limit', 12, 2).notNullable().defaultTo(2000);
    t.specificType('frontline_limit_currency', 'char(3)').notNullable().defaultTo('USD');
    // What a manager may approve, in the frontline limit's currency.
    t.decimal('manager_approval_limit', 12, 2).notNullable().defaultTo(20000);
    t.integer('case_ack_minutes').notNullable().defaultTo(60);
    t.integer('case_duty_manager_hours').notNullable().defaultTo(24);
    t.integer('case_general_manager_hours').notNullable().defaultTo(72);
    t.integer('case_satisfaction_check_days').notNullable().defaultTo(3);
    // No answer this long after the check: the case closes without one.
    t.integer('case_satisfaction_answer_days').notNullable().defaultTo(7);
  });

  await knex.schema.createTable('service_cases', (t) => {
    t.uuid('id').primary();
    t.uuid('guest_id').notNullable().references('guests.id');
    t.text('workflow_id').notNullable();
    // open (incl. reopened) | resolved (waiting for the guest's satisfaction) | closed
    t.text('status').notNullable().defaultTo('open');
    t.text('source').notNullable();
    t.text('category').notNullable();
    t.text('cause').nullable();
    t.text('priority').notNullable();
    t.text('property_code').notNullable();
    t.text('department').notNullable();
    // Whoever received it owns it until it is solved; the assignee is who works on it.
    t.text('received_by').notNullable();
    t.text('assignee').nullable();
    // The guest's words: personal data, here only (never in workflow history).
    t.text('description').nullable();
    t.uuid('stay_id').nullable().references('stays.id');
    t.integer('survey_score').nullable();
    // Instants on the workflow's clock (a simulated year is consistent).
    t.timestamp('opened_at', { useTz: true }).notNullable();
    t.timestamp('acknowledged_at', { useTz: true }).nullable();
    // on_track | duty_manager | general_manager (the highest escalation so far)
    t.text('sla_state').notNullable().defaultTo('on_track');
    t.timestamp('escalated_at', { useTz: true }).nullable();
    t.timestamp('resolved_at', { useTz: true }).nullable();
    t.text('resolution').nullable();
    t.integer('resolutions').notNullable().defaultTo(0);
    // 1:10:100 (the cost of a complaint grows tenfold each day it waits): solved the same local day, the next, or later.
    t.text('cost_bucket').nullable();
    t.timestamp('satisfaction_asked_at', { useTz: true }).nullable();
    t.boolean('satisfied').nullable();
    t.timestamp('satisfaction_at', { useTz: true }).nullable();
    t.integer('reopened').notNullable().defaultTo(0);
    t.timestamp('closed_at', { useTz: true }).nullable();
    // The request id (API) or `<guest workflow>:survey-case:<stayId>`: a retry opens nothing new.
    t.text('idempotency_key').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['guest_id', 'status']);
    t.index(['status', 'property_code', 'department']);
  });
  await knex.raw(`alter table service_cases
    add constraint service_cases_status check (status in ('open', 'resolved', 'closed')),
    add constraint service_cases_source check (source in ('comment_card', 'phone', 'letter', 'social_media', 'staff_visit', 'survey', 'in_stay')),
    add constraint service_cases_category check (category in ('service_attitude', 'service_skill', 'facilities', 'food_beverage', 'safety', 'policies', 'other')),
    add constraint service_cases_cause check (cause is null or cause in ('poor_management', 'product_quality', 'staff_attitude', 'staff_skill', 'equipment_failure', 'policy', 'third_party', 'other')),
    add constraint service_cases_priority check (priority in ('low', 'normal', 'high', 'urgent')),
    add constraint service_cases_sla_state check (sla_state in ('on_track', 'duty_manager', 'general_manager')),
    add constraint service_cases_cost_bucket check (cost_bucket is null or cost_bucket in ('same_day', 'next_day', 'later'))`);

  await knex.schema.createTable('case_requests', (t) => {
    // The Temporal Update id: a retried request is the same request.
    t.uuid('id').primary();
    t.uuid('case_id').notNullable().references('service_cases.id');
    // assign | note | compensation | approval | resolve | satisfaction
    t.text('kind').notNullable();
    t.jsonb('body').notNullable();
    t.text('actor').notNullable();
    // pending | applied (a refused request is deleted: it wrote nothing)
    t.text('status').notNullable().defaultTo('pending');
    t.jsonb('result').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('decided_at', { useTz: true }).nullable();
    t.index(['case_id', 'created_at']);
  });

  await knex.schema.createTable('case_notes', (t) => {
    t.bigIncrements('id');
    t.uuid('case_id').notNullable().references('service_cases.id');
    t.uuid('request_id').notNullable().unique();
    t.text('author').notNullable();
    t.text('body').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.index(['case_id', 'id']);
  });

  await knex.schema.createTable('case_compensations', (t) => {
    // The request id of the compensation.
    t.uuid('id').primary();
    t.uuid('case_id').notNullable().references('service_cases.id');
    t.uuid('guest_id').notNullable().references('guests.id');
    // points | refund | upgrade_voucher
    t.text('kind').notNullable();
    // As the staff gave it …
    t.decimal('amount', 12, 2).notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    // … and its value in the frontline limit's currency, in cents (what the limits are compared with).
    t.bigInteger('value_cents').notNullable();
    t.specificType('limit_currency', 'char(3)').notNullable();
    t.integer('points').nullable();
    // granted | awaiting_approval
    t.text('status').notNullable();
    t.text('requested_by').notNullable();
    t.text('approved_by').nullable();
    t.bigInteger('ledger_id').nullable().references('points_ledger.id');
    t.timestamp('requested_at', { useTz: true }).notNullable();
    t.timestamp('granted_at', { useTz: true }).nullable();
    t.index(['case_id']);
  });
  await knex.raw(`alter table case_compensations
    add constraint case_compensations_kind check (kind in ('points', 'refund', 'upgrade_voucher')),
    add constraint case_compensations_status check (status in ('granted', 'awaiting_approval')),
    add constraint case_compensations_points check ((kind = 'points') = (points is not null and points > 0))`);

  await knex.schema.alterTable('mail_outbox', (t) => {
    // guest: to the guest's address; staff: to a property's staff address (an escalation about the guest).
    t.text('audience').notNullable().defaultTo('guest');
  });
  await knex.raw(
    "alter table mail_outbox add constraint mail_outbox_audience check (audience in ('guest', 'staff'))",
  );

  await knex.raw('alter table api_keys drop constraint api_keys_role');
  await knex.raw(
    "alter table api_keys add constraint api_keys_role check (role in ('ops', 'manager', 'marketer', 'admin'))",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex('api_keys').where({ role: 'manager' }).update({ role: 'ops' });
  await knex.raw('alter table api_keys drop constraint api_keys_role');
  await knex.raw(
    "alter table api_keys add constraint api_keys_role check (role in ('ops', 'marketer', 'admin'))",
  );
  await knex('mail_outbox').where({ audience: 'staff' }).delete();
  await knex.raw('alter table mail_outbox drop constraint mail_outbox_audience');
  await knex.schema.alterTable('mail_outbox', (t) => t.dropColumn('audience'));
  for (const table of [
    'case_compensations',
    'case_notes',
    'case_requests',
    'service_cases',
    'property_settings',
  ])
    await knex.schema.dropTableIfExists(table);
  await knex.schema.alterTable('program_settings', (t) => {
    for (const c of [
      'frontline_limit',
      'frontline_limit_currency',
      'manager_approval_limit',
      'case_ack_minutes',
      'case_duty_manager_hours',
      'case_general_manager_hours',
      'case_satisfaction_check_days',
      'case_satisfaction_answer_days',
    ])
      t.dropColumn(c);
  });
}
