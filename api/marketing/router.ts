/**
 * The marketer API (role `marketer` or `admin`; every change audited with the key's name), mounted at `/v1`:
 *
 * Templates (`/v1/templates`):
 * - `GET  /templates`                              every template: current version, locales, placeholders
 * - `GET  /templates/:key`                         its versions and its built-in text
 * - `GET  /templates/:key/versions/:version`       one version with its text
 * - `POST /templates/:key/versions`                a draft (checked: 422 naming each problem, nothing written)
 * - `POST /templates/:key/versions/:version/publish`  the draft becomes the current version
 * - `POST /templates/:key/preview`                 rendered for a guest (their locale and name, sample values)
 * - `POST /templates/:key/check`                   a draft's text checked, nothing written (the console's editor)
 *
 * Cadences (`/v1/cadences`):
 * - `GET  /cadences`                               every cadence: current version, running follow-ups
 * - `GET  /cadences/:key`                          its versions and the current one's steps
 * - `GET  /cadences/:key/versions/:version`        one version with its steps
 * - `POST /cadences/:key/versions`                 a draft (steps checked: 422 naming the field)
 * - `POST /cadences/:key/versions/:version/publish`   new follow-ups pin it from now on
 * - `GET  /cadences/:key/diff?from=&to=`           steps added, removed, changed
 * - `POST /cadences/:key/rollback`                 an old version's steps published as the new version
 * - `POST /cadences/:key/preview`                  the mails a guest would get, with local send times and skips
 * - `GET  /cadences/:key/dry-run?to=`              running follow-ups per version and what a move would change
 * - `GET  /cadences/:key/dry-run/steps?version=`   a version planned over the running follow-ups: per step, per reason
 * - `POST /cadences/:key/moves`                    move a bounded batch of running follow-ups (Idempotency-Key)
 *
 * A guest for a preview (`/v1/marketing`):
 * - `GET  /marketing/guests?q=`                    id and name of the guests a name part or member number finds
 */
import type { Client } from '@temporalio/client';
import express, { Router } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Db } from '../../db/knex.js';
import { requireRole } from '../auth.js';
import { ROLES_FOR } from '../access.js';
import { jsonBodyOnly, validationError } from '../errors.js';
import {
  basePlanQuery,
  cadenceDraftBody,
  guestPickQuery,
  cadencePreviewBody,
  diffQuery,
  dryRunQuery,
  keyParams,
  movesBody,
  rollbackBody,
  templateCheckBody,
  templateDraftBody,
  templatePreviewBody,
  versionParams,
} from './schema.js';
import { IDEMPOTENCY_HEADER, requestIdOf } from '../guests/staff.js';
import { planOverBase, previewCadence } from './cadence-preview.js';
import { pickGuests } from './guest-pick.js';
import * as cadences from './cadences.js';
import * as templates from './templates.js';

export interface MarketingDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

export function marketingRouter(deps: MarketingDeps): Router {
  const router = Router();
  router.use(
    ['/templates', '/cadences', '/marketing'],
    requireRole(deps.db, ROLES_FOR.marketing),
    jsonBodyOnly,
    express.json({ limit: '512kb' }),
  );

  router.get('/templates', async (_req, res) => {
    res.json(await templates.listTemplates(deps));
  });
  router.get('/templates/:key', async (req, res) => {
    res.json(await templates.getTemplate(deps, parse(keyParams, req.params).key));
  });
  router.get('/templates/:key/versions/:version', async (req, res) => {
    const { key, version } = parse(versionParams, req.params);
    res.json(await templates.getVersion(deps, key, version));
  });
  router.post('/templates/:key/versions', async (req, res) => {
    const { key } = parse(keyParams, req.params);
    templates.templateOrNotFound(key);
    const body = parse(templateDraftBody, req.body);
    res.status(201).json(await templates.createDraft(deps, { key, actor: req.principal!.name, body }));
  });
  router.post('/templates/:key/versions/:version/publish', async (req, res) => {
    const { key, version } = parse(versionParams, req.params);
    const answer = await templates.publishVersion(deps, { key, version, actor: req.principal!.name });
    if (answer.alreadyPublished) res.set('Idempotent-Replayed', 'true');
    res.json(answer.version);
  });
  router.post('/templates/:key/preview', async (req, res) => {
    const { key } = parse(keyParams, req.params);
    templates.templateOrNotFound(key);
    const body = parse(templatePreviewBody, req.body);
    res.json(await templates.previewForGuest(deps, { key, guestId: body.guestId, version: body.version }));
  });
  router.post('/templates/:key/check', (req, res) => {
    const { key } = parse(keyParams, req.params);
    templates.templateOrNotFound(key);
    const body = parse(templateCheckBody, req.body);
    res.json(templates.checkDraft(key, body.locales));
  });

  router.get('/cadences', async (_req, res) => {
    res.json(await cadences.listCadences(deps));
  });
  router.get('/cadences/:key', async (req, res) => {
    res.json(await cadences.getCadence(deps, parse(keyParams, req.params).key));
  });
  router.get('/cadences/:key/versions/:version', async (req, res) => {
    const { key, version } = parse(versionParams, req.params);
    res.json(await cadences.getVersion(deps, key, version));
  });
  router.post('/cadences/:key/versions', async (req, res) => {
    const { key } = parse(keyParams, req.params);
    const body = parse(cadenceDraftBody, req.body);
    res.status(201).json(await cadences.createDraft(deps, { key, actor: req.principal!.name, body }));
  });
  router.post('/cadences/:key/versions/:version/publish', async (req, res) => {
    const { key, version } = parse(versionParams, req.params);
    const answer = await cadences.publishVersion(deps, { key, version, actor: req.principal!.name });
    if (answer.alreadyPublished) res.set('Idempotent-Replayed', 'true');
    res.json(answer.version);
  });
  router.get('/cadences/:key/diff', async (req, res) => {
    const { key } = parse(keyParams, req.params);
    const { from, to } = parse(diffQuery, req.query);
    res.json(await cadences.diffVersions(deps, key, from, to));
  });
  router.post('/cadences/:key/rollback', async (req, res) => {
    const { key } = parse(keyParams, req.params);
    const body = parse(rollbackBody, req.body);
    const answer = await cadences.rollback(deps, {
      key,
      version: body.version,
      note: body.note,
      actor: req.principal!.name,
    });
    if (answer.replayed) res.set('Idempotent-Replayed', 'true');
    res.status(answer.replayed ? 200 : 201).json(answer.version);
  });
  router.post('/cadences/:key/preview', async (req, res) => {
    const { key } = parse(keyParams, req.params);
    const body = parse(cadencePreviewBody, req.body);
    res.json(await previewCadence(deps.db, { key, ...body }));
  });
  router.get('/cadences/:key/dry-run', async (req, res) => {
    const { key } = parse(keyParams, req.params);
    const { to } = parse(dryRunQuery, req.query);
    res.json(await cadences.dryRun(deps, key, to));
  });
  router.get('/cadences/:key/dry-run/steps', async (req, res) => {
    const { key } = parse(keyParams, req.params);
    const { version } = parse(basePlanQuery, req.query);
    res.json(await planOverBase(deps.db, { key, version }));
  });
  router.post('/cadences/:key/moves', async (req, res) => {
    const { key } = parse(keyParams, req.params);
    const header = req.get(IDEMPOTENCY_HEADER);
    const requestId = header === undefined ? undefined : requestIdOf(header);
    const body = parse(movesBody, req.body);
    const answer = await cadences.moveFollowUps(deps, { key, requestId, actor: req.principal!.name, body });
    res.set(IDEMPOTENCY_HEADER, answer.requestId);
    if (answer.replayed) res.set('Idempotent-Replayed', 'true');
    res.json(answer);
  });

  router.get('/marketing/guests', async (req, res) => {
    const { q } = parse(guestPickQuery, req.query);
    res.json(await pickGuests(deps.db, q));
  });

  return router;
}
