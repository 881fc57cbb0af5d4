// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import layers from './lint/layers.js';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The layers point one way (docs/architecture.md "Layers"); no import circle, type imports included.
    // Composition roots (worker.ts, stack/, sim/, bench/, cli/) and tests may import anything.
    files: ['**/*.ts'],
    ignores: ['**/*.test.ts', 'test/**'],
    plugins: { layers },
    rules: {
      'layers/no-cycle': 'error',
      'layers/allowed': [
        'error',
        {
          layers: {
            contracts: { may: ['domain'], packages: ['@temporalio/workflow', '@temporalio/common'] },
            domain: { may: [], packages: [] },
            // Workflow code runs in Temporal's deterministic sandbox: @temporalio/workflow (and @temporalio/common,
            // which it re-exports and which holds no Node code), contracts/, domain/; the activities' interface as
            // a type, for proxyActivities.
            workflows: {
              may: ['contracts', 'domain'],
              packages: ['@temporalio/workflow', '@temporalio/common'],
              typesFrom: ['activities/index.ts'],
            },
            activities: { may: ['contracts', 'domain', 'db', 'lib', 'mail', 'config.ts'] },
            db: { may: ['contracts', 'domain'] },
            lib: { may: ['contracts', 'domain', 'db', 'config.ts'] },
            // Mail templates and their checks: the worker renders them, the API checks and previews them.
            mail: { may: ['contracts', 'domain'] },
            api: { may: ['contracts', 'domain', 'db', 'lib', 'mail', 'config.ts'] },
            'config.ts': { may: [] },
          },
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the workflow random (deterministic).' },
      ],
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'domain/ takes time as an argument.' },
      ],
    },
  },
  {
    // The console (console/): browser code. It may import domain/ (pure rules and their lists) and nothing else
    // of the server; it reaches the server only over HTTP (console/src/api.ts).
    files: ['console/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks, layers },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'layers/no-cycle': 'error',
      'layers/allowed': [
        'error',
        {
          layers: {
            console: {
              may: ['domain'],
              packages: [
                'react',
                'react-dom',
                'react-router',
                '@tanstack/react-query',
                'i18next',
                'react-i18next',
                'vite',
                '@vitejs/plugin-react',
                // The dashboard's charts (console/src/pages/dashboard/echarts.ts: echarts/core, tree-shaken, loaded lazily).
                'echarts',
              ],
            },
          },
        },
      ],
    },
  },
  {
    files: ['eslint.config.js', 'lint/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
);
