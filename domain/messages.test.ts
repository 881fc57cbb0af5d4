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
