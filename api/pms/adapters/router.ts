/**
 * The PMS adapters' webhooks (docs/pms.md), mounted at `/v1/pms`:
 *
 * - `POST /v1/pms/apaleo/:token`: Apaleo signs nothing; as Apaleo advises, a secret token in the path
 *   (APALEO_WEBHOOK_TOKEN) and/or basic auth (APALEO_WEBHOOK_BASIC_AUTH), each checked when configured,
 *   compared in constant time. The subscription's `System`/`healthcheck` gets a 200; a reservation event is
 *   recorded once per Apaleo `id` (at least once, unordered) and answered 202.
 * - `POST /v1/pms/mews/:token`: the token in the path (MEWS_WEBHOOK_TOKEN). Many events per delivery; Mews
 *   wants an answer within 5 s, so the `ServiceOrderUpdated` events are recorded in one statement and the
 *   delivery answered 202 at once.
 *
 * The work — fetch, map, feed — happens after the answer (processor.ts). A refused credential is a 401 before
 * the body is read: nothing is written.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../../../db/knex.js';
import * as repo from '../../../db/repositories/pms-adapters.js';
import { APALEO_RESERVATION_TYPES } from '../../../lib/pms/apaleo.js';
import { HttpError, validationError } from '../../errors.js';
import { externalId, text } from '../schema.js';

export interface WebhookAuth {
  /** The secret the path must carry; unset: the path is not checked. */
  token?: string | undefined;
  /** `user:password` of HTTP basic auth; unset: not checked. */
  basicAuth?: string | undefined;
}

export interface AdapterWebhookDeps {
  db: Db;
  apaleo: WebhookAuth;
  mews: Pick<WebhookAuth, 'token'>;
  /** Tells the delivery processor there is work. */
  wake?: () => void;
}

/** Equal strings, in time that does not depend on where they differ (both hashed to the same length first). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const refused = (what: string) =>
  new HttpError(401, 'webhook_unauthenticated', `the webhook's ${what} is missing or wrong`, {
    header: what === 'basic auth' ? 'Authorization' : undefined,
    field: what === 'token' ? 'token' : undefined,
  });

/** Every configured check passes; with none configured, nothing does. */
function authenticate(req: Request, auth: WebhookAuth): void {
  if (!auth.token && !auth.basicAuth)
    throw new HttpError(401, 'webhook_unauthenticated', 'this webhook is not configured', { field: 'token' });
  if (auth.token && !sameSecret(String(req.params.token ?? ''), auth.token)) throw refused('token');
  if (auth.basicAuth) {
    const header = req.get('authorization') ?? '';
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    const given = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    if (!sameSecret(given, auth.basicAuth)) throw refused('basic auth');
  }
}

/** A logged request (pino's serialised `req`) without the webhook token of its path. */
export function hideWebhookToken<T extends { url?: string; params?: unknown }>(req: T): T {
  if (!req.url || !/^\/v1\/pms\/(apaleo|mews)\//.test(req.url)) return req;
  return {
    ...req,
    url: req.url.replace(/^(\/v1\/pms\/(?:apaleo|mews)\/)[^/?]*/, '$1[redacted]'),
    params: {},
  };
}

function parseJson(raw: unknown): unknown {
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.alloc(0);
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw new HttpError(400, 'malformed_json', 'body is not valid JSON', { field: '(body)' });
  }
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

export const apaleoWebhookSchema = z.object({
  topic: text(60),
  type: text(60),
  id: externalId,
  accountId: text(60).optional(),
  propertyId: text(60).optional(),
  timestamp: z.number().optional(),
  data: z.object({ entityId: externalId.optional() }).optional(),
});

export const MEWS_MAX_EVENTS = 1000;

export const mewsWebhookSchema = z.object({
  EnterpriseId: text(60).optional(),
  IntegrationId: text(60).optional(),
  Events: z
    .array(
      z.object({
        Discriminator: text(80),
        Value: z.object({ Id: externalId.optional() }).passthrough().optional(),
      }),
    )
    .max(MEWS_MAX_EVENTS),
});

/** The Mews events that name a reservation to fetch. */
export const MEWS_RESERVATION_EVENTS = ['ServiceOrderUpdated'];

export const WEBHOOK_BODY_LIMIT = '512kb';

export function adapterWebhookRouter(deps: AdapterWebhookDeps): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT });

  const apaleo: RequestHandler = async (req, res) => {
    const body = parse(apaleoWebhookSchema, parseJson(req.body));
    const topic = body.topic.toLowerCase();
    if (topic === 'system') {
      // The subscription's health check (and any other system event): acknowledged, nothing recorded.
      res.status(200).json({ received: body.type });
      return;
    }
    const reservationType = (APALEO_RESERVATION_TYPES as readonly string[]).includes(body.type);
    if (topic !== 'reservation' || !reservationType) {
      res.status(200).json({ received: body.type, ignored: true });
      return;
    }
    const entityId = body.data?.entityId;
    if (!entityId)
      throw new HttpError(400, 'validation_failed', 'data.entityId: required for a reservation event', {
        field: 'data.entityId',
      });
    const known = await repo.findDelivery(deps.db, 'apaleo', body.id);
    if (known) {
      res.status(200).json({ deliveryId: known.id, duplicate: true });
      return;
    }
    const [row] = await repo.recordDeliveries(deps.db, [
      {
        adapter: 'apaleo',
        deliveryId: body.id,
        kind: body.type,
        reservationId: entityId,
        propertyId: body.propertyId,
      },
    ]);
    deps.wake?.();
    // No row: a delivery of this id raced us, or the reservation already waits to be fetched.
    res.status(202).json({ deliveryId: row?.id ?? null, duplicate: row === undefined });
  };

  const mews: RequestHandler = async (req, res) => {
    const body = parse(mewsWebhookSchema, parseJson(req.body));
    const wanted = body.Events.flatMap((e, i) =>
      MEWS_RESERVATION_EVENTS.includes(e.Discriminator) && e.Value?.Id
        ? [
            {
              adapter: 'mews',
              kind: e.Discriminator,
              reservationId: e.Value.Id,
              propertyId: body.EnterpriseId,
              at: i,
            },
          ]
        : [],
    );
    const rows = await repo.recordDeliveries(deps.db, wanted);
    if (rows.length > 0) deps.wake?.();
    res.status(202).json({ events: body.Events.length, recorded: rows.length });
  };

  router.post(
    '/apaleo/:token',
    (req, _res, next) => {
      authenticate(req, deps.apaleo);
      next();
    },
    raw,
    apaleo,
  );
  router.post(
    '/mews/:token',
    (req, _res, next) => {
      authenticate(req, { token: deps.mews.token });
      next();
    },
    raw,
    mews,
  );
  return router;
}
