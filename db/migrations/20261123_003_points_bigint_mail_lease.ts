import type { Knex } from 'knex';

/**
 * Points and balances as bigint (a large stay must not overflow an integer and
 * stall the guest's workflow), and a delivery lease on outbox rows so that two
 * attempts never send the same mail at once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'alter table points_ledger alter column points type bigint, alter column balance_after type bigint',
  );
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.timestamp('claimed_until', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.dropColumn('claimed_until');
  });
  await knex.raw(
    'alter table points_ledger alter column points type integer, alter column balance_after type integer',
  );
}
