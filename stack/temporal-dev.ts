/** Starts `temporal server start-dev` (server + Web UI) as a child process and waits until it answers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { argvPath, processArgv, readPidFile, stopProcess, type StepLog } from './step.js';
import { devServerSearchAttributeFlags } from '../lib/search-attributes.js';

export interface TemporalDevServer {
  address: string;
  uiUrl?: string;
  stop: () => Promise<void>;
}

export interface TemporalDevOptions {
  binary: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** SQLite file that keeps every workflow across restarts; omitted = in memory. */
  dbFile?: string;
  headless?: boolean;
  /**
   * File that keeps the server's pid while it runs (with `dbFile`: the dev stack), so that the next start
   * can stop a server an earlier run left running (see `clearStaleDevServer`).
   */
  pidFile?: string;
  /** Where to say what was found of an earlier run. */
  log?: StepLog;
}

/**
 * Stops the dev server an earlier run left running when it died without stopping it (the dev stack killed
 * with SIGKILL): the process in `pidFile`, if it still is a `temporal server start-dev` on this `dbFile`
 * (SIGTERM, then SIGKILL after 10 s). The pid file is removed either way. Returns what it did.
 */
export async function clearStaleDevServer(
  pidFile: string,
  dbFile: string,
  log?: StepLog,
): Promise<'none' | 'stopped' | 'removed'> {
  const pid = await readPidFile(pidFile);
  if (pid === undefined) {
    await rm(pidFile, { force: true });
    return 'none';
  }
  const argv = await processArgv(pid);
  const ours =
    argv !== undefined &&
    argv.includes('server') &&
    argv.includes('start-dev') &&
    argvPath(argv, '--db-filename') === path.resolve(dbFile);
  if (ours) {
    log?.(`  · Temporal dev server of an earlier run still runs on ${dbFile} (pid ${pid}): stopping it`);
    await stopProcess(pid, { signal: 'SIGTERM', graceMs: 10_000, force: 'SIGKILL' });
  }
  await rm(pidFile, { force: true });
  return ours ? 'stopped' : 'removed';
}

export async function startTemporalDevServer(opts: TemporalDevOptions): Promise<TemporalDevServer> {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--namespace',
    opts.namespace,
    '--log-level',
    'error',
    ...devServerSearchAttributeFlags(),
  ];
  if (opts.dbFile) {
    await mkdir(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  // A pid file only for a server with a file of its own: an in-memory one has nothing to find again.
  const pidFile = opts.dbFile ? opts.pidFile : undefined;
  if (opts.dbFile && pidFile) await clearStaleDevServer(pidFile, opts.dbFile, opts.log);
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort));

  const child = spawn(opts.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (pidFile && child.pid) await writeFile(pidFile, `${child.pid}\n`);
  const removePidFile = () => (pidFile ? rm(pidFile, { force: true }) : Promise.resolve());
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${opts.port}`;

  const deadline = Date.now() + 60_000;
  for (;;) {
    const early = await Promise.race([
      exited,
      new Promise<'running'>((r) => setTimeout(() => r('running'), 250)),
    ]);
    if (early !== 'running') {
      await removePidFile();
      throw new Error(`temporal server start-dev exited with code ${early}: ${stderr.trim()}`);
    }
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      await conn.workflowService.describeNamespace({ namespace: opts.namespace });
      await conn.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        await removePidFile();
        throw new Error(`Temporal dev server did not answer on ${address} within 60s\n${stderr}`, {
          cause: err,
        });
      }
    }
  }
  // A server that dies while in use says so, with the last of what it wrote: its clients only see refusals.
  let stopping = false;
  void exited.then((code) => {
    if (stopping) return;
    process.stderr.write(
      `Temporal dev server on ${address} exited unexpectedly (code ${code}, signal ${child.signalCode}):\n${stderr.trim()}\n`,
    );
  });
  return {
    address,
    uiUrl: opts.headless ? undefined : `http://127.0.0.1:${opts.uiPort}`,
    stop: () => {
      stopping = true;
      return stopChild(child, exited).then(removePidFile);
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
