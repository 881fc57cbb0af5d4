/**
 * A campaign's fan-out (`campaign`, workflow ID `campaign-<campaignId>`: domain/ids.ts): its input, the state it
 * carries across continue-as-new, the query and the three Updates (pause, resume, cancel), and its result. A leaf
 * module: ids, statuses and counts only. The marketer who acts is recorded in Postgres by the API, not here.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CampaignStatus } from '../domain/campaigns.js';

export const CAMPAIGN_WORKFLOW_TYPE = 'campaign';
export type CampaignWorkflow = (input: CampaignInput) => Promise<CampaignResult>;

/** What the batches did so far, over every run. */
export interface CampaignTotals {
  batches: number;
  sent: number;
  suppressed: number;
  failed: number;
  deferred: number;
}

/** What a run hands the next (continue-as-new). */
export interface CampaignCarried {
  planned: boolean;
  paused: boolean;
  cancelRequested: boolean;
  totals: CampaignTotals;
}

export interface CampaignInput {
  campaignId: string;
  /** Recipients per batch (default 500). */
  batchSize?: number;
  /** Batches at once (default 2: one plans while another sends). */
  parallelBatches?: number;
  /** Batches per run before continue-as-new (default 400; sooner when Temporal suggests it). */
  batchesPerRun?: number;
  /** Carried from the previous run. */
  carried?: CampaignCarried;
}

export interface CampaignView {
  campaignId: string;
  status: CampaignStatus;
  planned: boolean;
  totals: CampaignTotals;
  /** The earliest local send time still ahead (ISO), when the fan-out waits for it. */
  waitingUntil: string | null;
}

export interface CampaignResult {
  status: Extract<CampaignStatus, 'done' | 'cancelled'>;
  totals: CampaignTotals;
}

/** The failure type of a refused Update (its message says why: domain/campaigns.ts campaignActionProblem). */
export const CAMPAIGN_ACTION_REFUSED = 'CampaignActionRefused';

export const campaignStateQuery = defineQuery<CampaignView>('state');
/** Stops taking new batches (a batch under way finishes). */
export const pauseCampaignUpdate = defineUpdate<CampaignView>('pause');
export const resumeCampaignUpdate = defineUpdate<CampaignView>('resume');
/** Every recipient not yet reached is cancelled; answered once that is recorded. */
export const cancelCampaignUpdate = defineUpdate<CampaignView>('cancel');
