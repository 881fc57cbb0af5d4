/** `POST /v1/pms/events`: signed webhook deliveries from the property management system. */
import express, { Router, type RequestHandler } from 'express';
import type { z } from 'zod';
import { HttpError, validationError } from '../errors.js';
import {
  bookingCancelledSchema,
  bookingCreatedSchema,
  envelopeSchema,
  memberEnrolledSchema,
  occurredClockIssue,
  profileUpdatedClockIssue,
  profileUpdatedSchema,
  stayCompletedClockIssue,
  stayAmendedClockIssue,
  stayAmendedSchema,
  stayCancelledSchema,
  stayCompletedSchema,
  stayStartedClockIssue,
  stayStartedSchema,
  SUPPORTED_EVENT_TYPES,
  type ClockIssue,
  type SupportedEventType,
} from './schema.js';
import {
  acceptBookingCancelled,
  acceptBookingCreated,
  acceptMemberEnrolled,
  acceptProfileUpdated,
  acceptStayAmended,
  acceptStayCancelled,
  acceptStayCompleted,
  acceptStayStarted,
  type Accepted,
  type PmsServiceDeps,
} from './service.js';
import { verifySignature } from './signature.js';

export const PMS_BODY_LIMIT = '256kb';

export interface PmsRouterDeps extends PmsServiceDeps {
  webhookSecret: string;
  /** The secret being rotated out: still verifies until it is removed. */
  previousWebhookSecret?: string | undefined;
  toleranceSeconds: number;
  nowSeconds: () => number;
}

/** How one event type is validated and accepted. */
export interface EventHandler<T> {
  schema: z.ZodType<T>;
  /** Rules about the clock, checked after the schema with the injectable `now`. */
  clockIssue?: (body: T, nowMs: number, toleranceMs: number) => ClockIssue | undefined;
  accept: (deps: PmsServiceDeps, body: T) => Promise<Accepted>;
}

const handler = <T>(h: EventHandler<T>) => h as EventHandler<unknown>;

/** Each native event type: its schema, its clock rule, its intake (also fed by the PMS adapters, api/pms/adapters/feed.ts). */
export const HANDLERS: Record<SupportedEventType, EventHandler<unknown>> = {
  'stay.completed': handler({
    schema: stayCompletedSchema,
    clockIssue: stayCompletedClockIssue,
    accept: acceptStayCompleted,
  }),
  'stay.amended': handler({
    schema: stayAmendedSchema,
    clockIssue: stayAmendedClockIssue,
    accept: acceptStayAmended,
  }),
  'stay.cancelled': handler({
    schema: stayCancelledSchema,
    clockIssue: occurredClockIssue,
    accept: acceptStayCancelled,
  }),
  'stay.started': handler({
    schema: stayStartedSchema,
    clockIssue: stayStartedClockIssue,
    accept: acceptStayStarted,
  }),
  'booking.created': handler({
    schema: bookingCreatedSchema,
    clockIssue: occurredClockIssue,
    accept: acceptBookingCreated,
  }),
  'booking.cancelled': handler({
    schema: bookingCancelledSchema,
    clockIssue: occurredClockIssue,
    accept: acceptBookingCancelled,
  }),
  'profile.updated': handler({
    schema: profileUpdatedSchema,
    clockIssue: profileUpdatedClockIssue,
    accept: acceptProfileUpdated,
  }),
  'member.enrolled': handler({
    schema: memberEnrolledSchema,
    clockIssue: occurredClockIssue,
    accept: acceptMemberEnrolled,
  }),
};

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    // The parser's message quotes the body: not worth echoing.
    throw new HttpError(400, 'malformed_json', 'body is not valid JSON', { field: '(body)' });
  }
}

export function pmsRouter(deps: PmsRouterDeps): Router {
  const secrets = [deps.webhookSecret, deps.previousWebhookSecret].filter((s): s is string => !!s);

  const receiveEvent: RequestHandler = async (req, res) => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const nowSeconds = deps.nowSeconds();
    // The signature covers the raw bytes: check it before trusting anything in them.
    verifySignature({
      header: req.get('x-signature'),
      rawBody,
      secrets,
      nowSeconds,
      toleranceSeconds: deps.toleranceSeconds,
    });
    const json = parseJson(rawBody);
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) throw validationError(envelope.error);
    const type = envelope.data.type;
    const eventHandler = Object.hasOwn(HANDLERS, type) ? HANDLERS[type as keyof typeof HANDLERS] : undefined;
    if (!eventHandler) {
      throw new HttpError(422, 'unsupported_event_type', `event type '${type}' is not supported`, {
        field: 'type',
        supported: SUPPORTED_EVENT_TYPES,
      });
    }
    const parsed = eventHandler.schema.safeParse(json);
    if (!parsed.success) throw validationError(parsed.error);
    const issue = eventHandler.clockIssue?.(parsed.data, nowSeconds * 1000, deps.toleranceSeconds * 1000);
    if (issue) {
      throw new HttpError(400, 'validation_failed', `${issue.field}: ${issue.message}`, {
        field: issue.field,
        issues: [{ field: issue.field, code: 'custom', message: issue.message }],
      });
    }
    res.status(202).json(await eventHandler.accept(deps, parsed.data));
  };

  const router = Router();
  router.post('/events', express.raw({ type: () => true, limit: PMS_BODY_LIMIT }), receiveEvent);
  return router;
}
