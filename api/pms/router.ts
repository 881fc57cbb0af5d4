/** `POST /v1/pms/events`: signed webhook deliveries from the property management system. */
import express, { Router, type RequestHandler } from 'express';
import { HttpError, validationError } from '../errors.js';
import { envelopeSchema, stayCompletedSchema, SUPPORTED_EVENT_TYPES } from './schema.js';
import { acceptStayCompleted, type PmsServiceDeps } from './service.js';
import { verifySignature } from './signature.js';

export const PMS_BODY_LIMIT = '256kb';

export interface PmsRouterDeps extends PmsServiceDeps {
  webhookSecret: string;
  toleranceSeconds: number;
  nowSeconds: () => number;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, 'malformed_json', `body is not valid JSON: ${(err as Error).message}`, {
      field: '(body)',
    });
  }
}

export function pmsRouter(deps: PmsRouterDeps): Router {
  const receiveEvent: RequestHandler = async (req, res) => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // The signature covers the raw bytes: check it before trusting anything in them.
    verifySignature({
      header: req.get('x-signature'),
      rawBody,
      secret: deps.webhookSecret,
      nowSeconds: deps.nowSeconds(),
      toleranceSeconds: deps.toleranceSeconds,
    });
    const json = parseJson(rawBody);
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) throw validationError(envelope.error);
    if (!(SUPPORTED_EVENT_TYPES as readonly string[]).includes(envelope.data.type)) {
      throw new HttpError(
        422,
        'unsupported_event_type',
        `event type '${envelope.data.type}' is not supported`,
        {
          field: 'type',
          supported: SUPPORTED_EVENT_TYPES,
        },
      );
    }
    const parsed = stayCompletedSchema.safeParse(json);
    if (!parsed.success) throw validationError(parsed.error);
    // A check-out in the future would hold the guest's profile and follow-up hostage to a wrong PMS clock.
    if (Date.parse(parsed.data.occurredAt) / 1000 > deps.nowSeconds() + deps.toleranceSeconds) {
      throw new HttpError(400, 'validation_failed', 'occurredAt: must not be in the future', {
        field: 'occurredAt',
        issues: [{ field: 'occurredAt', code: 'too_big', message: 'must not be in the future' }],
      });
    }
    const accepted = await acceptStayCompleted(deps, parsed.data);
    res.status(202).json(accepted);
  };

  const router = Router();
  router.post('/events', express.raw({ type: () => true, limit: PMS_BODY_LIMIT }), receiveEvent);
  return router;
}
