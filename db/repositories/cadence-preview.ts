/**
 * What the marketer's preview of a cadence for one guest reads (api/marketing/cadence-preview.ts): the stay it
 * plans from, the points it earned, and the guest's recent marketing mails (the frequency cap).
 */
import type { Knex } from 'knex';

export interface PreviewStay {
  id: string;
  property_code: string;
  /** 'YYYY-MM-DD' */
  arrival: string;
  /** 'YYYY-MM-DD' */
  departure: string;
  nights: number;
  checked_out_at: Date;
}

/** The guest's latest stay by check-out, or undefined. */
export async function latestStay(db: Knex, guestId: string): Promise<PreviewStay | undefined> {
  return (
    (await db<PreviewStay & { guest_id: string }>('stays')
      .where({ guest_id: guestId })
      .orderBy('checked_out_at', 'desc')
      .first('id', 'property_code', 'arrival', 'departure', 'nights', 'checked_out_at')) ?? undefined
  );
}

/** The points a stay earned (every ledger row of it). */
export async function pointsOfStay(db: Knex, stayId: string): Promise<number> {
  const row = await db('points_ledger')
    .where({ stay_id: stayId })
    .first<{ points: number }>(db.raw('coalesce(sum(points), 0)::bigint as points'));
  return row.points;
}

/** When the guest's marketing mails queued or sent since `since` were planned. */
export async function marketingPlannedSince(db: Knex, guestId: string, since: Date): Promise<Date[]> {
  return db('mail_outbox')
    .where({ guest_id: guestId, class: 'marketing' })
    .whereIn('status', ['pending', 'sent'])
    .where('planned_at', '>=', since)
    .orderBy('planned_at')
    .pluck<Date[]>('planned_at');
}

/** One stay by id (the stay a running follow-up follows), or undefined. */
export async function stayById(db: Knex, stayId: string): Promise<PreviewStay | undefined> {
  return (
    (await db<PreviewStay>('stays')
      .where({ id: stayId })
      .first('id', 'property_code', 'arrival', 'departure', 'nights', 'checked_out_at')) ?? undefined
  );
}

export interface RunningFollowUp {
  workflow_id: string;
  guest_id: string;
  stay_id: string;
  cadence_version: number;
  steps_done: string[];
}

/** The follow-ups of the cadence running now (any version), the first `limit` by workflow id. */
export async function runningFollowUps(
  db: Knex,
  cadenceKey: string,
  limit: number,
): Promise<RunningFollowUp[]> {
  return db('follow_ups')
    .where({ cadence_key: cadenceKey, status: 'running' })
    .orderBy('workflow_id')
    .limit(limit)
    .select('workflow_id', 'guest_id', 'stay_id', 'cadence_version', 'steps_done');
}
