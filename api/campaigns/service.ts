/**
 * Campaigns for marketers (docs/campaigns.md): a draft, its count preview, the start of its workflow, pause, resume
 * and cancel (Updates to it, answered by the workflow), the live progress and the result with the uplift. Postgres
 * is the record: the progress and the result are read from `campaign_recipients`, never from Temporal.
 */
import { randomBytes } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Db } from '../../db/knex.js';
import * as audit from '../../db/repositories/audit.js';
import * as campaigns from '../../db/repositories/campaigns.js';
import * as templates from '../../db/repositories/templates.js';
import {
  CAMPAIGN_ACTION_REFUSED,
  CAMPAIGN_WORKFLOW_TYPE,
  cancelCampaignUpdate,
  pauseCampaignUpdate,
  resumeCampaignUpdate,
  type CampaignInput,
  type CampaignView,
} from '../../contracts/campaign.js';
import {
  allSettled,
  HOLDOUT_ELIGIBLE,
  campaignActionProblem,
  upliftOf,
  zeroStates,
  type CampaignAction,
} from '../../domain/campaigns.js';
import { campaignWorkflowId } from '../../domain/ids.js';
import { minutesOf } from '../../domain/mail-policy.js';
import { previewCampaignCounts } from '../../lib/campaigns.js';
import { readPlanningSettings } from '../../lib/mail-settings.js';
import { CONSENT_OFF_ACTION } from '../links/service.js';
import { HttpError } from '../errors.js';
import type { CampaignBody } from './schema.js';

export interface CampaignsDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
}

const notFound = (id: string) =>
  new HttpError(404, 'campaign_not_found', `no campaign ${id}`, { field: 'id' });

/** A business key: the local send day and six random hex digits (`20270217-3fa9c1`). */
function newCampaignId(sendDate: string): string {
  return `${sendDate.replaceAll('-', '')}-${randomBytes(3).toString('hex')}`;
}

/** The campaign as the API shows it (no personal data: a marketer's label, its settings, who acted). */
function campaignView(c: campaigns.CampaignRow) {
  return {
    id: c.id,
    name: c.name,
    template: c.template,
    templateVersion: c.template_version,
    definition: c.definition,
    segmentId: c.segment_id,
    sendDate: c.send_date,
    sendTime: c.send_time,
    holdoutPercent: Number(c.holdout_percent),
    upliftDays: c.uplift_days,
    status: c.status,
    workflowId: campaignWorkflowId(c.id),
    createdBy: c.created_by,
    createdAt: c.created_at.toISOString(),
    startedBy: c.started_by,
    startedAt: c.started_at?.toISOString() ?? null,
    plannedAt: c.planned_at?.toISOString() ?? null,
    finishedAt: c.finished_at?.toISOString() ?? null,
    asOf: c.as_of,
  };
}

/** A send time outside the program's send window would be held until it opens: refused, naming the window. */
async function checkSendTime(db: Db, sendTime: string): Promise<void> {
  const { window } = await readPlanningSettings(db);
  const t = minutesOf(sendTime);
  if (t < minutesOf(window.start) || t >= minutesOf(window.end))
    throw new HttpError(
      400,
      'validation_failed',
      `sendTime: must be within the send window ${window.start}–${window.end} (the guest's local time)`,
      { field: 'sendTime' },
    );
}

export async function createCampaign(deps: CampaignsDeps, body: CampaignBody, actor: string) {
  await checkSendTime(deps.db, body.sendTime);
  const row = await deps.db.transaction(async (trx) => {
    const c = await campaigns.insertCampaign(trx, {
      id: newCampaignId(body.sendDate),
      name: body.name,
      template: body.template,
      definition: body.definition,
      segment_id: body.segmentId ?? null,
      send_date: body.sendDate,
      send_time: body.sendTime,
      holdout_percent: body.holdoutPercent,
      uplift_days: body.upliftDays,
      created_by: actor,
    });
    await audit.record(trx, {
      actor,
      action: 'campaign.create',
      subject: `campaign:${c.id}`,
      after: { name: c.name, template: c.template, sendDate: c.send_date, sendTime: c.send_time },
    });
    return c;
  });
  return campaignView(row);
}

export async function listCampaigns(deps: CampaignsDeps, limit: number) {
  const rows = await campaigns.listCampaigns(deps.db, limit);
  return { campaigns: rows.map(campaignView) };
}

async function campaignOf(deps: CampaignsDeps, id: string): Promise<campaigns.CampaignRow> {
  const c = await campaigns.findCampaign(deps.db, id);
  if (!c) throw notFound(id);
  return c;
}

/** The campaign, its progress and (once anyone got it) its result. */
export async function getCampaign(deps: CampaignsDeps, id: string, now = new Date()) {
  const c = await campaignOf(deps, id);
  const p = await campaigns.progress(deps.db, id, now);
  const byState = { ...zeroStates(), ...p.byState };
  const audience = Object.values(byState).reduce((a, b) => a + b, 0);
  return {
    campaign: campaignView(c),
    progress: {
      audience,
      byState,
      heldUntilLocalTime: p.heldUntilLocalTime,
      nextSendAt: p.nextSendAt,
      suppressedByReason: p.suppressedByReason,
      failedByReason: p.failedByReason,
      settled: c.planned_at !== null && allSettled(byState),
    },
  };
}

/** The count preview of a draft (or of a started campaign's audience as it would be now). */
export async function previewCampaign(deps: CampaignsDeps, id: string, now = new Date()) {
  const c = await campaignOf(deps, id);
  return { campaignId: c.id, ...(await previewCampaignCounts(deps.db, c, now)) };
}

/** The result: delivered, unsubscribed, and the uplift of those who got it against the holdout. */
export async function campaignReport(deps: CampaignsDeps, id: string) {
  const c = await campaignOf(deps, id);
  const rows = await campaigns.outcomes(deps.db, id, c.uplift_days, CONSENT_OFF_ACTION, HOLDOUT_ELIGIBLE);
  const group = (g: 'treated' | 'holdout') =>
    rows.find((r) => r.group === g) ?? {
      group: g,
      guests: 0,
      booked: 0,
      stayed: 0,
      converted: 0,
      unsubscribed: 0,
    };
  const treated = group('treated');
  const holdout = group('holdout');
  return {
    campaignId: id,
    upliftDays: c.uplift_days,
    delivered: treated.guests,
    unsubscribed: treated.unsubscribed,
    /** Every held-out guest; `holdout` below counts those the mail would have reached (judged at their send time). */
    heldOut: await campaigns.heldOutCount(deps.db, id),
    treated: {
      guests: treated.guests,
      booked: treated.booked,
      stayed: treated.stayed,
      converted: treated.converted,
    },
    holdout: {
      guests: holdout.guests,
      booked: holdout.booked,
      stayed: holdout.stayed,
      converted: holdout.converted,
    },
    uplift: upliftOf(
      { guests: treated.guests, converted: treated.converted },
      { guests: holdout.guests, converted: holdout.converted },
    ),
  };
}

/**
 * Starts the campaign: the draft becomes running (the template version pinned, the audience's day fixed) and its
 * workflow starts. A second start of the same campaign is refused (409) and changes nothing; a start Temporal
 * refuses puts the draft back (503).
 */
export async function startCampaign(deps: CampaignsDeps, id: string, actor: string, now = new Date()) {
  const c = await campaignOf(deps, id);
  const problem = campaignActionProblem(c.status, 'start');
  if (problem) throw new HttpError(409, 'campaign_not_draft', problem, { field: 'id' });
  await checkSendTime(deps.db, c.send_time);
  const published = await templates.currentPublished(deps.db, c.template);
  const started = await campaigns.markStarted(deps.db, id, {
    startedBy: actor,
    templateVersion: published?.version ?? null,
    asOf: now.toISOString().slice(0, 10),
  });
  if (!started)
    throw new HttpError(409, 'campaign_not_draft', 'the campaign was started meanwhile', { field: 'id' });
  const input: CampaignInput = { campaignId: id };
  try {
    await deps.temporal.workflow.start(CAMPAIGN_WORKFLOW_TYPE, {
      workflowId: campaignWorkflowId(id),
      taskQueue: deps.taskQueue,
      args: [input],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      deps.logger.warn({ err: (err as Error).message, campaignId: id }, 'campaign workflow not started');
      await campaigns.revertStart(deps.db, id);
      throw new HttpError(
        503,
        'temporal_unavailable',
        'the campaign could not be started now; try again',
        {},
      );
    }
  }
  await audit.record(deps.db, {
    actor,
    action: 'campaign.start',
    subject: `campaign:${id}`,
    after: { templateVersion: published?.version ?? null },
  });
  return getCampaign(deps, id, now);
}

const UPDATES = { pause: pauseCampaignUpdate, resume: resumeCampaignUpdate, cancel: cancelCampaignUpdate };

/** Pause, resume or cancel: an Update to the campaign's workflow, whose validator may refuse (409). Audited. */
export async function controlCampaign(
  deps: CampaignsDeps,
  id: string,
  action: Exclude<CampaignAction, 'start'>,
  actor: string,
) {
  const c = await campaignOf(deps, id);
  const problem = campaignActionProblem(c.status, action);
  if (problem) throw new HttpError(409, 'campaign_action_refused', problem, { field: 'id' });
  const handle = deps.temporal.workflow.getHandle(campaignWorkflowId(id));
  let view: CampaignView;
  try {
    view = await handle.executeUpdate(UPDATES[action]);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      if (err.cause.type === CAMPAIGN_ACTION_REFUSED)
        throw new HttpError(409, 'campaign_action_refused', err.cause.message, { field: 'id' });
    }
    if (err instanceof WorkflowNotFoundError)
      throw new HttpError(409, 'campaign_action_refused', 'the campaign has finished', { field: 'id' });
    deps.logger.warn({ err: (err as Error).message, campaignId: id, action }, 'campaign update failed');
    throw new HttpError(503, 'temporal_unavailable', "the campaign's workflow did not answer; try again", {});
  }
  await audit.record(deps.db, {
    actor,
    action: `campaign.${action}`,
    subject: `campaign:${id}`,
    after: { status: view.status },
  });
  return getCampaign(deps, id);
}
