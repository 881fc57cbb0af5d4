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

export function createMailer(smtpUrl: string): Transporter {
  return nodemailer.createTransport(smtpUrl);
}

type TemporalTarget = { address: string; namespace: string; apiKey?: string | undefined };

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
