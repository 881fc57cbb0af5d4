/** The PMS adapters in the OpenAPI document (api/openapi/document.ts): Apaleo's and Mews's webhooks, syncs, deliveries. */
import { z } from 'zod';
import { area, dateOut, fieldsOf, instantOrNull, instantOut } from '../../openapi/spec.js';
import { deliveriesQuery, idParams, startSyncBody, type deliveryView, type syncView } from './admin.js';
import { apaleoWebhookSchema, mewsWebhookSchema } from './router.js';

type Sync = ReturnType<typeof syncView>;
type Delivery = ReturnType<typeof deliveryView>;

const tokenParams = z.object({
  token: z.string().meta({
    description:
      'The secret token (APALEO_WEBHOOK_TOKEN, MEWS_WEBHOOK_TOKEN), compared in constant time; for Apaleo with basic auth only, any segment.',
  }),
});

const count = (description: string) => z.number().int().meta({ description });

const sync = fieldsOf<Sync>()('A catch-up sync: its period, progress and summary.', {
  id: z.string(),
  adapter: z.enum(['apaleo', 'mews']),
  since: dateOut(),
  until: dateOut(),
  status: z.enum(['running', 'done', 'failed']),
  startedBy: z.string().meta({ description: "The API key's name, or `cli:<user>`." }),
  startedAt: instantOut(),
  finishedAt: instantOrNull(),
  total: count('Reservations of the period, when known.').nullable(),
  seen: count('Reservations gone through so far.'),
  new: count('Fed to the intake as a new event.'),
  known: count('Already known: the same state was received before (by a webhook or a sync).'),
  rejected: count('Not fed: the mapping, the schema or the intake refused it (`reasons`).'),
  reasons: z.record(z.string(), z.number().int()).meta({ description: 'Each reason, how many it rejected.' }),
  rejections: z
    .array(z.object({ reservationId: z.string(), reason: z.string() }))
    .meta({ description: 'The first 200 rejections, with their reservation.' }),
  error: z.string().nullable().meta({ description: 'Why a failed sync stopped (the PMS did not answer…).' }),
});

const delivery = fieldsOf<Delivery>()('A reservation a webhook named, and what became of it.', {
  id: z.string(),
  adapter: z.enum(['apaleo', 'mews']),
  deliveryId: z
    .string()
    .nullable()
    .meta({ description: "Apaleo's delivery `id` (deduplicated on); null for Mews." }),
  kind: z.string().meta({ description: 'The webhook type (`checked-out`) or Mews discriminator.' }),
  reservationId: z.string(),
  receivedAt: instantOut(),
  status: z.enum(['pending', 'done', 'parked']),
  attempts: count('Fetches tried.'),
  lastError: z.string().nullable(),
  outcome: z.enum(['new', 'known', 'rejected']).nullable(),
  eventId: z
    .string()
    .nullable()
    .meta({ description: 'The native event fed (`apaleo:<id>:checked-out:<revenue>`).' }),
  rejectionReason: z.string().nullable(),
  parkedAt: instantOrNull(),
  parkedReason: z
    .string()
    .nullable()
    .meta({ description: 'Why it was parked: the last failure, after the last attempt.' }),
  redriveCount: count('Times an admin re-drove it.'),
});

const NOT_CONFIGURED = {
  status: 409,
  codes: ['adapter_not_configured', 'sync_running'],
  when: 'the adapter has no API credentials, or a sync of it is running (`details.syncId`)',
} as const;

export const pmsAdaptersArea = area({
  tag: 'PMS adapters',
  description:
    'Apaleo and Mews (docs/pms.md): their webhooks, worked after the answer (fetch the reservation, map, feed the native intake), the catch-up sync of a period, and the deliveries parked for ops.',
  operations: {
    'POST /v1/pms/apaleo/:token': {
      summary: 'Receive an Apaleo webhook',
      description:
        "The envelope `{ topic, type, id, accountId, propertyId, timestamp, data: { entityId } }`. `System` (the subscription's `healthcheck`) is answered 200; a `Reservation` event is recorded once per `id` and answered 202 (a repeat: 200 `duplicate`); other topics 200 and ignored. The reservation is then fetched and fed (docs/pms.md).",
      params: tokenParams,
      body: { schema: apaleoWebhookSchema, anyContentType: true },
      answers: {
        200: {
          description: 'A health check, an ignored topic, or a repeat of a delivery.',
          schema: z.object({}).passthrough(),
        },
        202: {
          description: 'Recorded; worked after the answer.',
          schema: z.object({ deliveryId: z.string().nullable(), duplicate: z.boolean() }),
        },
      },
    },
    'POST /v1/pms/mews/:token': {
      summary: 'Receive a Mews general webhook',
      description:
        "`{ EnterpriseId, IntegrationId, Events: [{ Discriminator, Value: { Id } }] }`, up to 1000 events. Each `ServiceOrderUpdated` names a reservation to fetch (one already waiting is not recorded twice); the delivery is answered 202 once they are recorded, well within Mews's 5 s.",
      params: tokenParams,
      body: { schema: mewsWebhookSchema, anyContentType: true },
      answers: {
        202: {
          description: 'Recorded; worked after the answer.',
          schema: z.object({
            events: count('Events in the delivery.'),
            recorded: count('Reservations recorded to fetch.'),
          }),
        },
      },
    },
    'POST /v1/admin/pms/syncs': {
      summary: 'Start a catch-up sync',
      description:
        'Every reservation of the period (`until` defaults to today, at most 366 days after `since`) is fetched page by page and fed like a webhook\'s: what the intake has is "known", so a second run changes nothing. Runs in the API process; poll `GET /v1/admin/pms/syncs/{id}`.',
      body: { schema: startSyncBody },
      answers: { 202: { description: 'Started.', schema: sync } },
      errors: [NOT_CONFIGURED],
    },
    'GET /v1/admin/pms/syncs': {
      summary: 'The last 50 syncs',
      answers: { 200: { description: 'Newest first.', schema: z.object({ syncs: z.array(sync) }) } },
    },
    'GET /v1/admin/pms/syncs/:id': {
      summary: "A sync's progress and summary",
      params: idParams,
      answers: { 200: { description: 'The sync.', schema: sync } },
      errors: [{ status: 404, codes: ['sync_not_found'], when: 'no sync has the id' }],
    },
    'GET /v1/admin/pms/deliveries': {
      summary: 'Webhook deliveries, parked ones with their reason',
      query: deliveriesQuery,
      answers: {
        200: {
          description: 'Newest first (parked: by parking time), with the count of each status.',
          schema: z.object({
            deliveries: z.array(delivery),
            counts: z.object({ pending: count('Waiting'), done: count('Done'), parked: count('Parked') }),
          }),
        },
      },
    },
    'POST /v1/admin/pms/deliveries/:id/redrive': {
      summary: 'Re-drive a parked delivery',
      description: 'Back to pending, due now, its attempts counted afresh; audited (`pms.delivery.redrive`).',
      params: idParams,
      answers: { 200: { description: 'The delivery, pending again.', schema: delivery } },
      errors: [
        { status: 404, codes: ['delivery_not_found'], when: 'no delivery has the id' },
        {
          status: 409,
          codes: ['delivery_not_parked'],
          when: 'the delivery is not parked (`details.status`)',
        },
      ],
    },
  },
});
