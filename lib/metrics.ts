/**
 * Prometheus metrics of the API process (prom-client), on a listener of their own (`METRICS_PORT`), apart from
 * the API the PMS reaches:
 * - `guest_engine_http_request_duration_seconds{method,route,status}`: every API request. One that reached a
 *   route handler is labelled by its path with every segment no route declares (ids, keys, tokens) as `:id`; any
 *   other (no route, or refused before one: no key, not JSON) is `unmatched`, so a scan cannot grow the label set;
 * - what the record says at the moment of the scrape (db/repositories/operations.ts): mails pending, overdue,
 *   failed for good, the age of the oldest due; PMS events not handled by their guest's workflow (what the
 *   sweeper re-drives) and their age; open service cases by SLA state; compensations waiting for a manager;
 *   follow-ups running per cadence version; stays waiting for a rate for their currency. `guest_engine_record_up` is 0 when the database did not answer;
 * - the process's own (CPU, memory, event loop lag, heap), prom-client's defaults.
 * The worker's Temporal metrics (task latencies, slots, activity failures) come from the SDK's own exporter
 * (`WORKER_METRICS_PORT`, worker.ts).
 */
import { createServer, type Server } from 'node:http';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Db } from '../db/knex.js';
import { readOperations } from '../db/repositories/operations.js';

export interface Metrics {
  registry: Registry;
  /** Times every request; mount first. */
  http: RequestHandler;
  /** Reads the record into the gauges; called before each scrape. */
  refresh(): Promise<void>;
}

export interface MetricsOptions {
  db: Db;
  /** Segments of the paths routers are mounted at (`/v1/guests` → v1, guests): Express keeps no string of them. */
  mountSegments?: string[];
  logger: Logger;
  /** A pending mail due longer ago than this is overdue (default 600 s). */
  overdueAfterSeconds?: number;
  /** A PMS event unhandled longer than this counts (default 60 s, when the sweeper takes it up). */
  unhandledAfterSeconds?: number;
  /** Each read of the record gives up after this (default 2,000 ms). */
  timeoutMs?: number;
}

/** The literal segments of every route path the app declares (Express's router stack, nested routers too). */
export function routeSegments(app: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (stack: unknown, depth: number) => {
    if (!Array.isArray(stack) || depth > 8) return;
    for (const layer of stack as { route?: { path?: unknown }; handle?: { stack?: unknown } }[]) {
      const paths = layer.route?.path;
      for (const p of Array.isArray(paths) ? paths : [paths])
        if (typeof p === 'string')
          for (const seg of p.split('/')) if (/^[a-z][a-z0-9-]*$/.test(seg)) out.add(seg);
      walk(layer.handle?.stack, depth + 1);
    }
  };
  walk((app as { router?: { stack?: unknown } }).router?.stack, 0);
  return out;
}

/** The path as a route label: a segment no route declares (an id, a key, a token) becomes `:id`. */
export function routeLabel(path: string, literals: Set<string>): string {
  const segments = path.split('?')[0]!.split('/');
  // No route of the API is deeper: a longer path is a scan, one label for all.
  if (segments.length > 8) return 'unmatched';
  return segments.map((s) => (s === '' || literals.has(s) ? s : ':id')).join('/') || '/';
}

export function createMetrics(opts: MetricsOptions): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'guest_engine_http_request_duration_seconds',
    help: 'API requests by method, route (ids as :id) and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge<L>({ name: `guest_engine_${name}`, help, labelNames, registers: [registry] });
  const up = gauge('record_up', '1 when the last read of the record for these metrics succeeded, else 0');
  const mails = gauge('mails', 'Mails in the outbox by state: pending, overdue, failed', ['state']);
  const oldestDue = gauge('mail_oldest_due_seconds', 'Seconds since the send time of the oldest due mail');
  const events = gauge(
    'pms_events_unhandled',
    'PMS events received over a minute ago not yet handled by their guest workflow, and of them never signalled',
    ['state'],
  );
  const oldestEvent = gauge('pms_event_oldest_unhandled_seconds', 'Age of the oldest unhandled PMS event');
  const cases = gauge('service_cases_open', 'Open service cases by SLA state', ['sla_state']);
  const awaiting = gauge('compensations_awaiting_approval', 'Compensations waiting for a manager');
  const awaitingRate = gauge(
    'stays_awaiting_rate',
    'Stays that earned no points because no rules version had a rate for their currency (re-earn them once one has)',
  );
  const followUps = gauge('follow_ups_running', 'Post-stay follow-ups running by cadence version', [
    'cadence',
    'version',
  ]);

  let literals: Set<string> | undefined;
  const http: RequestHandler = (req, res, next) => {
    literals ??= new Set([...(opts.mountSegments ?? []), ...routeSegments(req.app)]);
    const known = literals;
    const end = duration.startTimer();
    res.on('finish', () => {
      // Only a request that reached a route handler is labelled by its path (then bounded by the routes); one
      // refused before (no key, not JSON) or that no route answers is `unmatched`, whatever its path.
      const routed = (req as { route?: unknown }).route !== undefined;
      end({
        method: req.method,
        route: routed ? routeLabel(req.originalUrl, known) : 'unmatched',
        status: String(res.statusCode),
      });
    });
    next();
  };

  const refresh = async () => {
    try {
      const s = await readOperations(opts.db, {
        overdueAfterSeconds: opts.overdueAfterSeconds ?? 600,
        unhandledAfterSeconds: opts.unhandledAfterSeconds ?? 60,
        timeoutMs: opts.timeoutMs ?? 2000,
      });
      mails.set({ state: 'pending' }, s.mails.pending);
      mails.set({ state: 'overdue' }, s.mails.overdue);
      mails.set({ state: 'failed' }, s.mails.failed);
      oldestDue.set(s.mails.oldestDueSeconds);
      events.set({ state: 'unhandled' }, s.pmsEvents.unhandled);
      events.set({ state: 'unsignalled' }, s.pmsEvents.unsignalled);
      oldestEvent.set(s.pmsEvents.oldestSeconds);
      for (const [sla, n] of Object.entries(s.openCases)) cases.set({ sla_state: sla }, n);
      awaiting.set(s.compensationsAwaitingApproval);
      awaitingRate.set(s.staysAwaitingRate);
      followUps.reset();
      for (const [key, n] of Object.entries(s.followUpsRunning)) {
        const [cadence, version] = key.split(' v');
        followUps.set({ cadence: cadence!, version: version! }, n);
      }
      up.set(1);
    } catch (err) {
      // The last values stay; `record_up` says they are stale.
      up.set(0);
      opts.logger.warn({ err: (err as Error).message }, 'metrics: the record did not answer');
    }
  };

  return { registry, http, refresh };
}

/** Serves `GET /metrics` (Prometheus text format) on its own port; anything else is 404. */
export function listenMetrics(metrics: Metrics, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    void metrics
      .refresh()
      .then(() => metrics.registry.metrics())
      .then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
      );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
