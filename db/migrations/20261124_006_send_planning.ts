import type { Knex } from 'knex';

/**
 * Send planning (domain/mail-policy.ts): every outbox row says whether it is `transactional` or `marketing`
 * mail (`class`), when it was planned on the workflow's clock (`planned_at`: the frequency cap counts by it)
 * and when it may go (`send_at`, null for rows queued without planning), and a marketing mail keeps the
 * signed unsubscribe link it carries (`unsubscribe_url`, the same in its `List-Unsubscribe` header and its
 * footer on every delivery attempt). The program's settings gain the send window of the guest's local day,
 * the frequency cap and the quiet periods (local date ranges, jsonb `[{ from, to, name? }]`).
 *
 * Independent of 007 (service recovery): the planner looks for `service_cases` with to_regclass.
 */

/** The marketing mails at the time of this migration (activities/lifecycle.ts LIFECYCLE_MAILS), to classify old rows. */
const MARKETING_TEMPLATES = [
  'enrolment-invitation',
  'tier-keep-reminder',
  'first-year-reminder',
  'first-year-come-back',
  'win-back-offer',
  'churn-why',
  'birthday-greeting',
];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.text('class').notNullable().defaultTo('transactional');
    t.timestamp('planned_at', { useTz: true }).nullable();
    t.timestamp('send_at', { useTz: true }).nullable();
    t.text('unsubscribe_url').nullable();
  });
  await knex.raw(
    "alter table mail_outbox add constraint mail_outbox_class check (class in ('transactional', 'marketing'))",
  );
  // Rows from before planning count towards the cap from when they were queued.
  await knex('mail_outbox').whereIn('template', MARKETING_TEMPLATES).update({ class: 'marketing' });
  await knex('mail_outbox').update({ planned_at: knex.ref('created_at') });
  // The cap's count: a guest's marketing mails by the time they were planned.
  await knex.raw(
    "create index mail_outbox_marketing_planned on mail_outbox (guest_id, planned_at) where class = 'marketing' and status in ('pending', 'sent')",
  );

  await knex.schema.alterTable('program_settings', (t) => {
    t.text('send_window_start').notNullable().defaultTo('09:00');
    t.text('send_window_end').notNullable().defaultTo('20:00');
    t.integer('marketing_frequency_cap').notNullable().defaultTo(3);
    t.integer('marketing_frequency_days').notNullable().defaultTo(7);
    t.jsonb('quiet_periods').notNullable().defaultTo(knex.raw("'[]'::jsonb"));
  });
  await knex.raw(`alter table program_settings
    add constraint program_settings_send_window check (
      send_window_start ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
      and send_window_end ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
      and send_window_start < send_window_end),
    add constraint program_settings_frequency_cap check (
      marketing_frequency_cap >= 0 and marketing_frequency_days between 1 and 366),
    add constraint program_settings_quiet_periods check (jsonb_typeof(quiet_periods) = 'array')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table program_settings
    drop constraint program_settings_send_window,
    drop constraint program_settings_frequency_cap,
    drop constraint program_settings_quiet_periods`);
  await knex.schema.alterTable('program_settings', (t) => {
    for (const c of [
      'send_window_start',
      'send_window_end',
      'marketing_frequency_cap',
      'marketing_frequency_days',
      'quiet_periods',
    ])
      t.dropColumn(c);
  });
  await knex.raw('drop index if exists mail_outbox_marketing_planned');
  await knex.raw('alter table mail_outbox drop constraint mail_outbox_class');
  await knex.schema.alterTable('mail_outbox', (t) => {
    for (const c of ['class', 'planned_at', 'send_at', 'unsubscribe_url']) t.dropColumn(c);
  });
}
