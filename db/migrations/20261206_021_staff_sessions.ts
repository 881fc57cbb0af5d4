import type { Knex } from 'knex';

/**
 * Console sessions (api/console/session.ts): a staff member signs in with an API key once and the browser holds an
 * `HttpOnly`, `SameSite=Strict` cookie instead of the key. A row per session: the SHA-256 of the cookie's token
 * (never the token), the key it stands for (a revoked key ends its sessions at once: the lookup joins
 * `api_keys`) and a hard expiry (CONSOLE_SESSION_HOURS after sign-in; no sliding renewal).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('staff_sessions', (t) => {
    t.text('token_hash').primary();
    t.bigInteger('api_key_id').notNullable().references('api_keys.id').onDelete('cascade');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('staff_sessions');
}
