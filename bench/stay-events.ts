/**
 * `npm run bench`: how much the API costs on the way into Temporal.
 *
 * Sends N signed stay.completed events (default 2,000) through the API
 * (`POST /v1/pms/events`: signature check, validation, a Postgres transaction
 * upserting the guest and recording the event, `signalWithStart` on the
 * guest's workflow, the event marked signalled, 202) and the same N through a
 * bare `client.workflow.signalWithStart` loop, with the same concurrency, on
 * one Temporal dev server in one run. Prints events/s and p50/p90/p99/max
 * latency of each path and the API/raw ratios; the target is an API
 * throughput of at least 0.8× the raw loop's.
 *
 * What is measured: durable acceptance of the signal. No worker polls the
 * bench's task queue, so nothing runs the workflows: the API answers 202 once
 * Temporal has accepted signalWithStart, and the raw loop awaits the same
 * call. Every event is a new guest and a new stay, so on both paths each one
 * starts a new workflow. A warm-up per path (not counted) comes first; the
 * measured events are then split into rounds that alternate the order of the
 * paths (`raw, api`, then `api, raw`, …), so neither always runs on the
 * emptier server.
 *
 * The stack is its own and thrown away: embedded PostgreSQL in a temp folder,
 * a Temporal dev server in memory, and the API as a separate Node process
 * running the compiled build (as in production, so the bench client does not
 * share its event loop).
 * DATABASE_URL / TEMPORAL_ADDRESS, if set, are used instead of starting
 * servers; the bench then leaves its rows and (open) workflows behind.
 * Loopback addresses only. The whole run is bounded (10 minutes); Ctrl-C and
 * failures stop everything it started. Results also go to
 * `<DATA_DIR>/bench/latest.json`.
 *
 * Options: --events N (default 2000, at most 20000) --concurrency C (default 16)
 *          --rounds R (default 2) --cpu-prof (the API process runs with `node --cpu-prof`; the
 *          profile goes to `<DATA_DIR>/bench/profiles/` and is summarised by self time at the end)
 *
 * On Linux the bench also reads /proc before and after each measured run and prints the CPU
 * milliseconds one event cost each component (bench client, API, PostgreSQL, Temporal).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { sign } from '../api/pms/signature.js';
import { loadConfigOrExit } from '../config.js';
import { createDb, migrateLatest } from '../db/knex.js';
import type { GuestMessage } from '../domain/messages.js';
import { connectClient } from '../lib/runtime.js';
import { freePort } from '../stack/ports.js';
import { startEmbeddedPostgres } from '../stack/postgres.js';
import { consoleStepLog as log, step } from '../stack/step.js';
import { BenchError, runBench } from './process.js';
import { sampleStayCompletedBody, sampleStayCompletedMessage } from '../stack/sample-events.js';
import { GUEST_WORKFLOW_TYPE, guestMessageSignal, type GuestLifecycleWorkflow } from '../contracts/guest.js';
import { apiCpuProfile, benchApiEnv, benchTemporal, startApi } from './api-process.js';
import { addCpu, COMPONENTS, cpuDelta, cpuSnapshot, type CpuSnapshot } from './proc-cpu.js';

const MAX_EVENTS = 20_000;
const MAX_CONCURRENCY = 256;
const MAX_ROUNDS = 10;
const TIME_LIMIT_MS = 10 * 60_000;
const TARGET_RATIO = 0.8;
const REQUEST_TIMEOUT_MS = 30_000;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------- options

const USAGE = `Usage: npm run bench -- [--events N] [--concurrency C] [--rounds R] [--cpu-prof]
  --events N        events per path (default 2000, at most ${MAX_EVENTS})
  --concurrency C   requests in flight on each path (default 16, at most ${MAX_CONCURRENCY})
  --rounds R        measured rounds, alternating the order of the paths (default 2, at most ${MAX_ROUNDS})
  --cpu-prof        run the API under node --cpu-prof and summarise its profile (slows the API down)`;

interface Options {
  events: number;
  concurrency: number;
  rounds: number;
  warmup: number;
  cpuProf: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '16' },
      rounds: { type: 'string', default: '2' },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, raw: string, min: number, max: number): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      console.error(`--${name} must be a whole number from ${min} to ${max}, got '${raw}'\n\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  const events = int('events', values.events, 1, MAX_EVENTS);
  const concurrency = int('concurrency', values.concurrency, 1, MAX_CONCURRENCY);
  const rounds = int('rounds', values.rounds, 1, Math.min(MAX_ROUNDS, events));
  return {
    events,
    concurrency,
    rounds,
    warmup: Math.min(100, Math.ceil(events / 10)),
    cpuProf: values['cpu-prof'],
  };
}

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

// ---------------------------------------------------------------- events

type PathName = 'raw' | 'api';

/** Builds one event (not timed) and returns the call that delivers it (timed). */
type Prepare = () => () => Promise<void>;

function rawPath(client: Client, taskQueue: string): Prepare {
  return () => {
    const signal = sampleStayCompletedMessage();
    return async () => {
      await client.workflow.signalWithStart<GuestLifecycleWorkflow, [GuestMessage]>(GUEST_WORKFLOW_TYPE, {
        workflowId: `bench-raw-${randomUUID()}`,
        taskQueue,
        args: [{ guestId: randomUUID() }],
        signal: guestMessageSignal,
        signalArgs: [signal],
      });
    };
  };
}

function apiPath(agent: Agent, port: number, secret: string): Prepare {
  return () => {
    const body = JSON.stringify(sampleStayCompletedBody());
    const signature = sign(secret, body, Math.floor(Date.now() / 1000));
    return async () => {
      const res = await post(agent, port, '/v1/pms/events', body, { 'x-signature': signature });
      if (res.status !== 202) throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 300)}`);
    };
  };
}

function post(
  agent: Agent,
  port: number,
  urlPath: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: 'POST',
        agent,
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
    req.on('error', reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------- running a path

interface RunResult {
  path: PathName;
  events: number;
  ok: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
  errorSamples: string[];
  /** CPU milliseconds each component used during the run (all zero where /proc is not there). */
  cpu: CpuSnapshot;
}

let stopping = false;
/** The API process's pid, once it runs: its CPU is told apart from the bench's other children. */
let apiPid: number | undefined;

/** `count` events through `prepare`, `concurrency` in flight, with a progress line on stderr. */
async function runPath(
  name: PathName,
  label: string,
  count: number,
  concurrency: number,
  prepare: Prepare,
): Promise<RunResult> {
  const latenciesMs: number[] = [];
  const errorSamples = new Set<string>();
  let errors = 0;
  let next = 0;
  let done = 0;
  const started = performance.now();

  const tty = process.stderr.isTTY;
  let lastDecile = 0;
  const progress = (final = false) => {
    const rate = done / Math.max((performance.now() - started) / 1000, 1e-3);
    const line = `  ${label.padEnd(22)} ${String(done).padStart(6)}/${count} (${Math.floor((done / count) * 100)}%)  ${rate.toFixed(0)} events/s${errors ? `  ${errors} errors` : ''}`;
    if (tty) process.stderr.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else {
      const decile = Math.floor((done / count) * 10);
      // Not a terminal: a line at each further 10% and one at the end.
      if ((decile > lastDecile && decile < 10) || final) {
        lastDecile = decile;
        process.stderr.write(`${line}\n`);
      }
    }
  };
  const ticker = setInterval(() => progress(), tty ? 200 : 100);
  const cpuBefore = cpuSnapshot(apiPid);

  const lane = async () => {
    while (!stopping && next < count) {
      next += 1;
      const deliver = prepare();
      const t0 = performance.now();
      try {
        await deliver();
        latenciesMs.push(performance.now() - t0);
      } catch (err) {
        errors += 1;
        if (errorSamples.size < 5) errorSamples.add(err instanceof Error ? err.message : String(err));
      }
      done += 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  } finally {
    clearInterval(ticker);
  }
  // Stopping (Ctrl-C, time limit, API gone): no partial figures; shutdown() takes it from here.
  if (stopping) throw new Error(`${label}: stopped`);
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuDelta(cpuBefore, cpuSnapshot(apiPid));
  progress(true);
  return {
    path: name,
    events: done,
    ok: latenciesMs.length,
    errors,
    seconds,
    latenciesMs,
    errorSamples: [...errorSamples],
    cpu,
  };
}

// ---------------------------------------------------------------- statistics

interface Stats {
  events: number;
  ok: number;
  errors: number;
  seconds: number;
  eventsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** One path's figures over one or more runs: successful events per measured second, latencies pooled. */
function statsOf(runs: RunResult[]): Stats {
  const sorted = runs.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  const ok = runs.reduce((s, r) => s + r.ok, 0);
  return {
    events: runs.reduce((s, r) => s + r.events, 0),
    ok,
    errors: runs.reduce((s, r) => s + r.errors, 0),
    seconds,
    eventsPerSecond: ok / seconds,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? NaN,
  };
}

/** CPU milliseconds per successful event, by component, over one path's runs. */
function cpuPerEvent(runs: RunResult[]): { perEvent: CpuSnapshot; total: number } {
  const sum = runs.reduce((acc, r) => addCpu(acc, r.cpu), cpuDelta(runs[0]!.cpu, runs[0]!.cpu));
  const ok = Math.max(
    1,
    runs.reduce((s, r) => s + r.ok, 0),
  );
  const perEvent = { ...sum };
  for (const c of COMPONENTS) perEvent[c] = sum[c] / ok;
  return { perEvent, total: COMPONENTS.reduce((s, c) => s + perEvent[c], 0) };
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].map((l) => `  ${l}`).join('\n');
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');

function statsRow(label: string, s: Stats): string[] {
  return [
    label,
    String(s.events),
    f2(s.seconds),
    f1(s.eventsPerSecond),
    f1(s.p50Ms),
    f1(s.p90Ms),
    f1(s.p99Ms),
    f1(s.maxMs),
    String(s.errors),
  ];
}
const STATS_HEADER = [
  'path',
  'events',
  'seconds',
  'events/s',
  'p50 ms',
  'p90 ms',
  'p99 ms',
  'max ms',
  'errors',
];
const PATH_LABEL: Record<PathName, string> = {
  raw: 'raw signalWithStart',
  api: 'API POST /v1/pms/events',
};

// ---------------------------------------------------------------- main

const stops: { name: string; stop: () => Promise<unknown> }[] = [];
const onStop = (name: string, stop: () => Promise<unknown>) => stops.push({ name, stop });

async function stopAll(): Promise<void> {
  for (const { name, stop } of stops.splice(0).reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`${name}: no answer in 15s`), 15_000);
    });
    const problem = await Promise.race([stop().then(() => undefined), timeout]).catch(
      (err: unknown) => `${name}: ${err instanceof Error ? err.message : 'failed'}`,
    );
    clearTimeout(timer);
    if (problem) log(`  ✗ stop ${problem}`);
  }
}

async function shutdown(code: number, why?: string): Promise<never> {
  if (stopping) return new Promise<never>(() => undefined);
  stopping = true;
  if (why) log(`\n${why}`);
  await stopAll();
  if (why) log('Stopped.');
  process.exit(code);
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const opts = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const runStarted = performance.now();

  if (config.DATABASE_URL && !isLoopbackHost(new URL(config.DATABASE_URL).hostname)) {
    throw new BenchError(
      'DATABASE_URL must point at a loopback address (127.0.0.1, localhost, ::1) for the bench',
    );
  }
  if (config.TEMPORAL_ADDRESS && !isLoopbackHost(config.TEMPORAL_ADDRESS.replace(/:\d+$/, ''))) {
    throw new BenchError(
      'TEMPORAL_ADDRESS must point at a loopback address (127.0.0.1, localhost, ::1) for the bench',
    );
  }

  log('Bench stack:');
  const scratch = await mkdtemp(path.join(tmpdir(), 'guest-lifecycle-bench-'));
  // As root, PostgreSQL runs as a `postgres` user that must be able to reach its data folder in here.
  await chmod(scratch, 0o755);
  onStop('temp folder', () => rm(scratch, { recursive: true, force: true }));

  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    const port = await freePort();
    const pg = await step(log, `PostgreSQL (embedded, throwaway) on 127.0.0.1:${port}`, () =>
      startEmbeddedPostgres({ dataDir: path.join(scratch, 'pg'), port, persistent: false }),
    );
    onStop('PostgreSQL', pg.stop);
    databaseUrl = pg.url;
  }
  const db = createDb(databaseUrl, { poolMax: 1 });
  try {
    await step(log, 'Migrations', () => migrateLatest(db));
  } finally {
    await db.destroy();
  }

  const temporalAddress = await benchTemporal(config, onStop);

  const taskQueue = `bench-${randomUUID().slice(0, 8)}`;
  const secret = `bench-${randomBytes(24).toString('hex')}`;
  const apiPort = await freePort();
  const profileDir = path.resolve(repoRoot, config.DATA_DIR, 'bench', 'profiles');
  const profiling = opts.cpuProf ? await apiCpuProfile(profileDir) : undefined;
  const nodeArgs = profiling?.nodeArgs ?? [];
  const api = await step(log, `API (separate Node process) on 127.0.0.1:${apiPort}`, () =>
    startApi(
      benchApiEnv({ config, databaseUrl, temporalAddress, taskQueue, port: apiPort, pmsSecret: secret }),
      apiPort,
      nodeArgs,
      (why) => void shutdown(1, why),
    ),
  );
  onStop('API process', api.stop);
  apiPid = api.pid;

  const client = await connectClient({
    address: temporalAddress,
    namespace: config.TEMPORAL_NAMESPACE,
    apiKey: config.TEMPORAL_API_KEY,
  });
  onStop('Temporal client', () => client.connection.close());
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  onStop('HTTP agent', () => Promise.resolve(agent.destroy()));

  const paths: Record<PathName, Prepare> = {
    raw: rawPath(client, taskQueue),
    api: apiPath(agent, api.port, secret),
  };
  const external = [
    config.DATABASE_URL && 'DATABASE_URL',
    config.TEMPORAL_ADDRESS && 'TEMPORAL_ADDRESS',
  ].filter(Boolean);
  const perRound = (i: number) =>
    Math.floor(opts.events / opts.rounds) + (i < opts.events % opts.rounds ? 1 : 0);

  log(
    `\nWarm-up: ${opts.warmup} events per path (not counted); then ${opts.events} per path in ${opts.rounds} round(s), concurrency ${opts.concurrency}.`,
  );
  for (const name of ['raw', 'api'] as const) {
    const warm = await runPath(name, `warm-up ${name}`, opts.warmup, opts.concurrency, paths[name]);
    if (warm.errors) {
      throw new BenchError(
        `warm-up of the ${name} path failed ${warm.errors}×: ${warm.errorSamples.join(' | ')}`,
      );
    }
  }

  const rounds: RunResult[][] = [];
  for (let i = 0; i < opts.rounds; i++) {
    const order: PathName[] = i % 2 === 0 ? ['raw', 'api'] : ['api', 'raw'];
    const results: RunResult[] = [];
    for (const name of order) {
      results.push(await runPath(name, `round ${i + 1} ${name}`, perRound(i), opts.concurrency, paths[name]));
    }
    rounds.push(results);
  }
  const all = rounds.flat();
  const totals = {
    raw: statsOf(all.filter((r) => r.path === 'raw')),
    api: statsOf(all.filter((r) => r.path === 'api')),
  };
  const ratio = {
    throughput: totals.api.eventsPerSecond / totals.raw.eventsPerSecond,
    p50: totals.api.p50Ms / totals.raw.p50Ms,
    p99: totals.api.p99Ms / totals.raw.p99Ms,
  };
  const met = ratio.throughput >= TARGET_RATIO;
  const totalSeconds = (performance.now() - runStarted) / 1000;

  const out: string[] = [];
  out.push('');
  out.push('Stay events: API (POST /v1/pms/events) vs raw client.workflow.signalWithStart');
  out.push(
    `  ${opts.events} events per path, concurrency ${opts.concurrency}, ${opts.rounds} round(s) alternating the order, warm-up ${opts.warmup} per path (not counted).`,
  );
  out.push(
    '  Measured: durable acceptance of the signal. No worker runs: the API answers 202 once Temporal has accepted',
  );
  out.push(
    '  signalWithStart (after its Postgres transaction), the raw loop awaits signalWithStart. Every event is a new',
  );
  out.push('  guest and stay, so each starts a new workflow on both paths.');
  out.push(
    `  Stack: ${config.TEMPORAL_ADDRESS ? `Temporal at ${temporalAddress}` : 'Temporal dev server in memory'}, ` +
      `${config.DATABASE_URL ? 'PostgreSQL from DATABASE_URL' : 'embedded PostgreSQL (throwaway)'}, API in its own Node process; ` +
      `all on one machine (${availableParallelism()} CPUs, ${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}.`,
  );
  if (external.length)
    out.push(`  Left behind in the servers from ${external.join(' and ')}: the bench's rows and workflows.`);
  if (opts.rounds > 1) {
    out.push('');
    out.push('Per round:');
    out.push(
      table(
        ['round', ...STATS_HEADER],
        rounds.flatMap((rs, i) =>
          rs.map((r) => [String(i + 1), ...statsRow(PATH_LABEL[r.path], statsOf([r]))]),
        ),
      ),
    );
  }
  out.push('');
  out.push(opts.rounds > 1 ? 'All rounds:' : 'Results:');
  out.push(table(STATS_HEADER, [statsRow(PATH_LABEL.raw, totals.raw), statsRow(PATH_LABEL.api, totals.api)]));
  out.push('');
  out.push(
    `API / raw: throughput ${f2(ratio.throughput)}× (target ≥ ${TARGET_RATIO}×: ${met ? 'met' : 'NOT met'}), ` +
      `p50 latency ${f2(ratio.p50)}×, p99 latency ${f2(ratio.p99)}×`,
  );
  const cpu = {
    raw: cpuPerEvent(all.filter((r) => r.path === 'raw')),
    api: cpuPerEvent(all.filter((r) => r.path === 'api')),
  };
  if (cpu.raw.total > 0) {
    out.push('');
    out.push(
      'CPU ms per event, by process (from /proc; the machine has ' + `${availableParallelism()} CPUs):`,
    );
    out.push(
      table(
        ['path', ...COMPONENTS, 'total'],
        (['raw', 'api'] as const).map((name) => [
          PATH_LABEL[name],
          ...COMPONENTS.map((c) => f2(cpu[name].perEvent[c])),
          f2(cpu[name].total),
        ]),
      ),
    );
  }
  const errorSamples = all.flatMap((r) => r.errorSamples.map((e) => `${r.path}: ${e}`));
  if (errorSamples.length) {
    out.push('');
    out.push(`Errors (first of each run): ${[...new Set(errorSamples)].slice(0, 10).join('\n  ')}`);
    const apiOutput = api.output().trim();
    if (apiOutput) out.push(`API process output (last lines):\n${apiOutput}`);
  }

  const file = path.resolve(repoRoot, config.DATA_DIR, 'bench', 'latest.json');
  await mkdir(path.dirname(file), { recursive: true });
  const report = {
    startedAt: startedAt.toISOString(),
    totalSeconds,
    measured:
      'durable acceptance of signalWithStart; no worker; each event a new guest, stay and workflow; API in a separate process',
    options: opts,
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model.trim() ?? null,
      temporal: config.TEMPORAL_ADDRESS ? 'external (TEMPORAL_ADDRESS)' : 'dev server in memory',
      postgres: config.DATABASE_URL ? 'external (DATABASE_URL)' : 'embedded, throwaway',
    },
    rounds: rounds.map((rs, i) => rs.map((r) => ({ round: i + 1, path: r.path, ...statsOf([r]) }))).flat(),
    totals,
    ratio,
    cpuMsPerEvent: cpu,
    target: { throughputRatio: TARGET_RATIO, met },
    errorSamples,
  };
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  if (profiling) {
    // The profile is written when the API exits.
    await api.stop();
    out.push(...(await profiling.summary()));
  }
  out.push('');
  out.push(
    `Results written to ${path.relative(process.cwd(), file) || file}; whole run ${totalSeconds.toFixed(1)}s.`,
  );
  console.log(out.join('\n'));

  if (totals.raw.errors + totals.api.errors > 0) process.exitCode = 1;
}

runBench({ main, shutdown, stopping: () => stopping, timeLimitMs: TIME_LIMIT_MS });
