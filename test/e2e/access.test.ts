/**
 * api/access.ts is the one table of who may call what. Over real HTTP, every route it lists with a role set
 * answers 401 without a key and 403 to a key of each role the set does not name, before anything is read or
 * written; routes for the PMS and signed links take no key at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES_FOR, ROUTES, type Audience } from '../../api/access.js';
import { ROLES, type Role } from '../../db/repositories/api-keys.js';
import { openApiStack, type ApiStack } from '../api-stack.js';
import { countRows } from '../helpers.js';

let api: ApiStack;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-access',
    pmsSecret: 'e2e-access-pms-webhook-secret-0123456789',
    linksSecret: 'e2e-access-links-secret-0123456789',
    worker: false,
    keys: {
      ops: 'e2e access ops',
      manager: 'e2e access manager',
      marketer: 'e2e access marketer',
      admin: 'e2e access admin',
    },
  });
});

afterAll(async () => {
  await api?.close();
});

const ID = '00000000-0000-4000-8000-000000000001';
const concrete = (path: string) =>
  path.replace(/:[a-zA-Z]+/g, (p) => (p === ':key' ? 'post-stay' : p === ':version' ? '1' : ID));
const gated = ROUTES.filter(
  (r): r is (typeof ROUTES)[number] & { access: Audience } => r.access in ROLES_FOR,
);

describe('who may call which route (api/access.ts)', () => {
  it('lists every gated route once', () => {
    const seen = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
    expect(seen.size).toBe(ROUTES.length);
    expect(gated.length).toBeGreaterThan(30);
  });

  it.each(gated.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s: 401 without a key, 403 for other roles',
    async (_name, r) => {
      const path = concrete(r.path);
      const body = r.method === 'POST' ? {} : undefined;
      const none = await api.request<{ error: { code: string } }>(r.method, path, body, { key: null });
      expect(none.status).toBe(401);
      const allowed: readonly Role[] = ROLES_FOR[r.access];
      for (const role of ROLES.filter((x) => !allowed.includes(x))) {
        const answer = await api.request<{ error: { code: string; details: { allowed: string[] } } }>(
          r.method,
          path,
          body,
          {
            key: api.keyFor(role),
          },
        );
        expect(answer.status, `${role} on ${r.method} ${path}`).toBe(403);
        expect(answer.json.error.code).toBe('forbidden');
      }
      for (const role of allowed) {
        const answer = await api.request(r.method, path, body, { key: api.keyFor(role) });
        expect([401, 403], `${role} on ${r.method} ${path}`).not.toContain(answer.status);
      }
    },
  );

  it('changed nothing while refusing', async () => {
    expect(await countRows(api.stack.db, 'staff_requests')).toBe(0);
    expect(await countRows(api.stack.db, 'service_cases')).toBe(0);
  });
});
