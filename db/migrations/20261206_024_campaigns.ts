import type { Knex } from 'knex';

/**
 * Campaigns (domain/campaigns.ts, docs/campaigns.md): a one-off marketing mail to a segment at a local time.
 *
 * - `campaigns`: what a marketer set up (the audience's definition as it was when started, the template and the
 *   version pinned at the start, the local day and time, the holdout) and where it stands. The name is a
 *   marketer's label, not personal data.
 * - `campaign_recipients`: one row per guest of the audience, planned once when the campaign starts (the
 *   primary key makes a re-plan change nothing): the holdout decided then, the send instant of the local time
 *   in the guest's zone, and the state each guest reaches (`sending` while an attempt has it). `outbox_id` is
 *   the guest's mail, whose idempotency key is the campaign's and the guest's: at most one mail per guest.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('campaigns', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.text('template').notNullable();
    t.integer('template_version').nullable();
    t.jsonb('definition').notNullable();
    t.text('segment_id').nullable();
    t.date('send_date').notNullable();
    t.text('send_time').notNullable();
    t.decimal('holdout_percent', 5, 2).notNullable().defaultTo(0);
    t.integer('uplift_days').notNullable().defaultTo(30);
    t.text('status').notNullable().defaultTo('draft');
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('started_by').nullable();
    t.timestamp('started_at', { useTz: true }).nullable();
    t.timestamp('planned_at', { useTz: true }).nullable();
    t.timestamp('finished_at', { useTz: true }).nullable();
    t.date('as_of').nullable();
  });
  await knex.schema.createTable('campaign_recipients', (t) => {
    t.text('campaign_id').notNullable().references('campaigns.id');
    t.uuid('guest_id').notNullable().references('guests.id');
    t.boolean('holdout').notNullable();
    t.timestamp('send_at', { useTz: true }).notNullable();
    t.text('state').notNullable();
    t.text('reason').nullable();
    t.bigInteger('outbox_id').nullable().references('mail_outbox.id');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['campaign_id', 'guest_id']);
  });
  await knex.raw(`
    alter table campaigns
      add constraint campaigns_status check (status in ('draft', 'running', 'paused', 'cancelled', 'done')),
      add constraint campaigns_holdout check (holdout_percent >= 0 and holdout_percent <= 50);
    alter table campaign_recipients
      add constraint campaign_recipients_state check
        (state in ('planned', 'sending', 'sent', 'suppressed', 'failed', 'held_out', 'cancelled'));
    create index campaign_recipients_due on campaign_recipients (campaign_id, send_at)
      where state = 'planned';
    create index campaign_recipients_guest on campaign_recipients (guest_id);
    create index campaigns_created on campaigns (created_at desc);`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('campaign_recipients');
  await knex.schema.dropTableIfExists('campaigns');
}
