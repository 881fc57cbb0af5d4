/**
 * `npm run pms:sync -- --adapter apaleo|mews --since YYYY-MM-DD [--until YYYY-MM-DD]`: the catch-up sync
 * (api/pms/adapters/sync.ts, docs/pms.md). Every reservation of the period is fetched from the PMS and fed to
 * the native intake unless already known; a second run changes nothing. A progress bar with rate and ETA on
 * stderr (cli/progress.ts), the summary on stdout, and a `pms_syncs` row for
 * the console. Uses DATABASE_URL and TEMPORAL_ADDRESS, or the embedded servers of a running `npm run dev`.
 */
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { databaseUrlOf, loadConfigOrExit } from '../config.js';
import { createDb } from '../db/knex.js';
import * as repo from '../db/repositories/pms-adapters.js';
import { startSyncBody } from '../api/pms/adapters/admin.js';
import { flushSignalledMarks } from '../api/pms/signalled-marks.js';
import type { FeedDeps } from '../api/pms/adapters/feed.js';
import { runSync, syncSummary, type SyncTick } from '../api/pms/adapters/sync.js';
import { PMS_ADAPTERS, pmsClientsFromConfig, type PmsAdapter, type PmsClients } from '../lib/pms/index.js';
import { connectClient, createLogger, temporalTarget } from '../lib/runtime.js';
import { progressBar, type ProgressFrame } from './progress.js';

const usage = 'usage: npm run pms:sync -- --adapter apaleo|mews --since YYYY-MM-DD [--until YYYY-MM-DD]';

export interface SyncArgs {
  adapter: PmsAdapter;
  since: string;
  until: string;
}

/** The arguments, checked as the admin endpoint checks its body; a problem is thrown as a message. */
export function parseSyncArgs(argv: string[], today = new Date().toISOString().slice(0, 10)): SyncArgs {
  const { values } = parseArgs({
    args: argv,
    options: { adapter: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' } },
  });
  const parsed = startSyncBody.safeParse({
    adapter: values.adapter,
    since: values.since,
    until: values.until,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`--${issue.path.join('.') || 'adapter'}: ${issue.message}`);
  }
  return { adapter: parsed.data.adapter, since: parsed.data.since, until: parsed.data.until ?? today };
}

/** The bar's frame of a sync's tick (the total is known once the PMS has said how many reservations). */
export function syncFrame(t: SyncTick): ProgressFrame {
  const counts = `new ${t.newCount}, known ${t.knownCount}, rejected ${t.rejectedCount}`;
  return t.total
    ? { done: t.seen, fraction: t.seen / t.total, label: `reservations ${t.seen}/${t.total} (${counts})` }
    : { done: t.seen, fraction: null, label: `reservations ${t.seen} (${counts})` };
}

/** Runs one sync to its end with a progress bar on `stderr`; returns its row. */
export async function pmsSync(
  args: SyncArgs,
  deps: FeedDeps & { clients: PmsClients },
  opts: { startedBy: string; stderr: Parameters<typeof progressBar>[0] },
): Promise<repo.SyncRow> {
  const client = deps.clients[args.adapter];
  if (!client)
    throw new Error(`the ${args.adapter} adapter has no API credentials (docs/pms.md, .env.example)`);
  const row = await repo.createSync(deps.db, { ...args, startedBy: opts.startedBy });
  const bar = progressBar(opts.stderr);
  let last: SyncTick = { seen: 0, newCount: 0, knownCount: 0, rejectedCount: 0 };
  const done = await runSync(deps, client, row, (t) => {
    last = t;
    bar.update(syncFrame(t));
  });
  bar.update(syncFrame({ ...last, total: done.total ?? last.seen }));
  bar.done();
  return done;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  let args: SyncArgs;
  try {
    args = parseSyncArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}\n(adapters: ${PMS_ADAPTERS.join(', ')})`);
    process.exit(2);
  }
  const logger = createLogger({ ...config, LOG_LEVEL: 'warn' }, 'pms-sync', process.stderr);
  const db = createDb(databaseUrlOf(config), { poolMax: 4 });
  const temporal = await connectClient(
    temporalTarget(config, config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_DEV_PORT}`),
  );
  try {
    const row = await pmsSync(
      args,
      {
        db,
        temporal,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        logger,
        defaults: { timezone: config.PMS_DEFAULT_TIMEZONE, locale: config.PMS_DEFAULT_LOCALE },
        toleranceSeconds: config.PMS_SIGNATURE_TOLERANCE_SECONDS,
        clients: pmsClientsFromConfig(config),
      },
      { startedBy: `cli:${userInfo().username}`, stderr: process.stderr },
    );
    console.log(syncSummary(row));
    process.exitCode = row.status === 'done' ? 0 : 1;
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 1;
  } finally {
    // The intake marks events signalled in batches behind its answers: written before leaving.
    await flushSignalledMarks(db).catch(() => undefined);
    await db.destroy();
    await temporal.connection.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
