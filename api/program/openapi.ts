/** `/v1/program/rules` and `/v1/admin/stays/re-earn` in the OpenAPI document: the schemas of api/program/schema.ts. */
import { z } from 'zod';
import { area, dateOut, fieldsOf, instantOut } from '../openapi/spec.js';
import {
  createDraftBody,
  draftParams,
  previewRulesBody,
  publishDraftBody,
  publishRulesBody,
  reEarnBody,
  rulesSchema,
  saveDraftBody,
} from './schema.js';
import type { listRules, publishRules, reEarnStays } from './service.js';
import type { getDraft, previewRules, publishDraft } from './drafts.js';

type Listed = Awaited<ReturnType<typeof listRules>>;
type Published = Awaited<ReturnType<typeof publishRules>>;
type ReEarnedAnswer = Awaited<ReturnType<typeof reEarnStays>>;
type Draft = Awaited<ReturnType<typeof getDraft>>;
type Preview = Awaited<ReturnType<typeof previewRules>>;
type DraftPublished = Awaited<ReturnType<typeof publishDraft>>;

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

const tier = z.enum(['member', 'silver', 'gold', 'diamond']);

const draft = fieldsOf<Draft>()(
  'A draft of a rules version: whole and valid as a version would be; saved with who and when.',
  {
    id: int(),
    rules: rulesSchema,
    basedOnVersion: int('The version the admin started from.').nullable(),
    note: z.string().nullable(),
    revision: int('Raised by every save; a save or a publication names the revision it was made from.'),
    createdBy: z.string().meta({ description: "The key's name that created it." }),
    createdAt: instantOut(),
    updatedBy: z.string().meta({ description: "The key's name that saved it last." }),
    updatedAt: instantOut(),
    publishedVersion: int('The version it became; null while open.').nullable(),
    publishedBy: z.string().nullable(),
    publishedAt: instantOut().nullable(),
    discardedBy: z.string().nullable(),
    discardedAt: instantOut().nullable(),
  },
);

const draftList = z
  .object({ drafts: z.array(draft) })
  .meta({ description: 'The open drafts, the last saved first.' });

const totals = fieldsOf<Preview['current']>()('What the review does to the members, by one set of rules.', {
  up: int('Moved up.'),
  down: int('Moved down (one tier at most).'),
  kept: int('Kept their tier by earning it or by the soft landing.'),
  floor: int("Kept (or lifted to) a tier by an admin's floor alone."),
});

const preview = fieldsOf<Preview>()(
  'The next review over every member, by the version that would decide it and by the rules sent.',
  {
    year: int('The year reviewed (this year, UTC).'),
    reviewDay: dateOut('1 January after it: the review runs by the version in force that day.'),
    currentVersion: int('The version in force on `reviewDay` as published now.').nullable(),
    currentEffectiveFrom: dateOut().nullable(),
    members: int('The members the review runs for (enrolled or stayed; a churned member is left out).'),
    current: totals,
    draft: totals,
    transitions: z.array(
      fieldsOf<Preview['transitions'][number]>()('A change of tier, and how many members make it.', {
        from: tier,
        to: tier,
        current: int('By the current version.'),
        draft: int('By the rules sent.'),
        difference: int('`draft - current`.'),
      }),
    ),
  },
);

const draftPublished = fieldsOf<DraftPublished>()('The new version, and the draft marked published.', {
  version: int(),
  effectiveFrom: dateOut(),
  rules: rulesSchema,
  createdBy: z.string(),
  draft,
});

const draftErrors = [
  { status: 404, codes: ['draft_not_found'], when: 'no draft has this id' },
  {
    status: 409,
    codes: ['draft_closed'],
    when: 'the draft was published (`details.publishedVersion`) or discarded',
  },
] as const;
const revisionError = {
  status: 409,
  codes: ['draft_changed'],
  when: 'the draft was saved since `revision` (`details.revision`, `updatedBy`, `updatedAt`): read it again',
} as const;

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
    'POST /v1/program/rules/preview': {
      summary: 'The tier changes of the next review under some rules',
      description:
        "How many members the next review (of this year, on 1 January) would move from each tier to each other, by the version that would decide it as published now and by the `rules` sent (a draft's), and the difference. The decision is the review's own (domain/tier-review.ts); the year's base points are as written. Writes nothing.",
      body: { schema: previewRulesBody },
      answers: { 200: { description: 'The preview.', schema: preview } },
    },
    'GET /v1/program/rules/drafts': {
      summary: 'The open drafts of a rules version',
      answers: { 200: { description: 'The drafts.', schema: draftList } },
    },
    'POST /v1/program/rules/drafts': {
      summary: 'Start a draft of a rules version',
      description:
        "A whole rules version, validated as a version is (a 400 names the field and writes nothing), saved as a draft with the key's name. Start from a version (`basedOnVersion`) and change what changes.",
      body: { schema: createDraftBody },
      answers: { 201: { description: 'Saved.', schema: draft } },
      errors: [{ status: 422, codes: ['unknown_version'], when: 'no version `basedOnVersion`' }],
    },
    'GET /v1/program/rules/drafts/:id': {
      summary: 'One draft',
      params: draftParams,
      answers: { 200: { description: 'The draft (open, published or discarded).', schema: draft } },
      errors: [draftErrors[0]],
    },
    'POST /v1/program/rules/drafts/:id': {
      summary: 'Save a draft',
      description:
        "Replaces the draft's rules (and `note`: null clears it, absent keeps it) if it is still at `revision`; the revision goes up by one.",
      params: draftParams,
      body: { schema: saveDraftBody },
      answers: { 200: { description: 'Saved.', schema: draft } },
      errors: [...draftErrors, revisionError],
    },
    'DELETE /v1/program/rules/drafts/:id': {
      summary: 'Discard a draft',
      description: "Marks an open draft discarded with the key's name; the row stays.",
      params: draftParams,
      answers: { 200: { description: 'Discarded.', schema: draft } },
      errors: draftErrors,
    },
    'POST /v1/program/rules/drafts/:id/publish': {
      summary: 'Publish a draft as a new rules version',
      description:
        'The draft as saved at `revision` becomes the next version, in force from `effectiveFrom`, as `POST /v1/program/rules` publishes (the same checks, the audit row naming the draft), and the draft is marked published, in one transaction. A refusal writes nothing.',
      params: draftParams,
      body: { schema: publishDraftBody },
      answers: { 201: { description: 'Published.', schema: draftPublished } },
      errors: [
        ...draftErrors,
        revisionError,
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
