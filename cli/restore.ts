/**
 * `npm run restore -- <file> [--create-database <name>]`: loads a dump of `npm run backup` into an empty
 * database: DATABASE_URL (or the embedded dev database), or a new database of that name on the same server.
 * Refuses a database that holds tables, and changes nothing then. Afterwards: `npm run reconcile` (each guest's
 * workflow reloads from the record; docs/operations.md "Backups and restore").
 */
import { parseArgs } from 'node:util';
import { databaseUrlOf, loadConfigOrExit } from '../config.js';
import { createDatabase, databaseName, pgToolsFor, restoreDatabase, serverMajor } from '../stack/backup.js';
import { consoleStepLog as log } from '../stack/step.js';

const usage = 'usage: npm run restore -- <file.dump> [--create-database <name>]';
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'create-database': { type: 'string' } },
});
const file = positionals[0];
if (!file || positionals.length > 1) {
  console.error(usage);
  process.exit(2);
}
const config = loadConfigOrExit();

try {
  const configured = databaseUrlOf(config);
  const major = await serverMajor(configured);
  const tools = await pgToolsFor({ major, binDir: config.PG_BIN_DIR, cacheDir: config.TOOLS_CACHE_DIR, log });
  const name = values['create-database'];
  const url = name ? await createDatabase(configured, name) : configured;
  const started = Date.now();
  const { tables } = await restoreDatabase({ file, url, tools });
  console.log(
    `Restored ${file} into database ${databaseName(url)}: ${tables} tables in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (name) {
    const shown = new URL(url);
    if (shown.password) shown.password = '***';
    console.log(`Point DATABASE_URL at it: ${shown.toString()}`);
  }
  console.log('Then let every guest workflow reload from the record: npm run reconcile');
} catch (err) {
  console.error(`Restore failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
