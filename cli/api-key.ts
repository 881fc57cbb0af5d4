/**
 * `npm run api-key -- <command>`: manage the staff API keys (stored hashed).
 *   create --name "Front office" --role ops|manager|marketer|admin   prints the key once
 *   list
 *   revoke --id <id>
 * Uses DATABASE_URL, or the embedded dev database of a running `npm run dev`.
 */
import { parseArgs } from 'node:util';
import { databaseUrlOf, loadConfigOrExit } from '../config.js';
import { createDb } from '../db/knex.js';
import * as apiKeys from '../db/repositories/api-keys.js';

const usage =
  'usage: npm run api-key -- create --name <name> --role <ops|manager|marketer|admin> | list | revoke --id <id>';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { name: { type: 'string' }, role: { type: 'string' }, id: { type: 'string' } },
});
const config = loadConfigOrExit();
const db = createDb(databaseUrlOf(config), { poolMax: 1 });

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

try {
  switch (positionals[0]) {
    case 'create': {
      const role = values.role as apiKeys.Role | undefined;
      if (!values.name?.trim()) fail('--name is required');
      if (!role || !apiKeys.ROLES.includes(role)) fail(`--role must be one of ${apiKeys.ROLES.join(', ')}`);
      const { id, key } = await apiKeys.create(db, { name: values.name.trim(), role });
      console.log(
        `API key ${id} (${role}, "${values.name.trim()}"):\n\n  ${key}\n\nIt is shown only now; keep it safe.`,
      );
      break;
    }
    case 'list':
      console.table(await apiKeys.list(db));
      break;
    case 'revoke': {
      const id = Number(values.id);
      if (!Number.isInteger(id) || id <= 0) fail('--id must be a key id (see list)');
      console.log((await apiKeys.revoke(db, id)) ? `revoked key ${id}` : `no active key ${id}`);
      break;
    }
    default:
      fail(positionals[0] ? `unknown command ${positionals[0]}` : 'a command is required');
  }
} finally {
  await db.destroy();
}
