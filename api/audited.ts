/**
 * Staff actions on workflows (api/workflows/service.ts, api/guests/actions.ts), each audited: one `audit_log` row
 * (db/repositories/audit.ts) with actor = the API key's name, the action (`workflow.cancel`,
 * `guest.win_back.start`, `guest.reload`, `guest.restart`), subject `guest:<id>` (the guest's timeline shows it)
 * and `after`: the reason, the facts (workflow id, run id, type, what the workflow answered) and `outcome`.
 *
 * The row is written in the transaction around the action, and its id goes to Temporal (as the Update id and the
 * request id the workflow answers, or in a termination's reason), never the reason's text. A refusal (an
 * HttpError below 500: the 409 saying why) rolls the transaction back, so nothing remains of it. An action
 * Temporal did not confirm (unreachable, no answer in time) may still happen: its row stays, with `outcome`
 * `unconfirmed`, and the answer is a 503.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Db } from '../db/knex.js';
import * as audit from '../db/repositories/audit.js';
import { HttpError } from './errors.js';
import { text } from './pms/schema.js';

/** The body of every staff action: why, in the staff's words (kept in `audit_log`, never sent to Temporal). */
export const reasonBody = z.strictObject({ reason: text(500, { min: 3 }) });

export interface AuditedAction {
  /** The API key's name (`req.principal.name`, api/auth.ts). */
  actor: string;
  action: string;
  /** `guest:<guestId>`. */
  subject: string;
  reason: string;
  /** What is known before the action: type, workflow id, run id. */
  facts: Record<string, unknown>;
}

/** What the action answers, and the facts it adds to the row. */
export interface ActionDone<T> {
  answer: T;
  facts?: Record<string, unknown>;
}

export async function auditedAction<T extends object>(
  db: Db,
  entry: AuditedAction,
  /** `trx`: the transaction of the audit row, for an action whose own writes go with it (an erasure). */
  act: (auditId: number, trx: Knex.Transaction) => Promise<ActionDone<T>>,
): Promise<T & { auditId: number }> {
  const { actor, action, subject, reason, facts } = entry;
  const after = (more: Record<string, unknown>) => ({ reason, ...facts, ...more });
  type Outcome = { done: T & { auditId: number } } | { failed: unknown; auditId: number };
  const outcome = await db.transaction(async (trx): Promise<Outcome> => {
    const auditId = await audit.recordReturningId(trx, {
      actor,
      action,
      subject,
      after: after({ outcome: 'pending' }),
    });
    let done: ActionDone<T>;
    try {
      done = await act(auditId, trx);
    } catch (err) {
      // Refused: the transaction rolls back, no row remains.
      if (err instanceof HttpError && err.status < 500) throw err;
      await audit.setAfter(trx, auditId, after({ outcome: 'unconfirmed' }));
      return { failed: err, auditId };
    }
    await audit.setAfter(trx, auditId, after({ ...done.facts, outcome: 'done' }));
    return { done: { ...done.answer, auditId } };
  });
  if ('done' in outcome) return outcome.done;
  if (outcome.failed instanceof HttpError) throw outcome.failed;
  throw new HttpError(
    503,
    'workflow_unavailable',
    'Temporal did not confirm the action; look at the workflow before trying again',
    { auditId: outcome.auditId },
  );
}
