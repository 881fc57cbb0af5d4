/**
 * A guest's privacy (docs/privacy.md): the consent history (`GET /v1/guests/:id/consents`), everything held about
 * the guest for an access request (`GET /v1/guests/:id/export`, admin, audited `guest.exported`) and the erasure
 * (`POST /v1/guests/:id/erasure`, admin, audited `guest.erased` through api/audited.ts: who and when, the reason
 * without the guest's own values, counts of rows — never a name or an address). The erasure's rows change in the
 * audit entry's transaction (db/repositories/privacy.ts `eraseGuest`); then the guest's workflow is told
 * (`guest.erased`, ids only) and forgets (workflows/guest.ts `forget`). The CLI (cli/erase-guest.ts) calls the same.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/knex.js';
import * as audit from '../../db/repositories/audit.js';
import * as consents from '../../db/repositories/consents.js';
import * as privacy from '../../db/repositories/privacy.js';
import type { GuestErasedMessage } from '../../domain/messages.js';
import { signalGuest } from '../../lib/signal-guest.js';
import { auditedAction } from '../audited.js';
import { HttpError } from '../errors.js';

export interface PrivacyDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

export const GUEST_EXPORTED = 'guest.exported';
export const GUEST_ERASED = 'guest.erased';

const notFound = (guestId: string) =>
  new HttpError(404, 'guest_not_found', `no guest with id ${guestId}`, { field: 'id' });

/** The guest's consent now and every change, oldest first. */
export async function consentHistory(db: Db, guestId: string) {
  const guest = await db('guests')
    .where({ id: guestId })
    .first<{ marketing_consent: boolean; erased_at: Date | null } | undefined>(
      'marketing_consent',
      'erased_at',
    );
  if (!guest) throw notFound(guestId);
  const rows = await consents.historyOf(db, guestId);
  return {
    guestId,
    marketingConsent: guest.marketing_consent,
    erasedAt: guest.erased_at ? guest.erased_at.toISOString() : null,
    changes: rows.map((r) => ({
      id: r.id,
      from: r.from_consent,
      to: r.to_consent,
      source: r.source,
      actor: r.actor,
      eventId: r.event_id,
      at: r.at.toISOString(),
    })),
  };
}

/** Everything held about the guest, and an audit entry of who exported it (counts of rows, no values). */
export async function exportGuest(db: Db, input: { guestId: string; actor: string }) {
  return db.transaction(async (trx) => {
    const data = await privacy.exportGuest(trx, input.guestId, new Date());
    if (!data) throw notFound(input.guestId);
    const counts = Object.fromEntries(
      Object.entries(data)
        .filter(([, v]) => Array.isArray(v))
        .map(([k, v]) => [k, (v as unknown[]).length]),
    );
    await audit.record(trx, {
      actor: input.actor,
      action: GUEST_EXPORTED,
      subject: `guest:${input.guestId}`,
      after: { rows: counts },
    });
    return data;
  });
}

export interface ErasureAnswer {
  guestId: string;
  /** The first erasure's time (a repeat answers the same). */
  erasedAt: string;
  alreadyErased: boolean;
  auditId: number;
}

/**
 * Erases the guest (db/repositories/privacy.ts `eraseGuest`) in the audit entry's transaction, then tells the
 * guest's workflow, before the commit: Temporal refusing is a 503 whose audit entry stays `unconfirmed` with
 * the rows erased (a repeat tells the workflow again). Unknown guest: 404, nothing written. A guest erased
 * before: 200 with the first erasure's time, and the workflow told again.
 */
export async function eraseGuest(
  deps: PrivacyDeps,
  input: { guestId: string; actor: string; reason: string },
): Promise<ErasureAnswer> {
  const { guestId, actor } = input;
  // The reason is staff's words: the guest's own name or address in it goes before it is recorded.
  const reason = await privacy.withoutGuestValues(deps.db, guestId, input.reason);
  return auditedAction(
    deps.db,
    { actor, action: GUEST_ERASED, subject: `guest:${guestId}`, reason, facts: {} },
    async (auditId, trx) => {
      const erasure = await privacy.eraseGuest(trx, guestId, { at: new Date(), actor, auditId });
      if (!erasure) throw notFound(guestId);
      const message: GuestErasedMessage = {
        type: 'guest.erased',
        eventId: `erasure:${auditId}`,
        source: 'erasure',
        occurredAt: erasure.erasedAt.toISOString(),
        childWorkflowIds: erasure.childWorkflowIds,
      };
      await signalGuest(deps.temporal, { guestId, taskQueue: deps.taskQueue, message });
      const erasedAt = erasure.erasedAt.toISOString();
      return {
        answer: { guestId, erasedAt, alreadyErased: erasure.alreadyErased },
        facts: {
          erasedAt,
          alreadyErased: erasure.alreadyErased,
          rows: erasure.rows,
          childWorkflows: erasure.childWorkflowIds.length,
        },
      };
    },
  );
}
