/**
 * Which role may call which route: the one table. Staff authenticate with an API key that has one role
 * (api/auth.ts, `npm run api-key`); the PMS signs its webhooks instead (api/pms/signature.ts); guests follow
 * signed links from their mails (lib/links.ts). The routers gate with these role sets, and
 * test/e2e/access.test.ts calls every route below with every role it does not name and expects 403.
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
  /** Templates and cadences. */
  marketing: ['marketer', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Audience = keyof typeof ROLES_FOR;

/** Who may call a route: a role set, the PMS by its signature, or the guest by a signed link. */
export type Access = Audience | 'pms-signature' | 'signed-link';

export interface RouteAccess {
  method: 'GET' | 'POST';
  path: string;
  access: Access;
}

const route = (method: RouteAccess['method'], path: string, access: Access): RouteAccess => ({
  method,
  path,
  access,
});

export const ROUTES: readonly RouteAccess[] = [
  route('POST', '/v1/pms/events', 'pms-signature'),

  route('GET', '/v1/guests', 'staff'),
  route('GET', '/v1/guests/:id', 'staff'),
  route('POST', '/v1/guests/:id/points/redemptions', 'staff'),
  route('POST', '/v1/guests/:id/points/adjustments', 'admin'),
  route('POST', '/v1/guests/:id/tier-floor', 'admin'),
  route('POST', '/v1/guests/:id/win-back', 'staff'),
  route('POST', '/v1/guests/:id/reload', 'staff'),
  route('POST', '/v1/guests/:id/restart', 'admin'),

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

  route('GET', '/v1/program/rules', 'staff'),
  route('POST', '/v1/program/rules', 'admin'),
  route('POST', '/v1/admin/stays/re-earn', 'admin'),

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

  ...(['why', 'unsubscribe', 'survey', 'report', 'satisfaction'] as const).flatMap((page) => [
    route('GET', `/v1/links/${page}/:token`, 'signed-link'),
    route('POST', `/v1/links/${page}/:token`, 'signed-link'),
  ]),
];
