/** The cadence tables against the real (migrated) Postgres: the seed, drafts, publishing, follow-up rows. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POST_STAY_STEPS, POST_STAY_CADENCE } from '../../domain/cadence.js';
import { ensureCadence, fileDatabaseUrl, sampleStay } from '../../test/helpers.js';
import { createDb, type Db } from '../knex.js';
import * as cadences from './cadences.js';
import * as guests from './guests.js';

let db: Db;
beforeAll(async () => {
  db = createDb(await fileDatabaseUrl(), { poolMax: 3 });
});
afterAll(async () => {
  await db?.destroy();
});

describe('cadences repository', () => {
  it('seeds post-stay version 1, published, as the current version', async () => {
    const v1 = await cadences.getVersion(db, POST_STAY_CADENCE, 1);
    expect(v1).toMatchObject({ status: 'published', published_by: 'system', steps: DEFAULT_POST_STAY_STEPS });
    expect((await cadences.currentVersion(db, POST_STAY_CADENCE))?.version).toBeGreaterThanOrEqual(1);
    const list = await cadences.listCadences(db);
    expect(list.find((c) => c.key === POST_STAY_CADENCE)).toMatchObject({ name: 'Post-stay follow-up' });
  });

  it('numbers drafts, publishes once, and refuses any change to a published version', async () => {
    const key = `test-${randomUUID().slice(0, 8)}`;
    await ensureCadence(db, { key, name: 'Test' });
    expect(await cadences.currentVersion(db, key)).toBeUndefined();
    const [a, b] = await Promise.all([
      cadences.createDraft(db, { cadenceKey: key, steps: [...DEFAULT_POST_STAY_STEPS], createdBy: 'ann' }),
      cadences.createDraft(db, { cadenceKey: key, steps: [DEFAULT_POST_STAY_STEPS[0]!], createdBy: 'bob' }),
    ]);
    expect([a.version, b.version].sort()).toEqual([1, 2]);
    expect(await cadences.publish(db, { cadenceKey: key, version: 1, publishedBy: 'ann' })).toMatchObject({
      outcome: 'published',
      version: { status: 'published', published_by: 'ann' },
    });
    expect((await cadences.publish(db, { cadenceKey: key, version: 1, publishedBy: 'x' })).outcome).toBe(
      'already_published',
    );
    expect((await cadences.publish(db, { cadenceKey: key, version: 9, publishedBy: 'x' })).outcome).toBe(
      'not_found',
    );
    expect((await cadences.currentVersion(db, key))?.version).toBe(1);
    await expect(
      db('cadence_versions').where({ cadence_key: key, version: 1 }).update({ note: 'x' }),
    ).rejects.toThrow(/is published and cannot change/);
    await expect(db('cadence_versions').where({ cadence_key: key, version: 1 }).delete()).rejects.toThrow(
      /is published/,
    );
    await expect(
      cadences.createDraft(db, { cadenceKey: 'nope', steps: [], createdBy: 'x' }),
    ).rejects.toBeInstanceOf(cadences.CadenceNotFoundError);
  });

  it('records a follow-up once, moves it, marks steps once, finishes it, counts the running by version', async () => {
    const { profile } = sampleStay({ guest: { email: `fu-${randomUUID()}@guest.example` } });
    const guestId = (await guests.insertIfAbsent(db, { source: 'pms', profile, asOf: new Date() }))!.id;
    const key = `test-${randomUUID().slice(0, 8)}`;
    await ensureCadence(db, { key, name: 'Test' });
    for (const _ of [1, 2]) {
      const d = await cadences.createDraft(db, {
        cadenceKey: key,
        steps: [...DEFAULT_POST_STAY_STEPS],
        createdBy: 'a',
      });
      await cadences.publish(db, { cadenceKey: key, version: d.version, publishedBy: 'a' });
    }
    const input = {
      workflowId: `wf-${randomUUID()}`,
      guestId,
      stayId: randomUUID(),
      cadenceKey: key,
      version: 1,
      startedAt: new Date(),
    };
    const first = await cadences.insertFollowUp(db, input);
    expect(first).toMatchObject({
      created: true,
      followUp: { cadence_version: 1, status: 'running', steps_done: [] },
    });
    expect((await cadences.insertFollowUp(db, { ...input, version: 2 })).followUp.cadence_version).toBe(1);
    await cadences.markStepDone(db, { workflowId: input.workflowId, stepId: 'thank-you' });
    await cadences.markStepDone(db, { workflowId: input.workflowId, stepId: 'thank-you' });
    await cadences.markStepDone(db, { workflowId: input.workflowId, stepId: 'survey' });
    expect(await cadences.countRunningByVersion(db, key)).toEqual([{ version: 1, running: 1 }]);
    const moved = await cadences.moveFollowUp(db, {
      workflowId: input.workflowId,
      toVersion: 2,
      at: new Date(),
    });
    expect(moved).toMatchObject({ cadence_version: 2, moved_from: 1, steps_done: ['thank-you', 'survey'] });
    expect(await cadences.countRunningByVersion(db, key)).toEqual([{ version: 2, running: 1 }]);
    await cadences.finishFollowUp(db, { workflowId: input.workflowId, status: 'completed', at: new Date() });
    expect(await cadences.findFollowUp(db, input.workflowId)).toMatchObject({ status: 'completed' });
    expect(
      await cadences.moveFollowUp(db, { workflowId: input.workflowId, toVersion: 1, at: new Date() }),
    ).toBeUndefined();
    expect(await cadences.countRunningByVersion(db, key)).toEqual([]);
  });
});
