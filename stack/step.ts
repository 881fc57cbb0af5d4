/**
 * Start-up plumbing of the dev stack: one line per provisioning / start-up step with its duration, the error
 * for a missing tool, and finding the processes an earlier run left behind.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const runFile = promisify(execFile);

export type StepLog = (line: string) => void;

export const consoleStepLog: StepLog = (line) => process.stderr.write(`${line}\n`);

export async function step<T>(
  log: StepLog,
  name: string,
  fn: () => Promise<T>,
  detail?: (r: T) => string,
): Promise<T> {
  const started = performance.now();
  try {
    const result = await fn();
    const extra = detail ? ` ${detail(result)}` : '';
    log(`  ✓ ${name} (${((performance.now() - started) / 1000).toFixed(1)}s)${extra}`);
    return result;
  } catch (err) {
    log(`  ✗ ${name} (${((performance.now() - started) / 1000).toFixed(1)}s)`);
    throw err;
  }
}

/** A step that cannot run because a tool is missing: names the tool and the variable that skips it. */
export class MissingToolError extends Error {
  constructor(tool: string, purpose: string, skipWith: string) {
    super(`${tool} is needed to ${purpose} but was not found on PATH. Install ${tool}, or set ${skipWith}.`);
    this.name = 'MissingToolError';
  }
}

/*
 * Processes an earlier run left behind. `npm run dev` starts PostgreSQL and the Temporal dev server as
 * separate processes; when it dies without stopping them (SIGKILL, a crash of the terminal), they live on
 * and hold their ports and data folders. The next start finds them by the pid each keeps in a file and
 * stops them, but only after reading the process's own command line: a pid can be reused by anything.
 */

/** The command line (argv) of a live process; undefined if there is no such process or it is a zombie. */
export async function processArgv(pid: number): Promise<string[] | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (existsSync('/proc/self/cmdline')) {
    try {
      // The state follows the command name in parentheses (which may itself hold spaces or parentheses).
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') return undefined;
      const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      if (argv.at(-1) === '') argv.pop();
      return argv;
    } catch {
      return undefined;
    }
  }
  // No /proc (macOS): ps gives the arguments joined by spaces, good enough to recognise a command.
  try {
    const { stdout } = await runFile('ps', ['-o', 'stat=', '-o', 'args=', '-p', String(pid)]);
    const [state = '', ...argv] = stdout.trim().split(/\s+/);
    return state && !state.startsWith('Z') ? argv : undefined;
  } catch {
    return undefined;
  }
}

/** The value after `flag` in argv (`-D <dir>`, `--db-filename <file>`), as an absolute path. */
export function argvPath(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  const value = i >= 0 ? argv[i + 1] : undefined;
  return value === undefined ? undefined : path.resolve(value);
}

/**
 * Sends `signal` and waits up to `graceMs` for the process to end; then sends `force` and waits 5 s more.
 * Throws if it is still there.
 */
export async function stopProcess(
  pid: number,
  opts: { signal: NodeJS.Signals; graceMs: number; force: NodeJS.Signals },
): Promise<void> {
  const gone = async (waitMs: number) => {
    for (const deadline = Date.now() + waitMs; Date.now() < deadline;) {
      if (!(await processArgv(pid))) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return !(await processArgv(pid));
  };
  for (const [signal, waitMs] of [
    [opts.signal, opts.graceMs],
    [opts.force, 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return;
      throw err;
    }
    if (await gone(waitMs)) return;
  }
  throw new Error(`process ${pid} did not stop on ${opts.signal} nor on ${opts.force}`);
}

/** The pid in the first line of a pid file (PostgreSQL's postmaster.pid, ours); undefined if none. */
export async function readPidFile(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(file, 'utf8')).split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
