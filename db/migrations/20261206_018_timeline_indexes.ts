import type { Knex } from 'knex';

/**
 * A guest's timeline (`GET /v1/guests/:id/timeline`, db/repositories/timeline.ts) reads every source by the
 * guest: the PMS events and the staff requests had no index on it, so each page scanned the whole table. The
 * other sources have one already (`(guest_id, id)`, `audit_log (subject, at)`, `service_cases (guest_id, …)`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index pms_events_guest on pms_events (guest_id, received_at)');
  await knex.raw("create index staff_requests_pending on staff_requests (guest_id) where status = 'pending'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists staff_requests_pending');
  await knex.raw('drop index if exists pms_events_guest');
}
