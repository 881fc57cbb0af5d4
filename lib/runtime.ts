/**
 * Builds the long-lived clients every entry point needs (Postgres, SMTP,
 * Temporal) from the validated config, so the worker, the API and the dev
 * stack wire them the same way.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import nodemailer, { type Transporter } from 'nodemailer';
import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, name: string): Logger {
  return pino({
    name,
    level: config.LOG_LEVEL,
    // Credentials never reach the logs.
    redact: { paths: ['req.headers.authorization', 'req.headers["x-signature"]'], censor: '[redacted]' },
  });
}

/**
 * SMTP with timeouts well inside the activity's 30 s start-to-close (the
 * defaults are minutes): a stalled server fails the attempt instead of
 * outliving it. DELIVERY_LEASE_SECONDS in activities/ must stay above their sum.
 */
export function createMailer(smtpUrl: string): Transporter {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  return nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 5_000,
    socketTimeout: 15_000,
  });
}

type TemporalTarget = { address: string; namespace: string; apiKey?: string | undefined };

/** Where Temporal is: `address` (default TEMPORAL_ADDRESS) with the configured namespace and API key. */
export function temporalTarget(config: Config, address: string): TemporalTarget {
  return { address, namespace: config.TEMPORAL_NAMESPACE, apiKey: config.TEMPORAL_API_KEY };
}

/**
 * For the standalone entry points (worker, API): the servers they need must be
 * configured; `npm run dev` is the way to get embedded ones.
 */
export function requireServers<K extends 'DATABASE_URL' | 'TEMPORAL_ADDRESS' | 'SMTP_URL'>(
  config: Config,
  logger: Logger,
  entry: string,
  keys: K[],
): Config & { [P in K]: string } {
  const missing = keys.filter((k) => !config[k]);
  if (missing.length > 0) {
    logger.fatal(`${entry} needs ${missing.join(', ')}; use \`npm run dev\` for the embedded stack`);
    process.exit(1);
  }
  return config as Config & { [P in K]: string };
}

function connectionOptions(t: TemporalTarget) {
  return t.apiKey ? { address: t.address, apiKey: t.apiKey, tls: true } : { address: t.address };
}

export async function connectClient(t: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(t));
  return new Client({ connection, namespace: t.namespace });
}

export async function connectWorkerConnection(t: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(t));
}
