/**
 * Valid bodies of the PMS event types beyond `stay.completed` (check-ins, bookings, profile updates, enrolments), for the
 * end-to-end and fuzz tests. Every call is a new event, guest and booking unless the overrides say otherwise.
 */
import { randomUUID } from 'node:crypto';
import type { GuestProfile } from '../domain/types.js';
import { daytimeZone, newPmsProfileId } from '../stack/sample-events.js';

interface Common {
  id?: string;
  occurredAt?: string;
  guest?: Partial<GuestProfile>;
}

export function sampleGuest(overrides: Partial<GuestProfile> = {}): GuestProfile {
  const pmsProfileId = overrides.pmsProfileId ?? newPmsProfileId();
  return {
    pmsProfileId,
    firstName: 'Grace',
    lastName: 'Hopper',
    email: `${pmsProfileId.toLowerCase()}@guest.example`,
    locale: 'en',
    timezone: daytimeZone('America/New_York'),
    ...overrides,
  };
}

const eventId = () => `evt-${randomUUID()}`;
export const newBookingId = () => `B-${randomUUID().slice(0, 12)}`;

export interface BookingFields {
  bookingId: string;
  propertyCode: string;
  arrival: string;
  departure: string;
  offerCode?: string;
}

export function bookingCreatedBody(o: Common & { booking?: Partial<BookingFields> } = {}) {
  return {
    id: o.id ?? eventId(),
    type: 'booking.created' as const,
    occurredAt: o.occurredAt ?? '2026-03-01T08:00:00Z',
    data: {
      guest: sampleGuest(o.guest),
      booking: {
        bookingId: newBookingId(),
        propertyCode: 'SHA-BUND',
        arrival: '2026-06-10',
        departure: '2026-06-13',
        offerCode: 'SPRING26',
        ...o.booking,
      } as BookingFields,
    },
  };
}

export function bookingCancelledBody(
  o: Common & { booking?: Partial<BookingFields> & { bookingId?: string } } = {},
) {
  return {
    id: o.id ?? eventId(),
    type: 'booking.cancelled' as const,
    occurredAt: o.occurredAt ?? '2026-03-02T08:00:00Z',
    data: {
      guest: sampleGuest(o.guest),
      booking: { bookingId: newBookingId(), ...o.booking } as Partial<BookingFields> & { bookingId: string },
    },
  };
}

export interface CheckinFields {
  pmsStayId: string;
  propertyCode: string;
  arrival: string;
  expectedDeparture: string;
}

export const newPmsStayId = () => `S-${randomUUID().slice(0, 12)}`;

/** A check-in (`stay.started`): `occurredAt` is the check-in instant. */
export function stayStartedBody(o: Common & { stay?: Partial<CheckinFields> } = {}) {
  return {
    id: o.id ?? eventId(),
    type: 'stay.started' as const,
    occurredAt: o.occurredAt ?? '2026-03-10T14:00:00Z',
    data: {
      guest: sampleGuest(o.guest),
      stay: {
        pmsStayId: newPmsStayId(),
        propertyCode: 'SHA-BUND',
        arrival: '2026-03-10',
        expectedDeparture: '2026-03-12',
        ...o.stay,
      },
    },
  };
}

export interface ProfileExtrasInput {
  phone?: string | null;
  birthday?: string | null;
  marketingConsent?: boolean;
}

export function profileUpdatedBody(o: Common & { extras?: ProfileExtrasInput } = {}) {
  return {
    id: o.id ?? eventId(),
    type: 'profile.updated' as const,
    occurredAt: o.occurredAt ?? '2026-03-03T08:00:00Z',
    data: {
      guest: {
        ...sampleGuest(o.guest),
        ...(o.extras ?? { phone: '+1 212 555 0199', birthday: '1985-07-09', marketingConsent: true }),
      },
    },
  };
}

export function memberEnrolledBody(
  o: Common & { enrolment?: { channel?: string; referredBy?: string | undefined } } = {},
) {
  return {
    id: o.id ?? eventId(),
    type: 'member.enrolled' as const,
    occurredAt: o.occurredAt ?? '2026-03-04T08:00:00Z',
    data: {
      guest: sampleGuest(o.guest),
      enrolment: { channel: 'front_desk', ...o.enrolment },
    },
  };
}
