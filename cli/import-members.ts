/**
 * `npm run import -- members.csv [--batch 500] [--concurrency 50] [--report-dir .data/imports]`: imports a member
 * file (docs/import.md): guests, memberships, opening balances and tiers, then each guest's workflow. A progress
 * bar with rate and ETA on stderr, then a summary on stdout. Running it again on the same file changes nothing; on
 * a file whose import was interrupted, it continues after the last committed batch.
 * Uses DATABASE_URL (or the embedded dev database of `npm run dev`) and TEMPORAL_ADDRESS (or the dev server).
 * Exit code 0 when done (bad lines included: see the report), 1 when the import stopped, 2 on a usage error.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { databaseUrlOf, loadConfigOrExit } from '../config.js';
import { createDb } from '../db/knex.js';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_REPORT_DIR,
  DEFAULT_WORKFLOW_CONCURRENCY,
  ImportFileError,
  importMembers,
  ImportRunningError,
} from '../api/imports/members.js';
import { connectClient, temporalTarget } from '../lib/runtime.js';
import type { ImportProgress } from '../api/imports/members.js';
import { duration, progressBar, type ProgressFrame } from './progress.js';

const usage =
  'usage: npm run import -- <members.csv> [--batch <lines>] [--concurrency <workflows>] [--report-dir <dir>]';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    batch: { type: 'string' },
    concurrency: { type: 'string' },
    'report-dir': { type: 'string' },
  },
});

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

const positive = (v: string | undefined, name: string, dflt: number) => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) fail(`--${name} must be a whole number from 1 to 100000`);
  return n;
};

const file = positionals[0];
if (!file || positionals.length > 1) fail('one file is required');
const batchSize = positive(values.batch, 'batch', DEFAULT_BATCH_SIZE);
const concurrency = positive(values.concurrency, 'concurrency', DEFAULT_WORKFLOW_CONCURRENCY);

const config = loadConfigOrExit();
const db = createDb(databaseUrlOf(config), { poolMax: 4 });
const started = Date.now();
/** The bar's frame of the import's progress: the lines by bytes of the file read, then the workflows. */
function importFrame(p: ImportProgress): ProgressFrame {
  return p.phase === 'rows'
    ? {
        phase: 'rows',
        done: p.rowsRead,
        fraction: p.bytesTotal > 0 ? p.bytesRead / p.bytesTotal : 1,
        label: `rows ${p.rowsRead} (new ${p.created}, updated ${p.updated}, bad ${p.rejected})`,
      }
    : {
        phase: 'workflows',
        done: p.workflowsDone,
        fraction: p.workflowsTotal > 0 ? p.workflowsDone / p.workflowsTotal : 1,
        label: `workflows ${p.workflowsDone}/${p.workflowsTotal}`,
      };
}

const bar = progressBar();
let code = 0;
try {
  const temporal = await connectClient(
    temporalTarget(config, config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_DEV_PORT}`),
  );
  const { import: done, alreadyImported } = await importMembers(
    { db, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE },
    {
      filePath: file,
      actor: `cli:${userInfo().username}`,
      batchSize,
      workflowConcurrency: concurrency,
      reportDir: values['report-dir'] ?? DEFAULT_REPORT_DIR,
      onProgress: (p) => bar.update(importFrame(p)),
    },
  );
  bar.done();
  const seconds = (Date.now() - started) / 1000;
  if (alreadyImported) {
    console.log(
      `import ${done.id}: this file was imported before (${done.finished_at?.toISOString()}); nothing changed`,
    );
  } else {
    console.log(
      [
        `import ${done.id} of ${file}: ${done.status} in ${duration(seconds)}`,
        `  lines     ${done.rows_read} (${Math.round(done.rows_read / Math.max(seconds, 0.001))}/s overall)`,
        `  created   ${done.created}`,
        `  updated   ${done.updated}`,
        `  unchanged ${done.unchanged}`,
        `  bad       ${done.rejected}${done.rejected ? `  (report: ${done.report_path})` : ''}`,
        `  workflows ${done.workflows_done}/${done.workflows_total} started or reloaded`,
      ].join('\n'),
    );
  }
  await temporal.connection.close();
} catch (err) {
  bar.done();
  console.error(
    err instanceof ImportFileError
      ? `the file cannot be imported: ${err.message}`
      : err instanceof ImportRunningError
        ? `import ${err.importId ?? ''} of this file is running in another process: wait for it, or stop it and run this again`
        : `the import stopped: ${(err as Error).message}\nrun the same command again to continue after the last committed batch`,
  );
  code = 1;
} finally {
  await db.destroy();
}
process.exit(code);
