/**
 * What the OpenAPI document (api/openapi/document.ts) needs to know of one route beyond api/access.ts: its
 * summary, the zod schemas its router validates with (path parameters, query, body: the very objects, imported
 * from the router's schema file), what it answers and the errors of its own. Who may call it (roles, security,
 * 401/403) comes from ROUTES; the 400s of its inputs and the body's 413/415 are added by the document.
 *
 * Each area keeps its operations next to its router (api/<area>/openapi.ts) as one `area({...})`.
 */
import { z } from 'zod';
import type { RouteKey } from '../access.js';

/** The error statuses a route may declare itself (401/403 come from its access). */
export type ErrorStatus = 400 | 401 | 404 | 409 | 410 | 413 | 422 | 429 | 503;

/** One error a route answers: its status, its `error.code`s and when. */
export interface ErrorCase {
  status: ErrorStatus;
  codes: readonly string[];
  when: string;
}

/** A success answer: JSON described by `schema` (or none: `description` only), or an HTML page. */
export interface Answer {
  description: string;
  schema?: z.ZodType;
  /** Also (or, without `schema`, only) a `text/html` page: the link pages for browsers. */
  html?: boolean;
  /** Only a `text/csv` file (a segment's export): its columns in `description`. */
  csv?: boolean;
}

export interface RequestBody {
  schema: z.ZodType;
  description?: string;
  /** Default true; false for a body that may be left out (`{}` is assumed). */
  required?: boolean;
  /** Also taken as `application/x-www-form-urlencoded` (the link pages' forms); `'only'`: only so. */
  form?: boolean | 'only';
  /** Not JSON-only: taken whatever its Content-Type (the PMS route reads the raw bytes it verifies). */
  anyContentType?: boolean;
}

export interface OperationSpec {
  /** One line: what the route does. */
  summary: string;
  /** More, in plain sentences; `code` in backticks. The document adds who may call it. */
  description?: string;
  /** The path parameters' schema (every `:name` of the path). */
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: RequestBody;
  /** Takes an optional `Idempotency-Key: <UUID>` and echoes it (api/guests/staff.ts `requestIdOf`). */
  idempotencyKey?: boolean;
  answers: Partial<Record<200 | 201 | 202, Answer>>;
  errors?: readonly ErrorCase[];
}

export interface Area<O extends Partial<Record<RouteKey, OperationSpec>>> {
  /** The tag of its operations: the heading they are grouped under in `/docs`. */
  tag: string;
  description: string;
  operations: O;
}

/**
 * An area of the API: its tag and its operations by route (`'GET /v1/guests/:id': {...}`). The operations keep
 * their literal keys, so api/openapi/document.ts can check at compile time that every route of ROUTES has one.
 */
export const area = <const O extends Partial<Record<RouteKey, OperationSpec>>>(a: Area<O>): Area<O> => a;

/**
 * The fields of an answer's object, checked against `T`, the type the handler sends: every field of `T` named,
 * none that it lacks (a field added to the service without a word here does not compile).
 */
export const fieldsOf =
  <T>() =>
  <S extends { [K in keyof T]-?: z.ZodType }>(
    description: string,
    shape: S & Record<Exclude<keyof S, keyof T>, never>,
  ) =>
    z.object(shape).meta({ description });

// --- shared pieces ---------------------------------------------------------------------------------------------

/** An ISO 8601 instant as the API writes it (`2026-03-12T03:15:00.000Z`). */
export const instantOut = (description?: string) => z.iso.datetime().meta(description ? { description } : {});
/** The same, or null. */
export const instantOrNull = (description?: string) => instantOut(description).nullable();
export const dateOut = (description?: string) => z.iso.date().meta(description ? { description } : {});
export const uuidOut = (description?: string) => z.uuid().meta(description ? { description } : {});
/** An object whose fields are the code's own (a workflow's state query, a stored JSON): described, not listed. */
export const opaque = (description: string) => z.record(z.string(), z.unknown()).meta({ description });

/** `{ error: { code, message, details } }`: every 4xx and 5xx (api/errors.ts). */
export const errorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'What went wrong, in snake case (`validation_failed`); stable.' }),
      message: z
        .string()
        .meta({ description: 'For people: the field and what is wrong with it. Never quotes the body.' }),
      details: z.record(z.string(), z.unknown()).meta({
        description:
          '`field` names the offending field (a dotted path into the body, a path or query parameter, `(body)`, `(path)`, `(query)`) or `header` the header; `issues` lists every problem of a 400 `validation_failed` (`{ field, code, message }`).',
      }),
    }),
  })
  .meta({ id: 'Error', description: 'The one error shape of the API (api/errors.ts).' });

/** The request header of the routes that take an `Idempotency-Key`. */
export const idempotencyKeyHeader = z.object({
  'Idempotency-Key': z.uuid().optional().meta({
    description:
      "The request's id (any case, used in lower case); without one a new UUID. A retry with the same key is answered once more and applies nothing twice; the same key with another body is `409 idempotency_key_reused`.",
  }),
});
