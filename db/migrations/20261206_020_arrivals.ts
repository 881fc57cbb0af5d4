import type { Knex } from 'knex';

/**
 * The day's arrivals at a property (`GET /v1/arrivals`, db/repositories/arrivals.ts `arrivingOn`): the bookings
 * not cancelled by property and arrival date, without reading the whole table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    "create index bookings_arrivals on bookings (property_code, arrival) where status <> 'cancelled'",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists bookings_arrivals');
}
