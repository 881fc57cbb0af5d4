/**
 * `npm run reconcile [-- --reason <text>] [--concurrency <n>]`: every guest's workflow reloads from Postgres,
 * and the guest workflows and follow-ups the record does not know stop (api/guests/reconcile.ts), e.g. after
 * `npm run restore`. Each reload and cancel is an audited staff action by `reconcile (cli)`. Uses DATABASE_URL and TEMPORAL_ADDRESS, or the embedded dev stack of a running `npm run dev`.
 */
import { parseArgs } from 'node:util';
import { databaseUrlOf, loadConfigOrExit } from '../config.js';
import { createDb } from '../db/knex.js';
import { reconcileGuests } from '../api/guests/reconcile.js';
import { connectClient, temporalTarget } from '../lib/runtime.js';

const { values } = parseArgs({
  options: {
    reason: { type: 'string', default: 'reconcile after a restore of the database' },
    concurrency: { type: 'string', default: '20' },
  },
});
const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 200) {
  console.error('--concurrency must be a whole number from 1 to 200');
  process.exit(2);
}
const config = loadConfigOrExit();
const db = createDb(databaseUrlOf(config), { poolMax: Math.min(concurrency, 20) });
const address = config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_DEV_PORT}`;
const temporal = await connectClient(temporalTarget(config, address));
const started = Date.now();
const tty = process.stderr.isTTY;
try {
  const result = await reconcileGuests(
    { db, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE },
    {
      actor: 'reconcile (cli)',
      reason: values.reason,
      concurrency,
      onProgress: (p) => {
        if (tty && p.done % 50 === 0) {
          const rate = p.done / Math.max((Date.now() - started) / 1000, 0.001);
          process.stderr.write(`\r  ${p.done} guests, ${p.failed} failed, ${rate.toFixed(0)}/s   `);
        }
      },
    },
  );
  if (tty) process.stderr.write('\n');
  console.log(
    `Reconciled ${result.done} guests in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.reloaded} reloaded, ${result.erased} erased (left alone), ${result.erasedAgain} erased again, ${result.failed} failed`,
  );
  console.log(
    `Stopped what the record does not know: ${result.orphanGuests} guest workflows terminated, ${result.orphanFollowUps} follow-ups cancelled`,
  );
  for (const f of result.failures) console.log(`  ${f.guestId}: ${f.message}`);
  process.exitCode = result.failed > 0 ? 1 : 0;
} finally {
  await temporal.connection.close();
  await db.destroy();
}
