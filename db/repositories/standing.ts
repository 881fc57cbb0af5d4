/**
 * What Postgres says about a guest now, in one statement: the figures the
 * guest's workflow decides from (totals, a year's qualifying activity, the
 * balance, the latest stay).
 */
import type { Knex } from 'knex';
import type { LastStay } from '../../contracts/guest.js';
import { STAY_BASE_POINTS_SQL } from './ledger.js';

export interface YearActivityRow {
  stays: number;
  nights: number;
  basePoints: number;
}

export interface GuestStanding {
  totalStays: number;
  totalNights: number;
  /** Stays, nights and base points of stays departing in the year asked for, and in the year before. */
  year: YearActivityRow;
  previousYear: YearActivityRow;
  pointsBalance: number;
  lastStay: LastStay | null;
}

/** The standing of `:guestId` in `:year`, one row (db/repositories/guest-card.ts reads it inside the card). */
export const STANDING_SQL = `
with s as (
  select id, pms_stay_id, property_code, arrival, departure, nights, created_at,
         extract(year from departure)::int as y
  from stays where guest_id = :guestId and cancelled_at is null
), base as (
  select extract(year from s.departure)::int as y, sum(l.points)::bigint as points
  from points_ledger l join stays s on s.id = l.stay_id
  where l.guest_id = :guestId and ${STAY_BASE_POINTS_SQL}
  group by 1
), last as (
  select * from s order by departure desc, created_at desc limit 1
)
select
  (select count(*) from s)::int as total_stays,
  (select coalesce(sum(nights), 0) from s)::int as total_nights,
  (select count(*) from s where y = :year)::int as year_stays,
  (select coalesce(sum(nights), 0) from s where y = :year)::int as year_nights,
  (select coalesce(sum(points), 0) from base where y = :year)::bigint as year_base_points,
  (select count(*) from s where y = :year - 1)::int as prev_stays,
  (select coalesce(sum(nights), 0) from s where y = :year - 1)::int as prev_nights,
  (select coalesce(sum(points), 0) from base where y = :year - 1)::bigint as prev_base_points,
  (select coalesce(sum(points), 0) from points_ledger where guest_id = :guestId)::bigint as balance,
  (select row_to_json(last) from last) as last_stay`;

export interface StandingRow {
  total_stays: number;
  total_nights: number;
  year_stays: number;
  year_nights: number;
  year_base_points: number;
  prev_stays: number;
  prev_nights: number;
  prev_base_points: number;
  balance: number;
  last_stay: {
    id: string;
    pms_stay_id: string;
    property_code: string;
    arrival: string;
    departure: string;
    nights: number;
  } | null;
}

export async function standingOf(db: Knex, guestId: string, year: number): Promise<GuestStanding> {
  const { rows } = await db.raw<{ rows: StandingRow[] }>(STANDING_SQL, { guestId, year });
  return standingFromRow(rows[0]!);
}

/** The standing a row of STANDING_SQL gives, as `pg` reads it or as JSON (the guest card). */
export function standingFromRow(r: StandingRow): GuestStanding {
  const s = r.last_stay;
  return {
    totalStays: r.total_stays,
    totalNights: r.total_nights,
    year: { stays: r.year_stays, nights: r.year_nights, basePoints: Number(r.year_base_points) },
    previousYear: { stays: r.prev_stays, nights: r.prev_nights, basePoints: Number(r.prev_base_points) },
    pointsBalance: Number(r.balance),
    lastStay: s
      ? {
          stayId: s.id,
          pmsStayId: s.pms_stay_id,
          propertyCode: s.property_code,
          arrival: s.arrival,
          departure: s.departure,
          nights: s.nights,
        }
      : null,
  };
}
