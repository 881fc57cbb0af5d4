/**
 * A campaign's fan-out (contracts/campaign.ts; docs/campaigns.md). The workflow decides when, the activities do
 * (activities/campaigns.ts):
 *
 * 1. plan the audience once (`planCampaign`: one row per guest, the holdout, each guest's local send instant);
 * 2. loop: a few bounded batches at once (`parallelBatches`, default 2) of the recipients whose time has come
 *    (`sendCampaignBatch`; each claims its own), or, when none is due,
 *    one timer until the earliest send time still ahead (`condition(fn, ms)`, woken early by pause and cancel);
 * 3. pause stops taking batches, resume goes on, cancel cancels everyone not yet reached (`cancelCampaign`);
 * 4. done when nobody is planned or sending.
 *
 * Two activities at a time, so the fan-out never comes near Temporal's limits on pending activities; history grows
 * by a few events per batch, and the run continues as new after `batchesPerRun` batches (or when Temporal
 * suggests it), once every Update handler has finished, carrying its state.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import {
  CAMPAIGN_ACTION_REFUSED,
  campaignStateQuery,
  cancelCampaignUpdate,
  pauseCampaignUpdate,
  resumeCampaignUpdate,
  type CampaignCarried,
  type CampaignInput,
  type CampaignResult,
  type CampaignView,
} from '../contracts/campaign.js';
import { campaignActionProblem, type CampaignAction, type CampaignStatus } from '../domain/campaigns.js';
import { CAMPAIGN_BATCH, CAMPAIGN_PLAN, LOCAL_DB } from './kit/activity-options.js';

const { planCampaign } = proxyActivities<Activities>(CAMPAIGN_PLAN);
const { sendCampaignBatch, cancelCampaign } = proxyActivities<Activities>(CAMPAIGN_BATCH);
const { recordCampaignStatus } = proxyLocalActivities<Activities>(LOCAL_DB);

/** How long to wait before looking again at mails an attempt may still hold, or after a batch that got nowhere. */
const RECHECK_MS = 30_000;

export async function campaign(input: CampaignInput): Promise<CampaignResult> {
  const { campaignId } = input;
  const batchSize = input.batchSize ?? 500;
  const batchesPerRun = input.batchesPerRun ?? 400;
  const parallel = input.parallelBatches ?? 2;
  const s: CampaignCarried = input.carried ?? {
    planned: false,
    paused: false,
    cancelRequested: false,
    totals: { batches: 0, sent: 0, suppressed: 0, failed: 0, deferred: 0 },
  };
  let cancelled = false;
  let done = false;
  let waitingUntil: string | null = null;

  const status = (): CampaignStatus =>
    cancelled ? 'cancelled' : done ? 'done' : s.paused ? 'paused' : 'running';
  const view = (): CampaignView => ({
    campaignId,
    status: status(),
    planned: s.planned,
    totals: { ...s.totals },
    waitingUntil,
  });
  const allowed = (action: CampaignAction) => () => {
    // A cancel already asked for is as good as done.
    const problem = s.cancelRequested
      ? `the campaign is being cancelled; it cannot ${action === 'cancel' ? 'be cancelled again' : action}`
      : campaignActionProblem(status(), action);
    if (problem)
      throw ApplicationFailure.create({
        type: CAMPAIGN_ACTION_REFUSED,
        message: problem,
        nonRetryable: true,
      });
  };

  setHandler(campaignStateQuery, view);
  setHandler(
    pauseCampaignUpdate,
    async () => {
      s.paused = true;
      await recordCampaignStatus({ campaignId, status: 'paused' });
      return view();
    },
    { validator: allowed('pause') },
  );
  setHandler(
    resumeCampaignUpdate,
    async () => {
      s.paused = false;
      await recordCampaignStatus({ campaignId, status: 'running' });
      return view();
    },
    { validator: allowed('resume') },
  );
  setHandler(
    cancelCampaignUpdate,
    async () => {
      s.cancelRequested = true;
      await condition(() => cancelled);
      return view();
    },
    { validator: allowed('cancel') },
  );

  if (!s.planned) {
    await planCampaign({ campaignId });
    s.planned = true;
  }
  let batchesThisRun = 0;
  for (;;) {
    if (s.cancelRequested) {
      await cancelCampaign({ campaignId });
      cancelled = true;
      break;
    }
    if (s.paused) {
      await condition(() => !s.paused || s.cancelRequested);
      continue;
    }
    if (batchesThisRun >= batchesPerRun || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof campaign>({ ...input, carried: s });
    }
    // A few batches at once (each claims its own recipients): one plans while another talks to SMTP.
    const now = new Date().toISOString();
    const results = await Promise.all(
      Array.from({ length: parallel }, () => sendCampaignBatch({ campaignId, now, limit: batchSize })),
    );
    batchesThisRun += parallel;
    const sum = (k: 'sent' | 'suppressed' | 'failed' | 'deferred' | 'settled') =>
      results.reduce((a, x) => a + x[k], 0);
    s.totals = {
      batches: s.totals.batches + parallel,
      sent: s.totals.sent + sum('sent'),
      suppressed: s.totals.suppressed + sum('suppressed'),
      failed: s.totals.failed + sum('failed'),
      deferred: s.totals.deferred + sum('deferred'),
    };
    // What is left, as the batch that finished last saw it (the fewest planned and sending).
    const r = results.reduce((a, x) => (x.planned + x.sending < a.planned + a.sending ? x : a));
    if (r.planned === 0 && r.sending === 0) {
      done = true;
      break;
    }
    const progressed = sum('sent') + sum('suppressed') + sum('failed') + sum('settled') > 0;
    if (r.due > 0 && progressed) continue;
    // Nothing due yet (or only mails an attempt may still hold, or a batch the SMTP server turned away): one
    // timer, until the next local send time or the next look, woken early by pause and cancel.
    const untilNext = r.nextSendAt && r.due === 0 ? Date.parse(r.nextSendAt) - Date.now() : RECHECK_MS;
    const wait = Math.max(1_000, r.sending > 0 ? Math.min(untilNext, RECHECK_MS) : untilNext);
    waitingUntil = new Date(Date.now() + wait).toISOString();
    await condition(() => s.paused || s.cancelRequested, wait);
    waitingUntil = null;
  }
  if (done) await recordCampaignStatus({ campaignId, status: 'done' });
  await condition(allHandlersFinished);
  return { status: cancelled ? 'cancelled' : 'done', totals: s.totals };
}
