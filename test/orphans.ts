/**
 * Servers an interrupted test run left behind. A test run killed before its teardown (Ctrl-C twice, a killed
 * CI job, a crashed fork) leaves its embedded PostgreSQL, its in-memory Temporal dev server and the
 * time-skipping test servers of its files running, orphaned: they hold memory and CPU, and skew the next
 * benchmark. At the start of a run, global setup stops those of an earlier run — only orphans (their parent
 * is gone: re-parented to pid 1) whose command line is one this project's tests start — and removes their
 * scratch folders. A run still going on beside this one keeps its servers: their parents are alive.
 *
 * Linux only (/proc); elsewhere it finds nothing.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { argvPath, processArgv, stopProcess } from '../stack/step.js';

/** Scratch folders of test runs and simulator runs (test/global-setup.ts, sim/cli.ts). */
const SCRATCH_PREFIXES = ['guest-lifecycle-test-', 'guest-lifecycle-sim-'];

export interface Orphan {
  pid: number;
  kind: 'postgres' | 'temporal-dev' | 'test-server';
  /** The scratch folder to remove once it has stopped (PostgreSQL's). */
  scratch?: string;
}

async function parentOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid …: the command name may hold spaces or parentheses.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** What `argv` is, if it is a server this project's tests start and leave in a scratch folder or in memory. */
export function orphanKind(argv: string[], toolsCacheDir: string): Omit<Orphan, 'pid'> | undefined {
  const scratchOf = (dir: string | undefined) => {
    if (!dir) return undefined;
    const root = path.dirname(dir);
    const inTmp = path.dirname(root) === path.resolve(tmpdir());
    return inTmp && SCRATCH_PREFIXES.some((p) => path.basename(root).startsWith(p)) ? root : undefined;
  };
  const program = path.basename(argv[0] ?? '');
  if (program === 'postgres') {
    const scratch = scratchOf(argvPath(argv, '-D'));
    return scratch ? { kind: 'postgres', scratch } : undefined;
  }
  const fromCache = (argv[0] ?? '').startsWith(path.resolve(toolsCacheDir));
  // The test runs' dev server keeps everything in memory: no --db-filename (the dev stack's has one).
  if (fromCache && argv.includes('start-dev') && !argv.includes('--db-filename'))
    return { kind: 'temporal-dev' };
  if (
    argv.some((a) => a.includes('io.temporal.testserver')) &&
    argv.some((a) => a.startsWith(path.resolve(toolsCacheDir)))
  )
    return { kind: 'test-server' };
  if (fromCache && program === 'temporal-test-server') return { kind: 'test-server' };
  return undefined;
}

/** Orphaned servers of earlier test runs. */
export async function findOrphans(toolsCacheDir: string): Promise<Orphan[]> {
  if (!existsSync('/proc/self/stat')) return [];
  const found: Orphan[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if ((await parentOf(pid)) !== 1) continue;
    const argv = await processArgv(pid);
    const kind = argv && orphanKind(argv, toolsCacheDir);
    if (kind) found.push({ pid, ...kind });
  }
  return found;
}

/** Stops the orphans of earlier test runs and removes their scratch folders; what it stopped. */
export async function stopOrphans(toolsCacheDir: string, log: (line: string) => void): Promise<Orphan[]> {
  const orphans = await findOrphans(toolsCacheDir);
  for (const o of orphans) {
    log(`  · stopping ${o.kind} (pid ${o.pid}) left by an interrupted test run`);
    // PostgreSQL: a fast shutdown (SIGINT); the others end on SIGTERM.
    await stopProcess(o.pid, {
      signal: o.kind === 'postgres' ? 'SIGINT' : 'SIGTERM',
      graceMs: 10_000,
      force: 'SIGKILL',
    }).catch((err: unknown) => log(`    could not stop it: ${String(err)}`));
    if (o.scratch) await rm(o.scratch, { recursive: true, force: true });
  }
  return orphans;
}
