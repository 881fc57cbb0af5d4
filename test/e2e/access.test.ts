/**
 * api/access.ts is the one table of who may call what. Over real HTTP, every route it lists is called with no
 * key and with a key of every role, and answers exactly as its access says:
 *
 * - a role set: 401 without a key, 403 (`forbidden`) to a role the set does not name — before anything is
 *   read or written — and neither to a role it names (a 400, 404 or 200: the ids and bodies are dummies);
 * - the PMS's signature: 401 without a signature, whatever key is sent; neither once signed;
 * - a signed link, or public: neither 401 nor 403, with or without a key.
 *
 * One server; the callers of a route at once, several routes at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAudience, ROLES_FOR, ROUTES, routeKey, type Access, type RouteAccess } from '../../api/access.js';
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
    pmsAdapters: { apaleo: { token: APALEO_TOKEN }, mews: { token: MEWS_TOKEN } },
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
const APALEO_TOKEN = 'e2e-access-apaleo-token-0123456789';
const MEWS_TOKEN = 'e2e-access-mews-token-0123456789';
const concrete = (path: string) =>
  path.replace(/:[a-zA-Z]+/g, (p) => (p === ':key' ? 'post-stay' : p === ':version' ? '1' : ID));

/** Who calls: no key, a key of each role, (the PMS route) a correct signature, or (a PMS adapter's webhook) its token. */
type Caller = 'no key' | Role | 'signed' | 'token';
/** What the route must answer: exactly 401, exactly 403, or anything but those two. */
type Expected = '401' | '403' | 'neither';

function expected(access: Access, caller: Caller): Expected {
  if (isAudience(access)) {
    if (caller === 'no key') return '401';
    const allowed: readonly string[] = ROLES_FOR[access];
    return allowed.includes(caller) ? 'neither' : '403';
  }
  switch (access) {
    case 'pms-signature':
      // A bearer key is no signature.
      return caller === 'signed' ? 'neither' : '401';
    case 'pms-token':
      // A bearer key is no webhook token (the dummy path segment is the wrong one).
      return caller === 'token' ? 'neither' : '401';
    case 'signed-link':
    case 'public':
      return 'neither';
    default: {
      // A new kind of access: say here what it answers to each caller.
      const unknown: never = access;
      throw new Error(`no expectation for access ${String(unknown)}`);
    }
  }
}

const callersOf = (r: RouteAccess): Caller[] => [
  'no key',
  ...ROLES,
  ...(r.access === 'pms-signature' ? ['signed' as const] : []),
  ...(r.access === 'pms-token' ? ['token' as const] : []),
];

async function call(r: RouteAccess, caller: Caller): Promise<{ status: number; code: unknown }> {
  const token = r.path.includes('/apaleo/') ? APALEO_TOKEN : MEWS_TOKEN;
  const path = caller === 'token' ? r.path.replace(':token', token) : concrete(r.path);
  const hasBody = r.method !== 'GET' && r.method !== 'DELETE';
  let res: Response;
  if (caller === 'signed') {
    res = await api.postPms({});
  } else {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (hasBody) headers['content-type'] = 'application/json';
    if (caller !== 'no key' && caller !== 'token') headers.authorization = `Bearer ${api.keyFor(caller)}`;
    res = await fetch(`${api.baseUrl}${path}`, {
      method: r.method,
      headers,
      ...(hasBody ? { body: '{}' } : {}),
    });
  }
  const text = await res.text();
  let code: unknown;
  try {
    code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
  } catch {
    code = undefined;
  }
  return { status: res.status, code };
}

const outcome = (status: number): Expected => (status === 401 ? '401' : status === 403 ? '403' : 'neither');

describe('who may call which route (api/access.ts)', () => {
  it('lists every route once, and every kind of access', () => {
    const seen = new Set(ROUTES.map(routeKey));
    expect(seen.size).toBe(ROUTES.length);
    expect(ROUTES.filter((r) => r.access in ROLES_FOR).length).toBeGreaterThan(30);
    expect(new Set(ROUTES.map((r) => r.access))).toEqual(
      new Set([...Object.keys(ROLES_FOR), 'pms-signature', 'pms-token', 'signed-link', 'public']),
    );
  });

  it.concurrent.each(ROUTES.map((r) => [routeKey(r), r] as const))(
    '%s: 401, 403 or neither, as its access says, for no key and every role',
    async (_name, r) => {
      const callers = callersOf(r);
      const answers = await Promise.all(callers.map((c) => call(r, c)));
      const got = Object.fromEntries(callers.map((c, i) => [c, `${outcome(answers[i]!.status)}`]));
      const want = Object.fromEntries(callers.map((c) => [c, expected(r.access, c)]));
      // Statuses kept with the mismatch, to read what a wrong answer was.
      const statuses = Object.fromEntries(callers.map((c, i) => [c, answers[i]!.status]));
      expect(got, `${routeKey(r)} answered ${JSON.stringify(statuses)}`).toEqual(want);
      answers.forEach((a, i) => {
        if (a.status === 403) expect(a.code, `${callers[i]} on ${routeKey(r)}`).toBe('forbidden');
      });
    },
  );
});

describe('afterwards', () => {
  it('changed nothing while refusing', async () => {
    expect(await countRows(api.stack.db, 'staff_requests')).toBe(0);
    expect(await countRows(api.stack.db, 'service_cases')).toBe(0);
    expect(await countRows(api.stack.db, 'pms_events')).toBe(0);
    expect(await countRows(api.stack.db, 'pms_deliveries')).toBe(0);
  });
});
