/**
 * Marketers' segments (marketer, admin: api/access.ts; api/segments/service.ts; the rules: domain/segments.ts,
 * docs/segments.md): the count preview of a definition, saved segments (create, list, open with the count,
 * change, archive), a saved segment's guests a page at a time and as CSV, and the requalification forecast.
 */
import { Router, type Request } from 'express';
import type { z } from 'zod';
import { validationError } from '../errors.js';
import {
  createBody,
  forecastCsvQuery,
  forecastQuery,
  idParams,
  pageQuery,
  previewBody,
  updateBody,
} from './schema.js';
import * as service from './service.js';

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

const idOf = (req: Request) => parse(idParams, req.params).id;
/** The API key's name: who created, changed, archived or exported. */
const actorOf = (req: Request) => req.principal!.name;

/** Mounted at `/v1/segments`, behind the marketing roles and a JSON body (api/app.ts). */
export function segmentsRouter(deps: service.SegmentsDeps): Router {
  const router = Router();
  router.post('/preview', async (req, res) => {
    res.json(await service.previewSegment(deps, parse(previewBody, req.body ?? {})));
  });

  router.get('/forecast', async (req, res) => {
    res.json(await service.forecast(deps, parse(forecastQuery, req.query)));
  });
  router.get('/forecast.csv', async (req, res) => {
    await service.exportForecast(deps, parse(forecastCsvQuery, req.query), res, actorOf(req));
  });

  router.get('/', async (_req, res) => {
    res.json(await service.listSegments(deps));
  });
  router.post('/', async (req, res) => {
    const body = parse(createBody, req.body ?? {});
    res.status(201).json(await service.createSegment(deps, body, actorOf(req)));
  });
  router.get('/:id', async (req, res) => {
    res.json(await service.getSegment(deps, idOf(req)));
  });
  router.post('/:id', async (req, res) => {
    const id = idOf(req);
    res.json(await service.updateSegment(deps, id, parse(updateBody, req.body ?? {}), actorOf(req)));
  });
  router.delete('/:id', async (req, res) => {
    res.json(await service.archiveSegment(deps, idOf(req), actorOf(req)));
  });
  router.get('/:id/guests', async (req, res) => {
    const id = idOf(req);
    res.json(await service.segmentGuests(deps, id, parse(pageQuery, req.query)));
  });
  router.get('/:id/export.csv', async (req, res) => {
    await service.exportSegment(deps, idOf(req), res, actorOf(req));
  });
  return router;
}
