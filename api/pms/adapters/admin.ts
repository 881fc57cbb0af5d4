/**
 * The PMS adapters for an admin, mounted at `/v1/admin/pms`: catch-up syncs (start one, its progress and
 * summary, the history) and the webhook deliveries (parked ones with their reason, and their re-drive).
 */
import { Router } from 'express';
import { z } from 'zod';
import * as audit from '../../../db/repositories/audit.js';
import * as repo from '../../../db/repositories/pms-adapters.js';
import { PMS_ADAPTERS, type PmsClients } from '../../../lib/pms/index.js';
import { HttpError, validationError } from '../../errors.js';
import { isoDate } from '../schema.js';
import type { FeedDeps } from './feed.js';
import { runSync } from './sync.js';

export interface PmsAdminDeps extends FeedDeps {
  clients: PmsClients;
  /** Tells the delivery processor there is work (a re-drive). */
  wake?: () => void;
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

/** The longest period one sync covers. */
export const MAX_SYNC_DAYS = 366;

export const startSyncBody = z
  .strictObject({
    adapter: z.enum(PMS_ADAPTERS, { message: 'must be apaleo or mews' }),
    since: isoDate(),
    until: isoDate().optional(),
  })
  .superRefine((b, ctx) => {
    const until = b.until ?? new Date().toISOString().slice(0, 10);
    const days = (Date.parse(until) - Date.parse(b.since)) / 86_400_000;
    if (days < 0) ctx.addIssue({ code: 'custom', path: ['until'], message: 'must not be before since' });
    else if (days > MAX_SYNC_DAYS)
      ctx.addIssue({
        code: 'custom',
        path: ['until'],
        message: `must be at most ${MAX_SYNC_DAYS} days after since`,
      });
  });

export const idParams = z.object({ id: z.string().regex(/^[1-9][0-9]{0,17}$/, 'must be an id') });
export const deliveriesQuery = z.object({
  status: z.enum(['pending', 'done', 'parked'], { message: 'must be pending, done or parked' }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** A sync as the API answers it. */
export function syncView(row: repo.SyncRow) {
  return {
    id: String(row.id),
    adapter: row.adapter,
    since: row.since,
    until: row.until,
    status: row.status,
    startedBy: row.started_by,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    total: row.total,
    seen: row.seen,
    new: row.new_count,
    known: row.known_count,
    rejected: row.rejected_count,
    reasons: row.reasons,
    rejections: row.rejections,
    error: row.error,
  };
}

export function deliveryView(row: repo.DeliveryRow) {
  return {
    id: String(row.id),
    adapter: row.adapter,
    deliveryId: row.delivery_id,
    kind: row.kind,
    reservationId: row.reservation_id,
    receivedAt: row.received_at.toISOString(),
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    outcome: row.outcome,
    eventId: row.event_id,
    rejectionReason: row.rejection_reason,
    parkedAt: row.parked_at?.toISOString() ?? null,
    parkedReason: row.parked_reason,
    redriveCount: row.redrive_count,
  };
}

/** Starts a sync in this process and answers at once; the row tells its progress. */
export async function startSync(
  deps: PmsAdminDeps,
  input: { adapter: (typeof PMS_ADAPTERS)[number]; since: string; until: string; startedBy: string },
): Promise<repo.SyncRow> {
  const client = deps.clients[input.adapter];
  if (!client)
    throw new HttpError(
      409,
      'adapter_not_configured',
      `the ${input.adapter} adapter has no API credentials`,
      {
        field: 'adapter',
      },
    );
  // A sync whose process died stops counting as running after a minute without progress.
  await repo.failStaleSyncs(deps.db, 60);
  const running = (await repo.listSyncs(deps.db, 20)).find(
    (s) => s.status === 'running' && s.adapter === input.adapter,
  );
  if (running)
    throw new HttpError(409, 'sync_running', `sync ${running.id} of ${input.adapter} is still running`, {
      field: 'adapter',
      syncId: running.id,
    });
  const row = await repo.createSync(deps.db, input);
  void runSync(deps, client, row).catch((err: unknown) =>
    deps.logger?.warn({ err, syncId: row.id }, 'PMS sync failed'),
  );
  return row;
}

export function pmsAdminRouter(deps: PmsAdminDeps): Router {
  const router = Router();
  router.post('/syncs', async (req, res) => {
    const body = parse(startSyncBody, req.body ?? {});
    const until = body.until ?? new Date().toISOString().slice(0, 10);
    const row = await startSync(deps, { ...body, until, startedBy: req.principal!.name });
    res.status(202).json(syncView(row));
  });
  router.get('/syncs', async (_req, res) => {
    res.json({ syncs: (await repo.listSyncs(deps.db, 50)).map(syncView) });
  });
  router.get('/syncs/:id', async (req, res) => {
    const { id } = parse(idParams, req.params);
    const row = await repo.getSync(deps.db, id);
    if (!row) throw new HttpError(404, 'sync_not_found', `no sync ${id}`, { field: 'id' });
    res.json(syncView(row));
  });
  router.get('/deliveries', async (req, res) => {
    const q = parse(deliveriesQuery, req.query);
    const [rows, counts] = await Promise.all([
      repo.listDeliveries(deps.db, { status: q.status, limit: q.limit }),
      repo.countByStatus(deps.db),
    ]);
    res.json({ deliveries: rows.map(deliveryView), counts });
  });
  router.post('/deliveries/:id/redrive', async (req, res) => {
    const { id } = parse(idParams, req.params);
    const row = await deps.db.transaction(async (trx) => {
      const redriven = await repo.redrive(trx, id, req.principal!.name);
      if (!redriven) {
        const known = await repo.getDelivery(trx, id);
        if (!known) throw new HttpError(404, 'delivery_not_found', `no delivery ${id}`, { field: 'id' });
        throw new HttpError(409, 'delivery_not_parked', `delivery ${id} is ${known.status}, not parked`, {
          field: 'id',
          status: known.status,
        });
      }
      await audit.record(trx, {
        actor: req.principal!.name,
        action: 'pms.delivery.redrive',
        subject: `pms_delivery:${id}`,
        before: { status: 'parked', parkedReason: redriven.parked_reason },
        after: { status: 'pending' },
      });
      return redriven;
    });
    deps.wake?.();
    res.json(deliveryView(row));
  });
  return router;
}
