/**
 * "An imported tier is not reviewed at once" (domain/tier-review.ts `importedTierHeld`, docs/import.md) on the
 * time-skipping server with the real activities: a gold member imported this year, with no stay, keeps gold at the
 * review of next 1 January, and is reviewed on the following year's activity the 1 January after (the soft
 * landing: silver).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { importMembers } from '../api/imports/members.js';
import { stateQuery, type GuestStateView } from '../contracts/guest.js';
import { guestWorkflowId } from '../domain/ids.js';
import { eventually, openStack, workerPerTest, type Stack } from '../test/helpers.js';
import { memberCsv, memberLine } from '../test/member-files.js';

vi.setConfig({ testTimeout: 120_000 });

const DAY = 86_400_000;

let env: TestWorkflowEnvironment;
let stack: Stack;
let taskQueue: string;
let dir: string;
beforeAll(async () => {
  stack = await openStack();
  dir = await mkdtemp(path.join(tmpdir(), 'import-review-'));
});
afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});
workerPerTest(
  'import-review',
  () => stack.deps,
  (test) => ({ env, taskQueue } = test),
);

async function stateOf(guestId: string): Promise<GuestStateView | undefined> {
  return env.client
    .withDeadline(Date.now() + 2000, () =>
      env.client.workflow.getHandle(guestWorkflowId(guestId)).query(stateQuery),
    )
    .catch(() => undefined);
}

async function advance(ms: number, step = 10 * DAY) {
  for (let left = ms; left > 0; left -= step) await env.sleep(Math.min(step, left));
}

describe('an imported tier at the annual review', () => {
  it('keeps an imported gold at the next 1 January, and reviews it on the next full year', async () => {
    const now = await env.currentTimeMs();
    const year = new Date(now).getUTCFullYear();
    // Gold, enrolled years ago, no stay known here; London, so 1 January 08:00 UTC is past the review's hour.
    const line = { ...memberLine(7, 11), tier: 'gold', timezone: 'Europe/London', enrolled_on: '2015-03-01' };
    const file = path.join(dir, 'gold.csv');
    await writeFile(file, memberCsv([line]));
    const { import: done } = await importMembers(
      { db: stack.db, temporal: env.client, taskQueue },
      { filePath: file, actor: 'test', reportDir: dir, now: () => new Date(now) },
    );
    expect(done).toMatchObject({ status: 'finished', created: 1, workflows_done: 1 });
    const { id } = await stack
      .db('guests')
      .where({ member_number: line.member_number })
      .first<{ id: string }>('id');
    const imported: unknown = await stack.db('tier_history').where({ guest_id: id }).first();
    expect(imported).toMatchObject({ tier: 'gold', previous_tier: 'member', source: 'import' });
    await eventually(async () => ((await stateOf(id))?.tier === 'gold' ? true : undefined));

    // 1 January next year: the review of this (imported) year keeps gold without a stay.
    await advance(Date.UTC(year + 1, 0, 1, 8) - now);
    await eventually(async () => ((await stateOf(id))?.reviewedYear === year ? true : undefined));
    const first: unknown = await stack.db('tier_history').where({ guest_id: id, source: 'review' }).first();
    expect(first).toMatchObject({ tier: 'gold', previous_tier: 'gold', valid_through: `${year + 1}-12-31` });
    expect((first as { reason: string }).reason).toMatch(/→ kept$/);
    expect((await stack.db('guests').where({ id }).first<{ tier: string }>('tier')).tier).toBe('gold');

    // 1 January the year after: a full calendar year in the program without a stay, the soft landing to silver.
    await advance(Date.UTC(year + 2, 0, 1, 8) - (await env.currentTimeMs()));
    await eventually(async () => ((await stateOf(id))?.reviewedYear === year + 1 ? true : undefined));
    const reviews = await stack.db('tier_history').where({ guest_id: id, source: 'review' }).orderBy('id');
    expect(reviews.at(-1)).toMatchObject({ tier: 'silver', previous_tier: 'gold' });
  });
});
