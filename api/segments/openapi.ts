/** `/v1/segments` in the OpenAPI document (api/openapi/document.ts): the schemas of api/segments/router.ts. */
import { z } from 'zod';
import { area, fieldsOf } from '../openapi/spec.js';
import { previewBody } from './schema.js';
import type { previewSegment } from './service.js';

type Answer = Awaited<ReturnType<typeof previewSegment>>;

const text = (description?: string) => z.string().meta(description ? { description } : {});
const int = (description?: string) =>
  z
    .number()
    .int()
    .meta(description ? { description } : {});

const answer = fieldsOf<Answer>()('The count of a segment and its first guests by name.', {
  asOf: text('`YYYY-MM-DD` (UTC): tenure and the 12 months of revenue are counted from it.'),
  count: int('Guests the definition takes.'),
  spenders: int('Guests who spent in the last 12 months (the value segments rank them).'),
  valueBounds: z
    .object({ vip: int(), major: int(), ordinary: int() })
    .meta({ description: 'The last rank by revenue of each value segment (docs/segments.md).' }),
  guests: z.array(
    fieldsOf<Answer['guests'][number]>()('A guest of the segment.', {
      id: z.uuid(),
      firstName: text(),
      lastName: text(),
      stage: text(),
      tier: text(),
      language: text(),
      marketingConsent: z.boolean(),
      value: text('`vip`, `major`, `ordinary`, `small`.'),
      revenue: text('Revenue of the last 12 months in the program currency, 2 decimals.').nullable(),
      tenure: text('`new`, `first_year_ending`, `established`, `lapsed`, `churned`, `prospect`.'),
    }),
  ),
});

export const segmentsArea = area({
  tag: 'Segments',
  description:
    "Marketers' cuts of the guest base: value (Pareto), tenure, stage, tier, hotel, consent, language.",
  operations: {
    'POST /v1/segments/preview': {
      summary: 'Count a segment and show its first guests',
      description:
        'Every field of `definition` given must hold; in a list, any of its values. An empty definition is the whole base. By the rules version in force today (currency rates, segment settings). docs/segments.md has the rules.',
      body: { schema: previewBody },
      answers: { 200: { description: 'The segment.', schema: answer } },
    },
  },
});
