/**
 * Builds the long-lived clients every entry point needs (Postgres, SMTP,
 * Temporal) from the validated config, so the worker, the API and the dev
 * stack wire them the same way.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import nodemailer, { type Transporter } from 'nodemailer';
import pino, { type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from '../config.js';

/**
 * JSON lines in production and tests (for a log collector); in development one readable line per entry, a
 * request as `GET /v1/guests/42 200 12ms`. LOG_LEVEL sets the level everywhere. Writes to stdout unless
 * given another `destination` (tests).
 */
export function createLogger(
  config: Pick<Config, 'LOG_LEVEL' | 'NODE_ENV'>,
  name: string,
  destination?: NodeJS.WritableStream,
): Logger {
  const options: LoggerOptions = {
    name,
    level: config.LOG_LEVEL,
    // Credentials never reach the logs.
    redact: { paths: ['req.headers.authorization', 'req.headers["x-signature"]'], censor: '[redacted]' },
  };
  if (config.NODE_ENV !== 'development') return destination ? pino(options, destination) : pino(options);
  return pino(
    options,
    pretty({
      // In-process (not a transport thread), so that a formatting function can be passed and no line is lost on exit.
      sync: true,
      destination: destination ?? 1,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss.l',
      // The request and response objects (headers and all) shrink to method, URL, status and time in the message.
      ignore: 'pid,hostname,req,res,responseTime',
      messageFormat: (log, messageKey) => {
        const msg = typeof log[messageKey] === 'string' ? log[messageKey] : '';
        const req = log.req as { method?: string; url?: string } | undefined;
        const res = log.res as { statusCode?: number } | undefined;
        if (!req?.method) return msg;
        const took = typeof log.responseTime === 'number' ? ` ${log.responseTime}ms` : '';
        const line = `${req.method} ${req.url} ${res?.statusCode ?? '-'}${took}`;
        return msg === 'request completed' ? line : `${line} ${msg}`;
      },
    }),
  );
}

/**
 * The mailer for SMTP_URL (`smtp://` or `smtps://`, credentials in the URL).
 * Credentials over `smtp://` require STARTTLS (`requireTLS`): a password is
 * never sent in clear text unless the URL says `?requireTLS=false` explicitly
 * (a local relay, the dev sink). Timeouts sit well inside one delivery
 * attempt's deadline (domain/mail-timing.ts), which cuts off the whole
 * conversation.
 */
export function createMailer(smtpUrl: string): Transporter {
  return nodemailer.createTransport(mailerOptions(smtpUrl));
}

/**
 * The same server over a pool of `maxConnections` kept-open connections, for a campaign's batches
 * (activities/campaigns.ts), which send many mails at once: no new connection and greeting per mail. A mail's
 * abort signal (its send deadline) works on a pool too.
 */
export function createPooledMailer(smtpUrl: string, maxConnections: number): Transporter {
  return nodemailer.createTransport({
    ...mailerOptions(smtpUrl),
    pool: true,
    maxConnections,
    maxMessages: Infinity,
  });
}

export function mailerOptions(smtpUrl: string) {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  const hasCredentials = Boolean(url.username);
  const requireTlsParam = url.searchParams.get('requireTLS');
  const requireTLS = !secure && (requireTlsParam === null ? hasCredentials : requireTlsParam !== 'false');
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    requireTLS,
    ...(hasCredentials
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 5_000,
    socketTimeout: 15_000,
  };
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
