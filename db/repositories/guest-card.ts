/**
 * The guest card (`GET /v1/guests/:id`, api/guests/service.ts) in one statement: the guest's row and each list
 * of the card as a `json_agg` subquery, so a page is one round trip and one plan instead of thirteen
 * (docs/benchmarks.md has what that saved). Each list keeps the order and the limit its own repository gives
 * it; the standing is db/repositories/standing.ts's statement itself.
 *
 * JSON turns some types into others, so the columns are chosen with care: money (`numeric`) is cast to text,
 * as `pg` gives it elsewhere, and the instants come back as text and are turned into Dates here (`pg` cuts
 * them to the millisecond the same way).
 */
import type { Knex } from 'knex';
import type { CaseRow } from './cases.js';
import type { BookingRow } from './bookings.js';
import type { GuestRow, StageHistoryRow, TierHistoryRow } from './guests.js';
import type { LedgerRow } from './ledger.js';
import type { ListedOutboxRow } from './outbox.js';
import type { PreferenceRow } from './preferences.js';
import type { StayCheckinRow } from './stay-checkins.js';
import type { StayRow } from './stays.js';
import type { ProgramRules } from '../../domain/program.js';
import { STAFF_ACTIONS } from './audit.js';
import { NO_RATE } from './re-earn.js';
import { preparedStatement, runPrepared, type PreparedStatement } from '../knex.js';
import { STANDING_SQL, standingFromRow, type GuestStanding, type StandingRow } from './standing.js';

/** How many of each list the card carries, newest first (the timeline has the rest, a page at a time). */
export const CARD_LIMITS = {
  stays: 500,
  ledger: 500,
  mails: 500,
  bookings: 100,
  history: 100,
  cases: 100,
  staffActions: 50,
} as const;

export type CardStay = Pick<
  StayRow,
  | 'id'
  | 'pms_stay_id'
  | 'property_code'
  | 'arrival'
  | 'departure'
  | 'nights'
  | 'room_revenue'
  | 'currency'
  | 'checked_out_at'
  | 'rules_version'
  | 'earn_flag'
  | 'revision'
  | 'cancelled_at'
>;
export type CardLedgerRow = Pick<
  LedgerRow,
  | 'id'
  | 'points'
  | 'balance_after'
  | 'reason'
  | 'stay_id'
  | 'source'
  | 'staff_request_id'
  | 'rules_version'
  | 'created_at'
>;
export type CardCase = Pick<
  CaseRow,
  | 'id'
  | 'status'
  | 'source'
  | 'category'
  | 'priority'
  | 'property_code'
  | 'department'
  | 'sla_state'
  | 'opened_at'
  | 'resolved_at'
>;
export type CardCheckin = Pick<
  StayCheckinRow,
  'pms_stay_id' | 'property_code' | 'arrival' | 'expected_departure' | 'checked_in_at'
>;
export type CardPreference = Omit<PreferenceRow, 'guest_id'>;
export interface CardStaffAction {
  id: number;
  action: string;
  actor: string;
  at: Date;
  after: unknown;
}
/** A rules version with the tiers it sets (domain/program.ts `versionInForce` picks the one in force). */
export interface CardRulesVersion {
  version: number;
  effectiveFrom: string;
  tiers: ProgramRules['tiers'];
}

export interface GuestCard {
  guest: Omit<GuestRow, 'profile_as_of'>;
  stays: CardStay[];
  /** The stays still flagged `no_rate_for_currency`, oldest departure first, whatever their age. */
  staysAwaitingRate: CardStay[];
  ledger: CardLedgerRow[];
  mails: ListedOutboxRow[];
  bookings: Omit<BookingRow, 'guest_id' | 'source'>[];
  tierHistory: Omit<TierHistoryRow, 'guest_id'>[];
  stageHistory: Omit<StageHistoryRow, 'guest_id'>[];
  /** Cases not closed: open, or resolved and waiting for the guest. */
  cases: CardCase[];
  /** Check-ins without a check-out, the latest first. */
  openCheckins: CardCheckin[];
  standing: GuestStanding;
  rulesVersions: CardRulesVersion[];
  preferences: CardPreference[];
  staffActions: CardStaffAction[];
}

/** `coalesce(json_agg(…), '[]')` of a subquery's rows in the given order, the first `limit` of them. */
const list = (select: string, order: string, limit?: number) =>
  `coalesce((select json_agg(x order by ${order}) from (${select} order by ${order}${
    limit === undefined ? '' : ` limit ${limit}`
  }) x), '[]'::json)`;

const STAY_COLUMNS = `id, pms_stay_id, property_code, arrival, departure, nights, room_revenue::text as room_revenue,
  currency, checked_out_at, rules_version, earn_flag, revision, cancelled_at`;

const SQL = `
select
  (select row_to_json(g) from (
    select id, source, pms_profile_id, first_name, last_name, email, locale, timezone, phone, birthday,
      marketing_consent, member_number, enrolled_at, enrolment_channel, referred_by_guest_id, stage, tier,
      tier_valid_through, tier_floor, created_at, updated_at
    from guests where id = :guestId) g) as guest,
  ${list(`select ${STAY_COLUMNS} from stays where guest_id = :guestId`, 'departure desc, id desc', CARD_LIMITS.stays)} as stays,
  ${list(`select ${STAY_COLUMNS} from stays where guest_id = :guestId and earn_flag = :noRate`, 'departure, id')} as stays_awaiting_rate,
  ${list(
    `select id, points, balance_after, reason, stay_id, source, staff_request_id, rules_version, created_at
     from points_ledger where guest_id = :guestId`,
    'id desc',
    CARD_LIMITS.ledger,
  )} as ledger,
  ${list(
    `select id, template, class, locale, to_address, subject, message_id, status, send_at, planned_at,
       suppression_reason, attempts, created_at, sent_at
     from mail_outbox where guest_id = :guestId`,
    'id desc',
    CARD_LIMITS.mails,
  )} as mails,
  ${list(
    `select id, pms_booking_id, property_code, arrival, departure, offer_code, status, created_at, cancelled_at
     from bookings where guest_id = :guestId`,
    'created_at desc, id desc',
    CARD_LIMITS.bookings,
  )} as bookings,
  ${list(
    `select id, tier, previous_tier, valid_from, valid_through, source, reason, rules_version, at
     from tier_history where guest_id = :guestId`,
    'id desc',
    CARD_LIMITS.history,
  )} as tier_history,
  ${list(
    `select id, from_stage, to_stage, reason, actor, at from stage_history where guest_id = :guestId`,
    'id desc',
    CARD_LIMITS.history,
  )} as stage_history,
  ${list(
    `select id, status, source, category, priority, property_code, department, sla_state, opened_at, resolved_at
     from service_cases where guest_id = :guestId and status in ('open', 'resolved')`,
    'opened_at desc, id desc',
    CARD_LIMITS.cases,
  )} as cases,
  ${list(
    `select pms_stay_id, property_code, arrival, expected_departure, checked_in_at
     from stay_checkins where guest_id = :guestId and checked_out_at is null`,
    'checked_in_at desc',
  )} as open_checkins,
  (select row_to_json(st) from (${STANDING_SQL}) st) as standing,
  ${list(
    `select version, effective_from as "effectiveFrom", rules -> 'tiers' as tiers from program_rules`,
    'version',
  )} as rules_versions,
  ${list(
    `select id, kind, category, text, source, recorded_by, created_at
     from guest_preferences where guest_id = :guestId and removed_at is null`,
    `kind = 'taboo' desc, created_at desc, id desc`,
  )} as preferences,
  ${list(
    `select id, action, actor, at, after from audit_log
     where subject = :subject and action = any(:staffActions)`,
    'id desc',
    CARD_LIMITS.staffActions,
  )} as staff_actions`;

type Json<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};

interface Row {
  guest: Json<GuestCard['guest']> | null;
  stays: Json<CardStay>[];
  stays_awaiting_rate: Json<CardStay>[];
  ledger: Json<CardLedgerRow>[];
  mails: Json<ListedOutboxRow>[];
  bookings: Json<GuestCard['bookings'][number]>[];
  tier_history: Json<GuestCard['tierHistory'][number]>[];
  stage_history: Json<GuestCard['stageHistory'][number]>[];
  cases: Json<CardCase>[];
  open_checkins: Json<CardCheckin>[];
  standing: StandingRow;
  rules_versions: CardRulesVersion[];
  preferences: Json<CardPreference>[];
  staff_actions: Json<CardStaffAction>[];
}

/** The instant of a JSON timestamp (`2026-12-06T10:43:49.123456+00:00`), to the millisecond. */
function instant(text: string): Date;
function instant(text: string | null): Date | null;
function instant(text: string | null): Date | null {
  return text === null ? null : new Date(text);
}

const CARD = preparedStatement<{
  guestId: string;
  year: number;
  noRate: string;
  subject: string;
  staffActions: string[];
}>('guest-card', SQL);

/**
 * The statement of the card of `guestId`, prepared under one name (db/knex.ts `runPrepared`): planning its
 * thirteen subqueries costs more than running them. bench/guest-reads.ts runs it directly as the baseline.
 */
export function guestCardStatement(guestId: string, year: number): PreparedStatement {
  return CARD.bind({
    guestId,
    year,
    noRate: NO_RATE,
    subject: `guest:${guestId}`,
    staffActions: [...STAFF_ACTIONS],
  });
}

/**
 * The card of the guest, or undefined when there is none. `year` is the calendar year of the standing's
 * "this year" (tier progress).
 */
export async function guestCard(db: Knex, guestId: string, year: number): Promise<GuestCard | undefined> {
  const [r] = await runPrepared<Row>(db, guestCardStatement(guestId, year));
  if (!r) throw new Error('the guest card statement gave no row');
  if (!r.guest) return undefined;
  const stay = (s: Json<CardStay>): CardStay => ({
    ...s,
    checked_out_at: instant(s.checked_out_at),
    cancelled_at: instant(s.cancelled_at),
  });
  return {
    guest: {
      ...r.guest,
      enrolled_at: instant(r.guest.enrolled_at),
      created_at: instant(r.guest.created_at),
      updated_at: instant(r.guest.updated_at),
    },
    stays: r.stays.map(stay),
    staysAwaitingRate: r.stays_awaiting_rate.map(stay),
    ledger: r.ledger.map((l) => ({ ...l, created_at: instant(l.created_at) })),
    mails: r.mails.map((m) => ({
      ...m,
      send_at: instant(m.send_at),
      planned_at: instant(m.planned_at),
      created_at: instant(m.created_at),
      sent_at: instant(m.sent_at),
    })),
    bookings: r.bookings.map((b) => ({
      ...b,
      created_at: instant(b.created_at),
      cancelled_at: instant(b.cancelled_at),
    })),
    tierHistory: r.tier_history.map((t) => ({ ...t, at: instant(t.at) })),
    stageHistory: r.stage_history.map((h) => ({ ...h, at: instant(h.at) })),
    cases: r.cases.map((c) => ({
      ...c,
      opened_at: instant(c.opened_at),
      resolved_at: instant(c.resolved_at),
    })),
    openCheckins: r.open_checkins.map((c) => ({ ...c, checked_in_at: instant(c.checked_in_at) })),
    standing: standingFromRow(r.standing),
    rulesVersions: r.rules_versions,
    preferences: r.preferences.map((p) => ({ ...p, created_at: instant(p.created_at) })),
    staffActions: r.staff_actions.map((a) => ({ ...a, at: instant(a.at) })),
  };
}
