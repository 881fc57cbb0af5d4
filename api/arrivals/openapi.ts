/** `/v1/arrivals` in the OpenAPI document (api/openapi/document.ts): the schema of api/arrivals/router.ts. */
import { z } from 'zod';
import { area, fieldsOf, opaque } from '../openapi/spec.js';
import { arrivalsQuery } from './router.js';
import type { listArrivals } from './service.js';

type Answer = Awaited<ReturnType<typeof listArrivals>>;
type Arrival = Answer['arrivals'][number];

const text = (description?: string) => z.string().meta(description ? { description } : {});

const arrival = fieldsOf<Arrival>()("An arriving guest's brief.", {
  guest: opaque('`id`, `firstName`, `lastName`, `memberNumber`, `language`, `marketingConsent`, `stage`.'),
  booking: opaque('`id`, `pmsBookingId`, `arrival`, `departure`, `nights`, `offerCode`, `bookedAt`.'),
  tier: opaque(
    '`name`, `validThrough`, `rulesVersion`, `benefits`: codes of what the tier gives (domain/tier-benefits.ts; `bonus_points` with its `percent`, `room_upgrade` with `upTo`, …).',
  ),
  stays: opaque('`count` so far and the `last` (`propertyCode`, `arrival`, `departure`) or null.'),
  openCases: opaque(
    '`count` of cases not closed and the `mostUrgent` (`id`, `status`, `category`, `priority`, `slaState`, `propertyCode`, `openedAt`) or null.',
  ),
  lastSurvey: opaque('`stayId`, `score`, `wouldReturn`, `recommend`, `answeredAt`; or null.').nullable(),
  followUp: opaque(
    '`running` and the `latest` follow-up (`workflowId`, `stayId`, `cadenceKey`, …); or null.',
  ).nullable(),
  winBack: opaque('A lapsed guest: `lapsedAt`; else null.').nullable(),
  preferences: z.array(
    opaque('A preference or taboo in force (`kind`, `category`, `text`, `source`, `recordedBy`, `at`).'),
  ),
  birthdayDuringStay: text('The birthday (`YYYY-MM-DD`) that falls during the stay, or null.').nullable(),
});

const answer = fieldsOf<Answer>()("The day's arrivals at a hotel, by name.", {
  property: text(),
  date: text('`YYYY-MM-DD`.'),
  count: z.number().int(),
  arrivals: z.array(arrival),
});

export const arrivalsArea = area({
  tag: 'Arrivals',
  description: 'The front desk knows the guest before check-in.',
  operations: {
    'GET /v1/arrivals': {
      summary: "A hotel's arrivals of a day, each with the guest's brief",
      description:
        'From the bookings (cancelled ones left out), sorted by name; a few statements for the whole list, no Temporal call.',
      query: arrivalsQuery,
      answers: { 200: { description: 'The arrivals.', schema: answer } },
    },
  },
});
