import type { Knex } from 'knex';

/**
 * Privacy (docs/privacy.md): the history of every change of a guest's marketing consent, and the erasure mark.
 *
 * `consent_history`: one row per change (`from_consent` → `to_consent`), with where it came from (`source`: a PMS
 * profile, the unsubscribe link, staff, an import, an erasure; `backfill` for the one row per guest this
 * migration writes from the value it finds), who or what made it (`actor`: the API key's name, `pms:event:<id>`,
 * `guest:link`) and the event or audit entry that carried it (`event_id`). Written in the transaction that changes
 * `guests.marketing_consent` (db/repositories/consents.ts). No personal data: booleans, sources, ids.
 *
 * `guests.erased_at`: when the guest's personal data was erased (db/repositories/privacy.ts `eraseGuest`); the row
 * stays, anonymised, so that stays and ledger still add up.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('consent_history', (t) => {
    t.bigIncrements('id');
    t.uuid('guest_id').notNullable().references('guests.id');
    // null: the guest's first recorded value (a new guest, the backfill).
    t.boolean('from_consent').nullable();
    t.boolean('to_consent').notNullable();
    t.text('source').notNullable();
    t.text('actor').nullable();
    t.text('event_id').nullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['guest_id', 'at']);
  });
  await knex.raw(`
    alter table consent_history add constraint consent_history_source
      check (source in ('backfill', 'pms', 'unsubscribe_link', 'staff', 'import', 'erasure'));
    insert into consent_history (guest_id, from_consent, to_consent, source, actor)
      select id, null, marketing_consent, 'backfill', 'migration:030' from guests;`);
  await knex.schema.alterTable('guests', (t) => {
    t.timestamp('erased_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('guests', (t) => t.dropColumn('erased_at'));
  await knex.schema.dropTableIfExists('consent_history');
}
