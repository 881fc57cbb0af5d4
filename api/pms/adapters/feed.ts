/**
 * A reservation into the native intake: map it (lib/pms/, pure), turn a completed stay whose revenue changed
 * since it was recorded into `stay.amended`, skip what the intake already has, validate with the native
 * event's own schema and clock rule (api/pms/router.ts HANDLERS) and accept it with the native intake
 * (api/pms/service.ts: the guest upsert, the pms_events row, the signal). The webhook deliveries
 * (processor.ts) and the catch-up sync (sync.ts) both come here, so a state seen by either is known to both.
 */
import type { Db } from '../../../db/knex.js';
import * as repo from '../../../db/repositories/pms-adapters.js';
import * as pmsEvents from '../../../db/repositories/pms-events.js';
import type { MappingContext, NativeEventBody, PmsClient } from '../../../lib/pms/index.js';
import { HttpError, validationError } from '../../errors.js';
import { HANDLERS, type EventHandler } from '../router.js';
import { PMS_SOURCE, type PmsServiceDeps } from '../service.js';

export interface FeedDeps extends PmsServiceDeps {
  /** PMS_DEFAULT_TIMEZONE, PMS_DEFAULT_LOCALE. */
  defaults: { timezone: string; locale: string };
  /** The clock rule's tolerance (PMS_SIGNATURE_TOLERANCE_SECONDS). */
  toleranceSeconds: number;
}

export interface Fed {
  outcome: repo.FeedOutcome;
  /** The native event fed or found. */
  eventId?: string | undefined;
  /** A rejection's reason: what the mapping, the schema or the intake said. */
  reason?: string | undefined;
}

/** The mapping's context: the zones of the properties with settings, read once per call (a sync: once). */
export async function mappingContext(deps: Pick<FeedDeps, 'db' | 'defaults'>): Promise<MappingContext> {
  const zones = await repo.propertyZones(deps.db);
  return {
    timezoneOf: (code) => zones[code] ?? deps.defaults.timezone,
    defaultLocale: deps.defaults.locale,
  };
}

const handlerOf = (type: string): EventHandler<unknown> | undefined =>
  Object.hasOwn(HANDLERS, type) ? HANDLERS[type as keyof typeof HANDLERS] : undefined;

/** Whether the intake takes `stay.amended` (api/pms/schema.ts; the native amendment). */
export const amendmentsSupported = () => handlerOf('stay.amended') !== undefined;

/**
 * A stay already recorded with other revenue: the stay amended (the folio was not final), keyed by the new
 * revenue; the same revenue: already known. Undefined: not recorded yet.
 */
async function againstRecordedStay(
  db: Db,
  adapter: string,
  body: Extract<NativeEventBody, { type: 'stay.completed' }>,
): Promise<NativeEventBody | 'known' | undefined> {
  const stay = body.data.stay;
  const recorded = await repo.recordedStay(db, PMS_SOURCE, stay.pmsStayId);
  if (!recorded) return undefined;
  if (Number(recorded.room_revenue) === Number(stay.roomRevenue) && recorded.currency === stay.currency)
    return 'known';
  return {
    id: `${adapter}:${stay.pmsStayId}:amended:${stay.roomRevenue}`,
    type: 'stay.amended',
    occurredAt: body.occurredAt,
    data: {
      guest: body.data.guest,
      stay,
      amendment: {
        reason: `folio changed in ${adapter}: ${recorded.room_revenue} ${recorded.currency} → ${stay.roomRevenue} ${stay.currency}`,
      },
    },
  };
}

/** `stay.cancelled` of a reservation cancelled (or set to no-show) after its stay was recorded. */
function stayCancelled(
  adapter: string,
  body: Extract<NativeEventBody, { type: 'booking.cancelled' }>,
): NativeEventBody {
  const { bookingId, propertyCode } = body.data.booking;
  return {
    id: `${adapter}:${bookingId}:stay-cancelled`,
    type: 'stay.cancelled',
    occurredAt: body.occurredAt,
    data: {
      guest: body.data.guest,
      stay: { pmsStayId: bookingId, propertyCode },
      cancellation: { reason: `the reservation was cancelled in ${adapter} after its stay was recorded` },
    },
  };
}

export async function feedReservation<R>(
  deps: FeedDeps,
  client: PmsClient<R>,
  reservation: R,
  context: MappingContext,
): Promise<Fed> {
  const mapped = client.map(reservation, context);
  if (!mapped.ok) return { outcome: 'rejected', reason: mapped.reason };
  let body: NativeEventBody = mapped.body;
  if (body.type === 'stay.completed') {
    const against = await againstRecordedStay(deps.db, client.adapter, body);
    if (against === 'known') return { outcome: 'known', eventId: body.id };
    if (against) {
      if (!amendmentsSupported())
        return {
          outcome: 'rejected',
          eventId: body.id,
          reason: 'revenue changed, and stay.amended is not taken yet',
        };
      body = against;
    }
  }
  if (body.type === 'booking.cancelled') {
    // Cancelled after its stay was recorded (posted in error): the stay is voided, not a booking cancelled.
    const recorded = await repo.recordedStay(deps.db, PMS_SOURCE, body.data.booking.bookingId);
    if (recorded && handlerOf('stay.cancelled')) body = stayCancelled(client.adapter, body);
  }
  if (await pmsEvents.findById(deps.db, body.id)) return { outcome: 'known', eventId: body.id };
  const handler = handlerOf(body.type);
  if (!handler) return { outcome: 'rejected', eventId: body.id, reason: `${body.type} is not taken` };
  const parsed = handler.schema.safeParse(body);
  if (!parsed.success)
    return { outcome: 'rejected', eventId: body.id, reason: validationError(parsed.error).message };
  const issue = handler.clockIssue?.(parsed.data, Date.now(), deps.toleranceSeconds * 1000);
  if (issue) return { outcome: 'rejected', eventId: body.id, reason: `${issue.field}: ${issue.message}` };
  try {
    const accepted = await handler.accept(deps, parsed.data);
    return { outcome: accepted.duplicate ? 'known' : 'new', eventId: body.id };
  } catch (err) {
    if (err instanceof HttpError && err.status < 500) {
      // The same state's event with another body (a profile edited since): the state is known.
      if (err.code === 'event_id_reused') return { outcome: 'known', eventId: body.id };
      return { outcome: 'rejected', eventId: body.id, reason: `${err.code}: ${err.message}` };
    }
    throw err;
  }
}
