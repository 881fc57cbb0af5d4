/**
 * The catch-up sync: every reservation of a period, page by page from the PMS, fed like a webhook's (feed.ts),
 * so what the intake already has is "known" and a second run changes nothing. Its progress and summary — new,
 * already known, rejected and why — are kept on its `pms_syncs` row (migration 028) as it goes, for the CLI
 * (cli/pms-sync.ts), `GET /v1/admin/pms/syncs/:id` and the console's PMS page.
 */
import * as repo from '../../../db/repositories/pms-adapters.js';
import type { PmsClient } from '../../../lib/pms/index.js';
import { feedReservation, mappingContext, type FeedDeps } from './feed.js';

/** At most this many rejections are kept with their reservation (the counts by reason keep them all). */
export const KEPT_REJECTIONS = 200;

export interface SyncTick {
  total?: number | undefined;
  seen: number;
  newCount: number;
  knownCount: number;
  rejectedCount: number;
}

/** Runs the sync of row `syncId` to its end; the row says how it went (a PMS that fails: `failed`, its error). */
export async function runSync<R>(
  deps: FeedDeps,
  client: PmsClient<R>,
  sync: Pick<repo.SyncRow, 'id' | 'since' | 'until'>,
  onTick?: (tick: SyncTick) => void,
): Promise<repo.SyncRow> {
  const progress: repo.SyncProgress = {
    seen: 0,
    newCount: 0,
    knownCount: 0,
    rejectedCount: 0,
    reasons: {},
    rejections: [],
  };
  try {
    const context = await mappingContext(deps);
    let cursor: string | undefined;
    do {
      const page = await client.listReservations({ since: sync.since, until: sync.until, cursor });
      if (page.total !== undefined) progress.total = page.total;
      for (const reservation of page.reservations) {
        const fed = await feedReservation(deps, client, reservation, context);
        progress.seen += 1;
        if (fed.outcome === 'new') progress.newCount += 1;
        else if (fed.outcome === 'known') progress.knownCount += 1;
        else {
          progress.rejectedCount += 1;
          const reason = fed.reason ?? 'rejected';
          progress.reasons[reason] = (progress.reasons[reason] ?? 0) + 1;
          if (progress.rejections.length < KEPT_REJECTIONS)
            progress.rejections.push({ reservationId: client.idOf(reservation), reason });
        }
        onTick?.(progress);
        if (progress.seen % 50 === 0) await repo.saveSyncProgress(deps.db, sync.id, progress);
      }
      cursor = page.next;
    } while (cursor);
    if (progress.total === undefined) progress.total = progress.seen;
    await repo.saveSyncProgress(deps.db, sync.id, progress);
    await repo.finishSync(deps.db, sync.id);
  } catch (err) {
    await repo.saveSyncProgress(deps.db, sync.id, progress).catch(() => undefined);
    await repo.finishSync(deps.db, sync.id, (err instanceof Error ? err.message : String(err)).slice(0, 500));
  }
  return (await repo.getSync(deps.db, sync.id))!;
}

/** The summary of a finished sync, as the CLI prints it and the closing note quotes it. */
export function syncSummary(row: repo.SyncRow): string {
  const lines = [
    `PMS sync #${row.id} (${row.adapter}, ${row.since} to ${row.until}): ${row.status}`,
    `  reservations   ${row.seen}${row.total !== null && row.total !== row.seen ? ` of ${row.total}` : ''}`,
    `  new            ${row.new_count}`,
    `  already known  ${row.known_count}`,
    `  rejected       ${row.rejected_count}`,
    ...Object.entries(row.reasons)
      .sort(([, a], [, b]) => b - a)
      .map(([reason, n]) => `    ${String(n).padStart(4)}  ${reason}`),
  ];
  if (row.error) lines.push(`  error          ${row.error}`);
  return lines.join('\n');
}
