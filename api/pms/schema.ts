/**
 * The PMS events we accept, validated at the edge. Every field is bounded in type, size and content so that
 * whatever passes can be stored by PostgreSQL (text and jsonb refuse NUL and unpaired surrogates), handed to
 * Temporal and read back unchanged; whatever does not gets a 400 naming the field. The field helpers are
 * exported for the event types still to come.
 */
import { z } from 'zod';

export const SUPPORTED_EVENT_TYPES = [
  'stay.completed',
  'stay.amended',
  'stay.cancelled',
  'stay.started',
  'booking.created',
  'booking.cancelled',
  'profile.updated',
  'member.enrolled',
] as const;
export type SupportedEventType = (typeof SUPPORTED_EVENT_TYPES)[number];

// --- text ----------------------------------------------------------------------------------------------------

/** C0 and C1 controls (NUL, tab, CR, LF, ESC, DEL, NEL…) and the Unicode line and paragraph separators. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
/** With the `u` flag a surrogate only matches when it has no partner: text that is not Unicode. */
const LONE_SURROGATE = /\p{Cs}/u;

const codePoint = (s: string, at: number) =>
  `U+${s.codePointAt(at)!.toString(16).toUpperCase().padStart(4, '0')} at position ${at}`;

/**
 * Why `value` is not single-line Unicode text, or undefined when it is. PostgreSQL refuses NUL in text and
 * jsonb and an unpaired surrogate in jsonb; the others would break a mail header or a log line.
 */
export function textProblem(value: string): string | undefined {
  const control = CONTROL.exec(value);
  if (control)
    return `must not contain control characters or line breaks (${codePoint(value, control.index)})`;
  const lone = LONE_SURROGATE.exec(value);
  if (lone) return `must be valid Unicode text (unpaired surrogate ${codePoint(value, lone.index)})`;
  return undefined;
}

const plainText = z.string().check((ctx) => {
  const problem = textProblem(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
});

/**
 * Free single-line text: no control characters or line breaks, no unpaired surrogates, trimmed, then between
 * `min` and `max` UTF-16 units. Any script, emoji, combining marks and right-to-left text are welcome.
 */
export function text(max: number, { min = 1 }: { min?: number } = {}) {
  return plainText.trim().min(min).max(max);
}

/** An identifier another system chose (event, profile, stay): free text of at most 120 characters. */
export const externalId = text(120);

/** Text of at most `max` characters that matches `pattern`; a longer value is never matched. */
function formatted(max: number, pattern: RegExp, message: string) {
  return z.string().max(max).pipe(z.string().regex(pattern, message));
}

// --- dates ---------------------------------------------------------------------------------------------------

/**
 * Dates a hotel stay can have. The floor keeps out what PostgreSQL and JavaScript read differently (year 0,
 * years before the Gregorian calendar, five- and six-digit years); the ceiling leaves room for bookings.
 */
export const MIN_DATE = '2000-01-01';
export const MAX_DATE = '2099-12-31';
const MIN_INSTANT_MS = Date.parse(`${MIN_DATE}T00:00:00Z`);
const MAX_INSTANT_MS = Date.parse(`${MAX_DATE}T23:59:59.999Z`);

/** A calendar date `YYYY-MM-DD` from MIN_DATE to MAX_DATE. */
export function isoDate() {
  return z.iso
    .date({ message: 'must be a date YYYY-MM-DD' })
    .pipe(
      z
        .string()
        .refine((v) => v >= MIN_DATE && v <= MAX_DATE, `must be a date from ${MIN_DATE} to ${MAX_DATE}`),
    )
    .meta({ description: `A date \`YYYY-MM-DD\` from ${MIN_DATE} to ${MAX_DATE}.` });
}

/** An ISO 8601 instant with an offset (`2026-03-12T03:15:00Z`, `…+08:00`) from MIN_DATE to MAX_DATE. */
export function instant() {
  return z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 instant with an offset' })
    .pipe(
      z.string().refine((v) => {
        const ms = Date.parse(v);
        return Number.isFinite(ms) && ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS;
      }, `must be an instant from ${MIN_DATE} to ${MAX_DATE}`),
    )
    .meta({
      description: `An ISO 8601 instant with an offset (\`2026-03-12T03:15:00Z\`, \`…+08:00\`) from ${MIN_DATE} to ${MAX_DATE}.`,
    });
}

// --- profile and money ---------------------------------------------------------------------------------------

const knownZones = new Set<string>();

/** Whether the runtime knows the IANA zone; valid answers are cached (building a formatter is not cheap). */
function isTimeZone(tz: string): boolean {
  if (knownZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    return false;
  }
  if (knownZones.size < 2000) knownZones.add(tz);
  return true;
}

/** Whether Intl accepts the tag (the regex alone lets through tags such as `en-aa-bb`). */
function isLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

export const email = z.email({ message: 'must be an email address' }).max(254);

const localeMessage = 'must be a BCP 47 tag such as en or zh-CN';
export const locale = formatted(35, /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, localeMessage)
  .pipe(z.string().refine(isLocale, localeMessage))
  .meta({ description: 'A BCP 47 tag (`en`, `zh-CN`): `zh…` gets Chinese mail, anything else English.' });

export const timeZone = z
  .string()
  .max(64)
  .pipe(
    z
      .string()
      .refine(
        (tz) => textProblem(tz) === undefined && isTimeZone(tz),
        'must be an IANA time zone such as Asia/Shanghai',
      ),
  )
  .meta({ description: 'An IANA time zone (`Asia/Shanghai`).' });

export const currency = formatted(3, /^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY').meta({
  description: 'An ISO 4217 code in capitals (`CNY`).',
});

/** The largest room revenue one stay may carry: far above any real stay, far below any overflow. */
export const MAX_ROOM_REVENUE = 10_000_000;
const moneyMessage = `must be an amount from 0 to ${MAX_ROOM_REVENUE} with at most 2 decimals`;

/** Money as a decimal string with two fraction digits; accepts 1280.5 or "1280.50". */
export const money = z
  .union(
    [
      z.number(),
      z
        .string()
        .max(11)
        .regex(/^\d{1,8}(\.\d{1,2})?$/, moneyMessage),
    ],
    {
      message: moneyMessage,
    },
  )
  .transform((v, ctx) => {
    const n = typeof v === 'string' ? Number(v) : v;
    if (
      !Number.isFinite(n) ||
      n < 0 ||
      n > MAX_ROOM_REVENUE ||
      Math.abs(Math.round(n * 100) - n * 100) > 1e-6
    ) {
      ctx.addIssue({ code: 'custom', message: moneyMessage });
      return z.NEVER;
    }
    return n.toFixed(2);
  })
  .meta({
    description: `An amount from 0 to ${MAX_ROOM_REVENUE} with at most two decimals, as a number or a string (\`1280.5\`, \`"1280.50"\`).`,
  });

// --- events --------------------------------------------------------------------------------------------------

export const guestSchema = z.object({
  pmsProfileId: externalId,
  firstName: text(100),
  lastName: text(100),
  email,
  locale,
  timezone: timeZone,
});

const DAY_MS = 86_400_000;

export const staySchema = z
  .object({
    pmsStayId: externalId,
    propertyCode: text(40),
    arrival: isoDate(),
    departure: isoDate(),
    nights: z.number().int().min(1).max(366),
    roomRevenue: money,
    currency,
  })
  .superRefine((s, ctx) => {
    const days = (Date.parse(s.departure) - Date.parse(s.arrival)) / DAY_MS;
    if (days <= 0) ctx.addIssue({ code: 'custom', path: ['departure'], message: 'must be after arrival' });
    else if (days !== s.nights) {
      ctx.addIssue({
        code: 'custom',
        path: ['nights'],
        message: `must equal the days between arrival and departure (${days})`,
      });
    }
  });

export const stayCompletedSchema = z.object({
  id: externalId,
  type: z.literal('stay.completed'),
  occurredAt: instant(),
  data: z.object({ guest: guestSchema, stay: staySchema }),
});

export type StayCompletedBody = z.infer<typeof stayCompletedSchema>;

// --- amendment and cancellation -----------------------------------------------------------------------------

/** The longest reason an amendment or a cancellation may carry (free text: kept in Postgres, never in history). */
export const MAX_CORRECTION_REASON = 200;

/**
 * `stay.amended`: the full, corrected stay (same `pmsStayId`), e.g. once the folio is final. The stay row
 * takes the new values and the points are corrected by ledger rows. An amendment of a stay not yet known is
 * recorded as the completed stay with these values (deliveries are unordered).
 */
export const stayAmendedSchema = z.object({
  id: externalId,
  type: z.literal('stay.amended'),
  occurredAt: instant(),
  data: z.object({
    guest: guestSchema,
    stay: staySchema,
    amendment: z.object({ reason: text(MAX_CORRECTION_REASON).optional() }).optional(),
  }),
});
export type StayAmendedBody = z.infer<typeof stayAmendedSchema>;

/**
 * `stay.cancelled`: a completed stay is voided (posted in error). Its points are reversed, the stay row is
 * marked cancelled and its post-stay follow-up withdrawn.
 */
export const stayCancelledSchema = z.object({
  id: externalId,
  type: z.literal('stay.cancelled'),
  occurredAt: instant(),
  data: z.object({
    guest: guestSchema,
    stay: z.object({ pmsStayId: externalId, propertyCode: text(40).optional() }),
    cancellation: z.object({ reason: text(MAX_CORRECTION_REASON).optional() }).optional(),
  }),
});
export type StayCancelledBody = z.infer<typeof stayCancelledSchema>;

/** An amended stay is a completed stay: the same clock rules (check-out and departure not in the future). */
export function stayAmendedClockIssue(
  body: StayAmendedBody,
  nowMs: number,
  toleranceMs: number,
): ClockIssue | undefined {
  return stayCompletedClockIssue(body, nowMs, toleranceMs);
}

// --- check-in ------------------------------------------------------------------------------------------------

/** The longest stay a check-in may announce: a year and a day, like a completed stay. */
export const MAX_STAY_NIGHTS = 366;

export const checkinStaySchema = z
  .object({
    pmsStayId: externalId,
    propertyCode: text(40),
    arrival: isoDate(),
    expectedDeparture: isoDate(),
  })
  .superRefine((s, ctx) => {
    const days = (Date.parse(s.expectedDeparture) - Date.parse(s.arrival)) / DAY_MS;
    if (days <= 0)
      ctx.addIssue({ code: 'custom', path: ['expectedDeparture'], message: 'must be after arrival' });
    else if (days > MAX_STAY_NIGHTS) {
      ctx.addIssue({
        code: 'custom',
        path: ['expectedDeparture'],
        message: `must be at most ${MAX_STAY_NIGHTS} days after arrival`,
      });
    }
  });

/** `stay.started`: the guest checked in (`occurredAt` is the check-in). Same envelope as stay.completed. */
export const stayStartedSchema = z.object({
  id: externalId,
  type: z.literal('stay.started'),
  occurredAt: instant(),
  data: z.object({ guest: guestSchema, stay: checkinStaySchema }),
});

export type StayStartedBody = z.infer<typeof stayStartedSchema>;

/** A rule about the clock that a schema cannot check: the field it is about and what is wrong. */
export interface ClockIssue {
  field: string;
  message: string;
}

/**
 * A completed stay is in the past: the check-out (`occurredAt`) no later than now plus the signature
 * tolerance, and the departure date no later than tomorrow (UTC; the property may be up to 14 hours ahead).
 * A future check-out would hold the guest's profile and follow-up hostage to a wrong PMS clock.
 */
export function stayCompletedClockIssue(
  body: Pick<StayCompletedBody, 'occurredAt'> & { data: { stay: { departure: string } } },
  nowMs: number,
  toleranceMs: number,
): ClockIssue | undefined {
  if (Date.parse(body.occurredAt) > nowMs + toleranceMs) {
    return { field: 'occurredAt', message: 'must not be in the future' };
  }
  const tomorrow = new Date(nowMs + DAY_MS).toISOString().slice(0, 10);
  if (body.data.stay.departure > tomorrow) {
    return { field: 'data.stay.departure', message: `must not be after ${tomorrow} for a completed stay` };
  }
  return undefined;
}

/**
 * A check-in has happened: `occurredAt` no later than now plus the signature tolerance, and the arrival date
 * no later than tomorrow (UTC; the property may be up to 14 hours ahead).
 */
export function stayStartedClockIssue(
  body: StayStartedBody,
  nowMs: number,
  toleranceMs: number,
): ClockIssue | undefined {
  if (Date.parse(body.occurredAt) > nowMs + toleranceMs) {
    return { field: 'occurredAt', message: 'must not be in the future' };
  }
  const tomorrow = new Date(nowMs + DAY_MS).toISOString().slice(0, 10);
  if (body.data.stay.arrival > tomorrow) {
    return { field: 'data.stay.arrival', message: `must not be after ${tomorrow} for a check-in` };
  }
  return undefined;
}

/** occurredAt of any event: no later than now plus the signature tolerance (a wrong PMS clock). */
function occurredAtIssue(occurredAt: string, nowMs: number, toleranceMs: number): ClockIssue | undefined {
  if (Date.parse(occurredAt) > nowMs + toleranceMs) {
    return { field: 'occurredAt', message: 'must not be in the future' };
  }
  return undefined;
}

// --- bookings ------------------------------------------------------------------------------------------------

/** The longest booking we take: a year and a day, like a stay. */
export const MAX_BOOKING_NIGHTS = 366;

/** An offer or coupon code a booking carries (a win-back coupon is redeemed by it). */
export const offerCode = text(40);

const bookingFields = {
  bookingId: externalId,
  propertyCode: text(40),
  arrival: isoDate(),
  departure: isoDate(),
  offerCode: offerCode.optional(),
};

/** Departure after arrival, at most MAX_BOOKING_NIGHTS later (only when both are there). */
function bookingDatesIssue(
  b: { arrival?: string | undefined; departure?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (b.arrival === undefined || b.departure === undefined) return;
  const days = (Date.parse(b.departure) - Date.parse(b.arrival)) / DAY_MS;
  if (days <= 0) ctx.addIssue({ code: 'custom', path: ['departure'], message: 'must be after arrival' });
  else if (days > MAX_BOOKING_NIGHTS) {
    ctx.addIssue({
      code: 'custom',
      path: ['departure'],
      message: `must be at most ${MAX_BOOKING_NIGHTS} days after arrival`,
    });
  }
}

export const bookingSchema = z.object(bookingFields).superRefine(bookingDatesIssue);

/** A cancellation names the booking; the rest is optional (and then lets an unknown booking be recorded). */
export const cancelledBookingSchema = z
  .object({
    bookingId: externalId,
    propertyCode: bookingFields.propertyCode.optional(),
    arrival: bookingFields.arrival.optional(),
    departure: bookingFields.departure.optional(),
    offerCode: offerCode.optional(),
  })
  .superRefine(bookingDatesIssue);

export const bookingCreatedSchema = z.object({
  id: externalId,
  type: z.literal('booking.created'),
  occurredAt: instant(),
  data: z.object({ guest: guestSchema, booking: bookingSchema }),
});
export type BookingCreatedBody = z.infer<typeof bookingCreatedSchema>;

export const bookingCancelledSchema = z.object({
  id: externalId,
  type: z.literal('booking.cancelled'),
  occurredAt: instant(),
  data: z.object({ guest: guestSchema, booking: cancelledBookingSchema }),
});
export type BookingCancelledBody = z.infer<typeof bookingCancelledSchema>;

// --- profile -------------------------------------------------------------------------------------------------

/** The oldest birthday we believe. */
export const MIN_BIRTHDAY = '1900-01-01';

/** A birthday `YYYY-MM-DD` from MIN_BIRTHDAY on (not in the future: checked against the clock). */
export function birthDate() {
  return z.iso
    .date({ message: 'must be a date YYYY-MM-DD' })
    .pipe(
      z
        .string()
        .refine((v) => v >= MIN_BIRTHDAY && v <= MAX_DATE, `must be a date from ${MIN_BIRTHDAY} to today`),
    );
}

const phoneMessage = 'must be a phone number: digits, spaces, ( ) . - and an optional leading +';
/** A phone number as people write it (`+86 21 6321 0000`, `(020) 7946-0958`): 4 to 20 digits. */
export const phone = z
  .string()
  .max(40)
  .trim()
  .regex(/^\+?[0-9 ().-]+$/, phoneMessage)
  .max(32)
  .refine((v) => {
    const digits = v.replace(/[^0-9]/g, '').length;
    return digits >= 4 && digits <= 20;
  }, 'must have 4 to 20 digits');

/** The guest block plus what only a profile update carries; `null` clears a phone or birthday. */
export const profileGuestSchema = guestSchema.extend({
  phone: phone.nullable().optional(),
  birthday: birthDate().nullable().optional(),
  marketingConsent: z.boolean().optional(),
});

export const profileUpdatedSchema = z.object({
  id: externalId,
  type: z.literal('profile.updated'),
  occurredAt: instant(),
  data: z.object({ guest: profileGuestSchema }),
});
export type ProfileUpdatedBody = z.infer<typeof profileUpdatedSchema>;

/** A birthday is in the past: not after today where the day starts first (UTC+14). */
export function profileUpdatedClockIssue(
  body: ProfileUpdatedBody,
  nowMs: number,
  toleranceMs: number,
): ClockIssue | undefined {
  const issue = occurredAtIssue(body.occurredAt, nowMs, toleranceMs);
  if (issue) return issue;
  const latest = new Date(nowMs + 14 * 3_600_000).toISOString().slice(0, 10);
  const birthday = body.data.guest.birthday;
  if (birthday && birthday > latest) {
    return { field: 'data.guest.birthday', message: 'must not be in the future' };
  }
  return undefined;
}

// --- enrolment -----------------------------------------------------------------------------------------------

export const ENROLMENT_CHANNELS = ['front_desk', 'online'] as const;

/** A member number as the program issues it: `M` and nine digits (case-insensitive, trimmed). */
export const memberNumber = formatted(
  40,
  /^\s*[Mm][0-9]{9}\s*$/,
  'must be a member number: M and 9 digits',
).transform((v) => v.trim().toUpperCase());

export const memberEnrolledSchema = z.object({
  id: externalId,
  type: z.literal('member.enrolled'),
  occurredAt: instant(),
  data: z.object({
    guest: guestSchema,
    enrolment: z.object({
      channel: z.enum(ENROLMENT_CHANNELS, { message: 'must be front_desk or online' }),
      referredBy: memberNumber.optional(),
    }),
  }),
});
export type MemberEnrolledBody = z.infer<typeof memberEnrolledSchema>;

/** Events whose only clock rule is that they happened (occurredAt not in the future). */
export function occurredClockIssue(
  body: { occurredAt: string },
  nowMs: number,
  toleranceMs: number,
): ClockIssue | undefined {
  return occurredAtIssue(body.occurredAt, nowMs, toleranceMs);
}

/** Only the discriminator, read first so an unknown type gets 422 rather than a list of field errors. */
export const envelopeSchema = z.object({ type: text(100) });
