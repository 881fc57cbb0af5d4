import type { Knex } from 'knex';

/** Staff find a guest by e-mail in any case, or by phone (`GET /v1/guests?email=…`, db/repositories/guests.ts). */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index guests_email_lower on guests (lower(email))');
  await knex.raw('create index guests_phone on guests (phone) where phone is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists guests_phone');
  await knex.raw('drop index if exists guests_email_lower');
}
