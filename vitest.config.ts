import { defineConfig } from 'vitest/config';

/**
 * Two projects. `unit`: pure code (domain/, parsers, classifiers), no servers,
 * no global setup: `npm run test:unit` runs in seconds on a machine without
 * Java. `integration`: everything else, against the real servers that
 * test/global-setup.ts starts once per run.
 */
const unitFiles = ['domain/**/*.test.ts', '**/*.unit.test.ts', 'config.test.ts', 'api/pms/signature.test.ts'];
const ignored = ['node_modules/**', 'dist/**', '.data/**'];

export default defineConfig({
  test: {
    pool: 'forks',
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
          // One time-skipping server serves the whole run, and skipping time is global to it: files run one at a time.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
