/** The bodies of /v1/campaigns (api/campaigns/router.ts). */
import { z } from 'zod';
import { CAMPAIGN_TEMPLATE_NAMES } from '../../mail/campaign-templates.js';
import { isLocalTime, MAX_HOLDOUT_PERCENT } from '../../domain/campaigns.js';
import { text } from '../pms/schema.js';
import { segmentDefinition } from '../segments/schema.js';

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const calendarDay = z
  .string('must be a date YYYY-MM-DD')
  .regex(ISO_DAY, 'must be a date YYYY-MM-DD')
  .refine(
    (d) =>
      !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    'must be a day of the calendar',
  );

export const campaignBody = z.strictObject({
  /** The marketer's label, e.g. "Spring Festival 2027 greeting". */
  name: text(120),
  template: z.enum(CAMPAIGN_TEMPLATE_NAMES, `must be one of ${CAMPAIGN_TEMPLATE_NAMES.join(', ')}`),
  /** Who gets it: a segment's definition (docs/segments.md). */
  definition: segmentDefinition,
  /** The saved segment it was taken from, if any (for the record; the definition is what counts). */
  segmentId: text(80).optional(),
  /** The local day and time in each guest's zone. */
  sendDate: calendarDay,
  sendTime: z.string('must be a local time HH:mm').refine(isLocalTime, 'must be a local time HH:mm'),
  holdoutPercent: z
    .number('must be a number from 0 to 50')
    .min(0, `must be from 0 to ${MAX_HOLDOUT_PERCENT}`)
    .max(MAX_HOLDOUT_PERCENT, `must be from 0 to ${MAX_HOLDOUT_PERCENT}`)
    .refine((n) => Math.round(n * 100) === n * 100, 'must have at most two decimals')
    .default(0),
  /** Bookings and stays within this many days after the send count as the uplift's conversions. */
  upliftDays: z
    .number('must be a whole number of days from 1 to 365')
    .int('must be a whole number of days from 1 to 365')
    .min(1, 'must be a whole number of days from 1 to 365')
    .max(365, 'must be a whole number of days from 1 to 365')
    .default(30),
});
export type CampaignBody = z.infer<typeof campaignBody>;

export const campaignIdParam = z.string().regex(/^[a-z0-9-]{6,40}$/, 'is not a campaign id');

export const listQuery = z.strictObject({
  limit: z.coerce
    .number('must be a whole number from 1 to 200')
    .int('must be a whole number from 1 to 200')
    .min(1, 'must be a whole number from 1 to 200')
    .max(200, 'must be a whole number from 1 to 200')
    .default(50),
});
