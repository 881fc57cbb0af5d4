/** `/v1/program/rules` and `/v1/admin/stays/re-earn` in the OpenAPI document: the schemas of api/program/schema.ts. */
import { z } from 'zod';
import { area, dateOut, fieldsOf, instantOut } from '../openapi/spec.js';
import { publishRulesBody, reEarnBody, rulesSchema } from './schema.js';
import type { listRules, publishRules, reEarnStays } from './service.js';

type Listed = Awaited<ReturnType<typeof listRules>>;
type Published = Awaited<ReturnType<typeof publishRules>>;
type ReEarnedAnswer = Awaited<ReturnType<typeof reEarnStays>>;

const int = (description?: string) =>
  z
    .number()
    .int()
    .meta(description ? { description } : {});

const listed = fieldsOf<Listed>()('Every rules version, newest first, and the one in force today.', {
  inForce: int('The version in force today (UTC), or null before the first.').nullable(),
  versions: z.array(
    fieldsOf<Listed['versions'][number]>()('A rules version: immutable once published.', {
      version: int(),
      effectiveFrom: dateOut('Its first day.'),
      rules: rulesSchema,
      createdBy: z.string().meta({ description: "The key's name that published it." }),
      createdAt: instantOut(),
    }),
  ),
});

const published = fieldsOf<Published>()('The new version.', {
  version: int(),
  effectiveFrom: dateOut(),
  rules: rulesSchema,
  createdBy: z.string(),
});

const reEarned = fieldsOf<ReEarnedAnswer>()('What was re-earned, and what still waits for a rate.', {
  reEarned: z.array(
    fieldsOf<ReEarnedAnswer['reEarned'][number]>()('A stay booked now, once.', {
      stayId: z.uuid(),
      guestId: z.uuid(),
      ledgerId: int(),
      points: int(),
      balanceAfter: int(),
      rulesVersion: int(),
      idempotencyKey: z.string().meta({ description: '`stay-re-earn:<stayId>`.' }),
      signalled: z.boolean().meta({
        description:
          "`false`: Temporal refused; the points are booked and the guest's workflow reads them at its next message.",
      }),
    }),
  ),
  stillWaiting: z.array(
    fieldsOf<ReEarnedAnswer['stillWaiting'][number]>()('A stay no version has the rate for yet.', {
      stayId: z.uuid(),
      guestId: z.uuid(),
      currency: z.string(),
      departure: dateOut(),
    }),
  ),
});

export const programArea = area({
  tag: 'Program',
  description:
    "The program's rules versions (points, tiers, review, win-back) and the re-earn of stays that waited for a rate.",
  operations: {
    'GET /v1/program/rules': {
      summary: 'Every rules version and the one in force',
      answers: { 200: { description: 'The versions.', schema: listed } },
    },
    'POST /v1/program/rules': {
      summary: 'Publish a new rules version',
      description:
        "A whole rules version (every field, nothing else), in force from `effectiveFrom`: not before today (UTC) and after the latest version's first day. Audited.",
      body: { schema: publishRulesBody },
      answers: { 201: { description: 'Published.', schema: published } },
      errors: [
        {
          status: 422,
          codes: ['effective_from_too_early'],
          when: "`effectiveFrom` before today or not after the latest version's (`details.latestVersion`)",
        },
      ],
    },
    'POST /v1/admin/stays/re-earn': {
      summary: 'Re-earn the stays that waited for a rate',
      description:
        "Books the stays flagged `no_rate_for_currency` that a version now has the rate for (oldest departure first, at most `limit`, default 500; of `currency` if given), each once, and tells each guest's workflow. No body: all of them. A second call finds nothing to do.",
      body: { schema: reEarnBody, required: false },
      answers: { 200: { description: 'Done.', schema: reEarned } },
    },
  },
});
