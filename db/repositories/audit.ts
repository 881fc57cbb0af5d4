import type { Knex } from 'knex';

export interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  before?: unknown;
  after?: unknown;
}

export async function record(db: Knex, entry: AuditEntry): Promise<void> {
  await db('audit_log').insert({
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    before: entry.before === undefined ? null : JSON.stringify(entry.before),
    after: entry.after === undefined ? null : JSON.stringify(entry.after),
  });
}

/** Whether an entry of `action` about `subject` is recorded. */
export async function hasEntry(db: Knex, subject: string, action: string): Promise<boolean> {
  return (await db('audit_log').where({ subject, action }).first('id')) !== undefined;
}
