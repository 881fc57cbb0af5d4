/**
 * What the PMS adapters have in common (lib/pms/apaleo.ts, lib/pms/mews.ts): a client that fetches one
 * reservation by its id and lists the reservations of a period, page by page (catch-up), and the native event
 * a reservation's state becomes. The bodies are those `POST /v1/pms/events` takes (api/pms/schema.ts validates
 * them before the intake, api/pms/service.ts, records them); lib/ cannot import api/, so their shape is
 * restated here as plain JSON.
 */

export const PMS_ADAPTERS = ['apaleo', 'mews'] as const;
export type PmsAdapter = (typeof PMS_ADAPTERS)[number];

export interface NativeGuest {
  pmsProfileId: string;
  firstName: string;
  lastName: string;
  email: string;
  locale: string;
  timezone: string;
}

export interface NativeStay {
  pmsStayId: string;
  propertyCode: string;
  arrival: string;
  departure: string;
  nights: number;
  roomRevenue: string;
  currency: string;
}

interface Envelope<T extends string, D> {
  id: string;
  type: T;
  occurredAt: string;
  data: D;
}

export type NativeEventBody =
  | Envelope<'booking.created', { guest: NativeGuest; booking: NativeBooking }>
  | Envelope<'booking.cancelled', { guest: NativeGuest; booking: NativeBooking }>
  | Envelope<
      'stay.started',
      {
        guest: NativeGuest;
        stay: { pmsStayId: string; propertyCode: string; arrival: string; expectedDeparture: string };
      }
    >
  | Envelope<'stay.completed', { guest: NativeGuest; stay: NativeStay }>
  | Envelope<'stay.amended', { guest: NativeGuest; stay: NativeStay; amendment?: { reason?: string } }>
  | Envelope<
      'stay.cancelled',
      {
        guest: NativeGuest;
        stay: { pmsStayId: string; propertyCode?: string };
        cancellation?: { reason?: string };
      }
    >;

export interface NativeBooking {
  bookingId: string;
  propertyCode: string;
  arrival: string;
  departure: string;
}

/** What a reservation's state maps to: a native event, or why it cannot be one (a rejection, with its reason). */
export type Mapped =
  { ok: true; body: NativeEventBody } | { ok: false; reason: string; reservationId: string };

/** What a mapping needs besides the reservation: resolved by the caller, so the mapping stays pure. */
export interface MappingContext {
  /** The property's IANA zone (property_settings), or the default (PMS_DEFAULT_TIMEZONE). */
  timezoneOf(propertyCode: string): string;
  /** The locale when the PMS gives none (PMS_DEFAULT_LOCALE). */
  defaultLocale: string;
}

/** One page of a period's reservations; `next` is the cursor of the following page, absent on the last. */
export interface ReservationPage<R> {
  reservations: R[];
  next?: string | undefined;
  /** The number of reservations of the period, when the PMS says (Apaleo's `count`): for a progress bar. */
  total?: number | undefined;
}

export interface PeriodQuery {
  /** `YYYY-MM-DD`, inclusive. */
  since: string;
  /** `YYYY-MM-DD`, inclusive. */
  until: string;
  cursor?: string | undefined;
}

/**
 * One PMS behind its adapter. `R` is what the PMS answers for a reservation (with the guest's profile and the
 * revenue it needs joined in), `map` is pure.
 */
export interface PmsClient<R = unknown> {
  readonly adapter: PmsAdapter;
  /** The reservation, or a `PmsFetchError` (404: `notFound`; a time-out or a 5xx: retryable). */
  fetchReservation(id: string): Promise<R>;
  /** The reservations that arrived, stayed or departed in the period (departure, arrival or creation in it). */
  listReservations(query: PeriodQuery): Promise<ReservationPage<R>>;
  map(reservation: R, context: MappingContext): Mapped;
  /** The reservation's id (for a rejection's row). */
  idOf(reservation: R): string;
}

/** A PMS call that did not answer with the reservation: its status (0: no answer), and whether to retry. */
export class PmsFetchError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'PmsFetchError';
  }
  get notFound(): boolean {
    return this.status === 404;
  }
}
