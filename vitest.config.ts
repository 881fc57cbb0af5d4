import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.data/**'],
    pool: 'forks',
    // One time-skipping server serves the whole run, and skipping time is global to it: files run one at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    // The JSON report lets .ci/run print a plain `N passed, N failed` line.
    reporters: ['default', 'json'],
    outputFile: { json: '.data/test-results.json' },
    hookTimeout: 180_000,
  },
});
