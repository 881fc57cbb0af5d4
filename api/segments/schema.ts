/** The bodies of /v1/segments (api/segments/router.ts); a campaign's audience is a `segmentDefinition` too. */
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

/** What a segment takes: every field given must hold; in a list, any of its values. */
export const segmentDefinition = z.strictObject({
  stages: list(z.enum(STAGES), STAGES.length),
  tiers: list(z.enum(TIERS), TIERS.length),
  properties: list(text(40), 50),
  marketingConsent: z.boolean('must be true or false').optional(),
  languages: list(text(20), 20),
  value: list(z.enum(VALUE_SEGMENTS), VALUE_SEGMENTS.length),
  tenure: list(z.enum(TENURES), TENURES.length),
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
