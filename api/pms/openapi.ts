/** `POST /v1/pms/events` in the OpenAPI document (api/openapi/document.ts): the eight event types of api/pms/schema.ts. */
import { z } from 'zod';
import { area, fieldsOf } from '../openapi/spec.js';
import {
  bookingCancelledSchema,
  bookingCreatedSchema,
  memberEnrolledSchema,
  profileUpdatedSchema,
  stayAmendedSchema,
  stayCancelledSchema,
  stayCompletedSchema,
  stayStartedSchema,
} from './schema.js';
import type { Accepted } from './service.js';

/** The body: one of the event types the router validates with (by `type`). */
const pmsEvent = z
  .union([
    stayCompletedSchema,
    stayAmendedSchema,
    stayCancelledSchema,
    stayStartedSchema,
    bookingCreatedSchema,
    bookingCancelledSchema,
    profileUpdatedSchema,
    memberEnrolledSchema,
  ])
  .meta({
    description:
      'An event of the PMS: `{ id, type, occurredAt, data }`, `type` one of `stay.completed`, `stay.amended`, `stay.cancelled`, `stay.started`, `booking.created`, `booking.cancelled`, `profile.updated`, `member.enrolled`. Unknown fields are ignored and not stored.',
  });

const accepted = fieldsOf<Accepted>()("The event is recorded and handed to the guest's workflow.", {
  eventId: z.string().meta({ description: "The PMS's event id." }),
  workflowId: z.string().meta({ description: "The guest's workflow (`guest-<guestId>`)." }),
  guestId: z.uuid(),
  duplicate: z.boolean().meta({
    description:
      'A repeat of an event already received with the same body (compared after validation, keys sorted).',
  }),
  memberNumber: z
    .string()
    .optional()
    .meta({ description: "`member.enrolled`: the guest's member number (new or the one it had)." }),
});

export const pmsArea = area({
  tag: 'PMS',
  description:
    'Signed webhook deliveries from the property management system: stays (completed, amended, cancelled), check-ins, bookings, profile changes and enrolments.',
  operations: {
    'POST /v1/pms/events': {
      summary: 'Receive an event of the PMS',
      description:
        "The guest is found or created by `data.guest.pmsProfileId`; the event is recorded once by its `id` and handed to the guest's workflow as a message of ids and facts only. Deliver at least once: a repeat with the same body is a 202 `duplicate`. Body at most 256 kB.",
      body: { schema: pmsEvent, anyContentType: true },
      answers: { 202: { description: 'Accepted: Temporal took the message.', schema: accepted } },
      errors: [
        {
          status: 409,
          codes: ['event_id_reused'],
          when: 'a known event id with a different body (`details.field`: `id`)',
        },
        {
          status: 422,
          codes: ['unsupported_event_type'],
          when: '`type` is not one of the eight (`details.supported`)',
        },
        {
          status: 422,
          codes: ['stay_owned_by_another_guest', 'booking_owned_by_another_guest'],
          when: 'the PMS stay or booking was reported for another guest (`data.stay.pmsStayId`, `data.booking.bookingId`)',
        },
        {
          status: 422,
          codes: ['unknown_member', 'self_referral'],
          when: "`data.enrolment.referredBy` is no member's number, or the guest's own",
        },
        {
          status: 503,
          codes: ['workflow_unavailable'],
          when: 'the event is recorded but Temporal did not take the message: deliver it again',
        },
      ],
    },
  },
});
