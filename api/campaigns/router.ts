/**
 * Campaigns (marketer, admin: api/access.ts): `GET|POST /v1/campaigns`, `GET /v1/campaigns/:id` (progress),
 * `POST /v1/campaigns/:id/preview` (count preview), `POST /v1/campaigns/:id/{start,pause,resume,cancel}`,
 * `GET /v1/campaigns/:id/report` (delivered, unsubscribed, uplift). api/campaigns/service.ts does the work.
 */
import { Router, type Request } from 'express';
import { validationError } from '../errors.js';
import { campaignBody, campaignIdParam, listQuery } from './schema.js';
import {
  campaignReport,
  controlCampaign,
  createCampaign,
  getCampaign,
  listCampaigns,
  previewCampaign,
  startCampaign,
  type CampaignsDeps,
} from './service.js';

function idOf(req: Request): string {
  const parsed = campaignIdParam.safeParse(req.params.id);
  if (!parsed.success) throw validationError(parsed.error, ['id']);
  return parsed.data;
}

const actorOf = (req: Request) => req.principal?.name ?? 'unknown';

/** Mounted at `/v1/campaigns`, behind the marketing roles and a JSON body (api/app.ts). */
export function campaignsRouter(deps: CampaignsDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) throw validationError(parsed.error);
    res.json(await listCampaigns(deps, parsed.data.limit));
  });
  router.post('/', async (req, res) => {
    const parsed = campaignBody.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    res.status(201).json(await createCampaign(deps, parsed.data, actorOf(req)));
  });
  router.get('/:id', async (req, res) => {
    res.json(await getCampaign(deps, idOf(req)));
  });
  router.get('/:id/report', async (req, res) => {
    res.json(await campaignReport(deps, idOf(req)));
  });
  router.post('/:id/preview', async (req, res) => {
    res.json(await previewCampaign(deps, idOf(req)));
  });
  router.post('/:id/start', async (req, res) => {
    res.json(await startCampaign(deps, idOf(req), actorOf(req)));
  });
  for (const action of ['pause', 'resume', 'cancel'] as const)
    router.post(`/:id/${action}`, async (req, res) => {
      res.json(await controlCampaign(deps, idOf(req), action, actorOf(req)));
    });
  return router;
}
