/** The Express app, built from its dependencies and exported apart from `listen()`. */
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex.js';
import type { Metrics } from '../lib/metrics.js';
import { arrivalsRouter } from './arrivals/router.js';
import { segmentsRouter } from './segments/router.js';
import { campaignsRouter } from './campaigns/router.js';
import { reportsRouter } from './reports/router.js';
import { keyCache, requireRole } from './auth.js';
import { DEFAULT_KEY_CACHE_SECONDS } from '../config.js';
import { ROLES_FOR } from './access.js';
import { workflowsRouter } from './workflows/router.js';
import { casesRouter } from './cases/router.js';
import { errorMiddleware, HttpError, jsonBodyOnly } from './errors.js';
import { guestsRouter } from './guests/router.js';
import { privacyRouter } from './privacy/router.js';
import { linksRouter } from './links/router.js';
import { marketingRouter } from './marketing/router.js';
import { docsRouter } from './openapi/router.js';
import { pmsRouter } from './pms/router.js';
import { pmsAdminRouter } from './pms/adapters/admin.js';
import type { PmsAdaptersDeps } from './pms/adapters/index.js';
import { adapterWebhookRouter, hideWebhookToken } from './pms/adapters/router.js';
import { adminRouter, programRouter } from './program/router.js';
import { consoleRouter } from './console/static.js';
import { sessionRouter } from './console/session.js';
import { propertiesRouter } from './console/properties.js';
import { importsRouter } from './imports/router.js';

export interface AppDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  /** `previousWebhookSecret`: the secret being rotated out, still accepted while set. */
  pms: { webhookSecret: string; previousWebhookSecret?: string | undefined; toleranceSeconds: number };
  /** Unix seconds; injectable for signature tests. */
  nowSeconds?: () => number;
  /** Signed links in mails (`/v1/links`); not mounted without. `secret`: LINKS_SECRET. */
  links?: { secret: string };
  /** Times every request for Prometheus (lib/metrics.ts); served on a port of its own, not here. */
  metrics?: Metrics;
  /** The Temporal Web UI a workflow's page links to (`<url>/namespaces/<ns>/workflows/<id>/<runId>/history`). */
  temporalUi?: { url: string; namespace: string };
  /** The console's sign-in (api/console/session.ts): CONSOLE_SESSION_HOURS, CONSOLE_SECURE_COOKIE. Defaults 8 h, off. */
  console?: { sessionHours: number; secureCookie: boolean };
  /** API_KEY_CACHE_SECONDS: how long a checked key or session is trusted in this process (api/auth.ts; default 5). */
  keyCacheSeconds?: number | undefined;
  /** The Apaleo and Mews adapters (api/pms/adapters/): webhooks, deliveries, syncs. Unset: their webhooks refuse. */
  pmsAdapters?: PmsAdaptersDeps;
}

/** Segments of the paths the routers below are mounted at (the metrics' route labels keep them). */
export const MOUNT_SEGMENTS = [
  'health',
  'v1',
  'pms',
  'guests',
  'cases',
  'links',
  'program',
  'admin',
  'workflows',
  'session',
  'console',
  'properties',
  'arrivals',
  'segments',
  'campaigns',
  'reports',
  'imports',
];

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  if (deps.metrics) app.use(deps.metrics.http);
  app.use(helmet());
  app.use(keyCache(deps.keyCacheSeconds ?? DEFAULT_KEY_CACHE_SECONDS));
  app.use(
    pinoHttp({
      logger: deps.logger,
      autoLogging: { ignore: (req) => req.url === '/health' },
      // The PMS adapters' webhooks carry their secret in the path: never logged.
      serializers: { req: hideWebhookToken },
    }),
  );

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // The API's description, public: `/v1/openapi.json` and the reference rendered from it, `/docs`.
  app.use(docsRouter());
  app.use(
    '/v1/pms',
    pmsRouter({
      db: deps.db,
      temporal: deps.temporal,
      taskQueue: deps.taskQueue,
      logger: deps.logger,
      webhookSecret: deps.pms.webhookSecret,
      previousWebhookSecret: deps.pms.previousWebhookSecret,
      toleranceSeconds: deps.pms.toleranceSeconds,
      nowSeconds: deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000)),
    }),
  );
  // Apaleo's and Mews's webhooks (a token in the path, basic auth), and the adapters for an admin: syncs, deliveries.
  const adapters = deps.pmsAdapters ?? {
    clients: {},
    apaleo: {},
    mews: {},
    defaults: { timezone: 'UTC', locale: 'en' },
    attempts: 1,
    retryBaseMs: 1000,
  };
  const wake = () => adapters.processor?.wake();
  app.use(
    '/v1/pms',
    adapterWebhookRouter({ db: deps.db, apaleo: adapters.apaleo, mews: adapters.mews, wake }),
  );
  app.use(
    '/v1/admin/pms',
    requireRole(deps.db, ROLES_FOR.admin),
    jsonBodyOnly,
    express.json({ limit: '16kb' }),
    pmsAdminRouter({
      db: deps.db,
      temporal: deps.temporal,
      taskQueue: deps.taskQueue,
      logger: deps.logger,
      defaults: adapters.defaults,
      toleranceSeconds: deps.pms.toleranceSeconds,
      clients: adapters.clients,
      wake,
    }),
  );
  // The console: its built files, and the sign-in that trades an API key for a session cookie.
  app.get('/', (_req, res) => res.redirect(302, '/console/'));
  app.use('/console', consoleRouter());
  app.use(
    '/v1/session',
    jsonBodyOnly,
    express.json({ limit: '4kb' }),
    sessionRouter({
      db: deps.db,
      hours: deps.console?.sessionHours ?? 8,
      secureCookie: deps.console?.secureCookie ?? false,
    }),
  );
  app.use('/v1/properties', requireRole(deps.db, ROLES_FOR.anyStaff), propertiesRouter({ db: deps.db }));
  app.use(
    '/v1/guests',
    requireRole(deps.db, ROLES_FOR.staff),
    jsonBodyOnly,
    express.json({ limit: '64kb' }),
    // A guest's consents, export and erasure (docs/privacy.md).
    privacyRouter({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue }),
    guestsRouter({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, logger: deps.logger }),
  );
  app.use(
    '/v1/cases',
    requireRole(deps.db, ROLES_FOR.staff),
    jsonBodyOnly,
    express.json({ limit: '64kb' }),
    casesRouter({
      db: deps.db,
      temporal: deps.temporal,
      taskQueue: deps.taskQueue,
      logger: deps.logger,
      nowSeconds: deps.nowSeconds,
    }),
  );

  // Workflows as Temporal's visibility has them, filtered by the guest's search attributes, and cancelled (staff).
  app.use(
    '/v1/workflows',
    workflowsRouter({
      db: deps.db,
      temporal: deps.temporal,
      taskQueue: deps.taskQueue,
      logger: deps.logger,
      temporalUi: deps.temporalUi,
    }),
  );

  // The day's arrivals at a property, each with the front desk's brief (staff).
  app.use('/v1/arrivals', arrivalsRouter({ db: deps.db }));

  // Marketers' segments: the count preview, saved segments, their guests and CSV, the requalification
  // forecast (marketer, admin).
  app.use(
    '/v1/segments',
    requireRole(deps.db, ROLES_FOR.marketing),
    jsonBodyOnly,
    express.json({ limit: '64kb' }),
    segmentsRouter({ db: deps.db, logger: deps.logger }),
  );

  // Campaigns: drafts, count preview, start, pause, resume, cancel, progress and result (marketer, admin).
  app.use(
    '/v1/campaigns',
    requireRole(deps.db, ROLES_FOR.marketing),
    jsonBodyOnly,
    express.json({ limit: '64kb' }),
    campaignsRouter({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, logger: deps.logger }),
  );

  // The marketing dashboard's reports, read-only (marketer, admin).
  app.use('/v1/reports', requireRole(deps.db, ROLES_FOR.marketing), reportsRouter({ db: deps.db }));

  // The program's rules versions and the re-earn of stays that waited for a rate (admin).
  const programDeps = {
    db: deps.db,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    logger: deps.logger,
  };
  app.use('/v1/program', programRouter(programDeps));
  // Member imports (admin): the CSV as the body, streamed to disk; before `/v1/admin`, which takes JSON only.
  app.use('/v1/admin/imports', importsRouter(programDeps));
  app.use('/v1/admin', adminRouter(programDeps));

  // Templates and cadences for role marketer (and admin): `/v1/templates`, `/v1/cadences`.
  app.use(
    '/v1',
    marketingRouter({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, logger: deps.logger }),
  );

  if (deps.links) {
    const { db, temporal, taskQueue, logger, nowSeconds } = deps;
    app.use(
      '/v1/links',
      linksRouter({ db, temporal, taskQueue, logger, nowSeconds, linksSecret: deps.links.secret }),
    );
  }

  app.use((req, _res, next) => {
    next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`, { path: req.path }));
  });
  app.use(errorMiddleware(deps.logger));
  return app;
}
