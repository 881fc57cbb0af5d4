/**
 * The eslint guard on workflow code: only @temporalio/workflow, domain/ and
 * workflows/ may be imported as values; a Node module, luxon or the config
 * fails lint.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function importErrors(source: string): Promise<string[]> {
  // An existing workflow file's path, so the typed lint config applies; the text is ours.
  const [result] = await eslint.lintText(source, { filePath: 'workflows/pms-event-sweeper.ts' });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('workflow import guard', () => {
  it('refuses luxon, the config, Node modules and activities as values', async () => {
    const errors = await importErrors(
      [
        "import { DateTime } from 'luxon';",
        "import { loadConfig } from '../config.js';",
        "import { readFile } from 'node:fs/promises';",
        "import { createActivities } from '../activities/index.js';",
        'export const used = [DateTime, loadConfig, readFile, createActivities];',
        '',
      ].join('\n'),
    );
    expect(errors).toHaveLength(4);
  }, 60_000);

  it('allows the workflow API, domain/, sibling workflow files and type-only imports', async () => {
    const errors = await importErrors(
      [
        "import { sleep } from '@temporalio/workflow';",
        "import { toCents } from '../domain/points.js';",
        "import { stateQuery } from './messages.js';",
        "import type { Activities } from '../activities/index.js';",
        'export const used: unknown[] = [sleep, toCents, stateQuery];',
        'export type A = Activities;',
        '',
      ].join('\n'),
    );
    expect(errors).toEqual([]);
  }, 60_000);
});
