/**
 * `npm run bench:segments`: what a marketer's segment costs on the operations
 * bench's data set (bench/guest-data.ts, 100,000 guests by default; `--guests N`).
 *
 * The stack is its own and thrown away: embedded PostgreSQL in a temp folder, migrated, with the data
 * generated and analysed. The segment routes (api/segments/router.ts) run in this process on a free port,
 * behind a stand-in for the marketer's key (no Temporal, no key check: what is measured is the segment's
 * statements and the answer's JSON or CSV). One request at a time, after a warm-up:
 *
 * - **Preview** (`POST /v1/segments/preview`, the live count of the builder, with the first 20 guests by name)
 *   of a few definitions: the whole base; "gold, lapsed within 90 days, zh-CN"; value VIP and major with
 *   consent; RFM recency and monetary 4–5; lapsed within 3 years; established members; stayed at one hotel.
 *   `--rounds` times each (default 5), cold (the segment context computed for the request) and warm (reused,
 *   as for the builder's clicks after the first): median and slowest. Then the whole base split into its
 *   statements (db/repositories/segments.ts: `segmentContext`, one pass over the stays for the RFM cut points
 *   and the spenders; the preview's one statement, count and first page; a count alone).
 * - **A saved segment's page** of 50 by name, the first and the one after 1,000 guests (`GET …/guests`).
 * - **The CSV** of the whole base (`GET …/export.csv`): seconds, rows and megabytes.
 * - **The requalification forecast** (`GET /v1/segments/forecast`): count and the first page.
 *
 * Results also go to `<DATA_DIR>/bench/segments.json`; the figures and how to read them: docs/benchmarks.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import express from 'express';
import pino from 'pino';
import { errorMiddleware } from '../api/errors.js';
import { segmentsRouter } from '../api/segments/router.js';
import { loadConfigOrExit } from '../config.js';
import * as segments from '../db/repositories/segments.js';
import type { SegmentDefinition } from '../domain/segments.js';
import { consoleStepLog as log, step } from '../stack/step.js';
import { generateGuestData } from './guest-data.js';
import { benchStops, runBench, throwawayPostgres } from './process.js';

const TIME_LIMIT_MS = 30 * 60_000;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = 'Usage: npm run bench:segments -- [--guests N] [--rounds K]';

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      guests: { type: 'string', default: process.env.BENCH_GUESTS ?? '100000' },
      rounds: { type: 'string', default: '5' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      console.error(`--${name} must be a whole number from ${min} to ${max}, got '${raw}'\n\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  return {
    guests: int('guests', values.guests, 1000, 1_000_000),
    rounds: int('rounds', values.rounds, 1, 50),
  };
}

const DEFINITIONS: { name: string; definition: SegmentDefinition }[] = [
  { name: 'whole base', definition: {} },
  {
    name: 'gold, lapsed within 90 days, zh-CN',
    definition: { tiers: ['gold'], languages: ['zh-CN'], lapsedWithinDays: 90 },
  },
  { name: 'VIP and major, with consent', definition: { value: ['vip', 'major'], marketingConsent: true } },
  { name: 'RFM recency 4–5, monetary 4–5', definition: { rfm: { recency: [4, 5], monetary: [4, 5] } } },
  { name: 'lapsed within 3 years', definition: { lapsedWithinDays: 1095 } },
  { name: 'established members', definition: { tenure: ['established'] } },
  { name: 'stayed at SHA-PUDONG', definition: { properties: ['SHA-PUDONG'] } },
];

const { onStop, shutdown, stopping } = benchStops();

const ms = (t0: number) => performance.now() - t0;
const f0 = (n: number) => n.toFixed(0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function timed<T>(
  rounds: number,
  fn: () => Promise<T>,
): Promise<{ medianMs: number; maxMs: number; last: T }> {
  const times: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < rounds && !stopping(); i++) {
    const t0 = performance.now();
    last = await fn();
    times.push(ms(t0));
  }
  return { medianMs: median(times), maxMs: Math.max(...times), last: last as T };
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const opts = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const loadBefore = loadavg();
  log(
    `Bench stack (${opts.guests.toLocaleString('en-US')} guests; DATABASE_URL is not used: the data is thrown away):`,
  );
  const { db } = await throwawayPostgres(onStop);
  log('Data:');
  const counts = await generateGuestData(db, opts.guests, log);
  await step(log, 'vacuum analyze', () => db.raw('vacuum analyze'));

  // The segment routes alone, as api/app.ts mounts them, behind a stand-in for the marketer's key.
  // `/cold/…`: the segment context (RFM cut points, spenders) computed for each request; `/v1/…`: reused for
  // 30 s as the API does (api/segments/service.ts `contextOf`), what the builder's clicks after the first get.
  const app = express();
  const marketer: express.RequestHandler = (req, _res, next) => {
    req.principal = { keyId: 0, name: 'bench', role: 'marketer' };
    next();
  };
  app.use(
    '/cold/v1/segments',
    marketer,
    express.json({ limit: '64kb' }),
    segmentsRouter({ db, contextTtlMs: 0 }),
  );
  app.use('/v1/segments', marketer, express.json({ limit: '64kb' }), segmentsRouter({ db }));
  app.use(errorMiddleware(pino({ level: 'silent' })));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  onStop('segment routes', () => new Promise((r) => server.close(r)));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`);
    return text;
  };

  log(`\nPreview (POST /v1/segments/preview, limit 20), ${opts.rounds} rounds each after a warm-up;`);
  log('cold: the context computed for the request; warm: the context of a request less than 30 s before:');
  await call('POST', '/cold/v1/segments/preview', { definition: {}, limit: 20 });
  const previews = [];
  for (const d of DEFINITIONS) {
    const body = { definition: d.definition, limit: 20 };
    const cold = await timed(opts.rounds, () => call('POST', '/cold/v1/segments/preview', body));
    await call('POST', '/v1/segments/preview', body);
    const warm = await timed(opts.rounds, () => call('POST', '/v1/segments/preview', body));
    const count = (JSON.parse(warm.last) as { count: number }).count;
    previews.push({
      name: d.name,
      definition: d.definition,
      count,
      cold: { medianMs: cold.medianMs, maxMs: cold.maxMs },
      warm: { medianMs: warm.medianMs, maxMs: warm.maxMs },
    });
    log(
      `  ${d.name.padEnd(36)} ${String(count).padStart(7)} guests  cold median ${f0(cold.medianMs).padStart(5)} ms (max ${f0(cold.maxMs)})  warm median ${f0(warm.medianMs).padStart(5)} ms (max ${f0(warm.maxMs)})`,
    );
  }

  log('\nThe whole base, statement by statement (db/repositories/segments.ts):');
  const today = new Date().toISOString().slice(0, 10);
  const ctxRun = await timed(opts.rounds, () => segments.segmentContext(db, today));
  const ctx = ctxRun.last;
  const previewRun = await timed(opts.rounds, () => segments.previewSegment(db, {}, ctx, 20));
  const countRun = await timed(opts.rounds, () => segments.countSegment(db, {}, ctx, ctx.spenders));
  const parts = {
    contextMs: ctxRun.medianMs,
    previewStatementMs: previewRun.medianMs,
    countStatementMs: countRun.medianMs,
  };
  for (const [k, v] of Object.entries(parts)) log(`  ${k.padEnd(24)} median ${f0(v).padStart(5)} ms`);

  log('\nA saved segment (the whole base): pages of 50 by name, the CSV, and the forecast:');
  const saved = JSON.parse(
    await call('POST', '/v1/segments', { name: 'bench: whole base', definition: {} }),
  ) as {
    segment: { id: string };
  };
  const id = saved.segment.id;
  const firstPage = await timed(opts.rounds, () => call('GET', `/v1/segments/${id}/guests?limit=50`));
  // The cursor after 1,000 guests.
  let cursor: string | null = null;
  for (let i = 0; i < 5; i++) {
    const page = JSON.parse(
      await call('GET', `/v1/segments/${id}/guests?limit=200${cursor ? `&cursor=${cursor}` : ''}`),
    ) as { nextCursor: string | null };
    cursor = page.nextCursor;
  }
  const laterPage = await timed(opts.rounds, () =>
    call('GET', `/v1/segments/${id}/guests?limit=50&cursor=${cursor}`),
  );
  log(`  page 1 of 50                         median ${f0(firstPage.medianMs).padStart(5)} ms`);
  log(`  page after 1,000 guests              median ${f0(laterPage.medianMs).padStart(5)} ms`);
  const t0 = performance.now();
  const csv = await call('GET', `/v1/segments/${id}/export.csv`);
  const csvMs = ms(t0);
  const csvRows = csv.split('\r\n').length - 2;
  const csvMb = Buffer.byteLength(csv) / 1e6;
  log(
    `  CSV of the whole base                ${(csvMs / 1000).toFixed(1)} s, ${csvRows} rows, ${csvMb.toFixed(1)} MB`,
  );
  const forecast = await timed(opts.rounds, () => call('GET', '/v1/segments/forecast?limit=50'));
  const forecastCount = (JSON.parse(forecast.last) as { count: number }).count;
  log(
    `  forecast (count + first 50)          median ${f0(forecast.medianMs).padStart(5)} ms, ${forecastCount} members`,
  );

  const dir = path.resolve(repoRoot, config.DATA_DIR, 'bench');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'segments.json');
  await writeFile(
    file,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        options: opts,
        data: counts,
        environment: {
          node: process.version,
          cpus: availableParallelism(),
          cpuModel: cpus()[0]?.model.trim() ?? null,
          loadBefore,
          loadAfter: loadavg(),
        },
        previews,
        wholeBaseStatements: parts,
        pages: { firstMs: firstPage.medianMs, after1000Ms: laterPage.medianMs },
        csv: { seconds: csvMs / 1000, rows: csvRows, megabytes: csvMb },
        forecast: { medianMs: forecast.medianMs, count: forecastCount },
      },
      null,
      2,
    )}\n`,
  );
  log(`\nResults written to ${path.relative(process.cwd(), file) || file}.`);
}

runBench({ main, shutdown, stopping, timeLimitMs: TIME_LIMIT_MS });
