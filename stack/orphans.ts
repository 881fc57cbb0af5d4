/**
 * Servers an interrupted test run left behind. A test run killed before its teardown (Ctrl-C twice, a killed
 * CI job, a crashed fork) leaves its embedded PostgreSQL, its in-memory Temporal dev server and the
 * time-skipping test servers of its files running, orphaned: they hold memory and CPU, and skew the next
 * benchmark. At the start of a run, global setup stops those of an earlier run and removes their scratch
 * folders. A process is stopped only if all of these hold:
 *
 * - it is an orphan (its parent is gone: re-parented to pid 1), so a run still going on keeps its servers;
 * - its environment carries THROWAWAY_MARK, which test runs and the simulator set before they start servers
 *   (the children inherit it), so a developer's own `temporal server start-dev` is never touched;
 * - its command line is one of those servers (PostgreSQL of a scratch folder, the dev server or the
 *   time-skipping server from the tools cache).
 *
 * Linux only (/proc); elsewhere it finds nothing.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { argvPath, processArgv, stopProcess } from './step.js';

/** Set (to the run's scratch folder) by test/global-setup.ts and sim/cli.ts before they start any server. */
export const THROWAWAY_MARK = 'GUEST_LIFECYCLE_THROWAWAY';

/** Scratch folders of test runs and simulator runs (test/global-setup.ts, sim/cli.ts). */
const SCRATCH_PREFIXES = ['guest-lifecycle-test-', 'guest-lifecycle-sim-'];

export interface Orphan {
  pid: number;
  kind: 'postgres' | 'temporal-dev' | 'test-server';
  /** The scratch folder to remove once it has stopped (PostgreSQL's). */
  scratch?: string;
}

/** The parent pid of `pid` (/proc), undefined if it is gone. */
export async function parentOf(pid: number): Promise<number | undefined> {
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
  const cache = path.resolve(toolsCacheDir) + path.sep;
  const fromCache = (argv[0] ?? '').startsWith(cache);
  // The test runs' dev server keeps everything in memory: no --db-filename (the dev stack's has one).
  if (fromCache && argv.includes('start-dev') && !argv.includes('--db-filename'))
    return { kind: 'temporal-dev' };
  if (argv.some((a) => a.includes('io.temporal.testserver')) && argv.some((a) => a.startsWith(cache)))
    return { kind: 'test-server' };
  if (fromCache && program === 'temporal-test-server') return { kind: 'test-server' };
  return undefined;
}

async function marked(pid: number): Promise<boolean> {
  try {
    const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
    return environ.some((v) => v.startsWith(`${THROWAWAY_MARK}=`));
  } catch {
    return false;
  }
}

/** What pid is, if it is an orphaned server of an earlier test run (see the top of the file). */
async function orphanOf(pid: number, toolsCacheDir: string): Promise<Orphan | undefined> {
  if (pid === process.pid || (await parentOf(pid)) !== 1) return undefined;
  const argv = await processArgv(pid);
  const kind = argv && orphanKind(argv, toolsCacheDir);
  return kind && (await marked(pid)) ? { pid, ...kind } : undefined;
}

/** Orphaned servers of earlier test runs. */
export async function findOrphans(toolsCacheDir: string): Promise<Orphan[]> {
  if (!existsSync('/proc/self/stat')) return [];
  const found: Orphan[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const orphan = await orphanOf(pid, toolsCacheDir);
    if (orphan) found.push(orphan);
  }
  return found;
}

/** Stops the orphans of earlier test runs and removes their scratch folders; what it stopped. */
export async function stopOrphans(toolsCacheDir: string, log: (line: string) => void): Promise<Orphan[]> {
  const stopped: Orphan[] = [];
  for (const found of await findOrphans(toolsCacheDir)) {
    // Stopping the ones before took time: the pid must still be that orphan (not a reused pid).
    const o = await orphanOf(found.pid, toolsCacheDir);
    if (!o) continue;
    log(`  · stopping ${o.kind} (pid ${o.pid}) left by an interrupted test run`);
    try {
      // PostgreSQL: a fast shutdown (SIGINT); the others end on SIGTERM.
      await stopProcess(o.pid, {
        signal: o.kind === 'postgres' ? 'SIGINT' : 'SIGTERM',
        graceMs: 10_000,
        force: 'SIGKILL',
      });
    } catch (err) {
      log(`    could not stop it (its folder stays): ${String(err)}`);
      continue;
    }
    stopped.push(o);
    if (o.scratch)
      await rm(o.scratch, { recursive: true, force: true }).catch((err: unknown) =>
        log(`    could not remove ${o.scratch}: ${String(err)}`),
      );
  }
  return stopped;
}
