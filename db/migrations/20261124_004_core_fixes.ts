import type { Knex } from 'knex';

/**
 * The core fixes: what became of each PMS event (handled, or rejected with
 * its reason) so that a sweeper can re-drive events whose effects are
 * missing; mails that were deliberately not sent (`suppressed`, with the
 * reason); the age after which a thank-you is no longer worth sending.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('pms_events', (t) => {
    // Set by the guest's workflow (in the same transaction as the event's effects) or on rejection.
    t.timestamp('handled_at', { useTz: true }).nullable();
    t.timestamp('rejected_at', { useTz: true }).nullable();
    t.text('rejection_reason').nullable();
    // The sweeper's bookkeeping: how often it re-signalled the event, and when last.
    t.integer('redrive_count').notNullable().defaultTo(0);
    t.timestamp('redriven_at', { useTz: true }).nullable();
  });
  // The sweeper looks only at events still open: keep that set small to scan.
  await knex.raw(
    'create index pms_events_open on pms_events (received_at) where handled_at is null and rejected_at is null',
  );

  await knex.schema.alterTable('mail_outbox', (t) => {
    t.text('suppression_reason').nullable();
  });
  await knex.raw('alter table mail_outbox drop constraint mail_outbox_status');
  await knex.raw(
    "alter table mail_outbox add constraint mail_outbox_status check (status in ('pending', 'sent', 'failed', 'suppressed'))",
  );
  // A suppressed mail has no content to send: address and bodies may be empty.
  await knex.raw(
    "alter table mail_outbox add constraint mail_outbox_suppressed_reason check ((status = 'suppressed') = (suppression_reason is not null))",
  );

  await knex.schema.alterTable('program_settings', (t) => {
    t.integer('thank_you_max_age_days').notNullable().defaultTo(7);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('program_settings', (t) => {
    t.dropColumn('thank_you_max_age_days');
  });
  await knex.raw('alter table mail_outbox drop constraint mail_outbox_suppressed_reason');
  await knex('mail_outbox').where({ status: 'suppressed' }).delete();
  await knex.raw('alter table mail_outbox drop constraint mail_outbox_status');
  await knex.raw(
    "alter table mail_outbox add constraint mail_outbox_status check (status in ('pending', 'sent', 'failed'))",
  );
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.dropColumn('suppression_reason');
  });
  await knex.raw('drop index if exists pms_events_open');
  await knex.schema.alterTable('pms_events', (t) => {
    t.dropColumn('handled_at');
    t.dropColumn('rejected_at');
    t.dropColumn('rejection_reason');
    t.dropColumn('redrive_count');
    t.dropColumn('redriven_at');
  });
}
