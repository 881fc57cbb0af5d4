/**
 * The program's rules and the re-earn, for admins (every change audited with the key's name):
 * - `GET  /v1/program/rules`            every rules version and the one in force today (ops, manager, admin)
 * - `POST /v1/program/rules`            a new immutable version (admin): 400 naming the field, nothing written
 * - `POST /v1/admin/stays/re-earn`      books the stays waiting for a rate that a version now has (admin)
 * - `/v1/program/rules/drafts…`         an admin's drafts: list, create, read, save, discard, publish (admin)
 * - `POST /v1/program/rules/preview`    the tier changes of the next review under some rules, against now (admin)
 */
import express, { Router } from 'express';
import type { z } from 'zod';
import { requireRole } from '../auth.js';
import { ROLES_FOR } from '../access.js';
import { jsonBodyOnly, validationError } from '../errors.js';
import {
  createDraftBody,
  draftParams,
  previewRulesBody,
  publishDraftBody,
  publishRulesBody,
  reEarnBody,
  saveDraftBody,
} from './schema.js';
import {
  createDraft,
  discardDraft,
  getDraft,
  listDrafts,
  previewRules,
  publishDraft,
  saveDraft,
} from './drafts.js';
import { listRules, publishRules, reEarnStays, type ProgramServiceDeps } from './service.js';

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

/** Mounted at `/v1/program`. */
export function programRouter(deps: ProgramServiceDeps): Router {
  const router = Router();
  // Authenticated first, as every staff route: a body is read only for a key that may send one.
  router.use('/rules', requireRole(deps.db, ROLES_FOR.staff), jsonBodyOnly, express.json({ limit: '64kb' }));
  router.get('/rules', async (_req, res) => {
    res.json(await listRules(deps));
  });
  router.post('/rules', requireRole(deps.db, ROLES_FOR.admin), async (req, res) => {
    const body = parse(publishRulesBody, req.body);
    res.status(201).json(await publishRules(deps, { ...body, actor: req.principal!.name }));
  });
  const admin = requireRole(deps.db, ROLES_FOR.admin);
  router.post('/rules/preview', admin, async (req, res) => {
    res.json(await previewRules(deps, parse(previewRulesBody, req.body)));
  });
  router.get('/rules/drafts', admin, async (_req, res) => {
    res.json(await listDrafts(deps));
  });
  router.post('/rules/drafts', admin, async (req, res) => {
    const body = parse(createDraftBody, req.body);
    res.status(201).json(await createDraft(deps, { ...body, actor: req.principal!.name }));
  });
  router.get('/rules/drafts/:id', admin, async (req, res) => {
    res.json(await getDraft(deps, parse(draftParams, req.params).id));
  });
  router.post('/rules/drafts/:id', admin, async (req, res) => {
    const { id } = parse(draftParams, req.params);
    const body = parse(saveDraftBody, req.body);
    res.json(await saveDraft(deps, { ...body, id, actor: req.principal!.name }));
  });
  router.delete('/rules/drafts/:id', admin, async (req, res) => {
    const { id } = parse(draftParams, req.params);
    res.json(await discardDraft(deps, { id, actor: req.principal!.name }));
  });
  router.post('/rules/drafts/:id/publish', admin, async (req, res) => {
    const { id } = parse(draftParams, req.params);
    const body = parse(publishDraftBody, req.body);
    res.status(201).json(await publishDraft(deps, { ...body, id, actor: req.principal!.name }));
  });
  return router;
}

/** Mounted at `/v1/admin`. */
export function adminRouter(deps: ProgramServiceDeps): Router {
  const router = Router();
  router.use(requireRole(deps.db, ROLES_FOR.admin), jsonBodyOnly, express.json({ limit: '64kb' }));
  router.post('/stays/re-earn', async (req, res) => {
    // No body at all is `{}`: re-earn everything a version has the rate for.
    const body = parse(reEarnBody, req.body ?? {});
    res.json(await reEarnStays(deps, { ...body, actor: req.principal!.name }));
  });
  return router;
}
