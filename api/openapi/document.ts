/**
 * The OpenAPI 3.1 document of the API, built from one place: every route of ROUTES (api/access.ts) with its
 * operation from the areas below (api/<area>/openapi.ts: the zod schemas its router validates with, its answers
 * and errors). Who may call a route — the roles in the description and `x-roles`, the `security` requirement,
 * the 401/403 — comes from its access; the 400 of its inputs and the 413/415 of a body are added here.
 *
 * A route in ROUTES without an operation does not compile (`OPERATIONS` below); one named in an area but not in
 * ROUTES throws. api/openapi/openapi.unit.test.ts compares the document with the routes Express has.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  isAudience,
  ROLES_FOR,
  ROUTES,
  routeKey,
  type Access,
  type Audience,
  type RouteAccess,
  type RouteKey,
} from '../access.js';
import { casesArea } from '../cases/openapi.js';
import { guestsArea } from '../guests/openapi.js';
import { privacyArea } from '../privacy/openapi.js';
import { linksArea } from '../links/openapi.js';
import { cadencesArea, templatesArea } from '../marketing/openapi.js';
import { pmsArea } from '../pms/openapi.js';
import { pmsAdaptersArea } from '../pms/adapters/openapi.js';
import { programArea } from '../program/openapi.js';
import { workflowsArea } from '../workflows/openapi.js';
import { publicArea } from './public.js';
import { consoleArea } from '../console/openapi.js';
import { arrivalsArea } from '../arrivals/openapi.js';
import { segmentsArea } from '../segments/openapi.js';
import { campaignsArea } from '../campaigns/openapi.js';
import { reportsArea } from '../reports/openapi.js';
import { importsArea } from '../imports/openapi.js';
import { errorBody, idempotencyKeyHeader, type Area, type OperationSpec } from './spec.js';

/** In the order `/docs` shows them. */
const AREAS = [
  pmsArea,
  pmsAdaptersArea,
  guestsArea,
  privacyArea,
  arrivalsArea,
  segmentsArea,
  campaignsArea,
  reportsArea,
  casesArea,
  workflowsArea,
  programArea,
  importsArea,
  templatesArea,
  cadencesArea,
  linksArea,
  consoleArea,
  publicArea,
] as const satisfies readonly Area<Partial<Record<RouteKey, OperationSpec>>>[];

/** Every route's operation: a route of ROUTES missing here is a compile error naming it. */
const OPERATIONS = {
  ...pmsArea.operations,
  ...pmsAdaptersArea.operations,
  ...guestsArea.operations,
  ...privacyArea.operations,
  ...arrivalsArea.operations,
  ...segmentsArea.operations,
  ...campaignsArea.operations,
  ...reportsArea.operations,
  ...casesArea.operations,
  ...workflowsArea.operations,
  ...programArea.operations,
  ...importsArea.operations,
  ...templatesArea.operations,
  ...cadencesArea.operations,
  ...linksArea.operations,
  ...consoleArea.operations,
  ...publicArea.operations,
} satisfies Record<RouteKey, OperationSpec>;

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** `/v1/guests/:id` → `/v1/guests/{id}`. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** `POST /v1/cases/:id/notes` → `postCasesByIdNotes`. */
export function operationId(r: Pick<RouteAccess, 'method' | 'path'>): string {
  const words = r.path
    .split('/')
    .filter((s) => s !== '' && s !== 'v1')
    .flatMap((s) => (s.startsWith(':') ? ['by', s.slice(1)] : s.split(/[^A-Za-z0-9]+/)))
    .filter(Boolean);
  return r.method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/** The security scheme of each way in (none for routes anyone may call). */
const SECURITY_SCHEMES = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description:
      'A staff API key with one role (`ops`, `manager`, `admin`, `marketer`): `Authorization: Bearer <key>`. Keys are created with `npm run api-key -- create --name … --role …`; only their hash is stored.',
  },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: 'gle_session',
    description:
      "The staff console's session (`POST /v1/session`, api/console/session.ts): HttpOnly, SameSite=Strict, ends after CONSOLE_SESSION_HOURS or when its key is revoked. A write with it also needs `X-Console: 1`.",
  },
  pmsSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Signature',
    description:
      '`X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with the shared secret `PMS_WEBHOOK_SECRET` (or, while rotating, `PMS_WEBHOOK_SECRET_PREVIOUS`); `t` within `PMS_SIGNATURE_TOLERANCE_SECONDS` (default 300) of now (api/pms/signature.ts).',
  },
} as const;

/** An error of any status (ErrorCase's statuses are those a route declares itself). */
interface AnyError {
  status: number;
  codes: readonly string[];
  when: string;
}

/** The refusals of the ways in, shared by every route of the way (`components.responses`). */
const SHARED_ERRORS = {
  Unauthenticated: {
    status: 401,
    codes: ['unauthenticated'],
    when: 'no `Authorization: Bearer <api key>`, or an unknown or revoked key (`details.header`: `Authorization`)',
  },
  Forbidden: {
    status: 403,
    codes: ['forbidden'],
    when: "the key's role is not one of the route's roles (`x-roles`; `details.role`, `details.allowed`)",
  },
  SignatureRefused: {
    status: 401,
    codes: ['signature_missing', 'signature_malformed', 'signature_expired', 'signature_mismatch'],
    when: '`X-Signature` missing, not `t=…,v1=…`, its time too far from now, or made with another secret or body (`details.header`: `X-Signature`)',
  },
  WebhookRefused: {
    status: 401,
    codes: ['webhook_unauthenticated'],
    when: 'the token in the path or the basic auth is wrong or missing, or the webhook is not configured (`details.field`: `token`, or `details.header`: `Authorization`)',
  },
} as const satisfies Record<string, AnyError>;

type SharedError = keyof typeof SHARED_ERRORS;

/** How the document describes one way in: who calls (the description's first line), security, refusals. */
interface WayIn {
  caller: string;
  /** The `security` requirement: none (`[]`) where no credential is asked for. */
  security: Record<string, string[]>[];
  errors: (AnyError | SharedError)[];
}

/** The ways in other than a role set. A new kind of access in api/access.ts is a type error here until described. */
const WAYS_IN: Record<Exclude<Access, Audience>, WayIn> = {
  'pms-signature': {
    caller: 'Caller: the PMS, by the HMAC signature of the raw body in `X-Signature`; no API key.',
    security: [{ pmsSignature: [] }],
    errors: ['SignatureRefused'],
  },
  'pms-token': {
    caller:
      'Caller: Apaleo or Mews, by the secret token in the path (and/or, for Apaleo, HTTP basic auth), compared in constant time (api/pms/adapters/router.ts); no API key.',
    // OpenAPI has no scheme for a credential in the path: the token is the `{token}` parameter.
    security: [],
    errors: ['WebhookRefused'],
  },
  'signed-link': {
    caller:
      'Caller: the guest, by the signed, expiring link of a mail: the `{token}` in the path is the authority (lib/links.ts); no API key. A browser gets an HTML page, a client sending `Accept: application/json` gets JSON.',
    // OpenAPI has no scheme for a credential in the path: the token is the `{token}` parameter.
    security: [],
    errors: [
      {
        status: 400,
        codes: ['link_invalid'],
        when: 'not a token, altered, signed with another secret, or for another purpose (`details.field`: `token`)',
      },
      { status: 410, codes: ['link_expired'], when: 'past its expiry (`details.expiredAt`)' },
      {
        status: 410,
        codes: ['link_gone'],
        when: 'what the link names (the guest, the stay, the case) no longer exists',
      },
    ],
  },
  public: { caller: 'Caller: anyone; no API key.', security: [], errors: [] },
};

/** A role set: an API key of one of its roles (api/auth.ts `requireRole`). */
function wayIn(access: Access): WayIn {
  if (!isAudience(access)) return WAYS_IN[access];
  return {
    caller: `Roles: ${ROLES_FOR[access].join(', ')} (an API key of one of these roles).`,
    security: [{ apiKey: [] }, { sessionCookie: [] }],
    errors: ['Unauthenticated', 'Forbidden'],
  };
}

/** The errors every route with inputs or a body has (api/errors.ts). */
function inputErrors(spec: OperationSpec, access: Access): AnyError[] {
  const cases: AnyError[] = [];
  const named = [
    // A signed link's token is refused as `link_invalid` (its way in), not as a field; a webhook's is refused as a 401 (its way in), not as a field.
    spec.params && access !== 'signed-link' && access !== 'pms-token' && 'a path parameter',
    spec.query && 'a query parameter',
    spec.body && 'a body field',
    spec.idempotencyKey && '`Idempotency-Key`',
  ].filter(Boolean);
  if (named.length > 0)
    cases.push({
      status: 400,
      codes: ['validation_failed'],
      when: `${named.join(', ')} missing, mistyped or out of range (\`details.field\` or \`details.header\`; \`details.issues\`)`,
    });
  if (spec.body) {
    cases.push({
      status: 400,
      codes: ['malformed_json', 'malformed_body'],
      when: 'the body is not JSON, or could not be read (`details.field`: `(body)`)',
    });
    cases.push({
      status: 413,
      codes: ['payload_too_large'],
      when: "the body is over the route's limit (`details.limit`)",
    });
  }
  return cases;
}

/** The 415s of a body: charset and encoding always, JSON-only where the route takes only JSON. */
function bodyMediaErrors(spec: OperationSpec): AnyError | undefined {
  if (!spec.body) return undefined;
  const jsonOnly = !spec.body.form && !spec.body.anyContentType;
  return {
    status: 415,
    codes: [
      ...(jsonOnly ? ['unsupported_media_type'] : []),
      'unsupported_content_encoding',
      // The raw bytes of a signed body are read as they come: no charset to refuse.
      ...(spec.body.anyContentType ? [] : ['unsupported_charset']),
    ],
    when: [
      ...(jsonOnly ? ['a body sent as anything but `application/json`'] : []),
      'a `Content-Encoding` other than identity, gzip, deflate or br',
      ...(spec.body.anyContentType ? [] : ['a charset other than UTF-8']),
    ].join('; '),
  };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable',
  429: 'Too many requests',
  503: 'Unavailable',
};

/** An error response: its status's words, then each code and when, one line each. */
function errorResponse(status: number, cases: readonly AnyError[]) {
  const lines = cases.map((c) => `- ${c.codes.map((code) => `\`${code}\``).join(', ')}: ${c.when}`);
  return {
    description: `${STATUS_TEXT[status] ?? 'Error'}.\n\n${lines.join('\n')}`,
    content: { 'application/json': { schema: errorBody } },
  };
}

/** One response per status; a shared refusal alone in its status is a reference to it. */
function errorResponses(cases: readonly (AnyError | SharedError)[]): RouteConfig['responses'] {
  const byStatus = new Map<number, (AnyError | SharedError)[]>();
  for (const c of cases) {
    const status = typeof c === 'string' ? SHARED_ERRORS[c].status : c.status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), c]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, group]) => [
      status,
      group.length === 1 && typeof group[0] === 'string'
        ? { $ref: `#/components/responses/${group[0]}` }
        : errorResponse(
            status,
            group.map((c) => (typeof c === 'string' ? SHARED_ERRORS[c] : c)),
          ),
    ]),
  );
}

function successResponses(spec: OperationSpec, idempotent: boolean): RouteConfig['responses'] {
  const headers = idempotent
    ? z.object({
        'Idempotency-Key': z
          .uuid()
          .meta({ description: "The request's id: the key sent, or the one made for it." }),
        'Idempotent-Replayed': z
          .literal('true')
          .optional()
          .meta({ description: 'Set when the answer is a repeat of a request already applied.' }),
      })
    : undefined;
  return Object.fromEntries(
    Object.entries(spec.answers).map(([status, a]) => [
      status,
      {
        description: a.description,
        ...(headers ? { headers } : {}),
        ...(a.schema || a.html || a.csv
          ? {
              content: {
                ...(a.html ? { 'text/html': { schema: z.string() } } : {}),
                ...(a.csv ? { 'text/csv': { schema: z.string() } } : {}),
                ...(a.schema ? { 'application/json': { schema: a.schema } } : {}),
              },
            }
          : {}),
      },
    ]),
  );
}

function operationOf(r: RouteAccess, spec: OperationSpec, tag: string): RouteConfig {
  const way = wayIn(r.access);
  const errors = [...way.errors, ...inputErrors(spec, r.access), ...(spec.errors ?? [])];
  const media = bodyMediaErrors(spec);
  const body = spec.body;
  const bodyTypes = [
    ...(body && body.form !== 'only' ? ['application/json'] : []),
    ...(body?.form ? ['application/x-www-form-urlencoded'] : []),
  ];
  const roles = isAudience(r.access) ? [...ROLES_FOR[r.access]] : [];
  return {
    method: r.method.toLowerCase() as RouteConfig['method'],
    path: openApiPath(r.path),
    operationId: operationId(r),
    tags: [tag],
    summary: spec.summary,
    description: [way.caller, spec.description].filter(Boolean).join('\n\n'),
    security: way.security,
    'x-access': r.access,
    'x-roles': roles,
    request: {
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.idempotencyKey ? { headers: idempotencyKeyHeader } : {}),
      ...(body
        ? {
            body: {
              required: body.required ?? true,
              ...(body.description ? { description: body.description } : {}),
              content: Object.fromEntries(bodyTypes.map((t) => [t, { schema: body.schema }])),
            },
          }
        : {}),
    },
    responses: {
      ...successResponses(spec, spec.idempotencyKey ?? false),
      ...errorResponses([...errors, ...(media ? [media] : [])]),
    },
  };
}

export function buildOpenApiDocument(): OpenApiDocument {
  const operations: Partial<Record<string, { spec: OperationSpec; tag: string }>> = {};
  for (const a of AREAS)
    for (const [key, spec] of Object.entries(a.operations) as [string, OperationSpec][])
      operations[key] = { spec, tag: a.tag };
  const routeKeys = new Set<string>(ROUTES.map(routeKey));
  const extra = Object.keys(operations).filter((k) => !routeKeys.has(k));
  if (extra.length > 0)
    throw new Error(`operations for routes not in api/access.ts ROUTES: ${extra.join(', ')}`);

  const registry = new OpenAPIRegistry();
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES))
    registry.registerComponent('securitySchemes', name, scheme);
  for (const [name, e] of Object.entries(SHARED_ERRORS))
    registry.registerComponent('responses', name, {
      description: `${STATUS_TEXT[e.status]}.\n\n- ${e.codes.map((c) => `\`${c}\``).join(', ')}: ${e.when}`,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    });
  for (const r of ROUTES) {
    const found = operations[routeKey(r)];
    if (!found) throw new Error(`no operation for ${routeKey(r)}`);
    registry.registerPath(operationOf(r, found.spec, found.tag));
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Guest lifecycle engine API',
      version: 'v1',
      description:
        'JSON in and out under `/v1`. Staff call with an API key of one role; the PMS signs its webhooks; guests follow signed links from their mails. Every error is `{ error: { code, message, details } }` with `details.field` or `details.header` naming the offender; a refused request writes nothing and starts no workflow. The rendered reference is at `/docs`.',
    },
    tags: AREAS.map((a) => ({ name: a.tag, description: a.description })),
  });
}

let built: OpenApiDocument | undefined;

/** The document, built once per process (it depends on the code only). */
export function openApiDocument(): OpenApiDocument {
  built ??= buildOpenApiDocument();
  return built;
}

/** Typed access to the operations (for tests). */
export const operationFor = (key: RouteKey): OperationSpec => OPERATIONS[key];
