/**
 * Sample PMS events, valid by construction: one builder for the demo, the
 * tests and the benchmark. Every call is a new guest and a new stay unless
 * the overrides say otherwise.
 */
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { messageFromPmsEvent, PMS_SOURCE, type StayCompletedMessage } from '../domain/messages.js';
import type { GuestProfile, StayFacts } from '../domain/types.js';

export interface StayCompletedOverrides {
  id?: string;
  occurredAt?: string;
  guest?: Partial<GuestProfile>;
  stay?: Partial<Omit<StayFacts, 'roomRevenue'>> & { roomRevenue?: string | number };
}

/** Zones around the world, none more than two hours from the next: at any instant it is midday in one of them. */
const ZONES_AROUND_THE_WORLD = [
  'Europe/London',
  'Europe/Berlin',
  'Europe/Moscow',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Bangkok',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Auckland',
  'Pacific/Honolulu',
  'America/Anchorage',
  'America/Los_Angeles',
  'America/Denver',
  'America/Chicago',
  'America/New_York',
  'America/Sao_Paulo',
  'Atlantic/Azores',
] as const;

/**
 * A guest's zone where it is between 10:00 and 15:00 at `at`: `preferred` when it is day there, else a zone where
 * it is. The cadence holds a mail due outside the guest's 09:00–20:00 until the morning, so a sample stay that
 * checks out now is thanked two hours later, whatever the hour the tests or the demo run at.
 */
export function daytimeZone(preferred = 'Europe/London', at: Date = new Date()): string {
  const isDay = (zone: string) => {
    const hour = DateTime.fromJSDate(at, { zone }).hour;
    return hour >= 10 && hour < 15;
  };
  return isDay(preferred) ? preferred : ZONES_AROUND_THE_WORLD.find(isDay)!;
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
        timezone: daytimeZone(),
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
