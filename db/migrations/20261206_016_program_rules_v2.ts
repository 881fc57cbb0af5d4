import type { Knex } from 'knex';
import { RULES_V2, RULES_V2_EFFECTIVE_FROM } from '../../domain/default-rules.js';

/**
 * Program rules version 2 (domain/default-rules.ts `RULES_V2`): 10 base points per US-dollar equivalent of
 * room revenue, Hilton's thresholds kept. A new immutable row; version 1 and the ledger rows written under it
 * stay as they are. Stays departing from `effective_from` on earn by it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex('program_rules').insert({
    version: 2,
    effective_from: RULES_V2_EFFECTIVE_FROM,
    created_by: 'migration',
    rules: JSON.stringify(RULES_V2),
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex('program_rules').where({ version: 2, created_by: 'migration' }).delete();
}
