/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`, e.g. `npm run bench -- --cpu-prof`) by self time:
 * per package (a node_modules package, a file of this project, Node's internals, GC, idle) and per
 * function. `npx tsx bench/cpuprofile-summary.ts <file.cpuprofile> [--top N]`
 *
 * Self time is the time a sample found that function on top of the stack. Idle (the event loop waiting for
 * I/O) is reported but left out of the percentages, which are of the busy time.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where a frame's code comes from: `npm:<package>`, `app:<file>`, `node:<module>` or a V8 pseudo-frame. */
export function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName.startsWith('(')) return functionName; // (idle), (program), (garbage collector)
    return '(native)';
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return `npm:${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) return url;
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const rel = path.relative(repoRoot, file);
  return rel.startsWith('..') ? file : `app:${rel.replace(/^dist\//, '')}`;
}

export interface Summary {
  totalMs: number;
  idleMs: number;
  busyMs: number;
  byPackage: { name: string; ms: number }[];
  /** As byPackage, with native frames (a socket write, a hash) charged to the package that called them. */
  byCaller: { name: string; ms: number }[];
  byFunction: { name: string; pkg: string; ms: number }[];
}

export function summarise(profile: CpuProfile): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  /** The package of the nearest frame up the stack that is not native or a Node internal. */
  const callerPackage = (id: number): string => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const pkg = packageOf(byId.get(cur)!.callFrame);
      if (pkg !== '(native)' && !pkg.startsWith('node:')) return pkg;
    }
    return packageOf(byId.get(id)!.callFrame);
  };
  const callers = new Map<string, number>();
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const pkgs = new Map<string, number>();
  const fns = new Map<string, { name: string; pkg: string; ms: number }>();
  let idleMs = 0;
  let totalMs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const ms = us / 1000;
    totalMs += ms;
    const pkg = packageOf(node.callFrame);
    if (pkg === '(idle)') {
      idleMs += ms;
      continue;
    }
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + ms);
    const caller = callerPackage(id);
    callers.set(caller, (callers.get(caller) ?? 0) + ms);
    const { functionName, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'}:${lineNumber + 1}`;
    const key = `${pkg} ${name}`;
    const entry = fns.get(key) ?? { name, pkg, ms: 0 };
    entry.ms += ms;
    fns.set(key, entry);
  }
  const sorted = <T extends { ms: number }>(xs: T[]) => xs.sort((a, b) => b.ms - a.ms);
  return {
    totalMs,
    idleMs,
    busyMs: totalMs - idleMs,
    byPackage: sorted([...pkgs].map(([name, ms]) => ({ name, ms }))),
    byCaller: sorted([...callers].map(([name, ms]) => ({ name, ms }))),
    byFunction: sorted([...fns.values()]),
  };
}

export function formatSummary(s: Summary, top: number): string {
  const pct = (ms: number) => `${((ms / s.busyMs) * 100).toFixed(1).padStart(5)} %`;
  const ms = (v: number) => v.toFixed(0).padStart(8);
  const lines = [
    `profile ${(s.totalMs / 1000).toFixed(1)} s, busy ${(s.busyMs / 1000).toFixed(1)} s, idle ${(s.idleMs / 1000).toFixed(1)} s`,
    '',
    'self time by package (of busy time):',
    ...s.byPackage.slice(0, top).map((p) => `  ${ms(p.ms)} ms ${pct(p.ms)}  ${p.name}`),
    '',
    'self time by package, native code and Node internals charged to the package that called them:',
    ...s.byCaller.slice(0, top).map((p) => `  ${ms(p.ms)} ms ${pct(p.ms)}  ${p.name}`),
    '',
    'self time by function:',
    ...s.byFunction.slice(0, top).map((f) => `  ${ms(f.ms)} ms ${pct(f.ms)}  ${f.name}  (${f.pkg})`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '30' } },
  });
  if (positionals.length === 0) {
    console.error('Usage: npx tsx bench/cpuprofile-summary.ts <file.cpuprofile>… [--top N]');
    process.exit(2);
  }
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    console.log(`${file}\n${formatSummary(summarise(profile), Number(values.top))}\n`);
  }
}
