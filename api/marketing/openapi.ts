/** `/v1/templates` and `/v1/cadences` in the OpenAPI document (api/openapi/document.ts): the schemas of api/marketing/schema.ts. */
import { z } from 'zod';
import type { CadenceDiff, CadenceStep } from '../../domain/cadence.js';
import { area, fieldsOf, instantOrNull, instantOut, opaque, type ErrorCase } from '../openapi/spec.js';
import type { planOverBase, previewCadence } from './cadence-preview.js';
import type { pickGuests } from './guest-pick.js';
import type * as cadences from './cadences.js';
import {
  basePlanQuery,
  cadenceDraftBody,
  guestPickQuery,
  cadencePreviewBody,
  diffQuery,
  dryRunQuery,
  keyParams,
  movesBody,
  rollbackBody,
  templateCheckBody,
  templateDraftBody,
  templatePreviewBody,
  versionParams,
} from './schema.js';
import type * as templates from './templates.js';

const text = (description?: string) => z.string().meta(description ? { description } : {});
const textOrNull = (description?: string) => text(description).nullable();
const int = (description?: string) =>
  z
    .number()
    .int()
    .meta(description ? { description } : {});
const intOrNull = (description?: string) => int(description).nullable();

// --- templates -------------------------------------------------------------------------------------------------

type TemplateList = Awaited<ReturnType<typeof templates.listTemplates>>;
type Template = Awaited<ReturnType<typeof templates.getTemplate>>;
type TemplateVersion = Awaited<ReturnType<typeof templates.getVersion>>;
type TemplatePreview = Awaited<ReturnType<typeof templates.previewForGuest>>;
type TemplateCheck = ReturnType<typeof templates.checkDraft>;

const locales = text('`en` and `zh-CN`: every guest gets mail in their language.').array();
const placeholders = text()
  .array()
  .meta({ description: 'The known placeholders of the template (`firstName`, …).' });
const localeTexts = z
  .record(z.string(), z.object({ subject: text(), html: text(), text: text() }))
  .meta({ description: 'By locale (`en`, `zh-CN`): subject, html body, text body.' });

const versionShape = {
  version: int(),
  status: text('`draft` or `published`; a published version never changes.'),
  note: textOrNull(),
  basedOn: intOrNull('The version current when it was drafted (null: the built-in text).'),
  createdBy: text(),
  createdAt: instantOut(),
  publishedBy: textOrNull(),
  publishedAt: instantOrNull(),
};

const templateVersion = fieldsOf<TemplateVersion>()('A stored version with its text.', {
  template: text(),
  ...versionShape,
  locales: localeTexts,
});

const templateList = fieldsOf<TemplateList>()('Every template the code defines.', {
  templates: z.array(
    fieldsOf<TemplateList['templates'][number]>()('A template.', {
      key: text(),
      currentVersion: intOrNull('Its highest published version; null: the built-in text applies.'),
      latestVersion: intOrNull(),
      drafts: int(),
      locales,
      placeholders,
    }),
  ),
});

const template = fieldsOf<Template>()('A template: its versions (newest first) and its built-in text.', {
  key: text(),
  currentVersion: intOrNull(),
  locales,
  placeholders,
  builtIn: z.object({ locales: localeTexts }).meta({ description: 'The text in the code.' }),
  versions: z.array(z.object(versionShape).meta({ description: 'A stored version (without its text).' })),
});

const templatePreview = fieldsOf<TemplatePreview>()(
  "The template as the guest would get it: the guest's language and name, sample values for the rest.",
  {
    template: text(),
    version: intOrNull('null: the built-in text.'),
    status: text('`draft`, `published` or `built-in`.'),
    guestId: z.uuid(),
    locale: text(),
    subject: text(),
    html: text(),
    text: text(),
    sample: z.literal(true),
    sampleVars: opaque('The sample values used, by placeholder.'),
  },
);

const templateCheck = fieldsOf<TemplateCheck>()(
  "A draft's text checked: every problem, each at its field, line and column; nothing written.",
  {
    template: text(),
    ok: z.boolean().meta({ description: 'No problem: the API would save and publish this text.' }),
    placeholders,
    issues: z.array(
      z
        .object({
          field: text('`locales.en.html`'),
          code: text(
            '`unknown_placeholder`, `unknown_helper`, `unsupported_syntax`, `syntax_error`, `does_not_render`.',
          ),
          message: text(),
          placeholder: text('The unknown placeholder or helper.').optional(),
          line: int('1-based, in the field.').optional(),
          column: int('1-based; for an unknown placeholder, where its name starts.').optional(),
        })
        .meta({ description: 'A problem.' }),
    ),
  },
);

const templateNotFound: ErrorCase = {
  status: 404,
  codes: ['template_not_found'],
  when: 'no template with this key',
};
const templateVersionNotFound: ErrorCase = {
  status: 404,
  codes: ['template_not_found', 'version_not_found'],
  when: 'no template with this key, or no such version of it',
};
const templateInvalid: ErrorCase = {
  status: 422,
  codes: ['template_invalid'],
  when: 'the text is not in the template language or uses an unknown placeholder: every problem in `details.issues` (`field`, `code`, `line`); nothing written',
};

export const templatesArea = area({
  tag: 'Templates',
  description:
    'Mail templates for marketers: versioned drafts, publishing (the highest published version is current; without one the built-in text applies) and previews for a guest. Unknown body fields are refused.',
  operations: {
    'GET /v1/templates': {
      summary: 'Every template',
      answers: { 200: { description: 'The templates.', schema: templateList } },
    },
    'GET /v1/templates/:key': {
      summary: 'A template: its versions and built-in text',
      params: keyParams,
      answers: { 200: { description: 'The template.', schema: template } },
      errors: [templateNotFound],
    },
    'GET /v1/templates/:key/versions/:version': {
      summary: 'One version with its text',
      params: versionParams,
      answers: { 200: { description: 'The version.', schema: templateVersion } },
      errors: [templateVersionNotFound],
    },
    'POST /v1/templates/:key/versions': {
      summary: 'Save a draft',
      description:
        'Both locales; checked against the template language and placeholders (docs/api.md). Audited.',
      params: keyParams,
      body: { schema: templateDraftBody },
      answers: {
        201: { description: 'The draft (`basedOn`: the current version).', schema: templateVersion },
      },
      errors: [templateNotFound, templateInvalid],
    },
    'POST /v1/templates/:key/versions/:version/publish': {
      summary: 'Publish a draft: it becomes the current version',
      description:
        'Checked again. Publishing a published version again answers it (`Idempotent-Replayed: true`). Audited.',
      params: versionParams,
      answers: { 200: { description: 'The version, now current.', schema: templateVersion } },
      errors: [
        templateVersionNotFound,
        {
          status: 409,
          codes: ['superseded'],
          when: 'a draft older than the current version (`details.currentVersion`)',
        },
        templateInvalid,
      ],
    },
    'POST /v1/templates/:key/check': {
      summary: "Check a draft's text without saving it",
      description:
        "The checks of a draft (and of its publication) on both locales, answered as a list: the console's editor shows each problem where it is, and refuses to save or publish while there is one. Nothing is written.",
      params: keyParams,
      body: { schema: templateCheckBody },
      answers: { 200: { description: 'The problems (none: `ok`).', schema: templateCheck } },
      errors: [templateNotFound],
    },
    'POST /v1/templates/:key/preview': {
      summary: 'Preview a template for a guest',
      description: 'Nothing is written.',
      params: keyParams,
      body: { schema: templatePreviewBody },
      answers: { 200: { description: 'The rendered mail.', schema: templatePreview } },
      errors: [
        {
          status: 404,
          codes: ['template_not_found', 'version_not_found', 'guest_not_found'],
          when: 'no such template, version or guest',
        },
        {
          status: 422,
          codes: ['template_does_not_render'],
          when: 'the version does not render for this guest',
        },
      ],
    },
  },
});

// --- cadences --------------------------------------------------------------------------------------------------

type CadenceList = Awaited<ReturnType<typeof cadences.listCadences>>;
type Cadence = Awaited<ReturnType<typeof cadences.getCadence>>;
type CadenceVersion = Awaited<ReturnType<typeof cadences.getVersion>>;
type Diff = Awaited<ReturnType<typeof cadences.diffVersions>>;
type DryRun = Awaited<ReturnType<typeof cadences.dryRun>>;
type Preview = Awaited<ReturnType<typeof previewCadence>>;
type BasePlan = Awaited<ReturnType<typeof planOverBase>>;
type GuestPick = Awaited<ReturnType<typeof pickGuests>>;

const step = fieldsOf<CadenceStep>()('A step of a cadence (domain/cadence.ts).', {
  id: text('Stable across versions (`thank-you`).'),
  anchor: text('`check_out`, `check_in` or `previous_step`.'),
  offsetMinutes: int('After the anchor.'),
  window: z
    .object({ start: text('`HH:mm`'), end: text('`HH:mm`') })
    .nullable()
    .meta({
      description:
        "The local hours it may go out in; null: the program's for marketing, any time for transactional.",
    }),
  template: text(),
  channel: z.literal('mail'),
  class: text('`transactional` or `marketing`.'),
  condition: textOrNull(
    '`survey_not_answered`, `score_at_least:N` (1–5), `no_booking_since_anchor`, `no_open_case`; null: always.',
  ),
});

const diffShape = fieldsOf<CadenceDiff>()('', {
  added: z.array(step).meta({ description: 'Steps whose id only the second has.' }),
  removed: z.array(step).meta({ description: 'Steps whose id only the first has.' }),
  changed: z
    .array(
      z.object({ id: text(), fields: opaque('By field: `{ from, to }` (`position` when the step moved).') }),
    )
    .meta({ description: 'Steps in both whose fields differ.' }),
}).shape;

const cadenceVersionShape = fieldsOf<CadenceVersion>()('', {
  cadence: text(),
  ...versionShape,
  steps: z.array(step),
}).shape;
const cadenceVersion = z.object(cadenceVersionShape).meta({ description: 'A version with its steps.' });

const cadenceList = fieldsOf<CadenceList>()('Every cadence.', {
  cadences: z.array(
    fieldsOf<CadenceList['cadences'][number]>()('A cadence.', {
      key: text(),
      name: text(),
      description: text(),
      currentVersion: intOrNull(),
      latestVersion: intOrNull(),
      runningFollowUps: int(),
    }),
  ),
});

const { steps: _steps, ...withoutSteps } = cadenceVersionShape;
const cadence = fieldsOf<Cadence>()(
  'A cadence: the current version with its steps and every version, newest first.',
  {
    key: text(),
    name: text(),
    description: text(),
    currentVersion: intOrNull(),
    current: cadenceVersion.nullable(),
    versions: z.array(
      z
        .object({ ...withoutSteps, stepIds: text().array() })
        .meta({ description: 'A version, its step ids.' }),
    ),
  },
);

const diff = fieldsOf<Diff>()('Steps added, removed and changed, by step id.', {
  cadence: text(),
  from: int(),
  to: int(),
  ...diffShape,
});

const dryRun = fieldsOf<DryRun>()(
  'The running follow-ups per version, and what a move to `to` would change.',
  {
    cadence: text(),
    to: intOrNull(),
    toStatus: textOrNull('`draft` or `published`: a draft may be the target of a dry run, not of a move.'),
    running: int(),
    wouldMove: int(),
    versions: z.array(
      z
        .object({
          version: int(),
          running: int(),
          stepsDone: z
            .record(z.string(), z.number().int())
            .meta({ description: 'By step id: how many have done it.' }),
          move: z
            .object(diffShape)
            .nullable()
            .optional()
            .meta({ description: 'Only with `to`; null on `to` itself.' }),
        })
        .meta({ description: 'The follow-ups running on a version.' }),
    ),
  },
);

const basePlan = fieldsOf<BasePlan>()(
  'A version planned over the follow-ups running now: per step and per skip reason.',
  {
    cadence: text(),
    version: int(),
    status: text('`draft` or `published`.'),
    now: instantOut(),
    running: int('Follow-ups running now, on any version.'),
    planned: int('Those planned (at most `limit`).'),
    unplanned: int('Running follow-ups whose guest or stay is gone.'),
    limit: int(),
    steps: z.array(
      z
        .object({
          stepId: text(),
          template: text(),
          class: text(),
          done: int('Follow-ups that have done it (not sent again after a move).'),
          send: int('Would send it.'),
          deferred: int('Of those, held until the window opens.'),
          skipped: z
            .record(z.string(), z.number().int())
            .meta({ description: 'Would skip it, by reason (`no_marketing_consent`, …).' }),
        })
        .meta({ description: 'One step.' }),
    ),
    reasons: z.record(z.string(), z.number().int()).meta({ description: 'Skips of every step, by reason.' }),
  },
);

const guestPick = fieldsOf<GuestPick>()('Guests to preview for: id and name only.', {
  guests: z.array(
    z.object({ id: z.uuid(), firstName: text(), lastName: text() }).meta({ description: 'A guest.' }),
  ),
});

const moveAnswer = fieldsOf<cadences.MoveAnswer>()('The batch moved.', {
  requestId: z.uuid(),
  cadence: text(),
  fromVersion: int(),
  toVersion: int(),
  selected: int('How many follow-ups the batch asked.'),
  moved: int(),
  failed: z.array(
    z.object({
      workflowId: text(),
      reason: text(
        '`same_version`, `invalid_version`, `follow_up_finished`, `finished` or `unavailable` (retry with the key).',
      ),
      message: text(),
    }),
  ),
  remaining: int('Follow-ups still running on `fromVersion`: the next request moves the next batch.'),
  replayed: z.boolean(),
});

const preview = fieldsOf<Preview>()(
  'The mails and skips of the version for the guest, on the facts as they are now; nothing is written.',
  {
    cadence: text(),
    version: int(),
    status: text(),
    guestId: z.uuid(),
    locale: text(),
    timezone: text(),
    now: instantOut(),
    stayId: z
      .uuid()
      .nullable()
      .meta({ description: 'The stay followed (null: a stay to come, or a guest without stays).' }),
    anchors: z.object({ checkOut: instantOut(), checkIn: instantOrNull() }),
    mails: z.array(
      z
        .object({
          stepId: text(),
          template: text(),
          class: text(),
          condition: textOrNull(),
          dueAt: instantOut(),
          sendAt: instantOut(),
          localSendAt: text("`yyyy-MM-dd HH:mm` in the guest's zone."),
          localSendAtIso: text(),
          deferred: z.boolean().meta({ description: 'Held for its send window.' }),
          templateVersion: intOrNull(),
          subject: textOrNull(),
          text: textOrNull(),
          sampleVars: opaque('The sample values used.'),
          renderError: text().optional(),
        })
        .meta({ description: 'A mail the guest would get.' }),
    ),
    skipped: z.array(
      z
        .object({
          stepId: text(),
          template: text(),
          class: text(),
          condition: textOrNull(),
          dueAt: instantOut(),
          skip: text(),
          reason: text(
            '`condition_not_met: …`, `stay_too_old`, `no_marketing_consent`, `open_service_case`, `quiet_period`, `frequency_cap`, `exit_condition`.',
          ),
        })
        .meta({ description: 'A step that would not send.' }),
    ),
  },
);

const cadenceNotFound: ErrorCase = {
  status: 404,
  codes: ['cadence_not_found'],
  when: 'no cadence with this key',
};
const cadenceVersionNotFound: ErrorCase = {
  status: 404,
  codes: ['cadence_not_found', 'version_not_found'],
  when: 'no cadence with this key, or no such version of it',
};
const cadenceInvalid: ErrorCase = {
  status: 422,
  codes: ['cadence_invalid'],
  when: 'the steps are refused (domain/cadence.ts `validateSteps`): `details.field` the first problem, `details.issues` every one',
};

export const cadencesArea = area({
  tag: 'Cadences',
  description:
    'Follow-up cadences for marketers: versioned steps, publishing (follow-ups that start pin the current version), diffs, rollbacks, previews for a guest and moving running follow-ups. Unknown body fields are refused.',
  operations: {
    'GET /v1/cadences': {
      summary: 'Every cadence',
      answers: { 200: { description: 'The cadences.', schema: cadenceList } },
    },
    'GET /v1/cadences/:key': {
      summary: 'A cadence: its current steps and versions',
      params: keyParams,
      answers: { 200: { description: 'The cadence.', schema: cadence } },
      errors: [cadenceNotFound],
    },
    'GET /v1/cadences/:key/versions/:version': {
      summary: 'One version with its steps',
      params: versionParams,
      answers: { 200: { description: 'The version.', schema: cadenceVersion } },
      errors: [cadenceVersionNotFound],
    },
    'POST /v1/cadences/:key/versions': {
      summary: 'Save a draft',
      description:
        "`steps`: a list of steps (see the answer's step), checked by domain/cadence.ts `validateSteps`. Audited.",
      params: keyParams,
      body: { schema: cadenceDraftBody },
      answers: {
        201: { description: 'The draft (`basedOn`: the current version).', schema: cadenceVersion },
      },
      errors: [cadenceNotFound, cadenceInvalid],
    },
    'POST /v1/cadences/:key/versions/:version/publish': {
      summary: 'Publish a draft: follow-ups that start from now pin it',
      description:
        'Checked again. Publishing a published version again answers it (`Idempotent-Replayed: true`). Audited.',
      params: versionParams,
      answers: { 200: { description: 'The version, now current.', schema: cadenceVersion } },
      errors: [
        cadenceVersionNotFound,
        { status: 409, codes: ['superseded'], when: 'a draft older than the current version' },
        cadenceInvalid,
      ],
    },
    'GET /v1/cadences/:key/diff': {
      summary: 'Diff two versions',
      params: keyParams,
      query: diffQuery,
      answers: { 200: { description: 'The diff.', schema: diff } },
      errors: [cadenceVersionNotFound],
    },
    'POST /v1/cadences/:key/rollback': {
      summary: 'Publish a copy of an older version',
      description:
        'A copy of that published version becomes the new current version (`basedOn` it); when the current version is such a copy already (a retry): 200, `Idempotent-Replayed: true`. Audited.',
      params: keyParams,
      body: { schema: rollbackBody },
      answers: {
        201: { description: 'The new version.', schema: cadenceVersion },
        200: { description: 'The copy already current (a retry).', schema: cadenceVersion },
      },
      errors: [
        cadenceVersionNotFound,
        {
          status: 409,
          codes: ['already_current', 'not_published'],
          when: 'the version is the current one; a draft',
        },
      ],
    },
    'POST /v1/cadences/:key/preview': {
      summary: 'Preview the mails a guest would get',
      description:
        "The version (default the current one) planned for the guest by the follow-up's own planner: local send times, deferrals and skips with their reasons.",
      params: keyParams,
      body: { schema: cadencePreviewBody },
      answers: { 200: { description: 'The plan.', schema: preview } },
      errors: [
        {
          status: 404,
          codes: ['cadence_not_found', 'version_not_found', 'guest_not_found'],
          when: 'no such cadence, version or guest',
        },
        {
          status: 409,
          codes: ['no_published_version'],
          when: 'the cadence has no published version and none was given',
        },
      ],
    },
    'GET /v1/cadences/:key/dry-run': {
      summary: 'What a move would change',
      params: keyParams,
      query: dryRunQuery,
      answers: { 200: { description: 'The running follow-ups per version.', schema: dryRun } },
      errors: [cadenceVersionNotFound],
    },
    'GET /v1/cadences/:key/dry-run/steps': {
      summary: 'The dry run over the base: a version planned for every running follow-up',
      description:
        "Every follow-up running now (on any version; the first 2,000 by workflow id) planned as if it ran `version` (default: the current one; a draft too) from its own stay's check-out, on today's facts, by the preview's planner: per step, how many have done it, would send it and would skip it by reason. Nothing is written.",
      params: keyParams,
      query: basePlanQuery,
      answers: { 200: { description: 'The counts.', schema: basePlan } },
      errors: [
        cadenceVersionNotFound,
        { status: 409, codes: ['no_published_version'], when: 'no `version` and none published' },
      ],
    },
    'GET /v1/marketing/guests': {
      summary: 'Find a guest to preview a cadence or template for',
      description:
        'Part of a name (2 or more characters, any script) or a whole member number; at most 10, in name order. Only the id and the name: the staff search (`GET /v1/guests`) is not for marketers.',
      query: guestPickQuery,
      answers: { 200: { description: 'The guests.', schema: guestPick } },
    },
    'POST /v1/cadences/:key/moves': {
      summary: 'Move a batch of running follow-ups to another version',
      description:
        "The first `limit` follow-ups running on `fromVersion` get the follow-up's `moveFollowUp` Update (at most 8 at a time). The `Idempotency-Key` is the request's id: a retry asks the same follow-ups again under the same Update ids, never a second batch.",
      params: keyParams,
      idempotencyKey: true,
      body: { schema: movesBody },
      answers: { 200: { description: 'The batch.', schema: moveAnswer } },
      errors: [
        cadenceVersionNotFound,
        {
          status: 409,
          codes: ['not_published', 'idempotency_key_reused'],
          when: '`toVersion` is a draft; the `Idempotency-Key` was used for another body',
        },
      ],
    },
  },
});
