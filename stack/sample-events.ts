/**
 * Sample PMS events, valid by construction: one builder for the demo, the
 * tests and the benchmark. Every call is a new guest and a new stay unless
 * the overrides say otherwise.
 */
import { randomUUID } from 'node:crypto';
import { messageFromPmsEvent, PMS_SOURCE, type StayCompletedMessage } from '../domain/messages.js';
import type { GuestProfile, StayFacts } from '../domain/types.js';

export interface StayCompletedOverrides {
  id?: string;
  occurredAt?: string;
  guest?: Partial<GuestProfile>;
  stay?: Partial<Omit<StayFacts, 'roomRevenue'>> & { roomRevenue?: string | number };
}

export function newPmsProfileId(): string {
  return `P-${randomUUID().slice(0, 12)}`;
}

/** A `stay.completed` webhook body as the PMS sends it. */
export function sampleStayCompletedBody(overrides: StayCompletedOverrides = {}) {
  const pmsProfileId = overrides.guest?.pmsProfileId ?? newPmsProfileId();
  return {
    id: overrides.id ?? `evt-${randomUUID()}`,
    type: 'stay.completed',
    occurredAt: overrides.occurredAt ?? '2026-03-12T03:15:00Z',
    data: {
      guest: {
        pmsProfileId,
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: `${pmsProfileId.toLowerCase()}@guest.example`,
        locale: 'en',
        timezone: 'Europe/London',
        ...overrides.guest,
      },
      stay: {
        pmsStayId: `S-${randomUUID().slice(0, 12)}`,
        propertyCode: 'SHA-BUND',
        arrival: '2026-03-10',
        departure: '2026-03-12',
        nights: 2,
        roomRevenue: '1280.00' as string | number,
        currency: 'CNY',
        ...overrides.stay,
      },
    },
  };
}

/** The same stay as the message the API hands to the guest's workflow (ids and facts, no profile). */
export function sampleStayCompletedMessage(overrides: StayCompletedOverrides = {}): StayCompletedMessage {
  const body = sampleStayCompletedBody(overrides);
  return messageFromPmsEvent(PMS_SOURCE, {
    ...body,
    data: {
      ...body.data,
      stay: { ...body.data.stay, roomRevenue: Number(body.data.stay.roomRevenue).toFixed(2) },
    },
  }) as StayCompletedMessage;
}
