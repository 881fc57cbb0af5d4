/**
 * What the front desk reads for the day's arrivals (`GET /v1/arrivals`, api/arrivals/service.ts): the bookings
 * arriving at a property on a day, and the facts of their guests, each read for the whole list in one statement
 * (`guest_id = any(…)`), never per guest. The bookings are found by migration 020's partial index.
 */
import type { Knex } from 'knex';
import type { CasePriority, CaseSlaState } from '../../domain/cases.js';

/** A booking arriving on the day, with its guest. */
export interface ArrivalRow {
  booking_id: string;
  pms_booking_id: string;
  /** 'YYYY-MM-DD' */
  arrival: string;
  departure: string;
  offer_code: string | null;
  booked_at: Date;
  guest_id: string;
  first_name: string;
  last_name: string;
  member_number: string | null;
  locale: string;
  marketing_consent: boolean;
  stage: string;
  tier: string;
  /** 'YYYY-MM-DD' */
  tier_valid_through: string | null;
  birthday: string | null;
}

/**
 * The bookings not cancelled that arrive at `propertyCode` on `date` (the property's local date, as the PMS
 * sent it), with their guests, by last name, first name (any case), guest and booking.
 */
export async function arrivingOn(db: Knex, propertyCode: string, date: string): Promise<ArrivalRow[]> {
  const { rows } = await db.raw<{ rows: ArrivalRow[] }>(
    `select b.id as booking_id, b.pms_booking_id, b.arrival, b.departure, b.offer_code, b.created_at as booked_at,
            g.id as guest_id, g.first_name, g.last_name, g.member_number, g.locale, g.marketing_consent,
            g.stage, g.tier, g.tier_valid_through, g.birthday
       from bookings b join guests g on g.id = b.guest_id
      where b.property_code = :propertyCode and b.arrival = :date and b.status <> 'cancelled'
      order by lower(g.last_name), lower(g.first_name), g.id, b.id`,
    { propertyCode, date },
  );
  return rows;
}

/** How many stays each guest has, and the last one (by departure). */
export interface StaySummaryRow {
  guest_id: string;
  stays: number;
  property_code: string;
  arrival: string;
  departure: string;
}

export async function staySummaries(db: Knex, guestIds: string[]): Promise<StaySummaryRow[]> {
  if (guestIds.length === 0) return [];
  const { rows } = await db.raw<{ rows: StaySummaryRow[] }>(
    `select distinct on (guest_id) guest_id, count(*) over (partition by guest_id)::int as stays,
            property_code, arrival, departure
       from stays where guest_id = any(?::uuid[]) and cancelled_at is null
      order by guest_id, departure desc, checked_out_at desc, id desc`,
    [guestIds],
  );
  return rows;
}

/** A case not closed yet: open, or resolved and waiting for the guest's answer. */
export interface UnclosedCaseRow {
  id: string;
  guest_id: string;
  status: string;
  category: string;
  priority: CasePriority;
  sla_state: CaseSlaState;
  property_code: string;
  opened_at: Date;
}

export async function unclosedCases(db: Knex, guestIds: string[]): Promise<UnclosedCaseRow[]> {
  if (guestIds.length === 0) return [];
  const { rows } = await db.raw<{ rows: UnclosedCaseRow[] }>(
    `select id, guest_id, status, category, priority, sla_state, property_code, opened_at
       from service_cases where guest_id = any(?::uuid[]) and status <> 'closed'`,
    [guestIds],
  );
  return rows;
}

/** Each guest's last survey answer (the answer in force of the stay answered last). */
export interface LastSurveyRow {
  guest_id: string;
  stay_id: string;
  score: number;
  would_return: string;
  recommend: number | null;
  answered_at: Date;
}

export async function lastSurveys(db: Knex, guestIds: string[]): Promise<LastSurveyRow[]> {
  if (guestIds.length === 0) return [];
  const { rows } = await db.raw<{ rows: LastSurveyRow[] }>(
    `select distinct on (guest_id) guest_id, stay_id, score, would_return, recommend, answered_at
       from survey_responses where guest_id = any(?::uuid[])
      order by guest_id, answered_at desc, id`,
    [guestIds],
  );
  return rows;
}

/** How many post-stay follow-ups run for each guest, and the one started last. */
export interface RunningFollowUpRow {
  guest_id: string;
  running: number;
  workflow_id: string;
  stay_id: string;
  cadence_key: string;
  cadence_version: number;
  steps_done: string[];
  started_at: Date;
}

export async function runningFollowUps(db: Knex, guestIds: string[]): Promise<RunningFollowUpRow[]> {
  if (guestIds.length === 0) return [];
  const { rows } = await db.raw<{ rows: RunningFollowUpRow[] }>(
    `select distinct on (guest_id) guest_id, count(*) over (partition by guest_id)::int as running,
            workflow_id, stay_id, cadence_key, cadence_version, steps_done, started_at
       from follow_ups where guest_id = any(?::uuid[]) and status = 'running'
      order by guest_id, started_at desc, workflow_id`,
    [guestIds],
  );
  return rows;
}

/**
 * When each of these guests lapsed last (the stage row that started the win-back that runs while the guest is
 * `lapsed`: docs/architecture.md "The guest's lifecycle"). Call it with the guests whose stage is `lapsed`.
 */
export async function lapses(db: Knex, guestIds: string[]): Promise<{ guest_id: string; lapsed_at: Date }[]> {
  if (guestIds.length === 0) return [];
  const { rows } = await db.raw<{ rows: { guest_id: string; lapsed_at: Date }[] }>(
    `select distinct on (guest_id) guest_id, at as lapsed_at
       from stage_history where guest_id = any(?::uuid[]) and to_stage = 'lapsed'
      order by guest_id, id desc`,
    [guestIds],
  );
  return rows;
}
