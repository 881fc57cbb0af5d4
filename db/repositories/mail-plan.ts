/**
 * What the send planner reads (activities/mail.ts planMail): the guest under its row lock, the program's send
 * window, frequency cap and quiet periods, the guest's marketing mails since a moment, open service cases and
 * upcoming bookings. Called inside the transaction that then queues or suppresses the mail.
 */
import type { Knex } from 'knex';

export interface PlanningGuest {
  id: string;
  timezone: string;
  marketing_consent: boolean;
  /** When the guest's personal data was erased (migration 030), or null. */
  erased_at: Date | null;
}

/**
 * The guest's row, locked until the transaction ends (`select … for no key update`: the row lock that a
 * consent change takes too, without blocking inserts that merely reference the guest): concurrent plannings
 * of the same guest's mails take turns, so each counts the mails the ones before it queued, and an
 * unsubscribe either comes before a planning (which then sees no consent) or after it (and suppresses the
 * mail it queued).
 */
export async function lockGuest(trx: Knex.Transaction, guestId: string): Promise<PlanningGuest | undefined> {
  return (
    (await trx<PlanningGuest>('guests')
      .where({ id: guestId })
      .forNoKeyUpdate()
      .first('id', 'timezone', 'marketing_consent', 'erased_at')) ?? undefined
  );
}

export interface PlanningSettingsRow {
  send_window_start: string;
  send_window_end: string;
  marketing_frequency_cap: number;
  marketing_frequency_days: number;
  /** jsonb `[{ from, to, name? }]`, checked by domain/mail-policy.ts checkQuietPeriods. */
  quiet_periods: unknown;
}

export async function planningSettings(db: Knex): Promise<PlanningSettingsRow | undefined> {
  return (
    (await db<PlanningSettingsRow & { id: string }>('program_settings')
      .where({ id: 'default' })
      .first(
        'send_window_start',
        'send_window_end',
        'marketing_frequency_cap',
        'marketing_frequency_days',
        'quiet_periods',
      )) ?? undefined
  );
}

/** The guest's marketing mails queued or sent (not suppressed, not failed) that were planned at or after `since`. */
export async function marketingMailsSince(db: Knex, guestId: string, since: Date): Promise<number> {
  const row = (await db('mail_outbox')
    .where({ guest_id: guestId, class: 'marketing' })
    .whereIn('status', ['pending', 'sent'])
    .where('planned_at', '>=', since)
    .count({ n: '*' })
    .first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/**
 * The guest's service cases not yet closed: `open` (or reopened) and `resolved` but still waiting for the
 * guest's satisfaction check. Marketing pauses until the guest has said the matter is settled. `service_cases`
 * arrives with migration 007 (service recovery): before it, no guest has an open case.
 */
export async function openServiceCases(db: Knex, guestId: string): Promise<number> {
  const exists = await db.raw<{ rows: { t: string | null }[] }>(
    "select to_regclass('service_cases')::text as t",
  );
  if (!exists.rows[0]?.t) return 0;
  const row = (await db('service_cases')
    .where({ guest_id: guestId })
    .whereIn('status', ['open', 'resolved'])
    .count({ n: '*' })
    .first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** A booking of the guest, not cancelled, that has not ended before `localToday` (`YYYY-MM-DD`): a stay to come. */
export async function hasBookingAhead(db: Knex, guestId: string, localToday: string): Promise<boolean> {
  const row = await db<{ id: string; guest_id: string; status: string; departure: string }>('bookings')
    .where({ guest_id: guestId })
    .whereNot({ status: 'cancelled' })
    .where('departure', '>=', localToday)
    .first('id');
  return row !== undefined;
}
