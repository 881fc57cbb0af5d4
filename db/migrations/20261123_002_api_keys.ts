import type { Knex } from 'knex';

/** API keys of the staff audiences (ops, marketer, admin), stored as SHA-256 hashes only. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.bigIncrements('id');
    t.text('name').notNullable();
    t.text('role').notNullable();
    t.text('key_hash').notNullable().unique();
    t.text('key_prefix').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });
  await knex.raw(
    "alter table api_keys add constraint api_keys_role check (role in ('ops', 'marketer', 'admin'))",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('api_keys');
}
