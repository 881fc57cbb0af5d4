/**
 * `npm run bench -- reports` (or `npm run bench:reports`): the marketing dashboard's reports
 * (`GET /v1/reports/<name>`, api/reports/) on the operations bench's data set, through the API as deployed.
 *
 * The stack is its own and thrown away, as bench/guest-reads.ts's: embedded PostgreSQL in a temp folder with N
 * guests (default 100,000; `--guests N` or BENCH_GUESTS) written by bench/guest-data.ts, then what that data set
 * lacks for the reports, added by bench/report-data.ts (survey answers, service cases with departments, cost
 * buckets, escalations and satisfaction checks, churn reasons, the lapse before each reactivation); a Temporal
 * dev server in memory (the API connects to it; the reports do not ask it) and the compiled API in a Node
 * process of its own, with a marketer key. For the whole group and for one property, over the 12 months ending
 * today (Asia/Shanghai days, by month, as the console asks by default), after a warm-up:
 *
 * - **each report** alone, `--rounds` times in turn (default 10): p50 and max;
 * - **the dashboard**: all ten reports at once, as the console's page asks them, `--rounds` times: the time
 *   until the last answer, p50 and max. Target: max < 1,000 ms for both.
 *
 * Results also go to `<DATA_DIR>/bench/reports.json`. The figures and how to read them: docs/benchmarks.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { availableParallelism, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config.js';
import * as apiKeys from '../db/repositories/api-keys.js';
import { REPORT_NAMES, type ReportName } from '../domain/reports.js';
import { addDaysToDay, addMonthsToDay } from '../domain/segments.js';
import { freePort } from '../stack/ports.js';
import { consoleStepLog as log, step } from '../stack/step.js';
import { benchApiEnv, benchTemporal, startApi } from './api-process.js';
import { generateGuestData, PROPERTIES, type DataCounts } from './guest-data.js';
import { addReportData } from './report-data.js';
import { benchStops, runBench, throwawayPostgres } from './process.js';

const TIME_LIMIT_MS = 40 * 60_000;
const DASHBOARD_TARGET_MS = 1000;
const REQUEST_TIMEOUT_MS = 30_000;
const ZONE = 'Asia/Shanghai';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `Usage: npm run bench -- reports [--guests N] [--rounds K]
  --guests N   guests to generate (default BENCH_GUESTS or 100000; 1000 to 1000000)
  --rounds K   times each report, and the whole dashboard, is asked per scope (default 10)`;

function parseOptions(argv: string[]): { guests: number; rounds: number } {
  const { values } = parseArgs({
    args: argv,
    options: {
      guests: { type: 'string', default: process.env.BENCH_GUESTS ?? '100000' },
      rounds: { type: 'string', default: '10' },
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
  return {
    guests: int('guests', values.guests, 1000, 1_000_000),
    rounds: int('rounds', values.rounds, 1, 100),
  };
}

// ---------------------------------------------------------------- measuring

const { onStop, shutdown, stopping } = benchStops();

function get(
  agent: Agent,
  port: number,
  urlPath: string,
  key: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: 'GET',
        agent,
        timeout: REQUEST_TIMEOUT_MS,
        headers: { authorization: `Bearer ${key}` },
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
    req.end();
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface Timing {
  p50Ms: number;
  maxMs: number;
}

const timingOf = (ms: number[]): Timing => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 50), maxMs: sorted.at(-1) ?? NaN };
};

interface ScopeResult {
  scope: string;
  query: Record<string, string>;
  reports: Record<ReportName, Timing>;
  dashboard: Timing;
}

// ---------------------------------------------------------------- output

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].map((l) => `  ${l}`).join('\n');
}

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-');

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const opts = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const loadBefore = loadavg();

  log(
    `Bench stack (${opts.guests.toLocaleString('en-US')} guests; DATABASE_URL is not used: the data is thrown away):`,
  );
  const { db, url: databaseUrl } = await throwawayPostgres(onStop);

  log('Data:');
  const dataStarted = performance.now();
  const counts: DataCounts = await generateGuestData(db, opts.guests, log);
  const extra = await addReportData(db, log);
  await step(log, 'vacuum analyze', () => db.raw('vacuum analyze'));
  const dataSeconds = (performance.now() - dataStarted) / 1000;
  const { rows: sizeRows } = await db.raw<{ rows: { size: string }[] }>(
    'select pg_size_pretty(pg_database_size(current_database())) as size',
  );

  const temporalAddress = await benchTemporal(config, onStop);
  const apiPort = await freePort();
  const api = await step(log, `API (separate Node process, compiled) on 127.0.0.1:${apiPort}`, () =>
    startApi(
      benchApiEnv({
        config,
        databaseUrl,
        temporalAddress,
        taskQueue: 'bench-reports',
        port: apiPort,
      }),
      apiPort,
      [],
      (why) => void shutdown(1, why),
    ),
  );
  onStop('API process', api.stop);
  const { key } = await apiKeys.create(db, { name: 'bench (reports)', role: 'marketer' });
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  onStop('HTTP agent', () => Promise.resolve(agent.destroy()));

  const errors: string[] = [];
  const ask = async (name: ReportName, query: Record<string, string>): Promise<number> => {
    const t0 = performance.now();
    const res = await get(
      agent,
      api.port,
      `/v1/reports/${name}?${new URLSearchParams(query).toString()}`,
      key,
    );
    const ms = performance.now() - t0;
    if (res.status !== 200) {
      errors.push(`${name}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
      throw new Error(`${name}: HTTP ${res.status}`);
    }
    return ms;
  };

  // The window the console asks by default: the 12 months ending today, in the hotel's days.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date());
  const window = { from: addDaysToDay(addMonthsToDay(today, -12), 1), to: today, zone: ZONE };
  const scopes = [
    { scope: 'whole group', query: window },
    { scope: `one property (${PROPERTIES[0]})`, query: { ...window, property: PROPERTIES[0]! } },
  ];
  const results: ScopeResult[] = [];
  for (const { scope, query } of scopes) {
    log(`\n${scope}: ${opts.rounds} round(s), ${query.from} to ${query.to} in ${ZONE}.`);
    // Warm-up: every report once, not counted.
    for (const name of REPORT_NAMES) await ask(name, query);
    const single: Record<string, number[]> = {};
    for (let r = 0; r < opts.rounds; r++)
      for (const name of REPORT_NAMES) (single[name] ??= []).push(await ask(name, query));
    const whole: number[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      const t0 = performance.now();
      await Promise.all(REPORT_NAMES.map((name) => ask(name, query)));
      whole.push(performance.now() - t0);
    }
    results.push({
      scope,
      query,
      reports: Object.fromEntries(REPORT_NAMES.map((n) => [n, timingOf(single[n]!)])) as Record<
        ReportName,
        Timing
      >,
      dashboard: timingOf(whole),
    });
    log('  done');
  }

  const met = results.every((r) => r.dashboard.maxMs < DASHBOARD_TARGET_MS);
  const out: string[] = [''];
  out.push(
    `Reports on ${counts.guests.toLocaleString('en-US')} guests: ${counts.stays.toLocaleString('en-US')} stays, ` +
      `${counts.mails.toLocaleString('en-US')} mails, ${(counts.cases + extra.cases).toLocaleString('en-US')} cases, ` +
      `${extra.surveys.toLocaleString('en-US')} survey answers, ${extra.churnReasons.toLocaleString('en-US')} churn reasons ` +
      `(generated and analysed in ${dataSeconds.toFixed(1)} s; database ${sizeRows[0]!.size}).`,
  );
  out.push(
    `  Machine: ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}; ` +
      `load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} at the start, ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} at the end.`,
  );
  out.push('', `Each report alone, ${opts.rounds} times (ms):`);
  out.push(
    table(
      ['report', ...results.flatMap((r) => [`${r.scope} p50`, 'max'])],
      REPORT_NAMES.map((n) => [
        n,
        ...results.flatMap((r) => [f0(r.reports[n].p50Ms), f0(r.reports[n].maxMs)]),
      ]),
    ),
  );
  out.push(
    '',
    `The dashboard: all ${REPORT_NAMES.length} reports at once, ${opts.rounds} times (ms, until the last answer):`,
  );
  out.push(
    table(
      ['scope', 'p50', 'max'],
      results.map((r) => [r.scope, f0(r.dashboard.p50Ms), f0(r.dashboard.maxMs)]),
    ),
  );
  out.push(`  Target: max < ${DASHBOARD_TARGET_MS} ms for both: ${met ? 'met' : 'NOT met'}.`);
  if (errors.length) out.push('', `Errors:\n  ${[...new Set(errors)].slice(0, 10).join('\n  ')}`);

  const file = path.resolve(repoRoot, config.DATA_DIR, 'bench', 'reports.json');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        options: opts,
        data: { ...counts, ...extra, seconds: dataSeconds, databaseSize: sizeRows[0]!.size },
        environment: {
          node: process.version,
          cpus: availableParallelism(),
          cpuModel: cpus()[0]?.model.trim() ?? null,
          loadBefore,
          loadAfter: loadavg(),
        },
        results,
        target: { dashboardMaxMs: DASHBOARD_TARGET_MS, met },
        errors,
      },
      null,
      2,
    )}\n`,
  );
  out.push('', `Results written to ${path.relative(process.cwd(), file) || file}.`);
  console.log(out.join('\n'));
  if (errors.length || !met) process.exitCode = 1;
}

runBench({ main, shutdown, stopping, timeLimitMs: TIME_LIMIT_MS });
