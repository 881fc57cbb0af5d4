/**
 * Which role may call which route: the one table. Staff authenticate with an API key that has one role
 * (api/auth.ts, `npm run api-key`); the PMS signs its webhooks instead (api/pms/signature.ts); guests follow
 * signed links from their mails (lib/links.ts); a few routes are public (the health check, the API's own
 * description). The routers gate with these role sets; test/e2e/access.test.ts calls every route below with
 * no key and with a key of every role and expects 401, 403 or neither as the route's access says; the
 * OpenAPI document (api/openapi/document.ts) describes every route below, and only those.
 */
import type { Role } from '../db/repositories/api-keys.js';

/** The role sets the routers gate with. */
export const ROLES_FOR = {
  /** Front office, guest relations, managers: guests, cases, the program's rules. */
  staff: ['ops', 'manager', 'admin'],
  /** A compensation above the frontline limit. */
  manager: ['manager'],
  /** Points by hand, tier floors, publishing rules, re-earning stays, restarting a guest's workflow. */
  admin: ['admin'],
  /** Templates, cadences, segments, campaigns, the dashboard's reports. */
  marketing: ['marketer', 'admin'],
  /** Anyone with a staff key: who is signed in, the hotels. */
  anyStaff: ['ops', 'manager', 'marketer', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Audience = keyof typeof ROLES_FOR;

/**
 * Who may call a route: a role set, the PMS by its signature, Apaleo or Mews by the secret token in the path
 * (`pms-token`: and/or basic auth for Apaleo; api/pms/adapters/router.ts), the guest by a signed link, or anyone
 * (`public`: no key is asked for, and a key sent is not looked at).
 */
export type Access = Audience | 'pms-signature' | 'pms-token' | 'signed-link' | 'public';

/** Whether the access is a role set (an API key of one of its roles). */
export const isAudience = (access: Access): access is Audience => Object.hasOwn(ROLES_FOR, access);

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteAccess {
  method: HttpMethod;
  /** The path as Express has it (`/v1/guests/:id`). */
  path: string;
  access: Access;
}

/** One route; method and path keep their literal types, so that `RouteKey` lists every route by name. */
const route = <const M extends HttpMethod, const P extends string>(method: M, path: P, access: Access) => ({
  method,
  path,
  access,
});

export const ROUTES = [
  route('GET', '/health', 'public'),
  route('GET', '/v1/openapi.json', 'public'),
  // The console's sign-in: the key travels in the body (POST), the session in its cookie (api/console/session.ts).
  route('POST', '/v1/session', 'public'),
  route('GET', '/v1/session', 'public'),
  route('DELETE', '/v1/session', 'public'),

  route('POST', '/v1/pms/events', 'pms-signature'),
  // The PMS adapters (api/pms/adapters/): Apaleo's and Mews's webhooks, and for an admin the catch-up syncs and
  // the deliveries (parked ones, re-drive).
  route('POST', '/v1/pms/apaleo/:token', 'pms-token'),
  route('POST', '/v1/pms/mews/:token', 'pms-token'),
  route('POST', '/v1/admin/pms/syncs', 'admin'),
  route('GET', '/v1/admin/pms/syncs', 'admin'),
  route('GET', '/v1/admin/pms/syncs/:id', 'admin'),
  route('GET', '/v1/admin/pms/deliveries', 'admin'),
  route('POST', '/v1/admin/pms/deliveries/:id/redrive', 'admin'),

  route('GET', '/v1/properties', 'anyStaff'),

  route('GET', '/v1/guests', 'staff'),
  route('GET', '/v1/guests/:id', 'staff'),
  route('GET', '/v1/guests/:id/workflow', 'staff'),
  route('GET', '/v1/guests/:id/timeline', 'staff'),
  route('POST', '/v1/guests/:id/points/redemptions', 'staff'),
  route('POST', '/v1/guests/:id/points/adjustments', 'admin'),
  route('POST', '/v1/guests/:id/tier-floor', 'admin'),
  route('POST', '/v1/guests/:id/preferences', 'staff'),
  route('POST', '/v1/guests/:id/preferences/:preferenceId/remove', 'staff'),
  route('POST', '/v1/guests/:id/win-back', 'staff'),
  route('POST', '/v1/guests/:id/reload', 'staff'),
  route('POST', '/v1/guests/:id/restart', 'admin'),
  // A guest's privacy (api/privacy/router.ts, docs/privacy.md): consent history, export, erasure.
  route('GET', '/v1/guests/:id/consents', 'staff'),
  route('GET', '/v1/guests/:id/export', 'admin'),
  route('POST', '/v1/guests/:id/erasure', 'admin'),

  route('POST', '/v1/cases', 'staff'),
  route('GET', '/v1/cases', 'staff'),
  route('GET', '/v1/cases/:id', 'staff'),
  route('POST', '/v1/cases/:id/assign', 'staff'),
  route('POST', '/v1/cases/:id/notes', 'staff'),
  route('POST', '/v1/cases/:id/compensations', 'staff'),
  route('POST', '/v1/cases/:id/compensations/:compensationId/approve', 'manager'),
  route('POST', '/v1/cases/:id/resolve', 'staff'),
  route('POST', '/v1/cases/:id/satisfaction', 'staff'),

  route('GET', '/v1/workflows', 'staff'),
  route('GET', '/v1/workflows/:id', 'staff'),
  route('POST', '/v1/workflows/:id/cancel', 'staff'),

  route('GET', '/v1/arrivals', 'staff'),
  // Segments (api/segments/router.ts): the preview, the forecast, saved segments, their guests and CSV.
  route('POST', '/v1/segments/preview', 'marketing'),
  route('GET', '/v1/segments/forecast', 'marketing'),
  route('GET', '/v1/segments/forecast.csv', 'marketing'),
  route('GET', '/v1/segments', 'marketing'),
  route('POST', '/v1/segments', 'marketing'),
  route('GET', '/v1/segments/:id', 'marketing'),
  route('POST', '/v1/segments/:id', 'marketing'),
  route('DELETE', '/v1/segments/:id', 'marketing'),
  route('GET', '/v1/segments/:id/guests', 'marketing'),
  route('GET', '/v1/segments/:id/export.csv', 'marketing'),

  route('GET', '/v1/campaigns', 'marketing'),
  route('POST', '/v1/campaigns', 'marketing'),
  route('GET', '/v1/campaigns/:id', 'marketing'),
  route('GET', '/v1/campaigns/:id/report', 'marketing'),
  route('POST', '/v1/campaigns/:id/preview', 'marketing'),
  route('POST', '/v1/campaigns/:id/start', 'marketing'),
  route('POST', '/v1/campaigns/:id/pause', 'marketing'),
  route('POST', '/v1/campaigns/:id/resume', 'marketing'),
  route('POST', '/v1/campaigns/:id/cancel', 'marketing'),

  // The marketing dashboard's reports (api/reports/router.ts; domain/reports.ts REPORT_NAMES).
  route('GET', '/v1/reports/guests-by-stage', 'marketing'),
  route('GET', '/v1/reports/guests-by-tier', 'marketing'),
  route('GET', '/v1/reports/stays-and-mails', 'marketing'),
  route('GET', '/v1/reports/suppressed-mails', 'marketing'),
  route('GET', '/v1/reports/cases', 'marketing'),
  route('GET', '/v1/reports/cost-buckets', 'marketing'),
  route('GET', '/v1/reports/retention', 'marketing'),
  route('GET', '/v1/reports/win-back', 'marketing'),
  route('GET', '/v1/reports/satisfaction', 'marketing'),
  route('GET', '/v1/reports/churn-reasons', 'marketing'),

  route('GET', '/v1/program/rules', 'staff'),
  route('POST', '/v1/program/rules', 'admin'),
  // An admin's drafts of a rules version and the tier-change preview (api/program/drafts.ts).
  route('POST', '/v1/program/rules/preview', 'admin'),
  route('GET', '/v1/program/rules/drafts', 'admin'),
  route('POST', '/v1/program/rules/drafts', 'admin'),
  route('GET', '/v1/program/rules/drafts/:id', 'admin'),
  route('POST', '/v1/program/rules/drafts/:id', 'admin'),
  route('DELETE', '/v1/program/rules/drafts/:id', 'admin'),
  route('POST', '/v1/program/rules/drafts/:id/publish', 'admin'),
  route('POST', '/v1/admin/stays/re-earn', 'admin'),
  // Member imports (api/imports/router.ts): upload a CSV, the list, one import's progress, its bad-line report.
  route('POST', '/v1/admin/imports', 'admin'),
  route('GET', '/v1/admin/imports', 'admin'),
  route('GET', '/v1/admin/imports/:id', 'admin'),
  route('GET', '/v1/admin/imports/:id/report', 'admin'),

  route('GET', '/v1/templates', 'marketing'),
  route('GET', '/v1/templates/:key', 'marketing'),
  route('GET', '/v1/templates/:key/versions/:version', 'marketing'),
  route('POST', '/v1/templates/:key/versions', 'marketing'),
  route('POST', '/v1/templates/:key/versions/:version/publish', 'marketing'),
  route('POST', '/v1/templates/:key/preview', 'marketing'),
  route('GET', '/v1/cadences', 'marketing'),
  route('GET', '/v1/cadences/:key', 'marketing'),
  route('GET', '/v1/cadences/:key/versions/:version', 'marketing'),
  route('POST', '/v1/cadences/:key/versions', 'marketing'),
  route('POST', '/v1/cadences/:key/versions/:version/publish', 'marketing'),
  route('GET', '/v1/cadences/:key/diff', 'marketing'),
  route('POST', '/v1/cadences/:key/rollback', 'marketing'),
  route('POST', '/v1/cadences/:key/preview', 'marketing'),
  route('GET', '/v1/cadences/:key/dry-run', 'marketing'),
  route('POST', '/v1/cadences/:key/moves', 'marketing'),
  // The console's cadence and template pages (console/src/pages/cadences): a draft's check, the dry run over
  // the base, and a guest to preview for (id and name only).
  route('POST', '/v1/templates/:key/check', 'marketing'),
  route('GET', '/v1/cadences/:key/dry-run/steps', 'marketing'),
  route('GET', '/v1/marketing/guests', 'marketing'),

  ...(['why', 'unsubscribe', 'survey', 'report', 'satisfaction'] as const).flatMap((page) => [
    route('GET', `/v1/links/${page}/:token`, 'signed-link'),
    route('POST', `/v1/links/${page}/:token`, 'signed-link'),
  ]),
] as const satisfies readonly RouteAccess[];

/** `'GET /v1/guests/:id'`: a route of ROUTES by its method and path (api/openapi/document.ts needs one entry each). */
export type RouteKey = KeyOf<(typeof ROUTES)[number]>;
type KeyOf<R> = R extends { method: infer M extends string; path: infer P extends string }
  ? `${M} ${P}`
  : never;

export const routeKey = (r: Pick<RouteAccess, 'method' | 'path'>) => `${r.method} ${r.path}`;
