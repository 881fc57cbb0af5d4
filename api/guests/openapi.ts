/** `/v1/guests` in the OpenAPI document (api/openapi/document.ts): the schemas of api/guests/router.ts and staff.ts. */
import { z } from 'zod';
import type { PointsMovement, TierFloorResult } from '../../contracts/guest.js';
import {
  area,
  dateOut,
  fieldsOf,
  instantOrNull,
  instantOut,
  opaque,
  type ErrorCase,
} from '../openapi/spec.js';
import { params, searchQuery } from './router.js';
import type { findGuests, getGuest, guestWorkflow } from './service.js';
import { adjustmentBody, redemptionBody, tierFloorBody } from './staff.js';
import { timelineQuery, type TimelinePageAnswer } from './timeline.js';
import { reasonBody } from '../audited.js';
import { preferenceBody, preferenceParams, type preferenceView } from './preferences.js';

type Found = Awaited<ReturnType<typeof findGuests>>;
type GuestView = Awaited<ReturnType<typeof getGuest>>;
type LiveWorkflow = Awaited<ReturnType<typeof guestWorkflow>>;

const text = (description?: string) => z.string().meta(description ? { description } : {});
const textOrNull = (description?: string) => text(description).nullable();
const int = (description?: string) =>
  z
    .number()
    .int()
    .meta(description ? { description } : {});
const intOrNull = (description?: string) => int(description).nullable();
const decimal = (description: string) => z.string().meta({ description });

const found = fieldsOf<Found>()('The guests matching every given field, by name.', {
  guests: z.array(
    fieldsOf<Found['guests'][number]>()('A guest to pick from; `GET /v1/guests/{id}` has the rest.', {
      id: z.uuid(),
      pmsProfileId: text(),
      firstName: text(),
      lastName: text(),
      email: text(),
      phone: textOrNull(),
      memberNumber: textOrNull(),
      stage: text(),
      tier: text(),
      lastStayDate: dateOut("The last stay's departure.").nullable(),
      lastProperty: textOrNull('The hotel of the last stay.'),
      createdAt: instantOut(),
    }),
  ),
  limit: int('The limit applied.'),
  nextCursor: textOrNull('The `cursor` of the next page; null on the last.'),
});

const preference = fieldsOf<ReturnType<typeof preferenceView>>()('A preference or taboo in force.', {
  id: int(),
  kind: text('`preference` or `taboo`.'),
  category: text('`room`, `bed`, `pillow`, `food`, `allergy`, `amenity`, `service`, `other`.'),
  text: text(),
  source: text('`staff`, `pms`, `survey`, `import`.'),
  recordedBy: text("The key's name of whoever recorded it."),
  at: instantOut(),
});

const timelinePage = fieldsOf<TimelinePageAnswer>()('A page of the timeline.', {
  guestId: z.uuid(),
  limit: int(),
  next: z
    .object({
      deadlines: z.array(z.object({ kind: text(), at: instantOut() })),
      unavailable: textOrNull(
        'Why `deadlines` is empty: `workflow_not_found`, `workflow_not_running`, `state_query_failed`, `temporal_unavailable`.',
      ),
      plannedMails: z.array(
        opaque(
          'A mail planned: `source` `outbox` (`template`, `class`, `at`, `outboxId`, `held`) or `follow_up` (`template`, `class`, `at`, `dueAt`, `cadence`, `cadenceVersion`, `stepId`, `stayId`, `condition`).',
        ),
      ),
    })
    .nullable()
    .meta({ description: 'What happens next: on the first page only, else null.' }),
  entries: z.array(
    opaque(
      'An entry: `id` (stable: `ledger:12`), `at` (ISO instant), `kind` (`stage`, `tier`, `points`, `mail`, `case`, `pms_event`, `action`, `staff_request`) and the facts of its kind.',
    ),
  ),
  nextCursor: textOrNull('The `cursor` of the next page; null on the last.'),
});

const ACTION =
  "Audited with the key's name and the reason (`audit_log`, subject `guest:<id>`); the workflow sees only the audit row's id.";
const ACTION_UNCONFIRMED = {
  status: 503,
  codes: ['workflow_unavailable'],
  when: 'Temporal did not confirm in time (the audit row says `unconfirmed`)',
} as const;
const actionAnswer = (description: string) =>
  z.looseObject({ guestId: z.uuid(), auditId: int('The audit row.') }).meta({ description });

const liveWorkflow = fieldsOf<LiveWorkflow>()("The guest's workflow as Temporal has it now.", {
  guestId: z.uuid(),
  workflow: z
    .object({
      workflowId: text('`guest-<guestId>`.'),
      status: text("Temporal's status of the run (`RUNNING`, `CONTINUED_AS_NEW`, `TERMINATED`, …)."),
      state: opaque(
        'Its `state` query (contracts/guest.ts `GuestStateView`: stage, tier, stays, nights, pointsBalance, lastStay, pendingEvents, eventsHandled, lastError, nextDeadline…); null with `stateError` when no worker answers within 5 s.',
      ).nullable(),
      stateError: text().optional(),
    })
    .nullable()
    .meta({ description: "The guest's workflow, or null when it has none." }),
});

const guestView = fieldsOf<GuestView>()('The guest as Postgres records it: profile, standing and history.', {
  guest: fieldsOf<GuestView['guest']>()('The profile, membership and where the guest stands in Postgres.', {
    id: z.uuid(),
    source: text('Where the guest was first known (`pms`).'),
    pmsProfileId: text(),
    firstName: text(),
    lastName: text(),
    email: text(),
    locale: text('BCP 47; `zh…` gets Chinese mail, anything else English.'),
    timezone: text('IANA zone.'),
    phone: textOrNull(),
    birthday: dateOut().nullable(),
    marketingConsent: z.boolean(),
    memberNumber: textOrNull('`M` and nine digits, once enrolled.'),
    enrolledAt: instantOrNull(),
    enrolmentChannel: textOrNull('`front_desk`, `online`, or `stay` when a first stay enrolled the guest.'),
    referredByGuestId: z.uuid().nullable(),
    stage: text('`prospect`, `member`, `regular`, `vip`, `at_risk`, `lapsed`, `reactivated`, `churned`.'),
    tier: text('`member`, `silver`, `gold`, `diamond`.'),
    tierValidThrough: dateOut().nullable(),
    tierFloor: textOrNull('The lowest tier an admin set.'),
    createdAt: instantOut(),
    updatedAt: instantOut(),
  }),
  preferences: z.array(preference),
  staffActions: z.array(
    fieldsOf<GuestView['staffActions'][number]>()(
      "A staff action on the guest's workflows (cancel, win-back by hand, reload, restart), newest first.",
      {
        auditId: int(),
        action: text('`workflow.cancel`, `guest.win_back.start`, `guest.reload`, `guest.restart`.'),
        actor: text("The key's name."),
        at: instantOut(),
        reason: z.unknown().meta({ description: 'The reason staff gave.' }),
        type: z.unknown().meta({ description: 'The workflow type acted on.' }),
        workflowId: z.unknown().meta({ description: 'The workflow acted on.' }),
        runId: z.unknown().meta({ description: 'Its run.' }),
        outcome: opaque('`confirmed`, or `unconfirmed` when Temporal did not answer.')
          .or(z.string())
          .nullable(),
      },
    ),
  ),
  pointsBalance: int('The sum of the ledger.'),
  totals: z.object({ stays: int(), nights: int() }).meta({ description: 'Every stay and night so far.' }),
  tierProgress: fieldsOf<NonNullable<GuestView['tierProgress']>>()(
    "This calendar year's qualifying activity against the tier held and the next (domain/tiers.ts `tierProgress`; the thresholds of the rules version in force).",
    {
      year: int(),
      by: dateOut('The last day that counts (`YYYY-12-31`).'),
      activity: z.object({ stays: int(), nights: int(), basePoints: int() }),
      keep: z.object({ tier: text(), nights: int(), stays: int() }).nullable().meta({
        description: 'Nights or stays still missing to keep the tier held; null for a member or once kept.',
      }),
      kept: z.boolean().meta({ description: 'The tier held is earned again this year.' }),
      next: z.object({ tier: text(), nights: int(), stays: int() }).nullable().meta({
        description:
          'Nights or stays still missing to reach the tier above; null at Diamond or once reached.',
      }),
    },
  ).nullable(),
  workflowId: text(
    "`guest-<guestId>`: the guest's workflow; its live state is `GET /v1/guests/{id}/workflow`.",
  ),
  stays: z.array(
    fieldsOf<GuestView['stays'][number]>()('A stay, newest first.', {
      id: z.uuid(),
      pmsStayId: text(),
      propertyCode: text(),
      arrival: dateOut(),
      departure: dateOut(),
      nights: int(),
      roomRevenue: decimal('Amount as a decimal string.'),
      currency: text(),
      checkedOutAt: instantOut(),
      rulesVersion: intOrNull('The program rules version that decided it.'),
      earnFlag: textOrNull('`no_rate_for_currency` when it earned nothing for want of a rate, else null.'),
      revision: int('How many times the PMS amended it (`stay.amended`).'),
      cancelledAt: instantOrNull(
        'When the PMS cancelled it (`stay.cancelled`): kept, but no longer counted as a stay; else null.',
      ),
    }),
  ),
  staysAwaitingRate: z.array(
    fieldsOf<GuestView['staysAwaitingRate'][number]>()(
      'A stay still flagged `no_rate_for_currency`, oldest departure first: it waits for `POST /v1/admin/stays/re-earn`.',
      {
        stayId: z.uuid(),
        pmsStayId: text(),
        propertyCode: text(),
        departure: dateOut(),
        nights: int(),
        roomRevenue: decimal('Amount as a decimal string.'),
        currency: text(),
        rulesVersion: intOrNull(),
        earnFlag: textOrNull(),
      },
    ),
  ),
  ledger: z.array(
    fieldsOf<GuestView['ledger'][number]>()('A points movement, newest first.', {
      id: int(),
      points: int('Negative for a redemption or expiry.'),
      balanceAfter: int(),
      reason: text(),
      stayId: z.uuid().nullable(),
      source: textOrNull(),
      staffRequestId: z.uuid().nullable(),
      rulesVersion: intOrNull(),
      createdAt: instantOut(),
    }),
  ),
  inHouse: fieldsOf<NonNullable<GuestView['inHouse']>>()(
    'The stay the guest is checked in for (no check-out reported, expected departure not before today), or null.',
    {
      pmsStayId: text(),
      propertyCode: text(),
      arrival: dateOut(),
      expectedDeparture: dateOut(),
      checkedInAt: instantOut(),
    },
  ).nullable(),
  openCases: z.array(
    fieldsOf<GuestView['openCases'][number]>()(
      'A service case not closed (`open`, or `resolved` and waiting for the guest), newest first.',
      {
        id: z.uuid(),
        status: text(),
        source: text(),
        category: text(),
        priority: text(),
        propertyCode: text(),
        department: text(),
        slaState: text(),
        openedAt: instantOut(),
        resolvedAt: instantOrNull(),
      },
    ),
  ),
  mails: z.array(
    fieldsOf<GuestView['mails'][number]>()('A mail, sent or not.', {
      id: int(),
      template: text(),
      class: text('`transactional` or `marketing`.'),
      locale: text(),
      to: text(),
      subject: text(),
      messageId: text(),
      status: text('`pending`, `sent`, `suppressed`, `failed`.'),
      sendAt: instantOrNull(
        'The planned send time (later than `plannedAt` for a mail held for the send window); null when not planned or suppressed.',
      ),
      plannedAt: instantOrNull(),
      suppressionReason: textOrNull(
        'Why a suppressed mail did not go (`no_marketing_consent`, `frequency_cap: …`, …).',
      ),
      attempts: int(),
      createdAt: instantOut(),
      sentAt: instantOrNull(),
    }),
  ),
  bookings: z.array(
    fieldsOf<GuestView['bookings'][number]>()('A booking.', {
      id: z.uuid(),
      pmsBookingId: text(),
      propertyCode: text(),
      arrival: dateOut(),
      departure: dateOut(),
      offerCode: textOrNull(),
      status: text('`booked` or `cancelled`.'),
      createdAt: instantOut(),
      cancelledAt: instantOrNull(),
    }),
  ),
  tierHistory: z.array(
    fieldsOf<GuestView['tierHistory'][number]>()('A tier change, newest first.', {
      tier: text(),
      previousTier: textOrNull(),
      validFrom: dateOut(),
      validThrough: dateOut().nullable(),
      source: text(),
      reason: textOrNull(),
      rulesVersion: intOrNull(),
      at: instantOut(),
    }),
  ),
  stageHistory: z.array(
    fieldsOf<GuestView['stageHistory'][number]>()('A stage change, newest first.', {
      from: textOrNull(),
      to: text(),
      reason: text(),
      actor: text(),
      at: instantOut(),
    }),
  ),
});

const staffAnswer = (what: string, fields: z.ZodRawShape) =>
  z
    .object({
      requestId: z.uuid().meta({ description: "The request's id (the `Idempotency-Key`)." }),
      ...fields,
    })
    .meta({
      description: what,
    });

const movement = fieldsOf<PointsMovement>()('', {
  ledgerId: int('The ledger entry.'),
  points: int(),
  balanceAfter: int(),
}).shape;

const floor = fieldsOf<TierFloorResult>()('', {
  floor: text('The floor set.'),
  tier: text('The current tier, raised to the floor.'),
}).shape;

const notFound: ErrorCase = {
  status: 404,
  codes: ['guest_not_found'],
  when: 'no guest with this id (`details.field`: `id`)',
};

/** The refusals of a staff request (api/guests/staff.ts `REFUSALS`) and Temporal not answering. */
const staffRequestErrors = (refusals: ErrorCase[]): ErrorCase[] => [
  notFound,
  {
    status: 409,
    codes: ['idempotency_key_reused'],
    when: 'the `Idempotency-Key` was used for another guest, endpoint or body',
  },
  ...refusals,
  {
    status: 503,
    codes: ['workflow_unavailable'],
    when: "the guest's workflow did not confirm within 10 s: the request stays pending; retry it with the same `Idempotency-Key`",
  },
];

const STAFF_REQUEST =
  "Answered by the guest's workflow (a Temporal Update with a synchronous validator): the answer is the validated result, and a refused request writes nothing. The text (note, reason) stays in Postgres.";

export const guestsArea = area({
  tag: 'Guests',
  description: 'Finding a guest, looking at one, and the staff requests on a guest (points, tier floor).',
  operations: {
    'GET /v1/guests': {
      summary: 'Find guests',
      description:
        'Give at least one of `email` (exact, any case), `memberNumber`, `pmsProfileId`, `phone` (exact), `name` (part of the first or last name, at least 2 characters); every one given must match. A parameter not listed here is a 400 naming it; none given is a 400 naming `(query)`.',
      query: searchQuery,
      answers: { 200: { description: 'The matching guests.', schema: found } },
    },
    'GET /v1/guests/:id': {
      summary: 'One guest: profile, standing, stays, ledger, mails, cases, history',
      description:
        "From Postgres alone, the record: it answers while Temporal is away. The workflow's live state is `GET /v1/guests/{id}/workflow`.",
      params,
      answers: { 200: { description: 'The guest.', schema: guestView } },
      errors: [notFound],
    },
    'GET /v1/guests/:id/workflow': {
      summary: "The guest's workflow now: status and state query",
      description:
        "Asks Temporal (`describe`, then the `state` query, 5 s at most for a worker's answer). `GET /v1/workflows/{id}` has the run in full: pending activities, children, the last events.",
      params,
      answers: { 200: { description: "The guest's workflow, or `workflow: null`.", schema: liveWorkflow } },
      errors: [notFound, { status: 503, codes: ['temporal_unavailable'], when: 'Temporal did not answer' }],
    },
    'POST /v1/guests/:id/points/redemptions': {
      summary: 'Redeem points',
      description: STAFF_REQUEST,
      params,
      idempotencyKey: true,
      body: { schema: redemptionBody },
      answers: {
        200: {
          description: 'Redeemed (`points` negative).',
          schema: staffAnswer('The ledger entry.', movement),
        },
      },
      errors: staffRequestErrors([
        { status: 409, codes: ['insufficient_points'], when: 'the balance is below `points`' },
        { status: 422, codes: ['below_minimum'], when: "below the program's minimum redemption" },
      ]),
    },
    'POST /v1/guests/:id/points/adjustments': {
      summary: 'Adjust points by hand',
      description: STAFF_REQUEST,
      params,
      idempotencyKey: true,
      body: { schema: adjustmentBody },
      answers: { 200: { description: 'Adjusted.', schema: staffAnswer('The ledger entry.', movement) } },
      errors: staffRequestErrors([
        { status: 409, codes: ['insufficient_points'], when: 'a negative adjustment below the balance' },
        { status: 422, codes: ['invalid_amount'], when: "refused by the workflow's validator" },
      ]),
    },
    'POST /v1/guests/:id/tier-floor': {
      summary: 'Set a tier floor',
      description: `${STAFF_REQUEST} The guest's tier is raised to the floor at once when below it.`,
      params,
      idempotencyKey: true,
      body: { schema: tierFloorBody },
      answers: {
        200: { description: 'The floor is set.', schema: staffAnswer('The floor and the tier.', floor) },
      },
      errors: staffRequestErrors([
        { status: 422, codes: ['unknown_tier'], when: 'not a tier of the program' },
      ]),
    },
    'GET /v1/guests/:id/timeline': {
      summary: "The guest's timeline: every decision, newest first, and what happens next",
      description:
        "Stage and tier changes with their reasons, points with reason and source, mails (sent, held until a time, suppressed with the reason, failed), case steps, PMS events, audited staff actions with the key's name, staff requests still waiting. Facts only, never an address. The first page (no `cursor`) also has `next`: the workflow's dated deadlines and the mails planned (docs/api.md lists every entry kind).",
      params,
      query: timelineQuery,
      answers: { 200: { description: 'A page of the timeline.', schema: timelinePage } },
      errors: [{ status: 404, codes: ['guest_not_found'], when: 'no guest with this id' }],
    },
    'POST /v1/guests/:id/win-back': {
      summary: 'Start a win-back by hand for a lapsed guest',
      description: `${ACTION} Through the guest's workflow (Update \`startWinBack\`).`,
      params,
      body: { schema: reasonBody },
      answers: { 200: { description: 'Started.', schema: actionAnswer('The win-back started.') } },
      errors: [
        { status: 404, codes: ['guest_not_found'], when: 'no guest with this id' },
        {
          status: 409,
          codes: ['not_lapsed', 'win_back_running'],
          when: 'the guest is not lapsed, or a win-back runs',
        },
        ACTION_UNCONFIRMED,
      ],
    },
    'POST /v1/guests/:id/reload': {
      summary: "Reload the guest's workflow from the record",
      description: `${ACTION} The workflow reads tier, stage, balance and the rest from Postgres again and republishes its search attributes (Update \`reloadGuest\`).`,
      params,
      body: { schema: reasonBody },
      answers: {
        200: { description: 'Reloaded.', schema: actionAnswer('What the workflow now holds (`holds`).') },
      },
      errors: [
        { status: 404, codes: ['guest_not_found'], when: 'no guest with this id' },
        ACTION_UNCONFIRMED,
      ],
    },
    'POST /v1/guests/:id/restart': {
      summary: "Terminate and restart the guest's run",
      description: `${ACTION} The fresh run loads tier, stage and balance from Postgres (the record); with no run running it just starts one.`,
      params,
      body: { schema: reasonBody },
      answers: {
        200: { description: 'Restarted.', schema: actionAnswer('The new run (`runId`, `previousRunId`).') },
      },
      errors: [
        { status: 404, codes: ['guest_not_found'], when: 'no guest with this id' },
        ACTION_UNCONFIRMED,
      ],
    },
    'POST /v1/guests/:id/preferences': {
      summary: 'Record a preference or taboo',
      description: "Recorded with source `staff` and the key's name; audited (`guest.preference.add`).",
      params,
      body: { schema: preferenceBody },
      answers: { 201: { description: 'Recorded.', schema: z.object({ preference }) } },
      errors: [{ status: 404, codes: ['guest_not_found'], when: 'no guest with this id' }],
    },
    'POST /v1/guests/:id/preferences/:preferenceId/remove': {
      summary: 'Remove a preference or taboo',
      description: "Marked removed with the key's name (the row stays); audited (`guest.preference.remove`).",
      params: preferenceParams,
      answers: { 200: { description: 'Removed.', schema: z.object({ removed: int() }) } },
      errors: [
        {
          status: 404,
          codes: ['guest_not_found', 'preference_not_found'],
          when: 'no such guest, or no such fact of the guest in force',
        },
      ],
    },
  },
});
