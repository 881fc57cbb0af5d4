/**
 * `npm run provision`: installs the Temporal CLI (dev server + Web UI), the Java time-skipping test server and
 * PostgreSQL's client programs (pg_dump, pg_restore, for `npm run backup` and `restore`) into the per-user cache
 * (TOOLS_CACHE_DIR) ahead of time, e.g. while building a CI image, and prints where each is. `npm run dev`,
 * `npm test` and `npm run backup` do the same on first use. A tool that cannot be installed is named with what
 * is missing and the variable that skips it; the exit code is then 1.
 */
import { loadConfigOrExit } from '../config.js';
import { ensurePgTools, ensureTemporalCli, ensureTestServer } from './provision.js';
import { consoleStepLog as log, MissingToolError } from './step.js';

const config = loadConfigOrExit();
log(`Provisioning the Temporal tools into ${config.TOOLS_CACHE_DIR}`);
// One after the other: each step prints its own line, and a failure of one does not hide the other.
const results: { name: string; path: string | undefined }[] = [];
for (const [name, provision] of [
  [
    'Temporal CLI',
    () => ensureTemporalCli({ cacheDir: config.TOOLS_CACHE_DIR, version: config.TEMPORAL_CLI_VERSION, log }),
  ],
  [
    'Time-skipping test server',
    () =>
      ensureTestServer({
        cacheDir: config.TOOLS_CACHE_DIR,
        version: config.TEMPORAL_TEST_SERVER_VERSION,
        existingPath: config.TEMPORAL_TEST_SERVER_PATH,
        log,
      }),
  ],
  ['PostgreSQL client programs', () => ensurePgTools({ cacheDir: config.TOOLS_CACHE_DIR, log })],
] as const) {
  try {
    results.push({ name, path: await provision() });
  } catch (err) {
    log(`    ${err instanceof MissingToolError ? err.message : String(err)}`);
    results.push({ name, path: undefined });
  }
}

log('');
for (const { name, path } of results) console.log(`${`${name}:`.padEnd(28)}${path ?? '(not installed)'}`);
process.exitCode = results.every((r) => r.path) ? 0 : 1;
