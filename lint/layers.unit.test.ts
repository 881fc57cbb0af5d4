/**
 * The layer rules of eslint.config.js (lint/layers.js): what each folder may import, and no import circle, type
 * imports included. Each case lints a text under an existing file's path, so the project's config applies.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function layerErrors(filePath: string, lines: string[], rule = 'layers/allowed'): Promise<string[]> {
  const [result] = await eslint.lintText([...lines, ''].join('\n'), { filePath });
  return result!.messages.filter((m) => m.ruleId === rule).map((m) => m.message);
}

describe('layer rules', () => {
  it('refuses luxon, the config, Node modules and activities as values in workflow code', async () => {
    const errors = await layerErrors('workflows/pms-event-sweeper.ts', [
      "import { DateTime } from 'luxon';",
      "import { loadConfig } from '../config.js';",
      "import { readFile } from 'node:fs/promises';",
      "import { createActivities } from '../activities/index.js';",
      'export const used = [DateTime, loadConfig, readFile, createActivities];',
    ]);
    expect(errors).toHaveLength(4);
  }, 60_000);

  it('lets workflow code import the workflow API, contracts/, domain/, siblings and the activities as a type', async () => {
    const errors = await layerErrors('workflows/pms-event-sweeper.ts', [
      "import { sleep } from '@temporalio/workflow';",
      "import { toCents } from '../domain/points.js';",
      "import { stateQuery } from '../contracts/guest.js';",
      "import { dispositionOf } from './failures.js';",
      "import type { Activities } from '../activities/index.js';",
      'export const used: unknown[] = [sleep, toCents, stateQuery, dispositionOf];',
      'export type A = Activities;',
    ]);
    expect(errors).toEqual([]);
  }, 60_000);

  it('refuses workflows/ from the API, lib/ and activities/, types included', async () => {
    const line = (up: string) => [
      `import type { Guest } from '${up}workflows/guest.js';`,
      'export type G = Guest;',
    ];
    expect(await layerErrors('api/guests/service.ts', line('../../'))).toHaveLength(1);
    expect(await layerErrors('lib/signal-guest.ts', line('../'))).toHaveLength(1);
    expect(await layerErrors('activities/lifecycle.ts', line('../'))).toHaveLength(1);
  }, 60_000);

  it('keeps contracts/ a leaf: domain/ and @temporalio/workflow only', async () => {
    const errors = await layerErrors('contracts/guest.ts', [
      "import { defineSignal } from '@temporalio/workflow';",
      "import type { Tier } from '../domain/tiers.js';",
      "import type { Db } from '../db/knex.js';",
      "import { z } from 'zod';",
      'export const used: unknown[] = [defineSignal, z];',
      'export type T = [Tier, Db];',
    ]);
    expect(errors).toHaveLength(2);
  }, 60_000);

  it('finds an import circle made of type-only imports', async () => {
    const dir = mkdtempSync(path.join('domain', 'cycle-'));
    try {
      writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b.js';\nexport type A = { b?: B };\n");
      writeFileSync(path.join(dir, 'b.ts'), "import type { A } from './a.js';\nexport type B = { a?: A };\n");
      // A fresh ESLint reads the graph with the two new files in it.
      const fresh = new ESLint({ cache: false });
      const results = await fresh.lintFiles([path.join(dir, 'a.ts')]);
      const messages = results[0]!.messages
        .filter((m) => m.ruleId === 'layers/no-cycle')
        .map((m) => m.message);
      expect(messages).toEqual([
        expect.stringMatching(/^Import cycle: domain\/cycle-\w+\/a\.ts → .*b\.ts → .*a\.ts$/),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
