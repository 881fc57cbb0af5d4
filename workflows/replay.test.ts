/**
 * Replays recorded histories (test/fixtures/histories, made by
 * `npm run record:histories`) against today's workflow code: a change to a
 * workflow's command sequence that is not guarded with `patched()` fails here. Recording overwrites the
 * fixtures of today's code and leaves older ones: `2026-11-24-before-cadence-*` are histories of the code before
 * the cadence follow-up, the in-stay care and the send windows, `2026-11-24-before-local-steps-*` follow-ups whose
 * cadence bookkeeping ran as regular activities, `2026-11-24-before-due-deadline-*` a guest's run that waited
 * for due deadlines on 1 ms timers (the unpatched paths of `patched()`).
 *
 * A history recorded while its workflow still ran ends mid-way; past its end the replayer runs the workflow on
 * and a local activity it schedules fails that task with "Local activity of type … not registered on worker" (a
 * replay worker has no activities). The core logs it as a warning; it is not a replay error.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { HISTORIES_DIR } from '../test/histories.js';

const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();

describe('replay of recorded histories', () => {
  it('has fixtures for every workflow type', () => {
    const types = new Set(files.map((f) => f.split('.').at(-2)));
    expect([...types].sort()).toEqual([
      'campaign',
      'guestLifecycle',
      'inStayCare',
      'pmsEventSweeper',
      'postStayFollowUp',
      'serviceRecovery',
      'tierReview',
      'winBack',
    ]);
  });

  it('has a run that continues as new, a failed activity and a child already started among them', async () => {
    const eventTypes = new Set<string>();
    for (const file of files) {
      const text = await readFile(path.join(HISTORIES_DIR, file), 'utf8');
      for (const m of text.matchAll(/"eventType": "(EVENT_TYPE_[A-Z_]+)"/g)) eventTypes.add(m[1]!);
    }
    expect(eventTypes).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
    expect(eventTypes).toContain('EVENT_TYPE_ACTIVITY_TASK_FAILED');
    expect(eventTypes).toContain('EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED');
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    const text = await readFile(path.join(HISTORIES_DIR, file), 'utf8');
    const history = historyFromJSON(JSON.parse(text));
    // The guest's workflow names its children after its own ID (`guest-<id>-winback-<day>`): replay it under
    // that ID, which its children's IDs give away.
    const guestId = file.endsWith('.guestLifecycle.json')
      ? /"workflowId": "(guest-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/.exec(text)?.[1]
      : undefined;
    const results = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      [{ workflowId: guestId ?? file, history }],
    )) {
      results.push(result);
    }
    expect(results).toHaveLength(1);
    expect(results[0]!.error).toBeUndefined();
    expect(history.events?.length).toBeGreaterThanOrEqual(5);
  });
});
