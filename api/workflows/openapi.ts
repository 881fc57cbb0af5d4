/** `/v1/workflows` in the OpenAPI document (api/openapi/document.ts): the schemas of api/workflows/schema.ts. */
import { z } from 'zod';
import { area, fieldsOf, instantOrNull, opaque } from '../openapi/spec.js';
import { listQuery, workflowIdParam } from './schema.js';
import type { CancelAnswer, listWorkflows, withGuests, WorkflowDetail, WorkflowSummary } from './service.js';
import { reasonBody } from '../audited.js';

/** A workflow as the router sends it: with the guest it belongs to (api/workflows/service.ts `withGuests`). */
type Named = Awaited<ReturnType<typeof withGuests<{ workflows: WorkflowSummary[] }>>>['workflows'][number];

const text = (description?: string) => z.string().meta(description ? { description } : {});

/** The router validates `:id` with `workflowIdParam` (api/workflows/router.ts). */
const params = z.object({ id: workflowIdParam });

const summaryShape = fieldsOf<Named>()('', {
  workflowId: text(),
  runId: text(),
  type: text(
    '`guestLifecycle`, `postStayFollowUp`, `inStayCare`, `tierReview`, `winBack`, `serviceRecovery`, `pmsEventSweeper`.',
  ),
  status: text('`Running`, `Completed`, `Failed`, `Canceled`, `Terminated`, `ContinuedAsNew`, `TimedOut`.'),
  startedAt: instantOrNull(),
  closedAt: instantOrNull(),
  guest: z
    .object({
      stage: text().nullable(),
      tier: text().nullable(),
      lastProperty: text().nullable(),
      openCases: z.number().int().nullable(),
    })
    .nullable()
    .meta({
      description:
        "The guest's search attributes; null for a workflow that is not a guest's, or a guest's run that has not published them yet.",
    }),
  guestId: z
    .uuid()
    .nullable()
    .meta({ description: 'The guest whose workflow it is (`guest-<id>…`), else null.' }),
  guestName: z
    .object({ firstName: text(), lastName: text() })
    .nullable()
    .meta({ description: "The guest's name from Postgres (Temporal holds ids only), else null." }),
}).shape;

const list = fieldsOf<Awaited<ReturnType<typeof withGuests<Awaited<ReturnType<typeof listWorkflows>>>>>>()(
  'A page of workflows, newest first.',
  {
    workflows: z.array(z.object(summaryShape).meta({ description: 'A workflow.' })),
    nextCursor: text('The `cursor` of the next page, or null.').nullable(),
    query: text('The visibility query the filters made.'),
  },
);

const detail = fieldsOf<WorkflowDetail & Omit<Named, keyof WorkflowSummary>>()(
  'One workflow, its latest run.',
  {
    ...summaryShape,
    state: opaque(
      'What its state query answers while it runs (`state` of a guest, `followUpState` of a follow-up, `caseState` of a case), else null.',
    ).nullable(),
    nextDeadlines: z
      .array(z.object({ kind: text(), at: text() }))
      .meta({ description: 'The dated deadlines of its agenda, soonest first.' }),
    pendingActivities: z.array(z.object({ activityType: text(), attempt: z.number().int(), state: text() })),
    pendingChildren: z.array(z.object({ workflowId: text(), type: text() })),
    lastEvents: z
      .array(z.object({ eventId: z.number().int(), type: text('`TimerStarted`, …'), at: instantOrNull() }))
      .meta({ description: "The run's newest 20 events, newest first." }),
    webUiUrl: text('The same run in the Temporal Web UI (`TEMPORAL_UI_URL`).').nullable(),
  },
);

const unavailable = {
  status: 503,
  codes: ['temporal_unavailable'],
  when: 'Temporal does not answer',
} as const;

export const workflowsArea = area({
  tag: 'Workflows',
  description:
    "The engine's workflows as Temporal's visibility has them, filtered by the guest's search attributes.",
  operations: {
    'GET /v1/workflows': {
      summary: 'List workflows',
      description: 'A page at a time, newest first; a parameter not listed here is a 400 naming it.',
      query: listQuery,
      answers: { 200: { description: 'A page of workflows.', schema: list } },
      errors: [unavailable],
    },
    'POST /v1/workflows/:id/cancel': {
      summary: 'Cancel a win-back or a post-stay follow-up, with a reason',
      description:
        "Audited with the key's name and the reason (`workflow.cancel`). A win-back is let go of through the guest's workflow (Update `cancelWinBack`), which withdraws its held offer; a follow-up withdraws its held mail and marks its row `cancelled`.",
      params,
      body: { schema: reasonBody },
      answers: {
        200: {
          description: 'Cancelled.',
          schema: fieldsOf<CancelAnswer>()('The workflow after the cancel.', {
            workflowId: text(),
            runId: text(),
            type: text('`winBack` or `postStayFollowUp`.'),
            guestId: z.uuid().nullable(),
            heldByGuest: z.boolean().nullable().meta({
              description: "A win-back: whether the guest's workflow held it (else cancelled directly).",
            }),
            status: text('Its status once closed (up to 5 s): `Completed`, `Canceled`, or `Running`.'),
            auditId: z.number().int(),
          }),
        },
      },
      errors: [
        { status: 404, codes: ['workflow_not_found'], when: 'no workflow with this id' },
        {
          status: 409,
          codes: ['not_cancellable', 'not_running'],
          when: 'a type staff may not cancel (`details.cancellable`), or a run already closed (`details.status`)',
        },
        unavailable,
      ],
    },
    'GET /v1/workflows/:id': {
      summary: 'One workflow: state, deadlines, pending work, last events',
      description:
        'By its id (`guest-<guestId>`, `guest-<guestId>-stay-<stayId>-follow-up`, `guest-<guestId>-case-<caseId>`, …).',
      params,
      answers: { 200: { description: 'The workflow.', schema: detail } },
      errors: [{ status: 404, codes: ['workflow_not_found'], when: 'no workflow with this id' }, unavailable],
    },
  },
});
