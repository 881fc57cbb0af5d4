/** The PMS adapters' wiring: their settings from the environment, and the delivery processor's start. */
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../../../config.js';
import type { Db } from '../../../db/knex.js';
import { pmsClientsFromConfig, type PmsClients } from '../../../lib/pms/index.js';
import { startDeliveryProcessor, type DeliveryProcessor } from './processor.js';
import type { WebhookAuth } from './router.js';

export interface PmsAdaptersDeps {
  /** The adapters with API credentials. */
  clients: PmsClients;
  apaleo: WebhookAuth;
  mews: Pick<WebhookAuth, 'token'>;
  defaults: { timezone: string; locale: string };
  /** PMS_FETCH_ATTEMPTS, PMS_RETRY_BASE_SECONDS (in ms). */
  attempts: number;
  retryBaseMs: number;
  /** The running processor, once started (startPmsProcessor): webhooks wake it. */
  processor?: DeliveryProcessor | undefined;
}

export function pmsAdaptersFromConfig(config: Config): PmsAdaptersDeps {
  return {
    clients: pmsClientsFromConfig(config),
    apaleo: { token: config.APALEO_WEBHOOK_TOKEN, basicAuth: config.APALEO_WEBHOOK_BASIC_AUTH },
    mews: { token: config.MEWS_WEBHOOK_TOKEN },
    defaults: { timezone: config.PMS_DEFAULT_TIMEZONE, locale: config.PMS_DEFAULT_LOCALE },
    attempts: config.PMS_FETCH_ATTEMPTS,
    retryBaseMs: config.PMS_RETRY_BASE_SECONDS * 1000,
  };
}

/** Starts the deliveries' loop (processor.ts) and sets it on `adapters`; stop it before closing the database. */
export function startPmsProcessor(
  deps: { db: Db; temporal: Client; taskQueue: string; logger: Logger; toleranceSeconds: number },
  adapters: PmsAdaptersDeps,
  opts: { pollMs?: number } = {},
): DeliveryProcessor {
  const processor = startDeliveryProcessor(
    { ...deps, defaults: adapters.defaults },
    { clients: adapters.clients, attempts: adapters.attempts, retryBaseMs: adapters.retryBaseMs, ...opts },
  );
  adapters.processor = processor;
  return processor;
}
