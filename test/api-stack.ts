/**
 * The end-to-end tests' common setup: a Temporal dev server environment, an open stack (Postgres, SMTP sink,
 * activity deps), optionally a worker with the real activities on a task queue of the test's own, the API
 * (`createApp`) listening on a free port, and API keys by role. `close()` tears it down in the order the tests
 * need: the server, the worker, the test's own clean-up (with the database still open), the stack, the env.
 */
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import pino from 'pino';
import { expect } from 'vitest';
import type { Db } from '../db/knex.js';
import { createApp, MOUNT_SEGMENTS, type AppDeps } from '../api/app.js';
import { createMetrics, listenMetrics, type MetricsOptions } from '../lib/metrics.js';
import { sign } from '../api/pms/signature.js';
import { listen } from '../api/server.js';
import * as apiKeys from '../db/repositories/api-keys.js';
import type { Role } from '../db/repositories/api-keys.js';
import { createTestWorker, devServerEnv, openStack, uniqueTaskQueue, type Stack } from './helpers.js';
import { startPmsProcessor, type PmsAdaptersDeps } from '../api/pms/adapters/index.js';
import type { DeliveryProcessor } from '../api/pms/adapters/processor.js';

export interface ApiStackOptions {
  /** Name in the unique task queue (`test-<name>-…`). */
  name: string;
  /** The PMS webhook secret the app checks and `postPms` signs with. */
  pmsSecret: string;
  /** Mounts the signed links (`/v1/links`) with this secret. */
  linksSecret?: string;
  /** Start a worker with the real activities on the task queue (default true). */
  worker?: boolean;
  /** API keys to create, role to key name, in this order. */
  keys?: Partial<Record<Role, string>>;
  /** Prometheus metrics (lib/metrics.ts) on a port of their own: `metricsUrl`. */
  metrics?: Omit<MetricsOptions, 'db' | 'logger'>;
  /**
   * The PMS adapters (api/pms/adapters/): webhook tokens, clients (the fake PMS, test/fake-pms.ts), attempts and
   * the first retry's delay. With clients, the delivery processor runs (polling every `pollMs`, default 100).
   */
  pmsAdapters?: Partial<Omit<PmsAdaptersDeps, 'processor'>> & { pollMs?: number };
}

export interface Answer<T> {
  status: number;
  headers: Headers;
  json: T;
}

export interface PmsPostOptions {
  /** The body as sent (default: the JSON of `body`). */
  raw?: string;
  /** The `x-signature` header as given; `null` sends none (default: signed with the secret). */
  signature?: string | null;
  /** Unix seconds of the signature (default now). */
  timestamp?: number;
  /** Secret to sign with (default the stack's PMS secret). */
  secret?: string;
  /** Base URL (default the stack's). */
  url?: string;
}

export interface ApiStack {
  env: TestWorkflowEnvironment;
  stack: Stack;
  worker: Worker | undefined;
  server: Server;
  baseUrl: string;
  taskQueue: string;
  /** `GET /metrics` when the options asked for metrics. */
  metricsUrl: string | undefined;
  /** The key created for the role (throws when the options did not ask for one). */
  keyFor(role: Role): string;
  /** A JSON request with the key (`null`: no authorization) and an optional Idempotency-Key. */
  request<T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    opts: { key: string | null; idempotencyKey?: string | undefined },
  ): Promise<Answer<T>>;
  /** A signed PMS event to `/v1/pms/events`. */
  postPms(body: unknown, opts?: PmsPostOptions): Promise<Response>;
  /** Tears down; `cleanUp` runs after the server and worker stopped, before the stack closes. */
  close(cleanUp?: (api: ApiStack) => Promise<void>): Promise<void>;
}

export async function openApiStack(opts: ApiStackOptions): Promise<ApiStack> {
  const env = await devServerEnv();
  let stack: Stack | undefined;
  let worker: Worker | undefined;
  let workerDone: Promise<void> | undefined;
  let server: Server | undefined;
  let metricsServer: Server | undefined;
  let processor: DeliveryProcessor | undefined;
  const stopRunning = async () => {
    if (metricsServer) await new Promise((r) => metricsServer!.close(r));
    if (server) await new Promise((r) => server!.close(r));
    await processor?.stop();
    if (worker) {
      worker.shutdown();
      await workerDone;
    }
  };
  try {
    stack = await openStack();
    const taskQueue = uniqueTaskQueue(opts.name);
    if (opts.worker ?? true) {
      worker = await createTestWorker(env, taskQueue, stack.deps);
      workerDone = worker.run();
    }
    const deps: AppDeps = {
      db: stack.db,
      temporal: env.client,
      taskQueue,
      logger: pino({ level: 'silent' }),
      pms: { webhookSecret: opts.pmsSecret, toleranceSeconds: 300 },
      temporalUi: { url: 'http://127.0.0.1:8233', namespace: 'default' },
      ...(opts.linksSecret === undefined ? {} : { links: { secret: opts.linksSecret } }),
    };
    if (opts.pmsAdapters) {
      const { pollMs, ...given } = opts.pmsAdapters;
      const adapters: PmsAdaptersDeps = {
        clients: {},
        apaleo: {},
        mews: {},
        defaults: { timezone: 'UTC', locale: 'en' },
        attempts: 3,
        retryBaseMs: 50,
        ...given,
      };
      deps.pmsAdapters = adapters;
      if (Object.keys(adapters.clients).length > 0)
        processor = startPmsProcessor(
          { db: stack.db, temporal: env.client, taskQueue, logger: deps.logger, toleranceSeconds: 300 },
          adapters,
          { pollMs: pollMs ?? 100 },
        );
    }
    const metrics = opts.metrics
      ? createMetrics({ ...opts.metrics, db: stack.db, logger: deps.logger, mountSegments: MOUNT_SEGMENTS })
      : undefined;
    server = await listen(createApp({ ...deps, ...(metrics ? { metrics } : {}) }), '127.0.0.1', 0);
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (metrics) metricsServer = await listenMetrics(metrics, '127.0.0.1', 0);
    const metricsUrl = metricsServer
      ? `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}/metrics`
      : undefined;
    const keys: Partial<Record<Role, string>> = {};
    for (const [role, name] of Object.entries(opts.keys ?? {}) as [Role, string][])
      keys[role] = (await apiKeys.create(stack.db, { name, role })).key;
    const api: ApiStack = {
      env,
      stack,
      worker,
      server,
      baseUrl,
      taskQueue,
      metricsUrl,
      keyFor(role) {
        const key = keys[role];
        if (key === undefined) throw new Error(`no ${role} key in this stack`);
        return key;
      },
      async request<T>(
        method: 'GET' | 'POST',
        path: string,
        body: unknown,
        o: { key: string | null; idempotencyKey?: string | undefined },
      ): Promise<Answer<T>> {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (o.key) headers.authorization = `Bearer ${o.key}`;
        if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey;
        const res = await fetch(`${baseUrl}${path}`, {
          method,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: res.status, headers: res.headers, json: (await res.json()) as T };
      },
      postPms(body, o = {}) {
        const raw = o.raw ?? JSON.stringify(body);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (o.signature !== null)
          headers['x-signature'] =
            o.signature ??
            sign(o.secret ?? opts.pmsSecret, raw, o.timestamp ?? Math.floor(Date.now() / 1000));
        return fetch(`${o.url ?? baseUrl}/v1/pms/events`, { method: 'POST', headers, body: raw });
      },
      async close(cleanUp) {
        await stopRunning();
        if (cleanUp) await cleanUp(api);
        await stack!.close();
        await env.teardown();
      },
    };
    return api;
  } catch (err) {
    await stopRunning();
    await stack?.close();
    await env.teardown();
    throw err;
  }
}

/** Row counts of the tables, in one round trip. */
export async function countTables(db: Db, tables: readonly string[]): Promise<Record<string, number>> {
  const select = tables.map((t) => `(select count(*) from ${t})::int as ${t}`).join(', ');
  const result = await db.raw<{ rows: Record<string, number>[] }>(`select ${select}`);
  return result.rows[0]!;
}

export interface RawAnswer {
  status: number;
  body: unknown;
  text: string;
}

/** One HTTP request with the path and body bytes exactly as given (no URL normalisation, no re-encoding). */
export function sendRaw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    // Node sends a GET body without Content-Length unless told: the server would read it as the next request.
    const length = body ? { 'content-length': String(body.length) } : {};
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: { ...length, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface ErrorBody {
  error: { code: string; message: string; details: { field?: unknown; header?: unknown } };
}

/**
 * The rules every fuzzed answer keeps: never 5xx; a 4xx is `{ error: { code, message, details } }` (with
 * `detailsObject`, `details` checked to be an object) whose details name a field or a header; a 4xx writes
 * nothing (`counts()` as `before`). Returns the named field of a 4xx.
 */
export async function expectSafeAnswer(
  answer: RawAnswer,
  before: Record<string, number>,
  what: string,
  counts: () => Promise<Record<string, number>>,
  opts: { detailsObject?: boolean } = {},
): Promise<string | undefined> {
  if (answer.status >= 500 || answer.status < 200 || (answer.status >= 300 && answer.status < 400)) {
    expect.fail(`${what}: ${answer.status} ${answer.text.slice(0, 500)}`);
  }
  if (answer.status < 300) return undefined;
  const body = answer.body as ErrorBody | undefined;
  const shape = `${what}: ${answer.status} is not { error: { code, message, details } }: ${answer.text.slice(0, 300)}`;
  expect(typeof body?.error?.code, shape).toBe('string');
  expect(typeof body?.error?.message, shape).toBe('string');
  if (opts.detailsObject) expect(typeof body?.error?.details, shape).toBe('object');
  const { field, header } = body!.error.details;
  expect(
    typeof field === 'string' || typeof header === 'string',
    `${what}: ${answer.status} names no field: ${answer.text.slice(0, 300)}`,
  ).toBe(true);
  expect(await counts(), `${what}: a ${answer.status} wrote rows`).toEqual(before);
  return typeof field === 'string' ? field : undefined;
}

/** A form posted as a browser does (an html answer asked for). */
export function postForm(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers },
    body,
  });
}

/** The same answer as JSON (a JSON answer asked for). */
export function postFormJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
}
