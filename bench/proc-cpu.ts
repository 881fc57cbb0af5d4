/**
 * CPU time of the bench's own process tree, by component, read from /proc (Linux only; elsewhere the
 * snapshot is empty and the bench prints no CPU table). The bench takes a snapshot before and after each
 * measured run, so it can say how many CPU milliseconds one event cost the API process, PostgreSQL, the
 * Temporal dev server and the bench client — on a two-core machine that split, more than the wall clock
 * of any one part, decides the throughput.
 */
import { readdirSync, readFileSync } from 'node:fs';

export type Component = 'bench' | 'api' | 'postgres' | 'temporal' | 'other';
export const COMPONENTS: readonly Component[] = ['bench', 'api', 'postgres', 'temporal', 'other'];

/** CPU milliseconds used so far, by component (live processes plus the children they have reaped). */
export type CpuSnapshot = Record<Component, number>;

const TICK_MS = 10; // USER_HZ is 100 on Linux

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  ms: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone meanwhile
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < 0) return undefined;
  const comm = text.slice(open + 1, close);
  // Fields from 3 (state) on; utime, stime, cutime, cstime are fields 14–17.
  const f = text
    .slice(close + 2)
    .trim()
    .split(' ');
  const ticks = [11, 12, 13, 14].reduce((s, i) => s + Number(f[i] ?? 0), 0);
  return { pid, ppid: Number(f[1]), comm, ms: ticks * TICK_MS };
}

/** CPU used by this process and every descendant, with the API process (and its children) told apart. */
export function cpuSnapshot(apiPid: number | undefined): CpuSnapshot {
  const snap: CpuSnapshot = { bench: 0, api: 0, postgres: 0, temporal: 0, other: 0 };
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return snap;
  }
  const stats = new Map<number, ProcStat>();
  for (const pid of pids) {
    const s = readStat(pid);
    if (s) stats.set(pid, s);
  }
  const classify = (s: ProcStat): Component | undefined => {
    // Walk up to this process; whatever is not under it is not the bench's.
    for (let cur: ProcStat | undefined = s, depth = 0; cur && depth < 64; depth++) {
      if (cur.pid === process.pid) {
        if (s.pid === process.pid) return 'bench';
        if (s.comm.startsWith('postgres') || s.comm === 'postmaster') return 'postgres';
        if (s.comm.startsWith('temporal')) return 'temporal';
        return 'other';
      }
      if (apiPid !== undefined && cur.pid === apiPid) return 'api';
      cur = stats.get(cur.ppid);
    }
    return undefined;
  };
  for (const s of stats.values()) {
    const c = classify(s);
    if (c) snap[c] += s.ms;
  }
  return snap;
}

export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  const d = { ...after };
  for (const c of COMPONENTS) d[c] = after[c] - before[c];
  return d;
}

export function addCpu(a: CpuSnapshot, b: CpuSnapshot): CpuSnapshot {
  const d = { ...a };
  for (const c of COMPONENTS) d[c] = a[c] + b[c];
  return d;
}
