import type { Knex } from 'knex';

/**
 * Stays waiting for a rate (`earn_flag` set: a currency no rules version had a rate for) are read by the guest
 * page, the metrics at every scrape and the admin's re-earn: a partial index, so none reads the whole table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index stays_awaiting_rate_idx on stays (departure, id) where earn_flag is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists stays_awaiting_rate_idx');
}
