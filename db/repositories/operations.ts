import type { Knex } from 'knex';
import { countAwaitingRate } from './re-earn.js';

/**
 * What the people running the engine watch, read from the record (lib/metrics.ts exports it at every scrape):
 * mails waiting or overdue or failed for good, PMS events not yet handled by their guest's workflow (what the
 * sweeper re-drives), open service cases by SLA state, compensations waiting for a manager, the follow-ups
 * running on each cadence version, and the stays waiting for a rate. Each read uses a partial index; none reads a whole table.
 */
export interface OperationsSnapshot {
  mails: {
    /** Planned and not sent yet (held for a send window included). */
    pending: number;
    /** Pending although due more than `overdueAfterSeconds` ago: the worker or the mail server is behind. */
    overdue: number;
    /** Seconds since the send time of the oldest pending mail that is due (0 when none is due). */
    oldestDueSeconds: number;
    /** Refused for good by the mail server (55x), in the outbox. */
    failed: number;
  };
  pmsEvents: {
    /** Received over `unhandledAfterSeconds` ago and neither handled nor rejected by the guest's workflow. */
    unhandled: number;
    /** Of those, never signalled to the workflow (Temporal refused, or the API stopped before). */
    unsignalled: number;
    /** Seconds since the oldest of them was received (0 when none). */
    oldestSeconds: number;
  };
  /** Open service cases by SLA state: on_track, duty_manager, general_manager. */
  openCases: Record<string, number>;
  compensationsAwaitingApproval: number;
  /** Running follow-ups as `<cadence key> v<version>` → how many. */
  followUpsRunning: Record<string, number>;
  /** Stays that earned nothing for want of a rate for their currency, not yet re-earned (db/repositories/re-earn.ts). */
  staysAwaitingRate: number;
}

const num = (v: unknown): number => (v == null ? 0 : Number(v));

export async function readOperations(
  db: Knex,
  opts: { overdueAfterSeconds: number; unhandledAfterSeconds: number; timeoutMs: number },
): Promise<OperationsSnapshot> {
  const t = opts.timeoutMs;
  const mails = (await db('mail_outbox')
    .whereIn('status', ['pending', 'failed'])
    .first(
      db.raw("count(*) filter (where status = 'pending') as pending"),
      db.raw(
        "count(*) filter (where status = 'pending' and send_at < now() - make_interval(secs => ?)) as overdue",
        [opts.overdueAfterSeconds],
      ),
      db.raw(
        "coalesce(extract(epoch from now() - min(send_at) filter (where status = 'pending' and send_at <= now())), 0) as oldest_due",
      ),
      db.raw("count(*) filter (where status = 'failed') as failed"),
    )
    .timeout(t, { cancel: true })) as Record<string, unknown>;
  const events = (await db('pms_events')
    .whereNull('handled_at')
    .whereNull('rejected_at')
    .whereRaw('received_at < now() - make_interval(secs => ?)', [opts.unhandledAfterSeconds])
    .first(
      db.raw('count(*) as unhandled'),
      db.raw('count(*) filter (where signalled_at is null) as unsignalled'),
      db.raw('coalesce(extract(epoch from now() - min(received_at)), 0) as oldest'),
    )
    .timeout(t, { cancel: true })) as Record<string, unknown>;
  const cases = (await db('service_cases')
    .where({ status: 'open' })
    .groupBy('sla_state')
    .select('sla_state', db.raw('count(*) as n'))
    .timeout(t, { cancel: true })) as { sla_state: string; n: unknown }[];
  const awaiting = (await db('case_compensations')
    .where({ status: 'awaiting_approval' })
    .first(db.raw('count(*) as n'))
    .timeout(t, { cancel: true })) as Record<string, unknown>;
  const followUps = (await db('follow_ups')
    .where({ status: 'running' })
    .groupBy('cadence_key', 'cadence_version')
    .select('cadence_key', 'cadence_version', db.raw('count(*) as n'))
    .timeout(t, { cancel: true })) as { cadence_key: string; cadence_version: number; n: unknown }[];
  const staysAwaitingRate = await countAwaitingRate(db, t);
  return {
    mails: {
      pending: num(mails.pending),
      overdue: num(mails.overdue),
      oldestDueSeconds: Math.round(num(mails.oldest_due)),
      failed: num(mails.failed),
    },
    pmsEvents: {
      unhandled: num(events.unhandled),
      unsignalled: num(events.unsignalled),
      oldestSeconds: Math.round(num(events.oldest)),
    },
    openCases: Object.fromEntries(
      ['on_track', 'duty_manager', 'general_manager'].map((s) => [
        s,
        num(cases.find((c) => c.sla_state === s)?.n),
      ]),
    ),
    compensationsAwaitingApproval: num(awaiting.n),
    followUpsRunning: Object.fromEntries(
      followUps.map((f) => [`${f.cadence_key} v${f.cadence_version}`, num(f.n)]),
    ),
    staysAwaitingRate,
  };
}
