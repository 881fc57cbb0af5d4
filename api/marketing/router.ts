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
 */
import type { Client } from '@temporalio/client';
import express, { Router } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Db } from '../../db/knex.js';
import { requireRole } from '../auth.js';
import { validationError } from '../errors.js';
import { keyParams, templateDraftBody, templatePreviewBody, versionParams } from './schema.js';
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

export const MARKETING_ROLES = ['marketer', 'admin'] as const;

export function marketingRouter(deps: MarketingDeps): Router {
  const router = Router();
  router.use(
    ['/templates', '/cadences'],
    requireRole(deps.db, MARKETING_ROLES),
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

  return router;
}
