/** `/v1/campaigns` in the OpenAPI document (api/openapi/document.ts): the schemas of api/campaigns/schema.ts. */
import { z } from 'zod';
import { RECIPIENT_STATES } from '../../domain/campaigns.js';
import { area, dateOut, fieldsOf, instantOrNull, instantOut } from '../openapi/spec.js';
import { campaignBody, campaignIdParam, listQuery } from './schema.js';
import type { campaignReport, getCampaign, listCampaigns, previewCampaign } from './service.js';

type Campaign = Awaited<ReturnType<typeof getCampaign>>;
type Preview = Awaited<ReturnType<typeof previewCampaign>>;
type Report = Awaited<ReturnType<typeof campaignReport>>;
type List = Awaited<ReturnType<typeof listCampaigns>>;

const text = (description?: string) => z.string().meta(description ? { description } : {});
const int = (description?: string) =>
  z
    .number()
    .int()
    .meta(description ? { description } : {});
const counts = (description: string) => z.record(z.string(), int()).meta({ description });

const campaign = fieldsOf<Campaign['campaign']>()('A campaign: its settings and where it stands.', {
  id: text('`YYYYMMDD-xxxxxx`: the local send day and six hex digits.'),
  name: text(),
  template: text(),
  templateVersion: int(
    'The stored template version pinned at the start; null: the built-in text.',
  ).nullable(),
  definition: z.record(z.string(), z.unknown()).meta({ description: 'The audience (docs/segments.md).' }),
  segmentId: text().nullable(),
  sendDate: dateOut('The local day in each guest’s zone.'),
  sendTime: text('The local time `HH:mm` in each guest’s zone.'),
  holdoutPercent: z.number(),
  upliftDays: int(),
  status: text('`draft`, `running`, `paused`, `cancelled`, `done`.'),
  workflowId: text('`campaign-<id>`.'),
  createdBy: text(),
  createdAt: instantOut(),
  startedBy: text().nullable(),
  startedAt: instantOrNull(),
  plannedAt: instantOrNull('When every guest of the audience had a recipient row.'),
  finishedAt: instantOrNull(),
  asOf: dateOut('The day the audience was counted on.').nullable(),
});

const withProgress = fieldsOf<Campaign>()('A campaign and its live progress (from Postgres).', {
  campaign,
  progress: fieldsOf<Campaign['progress']>()('Its recipients by state.', {
    audience: int(),
    byState: z.object(
      Object.fromEntries(RECIPIENT_STATES.map((s) => [s, int()])) as Record<
        (typeof RECIPIENT_STATES)[number],
        z.ZodNumber
      >,
    ),
    heldUntilLocalTime: int('Planned, their local send time still ahead.'),
    nextSendAt: instantOrNull(),
    suppressedByReason: counts('By the first word of the mail policy’s reason.'),
    failedByReason: counts('`smtp_refused`, `delivery_unknown`.'),
    settled: z.boolean().meta({ description: 'Nobody is planned or sending any more.' }),
  }),
});

const preview = fieldsOf<Preview>()('How many the campaign would reach now, and who is taken out by what.', {
  campaignId: text(),
  asOf: dateOut(),
  audience: int(),
  heldOut: int(),
  willSend: int(),
  heldForWindow: int(),
  suppressed: int(),
  suppressedByReason: counts('By reason (domain/mail-policy.ts).'),
});

const group = z.object({ guests: int(), booked: int(), stayed: int(), converted: int() });
const rate = z.object({ guests: int(), converted: int(), rate: z.number().nullable() });
const report = fieldsOf<Report>()('Delivered, unsubscribed, and the uplift against the holdout.', {
  campaignId: text(),
  upliftDays: int(),
  delivered: int(),
  unsubscribed: int(),
  heldOut: int('Every held-out guest; `holdout` counts those the mail would have reached.'),
  treated: group,
  holdout: group,
  uplift: z.object({
    treated: rate,
    holdout: rate,
    upliftPoints: z.number().nullable(),
    relativeUplift: z.number().nullable(),
    z: z.number().nullable(),
  }),
});

const list = fieldsOf<List>()('The newest campaigns first.', { campaigns: z.array(campaign) });
const params = z.object({ id: campaignIdParam });
const notFound = { status: 404, codes: ['campaign_not_found'], when: 'no such campaign' } as const;
const refused = {
  status: 409,
  codes: ['campaign_not_draft', 'campaign_action_refused'],
  when: 'the campaign’s status does not allow it (the message says why)',
} as const;
const unavailable = {
  status: 503,
  codes: ['temporal_unavailable'],
  when: 'Temporal did not answer',
} as const;

export const campaignsArea = area({
  tag: 'Campaigns',
  description:
    'One-off marketing mails to a segment at a local time, with a holdout, through the one mail policy (docs/campaigns.md).',
  operations: {
    'GET /v1/campaigns': {
      summary: 'List campaigns',
      query: listQuery,
      answers: { 200: { description: 'The campaigns.', schema: list } },
    },
    'POST /v1/campaigns': {
      summary: 'Create a campaign (a draft)',
      description:
        'The send time must be inside the program’s send window. Nothing is sent until it is started.',
      body: { schema: campaignBody },
      answers: { 201: { description: 'The draft.', schema: campaign } },
    },
    'GET /v1/campaigns/:id': {
      summary: 'A campaign and its live progress',
      params,
      answers: { 200: { description: 'The campaign.', schema: withProgress } },
      errors: [notFound],
    },
    'GET /v1/campaigns/:id/report': {
      summary: 'The result: delivered, unsubscribed, uplift against the holdout',
      params,
      answers: { 200: { description: 'The report.', schema: report } },
      errors: [notFound],
    },
    'POST /v1/campaigns/:id/preview': {
      summary: 'The count preview',
      description:
        'Decided per guest as the fan-out will: the holdout, then the mail policy at the guest’s local send time on today’s facts.',
      params,
      answers: { 200: { description: 'The counts.', schema: preview } },
      errors: [notFound],
    },
    'POST /v1/campaigns/:id/start': {
      summary: 'Start a draft: plan its audience and fan out at the local send times',
      params,
      answers: { 200: { description: 'The campaign, running.', schema: withProgress } },
      errors: [notFound, refused, unavailable],
    },
    'POST /v1/campaigns/:id/pause': {
      summary: 'Pause a running campaign (a batch under way finishes)',
      params,
      answers: { 200: { description: 'The campaign, paused.', schema: withProgress } },
      errors: [notFound, refused, unavailable],
    },
    'POST /v1/campaigns/:id/resume': {
      summary: 'Resume a paused campaign',
      params,
      answers: { 200: { description: 'The campaign, running.', schema: withProgress } },
      errors: [notFound, refused, unavailable],
    },
    'POST /v1/campaigns/:id/cancel': {
      summary: 'Cancel a campaign: nobody not yet reached gets it',
      params,
      answers: { 200: { description: 'The campaign, cancelled.', schema: withProgress } },
      errors: [notFound, refused, unavailable],
    },
  },
});
