/**
 * The shared shape of staff requests (`staff_requests` on a guest, `case_requests` on a case): a request is
 * recorded `pending` under the id that is also its Temporal Update id, so a retried request finds its row.
 */
import type { Knex } from 'knex';

/** Records a pending request unless its id is known; returns the row there, and whether this call made it. */
export async function insertPendingIfAbsent<Row>(
  db: Knex,
  table: 'staff_requests' | 'case_requests',
  row: { id: string; kind: string; body: object; actor: string } & Record<string, unknown>,
): Promise<{ request: Row; created: boolean }> {
  const [inserted] = (await db(table)
    .insert({ ...row, body: JSON.stringify(row.body), status: 'pending' })
    .onConflict('id')
    .ignore()
    .returning('*')) as Row[];
  if (inserted) return { request: inserted, created: true };
  const existing = (await db(table).where({ id: row.id }).first()) as Row | undefined;
  if (!existing) throw new Error(`${table} row ${row.id} vanished after a conflict`);
  return { request: existing, created: false };
}
