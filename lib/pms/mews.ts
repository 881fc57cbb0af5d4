/**
 * Mews (Connector API, https://api.mews.com): every call is a POST with ClientToken, AccessToken and Client in
 * the body. A reservation (`reservations/getAll/2023-06-06`) is joined with its customer (`customers/getAll`,
 * the profile) and, once processed, its order items (`orderItems/getAll`, the room revenue: the gross value of
 * its space orders). Dates come from `ScheduledStartUtc`/`ActualStartUtc` and their End twins, never the
 * deprecated `StartUtc`/`EndUtc`. `mapMewsReservation` is pure; docs/pms.md has the table.
 */
import { daysBetween, isoInstant, localDate, localeOf, moneyText, requestJson } from './http.js';
import {
  PmsFetchError,
  type Mapped,
  type MappingContext,
  type PeriodQuery,
  type PmsClient,
  type ReservationPage,
} from './types.js';

export const MEWS_STATES = ['Confirmed', 'Started', 'Processed', 'Canceled'] as const;

/** The fields of a reservation (version 2023-06-06) the mapping reads. */
export interface MewsReservationRecord {
  Id: string;
  EnterpriseId: string;
  AccountId: string;
  State: string;
  Number?: string;
  CreatedUtc?: string;
  UpdatedUtc?: string;
  CancelledUtc?: string | null;
  ScheduledStartUtc: string;
  ActualStartUtc?: string | null;
  ScheduledEndUtc: string;
  ActualEndUtc?: string | null;
}

export interface MewsCustomer {
  Id: string;
  FirstName?: string | null;
  LastName?: string | null;
  Email?: string | null;
  Phone?: string | null;
  LanguageCode?: string | null;
}

export interface MewsOrderItem {
  Id: string;
  ServiceOrderId: string;
  Type?: string;
  AccountingState?: string;
  Amount: { Currency: string; GrossValue: number };
}

/** A reservation with what the mapping needs from other endpoints. */
export interface MewsReservation {
  reservation: MewsReservationRecord;
  customer?: MewsCustomer | undefined;
  /** The order items of the reservation (fetched for a processed one only). */
  orderItems?: MewsOrderItem[] | undefined;
}

/** The general webhook's delivery: many events at once. */
export interface MewsWebhook {
  EnterpriseId?: string;
  IntegrationId?: string;
  Events?: { Discriminator?: string; Value?: { Id?: string } }[];
}

/** The room revenue: the gross value of the space orders (nights) not cancelled. */
export function mewsRevenue(items: MewsOrderItem[]): { amount: number; currency: string } | undefined {
  const nights = items.filter(
    (i) => (i.Type ?? 'SpaceOrder') === 'SpaceOrder' && i.AccountingState !== 'Canceled',
  );
  if (nights.length === 0) return undefined;
  return {
    amount: nights.reduce((sum, i) => sum + Math.round(i.Amount.GrossValue * 100), 0) / 100,
    currency: nights[0]!.Amount.Currency,
  };
}

/** The native event of the reservation's State; a state with none (or a field missing) is a rejection. */
export function mapMewsReservation(
  m: MewsReservation,
  ctx: MappingContext & { propertyCodeOf?: (enterpriseId: string) => string },
): Mapped {
  const r = m.reservation;
  const reject = (reason: string): Mapped => ({ ok: false, reason, reservationId: r.Id });
  const propertyCode = ctx.propertyCodeOf?.(r.EnterpriseId) ?? r.EnterpriseId;
  const c = m.customer;
  if (!c) return reject(`customer ${r.AccountId} not found`);
  if (!c.Email?.trim()) return reject('the customer has no Email');
  if (!c.LastName?.trim()) return reject('the customer has no LastName');
  const timezone = ctx.timezoneOf(propertyCode);
  const guest = {
    pmsProfileId: `mews:${c.Id}`,
    firstName: c.FirstName?.trim() || c.LastName.trim(),
    lastName: c.LastName.trim(),
    email: c.Email.trim(),
    locale: localeOf(c.LanguageCode) ?? ctx.defaultLocale,
    timezone,
  };
  const start = isoInstant(r.ActualStartUtc) ?? isoInstant(r.ScheduledStartUtc);
  const end = isoInstant(r.ActualEndUtc) ?? isoInstant(r.ScheduledEndUtc);
  if (!start || !end) return reject('the reservation has no ScheduledStartUtc or ScheduledEndUtc');
  const arrival = localDate(start, timezone);
  const departure = localDate(end, timezone);
  const booking = { bookingId: r.Id, propertyCode, arrival, departure };
  const base = `mews:${r.Id}`;
  switch (r.State) {
    case 'Confirmed': {
      const occurredAt = isoInstant(r.CreatedUtc) ?? isoInstant(r.UpdatedUtc);
      if (!occurredAt) return reject('the reservation has no CreatedUtc');
      return {
        ok: true,
        body: { id: `${base}:confirmed`, type: 'booking.created', occurredAt, data: { guest, booking } },
      };
    }
    case 'Started': {
      const occurredAt = isoInstant(r.ActualStartUtc) ?? isoInstant(r.UpdatedUtc);
      if (!occurredAt) return reject('the reservation has no ActualStartUtc');
      return {
        ok: true,
        body: {
          id: `${base}:started`,
          type: 'stay.started',
          occurredAt,
          data: { guest, stay: { pmsStayId: r.Id, propertyCode, arrival, expectedDeparture: departure } },
        },
      };
    }
    case 'Processed': {
      const occurredAt = isoInstant(r.ActualEndUtc) ?? isoInstant(r.UpdatedUtc);
      if (!occurredAt) return reject('the reservation has no ActualEndUtc');
      const revenue = mewsRevenue(m.orderItems ?? []);
      if (!revenue) return reject('the reservation has no space order items (revenue unknown)');
      const roomRevenue = moneyText(revenue.amount);
      return {
        ok: true,
        body: {
          id: `${base}:processed:${roomRevenue}`,
          type: 'stay.completed',
          occurredAt,
          data: {
            guest,
            stay: {
              pmsStayId: r.Id,
              propertyCode,
              arrival,
              departure,
              nights: daysBetween(arrival, departure),
              roomRevenue,
              currency: revenue.currency,
            },
          },
        },
      };
    }
    case 'Canceled': {
      const occurredAt = isoInstant(r.CancelledUtc) ?? isoInstant(r.UpdatedUtc);
      if (!occurredAt) return reject('the reservation has no CancelledUtc');
      return {
        ok: true,
        body: { id: `${base}:canceled`, type: 'booking.cancelled', occurredAt, data: { guest, booking } },
      };
    }
    default:
      return reject(`State ${r.State} maps to no event`);
  }
}

export interface MewsOptions {
  /** `https://api.mews.com` */
  apiUrl: string;
  clientToken: string;
  accessToken: string;
  /** The `Client` name sent with every call. */
  client: string;
  timeoutMs: number;
  /** EnterpriseId → the property code the engine uses (MEWS_PROPERTY_CODES); unnamed: the EnterpriseId. */
  propertyCodes?: Record<string, string>;
  pageSize?: number;
}

export function mewsClient(opts: MewsOptions): PmsClient<MewsReservation> {
  const base = `${opts.apiUrl.replace(/\/+$/, '')}/api/connector/v1`;
  const call = <T>(operation: string, body: Record<string, unknown>) =>
    requestJson<T>(`${base}/${operation}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ClientToken: opts.clientToken,
        AccessToken: opts.accessToken,
        Client: opts.client,
        ...body,
      }),
      timeoutMs: opts.timeoutMs,
    });
  const pageSize = opts.pageSize ?? 100;

  async function join(records: MewsReservationRecord[]): Promise<MewsReservation[]> {
    if (records.length === 0) return [];
    const customerIds = [...new Set(records.map((r) => r.AccountId))];
    const { Customers } = await call<{ Customers: MewsCustomer[] }>('customers/getAll', {
      CustomerIds: customerIds,
      Extent: { Customers: true },
      Limitation: { Count: customerIds.length },
    });
    const processed = records.filter((r) => r.State === 'Processed').map((r) => r.Id);
    const items = processed.length
      ? (
          await call<{ OrderItems: MewsOrderItem[] }>('orderItems/getAll', {
            ServiceOrderIds: processed,
            Limitation: { Count: 1000 },
          })
        ).OrderItems
      : [];
    return records.map((reservation) => ({
      reservation,
      customer: Customers.find((c) => c.Id === reservation.AccountId),
      orderItems:
        reservation.State === 'Processed'
          ? items.filter((i) => i.ServiceOrderId === reservation.Id)
          : undefined,
    }));
  }

  const propertyCodeOf = (enterpriseId: string) => opts.propertyCodes?.[enterpriseId] ?? enterpriseId;
  return {
    adapter: 'mews',
    async fetchReservation(id) {
      const { Reservations } = await call<{ Reservations: MewsReservationRecord[] }>(
        'reservations/getAll/2023-06-06',
        { ReservationIds: [id], Limitation: { Count: 1 } },
      );
      const found = Reservations.find((r) => r.Id === id);
      // Mews answers an unknown id with an empty list: the same as Apaleo's 404.
      if (!found) throw new PmsFetchError(`reservation ${id} not found`, 404);
      return (await join([found]))[0]!;
    },
    async listReservations(q: PeriodQuery): Promise<ReservationPage<MewsReservation>> {
      // The reservations whose stay overlaps the period: scheduled to end in it or after it began.
      const answer = await call<{ Reservations: MewsReservationRecord[]; Cursor?: string | null }>(
        'reservations/getAll/2023-06-06',
        {
          ScheduledEndUtc: { StartUtc: `${q.since}T00:00:00Z`, EndUtc: `${q.until}T23:59:59Z` },
          Limitation: { Count: pageSize, ...(q.cursor ? { Cursor: q.cursor } : {}) },
        },
      );
      const more = answer.Reservations.length === pageSize && !!answer.Cursor;
      return { reservations: await join(answer.Reservations), next: more ? answer.Cursor! : undefined };
    },
    map: (m, ctx) => mapMewsReservation(m, { ...ctx, propertyCodeOf }),
    idOf: (m) => m.reservation.Id,
  };
}
