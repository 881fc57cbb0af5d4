/** The PMS events we accept, validated at the edge. */
import { z } from 'zod';

export const SUPPORTED_EVENT_TYPES = ['stay.completed'] as const;

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

const id = z.string().trim().min(1).max(120);

/** The largest room revenue one stay may carry: far above any real stay, far below any overflow. */
export const MAX_ROOM_REVENUE = 10_000_000;
const moneyMessage = `must be an amount from 0 to ${MAX_ROOM_REVENUE} with at most 2 decimals`;

/** Money as a decimal string with two fraction digits; accepts 1280.5 or "1280.50". */
const money = z
  .union([z.number(), z.string().regex(/^\d{1,8}(\.\d{1,2})?$/, moneyMessage)])
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
  });

export const guestSchema = z.object({
  pmsProfileId: id,
  firstName: z.string().trim().min(1).max(100),
  lastName: z.string().trim().min(1).max(100),
  email: z.email().max(254),
  locale: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 tag such as en or zh-CN'),
  timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai'),
});

const DAY_MS = 86_400_000;

export const staySchema = z
  .object({
    pmsStayId: id,
    propertyCode: z.string().trim().min(1).max(40),
    arrival: z.iso.date(),
    departure: z.iso.date(),
    nights: z.number().int().min(1).max(366),
    roomRevenue: money,
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY'),
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
  id,
  type: z.literal('stay.completed'),
  occurredAt: z.iso.datetime({ offset: true }),
  data: z.object({ guest: guestSchema, stay: staySchema }),
});

export type StayCompletedBody = z.infer<typeof stayCompletedSchema>;

/** Only the discriminator, read first so an unknown type gets 422 rather than a list of field errors. */
export const envelopeSchema = z.object({ type: z.string().min(1) });
