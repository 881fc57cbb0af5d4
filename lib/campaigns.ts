/**
 * A campaign's send decisions, shared by its count preview (the API) and its batches (activities/campaigns.ts),
 * so the preview counts what the fan-out then does: the holdout (domain/campaigns.ts `isHeldOut`), then the one
 * mail policy (domain/mail-policy.ts `decideMail`) on the facts db/repositories/campaigns.ts `mailFacts` reads,
 * with the local times of each guest's zone (luxon, here).
 */
import { DateTime } from 'luxon';
import type { Knex } from 'knex';
import * as campaigns from '../db/repositories/campaigns.js';
import { segmentContext } from '../db/repositories/segments.js';
import { isHeldOut } from '../domain/campaigns.js';
import { decideMail, type MailDecision, type SuppressionReason } from '../domain/mail-policy.js';
import { frequencyWindowSince, frequencyWindowStart, localTimes, zoneOrUtc } from './local-time.js';
import { readPlanningSettings, type PlanningSettings } from './mail-settings.js';

/** The instant of the local day and time `sendDate` `sendTime` in `timezone` (an unknown zone: UTC). */
export function localSendInstant(sendDate: string, sendTime: string, timezone: string): string {
  return DateTime.fromISO(`${sendDate}T${sendTime}`, { zone: zoneOrUtc(timezone) })
    .toUTC()
    .toISO()!;
}

/** Per zone, computed once: many guests share a zone. */
export class ZoneTimes {
  private readonly times = new Map<string, ReturnType<typeof localTimes>>();
  private readonly since = new Map<string, { start: string; day: string }>();
  constructor(private readonly settings: PlanningSettings) {}

  /** The local times of `now` in `zone`, with the program's send window. */
  localTimes(now: string, zone: string) {
    const key = `${zone}@${now}`;
    let t = this.times.get(key);
    if (!t) {
      t = localTimes(now, zone, this.settings.window);
      this.times.set(key, t);
    }
    return t;
  }

  /** The frequency window's first instant and first local day for a decision at `now` in `zone`. */
  frequencySince(now: string, zone: string) {
    const key = `${zone}@${now}`;
    let s = this.since.get(key);
    if (!s) {
      s = {
        start: frequencyWindowStart(now, zone, this.settings.days),
        day: frequencyWindowSince(now, zone, this.settings.days),
      };
      this.since.set(key, s);
    }
    return s;
  }
}

/** The mail policy's decision on a campaign mail to one guest at `now` (ISO), from the guest's facts. */
export function decideCampaignMail(
  fact: campaigns.MailFactsRow,
  now: string,
  settings: PlanningSettings,
  zones: ZoneTimes,
): MailDecision {
  return decideMail({
    mailClass: 'marketing',
    ...zones.localTimes(now, fact.timezone),
    guestErased: fact.erased_at !== null && fact.erased_at !== undefined,
    recipientGone: !fact.email,
    marketingConsent: fact.marketing_consent,
    openServiceCase: fact.open_cases > 0,
    exitCondition: null,
    quietPeriods: settings.quietPeriods,
    frequency: {
      count: fact.marketing_mails,
      cap: settings.cap,
      days: settings.days,
      since: zones.frequencySince(now, fact.timezone).day,
    },
  });
}

/** The frequency window's start for each zone, for a decision at `nowOf(zone)`. */
export function sinceByZone(
  zoneList: string[],
  nowOf: (zone: string) => string,
  zones: ZoneTimes,
): Record<string, string> {
  return Object.fromEntries(zoneList.map((z) => [z, zones.frequencySince(nowOf(z), z).start]));
}

export interface CampaignCountPreview {
  /** The day the audience is counted on (UTC). */
  asOf: string;
  audience: number;
  heldOut: number;
  /** Guests the mail would go to, at their local time or, outside the send window, when it opens. */
  willSend: number;
  /** Of those, held for the send window because the local time is outside it. */
  heldForWindow: number;
  suppressed: number;
  suppressedByReason: Partial<Record<SuppressionReason, number>>;
}

/**
 * How many guests the campaign would reach if it started now, and how many the holdout and each reason of the
 * mail policy take out: decided per guest as its batch will decide, at the guest's local send time (or now,
 * where that has passed), on the facts of now.
 */
export async function previewCampaignCounts(
  db: Knex,
  campaign: Pick<campaigns.CampaignRow, 'id' | 'definition' | 'send_date' | 'send_time' | 'holdout_percent'>,
  now: Date,
): Promise<CampaignCountPreview> {
  const asOf = now.toISOString().slice(0, 10);
  const ctx = await segmentContext(db, asOf);
  const spent = await campaigns.spenders(db, ctx);
  const settings = await readPlanningSettings(db);
  const zones = new ZoneTimes(settings);
  const zoneList = await campaigns.audienceZones(db, campaign.definition, ctx, spent);
  const nowIso = now.toISOString();
  const decisionTime = (zone: string) => {
    const at = localSendInstant(campaign.send_date, campaign.send_time, zone);
    return at > nowIso ? at : nowIso;
  };
  const facts = await campaigns.mailFacts(
    db,
    campaigns.audienceIds(db, campaign.definition, ctx, spent),
    sinceByZone(zoneList, decisionTime, zones),
  );
  const percent = Number(campaign.holdout_percent);
  const preview: CampaignCountPreview = {
    asOf,
    audience: facts.length,
    heldOut: 0,
    willSend: 0,
    heldForWindow: 0,
    suppressed: 0,
    suppressedByReason: {},
  };
  for (const fact of facts) {
    if (isHeldOut(campaign.id, fact.id, percent)) {
      preview.heldOut++;
      continue;
    }
    const decision = decideCampaignMail(fact, decisionTime(fact.timezone), settings, zones);
    if (decision.action === 'skip') {
      preview.suppressed++;
      preview.suppressedByReason[decision.reason] = (preview.suppressedByReason[decision.reason] ?? 0) + 1;
    } else {
      preview.willSend++;
      if (decision.action === 'hold') preview.heldForWindow++;
    }
  }
  return preview;
}
