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
