/**
 * The deliveries' worker, inside the API process: takes due `pms_deliveries` rows under a lease (migration
 * 028), fetches each reservation from its PMS, and feeds it to the native intake (feed.ts). A fetch that fails
 * (a 404 — Apaleo can send the webhook before the reservation reads back —, a time-out, a 5xx, Temporal
 * refusing the signal) is tried again after a doubling delay, `attempts` times in all; then the row is
 * parked with the reason, for ops to see and re-drive (`GET /v1/admin/pms/deliveries?status=parked`,
 * `POST /v1/admin/pms/deliveries/:id/redrive`, the console's PMS page).
 *
 * Why rows and a loop, not a Temporal workflow: the intake it feeds (api/pms/service.ts: the guest upsert, the
 * pms_events row, the signal) lives in the API, which activities may not import (lint/layers.js), and a
 * second copy of it would drift. The rows are the durable part: the webhook is answered once they are
 * written, a restart finds them `pending` (a lease that ran out makes a row due again), and several API
 * processes share them (`for update skip locked`). A row worked twice (a lease that ran out mid-work) feeds
 * the same deterministic event id twice, which the intake takes once.
 */
import type { Logger } from 'pino';
import * as repo from '../../../db/repositories/pms-adapters.js';
import type { PmsClients } from '../../../lib/pms/index.js';
import { feedReservation, mappingContext, type FeedDeps } from './feed.js';

export interface ProcessorOptions {
  clients: PmsClients;
  /** PMS_FETCH_ATTEMPTS: attempts before a delivery is parked. */
  attempts: number;
  /** PMS_RETRY_BASE_SECONDS in ms: the first retry's delay; each next one doubles. */
  retryBaseMs: number;
  /** How often the loop looks for due rows when nothing woke it (default 1 s). */
  pollMs?: number;
  /** Rows taken per pass (default 20), worked this many at a time (default 4). */
  batch?: number;
  concurrency?: number;
  /** A row's lease: longer than a fetch's time-out plus the intake (default 120 s). */
  leaseSeconds?: number;
}

export interface DeliveryProcessor {
  /** Look for due rows now (a webhook just recorded some). */
  wake(): void;
  /** Finish the rows in hand, then stop. */
  stop(): Promise<void>;
}

/** The delay before attempt `attempt + 1`, after `attempt` failed. */
export const retryDelayMs = (baseMs: number, attempt: number) => baseMs * 2 ** Math.max(0, attempt - 1);

export function startDeliveryProcessor(
  deps: FeedDeps & { logger?: Pick<Logger, 'warn' | 'error'> },
  opts: ProcessorOptions,
): DeliveryProcessor {
  const pollMs = opts.pollMs ?? 1000;
  const batch = opts.batch ?? 20;
  const concurrency = opts.concurrency ?? 4;
  let stopping = false;
  let wakeUp: (() => void) | undefined;
  let woken = false;

  async function work(row: repo.DeliveryRow, context: Awaited<ReturnType<typeof mappingContext>>) {
    const client = opts.clients[row.adapter as keyof PmsClients];
    if (!client) {
      await repo.markParked(
        deps.db,
        row.id,
        `the ${row.adapter} adapter is not configured (no API credentials)`,
      );
      return;
    }
    try {
      const reservation = await client.fetchReservation(row.reservation_id);
      const fed = await feedReservation(deps, client, reservation, context);
      await repo.markDone(deps.db, row.id, fed);
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).slice(0, 500);
      if (row.attempts >= opts.attempts) {
        await repo.markParked(deps.db, row.id, `${message} (after ${row.attempts} attempts)`);
      } else {
        await repo.markRetry(deps.db, row.id, message, retryDelayMs(opts.retryBaseMs, row.attempts));
      }
    }
  }

  async function pass(): Promise<number> {
    const rows = await repo.claimDue(deps.db, batch, opts.leaseSeconds ?? 120);
    if (rows.length === 0) return 0;
    const context = await mappingContext(deps);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, rows.length) }, async () => {
        while (next < rows.length) {
          const row = rows[next++]!;
          await work(row, context).catch((err: unknown) =>
            deps.logger?.error(
              { err, deliveryId: row.id },
              'PMS delivery not marked; its lease will run out',
            ),
          );
        }
      }),
    );
    return rows.length;
  }

  const loop = (async () => {
    while (!stopping) {
      let taken = 0;
      try {
        taken = await pass();
      } catch (err) {
        deps.logger?.warn({ err }, 'PMS deliveries: a pass failed; trying again');
      }
      if (stopping) break;
      if (taken === batch) continue;
      if (woken) {
        woken = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
      woken = false;
    }
  })();

  return {
    wake() {
      woken = true;
      wakeUp?.();
    },
    async stop() {
      stopping = true;
      wakeUp?.();
      await loop;
    },
  };
}
