/**
 * Every environment variable the project reads, validated once with zod.
 * `.env.example` lists each one with its default; a bad value stops start-up
 * with a message naming the variable.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || protocols.some((p) => v.startsWith(`${p}://`)), {
      message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    });

/** Text that may be unset or empty (then undefined). */
const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));
const optionalSecret = optionalText.refine((v) => v === undefined || v.length >= 16, {
  message: 'must be at least 16 characters',
});

/** Known to everyone who reads this repository: good for `npm run dev` only. */
export const DEV_PMS_WEBHOOK_SECRET = 'dev-pms-webhook-secret-change-me';
/** The links secret of `npm run dev` and tests: as public as the one above. */
export const DEV_LINKS_SECRET = 'dev-links-secret-change-me';

/** API_KEY_CACHE_SECONDS when unset, and an app's when createApp is given none (api/app.ts). */
export const DEFAULT_KEY_CACHE_SECONDS = 5;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('.data'),
  TOOLS_CACHE_DIR: z
    .string()
    .optional()
    .transform((v) => (v ? v : path.join(homedir(), '.cache', 'guest-lifecycle-engine'))),

  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: port.default(3000),

  /** Prometheus metrics (lib/metrics.ts) listen on this host, on ports apart from the API's. */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** The API's `GET /metrics`; 0: off (`npm run dev` uses 9464 unless set). */
  METRICS_PORT: port.default(0),
  /** The worker's Temporal SDK metrics (the SDK's Prometheus exporter); 0: off (`npm run dev` uses 9465 unless set). */
  WORKER_METRICS_PORT: port.default(0),

  DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  EMBEDDED_PG_PORT: port.default(5433),

  TEMPORAL_ADDRESS: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || /^[\w.-]+:\d+$/.test(v), { message: 'must be host:port' }),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_API_KEY: z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined)),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('guest-lifecycle'),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /** The Temporal Web UI staff open a workflow in (`GET /v1/workflows/:id` links to it); unset: the dev UI. */
  TEMPORAL_UI_URL: optionalUrl(['http', 'https']),
  TEMPORAL_CLI_VERSION: z.string().default('1.9.1'),
  TEMPORAL_CLI_PATH: z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined)),
  TEMPORAL_TEST_SERVER_VERSION: z.string().default('1.38.0'),
  /**
   * A folder holding `pg_dump` and `pg_restore` for `npm run backup` / `restore` (stack/backup.ts), of the
   * server's major version or newer; unset: those on PATH when new enough, else PostgreSQL 18's, provisioned.
   */
  PG_BIN_DIR: z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined)),
  /** Where `npm run backup` writes its dumps (default: DATA_DIR/backups). */
  BACKUP_DIR: z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined)),
  TEMPORAL_TEST_SERVER_PATH: z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined)),

  /**
   * How long an API process trusts a key or console session it checked, in seconds (api/auth.ts): a key revoked
   * or a session ended elsewhere works here that long at most. 0 checks every request.
   */
  API_KEY_CACHE_SECONDS: z.coerce
    .number()
    .int('must be a whole number of seconds from 0 to 60')
    .min(0, 'must be a whole number of seconds from 0 to 60')
    .max(60, 'must be a whole number of seconds from 0 to 60')
    .default(DEFAULT_KEY_CACHE_SECONDS),
  /**
   * Campaign mails in flight at once in one batch, over a pooled SMTP transport of as many connections
   * (activities/campaigns.ts, lib/runtime.ts createPooledMailer).
   */
  CAMPAIGN_SEND_CONCURRENCY: z.coerce
    .number()
    .int('must be a whole number from 1 to 64')
    .min(1, 'must be a whole number from 1 to 64')
    .max(64, 'must be a whole number from 1 to 64')
    .default(8),
  /** How long a console sign-in lasts, in hours (api/console/session.ts): a hard expiry, not renewed by use. */
  CONSOLE_SESSION_HOURS: z.coerce
    .number()
    .int('must be a whole number of hours from 1 to 24')
    .min(1, 'must be a whole number of hours from 1 to 24')
    .max(24, 'must be a whole number of hours from 1 to 24')
    .default(8),
  /** `Secure` on the console's session cookie (https only). Unset: on when NODE_ENV=production. */
  CONSOLE_SECURE_COOKIE: z
    .enum(['true', 'false', ''])
    .optional()
    .transform((v) => (v === 'true' ? true : v === 'false' ? false : undefined)),

  SMTP_URL: optionalUrl(['smtp', 'smtps']),
  SMTP_SINK_PORT: port.default(2525),
  MAILBOX_PORT: port.default(8025),
  MAIL_FROM: z.string().min(3).default('Guest Relations <guest-relations@hotel.example>'),
  MAIL_MESSAGE_ID_DOMAIN: z.string().min(1).default('guest-lifecycle.hotel.example'),

  DEV_OPS_API_KEY: z.string().min(12, 'must be at least 12 characters').default('dev-ops-key-change-me'),

  PMS_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEV_PMS_WEBHOOK_SECRET),
  /** During a rotation: the secret being retired, still accepted until it is unset. */
  PMS_WEBHOOK_SECRET_PREVIOUS: z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || v.length >= 16, { message: 'must be at least 16 characters' }),
  /** Bounded: a wide window lets a captured request be replayed for longer. */
  PMS_SIGNATURE_TOLERANCE_SECONDS: z.coerce
    .number()
    .int()
    .min(1, 'must be from 1 to 900 seconds')
    .max(900, 'must be from 1 to 900 seconds')
    .default(300),

  // --- PMS adapters (lib/pms/, api/pms/adapters/; docs/pms.md) -------------------------------------------------
  /** Apaleo's API and identity server; the adapter fetches reservations with a client-credentials token. */
  APALEO_API_URL: z.string().trim().default('https://api.apaleo.com'),
  APALEO_IDENTITY_URL: z.string().trim().default('https://identity.apaleo.com'),
  APALEO_CLIENT_ID: optionalText,
  APALEO_CLIENT_SECRET: optionalText,
  /** The secret in the webhook's path, `/v1/pms/apaleo/<token>` (at least 16 characters); unset: not checked. */
  APALEO_WEBHOOK_TOKEN: optionalSecret,
  /** `user:password` the webhook must send as HTTP basic auth; unset: not checked. One of the two is needed. */
  APALEO_WEBHOOK_BASIC_AUTH: optionalText.refine((v) => v === undefined || /^[^:]+:.{16,}$/.test(v), {
    message: 'must be user:password, the password at least 16 characters',
  }),
  MEWS_API_URL: z.string().trim().default('https://api.mews.com'),
  MEWS_CLIENT_TOKEN: optionalText,
  MEWS_ACCESS_TOKEN: optionalText,
  /** The `Client` name sent with every Mews call. */
  MEWS_CLIENT: z.string().trim().min(1).default('Guest Lifecycle Engine 1.0'),
  /** The secret in the webhook's path, `/v1/pms/mews/<token>` (at least 16 characters); unset: refused. */
  MEWS_WEBHOOK_TOKEN: optionalSecret,
  /** `EnterpriseId=CODE,…`: the property code of each Mews enterprise (unnamed: the EnterpriseId). */
  MEWS_PROPERTY_CODES: optionalText.refine(
    (v) => v === undefined || v.split(',').every((p) => /^[^=\s]+=[^=\s]{1,40}$/.test(p.trim())),
    { message: 'must be EnterpriseId=CODE pairs separated by commas' },
  ),
  /** One call to a PMS gives up after this many seconds. */
  PMS_FETCH_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(10),
  /** Attempts at a delivery's fetch (a 404, a time-out, a 5xx) before it is parked for ops. */
  PMS_FETCH_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  /** The first retry's delay in seconds; each next one doubles. */
  PMS_RETRY_BASE_SECONDS: z.coerce.number().min(0.01).max(3600).default(30),
  /** A guest's zone when the property has no settings (property_settings.timezone). */
  PMS_DEFAULT_TIMEZONE: z.string().trim().min(1).default('UTC'),
  /** A guest's locale when the PMS gives no language. */
  PMS_DEFAULT_LOCALE: z.string().trim().min(2).default('en'),

  /** HMAC-SHA256 key of the signed links in mails (lib/links.ts). Changing it voids every link sent. */
  LINKS_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEV_LINKS_SECRET),
  /** Where guests reach the API: the base of the links in mails, without a trailing slash. */
  PUBLIC_BASE_URL: z
    .string()
    .trim()
    .default('http://127.0.0.1:3000')
    .refine((v) => /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(v) && URL.canParse(v), {
      message: 'must be an http:// or https:// URL without query or fragment',
    })
    .transform((v) => v.replace(/\/+$/, '')),
  /** How long the link of a post-stay survey mail works, in days (a second answer within it replaces the first). */
  SURVEY_LINK_DAYS: z.coerce
    .number()
    .int('must be a whole number of days from 1 to 365')
    .min(1, 'must be a whole number of days from 1 to 365')
    .max(365, 'must be a whole number of days from 1 to 365')
    .default(30),
  /** How long the "report a problem" link of the in-stay mail works, in days. */
  IN_STAY_REPORT_LINK_DAYS: z.coerce
    .number()
    .int('must be a whole number of days from 1 to 30')
    .min(1, 'must be a whole number of days from 1 to 30')
    .max(30, 'must be a whole number of days from 1 to 30')
    .default(3),
});

export type Config = z.infer<typeof envSchema>;

/** Every variable read, in schema order (`.env.example` must list each). */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);

export class ConfigError extends Error {
  constructor(public readonly issues: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ variable: i.path.join('.') || '(env)', message: i.message })),
    );
  }
  const config = parsed.data;
  if (config.NODE_ENV === 'production') {
    // The defaults of the secrets are public, and links to 127.0.0.1 reach no guest.
    const missing = ['PMS_WEBHOOK_SECRET', 'LINKS_SECRET', 'PUBLIC_BASE_URL'].filter((v) => !env[v]);
    if (missing.length > 0)
      throw new ConfigError(missing.map((variable) => ({ variable, message: 'is required in production' })));
  }
  return config;
}

/** DATABASE_URL, or the embedded dev server's URL (`npm run dev` keeps it on EMBEDDED_PG_PORT). */
export function databaseUrlOf(config: Config): string {
  return config.DATABASE_URL ?? embeddedDatabaseUrl(config.EMBEDDED_PG_PORT);
}

export function embeddedDatabaseUrl(port: number): string {
  return `postgres://postgres:postgres@127.0.0.1:${port}/guest_lifecycle`;
}

/** Load the config or exit(1) with the offending variables named: for entry points. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
