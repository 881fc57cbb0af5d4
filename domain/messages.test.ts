import { describe, expect, it } from 'vitest';
import {
  messageFromPmsEvent,
  messageProblem,
  type GuestMessage,
  type StayStartedMessage,
} from './messages.js';

const checkin = {
  id: 'evt-1',
  type: 'stay.started',
  occurredAt: '2026-03-10T22:00:00+08:00',
  data: {
    guest: { pmsProfileId: 'P1', email: 'someone@guest.example' },
    stay: {
      pmsStayId: 'S1',
      propertyCode: 'SHA-BUND',
      arrival: '2026-03-10',
      expectedDeparture: '2026-03-12',
    },
  },
};

describe('stay.started messages', () => {
  it('are built from the event body with ids and facts only (no profile), the instant in UTC', () => {
    const message = messageFromPmsEvent('pms', checkin);
    expect(message).toEqual({
      type: 'stay.started',
      eventId: 'evt-1',
      source: 'pms',
      occurredAt: '2026-03-10T14:00:00.000Z',
      stay: {
        pmsStayId: 'S1',
        propertyCode: 'SHA-BUND',
        arrival: '2026-03-10',
        expectedDeparture: '2026-03-12',
      },
    });
    expect(JSON.stringify(message)).not.toContain('someone@guest.example');
    expect(messageProblem(message!)).toBeUndefined();
  });

  it('name what is wrong with a message from elsewhere', () => {
    const ok = messageFromPmsEvent('pms', checkin) as StayStartedMessage;
    const broken = (stay: Partial<StayStartedMessage['stay']> | undefined, occurredAt = ok.occurredAt) =>
      messageProblem({ ...ok, occurredAt, stay } as GuestMessage);
    expect(broken(undefined)).toBe('stay missing');
    expect(broken({ ...ok.stay, pmsStayId: '' })).toBe('stay.pmsStayId missing');
    expect(broken({ ...ok.stay, propertyCode: undefined })).toBe('stay.propertyCode missing');
    expect(broken({ ...ok.stay, arrival: 'tomorrow' })).toBe('stay.arrival is not a date');
    expect(broken({ ...ok.stay, expectedDeparture: undefined })).toBe('stay.expectedDeparture is not a date');
    expect(broken(ok.stay, 'not an instant')).toBe('occurredAt is not an instant');
  });

  it('a stay.completed body is not taken for a check-in, nor the other way round', () => {
    expect(messageFromPmsEvent('pms', { ...checkin, type: 'stay.completed' })).toBeUndefined();
  });
});

describe('stay.amended and stay.cancelled messages', () => {
  const stay = {
    pmsStayId: 'S1',
    propertyCode: 'SHA-BUND',
    arrival: '2026-03-10',
    departure: '2026-03-12',
    nights: 2,
    roomRevenue: '1500.00',
    currency: 'CNY',
  };
  it('carry the corrected facts, or the stay cancelled: never the guest nor the reason', () => {
    const amended = messageFromPmsEvent('pms', {
      id: 'evt-2',
      type: 'stay.amended',
      occurredAt: '2026-03-13T09:00:00+08:00',
      data: { guest: { email: 'someone@guest.example' }, stay, amendment: { reason: 'folio final' } },
    });
    expect(amended).toEqual({
      type: 'stay.amended',
      eventId: 'evt-2',
      source: 'pms',
      occurredAt: '2026-03-13T01:00:00.000Z',
      stay,
    });
    const cancelled = messageFromPmsEvent('pms', {
      id: 'evt-3',
      type: 'stay.cancelled',
      occurredAt: '2026-03-14T01:00:00Z',
      data: {
        guest: {},
        stay: { pmsStayId: 'S1', propertyCode: 'SHA-BUND' },
        cancellation: { reason: 'error' },
      },
    });
    expect(cancelled).toEqual({
      type: 'stay.cancelled',
      eventId: 'evt-3',
      source: 'pms',
      occurredAt: '2026-03-14T01:00:00.000Z',
      stay: { pmsStayId: 'S1' },
    });
    for (const m of [amended!, cancelled!]) {
      expect(messageProblem(m)).toBeUndefined();
      expect(JSON.stringify(m)).not.toMatch(/someone|folio|error/);
    }
    expect(messageProblem({ ...cancelled!, stay: { pmsStayId: '' } } as GuestMessage)).toBe(
      'stay.pmsStayId missing',
    );
    expect(messageProblem({ ...amended!, stay: { ...stay, nights: 0 } } as GuestMessage)).toBe(
      'stay.nights is not a positive integer',
    );
  });
});
