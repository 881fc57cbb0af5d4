/**
 * Apaleo (https://api.apaleo.com): OAuth client credentials at the identity server, then the booking API's
 * reservations. `mapApaleoReservation` is pure: the reservation's `status` decides the native event
 * (docs/pms.md has the table), and the event id is made from the reservation's state, so a re-delivery or a
 * catch-up of the same state is the same event (the intake's duplicate) and a new state is a new event.
 */
import { createHash } from 'node:crypto';
import { daysBetween, isoInstant, localeOf, moneyText, requestJson } from './http.js';
import {
  PmsFetchError,
  type Mapped,
  type MappingContext,
  type NativeGuest,
  type PeriodQuery,
  type PmsClient,
  type ReservationPage,
} from './types.js';

export const APALEO_STATUSES = ['Confirmed', 'InHouse', 'CheckedOut', 'Canceled', 'NoShow'] as const;
export type ApaleoStatus = (typeof APALEO_STATUSES)[number];

/** The fields of `GET /booking/v1/reservations/{id}` the mapping reads. */
export interface ApaleoReservation {
  id: string;
  bookingId?: string;
  /** One of APALEO_STATUSES; anything else is refused by the mapping. */
  status: string;
  /** Property-local date-times with their offset (`2026-10-05T15:00:00+02:00`) or dates. */
  arrival: string;
  departure: string;
  created?: string;
  modified?: string;
  checkInTime?: string;
  checkOutTime?: string;
  cancellationTime?: string;
  noShowTime?: string;
  property: { id: string; code?: string; name?: string };
  unitGroup?: { id: string; code?: string; name?: string };
  totalGrossAmount?: { amount: number; currency: string };
  primaryGuest?: {
    firstName?: string;
    lastName?: string;
    email?: string;
    phone?: string;
    preferredLanguage?: string;
  };
  channelCode?: string;
}

/** The webhook's envelope (topic `Reservation`, or `System` for the subscription's health check). */
export interface ApaleoWebhook {
  topic: string;
  type: string;
  id: string;
  accountId?: string;
  propertyId?: string;
  timestamp?: number;
  data?: { entityId?: string };
}

/** The types of topic Reservation that make us fetch the reservation. */
export const APALEO_RESERVATION_TYPES = [
  'created',
  'amended',
  'changed',
  'checked-in',
  'checked-out',
  'canceled',
  'set-to-no-show',
] as const;

/**
 * The guest's profile id: Apaleo's reservation names its primary guest without an id of theirs, so the
 * profile is the e-mail address, hashed (the id travels where the address should not: logs, event ids).
 */
export function apaleoProfileId(email: string): string {
  return `apaleo:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32)}`;
}

const dateOf = (value: string) => value.slice(0, 10);

function guestOf(r: ApaleoReservation, propertyCode: string, ctx: MappingContext): NativeGuest | string {
  const g = r.primaryGuest;
  if (!g) return 'the reservation has no primaryGuest';
  if (!g.email?.trim()) return 'primaryGuest has no email';
  if (!g.lastName?.trim()) return 'primaryGuest has no lastName';
  return {
    pmsProfileId: apaleoProfileId(g.email),
    // Apaleo requires only a last name; the native profile needs both.
    firstName: g.firstName?.trim() || g.lastName.trim(),
    lastName: g.lastName.trim(),
    email: g.email.trim(),
    locale: localeOf(g.preferredLanguage) ?? ctx.defaultLocale,
    timezone: ctx.timezoneOf(propertyCode),
  };
}

/** The native event of the reservation's state; a state with none (or a field missing) is a rejection. */
export function mapApaleoReservation(r: ApaleoReservation, ctx: MappingContext): Mapped {
  const reject = (reason: string): Mapped => ({ ok: false, reason, reservationId: r.id });
  const propertyCode = r.property?.code ?? r.property?.id;
  if (!propertyCode) return reject('the reservation has no property');
  const guest = guestOf(r, propertyCode, ctx);
  if (typeof guest === 'string') return reject(guest);
  const arrival = dateOf(r.arrival ?? '');
  const departure = dateOf(r.departure ?? '');
  const booking = { bookingId: r.id, propertyCode, arrival, departure };
  const at = (...candidates: (string | undefined)[]) =>
    candidates.map(isoInstant).find((v) => v !== undefined);
  const base = `apaleo:${r.id}`;
  switch (r.status) {
    case 'Confirmed': {
      const occurredAt = at(r.created, r.modified);
      if (!occurredAt) return reject('the reservation has no created time');
      return {
        ok: true,
        body: { id: `${base}:confirmed`, type: 'booking.created', occurredAt, data: { guest, booking } },
      };
    }
    case 'InHouse': {
      const occurredAt = at(r.checkInTime, r.modified);
      if (!occurredAt) return reject('the reservation has no checkInTime');
      return {
        ok: true,
        body: {
          id: `${base}:in-house`,
          type: 'stay.started',
          occurredAt,
          data: {
            guest,
            stay: { pmsStayId: r.id, propertyCode, arrival, expectedDeparture: departure },
          },
        },
      };
    }
    case 'CheckedOut': {
      const occurredAt = at(r.checkOutTime, r.modified);
      if (!occurredAt) return reject('the reservation has no checkOutTime');
      const total = r.totalGrossAmount;
      if (!total || !Number.isFinite(total.amount)) return reject('the reservation has no totalGrossAmount');
      const roomRevenue = moneyText(total.amount);
      return {
        ok: true,
        body: {
          id: `${base}:checked-out:${roomRevenue}`,
          type: 'stay.completed',
          occurredAt,
          data: {
            guest,
            stay: {
              pmsStayId: r.id,
              propertyCode,
              arrival,
              departure,
              nights: daysBetween(arrival, departure),
              roomRevenue,
              currency: total.currency,
            },
          },
        },
      };
    }
    case 'Canceled':
    case 'NoShow': {
      const occurredAt =
        r.status === 'Canceled' ? at(r.cancellationTime, r.modified) : at(r.noShowTime, r.modified);
      if (!occurredAt)
        return reject(
          `the reservation has no ${r.status === 'Canceled' ? 'cancellationTime' : 'noShowTime'}`,
        );
      return {
        ok: true,
        body: {
          id: `${base}:${r.status === 'Canceled' ? 'canceled' : 'no-show'}`,
          type: 'booking.cancelled',
          occurredAt,
          data: { guest, booking },
        },
      };
    }
    default:
      return reject(`status ${String(r.status)} maps to no event`);
  }
}

export interface ApaleoOptions {
  /** `https://api.apaleo.com` */
  apiUrl: string;
  /** `https://identity.apaleo.com` (its `/connect/token`). */
  identityUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  /** Reservations per page when listing (Apaleo allows up to 1000). */
  pageSize?: number;
}

/** Apaleo's API with a client-credentials token, fetched once and renewed a minute before it expires. */
export function apaleoClient(opts: ApaleoOptions): PmsClient<ApaleoReservation> {
  let token: { value: string; until: number } | undefined;
  const base = opts.apiUrl.replace(/\/+$/, '');
  async function bearer(): Promise<string> {
    if (token && token.until > Date.now()) return token.value;
    const basic = Buffer.from(
      `${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret)}`,
    ).toString('base64');
    const answer = await requestJson<{ access_token: string; expires_in: number }>(
      `${opts.identityUrl.replace(/\/+$/, '')}/connect/token`,
      {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
        timeoutMs: opts.timeoutMs,
      },
    );
    token = { value: answer.access_token, until: Date.now() + Math.max(0, answer.expires_in - 60) * 1000 };
    return token.value;
  }
  const get = async <T>(path: string) =>
    requestJson<T>(`${base}${path}`, {
      headers: { authorization: `Bearer ${await bearer()}` },
      timeoutMs: opts.timeoutMs,
    });
  const pageSize = opts.pageSize ?? 200;
  return {
    adapter: 'apaleo',
    fetchReservation: (id) => get<ApaleoReservation>(`/booking/v1/reservations/${encodeURIComponent(id)}`),
    async listReservations(q: PeriodQuery): Promise<ReservationPage<ApaleoReservation>> {
      const page = Number(q.cursor ?? '1');
      if (!Number.isInteger(page) || page < 1) throw new PmsFetchError(`bad page cursor ${q.cursor}`, 0);
      // The stays and bookings of the period: every reservation whose stay overlaps it.
      const params = new URLSearchParams({
        dateFilter: 'Stay',
        from: `${q.since}T00:00:00Z`,
        to: `${q.until}T23:59:59Z`,
        pageNumber: String(page),
        pageSize: String(pageSize),
      });
      // Apaleo answers 204 with no body when no reservation matches.
      const answer = await get<{ reservations?: ApaleoReservation[]; count?: number } | null>(
        `/booking/v1/reservations?${params.toString()}`,
      ).catch((err: unknown) => {
        if (err instanceof PmsFetchError && err.status === 204) return null;
        throw err;
      });
      const reservations = answer?.reservations ?? [];
      const total = answer?.count;
      const more = total !== undefined ? page * pageSize < total : reservations.length === pageSize;
      return { reservations, total, next: more ? String(page + 1) : undefined };
    },
    map: mapApaleoReservation,
    idOf: (r) => r.id,
  };
}
