/**
 * The Temporal dev server of the dev stack after a run that never stopped it (`npm run dev` killed with
 * SIGKILL): the pid file it keeps names the process, and the next start stops it, and only it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { freePort } from './ports.js';
import { ensureTemporalCli } from './provision.js';
import { processArgv, readPidFile } from './step.js';
import { clearStaleDevServer, startTemporalDevServer } from './temporal-dev.js';

const dir = await mkdtemp(path.join(tmpdir(), 'temporal-dev-test-'));
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** A process whose command line reads like `temporal server start-dev --db-filename <dbFile>`. */
async function lookalike(dbFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [
    '-e',
    'setInterval(() => {}, 1000)',
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
  ]);
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  return child;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', resolve));

describe('clearStaleDevServer', () => {
  const dbFile = path.join(dir, 'dev.sqlite');
  const pidFile = path.join(dir, 'dev-server.pid');

  it('stops the dev server on this SQLite file that the pid file names', async () => {
    const stale = await lookalike(dbFile);
    await writeFile(pidFile, `${stale.pid}\n`);
    const lines: string[] = [];
    expect(await clearStaleDevServer(pidFile, dbFile, (l) => lines.push(l))).toBe('stopped');
    await exited(stale);
    expect(stale.signalCode).toBe('SIGTERM');
    expect(lines).toEqual([expect.stringContaining(`(pid ${stale.pid}): stopping it`)]);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('leaves any other process alone (another file, a reused pid) and removes the pid file', async () => {
    const other = await lookalike(path.join(dir, 'other.sqlite'));
    for (const pid of [other.pid, process.pid]) {
      await writeFile(pidFile, `${pid}\n`);
      expect(await clearStaleDevServer(pidFile, dbFile)).toBe('removed');
      expect(existsSync(pidFile)).toBe(false);
    }
    expect(await processArgv(other.pid!)).toBeDefined();
    expect(await clearStaleDevServer(pidFile, dbFile)).toBe('none');
  });
});

describe('startTemporalDevServer with a pid file', () => {
  it('keeps its pid while it runs, and a second start stops the server the first one left', async () => {
    const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
    const binary = await ensureTemporalCli({
      cacheDir: config.TOOLS_CACHE_DIR,
      version: config.TEMPORAL_CLI_VERSION,
      log: () => undefined,
    });
    const opts = {
      binary,
      port: await freePort(),
      uiPort: 0,
      namespace: 'default',
      headless: true,
      dbFile: path.join(dir, 'real', 'dev.sqlite'),
      pidFile: path.join(dir, 'real', 'dev-server.pid'),
    };
    // A run that is then killed: nothing ever stops this server.
    await startTemporalDevServer(opts);
    const leftPid = (await readPidFile(opts.pidFile))!;
    expect(await processArgv(leftPid)).toContain('start-dev');

    const lines: string[] = [];
    const server = await startTemporalDevServer({ ...opts, log: (l) => lines.push(l) });
    expect(lines).toEqual([expect.stringContaining(`(pid ${leftPid}): stopping it`)]);
    expect(await processArgv(leftPid)).toBeUndefined();
    const pid = await readPidFile(opts.pidFile);
    expect(pid).not.toBe(leftPid);
    await server.stop();
    expect(existsSync(opts.pidFile)).toBe(false);
    expect(await processArgv(pid!)).toBeUndefined();
  });
});
