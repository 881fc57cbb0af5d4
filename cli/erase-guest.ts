/**
 * `npm run erase -- <guestId> --reason "…" [--actor "name"]`: erases a guest's personal data as
 * `POST /v1/guests/:id/erasure` does (api/privacy/service.ts, docs/privacy.md): one transaction with its audit
 * entry (actor `cli:<actor>`, default the OS user), then the guest's workflow is told. Prints when the guest was
 * erased (a repeat prints the first erasure's time). Uses DATABASE_URL and TEMPORAL_ADDRESS, or the embedded dev
 * stack of a running `npm run dev` (127.0.0.1:7233).
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { databaseUrlOf, loadConfigOrExit } from '../config.js';
import { createDb } from '../db/knex.js';
import { eraseGuest } from '../api/privacy/service.js';
import { HttpError } from '../api/errors.js';
import { connectClient, temporalTarget } from '../lib/runtime.js';

const usage = 'usage: npm run erase -- <guestId> --reason "<why, 3 to 500 characters>" [--actor <name>]';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { reason: { type: 'string' }, actor: { type: 'string' } },
});
const guestId = positionals[0];
if (!guestId || !UUID.test(guestId)) fail('a guest id (UUID) is required');
const reason = values.reason?.trim() ?? '';
if (reason.length < 3 || reason.length > 500) fail('--reason is required (3 to 500 characters)');

const config = loadConfigOrExit();
const db = createDb(databaseUrlOf(config), { poolMax: 2 });
const temporal = await connectClient(temporalTarget(config, config.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'));
try {
  const answer = await eraseGuest(
    { db, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE },
    { guestId, actor: `cli:${values.actor ?? userInfo().username}`, reason },
  );
  console.log(
    answer.alreadyErased
      ? `guest ${guestId} was erased at ${answer.erasedAt} (nothing changed; audit ${answer.auditId})`
      : `guest ${guestId} erased at ${answer.erasedAt} (audit ${answer.auditId}); its workflow was told`,
  );
} catch (err) {
  if (err instanceof HttpError) {
    console.error(`${err.status} ${err.code}: ${err.message}`);
    process.exitCode = 1;
  } else throw err;
} finally {
  await temporal.connection.close();
  await db.destroy();
}
