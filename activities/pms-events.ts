/**
 * Re-drives PMS events whose effects are missing (the sweeper's one
 * activity): events never handed to their guest's workflow (the API got a
 * 503 from Temporal and the PMS gave up), and events handed to a run that
 * then failed or was terminated before it handled them. Each pass is bounded;
 * re-signalling is harmless because the workflow's effects are keyed in
 * Postgres (a handled event is skipped, a recorded stay is not recorded twice).
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex.js';
import * as pmsEvents from '../db/repositories/pms-events.js';
import { messageFromPmsEvent, PMS_SOURCE, type GuestMessage, type PmsEventBody } from '../domain/messages.js';
import { signalGuest } from '../lib/signal-guest.js';
import { summariseError } from './errors.js';

export interface RedriveResult {
  found: number;
  redriven: number;
  /** Types the workflow does not take: marked rejected so they are not picked again. */
  rejected: number;
  /** Temporal refused the signal: left for the next pass. */
  failed: number;
}

export function createPmsEventActivities(deps: { db: Db; temporal?: Client; taskQueue?: string }) {
  return {
    async redrivePmsEvents(input: {
      limit: number;
      unsignalledAfterSeconds: number;
      unhandledAfterSeconds: number;
    }): Promise<RedriveResult> {
      const { temporal, taskQueue } = deps;
      if (!temporal || !taskQueue) throw new Error('redrivePmsEvents needs a Temporal client and task queue');
      const rows = await pmsEvents.listForRedrive(deps.db, input).catch((err: unknown) => {
        throw new Error(summariseError(err));
      });
      const result: RedriveResult = { found: rows.length, redriven: 0, rejected: 0, failed: 0 };
      for (const row of rows) {
        // The message the API signalled (kept since the lifecycle events); older rows are rebuilt from the body.
        const message =
          (row.message as GuestMessage | null) ??
          messageFromPmsEvent(PMS_SOURCE, row.payload as PmsEventBody);
        if (!message) {
          await pmsEvents.markRejected(
            deps.db,
            row.id,
            `event type '${row.type}' is not handled by the workflow`,
          );
          result.rejected += 1;
          continue;
        }
        try {
          await signalGuest(temporal, { guestId: row.guest_id!, taskQueue, message });
          await pmsEvents.markRedriven(deps.db, row.id);
          result.redriven += 1;
        } catch {
          result.failed += 1;
        }
      }
      return result;
    },
  };
}
