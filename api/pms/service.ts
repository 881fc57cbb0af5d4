/**
 * Accepting a PMS event: record it (once per event ID) with the guest it is
 * about and what it changes (profile, booking, membership), then hand the
 * guest's workflow the message it becomes, with signalWithStart. Answered
 * only once Temporal has durably accepted the signal. `signalled_at` is
 * written behind the answer, batched (api/pms/signalled-marks.ts).
 *
 * `stay.completed` keeps its fast path (a first sight of guest and event in
 * one statement, db/repositories/pms-intake.ts); every other type
 * is one transaction with the guest's row locked.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Db } from '../../db/knex.js';
import * as audit from '../../db/repositories/audit.js';
import * as bookings from '../../db/repositories/bookings.js';
import * as consents from '../../db/repositories/consents.js';
import * as guests from '../../db/repositories/guests.js';
import * as intake from '../../db/repositories/pms-intake.js';
import * as pmsEvents from '../../db/repositories/pms-events.js';
import * as checkins from '../../db/repositories/stay-checkins.js';
import * as stays from '../../db/repositories/stays.js';
import { guestWorkflowId } from '../../domain/ids.js';
import {
  messageFromPmsEvent,
  PMS_SOURCE,
  type BookingCancelledMessage,
  type BookingCreatedMessage,
  type GuestMessage,
  type MemberEnrolledMessage,
  type ProfileUpdatedMessage,
  type StayAmendedMessage,
  type StayCancelledMessage,
  type StayStartedMessage,
} from '../../domain/messages.js';
import type { GuestProfile } from '../../domain/types.js';
import { signalGuest } from '../../lib/signal-guest.js';
import { HttpError } from '../errors.js';
import { signalledMarks } from './signalled-marks.js';
import type {
  BookingCancelledBody,
  BookingCreatedBody,
  MemberEnrolledBody,
  ProfileUpdatedBody,
  StayAmendedBody,
  StayCancelledBody,
  StayCompletedBody,
  StayStartedBody,
} from './schema.js';

export { PMS_SOURCE };

export interface PmsServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  /** Where a refused signal's error goes (the caller gets a 503 without it). */
  logger?: Pick<Logger, 'warn'>;
}

export interface Accepted {
  eventId: string;
  workflowId: string;
  guestId: string;
  duplicate: boolean;
  /** member.enrolled: the guest's member number (new or the one it had). */
  memberNumber?: string;
}

/** An event body as the schemas leave it: every type names its guest. */
interface EventBody {
  id: string;
  type: string;
  occurredAt: string;
  data: { guest: GuestProfile & guests.ProfileExtras };
}

/** The guest an event is about, as recorded by it. */
interface RecordedGuest {
  guest: guests.GuestRow;
  created: boolean;
  /** The columns this event changed (all it set, for a new guest). */
  changed: string[];
}

/**
 * The guest the event is about: created on first sight, its profile refreshed
 * only by an event newer than the one it came from (the PMS delivers
 * unordered). `extras` (phone, birthday, consent: profile.updated only) follow
 * the same rule. Each creation and change goes to the audit trail.
 */
async function recordGuest(
  trx: Knex.Transaction,
  body: EventBody,
  extras: guests.ProfileExtras = {},
): Promise<RecordedGuest> {
  const asOf = new Date(body.occurredAt);
  const actor = `pms:event:${body.id}`;
  const profile = body.data.guest;
  const hasExtras = Object.keys(guests.extraColumns(extras)).length > 0;
  const inserted = await guests.insertIfAbsent(trx, { source: PMS_SOURCE, profile, asOf });
  if (inserted) {
    const created = hasExtras ? await guests.updateExtras(trx, inserted.id, extras) : inserted;
    const setExtras = guests.extraColumns(extras);
    await recordConsent(trx, body, inserted.marketing_consent, created);
    await audit.record(trx, {
      actor,
      action: 'guest.created',
      subject: `guest:${created.id}`,
      after: { ...guests.profileOf(created), ...setExtras },
    });
    return { guest: created, created: true, changed: [...guests.PROFILE_FIELDS, ...Object.keys(setExtras)] };
  }
  const current = await guests.findByPmsProfileForUpdate(trx, PMS_SOURCE, profile.pmsProfileId);
  if (!current) throw new Error(`guest ${PMS_SOURCE}/${profile.pmsProfileId} vanished after a conflict`);
  if (asOf <= current.profile_as_of) return { guest: current, created: false, changed: [] };
  let updated = await guests.updateProfile(trx, current.id, profile, asOf);
  if (hasExtras) updated = await guests.updateExtras(trx, current.id, extras);
  const diff = guests.fullProfileChanges(current, updated);
  await recordConsent(trx, body, current.marketing_consent, updated);
  if (diff.fields.length > 0) {
    await audit.record(trx, {
      actor,
      action: 'guest.profile_updated',
      subject: `guest:${current.id}`,
      before: diff.before,
      after: diff.after,
    });
  }
  return { guest: updated, created: false, changed: diff.fields };
}

/** A change of marketing consent the event made, in the consent history (db/repositories/consents.ts). */
async function recordConsent(
  trx: Knex.Transaction,
  body: EventBody,
  before: boolean,
  after: guests.GuestRow,
): Promise<void> {
  await consents.recordChange(trx, {
    guestId: after.id,
    from: before,
    to: after.marketing_consent,
    source: 'pms',
    actor: `pms:event:${body.id}`,
    eventId: body.id,
    at: new Date(body.occurredAt),
  });
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/**
 * Over the validated, normalised event with sorted keys: a retry that re-serialises the same event
 * differently (key order, spacing, 1280.5 vs "1280.50") is still the same event.
 */
function payloadHashOf(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function eventIdReused(eventId: string, receivedAt: Date): HttpError {
  return new HttpError(
    409,
    'event_id_reused',
    `event ${eventId} was already received with a different body`,
    {
      field: 'id',
      receivedAt,
    },
  );
}

/**
 * Hands the message to the guest's workflow, then marks the event signalled behind the answer. Temporal
 * refusing → 503 (the event stays recorded with signalled_at null; the PMS's retry or the sweeper signals it).
 */
async function signal(deps: PmsServiceDeps, eventId: string, guestId: string, message: GuestMessage) {
  try {
    await signalGuest(deps.temporal, { guestId, taskQueue: deps.taskQueue, message });
  } catch (err) {
    // Temporal's own words go to the log, not to the caller.
    deps.logger?.warn({ err, eventId }, 'signalWithStart refused; event recorded, answering 503');
    throw new HttpError(
      503,
      'workflow_unavailable',
      'the event is recorded but could not be handed on; retry it',
      {
        eventId,
      },
    );
  }
  signalledMarks(deps).add(eventId);
}

export async function acceptStayCompleted(deps: PmsServiceDeps, body: StayCompletedBody): Promise<Accepted> {
  const payloadHash = payloadHashOf(body);
  // Ids and facts only: the profile is in Postgres, and no personal data goes into workflow history.
  const message = messageFromPmsEvent(PMS_SOURCE, body)!;
  const { guestId, signalled } = await recordEvent(deps, body, payloadHash, message);
  const workflowId = guestWorkflowId(guestId);
  if (signalled) return { eventId: body.id, workflowId, guestId, duplicate: true };
  await signal(deps, body.id, guestId, message);
  return { eventId: body.id, workflowId, guestId, duplicate: false };
}

// --- the other event types -----------------------------------------------------------------------------------

/** What an event type writes besides its guest and itself, and the message it becomes. */
interface EventSpec<B extends EventBody> {
  /** Profile extras the event carries (profile.updated). */
  extras?: (body: B) => guests.ProfileExtras;
  /**
   * Runs in the event's transaction with the guest's row locked, only for an event not seen before. Throws
   * an HttpError to refuse the event: everything rolls back.
   */
  apply: (trx: Knex.Transaction, body: B, recorded: RecordedGuest) => Promise<EventEffects>;
  /** Extra fields of the 202, from the guest's row after the event (or at a repeat). */
  answer?: (guest: guests.GuestRow) => Partial<Accepted>;
}

interface EventEffects {
  message: GuestMessage;
  /** The guest's row after the effects, when they changed it. */
  guest?: guests.GuestRow;
}

async function acceptEvent<B extends EventBody>(
  deps: PmsServiceDeps,
  body: B,
  spec: EventSpec<B>,
): Promise<Accepted> {
  const payloadHash = payloadHashOf(body);
  const recorded = await deps.db.transaction(async (trx) => {
    const guestRecord = await recordGuest(trx, body, spec.extras?.(body));
    const mark = signalledMarks(deps).watch(body.id);
    // With the guest's row locked, deliveries of one event are serialised here: a repeat finds the row.
    const prior = await pmsEvents.findById(trx, body.id);
    if (prior) {
      // Rolls back the profile refresh too: a reused event ID changes nothing.
      if (prior.payload_hash !== payloadHash) throw eventIdReused(body.id, prior.received_at);
      const message =
        (prior.message as GuestMessage | null) ?? (await spec.apply(trx, body, guestRecord)).message;
      return {
        guestId: prior.guest_id ?? guestRecord.guest.id,
        guest: guestRecord.guest,
        message,
        signalled: mark.signalled(prior.signalled_at),
      };
    }
    const effects = await spec.apply(trx, body, guestRecord);
    const { event } = await pmsEvents.insertIfAbsent(trx, {
      id: body.id,
      type: body.type,
      occurredAt: new Date(body.occurredAt),
      payloadHash,
      payload: body,
      guestId: guestRecord.guest.id,
      workflowId: guestWorkflowId(guestRecord.guest.id),
      message: effects.message,
    });
    // Another guest's delivery of this event ID won a race: 409, everything rolls back.
    if (event.payload_hash !== payloadHash) throw eventIdReused(body.id, event.received_at);
    return {
      guestId: guestRecord.guest.id,
      guest: effects.guest ?? guestRecord.guest,
      message: effects.message,
      signalled: mark.signalled(event.signalled_at),
    };
  });
  const { guestId, message } = recorded;
  const answer = {
    eventId: body.id,
    workflowId: guestWorkflowId(guestId),
    guestId,
    ...spec.answer?.(recorded.guest),
  };
  if (recorded.signalled) return { ...answer, duplicate: true };
  await signal(deps, body.id, guestId, message);
  return { ...answer, duplicate: false };
}

const occurredAtOf = (body: EventBody) => new Date(body.occurredAt).toISOString();

/**
 * A check-in: recorded once per PMS stay (the first report wins; another guest's stay → 422), with the
 * check-out already set when the stay's `stay.completed` came first. The guest's workflow starts the stay's
 * in-stay care.
 */
export function acceptStayStarted(deps: PmsServiceDeps, body: StayStartedBody): Promise<Accepted> {
  return acceptEvent(deps, body, {
    async apply(trx, b, { guest }) {
      const facts = b.data.stay;
      const { checkin } = await checkins.insertIfAbsent(trx, {
        guestId: guest.id,
        source: PMS_SOURCE,
        eventId: b.id,
        checkedInAt: new Date(b.occurredAt),
        stay: facts,
      });
      if (checkin.guest_id !== guest.id) {
        throw new HttpError(
          422,
          'stay_owned_by_another_guest',
          `stay ${facts.pmsStayId} belongs to another guest`,
          { field: 'data.stay.pmsStayId' },
        );
      }
      const message: StayStartedMessage = {
        type: 'stay.started',
        eventId: b.id,
        source: PMS_SOURCE,
        occurredAt: occurredAtOf(b),
        stay: {
          pmsStayId: facts.pmsStayId,
          propertyCode: facts.propertyCode,
          arrival: facts.arrival,
          expectedDeparture: facts.expectedDeparture,
        },
      };
      return { message };
    },
  });
}

/** A stay the PMS names that is recorded for another guest: 422, nothing changes. */
async function refuseAnotherGuestsStay(trx: Knex.Transaction, guestId: string, pmsStayId: string) {
  const known = await stays.findByPmsId(trx, PMS_SOURCE, pmsStayId);
  if (known && known.guest_id !== guestId) {
    throw new HttpError(422, 'stay_owned_by_another_guest', `stay ${pmsStayId} belongs to another guest`, {
      field: 'data.stay.pmsStayId',
    });
  }
}

/**
 * A correction of a completed stay (its full, corrected facts). The guest's workflow corrects the stay row and
 * the points (workflows/guest.ts); a stay not yet known is recorded there as completed with these values. The
 * reason (free text) stays in `pms_events.payload`, never in the message.
 */
export function acceptStayAmended(deps: PmsServiceDeps, body: StayAmendedBody): Promise<Accepted> {
  return acceptEvent(deps, body, {
    async apply(trx, b, { guest }) {
      const facts = b.data.stay;
      await refuseAnotherGuestsStay(trx, guest.id, facts.pmsStayId);
      const message: StayAmendedMessage = {
        type: 'stay.amended',
        eventId: b.id,
        source: PMS_SOURCE,
        occurredAt: occurredAtOf(b),
        stay: {
          pmsStayId: facts.pmsStayId,
          propertyCode: facts.propertyCode,
          arrival: facts.arrival,
          departure: facts.departure,
          nights: facts.nights,
          roomRevenue: facts.roomRevenue,
          currency: facts.currency,
        },
      };
      return { message };
    },
  });
}

/**
 * A completed stay voided by the PMS. The guest's workflow reverses its points, marks the stay cancelled and
 * withdraws its follow-up; a cancellation of a stay it does not know is recorded there and rejected.
 */
export function acceptStayCancelled(deps: PmsServiceDeps, body: StayCancelledBody): Promise<Accepted> {
  return acceptEvent(deps, body, {
    async apply(trx, b, { guest }) {
      await refuseAnotherGuestsStay(trx, guest.id, b.data.stay.pmsStayId);
      const message: StayCancelledMessage = {
        type: 'stay.cancelled',
        eventId: b.id,
        source: PMS_SOURCE,
        occurredAt: occurredAtOf(b),
        stay: { pmsStayId: b.data.stay.pmsStayId },
      };
      return { message };
    },
  });
}

function bookingOwnedByAnother(bookingId: string): HttpError {
  return new HttpError(
    422,
    'booking_owned_by_another_guest',
    `booking ${bookingId} belongs to another guest`,
    { field: 'data.booking.bookingId' },
  );
}

/** A booking: recorded once (the first report wins), a prospect when the guest is new. */
export function acceptBookingCreated(deps: PmsServiceDeps, body: BookingCreatedBody): Promise<Accepted> {
  return acceptEvent(deps, body, {
    async apply(trx, b, { guest }) {
      const facts = b.data.booking;
      const { booking } = await bookings.insertIfAbsent(trx, {
        guestId: guest.id,
        source: PMS_SOURCE,
        booking: facts,
      });
      if (booking.guest_id !== guest.id) throw bookingOwnedByAnother(facts.bookingId);
      const message: BookingCreatedMessage = {
        type: 'booking.created',
        eventId: b.id,
        source: PMS_SOURCE,
        occurredAt: occurredAtOf(b),
        booking: {
          bookingId: facts.bookingId,
          propertyCode: facts.propertyCode,
          arrival: facts.arrival,
          departure: facts.departure,
          ...(facts.offerCode !== undefined ? { offerCode: facts.offerCode } : {}),
        },
      };
      return { message };
    },
  });
}

/**
 * A cancellation marks the booking. One that arrives before its booking is recorded as a cancelled booking
 * when it carries the booking's property and dates; without them only the event is recorded.
 */
export function acceptBookingCancelled(deps: PmsServiceDeps, body: BookingCancelledBody): Promise<Accepted> {
  return acceptEvent(deps, body, {
    async apply(trx, b, { guest }) {
      const facts = b.data.booking;
      const at = new Date(b.occurredAt);
      const known = await bookings.findByPmsId(trx, PMS_SOURCE, facts.bookingId);
      if (known) {
        if (known.guest_id !== guest.id) throw bookingOwnedByAnother(facts.bookingId);
        await bookings.cancel(trx, known.id, at);
      } else if (facts.propertyCode && facts.arrival && facts.departure) {
        const { booking } = await bookings.insertIfAbsent(trx, {
          guestId: guest.id,
          source: PMS_SOURCE,
          booking: {
            bookingId: facts.bookingId,
            propertyCode: facts.propertyCode,
            arrival: facts.arrival,
            departure: facts.departure,
            offerCode: facts.offerCode,
          },
          cancelledAt: at,
        });
        if (booking.guest_id !== guest.id) throw bookingOwnedByAnother(facts.bookingId);
        if (booking.status !== 'cancelled') await bookings.cancel(trx, booking.id, at);
      }
      const message: BookingCancelledMessage = {
        type: 'booking.cancelled',
        eventId: b.id,
        source: PMS_SOURCE,
        occurredAt: occurredAtOf(b),
        booking: { bookingId: facts.bookingId },
      };
      return { message };
    },
  });
}

/**
 * The profile with contact and consent facts. The message says which fields changed (by their API names)
 * and carries only what the workflow decides on: consent, zone, locale, whether a birthday is known.
 */
export function acceptProfileUpdated(deps: PmsServiceDeps, body: ProfileUpdatedBody): Promise<Accepted> {
  return acceptEvent(deps, body, {
    extras: (b) => ({
      phone: b.data.guest.phone,
      birthday: b.data.guest.birthday,
      marketingConsent: b.data.guest.marketingConsent,
    }),
    apply(_trx, b, { guest, changed }) {
      const message: ProfileUpdatedMessage = {
        type: 'profile.updated',
        eventId: b.id,
        source: PMS_SOURCE,
        occurredAt: occurredAtOf(b),
        changed: changed.map((c) => guests.FIELD_NAMES[c as keyof typeof guests.FIELD_NAMES] ?? c),
        marketingConsent: guest.marketing_consent,
        timezone: guest.timezone,
        locale: guest.locale,
        birthdayKnown: guest.birthday !== null,
      };
      return Promise.resolve({ message });
    },
  });
}

/**
 * Enrolment: a member number unless the guest has one (stable on every repeat), the first enrolment's date
 * and channel, and the referrer, named by member number (unknown, or the guest itself → 422).
 */
export function acceptMemberEnrolled(deps: PmsServiceDeps, body: MemberEnrolledBody): Promise<Accepted> {
  return acceptEvent(deps, body, {
    async apply(trx, b, { guest }) {
      const { channel, referredBy } = b.data.enrolment;
      let referredByGuestId: string | undefined;
      if (referredBy !== undefined) {
        const referrer = await guests.findByMemberNumber(trx, referredBy);
        if (!referrer) {
          throw new HttpError(422, 'unknown_member', `no member has the number ${referredBy}`, {
            field: 'data.enrolment.referredBy',
          });
        }
        if (referrer.id === guest.id) {
          throw new HttpError(422, 'self_referral', 'a guest cannot refer itself', {
            field: 'data.enrolment.referredBy',
          });
        }
        referredByGuestId = referrer.id;
      }
      const { before, after } = await guests.enrol(trx, {
        guestId: guest.id,
        at: new Date(b.occurredAt),
        channel,
        referredByGuestId,
      });
      const diff = changedMembership(guests.membershipOf(before), guests.membershipOf(after));
      if (diff) {
        await audit.record(trx, {
          actor: `pms:event:${b.id}`,
          action: 'guest.enrolled',
          subject: `guest:${guest.id}`,
          ...diff,
        });
      }
      const message: MemberEnrolledMessage = {
        type: 'member.enrolled',
        eventId: b.id,
        source: PMS_SOURCE,
        occurredAt: occurredAtOf(b),
        channel,
        ...(after.referred_by_guest_id ? { referredByGuestId: after.referred_by_guest_id } : {}),
      };
      return { message, guest: after };
    },
    answer: (guest) => (guest.member_number ? { memberNumber: guest.member_number } : {}),
  });
}

function changedMembership(
  before: ReturnType<typeof guests.membershipOf>,
  after: ReturnType<typeof guests.membershipOf>,
): { before: Record<string, unknown>; after: Record<string, unknown> } | undefined {
  const keys = (Object.keys(after) as (keyof typeof after)[]).filter(
    (k) =>
      String(before[k] instanceof Date ? before[k].getTime() : before[k]) !==
      String(after[k] instanceof Date ? after[k].getTime() : after[k]),
  );
  if (keys.length === 0) return undefined;
  return {
    before: Object.fromEntries(keys.map((k) => [k, before[k]])),
    after: Object.fromEntries(keys.map((k) => [k, after[k]])),
  };
}

/**
 * Records the event and the guest it is about; says whether the event was
 * already handed to the workflow. A first sight of guest and event is one
 * statement; everything else one transaction.
 */
async function recordEvent(
  deps: PmsServiceDeps,
  body: StayCompletedBody,
  payloadHash: string,
  message: GuestMessage,
): Promise<{ guestId: string; signalled: boolean }> {
  const asOf = new Date(body.occurredAt);
  const candidateId = randomUUID();
  const newGuestId = await intake.recordFirstSight(deps.db, {
    guestId: candidateId,
    workflowId: guestWorkflowId(candidateId),
    source: PMS_SOURCE,
    profile: body.data.guest,
    asOf,
    actor: `pms:event:${body.id}`,
    event: { id: body.id, type: body.type, occurredAt: asOf, payloadHash, payload: body, message },
  });
  if (newGuestId) return { guestId: newGuestId, signalled: false };

  return deps.db.transaction(async (trx) => {
    const { guest } = await recordGuest(trx, body);
    const mark = signalledMarks(deps).watch(body.id);
    const { event } = await pmsEvents.insertIfAbsent(trx, {
      id: body.id,
      type: body.type,
      occurredAt: new Date(body.occurredAt),
      payloadHash,
      payload: body,
      guestId: guest.id,
      workflowId: guestWorkflowId(guest.id),
      message,
    });
    // Rolls back the profile refresh too: a reused event ID changes nothing.
    if (event.payload_hash !== payloadHash) throw eventIdReused(body.id, event.received_at);
    // The guest checked out: a check-in of this PMS stay (stay.started) is no longer in house.
    await checkins.markCheckedOut(trx, {
      source: PMS_SOURCE,
      pmsStayId: body.data.stay.pmsStayId,
      at: asOf,
    });
    return { guestId: guest.id, signalled: mark.signalled(event.signalled_at) };
  });
}
