/**
 * `npm run bench [-- <bench> [options]]`: the benchmarks, each in a process of its own.
 *
 * - no arguments: every bench in turn with its defaults (stay-events, guest-reads, rules-preview, reports,
 *   campaigns, import);
 * - one of them with its options (`-- guest-reads --help` lists its
 *   options);
 * - options without a name (`-- --events 500`): stay-events, as before there was a second bench.
 *
 * `npm run bench` builds first: stay-events runs the compiled API (dist/). `npm run bench:guests` runs
 * guest-reads without the build (it serves the API from the sources in its own process).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCHES = ['stay-events', 'guest-reads', 'rules-preview', 'reports', 'campaigns', 'import'] as const;
type Bench = (typeof BENCHES)[number];
const here = path.dirname(fileURLToPath(import.meta.url));

function runBench(name: Bench, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, `${name}.ts`), ...args], {
      stdio: 'inherit',
    });
    // Passed on (a Ctrl-C reaches the child twice, which it takes as once): the child stops what it started,
    // and this waits for it.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
      process.on(signal, () => void child.kill(signal));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const [first, ...rest] = process.argv.slice(2);
let plan: [Bench, string[]][];
if (first === undefined) plan = BENCHES.map((b) => [b, []]);
else if ((BENCHES as readonly string[]).includes(first)) plan = [[first as Bench, rest]];
else if (first.startsWith('-')) plan = [['stay-events', [first, ...rest]]];
else {
  console.error(`Unknown bench '${first}': one of ${BENCHES.join(', ')}`);
  process.exit(2);
}

let failed = 0;
for (const [name, args] of plan) {
  if (plan.length > 1) console.error(`\n=== ${name} ===`);
  if ((await runBench(name, args)) !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
