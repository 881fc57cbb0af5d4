/**
 * `GET /v1/properties` (every staff role): the hotels, with their name and zone where their settings give them
 * (`property_settings`). The console labels times in the chosen hotel's zone and offers the codes in filters.
 */
import { Router } from 'express';
import type { Db } from '../../db/knex.js';
import { listProperties } from '../../db/repositories/properties.js';

export function propertiesRouter(deps: { db: Db }): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.json({ properties: await listProperties(deps.db) });
  });
  return router;
}
