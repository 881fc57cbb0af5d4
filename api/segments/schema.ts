/** The bodies and queries of /v1/segments (api/segments/router.ts); a campaign's audience is a `segmentDefinition` too. */
import { z } from 'zod';
import { text } from '../pms/schema.js';
import { STAGES } from '../../domain/stages.js';
import { TIERS } from '../../domain/tiers.js';
import { TENURES, VALUE_SEGMENTS } from '../../domain/segments.js';

const list = <T extends z.ZodType>(item: T, max: number) =>
  z
    .array(item)
    .min(1, 'must list at least one, or be left out')
    .max(max, `must list at most ${max}`)
    .optional();

const SCORE = 'must be a whole score from 1 to 5';
const score = z.number(SCORE).int(SCORE).min(1, SCORE).max(5, SCORE);
/** `[min, max]` of RFM scores, both included: `[4, 5]`. */
const span = z
  .tuple([score, score], 'must be [min, max], two scores from 1 to 5')
  .refine(([a, b]) => a <= b, 'the first score must not be above the second')
  .optional();

const DAYS = 'must be a whole number of days from 1 to 3650';

/** What a segment takes: every field given must hold; in a list, any of its values. */
export const segmentDefinition = z.strictObject({
  stages: list(z.enum(STAGES), STAGES.length),
  tiers: list(z.enum(TIERS), TIERS.length),
  properties: list(text(40), 50),
  marketingConsent: z.boolean('must be true or false').optional(),
  languages: list(text(20), 20),
  value: list(z.enum(VALUE_SEGMENTS), VALUE_SEGMENTS.length),
  tenure: list(z.enum(TENURES), TENURES.length),
  /** RFM scores (domain/segments.ts): each measure given within `[min, max]`. */
  rfm: z
    .strictObject({ recency: span, frequency: span, monetary: span })
    .refine((r) => r.recency || r.frequency || r.monetary, 'must give recency, frequency or monetary')
    .optional(),
  /** Lapsed, and moved to lapsed within the last N days. */
  lapsedWithinDays: z.number(DAYS).int(DAYS).min(1, DAYS).max(3650, DAYS).optional(),
});

export const previewBody = z.strictObject({
  definition: segmentDefinition,
  /** The guests shown, by name (default 20). */
  limit: z
    .number('must be a whole number from 1 to 100')
    .int('must be a whole number from 1 to 100')
    .min(1, 'must be a whole number from 1 to 100')
    .max(100, 'must be a whole number from 1 to 100')
    .default(20),
});

const name = text(100);

/** `POST /v1/segments`: a segment saved under a name (unique among those not archived, any case). */
export const createBody = z.strictObject({ name, definition: segmentDefinition });

/** `POST /v1/segments/:id`: a new name, a new definition, or both. */
export const updateBody = z
  .strictObject({ name: name.optional(), definition: segmentDefinition.optional() })
  .refine((b) => b.name !== undefined || b.definition !== undefined, 'give name, definition or both');

export const idParams = z.object({ id: z.uuid('must be a segment id (a UUID)') });

export const CURSOR_MESSAGE = 'must be the nextCursor of an earlier answer';
const LIMIT = 'must be a whole number from 1 to 200';
const pageFields = {
  limit: z.coerce.number(LIMIT).int(LIMIT).min(1, LIMIT).max(200, LIMIT).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,1200}$/, CURSOR_MESSAGE)
    .optional(),
};

/** `GET /v1/segments/:id/guests?limit=&cursor=`. */
export const pageQuery = z.strictObject(pageFields);

/** `GET /v1/segments/forecast?tier=&limit=&cursor=`. */
export const forecastQuery = z.strictObject({
  ...pageFields,
  tier: z.enum(['silver', 'gold', 'diamond'], 'must be silver, gold or diamond').optional(),
});

/** `GET /v1/segments/forecast.csv?tier=`. */
export const forecastCsvQuery = z.strictObject({
  tier: z.enum(['silver', 'gold', 'diamond'], 'must be silver, gold or diamond').optional(),
});
