/**
 * `npm run test:calendar`: the integration tests that cross dates, run under Debian's `faketime` at fixed clock
 * starts, so that no rule depends on the day the suite happens to run (docs/testing.md, "The calendar").
 * faketime moves the clock of every process below it: Node, the Java time-skipping test server, PostgreSQL.
 *
 *   npm run test:calendar                          # every start
 *   npm run test:calendar -- 2026-12-20 2028-02-28 # the starts whose date begins so
 *
 * Each start is a separate `vitest run` with its own servers; its JSON report goes to
 * `.data/calendar-<start>.json`, and the last line sums them (`Calendar: N passed, N failed`).
 * faketime is installed with apt-get when it is missing and this runs as root; otherwise it says how.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureDebianPackage } from '../stack/debian-package.js';

/** The clock starts, in UTC: late December (the review and a follow-up across it), New Year's Eve, a leap day's eve, mid-year. */
export const CALENDAR_STARTS = [
  '2026-12-20 10:00:00',
  '2026-12-31 23:30:00',
  '2028-02-28 12:00:00',
  '2027-06-30 12:00:00',
] as const;

/** The files whose tests move the clock across days, months and years. */
export const CALENDAR_FILES = [
  'workflows/lifecycle.test.ts',
  'workflows/guest-lifecycle.test.ts',
  'workflows/cadence.test.ts',
  'workflows/service-recovery.test.ts',
  'workflows/in-stay-care.test.ts',
  'sim/scenarios.test.ts',
  'sim/ten-year-guest.test.ts',
];

const root = path.resolve(import.meta.dirname, '..');

function ensureFaketime(): void {
  ensureDebianPackage({ command: 'faketime', pkg: 'faketime', purpose: 'to run the calendar tests' });
}

interface Report {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
}

/**
 * faketime's relative form (`+Ns`): every process below it, started at any moment, runs the same clock. The
 * absolute form (`@<start>`) starts each process's clock at its own start, so the test server and PostgreSQL,
 * started seconds after Node, would run behind it.
 */
function offsetTo(start: string): string {
  const seconds = Math.round((Date.parse(`${start.replace(' ', 'T')}Z`) - Date.now()) / 1000);
  return `${seconds >= 0 ? '+' : ''}${seconds}s`;
}

function runAt(start: string): Promise<{ start: string; code: number; report?: Report; seconds: number }> {
  const tag = start.replace(/[ :]/g, '-');
  const out = path.join('.data', `calendar-${tag}.json`);
  const began = Date.now();
  console.error(`\n=== calendar: the clock starts at ${start} UTC ===`);
  return new Promise((resolve) => {
    const child = spawn(
      'faketime',
      [
        '-f',
        offsetTo(start),
        'npx',
        'vitest',
        'run',
        '--project',
        'integration',
        `--outputFile.json=${out}`,
        ...CALENDAR_FILES,
      ],
      { cwd: root, stdio: 'inherit', env: { ...process.env, TZ: 'UTC' } },
    );
    child.on('exit', (code) => {
      let report: Report | undefined;
      try {
        report = JSON.parse(readFileSync(path.join(root, out), 'utf8')) as Report;
      } catch {
        report = undefined;
      }
      resolve({
        start,
        code: code ?? 1,
        seconds: Math.round((Date.now() - began) / 1000),
        ...(report ? { report } : {}),
      });
    });
  });
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const starts = wanted.length
    ? CALENDAR_STARTS.filter((s) => wanted.some((w) => s.startsWith(w)))
    : [...CALENDAR_STARTS];
  if (starts.length === 0)
    throw new Error(`no clock start matches ${wanted.join(', ')}: ${CALENDAR_STARTS.join(', ')}`);
  ensureFaketime();
  // Reports of an earlier run would be summed with this one's (.ci/run adds them up).
  mkdirSync(path.join(root, '.data'), { recursive: true });
  for (const f of readdirSync(path.join(root, '.data'), { withFileTypes: true }))
    if (/^calendar-.*\.json$/.test(f.name)) rmSync(path.join(root, '.data', f.name));
  const results = [];
  for (const start of starts) results.push(await runAt(start));
  let passed = 0;
  let failed = 0;
  console.error('\nCalendar:');
  for (const r of results) {
    const p = r.report?.numPassedTests ?? 0;
    // A run that wrote no report (it could not start) counts as one failure.
    const f = r.report ? r.report.numFailedTests : 1;
    passed += p;
    failed += f + (r.code !== 0 && f === 0 ? 1 : 0);
    console.error(`  ${r.code === 0 ? '✓' : '✗'} ${r.start} UTC: ${p} passed, ${f} failed (${r.seconds} s)`);
  }
  console.log(`Calendar: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
