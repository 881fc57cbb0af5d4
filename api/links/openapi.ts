/** `/v1/links/*` in the OpenAPI document (api/openapi/document.ts): the answers of api/links/schema.ts. */
import { z } from 'zod';
import { area, instantOut, type ErrorCase, type OperationSpec } from '../openapi/spec.js';
import { reportAnswer, satisfactionAnswer, surveyAnswer, TOKEN, whyAnswer } from './schema.js';

/** The router checks `:token` against TOKEN before anything else (api/links/router.ts). */
const params = z.object({
  token: z.string().regex(TOKEN).meta({
    description:
      'The signed, expiring token of the link in the mail (lib/links.ts): base64url JSON, a dot, its HMAC.',
  }),
});

/** RFC 8058 one-click: expected but not required (the token is the authority). */
const oneClick = z
  .object({ 'List-Unsubscribe': z.literal('One-Click').optional() })
  .meta({ description: '`List-Unsubscribe=One-Click` (RFC 8058), form-encoded; not required.' });

const expiresAt = instantOut('When the link expires.');

const unavailable: ErrorCase = {
  status: 503,
  codes: ['workflow_unavailable'],
  when: 'the answer is recorded but Temporal did not take it: sending it again hands it on',
};

const PAGE =
  "A browser gets a small HTML page in the guest's language (no JavaScript, `Cache-Control: no-store`, `noindex`); JSON for `Accept: application/json`.";

/** GET: the page (or JSON), writes nothing. */
const question = (summary: string, json: z.ZodType): OperationSpec => ({
  summary,
  description: `${PAGE} Writes nothing.`,
  params,
  answers: { 200: { description: 'The page.', html: true, schema: json } },
});

/** POST: an answer, form-encoded or JSON. */
const answer = (
  summary: string,
  description: string,
  body: z.ZodType,
  json: z.ZodType,
  errors: ErrorCase[] = [unavailable],
): OperationSpec => ({
  summary,
  description: `${description} ${PAGE} An invalid answer is a 400 naming the field (the form again, the field marked) and writes nothing.`,
  params,
  body: { schema: body, form: true, required: false },
  answers: { 200: { description: 'Thank-you page.', html: true, schema: json } },
  errors,
});

export const linksArea = area({
  tag: 'Links in mails',
  description:
    'The pages behind the links in mails: no API key, the signed, expiring token in the path is the authority. HTML for browsers, JSON for clients asking for it.',
  operations: {
    'GET /v1/links/why/:token': question(
      '"May we ask why?" (churn reason)',
      z.object({
        purpose: z.literal('why'),
        reasons: z.string().array(),
        current: z.string().nullable(),
        expiresAt,
      }),
    ),
    'POST /v1/links/why/:token': answer(
      'Give the churn reason',
      "Stored on the guest (replacing an earlier answer), audited, and handed to the guest's workflow.",
      whyAnswer,
      z.object({ reason: z.string(), recordedAt: instantOut() }),
    ),
    'GET /v1/links/unsubscribe/:token': question(
      'Unsubscribe page (one button that POSTs)',
      z.object({ purpose: z.literal('unsubscribe'), marketingConsent: z.boolean(), expiresAt }),
    ),
    'POST /v1/links/unsubscribe/:token': {
      summary: 'Unsubscribe from marketing mail (RFC 8058 one-click)',
      description: `Marketing consent off at once, pending marketing mails suppressed, audited, the guest's workflow told. A repeat answers 200 with \`changed: false\` and writes nothing. ${PAGE}`,
      params,
      body: { schema: oneClick, form: 'only', required: false },
      answers: {
        200: {
          description: 'Unsubscribed.',
          html: true,
          schema: z.object({ marketingConsent: z.literal(false), changed: z.boolean() }),
        },
      },
    },
    'GET /v1/links/survey/:token': question(
      'The post-stay survey',
      z.object({
        purpose: z.literal('survey'),
        answered: z.boolean(),
        current: z
          .object({
            score: z.number().int(),
            wouldReturn: z.string(),
            recommend: z.number().int().nullable(),
          })
          .nullable()
          .meta({ description: 'The answer in force (never its comment).' }),
        expiresAt,
      }),
    ),
    'POST /v1/links/survey/:token': answer(
      'Answer the survey',
      'One answer per stay; a different one replaces it, the same one writes nothing. The guest\'s workflow gets the score and "would return" (a low one opens a service case).',
      surveyAnswer,
      z.object({
        stayId: z.uuid(),
        answers: z.number().int(),
        changed: z.boolean(),
        answeredAt: instantOut(),
      }),
    ),
    'GET /v1/links/report/:token': question(
      '"Tell us what is wrong" during a stay',
      z.object({ purpose: z.literal('in_stay_report'), categories: z.string().array(), expiresAt }),
    ),
    'POST /v1/links/report/:token': {
      ...answer(
        'Report a problem during the stay',
        'Opens a service case (source `in_stay`, priority `high`) as `POST /v1/cases` does; the same report again is the same case (JSON 200, `replayed: true`), a different one another (201), at most 5 per link.',
        reportAnswer,
        z.object({ caseId: z.uuid(), replayed: z.boolean() }),
        [
          { status: 429, codes: ['too_many_reports'], when: 'five reports made with this link already' },
          unavailable,
        ],
      ),
      answers: {
        200: {
          description: 'Thank-you page; JSON: the same report again.',
          html: true,
          schema: z.object({ caseId: z.uuid(), replayed: z.literal(true) }),
        },
        201: {
          description: 'JSON: a case opened.',
          schema: z.object({ caseId: z.uuid(), replayed: z.literal(false) }),
        },
      },
    },
    'GET /v1/links/satisfaction/:token': question(
      '"Are you satisfied with how we resolved it?"',
      z.object({
        purpose: z.literal('satisfaction'),
        awaitingAnswer: z.boolean(),
        satisfied: z.boolean(),
        expiresAt,
      }),
    ),
    'POST /v1/links/satisfaction/:token': answer(
      "Answer the case's satisfaction check",
      'Submitted as `POST /v1/cases/{id}/satisfaction`: satisfied closes the case, not reopens it. The same answer again replays.',
      satisfactionAnswer,
      z.object({ caseId: z.uuid(), satisfied: z.boolean(), status: z.string(), replayed: z.boolean() }),
      [
        { status: 409, codes: ['already_answered'], when: 'the case is not waiting for an answer' },
        { ...unavailable, when: "the case's workflow did not confirm within 10 s: send it again" },
      ],
    ),
  },
});
