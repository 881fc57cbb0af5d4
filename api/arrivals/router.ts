/**
 * The front desk's arrivals (ops, manager, admin: api/access.ts): `GET /v1/arrivals?property=<code>&date=YYYY-MM-DD`,
 * the guests arriving that day at that property, each with the brief of api/arrivals/service.ts.
 */
import { Router } from 'express';
import { z } from 'zod';
import { requireRole } from '../auth.js';
import { ROLES_FOR } from '../access.js';
import { validationError } from '../errors.js';
import { isoDate, text } from '../pms/schema.js';
import { listArrivals, type ArrivalsDeps } from './service.js';

/** Both required; an unknown parameter is named itself, a repeated one is not text. */
export const arrivalsQuery = z.strictObject({
  /** A property code as the PMS sends it in bookings (`data.booking.propertyCode`, at most 40). */
  property: text(40),
  /** The arrival date, the property's local date as the booking has it. */
  date: isoDate(),
});

/** Mounted at `/v1/arrivals`. */
export function arrivalsRouter(deps: ArrivalsDeps): Router {
  const router = Router();
  router.use(requireRole(deps.db, ROLES_FOR.staff));
  router.get('/', async (req, res) => {
    const parsed = arrivalsQuery.safeParse(req.query);
    if (!parsed.success) throw validationError(parsed.error);
    res.json(await listArrivals(deps, parsed.data));
  });
  return router;
}
