/**
 * `pms_events.signalled_at`, batched behind the PMS API's answers (api/pms/service.ts hands each signalled event
 * here): one statement per batch of marks, written by db/repositories/pms-events.ts `markSignalled`.
 */
import type { Logger } from 'pino';
import type { Db } from '../../db/knex.js';
import * as pmsEvents from '../../db/repositories/pms-events.js';

/** At most this many events per `signalled_at` statement. */
const MAX_MARK_BATCH = 500;
/** How long a mark waits for others to share its statement. Far below the sweeper's minute. */
const MARK_DELAY_MS = 100;

/**
 * `pms_events.signalled_at`, written behind the 202 rather than before it, in batches: one statement
 * marks every event signalled in the last `MARK_DELAY_MS` (sooner once `MAX_MARK_BATCH` wait), so at
 * 200 events/s one statement and one commit serve about 20 events instead of one each. A mark is at most
 * about `MARK_DELAY_MS` plus a round trip late. It leaves the request's critical path because nothing
 * depends on it being there at the moment of the answer:
 *
 * - the durable record is the event row and the guest, committed before the signal; the 202 still waits
 *   for Temporal's acceptance of the signal;
 * - if the process dies, or the statement fails, between the signal and the mark, the event keeps
 *   `signalled_at` null and the sweeper (workflows/pms-event-sweeper.ts) signals it again after a minute
 *   and sets `signalled_at`; a second signal is harmless, since the workflow skips a handled event and
 *   its effects are keyed in Postgres;
 * - a repeated delivery while the mark is still pending in this process is answered as a duplicate
 *   (`isPending`), as it would be once the mark is written. One that reaches another API process in
 *   those milliseconds is signalled again and answered `duplicate: false` — harmless, as above.
 */
class SignalledMarks {
  private queued = new Set<string>();
  private writing = new Set<string>();
  /** The next drain, while one waits for company. */
  private timer: NodeJS.Timeout | undefined;
  /** The drain that is writing. */
  private draining: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly logger: Pick<Logger, 'warn'> | undefined,
  ) {}

  add(eventId: string): void {
    this.queued.add(eventId);
    if (!this.timer && !this.draining) this.schedule();
  }

  isPending(eventId: string): boolean {
    return this.queued.has(eventId) || this.writing.has(eventId);
  }

  /**
   * Call before reading an event's row; then `signalled(row.signalled_at)` says whether it was handed on: the
   * row's mark, or a mark pending before the read or still pending. A mark written between the read and the
   * check leaves the pending set after the read saw the row unmarked: the first look catches it.
   */
  watch(eventId: string): { signalled: (signalledAt: Date | null) => boolean } {
    const pendingBefore = this.isPending(eventId);
    return { signalled: (signalledAt) => signalledAt !== null || pendingBefore || this.isPending(eventId) };
  }

  /** Writes every pending mark now (before the pool closes, so a shutdown re-signals nothing). */
  async flush(): Promise<void> {
    for (;;) {
      if (this.draining) await this.draining;
      else if (this.queued.size === 0) return;
      else this.start();
    }
  }

  private schedule(): void {
    // Unref'd: pending marks never keep a process alive; if it exits first, the sweeper covers them.
    this.timer = setTimeout(() => this.start(), MARK_DELAY_MS);
    this.timer.unref();
  }

  private start(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.queued.size > 0 && !this.timer) this.schedule();
    });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const ids: string[] = [];
      for (const id of this.queued) {
        if (ids.length >= MAX_MARK_BATCH) break;
        ids.push(id);
      }
      for (const id of ids) {
        this.queued.delete(id);
        this.writing.add(id);
      }
      try {
        await pmsEvents.markSignalled(this.db, ids);
      } catch (err) {
        this.logger?.warn(
          { err, events: ids.length, firstEventId: ids[0] },
          'could not record signalled_at; the sweeper signals these events again',
        );
      } finally {
        for (const id of ids) this.writing.delete(id);
      }
      // A full batch goes at once; fewer wait for the next delay to gather company.
      if (this.queued.size < MAX_MARK_BATCH) return;
    }
  }
}

const marksByDb = new WeakMap<Db, SignalledMarks>();

/** The marks of `deps.db`'s pool: one batcher per pool, whichever service call comes first creates it. */
export function signalledMarks(deps: { db: Db; logger?: Pick<Logger, 'warn'> | undefined }): SignalledMarks {
  let marks = marksByDb.get(deps.db);
  if (!marks) {
    marks = new SignalledMarks(deps.db, deps.logger);
    marksByDb.set(deps.db, marks);
  }
  return marks;
}

/**
 * Writes the `signalled_at` marks still pending for `db` (none pending: returns at once). Call it after
 * the HTTP server has closed and before `db.destroy()`; without it the marks of the last ~100 ms are
 * left to the sweeper, which re-signals those events a minute later (harmless, but needless).
 */
export async function flushSignalledMarks(db: Db): Promise<void> {
  await marksByDb.get(db)?.flush();
}
