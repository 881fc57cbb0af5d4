/**
 * What a guest's workflow is told: one discriminated union, carried by one
 * signal into one inbox (docs/architecture.md "The guest's lifecycle"). Messages carry ids and
 * facts only, never a name, an address or free text: the profile stays in
 * Postgres and activities read it there.
 */
import { toCents } from './points.js';
import type { StayFacts } from './types.js';

/** The `source` of everything the PMS webhook delivers (stays, guests). */
export const PMS_SOURCE = 'pms';

/** The PMS reported a check-out. `eventId` is the PMS event's id (the `pms_events` row). */
export interface StayCompletedMessage {
  type: 'stay.completed';
  eventId: string;
  source: string;
  /** ISO instant of the check-out. */
  occurredAt: string;
  stay: StayFacts;
}

/**
 * The PMS corrected a completed stay (e.g. its folio became final): the full, corrected facts of the same
 * `pmsStayId`. The amendment's reason is free text and stays on the `pms_events` row.
 */
export interface StayAmendedMessage {
  type: 'stay.amended';
  eventId: string;
  source: string;
  /** ISO instant of the amendment. */
  occurredAt: string;
  stay: StayFacts;
}

/**
 * The PMS voided a completed stay (posted in error): its points are reversed, the stay row is marked cancelled
 * and its follow-up withdrawn. The cancellation's reason stays on the `pms_events` row.
 */
export interface StayCancelledMessage {
  type: 'stay.cancelled';
  eventId: string;
  source: string;
  occurredAt: string;
  stay: { pmsStayId: string };
}

/**
 * The PMS reported a check-in. `occurredAt` is the check-in instant; the stay's facts are what the in-stay
 * care needs (which PMS stay, where, until when the guest is expected).
 */
export interface StayStartedMessage {
  type: 'stay.started';
  eventId: string;
  source: string;
  occurredAt: string;
  stay: {
    pmsStayId: string;
    propertyCode: string;
    /** 'YYYY-MM-DD' */
    arrival: string;
    /** 'YYYY-MM-DD': the departure the guest is expected on. */
    expectedDeparture: string;
  };
}

/** A booking was made (by a prospect, a member, a lapsed guest…). `bookingId` is the PMS's. */
export interface BookingCreatedMessage {
  type: 'booking.created';
  eventId: string;
  source: string;
  occurredAt: string;
  booking: {
    bookingId: string;
    propertyCode: string;
    /** 'YYYY-MM-DD' */
    arrival: string;
    departure: string;
    /** An offer or coupon code the booking carries (a win-back coupon is redeemed by it). */
    offerCode?: string;
  };
}

export interface BookingCancelledMessage {
  type: 'booking.cancelled';
  eventId: string;
  source: string;
  occurredAt: string;
  booking: { bookingId: string };
}

/**
 * The profile changed (the API has already written it to Postgres). Only the facts the workflow decides on
 * travel: which fields changed, the new consent and locale, whether a birthday is known. Never the values
 * of contact fields or the birthday itself.
 */
export interface ProfileUpdatedMessage {
  type: 'profile.updated';
  eventId: string;
  source: string;
  occurredAt: string;
  changed: string[];
  marketingConsent?: boolean;
  timezone?: string;
  locale?: string;
  birthdayKnown?: boolean;
}

/** The guest joined the loyalty program (front desk or online), perhaps referred by another member. */
export interface MemberEnrolledMessage {
  type: 'member.enrolled';
  eventId: string;
  source: string;
  occurredAt: string;
  channel: 'front_desk' | 'online' | 'stay';
  /** The referring member's guest id (the API resolves the member number). */
  referredByGuestId?: string;
}

/**
 * What the post-stay follow-up and service recovery tell the guest's workflow: facts only, the answers
 * themselves stay in Postgres.
 */
export interface SurveyAnsweredMessage {
  type: 'survey.answered';
  eventId: string;
  source: string;
  occurredAt: string;
  stayId: string;
  score: number;
  wouldReturn: 'yes' | 'maybe' | 'no';
}

export interface CaseChangedMessage {
  type: 'case.opened' | 'case.closed';
  eventId: string;
  source: string;
  occurredAt: string;
  caseId: string;
}

/**
 * A service case granted the guest points (a compensation, on the ledger already): the guest's workflow reads
 * its balance again, and its validators count the points while the message waits in the inbox.
 */
export interface PointsCompensatedMessage {
  type: 'points.compensated';
  eventId: string;
  source: string;
  occurredAt: string;
  caseId: string;
  points: number;
}

/**
 * A stay that earned nothing for want of a rate (`no_rate_for_currency`) was re-earned by an admin once a rules
 * version had the rate (`POST /v1/admin/stays/re-earn`): the points are on the ledger already. The guest's workflow
 * reads its balance again, and its validators count the points while the message waits in the inbox.
 */
export interface PointsReEarnedMessage {
  type: 'points.re_earned';
  /** `stay-re-earn:<stayId>`, the ledger row's idempotency key. */
  eventId: string;
  source: string;
  occurredAt: string;
  stayId: string;
  points: number;
  rulesVersion: number;
}

/** A lapsed guest answered the "may we ask why?" link (the reason itself is in Postgres). */
export interface ChurnReasonGivenMessage {
  type: 'churn.reason_given';
  eventId: string;
  source: string;
  occurredAt: string;
}

/** A guest this member referred completed a first stay: the referral bonus is on this member's ledger. */
export interface ReferralRewardedMessage {
  type: 'referral.rewarded';
  eventId: string;
  source: string;
  occurredAt: string;
  referredGuestId: string;
  points: number;
}

/**
 * The guest's personal data was erased (`POST /v1/guests/:id/erasure`, docs/privacy.md): the workflow asks the
 * children that may still run (found in Postgres by the erasure, and its own win-back) to stop, clears what it
 * carries and ends. Ids only. `eventId`: `erasure:<audit entry id>`.
 */
export interface GuestErasedMessage {
  type: 'guest.erased';
  eventId: string;
  source: string;
  occurredAt: string;
  /** Follow-ups, cases and in-stay care of the guest that may be running (a finished one is passed over). */
  childWorkflowIds: string[];
}

export type GuestMessage =
  | GuestErasedMessage
  | StayCompletedMessage
  | StayAmendedMessage
  | StayCancelledMessage
  | StayStartedMessage
  | ReferralRewardedMessage
  | BookingCreatedMessage
  | BookingCancelledMessage
  | ProfileUpdatedMessage
  | MemberEnrolledMessage
  | SurveyAnsweredMessage
  | CaseChangedMessage
  | PointsCompensatedMessage
  | PointsReEarnedMessage
  | ChurnReasonGivenMessage;

/** The PMS event body as validated by the API (api/pms/schema.ts) and kept in `pms_events.payload`. */
export interface PmsEventBody {
  id: string;
  type: string;
  occurredAt: string;
  data: { stay?: StayFacts | StayStartedMessage['stay'] | StayCancelledMessage['stay'] } & Record<
    string,
    unknown
  >;
}

/**
 * The message for a recorded PMS event: what the API signals on receipt and
 * what the sweeper re-signals later. Undefined for a type the workflow does
 * not take.
 */
export function messageFromPmsEvent(source: string, body: PmsEventBody): GuestMessage | undefined {
  if (body.type === 'stay.started' && body.data.stay && 'expectedDeparture' in body.data.stay) {
    const s = body.data.stay;
    return {
      type: 'stay.started',
      eventId: body.id,
      source,
      occurredAt: new Date(body.occurredAt).toISOString(),
      stay: {
        pmsStayId: s.pmsStayId,
        propertyCode: s.propertyCode,
        arrival: s.arrival,
        expectedDeparture: s.expectedDeparture,
      },
    };
  }
  if (
    (body.type === 'stay.completed' || body.type === 'stay.amended') &&
    body.data.stay &&
    'nights' in body.data.stay
  ) {
    const s = body.data.stay;
    return {
      type: body.type,
      eventId: body.id,
      source,
      occurredAt: new Date(body.occurredAt).toISOString(),
      stay: {
        pmsStayId: s.pmsStayId,
        propertyCode: s.propertyCode,
        arrival: s.arrival,
        departure: s.departure,
        nights: s.nights,
        roomRevenue: s.roomRevenue,
        currency: s.currency,
      },
    };
  }
  if (body.type === 'stay.cancelled' && body.data.stay && typeof body.data.stay.pmsStayId === 'string') {
    return {
      type: 'stay.cancelled',
      eventId: body.id,
      source,
      occurredAt: new Date(body.occurredAt).toISOString(),
      stay: { pmsStayId: body.data.stay.pmsStayId },
    };
  }
  return undefined;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Why a message cannot be acted on, or undefined when it can. The API
 * validates first; this second look inside the workflow means that a message
 * from anywhere else (a sweeper, an operator, a bug) becomes a recorded
 * rejection instead of an exception that fails every workflow task.
 */
export function messageProblem(message: GuestMessage): string | undefined {
  if (typeof message !== 'object' || message === null) return 'not a message';
  if (typeof message.eventId !== 'string' || message.eventId.length === 0) return 'eventId missing';
  switch (message.type) {
    case 'stay.completed':
    case 'stay.amended': {
      const s = message.stay as Partial<StayFacts> | undefined;
      if (!s || typeof s !== 'object') return 'stay missing';
      if (Number.isNaN(Date.parse(message.occurredAt))) return 'occurredAt is not an instant';
      if (typeof s.pmsStayId !== 'string' || s.pmsStayId.length === 0) return 'stay.pmsStayId missing';
      if (typeof s.arrival !== 'string' || !DATE.test(s.arrival)) return 'stay.arrival is not a date';
      if (typeof s.departure !== 'string' || !DATE.test(s.departure)) return 'stay.departure is not a date';
      if (!Number.isInteger(s.nights) || (s.nights as number) < 1)
        return 'stay.nights is not a positive integer';
      if (typeof s.roomRevenue !== 'string') return 'stay.roomRevenue is not a money amount';
      try {
        toCents(s.roomRevenue);
      } catch {
        return 'stay.roomRevenue is not a money amount';
      }
      return undefined;
    }
    case 'stay.started': {
      const s = message.stay as Partial<StayStartedMessage['stay']> | undefined;
      if (!s || typeof s !== 'object') return 'stay missing';
      if (Number.isNaN(Date.parse(message.occurredAt))) return 'occurredAt is not an instant';
      if (typeof s.pmsStayId !== 'string' || s.pmsStayId.length === 0) return 'stay.pmsStayId missing';
      if (typeof s.propertyCode !== 'string' || s.propertyCode.length === 0)
        return 'stay.propertyCode missing';
      if (typeof s.arrival !== 'string' || !DATE.test(s.arrival)) return 'stay.arrival is not a date';
      if (typeof s.expectedDeparture !== 'string' || !DATE.test(s.expectedDeparture))
        return 'stay.expectedDeparture is not a date';
      return undefined;
    }
    case 'stay.cancelled': {
      if (Number.isNaN(Date.parse(message.occurredAt))) return 'occurredAt is not an instant';
      const s = message.stay as Partial<StayCancelledMessage['stay']> | undefined;
      return s && typeof s.pmsStayId === 'string' && s.pmsStayId.length > 0
        ? undefined
        : 'stay.pmsStayId missing';
    }
    case 'booking.created':
      return message.booking && typeof message.booking.bookingId === 'string' ? undefined : 'booking missing';
    case 'booking.cancelled':
      return message.booking && typeof message.booking.bookingId === 'string' ? undefined : 'booking missing';
    case 'profile.updated':
      return Array.isArray(message.changed) ? undefined : 'changed missing';
    case 'guest.erased':
      return Array.isArray(message.childWorkflowIds) ? undefined : 'childWorkflowIds missing';
    case 'member.enrolled':
    case 'churn.reason_given':
    case 'referral.rewarded':
      return undefined;
    case 'survey.answered':
      return Number.isFinite(message.score) ? undefined : 'score missing';
    case 'case.opened':
    case 'case.closed':
      return typeof message.caseId === 'string' ? undefined : 'caseId missing';
    case 'points.compensated':
      return typeof message.caseId === 'string' && Number.isInteger(message.points)
        ? undefined
        : 'caseId or points missing';
    case 'points.re_earned':
      return typeof message.stayId === 'string' && Number.isInteger(message.points)
        ? undefined
        : 'stayId or points missing';
    default:
      return `unknown message type '${(message as { type?: unknown }).type as string}'`;
  }
}
