/**
 * workflows/kit/patches.ts is the one list of patch ids: every `patched()` of the workflows asks about one of its
 * entries, each entry is asked about somewhere, and no id is there twice.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PATCHES } from './patches.js';

const WORKFLOWS = path.resolve(import.meta.dirname, '..');

async function workflowSources(): Promise<string[]> {
  const files = (await readdir(WORKFLOWS, { recursive: true })).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('patches.ts'),
  );
  return Promise.all(files.map((f) => readFile(path.join(WORKFLOWS, f), 'utf8')));
}

describe('the patch registry', () => {
  const entries = Object.entries(PATCHES);

  it('holds each id once, each with what it guards and when it can go', () => {
    const ids = entries.map(([, p]) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [, p] of entries) {
      expect(p.where).not.toBe('');
      expect(p.guards).not.toBe('');
      expect(p.deprecateWhen).toMatch(/^no \w+ .*run .*started before it is open/);
    }
  });

  it('holds every id a workflow asks patched() about, and nothing no workflow asks about', async () => {
    const code = (await workflowSources()).join('\n');
    const literal = [...code.matchAll(/patched\('([^']+)'\)/g)].map((m) => m[1]);
    const named = [...code.matchAll(/patched\(PATCHES\.(\w+)\.id\)/g)].map((m) => m[1]);
    const known = new Set(entries.map(([, p]) => p.id));
    for (const id of literal) expect(known, `patched('${id}')`).toContain(id);
    for (const name of named) expect(Object.keys(PATCHES), `PATCHES.${name}`).toContain(name);
    // deliverIfScheduled (workflows/kit/planned-mail.ts) asks on its caller's behalf: PATCHES.<name>.id passed in.
    const passed = [...code.matchAll(/PATCHES\.(\w+)\.id/g)].map((m) => m[1]);
    const asked = new Set([
      ...literal,
      ...[...named, ...passed].map((n) => PATCHES[n as keyof typeof PATCHES].id),
    ]);
    expect([...known].filter((id) => !asked.has(id))).toEqual([]);
  });
});
