/**
 * `npm run backup [-- --dir <folder>]`: one consistent dump of the database (DATABASE_URL, or the embedded dev
 * database of a running `npm run dev`) into BACKUP_DIR (default DATA_DIR/backups), named by database and UTC
 * instant. Prints the file, its size and its table count. stack/backup.ts; docs/operations.md "Backups and restore".
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { databaseUrlOf, loadConfigOrExit } from '../config.js';
import { backupDatabase, pgToolsFor, serverMajor } from '../stack/backup.js';
import { consoleStepLog as log } from '../stack/step.js';

const { values } = parseArgs({ options: { dir: { type: 'string' } } });
const config = loadConfigOrExit();
const url = databaseUrlOf(config);
const dir = values.dir ?? config.BACKUP_DIR ?? path.join(config.DATA_DIR, 'backups');

try {
  const major = await serverMajor(url);
  const tools = await pgToolsFor({ major, binDir: config.PG_BIN_DIR, cacheDir: config.TOOLS_CACHE_DIR, log });
  const started = Date.now();
  const result = await backupDatabase({ url, dir, tools });
  const mib = (result.bytes / 1024 / 1024).toFixed(1);
  console.log(
    `Backup written: ${result.file}\n  ${mib} MiB, ${result.tables} tables, PostgreSQL ${major}, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const shown = path.relative(process.cwd(), result.file);
  console.log(
    `Restore it into an empty database: npm run restore -- ${shown.startsWith('..') ? result.file : shown}`,
  );
} catch (err) {
  console.error(`Backup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
