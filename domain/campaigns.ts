/**
 * Campaigns (docs/campaigns.md): a one-off marketing mail from a template to a segment, at a local time in each
 * guest's zone, with a holdout that gets nothing so the result can be measured against it. Pure rules: who is
 * held out, what a campaign may do in each status, what its recipients' states mean, and the uplift. The
 * per-guest send decision is the one mail policy's (domain/mail-policy.ts `decideMail`).
 */

/** Where a campaign stands. `running` covers planning, waiting for local send times and sending. */
export const CAMPAIGN_STATUSES = ['draft', 'running', 'paused', 'cancelled', 'done'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/**
 * Where each guest of a campaign stands (`campaign_recipients.state`):
 * - `planned`: in the audience, waiting for its local send time (shown as "held until local time" before it);
 * - `sending`: an attempt has it (a mail on the outbox, maybe talking to SMTP);
 * - `sent`: the server accepted the mail;
 * - `suppressed`: the mail policy said no, with the reason (consent, cap, quiet period, open case, …);
 * - `failed`: refused by the server, or its outcome unknown because the attempt was lost mid-delivery (it is
 *   not sent again: a campaign sends at most once per guest);
 * - `held_out`: in the holdout, gets nothing;
 * - `cancelled`: the campaign was cancelled before the guest's turn.
 */
export const RECIPIENT_STATES = [
  'planned',
  'sending',
  'sent',
  'suppressed',
  'failed',
  'held_out',
  'cancelled',
] as const;
export type RecipientState = (typeof RECIPIENT_STATES)[number];

/** States a recipient never leaves. */
export const FINAL_RECIPIENT_STATES: readonly RecipientState[] = [
  'sent',
  'suppressed',
  'failed',
  'held_out',
  'cancelled',
];

/** The failure of a recipient whose attempt was lost between claiming the mail and recording the answer. */
export const DELIVERY_UNKNOWN = 'delivery_unknown: the attempt was lost during delivery; not sent again';

/**
 * The reason recorded on a held-out guest the mail would have reached at the send time (the policy judged them
 * too, so the uplift compares like with like); one it would not have reached gets the suppression's reason.
 */
export const HOLDOUT_ELIGIBLE = 'eligible: the mail would have gone';

/** The holdout's resolution: a percentage with two decimals (0.01 % steps). */
export const HOLDOUT_BUCKETS = 10_000;
/** At most half of a segment is held out. */
export const MAX_HOLDOUT_PERCENT = 50;

/**
 * FNV-1a, 32 bits, over the UTF-16 code units of `text`: a small, stable, well-spread hash that needs no
 * library, so the workflow, the API and a SQL check can all agree on it.
 */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The guest's holdout bucket in a campaign, 0–9,999: the same guest and campaign always get the same. */
export function holdoutBucket(campaignId: string, guestId: string): number {
  return fnv1a32(`${campaignId}:${guestId}`) % HOLDOUT_BUCKETS;
}

/**
 * Whether the guest is in the campaign's holdout: bucket below `percent` × 100. Deterministic per guest and
 * campaign (a re-plan, a retry or a second worker decides the same), independent between campaigns (a guest
 * held out of one is not held out of the next for that reason), and about `percent` of any large segment.
 */
export function isHeldOut(campaignId: string, guestId: string, percent: number): boolean {
  return holdoutBucket(campaignId, guestId) < Math.round(percent * (HOLDOUT_BUCKETS / 100));
}

export type CampaignAction = 'start' | 'pause' | 'resume' | 'cancel';

/** Why `action` cannot be taken in `status`, or null when it can. */
export function campaignActionProblem(status: CampaignStatus, action: CampaignAction): string | null {
  switch (action) {
    case 'start':
      return status === 'draft' ? null : `the campaign is ${status}; only a draft can be started`;
    case 'pause':
      return status === 'running' ? null : `the campaign is ${status}; only a running campaign can be paused`;
    case 'resume':
      return status === 'paused' ? null : `the campaign is ${status}; only a paused campaign can be resumed`;
    case 'cancel':
      return status === 'running' || status === 'paused'
        ? null
        : `the campaign is ${status}; only a running or paused campaign can be cancelled`;
  }
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** True for a local time of day `HH:mm`. */
export function isLocalTime(value: string): boolean {
  return HH_MM.test(value);
}

/** Counts of a campaign's recipients by state, and the suppressed ones by reason (the first word). */
export interface CampaignProgress {
  audience: number;
  byState: Record<RecipientState, number>;
  suppressedByReason: Record<string, number>;
  /** Planned recipients whose local send time has not come yet. */
  heldUntilLocalTime: number;
}

/** An empty count per state. */
export function zeroStates(): Record<RecipientState, number> {
  return Object.fromEntries(RECIPIENT_STATES.map((s) => [s, 0])) as Record<RecipientState, number>;
}

/** True when every recipient is in a final state: the campaign has nothing left to do. */
export function allSettled(byState: Record<RecipientState, number>): boolean {
  return byState.planned === 0 && byState.sending === 0;
}

/** One group's outcome: how many, and how many booked or stayed within the window. */
export interface GroupOutcome {
  guests: number;
  converted: number;
}

export interface Uplift {
  treated: GroupOutcome & { rate: number | null };
  holdout: GroupOutcome & { rate: number | null };
  /** Treated rate minus holdout rate, in percentage points (null when a group is empty). */
  upliftPoints: number | null;
  /** The same relative to the holdout's rate (null when that is 0 or a group is empty). */
  relativeUplift: number | null;
  /**
   * The two-proportion z statistic (pooled): |z| ≥ 1.96 is a difference unlikely to be chance at 95 %. Null
   * when it cannot be computed (an empty group, or nobody or everybody converted).
   */
  z: number | null;
}

const rateOf = (g: GroupOutcome) => (g.guests > 0 ? g.converted / g.guests : null);
const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;

/**
 * The uplift of those who got the mail against the holdout: conversion rates (a booking made or a stay begun
 * within the window after the send time), their difference and a z statistic.
 */
export function upliftOf(treated: GroupOutcome, holdout: GroupOutcome): Uplift {
  const t = rateOf(treated);
  const h = rateOf(holdout);
  let z: number | null = null;
  if (t !== null && h !== null) {
    const pooled = (treated.converted + holdout.converted) / (treated.guests + holdout.guests);
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / treated.guests + 1 / holdout.guests));
    z = se > 0 ? round((t - h) / se, 2) : null;
  }
  return {
    treated: { ...treated, rate: t === null ? null : round(t, 4) },
    holdout: { ...holdout, rate: h === null ? null : round(h, 4) },
    upliftPoints: t !== null && h !== null ? round((t - h) * 100, 2) : null,
    relativeUplift: t !== null && h !== null && h > 0 ? round((t - h) / h, 4) : null,
    z,
  };
}
