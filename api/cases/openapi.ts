/** `/v1/cases` in the OpenAPI document (api/openapi/document.ts): the schemas of api/cases/schema.ts. */
import { z } from 'zod';
import type { CaseStepResult } from '../../contracts/case.js';
import { area, fieldsOf, instantOrNull, instantOut, opaque, type ErrorCase } from '../openapi/spec.js';
import {
  approvalBody,
  assignBody,
  caseParams,
  compensationBody,
  compensationParams,
  listQuery,
  noteBody,
  openCaseBody,
  resolveBody,
  satisfactionBody,
} from './schema.js';
import type { caseSummary, getCase, listCases } from './service.js';

type Summary = ReturnType<typeof caseSummary>;
type Detail = Awaited<ReturnType<typeof getCase>>;

const text = (description?: string) => z.string().meta(description ? { description } : {});
const textOrNull = (description?: string) => text(description).nullable();

const summaryShape = fieldsOf<Summary>()('', {
  id: z.uuid(),
  guestId: z.uuid(),
  workflowId: text('`guest-<guestId>-case-<caseId>`.'),
  status: text('`open` (also after a reopening) → `resolved` (waiting for the guest) → `closed`.'),
  source: text(),
  category: text(),
  cause: textOrNull(),
  priority: text(),
  propertyCode: text(),
  department: text(),
  owner: text('Who received it: its owner until it is solved.'),
  assignee: textOrNull(),
  openedAt: instantOut(),
  acknowledgedAt: instantOrNull(),
  slaState: text('`on_track`, `duty_manager`, `general_manager`: the highest escalation so far.'),
  escalatedAt: instantOrNull(),
  resolvedAt: instantOrNull(),
  resolutions: z.number().int(),
  costBucket: textOrNull(
    '1:10:100: `same_day`, `next_day`, `later` (local days from opening to the latest resolution).',
  ),
  satisfied: z.boolean().nullable(),
  reopened: z.number().int(),
  closedAt: instantOrNull(),
}).shape;

const caseAnswer = z.object(summaryShape).meta({ description: 'A service case.' });

const list = fieldsOf<Awaited<ReturnType<typeof listCases>>>()('Cases, newest first.', {
  cases: z.array(caseAnswer),
  next: textOrNull('The `before` of the next page, or null.'),
});

const detail = fieldsOf<Detail>()('The case with its notes, compensations, audit trail and live state.', {
  case: z
    .object({
      ...summaryShape,
      description: textOrNull("The guest's words."),
      resolution: textOrNull(),
      stayId: z.uuid().nullable(),
      surveyScore: z.number().int().nullable(),
    })
    .meta({ description: 'The case.' }),
  notes: z.array(
    fieldsOf<Detail['notes'][number]>()('A note.', {
      id: z.number().int(),
      author: text(),
      text: text(),
      at: instantOut(),
    }),
  ),
  compensations: z.array(
    fieldsOf<Detail['compensations'][number]>()('A compensation.', {
      id: z.uuid(),
      kind: text('`points`, `refund`, `upgrade_voucher`.'),
      amount: text('Decimal string.'),
      currency: text(),
      value: text('The amount in `limitCurrency`, as compared with the limits.'),
      limitCurrency: text(),
      points: z.number().int().nullable(),
      status: text('`granted` or `awaiting_approval`.'),
      requestedBy: text(),
      approvedBy: textOrNull(),
      ledgerId: z.number().int().nullable(),
      requestedAt: instantOut(),
      grantedAt: instantOrNull(),
    }),
  ),
  audit: z.array(
    fieldsOf<Detail['audit'][number]>()('An audit entry.', {
      actor: text(),
      action: text(),
      after: opaque('What the action wrote.').nullable(),
      at: instantOut(),
    }),
  ),
  workflow: z
    .object({
      workflowId: text(),
      state: opaque(
        'Its `caseState` query (status, agenda, `nextDeadline`, compensations waiting); null when no worker answers within 3 s.',
      ).nullable(),
    })
    .nullable()
    .meta({ description: "The case's workflow while the case is not closed, else null." }),
});

const stepResult = fieldsOf<CaseStepResult>()('', {
  status: text("The case's status after the request."),
  compensation: z
    .object({
      compensationId: z.uuid(),
      status: text('`granted` or `awaiting_approval`.'),
      valueCents: z.number().int(),
      ledgerId: z.number().int().nullable(),
      points: z.number().int().nullable().optional(),
    })
    .optional()
    .meta({ description: 'A compensation requested or approved.' }),
  costBucket: text('A resolution: `same_day`, `next_day`, `later`.').optional(),
}).shape;

const requestAnswer = z
  .object({
    requestId: z.uuid().meta({ description: "The request's id (the `Idempotency-Key`)." }),
    ...stepResult,
  })
  .meta({ description: "The case's workflow's answer." });

const caseNotFound: ErrorCase = {
  status: 404,
  codes: ['case_not_found'],
  when: 'no case with this id (`details.field`: `id`)',
};

const requestErrors = (more: ErrorCase[] = []): ErrorCase[] => [
  caseNotFound,
  {
    status: 409,
    codes: ['idempotency_key_reused'],
    when: 'the `Idempotency-Key` was used for another case, endpoint or body',
  },
  { status: 409, codes: ['case_closed'], when: 'the case is closed' },
  ...more,
  {
    status: 503,
    codes: ['workflow_unavailable'],
    when: "the case's workflow did not confirm within 10 s: the request stays pending; retry with the same `Idempotency-Key`",
  },
];

const REQUEST =
  "Answered by the case's workflow (a Temporal Update with a synchronous validator; started with it if it does not run yet); a refused request writes nothing. The words stay in Postgres.";

const stepAnswer = (description: string) => ({ 200: { description, schema: requestAnswer } });

export const casesArea = area({
  tag: 'Cases',
  description: "Service cases: complaints and their recovery, from opening to the guest's satisfaction.",
  operations: {
    'POST /v1/cases': {
      summary: 'Open a case',
      description:
        "Recorded and audited; the guest's workflow is told (`case.opened`): it flags the guest at risk and starts the case's workflow. The `Idempotency-Key` is the case's id.",
      idempotencyKey: true,
      body: { schema: openCaseBody },
      answers: {
        201: { description: 'Opened.', schema: caseAnswer },
        200: {
          description: 'A repeat with the same key and body (`Idempotent-Replayed: true`).',
          schema: caseAnswer,
        },
      },
      errors: [
        { status: 404, codes: ['guest_not_found'], when: 'no guest with `guestId`' },
        { status: 409, codes: ['idempotency_key_reused'], when: 'the `Idempotency-Key` opened another case' },
        { status: 422, codes: ['stay_not_found'], when: "`stayId` is not one of the guest's stays" },
        {
          status: 503,
          codes: ['workflow_unavailable'],
          when: "the case is recorded but the guest's workflow was not told: retry with the same `Idempotency-Key`",
        },
      ],
    },
    'GET /v1/cases': {
      summary: 'List cases',
      description:
        'Newest first by `openedAt`; every filter optional; `before` is the `next` of the page before.',
      query: listQuery,
      answers: { 200: { description: 'A page of cases.', schema: list } },
    },
    'GET /v1/cases/:id': {
      summary: 'One case with notes, compensations, audit trail and live state',
      params: caseParams,
      answers: { 200: { description: 'The case.', schema: detail } },
      errors: [caseNotFound],
    },
    'POST /v1/cases/:id/assign': {
      summary: 'Assign the case',
      description: `${REQUEST} The receiver stays its owner.`,
      params: caseParams,
      idempotencyKey: true,
      body: { schema: assignBody },
      answers: stepAnswer('Assigned.'),
      errors: requestErrors(),
    },
    'POST /v1/cases/:id/notes': {
      summary: 'Add a note',
      description: REQUEST,
      params: caseParams,
      idempotencyKey: true,
      body: { schema: noteBody },
      answers: stepAnswer('Noted.'),
      errors: requestErrors(),
    },
    'POST /v1/cases/:id/compensations': {
      summary: 'Compensate the guest',
      description: `${REQUEST} Granted at once up to the frontline limit (points: a ledger entry), else waiting for a manager's approval. The amount is converted to the limit's currency by the program rules in force.`,
      params: caseParams,
      idempotencyKey: true,
      body: { schema: compensationBody },
      answers: stepAnswer('Granted or awaiting approval (`compensation.status`).'),
      errors: requestErrors([
        {
          status: 422,
          codes: ['above_manager_limit', 'unknown_currency'],
          when: 'above what a manager may approve; no rate for the currency',
        },
      ]),
    },
    'POST /v1/cases/:id/compensations/:compensationId/approve': {
      summary: 'Approve a compensation waiting for a manager',
      description: REQUEST,
      params: compensationParams,
      idempotencyKey: true,
      body: { schema: approvalBody, required: false },
      answers: stepAnswer('Granted.'),
      errors: requestErrors([
        {
          status: 404,
          codes: ['compensation_not_found'],
          when: 'no such compensation on the case (`details.field`: `compensationId`)',
        },
        {
          status: 409,
          codes: ['compensation_not_pending'],
          when: 'the compensation is not waiting for approval',
        },
        { status: 422, codes: ['above_manager_limit'], when: 'above what a manager may approve' },
      ]),
    },
    'POST /v1/cases/:id/resolve': {
      summary: 'Resolve the case',
      description: `${REQUEST} The resolution mail goes to the guest; the satisfaction check 3 days later.`,
      params: caseParams,
      idempotencyKey: true,
      body: { schema: resolveBody },
      answers: stepAnswer('Resolved (`status: resolved`, `costBucket`).'),
      errors: requestErrors([
        {
          status: 409,
          codes: ['case_not_open', 'compensation_awaiting_approval'],
          when: 'the case is resolved already; a compensation waits for approval',
        },
      ]),
    },
    'POST /v1/cases/:id/satisfaction': {
      summary: "Record the guest's satisfaction",
      description: `${REQUEST} Satisfied: the case closes; not: it opens again (\`reopened\` + 1).`,
      params: caseParams,
      idempotencyKey: true,
      body: { schema: satisfactionBody },
      answers: stepAnswer('Closed or reopened.'),
      errors: requestErrors([
        {
          status: 409,
          codes: ['not_awaiting_satisfaction'],
          when: 'the case is not resolved and waiting for the answer',
        },
      ]),
    },
  },
});
