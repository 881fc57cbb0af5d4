import type { Knex } from 'knex';

/**
 * Stays the PMS corrects (`stay.amended`) or voids (`stay.cancelled`), docs/program.md "Corrections":
 * - `revision` counts the amendments applied, `amended_at` is the latest one's `occurredAt` (an older one
 *   delivered late changes nothing) and `amended_event_id` its event;
 * - `cancelled_at` and `cancelled_event_id` mark a voided stay: kept, but no longer counted as a stay;
 * - `bonus_tier`: the tier whose bonus the stay earned at check-out, so that an amendment corrects the bonus
 *   as the stay earned it (null for a stay recorded before: inferred from its bonus row).
 * The points themselves move only by ledger rows (reasons `stay_amended`, `stay_cancelled`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stays', (t) => {
    t.integer('revision').notNullable().defaultTo(0);
    t.timestamp('amended_at', { useTz: true }).nullable();
    t.text('amended_event_id').nullable();
    t.timestamp('cancelled_at', { useTz: true }).nullable();
    t.text('cancelled_event_id').nullable();
    t.text('bonus_tier').nullable();
  });
  await knex.raw('create index stays_cancelled_idx on stays (guest_id) where cancelled_at is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists stays_cancelled_idx');
  await knex.schema.alterTable('stays', (t) => {
    t.dropColumn('revision');
    t.dropColumn('amended_at');
    t.dropColumn('amended_event_id');
    t.dropColumn('cancelled_at');
    t.dropColumn('cancelled_event_id');
    t.dropColumn('bonus_tier');
  });
}
