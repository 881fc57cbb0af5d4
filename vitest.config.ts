import { defineConfig } from 'vitest/config';

/**
 * Two projects. `unit`: pure code (domain/, parsers, classifiers), no servers,
 * no global setup: `npm run test:unit` runs in seconds on a machine without
 * Java. `integration`: everything else, against the real servers that
 * test/global-setup.ts starts once per run.
 */
const unitFiles = ['domain/**/*.test.ts', '**/*.unit.test.ts', 'config.test.ts', 'api/pms/signature.test.ts'];
const ignored = ['node_modules/**', 'dist/**', '.data/**'];

function workers(): number {
  if (process.env.TEST_DATABASE_URL) return 1;
  const n = Number(process.env.TEST_WORKERS ?? 4);
  return Number.isInteger(n) && n >= 1 ? n : 4;
}

export default defineConfig({
  test: {
    pool: 'forks',
    // Files run side by side: each integration file has a database of its own (a copy of the migrated
    // template) and starts its own time-skipping server when it skips time. Four at a time by default
    // (TEST_WORKERS: the files mostly wait on their servers, so more than the two cores' count is faster); one at
    // a time on a TEST_DATABASE_URL, which the files share.
    maxWorkers: workers(),
    // The JSON report lets .ci/run print a plain `N passed, N failed` line.
    reporters: ['default', 'json'],
    outputFile: { json: '.data/test-results.json' },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: unitFiles, exclude: ignored },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['**/*.test.ts'],
          exclude: [...ignored, ...unitFiles],
          globalSetup: ['./test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
