/** What the campaigns API answers (api/campaigns/router.ts and service.ts). */
import type { CampaignStatus, RecipientState } from '../../../../domain/campaigns';

/**
 * An audience: a segment's definition (api/segments/schema.ts `segmentDefinition`). A saved segment may carry
 * filters this form has no control for (RFM, lapsed within N days): kept as they are.
 */
export interface Definition {
  stages?: string[];
  tiers?: string[];
  properties?: string[];
  marketingConsent?: boolean;
  languages?: string[];
  value?: string[];
  tenure?: string[];
  [other: string]: unknown;
}

/** The templates a campaign may send (mail/campaign-templates.ts `CAMPAIGN_TEMPLATE_NAMES`). */
export const CAMPAIGN_TEMPLATES = ['holiday-greeting', 'service-announcement'] as const;

export interface Campaign {
  id: string;
  name: string;
  template: string;
  templateVersion: number | null;
  definition: Definition;
  segmentId: string | null;
  sendDate: string;
  sendTime: string;
  holdoutPercent: number;
  upliftDays: number;
  status: CampaignStatus;
  workflowId: string;
  createdBy: string;
  createdAt: string;
  startedBy: string | null;
  startedAt: string | null;
  plannedAt: string | null;
  finishedAt: string | null;
  asOf: string | null;
}

export interface CampaignProgress {
  audience: number;
  byState: Record<RecipientState, number>;
  heldUntilLocalTime: number;
  nextSendAt: string | null;
  suppressedByReason: Record<string, number>;
  failedByReason: Record<string, number>;
  settled: boolean;
}

export interface CampaignAnswer {
  campaign: Campaign;
  progress: CampaignProgress;
}

export interface CountPreview {
  campaignId: string;
  asOf: string;
  audience: number;
  heldOut: number;
  willSend: number;
  heldForWindow: number;
  suppressed: number;
  suppressedByReason: Record<string, number>;
}

export interface GroupCounts {
  guests: number;
  booked: number;
  stayed: number;
  converted: number;
}

export interface CampaignReport {
  campaignId: string;
  upliftDays: number;
  delivered: number;
  unsubscribed: number;
  treated: GroupCounts;
  holdout: GroupCounts;
  uplift: {
    treated: { guests: number; converted: number; rate: number | null };
    holdout: { guests: number; converted: number; rate: number | null };
    upliftPoints: number | null;
    relativeUplift: number | null;
    z: number | null;
  };
}

/** A saved segment (`GET /v1/segments`, when the API has them). */
export interface SavedSegment {
  id: string;
  name: string;
  definition: Definition;
}
