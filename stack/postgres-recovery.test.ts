/**
 * The embedded PostgreSQL of the dev stack after a run that never stopped it (`npm run dev` killed with
 * SIGKILL, a power loss) or never finished setting it up: the next start clears what was left and goes on.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './ports.js';
import { clearStalePostmaster, startEmbeddedPostgres } from './postgres.js';
import { processArgv, readPidFile } from './step.js';

const dir = await mkdtemp(path.join(tmpdir(), 'pg-recovery-test-'));
// As root, PostgreSQL runs as a `postgres` user that must be able to reach its data folder in here.
await chmod(dir, 0o755);
afterAll(() => rm(dir, { recursive: true, force: true }));

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The pid of a process that has just ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('clearStalePostmaster', () => {
  it('removes a lock file whose process is gone or is not PostgreSQL on this folder, and kills nothing', async () => {
    const dataDir = path.join(dir, 'locks');
    const lockFile = path.join(dataDir, 'postmaster.pid');
    expect(await clearStalePostmaster(dataDir)).toBe('none');

    await mkdir(dataDir);
    for (const pid of [await deadPid(), process.pid]) {
      await writeFile(lockFile, `${pid}\n${dataDir}\n1700000000\n5433\n`);
      const lines: string[] = [];
      expect(await clearStalePostmaster(dataDir, (l) => lines.push(l))).toBe('removed');
      expect(lines).toEqual([expect.stringContaining(`removed a stale ${lockFile}`)]);
      expect(existsSync(lockFile)).toBe(false);
    }
    // This very process was named in the lock file: it was left alone.
    expect(await processArgv(process.pid)).toBeDefined();
  });
});

describe('startEmbeddedPostgres', () => {
  it('stops a PostgreSQL left running on its folder, re-creates a missing database, re-does a half initdb', async () => {
    const dataDir = path.join(dir, 'pg');
    const port = await freePort();
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);

    // A run that is then killed: nothing ever stops this server.
    const left = await startEmbeddedPostgres({ dataDir, port, persistent: true });
    const leftPid = (await readPidFile(path.join(dataDir, 'postmaster.pid')))!;
    expect(await processArgv(leftPid)).toBeDefined();

    const second = await startEmbeddedPostgres({ dataDir, port, persistent: true, log });
    expect(lines).toEqual([
      expect.stringContaining(`still runs on ${dataDir} (pid ${leftPid}): stopping it`),
    ]);
    expect(await processArgv(leftPid)).toBeUndefined();
    expect(second.url).toBe(left.url);
    await query(second.url, 'CREATE TABLE kept (id int)');

    // A first run that stopped between initdb and creating the database (here: the database dropped).
    await query(second.url.replace(/\/guest_lifecycle$/, '/postgres'), 'DROP DATABASE guest_lifecycle');
    await second.stop();
    const third = await startEmbeddedPostgres({ dataDir, port, persistent: true, log });
    expect((await query(third.url, 'SELECT current_database() AS db')).rows).toEqual([
      { db: 'guest_lifecycle' },
    ]);
    await query(third.url, 'CREATE TABLE kept (id int)');
    await third.stop();

    // A run killed during initdb leaves its marker beside the folder: the folder is made anew, not started.
    await writeFile(`${dataDir}.initialising`, '');
    const fourth = await startEmbeddedPostgres({ dataDir, port, persistent: true, log });
    expect((await query(fourth.url, "SELECT to_regclass('kept') AS t")).rows).toEqual([{ t: null }]);
    expect(existsSync(`${dataDir}.initialising`)).toBe(false);
    await fourth.stop();
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
  });
});
