/** The two adapters' pure mappings: each state to its native event, deterministic ids, and the rejections. */
import { describe, expect, it } from 'vitest';
import { apaleoProfileId, mapApaleoReservation, type ApaleoReservation } from './apaleo.js';
import { mapMewsReservation, mewsRevenue, type MewsReservation } from './mews.js';
import type { MappingContext } from './types.js';

const ctx: MappingContext = {
  timezoneOf: (code) => (code === 'SHA' ? 'Asia/Shanghai' : 'Europe/Berlin'),
  defaultLocale: 'en',
};

const apaleo = (over: Partial<ApaleoReservation> = {}): ApaleoReservation => ({
  id: 'XPGMSXGF-1',
  bookingId: 'XPGMSXGF',
  status: 'CheckedOut',
  arrival: '2026-10-05T15:00:00+02:00',
  departure: '2026-10-08T11:00:00+02:00',
  created: '2026-09-01T10:00:00+02:00',
  checkInTime: '2026-10-05T16:12:00+02:00',
  checkOutTime: '2026-10-08T10:30:00+02:00',
  property: { id: 'MUC', code: 'MUC' },
  unitGroup: { id: 'MUC-DBL', code: 'DBL' },
  totalGrossAmount: { amount: 690.5, currency: 'EUR' },
  primaryGuest: {
    firstName: 'Anna',
    lastName: 'Schmidt',
    email: 'Anna@Example.com',
    preferredLanguage: 'de',
  },
  channelCode: 'Direct',
  ...over,
});

describe('Apaleo', () => {
  it('maps CheckedOut to stay.completed with the gross total as revenue, the state in the id', () => {
    const m = mapApaleoReservation(apaleo(), ctx);
    expect(m).toEqual({
      ok: true,
      body: {
        id: 'apaleo:XPGMSXGF-1:checked-out:690.50',
        type: 'stay.completed',
        occurredAt: '2026-10-08T08:30:00.000Z',
        data: {
          guest: {
            pmsProfileId: apaleoProfileId('anna@example.com'),
            firstName: 'Anna',
            lastName: 'Schmidt',
            email: 'Anna@Example.com',
            locale: 'de',
            timezone: 'Europe/Berlin',
          },
          stay: {
            pmsStayId: 'XPGMSXGF-1',
            propertyCode: 'MUC',
            arrival: '2026-10-05',
            departure: '2026-10-08',
            nights: 3,
            roomRevenue: '690.50',
            currency: 'EUR',
          },
        },
      },
    });
    // The same state is the same event; a changed folio is another.
    expect(mapApaleoReservation(apaleo(), ctx)).toEqual(m);
    const later = mapApaleoReservation(apaleo({ totalGrossAmount: { amount: 812, currency: 'EUR' } }), ctx);
    expect(later.ok && later.body.id).toBe('apaleo:XPGMSXGF-1:checked-out:812.00');
  });

  it('maps Confirmed, InHouse, Canceled and NoShow', () => {
    const of = (status: string) => mapApaleoReservation(apaleo({ status }), ctx);
    const confirmed = of('Confirmed');
    expect(confirmed.ok && confirmed.body).toMatchObject({
      id: 'apaleo:XPGMSXGF-1:confirmed',
      type: 'booking.created',
      occurredAt: '2026-09-01T08:00:00.000Z',
      data: {
        booking: {
          bookingId: 'XPGMSXGF-1',
          propertyCode: 'MUC',
          arrival: '2026-10-05',
          departure: '2026-10-08',
        },
      },
    });
    const inHouse = of('InHouse');
    expect(inHouse.ok && inHouse.body).toMatchObject({
      id: 'apaleo:XPGMSXGF-1:in-house',
      type: 'stay.started',
      occurredAt: '2026-10-05T14:12:00.000Z',
      data: { stay: { pmsStayId: 'XPGMSXGF-1', arrival: '2026-10-05', expectedDeparture: '2026-10-08' } },
    });
    const cancelled = mapApaleoReservation(
      apaleo({ status: 'Canceled', cancellationTime: '2026-09-20T09:00:00Z' }),
      ctx,
    );
    expect(cancelled.ok && cancelled.body).toMatchObject({
      id: 'apaleo:XPGMSXGF-1:canceled',
      type: 'booking.cancelled',
      occurredAt: '2026-09-20T09:00:00.000Z',
    });
    const noShow = mapApaleoReservation(
      apaleo({ status: 'NoShow', noShowTime: '2026-10-06T04:00:00Z' }),
      ctx,
    );
    expect(noShow.ok && noShow.body).toMatchObject({
      id: 'apaleo:XPGMSXGF-1:no-show',
      type: 'booking.cancelled',
    });
  });

  it('rejects what it cannot map, with the reason', () => {
    expect(mapApaleoReservation(apaleo({ primaryGuest: { lastName: 'Schmidt' } }), ctx)).toEqual({
      ok: false,
      reservationId: 'XPGMSXGF-1',
      reason: 'primaryGuest has no email',
    });
    expect(mapApaleoReservation(apaleo({ totalGrossAmount: undefined }), ctx)).toMatchObject({
      ok: false,
      reason: 'the reservation has no totalGrossAmount',
    });
    expect(mapApaleoReservation(apaleo({ status: 'Tentative' }), ctx)).toMatchObject({
      ok: false,
      reason: 'status Tentative maps to no event',
    });
  });

  it('falls back to the default locale, and to the last name for a missing first name', () => {
    const m = mapApaleoReservation(
      apaleo({ primaryGuest: { lastName: 'Li', email: 'li@example.com' } }),
      ctx,
    );
    expect(m.ok && m.body.data.guest).toMatchObject({ firstName: 'Li', lastName: 'Li', locale: 'en' });
  });
});

const mews = (state: string, over: Partial<MewsReservation['reservation']> = {}): MewsReservation => ({
  reservation: {
    Id: 'c7f1a1e2-0000-4000-8000-000000000001',
    EnterpriseId: 'ent-1',
    AccountId: 'cust-1',
    State: state,
    CreatedUtc: '2026-09-01T02:00:00Z',
    UpdatedUtc: '2026-10-08T03:00:00Z',
    // 14:00 on the 5th in Shanghai is 06:00 UTC; the end 04:00 UTC on the 8th is noon there.
    ScheduledStartUtc: '2026-10-05T06:00:00Z',
    ActualStartUtc: state === 'Confirmed' ? null : '2026-10-05T07:30:00Z',
    ScheduledEndUtc: '2026-10-08T04:00:00Z',
    ActualEndUtc: state === 'Processed' ? '2026-10-08T03:10:00Z' : null,
    ...over,
  },
  customer: {
    Id: 'cust-1',
    FirstName: 'Wei',
    LastName: 'Zhang',
    Email: 'wei@example.com',
    LanguageCode: 'zh-CN',
  },
  orderItems: [
    { Id: 'i1', ServiceOrderId: 'x', Type: 'SpaceOrder', Amount: { Currency: 'CNY', GrossValue: 880 } },
    { Id: 'i2', ServiceOrderId: 'x', Type: 'SpaceOrder', Amount: { Currency: 'CNY', GrossValue: 880.4 } },
    { Id: 'i3', ServiceOrderId: 'x', Type: 'ProductOrder', Amount: { Currency: 'CNY', GrossValue: 99 } },
    {
      Id: 'i4',
      ServiceOrderId: 'x',
      Type: 'SpaceOrder',
      AccountingState: 'Canceled',
      Amount: { Currency: 'CNY', GrossValue: 880 },
    },
  ],
});

const mewsCtx = { ...ctx, propertyCodeOf: (e: string) => (e === 'ent-1' ? 'SHA' : e) };

describe('Mews', () => {
  it('maps Processed to stay.completed: local dates from the Actual/Scheduled times, revenue from space orders', () => {
    const m = mapMewsReservation(mews('Processed'), mewsCtx);
    expect(m).toEqual({
      ok: true,
      body: {
        id: 'mews:c7f1a1e2-0000-4000-8000-000000000001:processed:1760.40',
        type: 'stay.completed',
        occurredAt: '2026-10-08T03:10:00.000Z',
        data: {
          guest: {
            pmsProfileId: 'mews:cust-1',
            firstName: 'Wei',
            lastName: 'Zhang',
            email: 'wei@example.com',
            locale: 'zh-CN',
            timezone: 'Asia/Shanghai',
          },
          stay: {
            pmsStayId: 'c7f1a1e2-0000-4000-8000-000000000001',
            propertyCode: 'SHA',
            arrival: '2026-10-05',
            departure: '2026-10-08',
            nights: 3,
            roomRevenue: '1760.40',
            currency: 'CNY',
          },
        },
      },
    });
  });

  it('maps Confirmed, Started and Canceled; never reads the deprecated StartUtc', () => {
    const confirmed = mapMewsReservation(mews('Confirmed'), mewsCtx);
    expect(confirmed.ok && confirmed.body).toMatchObject({
      id: 'mews:c7f1a1e2-0000-4000-8000-000000000001:confirmed',
      type: 'booking.created',
      occurredAt: '2026-09-01T02:00:00.000Z',
      data: { booking: { arrival: '2026-10-05', departure: '2026-10-08', propertyCode: 'SHA' } },
    });
    const started = mapMewsReservation(
      {
        ...mews('Started'),
        reservation: { ...mews('Started').reservation, StartUtc: '2020-01-01T00:00:00Z' } as never,
      },
      mewsCtx,
    );
    expect(started.ok && started.body).toMatchObject({
      id: 'mews:c7f1a1e2-0000-4000-8000-000000000001:started',
      type: 'stay.started',
      occurredAt: '2026-10-05T07:30:00.000Z',
      data: { stay: { arrival: '2026-10-05', expectedDeparture: '2026-10-08' } },
    });
    const cancelled = mapMewsReservation(mews('Canceled', { CancelledUtc: '2026-09-02T00:00:00Z' }), mewsCtx);
    expect(cancelled.ok && cancelled.body).toMatchObject({
      id: 'mews:c7f1a1e2-0000-4000-8000-000000000001:canceled',
      type: 'booking.cancelled',
      occurredAt: '2026-09-02T00:00:00.000Z',
    });
  });

  it('rejects a customer without e-mail, an unknown state, a processed stay without revenue', () => {
    const noMail = mews('Processed');
    noMail.customer = { Id: 'cust-1', LastName: 'Zhang' };
    expect(mapMewsReservation(noMail, mewsCtx)).toMatchObject({
      ok: false,
      reason: 'the customer has no Email',
    });
    expect(mapMewsReservation(mews('Optional'), mewsCtx)).toMatchObject({
      ok: false,
      reason: 'State Optional maps to no event',
    });
    expect(mapMewsReservation({ ...mews('Processed'), orderItems: [] }, mewsCtx)).toMatchObject({
      ok: false,
      reason: 'the reservation has no space order items (revenue unknown)',
    });
    expect(mewsRevenue([])).toBeUndefined();
  });
});
