/**
 * The OpenAPI document (api/openapi/document.ts) against the app it describes: every route Express has — found
 * by walking the router stack of `createApp(...)`, mounted routers too — is in the document, and the document
 * names no route that does not exist; it is valid OpenAPI 3.1; and each operation says who may call it as
 * api/access.ts does. No servers: the app is built with stand-in dependencies and never listens.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ROLES_FOR, ROUTES, routeKey } from '../access.js';
import { createApp, type AppDeps } from '../app.js';
import { buildOpenApiDocument, openApiPath, operationId } from './document.js';
import { renderDocsPage } from './docs-page.js';
import { DOCS_PAGES } from './router.js';
import { CONSOLE_PAGES } from '../console/static.js';

/** The parts of Express 5's router stack (the `router` package) the walk reads. */
interface Layer {
  /** The path the layer was declared with (`app.use('/v1/guests', …)`, `router.get('/:id', …)`). */
  rawPath?: string | string[];
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

const join = (prefix: string, path: string) => {
  const full = `${prefix}/${path}`.replace(/\/+/g, '/');
  return full.length > 1 ? full.replace(/\/$/, '') : full;
};

/** Every route of the app as `GET /v1/guests/{id}`: routes of the app and of every router mounted in it. */
function expressRoutes(app: unknown): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[], prefix: string, depth: number) => {
    expect(depth, 'routers nested deeper than any in the app').toBeLessThan(8);
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths)
          for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all'))
            out.push(`${method.toUpperCase()} ${openApiPath(join(prefix, path))}`);
      } else if (Array.isArray(layer.handle?.stack)) {
        expect(
          layer.rawPath,
          'a mounted router without its path: has Express changed its Layer?',
        ).toBeDefined();
        const mounts = Array.isArray(layer.rawPath) ? layer.rawPath : [layer.rawPath!];
        for (const mount of mounts) walk(layer.handle.stack, join(prefix, mount), depth + 1);
      }
    }
  };
  const router = (app as { router?: { stack?: Layer[] } }).router;
  expect(Array.isArray(router?.stack), 'app.router.stack: has Express changed?').toBe(true);
  walk(router!.stack!, '', 0);
  return out;
}

/** The app as the API runs it, links mounted; nothing is called, so the servers are stand-ins. */
const app = createApp({
  db: {} as AppDeps['db'],
  temporal: {} as AppDeps['temporal'],
  taskQueue: 'openapi-unit',
  logger: pino({ level: 'silent' }),
  pms: { webhookSecret: 'openapi-unit-pms-secret-0123456789', toleranceSeconds: 300 },
  links: { secret: 'openapi-unit-links-secret-0123456789' },
});

const doc = buildOpenApiDocument();
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Op = { operationId: string; parameters?: { name: string; in: string }[]; security: unknown[] } & Record<
  string,
  unknown
>;
const documented = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
  METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((m) => ({
    key: `${m.toUpperCase()} ${path}`,
    op: (item as Record<string, Op>)[m]!,
  })),
);
// Pages for people, not API routes: the rendered reference and the console's files (api/console/static.ts).
const docsPages = new Set<string>([...DOCS_PAGES, ...CONSOLE_PAGES].map((p) => `GET ${p}`));

describe('the OpenAPI document and the app', () => {
  const inApp = expressRoutes(app);

  it('finds the routes of the app, mounted routers included', () => {
    expect(inApp).toContain('GET /health');
    expect(inApp).toContain('POST /v1/cases/{id}/compensations/{compensationId}/approve');
    expect(inApp).toContain('GET /v1/templates/{key}/versions/{version}');
    expect(inApp).toContain('POST /v1/links/why/{token}');
    expect(inApp.length).toBeGreaterThan(40);
  });

  it('documents every route of the app', () => {
    const inDocument = new Set(documented.map((d) => d.key));
    const missing = inApp.filter((r) => !docsPages.has(r) && !inDocument.has(r));
    expect(missing, 'routes Express has that the document lacks').toEqual([]);
  });

  it('names no route the app does not have', () => {
    const routes = new Set(inApp);
    expect(documented.map((d) => d.key).filter((k) => !routes.has(k))).toEqual([]);
  });

  it('gives every operation an id of its own', () => {
    const ids = documented.map((d) => d.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has exactly the routes of api/access.ts ROUTES, each once', () => {
    const fromRoutes = ROUTES.map((r) => `${r.method} ${openApiPath(r.path)}`);
    expect(new Set(fromRoutes).size).toBe(ROUTES.length);
    expect(documented.map((d) => d.key).sort()).toEqual([...fromRoutes].sort());
  });

  it('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('says who may call each route as ROUTES does: roles, security, 401/403', () => {
    for (const r of ROUTES) {
      const op = (doc.paths![openApiPath(r.path)] as Record<string, Op>)[r.method.toLowerCase()]!;
      const what = routeKey(r);
      expect(op.operationId, what).toBe(operationId(r));
      expect(op['x-access'], what).toBe(r.access);
      const responses = op.responses as Record<string, { $ref?: string }>;
      if (r.access in ROLES_FOR) {
        const roles = ROLES_FOR[r.access as keyof typeof ROLES_FOR];
        expect(op['x-roles'], what).toEqual(roles);
        expect(op.description, what).toContain(`Roles: ${roles.join(', ')}`);
        expect(op.security, what).toEqual([{ apiKey: [] }, { sessionCookie: [] }]);
        expect(responses['401']?.$ref, what).toBe('#/components/responses/Unauthenticated');
        expect(responses['403']?.$ref, what).toBe('#/components/responses/Forbidden');
      } else {
        expect(op['x-roles'], what).toEqual([]);
        expect(responses['403'], what).toBeUndefined();
        expect(op.security, what).toEqual(r.access === 'pms-signature' ? [{ pmsSignature: [] }] : []);
        if (r.access === 'pms-signature')
          expect(responses['401']?.$ref, what).toBe('#/components/responses/SignatureRefused');
        else if (r.access === 'pms-token')
          expect(responses['401']?.$ref, what).toBe('#/components/responses/WebhookRefused');
        // Signing in refuses an unknown key itself (its 401 is its own error, not a way in's).
        else if (!(r.method === 'POST' && r.path === '/v1/session'))
          expect(responses['401'], what).toBeUndefined();
      }
      // Every path parameter is declared, with the schema the router validates it with.
      const inPath = [...r.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
      expect(
        (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        what,
      ).toEqual(inPath);
      if (inPath.length > 0 || op.requestBody) expect(responses['400'], `${what}: its 400`).toBeDefined();
    }
  });

  it('shares the error shape as a component and refers every error to it', () => {
    expect(doc.components?.schemas?.Error).toMatchObject({
      properties: { error: { required: ['code', 'message', 'details'] } },
    });
    for (const { key, op } of documented)
      for (const [status, response] of Object.entries(
        op.responses as Record<string, Record<string, unknown>>,
      )) {
        if (Number(status) < 400) continue;
        const schema = (response.content as Record<string, { schema: unknown }> | undefined)?.[
          'application/json'
        ]?.schema;
        if (response.$ref) expect(response.$ref, key).toMatch(/^#\/components\/responses\//);
        else expect(schema, `${key} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
      }
  });

  it('takes the zod schemas the routers validate with', () => {
    const body = (key: string) =>
      (
        documented.find((d) => d.key === key)!.op.requestBody as {
          content: Record<string, { schema: unknown }>;
        }
      ).content['application/json']!.schema;
    // api/guests/staff.ts redemptionBody: points 1…10,000,000, an optional note of at most 200.
    expect(body('POST /v1/guests/{id}/points/redemptions')).toMatchObject({
      properties: { points: { type: 'integer', minimum: 1, maximum: 10_000_000 }, note: { maxLength: 200 } },
      required: ['points'],
    });
    // api/marketing/schema.ts: a strict object refuses unknown fields.
    expect(body('POST /v1/cadences/{key}/moves')).toMatchObject({ additionalProperties: false });
    // api/cases/schema.ts listQuery: the filters as query parameters.
    const list = documented.find((d) => d.key === 'GET /v1/cases')!.op;
    expect(list.parameters?.filter((p) => p.in === 'query').map((p) => p.name)).toEqual([
      'status',
      'department',
      'sla',
      'priority',
      'property',
      'guestId',
      'limit',
      'before',
    ]);
  });

  it('renders every operation in /docs without a script or an inline style', () => {
    const html = renderDocsPage(doc, { stylesheet: '/docs/docs.css', json: '/v1/openapi.json' });
    for (const { key, op } of documented) {
      const [method, path] = key.split(' ') as [string, string];
      expect(html, key).toContain(`id="${op.operationId}"`);
      expect(html, key).toContain(
        `<span class="method ${method.toLowerCase()}">${method}</span> <code class="path">${path}</code>`,
      );
    }
    expect(html).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i);
  });
});
