import type { Knex } from 'knex';

/**
 * What the operations metrics read at every scrape (lib/metrics.ts, db/repositories/operations.ts), kept cheap on
 * a large outbox: the mails not sent yet or failed for good are a small part of it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    "create index mail_outbox_unsent on mail_outbox (send_at) where status in ('pending', 'failed')",
  );
  await knex.raw(
    "create index case_compensations_awaiting on case_compensations (requested_at) where status = 'awaiting_approval'",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists case_compensations_awaiting');
  await knex.raw('drop index if exists mail_outbox_unsent');
}
