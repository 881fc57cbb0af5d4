/** A guest's privacy in the OpenAPI document (api/openapi/document.ts): the schemas of api/privacy/router.ts. */
import { z } from 'zod';
import { reasonBody } from '../audited.js';
import { params } from '../guests/router.js';
import { area, fieldsOf, instantOrNull, instantOut, opaque } from '../openapi/spec.js';
import type { consentHistory, ErasureAnswer } from './service.js';

type Consents = Awaited<ReturnType<typeof consentHistory>>;
type Change = Consents['changes'][number];

const text = (description?: string) => z.string().meta(description ? { description } : {});

const change = fieldsOf<Change>()('One change of marketing consent.', {
  id: z.number().int(),
  from: z.boolean().nullable().meta({ description: 'Before; null for a first recorded value (`backfill`).' }),
  to: z.boolean(),
  source: text('`backfill`, `pms`, `unsubscribe_link`, `staff`, `import` or `erasure`.'),
  actor: text("The API key's name, `pms:event:<id>`, `guest:link`.").nullable(),
  eventId: text('The PMS event, link message or audit entry (`audit:<id>`) that carried it.').nullable(),
  at: instantOut(),
});

const consents = fieldsOf<Consents>()("The guest's marketing consent and its history, oldest first.", {
  guestId: z.uuid(),
  marketingConsent: z.boolean(),
  erasedAt: instantOrNull('When the guest was erased, or null.'),
  changes: z.array(change),
});

const erasure = fieldsOf<ErasureAnswer>()('The erasure.', {
  guestId: z.uuid(),
  erasedAt: instantOut("The first erasure's time (a repeat answers the same)."),
  alreadyErased: z.boolean(),
  auditId: z.number().int().meta({ description: 'The audit entry (`guest.erased`).' }),
});

const notFound = { status: 404, codes: ['guest_not_found'], when: 'no guest with this id' } as const;

export const privacyArea = area({
  tag: 'Privacy',
  description: "A guest's consent history, what is held about them, and their erasure (docs/privacy.md).",
  operations: {
    'GET /v1/guests/:id/consents': {
      summary: "The guest's marketing consent history",
      description:
        'Every change with its source, actor and time, written with the change (PMS profile, unsubscribe link, import, erasure); `backfill`: the value found when the history began.',
      params,
      answers: { 200: { description: 'The history.', schema: consents } },
      errors: [notFound],
    },
    'GET /v1/guests/:id/export': {
      summary: 'Everything held about the guest (a data subject access request)',
      description:
        'As JSON: `profile`, `stays`, `checkins`, `bookings`, `ledger`, `tierHistory`, `stageHistory`, `consents`, `surveyAnswers`, `preferences`, `coupons`, `followUps`, `staffRequests`, `campaignRecipients`, `pmsEvents` (the raw bodies), `mails` (outbox rows with their facts), `cases` (with `notes`, `requests`, `compensations`), `audit` (entries about the guest and its cases), and any other table with a `guest_id`. Audited (`guest.exported`: who, when, counts of rows).',
      params,
      answers: {
        200: {
          description: 'The export (`Content-Disposition: attachment`).',
          schema: opaque('Sections of rows as Postgres holds them, snake_case columns.'),
        },
      },
      errors: [notFound],
    },
    'POST /v1/guests/:id/erasure': {
      summary: "Erase the guest's personal data",
      description:
        "One transaction: profile and contact, mails' addresses and bodies, free text of cases, notes and survey comments, preferences, PMS raw bodies and audit details; stays and ledger stay, anonymised. Marketing stops (consent row `erasure`, mails waiting withdrawn, the mail policy refuses `guest_erased`). The guest's workflow is told (`guest.erased`) and forgets. Audited (`guest.erased`: who, when, the reason without the guest's values). A repeat answers 200 with the first erasure's time.",
      params,
      body: { schema: reasonBody },
      answers: { 200: { description: 'Erased.', schema: erasure } },
      errors: [
        notFound,
        {
          status: 503,
          codes: ['workflow_unavailable'],
          when: "Temporal did not take the workflow's message (the rows are erased; repeat to tell it)",
        },
      ],
    },
  },
});
