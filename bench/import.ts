/**
 * `npm run bench -- import [--rows N] [--batch B] [--concurrency C]`: the member import (api/imports/members.ts,
 * docs/import.md) of a generated file of N members (default 100,000; test/member-files.ts `memberLine`: every
 * field filled, a quarter of them gold or diamond, balances up to 50,000), on a throwaway stack: embedded
 * PostgreSQL, a Temporal dev server in memory, the SMTP sink and a worker with the real activities, both in this
 * process.
 *
 * Measured:
 * - **rows per second**: from the start of the import to its last committed batch (lines validated, guests,
 *   ledger, tier and import rows written, batches of `--batch` lines, default 500);
 * - **workflows**: from the last batch until every imported guest's workflow was started (`--concurrency` calls
 *   in flight, default 50), then until Temporal's visibility counts every one of them running (polled every 2 s),
 *   and until every one has loaded its guest (the `loadGuestState` local activity of its first task returned: the
 *   bench's worker counts the guests it loaded; a new member's run starts with its search attributes, so
 *   visibility cannot tell a loaded run from a waiting one);
 * - **second run**: the same file again (its hash is known: nothing is read or written).
 * `--rows-only` measures the lines alone (no Temporal: the import stops before the workflows).
 *
 * Results also go to `<DATA_DIR>/bench/import.json`. Figures and how to read them: docs/benchmarks.md.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { importMembers, type ImportProgress } from '../api/imports/members.js';
import { MEMBER_COLUMNS } from '../api/imports/schema.js';
import { loadConfigOrExit } from '../config.js';
import { GUEST_WORKFLOW_TYPE } from '../contracts/guest.js';
import { createMailer } from '../lib/runtime.js';
import { startSmtpSink } from '../stack/smtp-sink.js';
import { consoleStepLog as log, step } from '../stack/step.js';
import { memberLine } from '../test/member-files.js';
import { workflowsPath } from '../worker.js';
import { benchTemporal } from './api-process.js';
import { BenchError, benchStops, runBench, throwawayPostgres, wholeNumbers } from './process.js';

const TIME_LIMIT_MS = 120 * 60_000;

const USAGE = `Usage: npm run bench -- import [--rows N] [--batch B] [--concurrency C]
  --rows N          members in the generated file (default 100000)
  --batch B         lines per transaction (default 500)
  --concurrency C   workflow starts in flight (default 50)
  --rows-only       measure the lines only: no Temporal, no workflows (the import stops before them)`;

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '100000' },
      batch: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '50' },
      'rows-only': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = wholeNumbers(USAGE);
  return {
    rows: int('rows', values.rows, 100, 9_000_000),
    batch: int('batch', values.batch, 10, 10_000),
    concurrency: int('concurrency', values.concurrency, 1, 500),
    rowsOnly: values['rows-only'],
  };
}

const { onStop, shutdown, stopping } = benchStops();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => Math.round(ms) / 1000;

/** The generated file, line by line (written with back-pressure: 100,000 lines are some 25 MB). */
async function writeMembersFile(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  out.write(`${MEMBER_COLUMNS.join(',')}\n`);
  for (let i = 1; i <= rows; i++) {
    const line = memberLine(i, 50 + Math.floor(i / 10_000_000));
    if (!out.write(`${MEMBER_COLUMNS.map((c) => cell(line[c])).join(',')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const opts = options(process.argv.slice(2));
  Runtime.install({ logger: new DefaultLogger('WARN') });
  if (
    config.TEMPORAL_ADDRESS &&
    !/^(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$/.test(config.TEMPORAL_ADDRESS)
  )
    throw new BenchError('TEMPORAL_ADDRESS must point at a loopback address for the bench');

  log(`Bench stack (${opts.rows.toLocaleString('en-US')} members, thrown away afterwards):`);
  const { db } = await throwawayPostgres(onStop, { poolMax: 20 });
  const out = path.resolve(config.DATA_DIR, 'bench');
  await mkdir(out, { recursive: true });
  const file = path.join(out, `members-${opts.rows}.csv`);
  await step(log, `The file (${file})`, () => writeMembersFile(file, opts.rows));
  const bytes = (await stat(file)).size;

  if (opts.rowsOnly) {
    log('\nImport (lines only):');
    const t = performance.now();
    const { import: done } = await importMembers(
      { db },
      { filePath: file, actor: 'bench', batchSize: opts.batch, reportDir: out },
    );
    const ms = performance.now() - t;
    if (done.created !== opts.rows)
      throw new BenchError(`expected ${opts.rows} new guests, got ${done.created}`);
    const figures = {
      at: new Date().toISOString(),
      rows: opts.rows,
      bytes,
      cores: availableParallelism(),
      batch: opts.batch,
      import: { rowsSeconds: seconds(ms), rowsPerSecond: Math.round(done.rows_read / (ms / 1000)) },
    };
    log(`  import rate     ${figures.import.rowsPerSecond} lines/s (${figures.import.rowsSeconds} s)`);
    await writeFile(path.join(out, 'import-rows.json'), JSON.stringify(figures, null, 2));
    log(`\nWritten to ${path.join(out, 'import-rows.json')}`);
    return;
  }

  const sink = await step(log, 'SMTP sink (in this process)', () => startSmtpSink({}));
  onStop('SMTP sink', () => sink.stop());
  const temporalAddress = await benchTemporal(config, onStop);
  const connection = await Connection.connect({ address: temporalAddress });
  onStop('Temporal client', () => connection.close());
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  onStop('worker connection', () => nativeConnection.close());
  const taskQueue = `bench-import-${process.pid}`;
  const mailer = createMailer(sink.smtpUrl);
  onStop('mailer', () => Promise.resolve(mailer.close()));
  const activities = createActivities({
    db,
    mailer,
    mail: { from: config.MAIL_FROM, messageIdDomain: config.MAIL_MESSAGE_ID_DOMAIN },
    temporal: client,
    taskQueue,
    unsubscribeUrl: ({ guestId }) => `https://hotel.example/v1/links/unsubscribe/${guestId}.bench`,
  });
  // The guests whose workflow has loaded them, and when the last of them was.
  const loaded = new Set<string>();
  let lastLoadedAt = 0;
  const loadGuestState: typeof activities.loadGuestState = async (input) => {
    const state = await activities.loadGuestState(input);
    if (!loaded.has(input.guestId)) {
      loaded.add(input.guestId);
      lastLoadedAt = performance.now();
    }
    return state;
  };
  const worker = await step(log, 'Worker (in this process)', async () =>
    Worker.create({
      connection: nativeConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue,
      activities: { ...activities, loadGuestState },
      workflowsPath,
    }),
  );
  const workerDone = worker.run();
  onStop('worker', async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerDone;
  });

  // ---- the import
  log('\nImport:');
  const t0 = performance.now();
  let rowsDoneAt: number | undefined;
  let lastLog = 0;
  const onProgress = (p: ImportProgress) => {
    if (p.phase === 'workflows' && rowsDoneAt === undefined) rowsDoneAt = performance.now();
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(
        p.phase === 'rows'
          ? `  … ${p.rowsRead} lines (${Math.round((100 * p.bytesRead) / p.bytesTotal)} %)`
          : `  … ${p.workflowsDone}/${p.workflowsTotal} workflows`,
      );
    }
    if (stopping()) throw new Error('stopped');
  };
  const { import: done } = await importMembers(
    { db, temporal: client, taskQueue },
    {
      filePath: file,
      actor: 'bench',
      batchSize: opts.batch,
      workflowConcurrency: opts.concurrency,
      reportDir: out,
      onProgress,
    },
  );
  const endMs = performance.now();
  rowsDoneAt ??= endMs;
  const rowsMs = rowsDoneAt - t0;
  const startsMs = endMs - rowsDoneAt;
  if (done.created !== opts.rows)
    throw new BenchError(`expected ${opts.rows} new guests, got ${done.created}`);
  log(
    `  rows            ${done.rows_read} lines in ${seconds(rowsMs)} s: ${Math.round(done.rows_read / (rowsMs / 1000))} lines/s`,
  );
  log(`  workflows       ${done.workflows_done} started in ${seconds(startsMs)} s after the last batch`);

  // ---- until visibility counts every workflow running, and every one has loaded its guest
  const running = `WorkflowType = '${GUEST_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;
  let runningMs: number | undefined;
  for (;;) {
    const now = performance.now();
    if (runningMs === undefined && (await client.workflow.count(running)).count >= opts.rows) {
      runningMs = now - t0;
      log(`  all running     ${seconds(runningMs)} s after the start (visibility)`);
    }
    if (runningMs !== undefined && loaded.size >= opts.rows) break;
    if (now - lastLog > 10_000) {
      lastLog = now;
      log(`  … ${loaded.size} workflows have loaded their guest`);
    }
    if (stopping()) throw new Error('stopped');
    await sleep(runningMs === undefined ? 2_000 : 200);
  }
  const loadedMs = lastLoadedAt - t0;
  log(`  all loaded      ${seconds(loadedMs)} s after the start (the last guest loaded by its workflow)`);

  // ---- the same file again
  const t1 = performance.now();
  const again = await importMembers(
    { db, temporal: client, taskQueue },
    { filePath: file, actor: 'bench', reportDir: out },
  );
  const againMs = performance.now() - t1;
  if (!again.alreadyImported) throw new BenchError('the second run imported the file again');
  log(`  second run      ${seconds(againMs)} s (already imported: nothing read or written)`);

  const rowsOf = async (sql: string) => (await db.raw<{ rows: { n: number }[] }>(sql)).rows[0]!.n;
  const figures = {
    at: new Date().toISOString(),
    rows: opts.rows,
    bytes,
    cores: availableParallelism(),
    batch: opts.batch,
    concurrency: opts.concurrency,
    import: {
      rowsSeconds: seconds(rowsMs),
      rowsPerSecond: Math.round(done.rows_read / (rowsMs / 1000)),
      workflowStartsSeconds: seconds(startsMs),
      workflowStartsPerSecond: Math.round(done.workflows_done / (startsMs / 1000)),
      allRunningSeconds: seconds(runningMs),
      allLoadedSeconds: seconds(loadedMs),
      secondRunSeconds: seconds(againMs),
    },
    counts: {
      created: done.created,
      rejected: done.rejected,
      ledgerRows: await rowsOf("select count(*)::int as n from points_ledger where reason = 'import'"),
      tierRows: await rowsOf("select count(*)::int as n from tier_history where source = 'import'"),
    },
  };
  log('\nFigures:');
  log(
    `  import rate                     ${figures.import.rowsPerSecond} lines/s (${figures.import.rowsSeconds} s)`,
  );
  log(
    `  workflows started               ${figures.import.workflowStartsPerSecond}/s (${figures.import.workflowStartsSeconds} s)`,
  );
  log(`  every guest's workflow running  ${figures.import.allRunningSeconds} s from the start of the import`);
  log(`  every workflow loaded its guest ${figures.import.allLoadedSeconds} s from the start of the import`);
  await writeFile(path.join(out, 'import.json'), JSON.stringify(figures, null, 2));
  log(`\nWritten to ${path.join(out, 'import.json')}`);
}

runBench({ main, shutdown, stopping, timeLimitMs: TIME_LIMIT_MS });
