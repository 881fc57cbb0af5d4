/**
 * The cadence API over real HTTP: the API, a Temporal dev server, a worker with the real activities and
 * PostgreSQL. Roles; drafts checked (an unknown template refused naming `steps[i].template`, nothing
 * written); publish, diff, rollback (and its retry); the dry run from `follow_ups`; moves as a bounded batch
 * whose follow-ups that no longer run are reported as could-not-move, and whose retry with the same
 * Idempotency-Key asks the same follow-ups again instead of moving another batch.
 *
 * Most of it runs on a cadence of this file's own (`e2e-…`), so the versions it publishes never become the
 * post-stay cadence other test files' follow-ups pin.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cadences from '../../db/repositories/cadences.js';
import { DEFAULT_POST_STAY_STEPS, POST_STAY_CADENCE, type CadenceStep } from '../../domain/cadence.js';
import { followUpWorkflowId } from '../../domain/ids.js';
import { followUpStateQuery } from '../../contracts/follow-up.js';
import { openApiStack, type Answer, type ApiStack } from '../api-stack.js';
import { countRows, ensureCadence, eventually, stayCompletedBody, type Stack } from '../helpers.js';

const SECRET = 'e2e-cadences-pms-webhook-secret-0123456789';
const MARKETER = 'e2e marketer (cadences)';
const CADENCE = `e2e-${randomUUID().slice(0, 8)}`;

const STEPS: CadenceStep[] = [
  {
    id: 'thank-you',
    anchor: 'check_out',
    offsetMinutes: 120,
    window: { start: '09:00', end: '20:00' },
    template: 'stay-thank-you',
    channel: 'mail',
    class: 'transactional',
    condition: null,
  },
  {
    id: 'come-back',
    anchor: 'check_out',
    offsetMinutes: 30 * 1440,
    window: { start: '09:00', end: '20:00' },
    template: 'first-year-come-back',
    channel: 'mail',
    class: 'marketing',
    condition: 'no_booking_since_anchor',
  },
];

let api: ApiStack;
let env: TestWorkflowEnvironment;
let stack: Stack;
let marketerKey: string;
let adminKey: string;
let opsKey: string;
/** post-stay's current version before this file: the versions it publishes above it are removed afterwards. */
let postStayBefore: number;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-cadences',
    pmsSecret: SECRET,
    keys: { marketer: MARKETER, admin: 'e2e admin (cadences)', ops: 'e2e ops (cadences)' },
  });
  ({ env, stack } = api);
  marketerKey = api.keyFor('marketer');
  adminKey = api.keyFor('admin');
  opsKey = api.keyFor('ops');
  await ensureCadence(stack.db, { key: CADENCE, name: 'E2E cadence' });
  await cadences.createDraft(stack.db, { cadenceKey: CADENCE, steps: STEPS, createdBy: 'e2e seed' });
  await cadences.publish(stack.db, { cadenceKey: CADENCE, version: 1, publishedBy: 'e2e seed' });
  postStayBefore = (await cadences.currentVersion(stack.db, POST_STAY_CADENCE))!.version;
});

afterAll(async () => {
  await api?.close(async () => {
    if (postStayBefore === undefined) return;
    // The post-stay versions this file published (and its follow-ups on them) go, so the test files after it
    // start their follow-ups on the version they would have had. Published versions are immutable by trigger.
    await stack.db.transaction(async (trx) => {
      await trx('follow_ups')
        .where({ cadence_key: POST_STAY_CADENCE })
        .where('cadence_version', '>', postStayBefore)
        .delete();
      await trx.raw('alter table cadence_versions disable trigger cadence_versions_immutable');
      await trx('cadence_versions')
        .where({ cadence_key: POST_STAY_CADENCE })
        .where('version', '>', postStayBefore)
        .delete();
      await trx.raw('alter table cadence_versions enable trigger cadence_versions_immutable');
    });
  });
});

interface ErrorBody {
  error: {
    code: string;
    message: string;
    details: { field?: string; issues?: { field: string; message: string }[] };
  };
}
interface VersionBody {
  cadence: string;
  version: number;
  status: string;
  note: string;
  basedOn: number | null;
  createdBy: string;
  publishedBy: string | null;
  steps: CadenceStep[];
}
interface CadenceBody {
  key: string;
  currentVersion: number | null;
  current: VersionBody | null;
  versions: { version: number; status: string; stepIds: string[] }[];
}
interface DiffBody {
  from: number;
  to: number;
  added: CadenceStep[];
  removed: CadenceStep[];
  changed: { id: string; fields: Record<string, { from: unknown; to: unknown }> }[];
}
interface DryRunBody {
  to: number | null;
  running: number;
  wouldMove: number;
  versions: {
    version: number;
    running: number;
    stepsDone: Record<string, number>;
    move?: Omit<DiffBody, 'from' | 'to'> | null;
  }[];
}
interface MoveBody {
  requestId: string;
  selected: number;
  moved: number;
  failed: { workflowId: string; reason: string }[];
  remaining: number;
  replayed: boolean;
}

async function call<T = ErrorBody>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  opts: { key?: string | null; idempotencyKey?: string } = {},
): Promise<Answer<T>> {
  const key = opts.key === undefined ? marketerKey : opts.key;
  return api.request<T>(method, path, body, { key, idempotencyKey: opts.idempotencyKey });
}

const path = (rest = '') => `/v1/cadences/${CADENCE}${rest}`;

const written = async () => ({
  versions: await countRows(stack.db, 'cadence_versions', { cadence_key: CADENCE }),
  audit: await countRows(stack.db, 'audit_log', { subject: `cadence:${CADENCE}` }),
  moves: await countRows(stack.db, 'cadence_move_requests', { cadence_key: CADENCE }),
});

/** A guest with a stay that checked out three hours ago (through the PMS webhook), its follow-up started. */
async function newGuest(guest: Record<string, string> = {}): Promise<string> {
  const body = stayCompletedBody({ occurredAt: new Date(Date.now() - 3 * 3_600_000).toISOString(), guest });
  const res = await api.postPms(body);
  expect(res.status).toBe(202);
  const { guestId } = (await res.json()) as { guestId: string };
  // Its follow-up has pinned its version (the one current now).
  await eventually(async () =>
    (await countRows(stack.db, 'follow_ups', { guest_id: guestId })) === 1 ? true : undefined,
  );
  return guestId;
}

describe('roles', () => {
  it('needs a key of role marketer or admin', async () => {
    expect((await call('GET', '/v1/cadences', undefined, { key: null })).status).toBe(401);
    const denied = await call('GET', '/v1/cadences', undefined, { key: opsKey });
    expect(denied.status).toBe(403);
    expect((await call('POST', path('/versions'), { steps: STEPS }, { key: opsKey })).status).toBe(403);
    expect((await call('GET', '/v1/cadences', undefined, { key: adminKey })).status).toBe(200);
  });
});

describe('versions', () => {
  it('lists the cadences with their current version', async () => {
    const { status, json } = await call<{ cadences: { key: string; currentVersion: number }[] }>(
      'GET',
      '/v1/cadences',
    );
    expect(status).toBe(200);
    expect(json.cadences.find((c) => c.key === 'post-stay')?.currentVersion).toBeGreaterThanOrEqual(1);
    expect(json.cadences.find((c) => c.key === CADENCE)?.currentVersion).toBe(1);
    const one = await call<CadenceBody>('GET', path());
    expect(one.json.current?.steps.map((s) => s.id)).toEqual(['thank-you', 'come-back']);
    expect((await call('GET', '/v1/cadences/no-such-cadence')).json.error.code).toBe('cadence_not_found');
    expect((await call('GET', path('/versions/99'))).json.error).toMatchObject({
      code: 'version_not_found',
      details: { field: 'version' },
    });
  });

  it('refuses a draft with an unknown template or a bad step, naming the field, and writes nothing', async () => {
    const before = await written();
    const bad = await call('POST', path('/versions'), {
      steps: [STEPS[0], { ...STEPS[1]!, template: 'no-such-mail' }],
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBe('cadence_invalid');
    expect(bad.json.error.details.field).toBe('steps[1].template');
    expect(bad.json.error.message).toContain("unknown template 'no-such-mail'");
    const worse = await call('POST', path('/versions'), {
      steps: [{ ...STEPS[0]!, anchor: 'previous_step', condition: 'score_at_least:9' }],
    });
    expect(worse.json.error.details.issues!.map((i) => i.field)).toEqual([
      'steps[0].anchor',
      'steps[0].condition',
    ]);
    expect((await call('POST', path('/versions'), { steps: 'none' })).json.error.details.field).toBe('steps');
    expect((await call('POST', path('/versions'), { steps: STEPS, extra: 1 })).status).toBe(400);
    expect(await written()).toEqual(before);
  });

  it('drafts, publishes, diffs and rolls back, audited with the key name', async () => {
    const changed: CadenceStep[] = [
      { ...STEPS[0]!, offsetMinutes: 60 },
      {
        id: 'birthday',
        anchor: 'previous_step',
        offsetMinutes: 1440,
        window: null,
        template: 'birthday-greeting',
        channel: 'mail',
        class: 'marketing',
        condition: 'survey_not_answered',
      },
    ];
    const draft = await call<VersionBody>('POST', path('/versions'), {
      steps: changed,
      note: 'faster thanks',
    });
    expect(draft.status).toBe(201);
    expect(draft.json).toMatchObject({
      status: 'draft',
      basedOn: 1,
      createdBy: MARKETER,
      note: 'faster thanks',
    });
    const v2 = draft.json.version;

    const published = await call<VersionBody>('POST', path(`/versions/${v2}/publish`));
    expect(published.json).toMatchObject({ version: v2, status: 'published', publishedBy: MARKETER });
    const again = await call<VersionBody>('POST', path(`/versions/${v2}/publish`));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await call<CadenceBody>('GET', path())).json.currentVersion).toBe(v2);

    const diff = await call<DiffBody>('GET', path(`/diff?from=1&to=${v2}`));
    expect(diff.status).toBe(200);
    expect(diff.json.added.map((s) => s.id)).toEqual(['birthday']);
    expect(diff.json.removed.map((s) => s.id)).toEqual(['come-back']);
    expect(diff.json.changed).toEqual([
      { id: 'thank-you', fields: { offsetMinutes: { from: 120, to: 60 } } },
    ]);
    expect((await call('GET', path('/diff?from=1'))).json.error.details.field).toBe('to');
    expect((await call('GET', path('/diff?from=1&to=99'))).json.error.details.field).toBe('to');

    const rolled = await call<VersionBody>('POST', path('/rollback'), { version: 1 });
    expect(rolled.status).toBe(201);
    expect(rolled.json).toMatchObject({
      version: v2 + 1,
      status: 'published',
      basedOn: 1,
      publishedBy: MARKETER,
    });
    expect(rolled.json.steps).toEqual(STEPS);
    const retried = await call<VersionBody>('POST', path('/rollback'), { version: 1 });
    expect(retried.status).toBe(200);
    expect(retried.json.version).toBe(v2 + 1);
    expect((await call('POST', path('/rollback'), { version: v2 + 1 })).json.error.code).toBe(
      'already_current',
    );
    expect((await call<CadenceBody>('GET', path())).json.currentVersion).toBe(v2 + 1);

    // A draft older than the current version would not become current.
    const late = await call<VersionBody>('POST', path('/versions'), { steps: changed });
    await call('POST', path('/rollback'), { version: v2 });
    const stale = await call('POST', path(`/versions/${late.json.version}/publish`));
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe('superseded');

    const actions = await stack
      .db<{ action: string; actor: string; subject: string }>('audit_log')
      .where({ subject: `cadence:${CADENCE}`, actor: MARKETER })
      .orderBy('id')
      .pluck('action');
    expect(actions).toEqual([
      'cadence.draft_created',
      'cadence.published',
      'cadence.rolled_back',
      'cadence.draft_created',
      'cadence.rolled_back',
    ]);
  });
});

describe('dry run and moves', () => {
  it('counts running follow-ups per version, diffs a move, and moves a bounded batch', async () => {
    const current = (await call<CadenceBody>('GET', path())).json.currentVersion!;
    const guestId = await newGuest();
    // Follow-ups whose workflows do not run (finished long ago): every move of them fails as could-not-move.
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const workflowId = `e2e-follow-up-${CADENCE}-${i}`;
      ids.push(workflowId);
      await cadences.insertFollowUp(stack.db, {
        workflowId,
        guestId,
        stayId: randomUUID(),
        cadenceKey: CADENCE,
        version: 1,
        startedAt: new Date(),
      });
    }
    await cadences.markStepDone(stack.db, { workflowId: ids[0]!, stepId: 'thank-you' });

    const dry = await call<DryRunBody>('GET', path(`/dry-run?to=2`));
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({ to: 2, running: 3, wouldMove: 3 });
    expect(dry.json.versions).toHaveLength(1);
    expect(dry.json.versions[0]).toMatchObject({ version: 1, running: 3, stepsDone: { 'thank-you': 1 } });
    expect(dry.json.versions[0]!.move!.added.map((s) => s.id)).toEqual(['birthday']);
    expect((await call<DryRunBody>('GET', path('/dry-run'))).json.versions[0]!.move).toBeUndefined();

    const before = await written();
    expect(
      (await call('POST', path('/moves'), { fromVersion: 1, toVersion: 1 })).json.error.details.field,
    ).toBe('toVersion');
    expect((await call('POST', path('/moves'), { fromVersion: 1, toVersion: 2, limit: 501 })).status).toBe(
      400,
    );
    const draft = await call<VersionBody>('POST', path('/versions'), { steps: STEPS });
    const toDraft = await call('POST', path('/moves'), { fromVersion: 1, toVersion: draft.json.version });
    expect(toDraft.json.error).toMatchObject({ code: 'not_published', details: { field: 'toVersion' } });
    // The dry run may look at a draft before it is published.
    const dryDraft = await call<DryRunBody & { toStatus: string }>(
      'GET',
      path(`/dry-run?to=${draft.json.version}`),
    );
    expect(dryDraft.json).toMatchObject({ to: draft.json.version, toStatus: 'draft', wouldMove: 3 });
    expect((await written()).moves).toBe(before.moves);

    const requestId = randomUUID();
    const first = await call<MoveBody>(
      'POST',
      path('/moves'),
      { fromVersion: 1, toVersion: current, limit: 2 },
      { idempotencyKey: requestId },
    );
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ requestId, selected: 2, moved: 0, remaining: 3, replayed: false });
    expect(first.json.failed).toEqual([
      expect.objectContaining({ workflowId: ids[0], reason: 'finished' }),
      expect.objectContaining({ workflowId: ids[1], reason: 'finished' }),
    ]);
    // The retry answers the same batch, not the next one.
    const retry = await call<MoveBody>(
      'POST',
      path('/moves'),
      { fromVersion: 1, toVersion: current, limit: 2 },
      { idempotencyKey: requestId },
    );
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.json.failed.map((f) => f.workflowId)).toEqual([ids[0], ids[1]]);
    const reused = await call(
      'POST',
      path('/moves'),
      { fromVersion: 1, toVersion: current, limit: 3 },
      { idempotencyKey: requestId },
    );
    expect(reused.status).toBe(409);
    expect(reused.json.error.code).toBe('idempotency_key_reused');
    const audit = await stack
      .db<{ action: string; subject: string; after: { moved: number; failed: number } }>('audit_log')
      .where({ subject: `cadence:${CADENCE}`, action: 'cadence.follow_ups_moved' });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.after).toMatchObject({ requestId, moved: 0, failed: 2, selected: 2 });
  });
});

describe('a real follow-up', () => {
  it('is moved to another version on request, once, and the dry run showed what changes', async () => {
    // A version of post-stay of this test's own, so that only its follow-up runs on it.
    const steps = DEFAULT_POST_STAY_STEPS.map((s) => ({ ...s }));
    const vA = (await call<VersionBody>('POST', '/v1/cadences/post-stay/versions', { steps })).json.version;
    expect((await call('POST', `/v1/cadences/post-stay/versions/${vA}/publish`)).status).toBe(200);

    const guestId = await newGuest();
    const stay = await eventually(() =>
      stack.db<{ id: string; guest_id: string }>('stays').where({ guest_id: guestId }).first(),
    );
    const workflowId = followUpWorkflowId(guestId, stay.id);
    // The thank-you goes at once; the follow-up then waits a day for the survey.
    const pinned = await eventually(async () => {
      const row = await cadences.findFollowUp(stack.db, workflowId);
      return row?.steps_done.includes('thank-you') ? row : undefined;
    });
    expect(pinned).toMatchObject({ cadence_version: vA, status: 'running' });

    const later = steps.map((s) => (s.id === 'survey' ? { ...s, offsetMinutes: 2 * 1440 } : s));
    const vB = (await call<VersionBody>('POST', '/v1/cadences/post-stay/versions', { steps: later })).json
      .version;
    await call('POST', `/v1/cadences/post-stay/versions/${vB}/publish`);

    const dry = await call<DryRunBody>('GET', `/v1/cadences/post-stay/dry-run?to=${vB}`);
    const onA = dry.json.versions.find((v) => v.version === vA)!;
    expect(onA).toMatchObject({ running: 1, stepsDone: { 'thank-you': 1 } });
    expect(onA.move).toEqual({
      added: [],
      removed: [],
      changed: [{ id: 'survey', fields: { offsetMinutes: { from: 1440, to: 2880 } } }],
    });

    const requestId = randomUUID();
    const moved = await call<MoveBody>(
      'POST',
      '/v1/cadences/post-stay/moves',
      { fromVersion: vA, toVersion: vB, limit: 10 },
      { idempotencyKey: requestId },
    );
    expect(moved.status).toBe(200);
    expect(moved.json).toMatchObject({ selected: 1, moved: 1, failed: [], remaining: 0, replayed: false });
    expect(await cadences.findFollowUp(stack.db, workflowId)).toMatchObject({
      cadence_version: vB,
      moved_from: vA,
      status: 'running',
    });
    const state = await env.client.workflow.getHandle(workflowId).query(followUpStateQuery);
    expect(state).toMatchObject({ version: vB, movedFrom: vA, stepsDone: ['thank-you'] });
    expect(state.waitingFor).toMatchObject({ stepId: 'survey' });

    // The retry is answered from the request; a new request finds nothing left on vA.
    const retry = await call<MoveBody>(
      'POST',
      '/v1/cadences/post-stay/moves',
      { fromVersion: vA, toVersion: vB, limit: 10 },
      { idempotencyKey: requestId },
    );
    expect(retry.json).toMatchObject({ moved: 1, replayed: true });
    const next = await call<MoveBody>('POST', '/v1/cadences/post-stay/moves', {
      fromVersion: vA,
      toVersion: vB,
    });
    expect(next.json).toMatchObject({ selected: 0, moved: 0, failed: [] });
    expect(next.headers.get('idempotency-key')).toBe(next.json.requestId);

    // A follow-up whose workflow has ended (its row still says running) cannot move: reported, not an error.
    await env.client.workflow.getHandle(workflowId).terminate('e2e: the follow-up ends');
    const back = await call<MoveBody>('POST', '/v1/cadences/post-stay/moves', {
      fromVersion: vB,
      toVersion: vA,
    });
    expect(back.status).toBe(200);
    expect(back.json).toMatchObject({ selected: 1, moved: 0, failed: [{ workflowId, reason: 'finished' }] });
    expect(await cadences.findFollowUp(stack.db, workflowId)).toMatchObject({ cadence_version: vB });
  });
});

interface PreviewMail {
  stepId: string;
  template: string;
  class: string;
  dueAt: string;
  sendAt: string;
  localSendAt: string;
  deferred: boolean;
  subject: string | null;
  sampleVars: Record<string, unknown>;
}
interface CadencePreviewBody {
  version: number;
  timezone: string;
  locale: string;
  anchors: { checkOut: string; checkIn: string };
  mails: PreviewMail[];
  skipped: { stepId: string; skip: string; reason: string }[];
}

describe('preview', () => {
  it('shows the exact mails with subject and local send time for a guest in Shanghai, and the skips', async () => {
    const guestId = await newGuest({
      firstName: '梅',
      lastName: '王',
      locale: 'zh-CN',
      timezone: 'Asia/Shanghai',
    });
    await stack.db('guests').where({ id: guestId }).update({ marketing_consent: true });
    // Checking out tomorrow at 18:00 UTC: 02:00 the day after in Shanghai.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const checkOutAt = `${tomorrow}T18:00:00Z`;
    const local = (days: number, time: string) => {
      const d = new Date(Date.parse(`${tomorrow}T00:00:00Z`) + (days + 1) * 86_400_000)
        .toISOString()
        .slice(0, 10);
      return `${d} ${time}`;
    };
    const { status, json } = await call<CadencePreviewBody>('POST', '/v1/cadences/post-stay/preview', {
      guestId,
      version: postStayBefore,
      checkOutAt,
    });
    expect(status).toBe(200);
    expect(json).toMatchObject({ version: postStayBefore, timezone: 'Asia/Shanghai', locale: 'zh-CN' });
    expect(json.anchors.checkOut).toBe(checkOutAt);
    const byStep = Object.fromEntries(json.mails.map((m) => [m.stepId, m]));
    // Every step waits for its window (09:00–20:00), transactional ones too: the thank-you due at 04:00 and the
    // survey due at 02:00 the next day go at 09:00.
    expect(byStep['thank-you']).toMatchObject({ localSendAt: local(0, '09:00'), deferred: true });
    expect(byStep['thank-you']!.subject).toBe('王梅，感谢您的入住');
    expect(byStep.survey).toMatchObject({
      localSendAt: local(1, '09:00'),
      deferred: true,
      class: 'transactional',
    });
    expect(byStep.survey!.subject).toContain('王梅');
    expect(byStep['come-back']).toMatchObject({
      localSendAt: local(30, '09:00'),
      deferred: true,
      class: 'marketing',
    });
    expect(byStep['come-back']!.sendAt).toBe(`${local(30, '01:00').replace(' ', 'T')}:00.000Z`);
    // The review request needs a score of 4 or more: the survey of a stay to come is not answered.
    expect(json.skipped).toEqual([
      expect.objectContaining({ stepId: 'review-request', skip: 'condition_not_met' }),
    ]);
    expect(json.skipped[0]!.reason).toContain('score_at_least:4');

    // Without consent, the marketing steps are skipped with that reason.
    await stack.db('guests').where({ id: guestId }).update({ marketing_consent: false });
    const noConsent = await call<CadencePreviewBody>('POST', '/v1/cadences/post-stay/preview', {
      guestId,
      version: postStayBefore,
      checkOutAt,
    });
    expect(noConsent.json.skipped.map((s) => [s.stepId, s.skip])).toEqual([
      ['review-request', 'condition_not_met'],
      ['come-back', 'no_marketing_consent'],
    ]);

    const unknown = await call('POST', '/v1/cadences/post-stay/preview', { guestId: randomUUID() });
    expect(unknown.json.error.details.field).toBe('guestId');
    const badInstant = await call('POST', '/v1/cadences/post-stay/preview', {
      guestId,
      checkOutAt: 'friday',
    });
    expect(badInstant.json.error.details.field).toBe('checkOutAt');
  });
});

interface BasePlanBody {
  version: number;
  status: string;
  running: number;
  planned: number;
  unplanned: number;
  steps: { stepId: string; done: number; send: number; skipped: Record<string, number> }[];
  reasons: Record<string, number>;
}

describe('the dry run over the base, and a guest for the preview', () => {
  it('plans a version for every running follow-up: per step done, would send and would skip by reason', async () => {
    const key = `e2e-base-${randomUUID().slice(0, 8)}`;
    await ensureCadence(stack.db, { key, name: 'E2E base cadence' });
    await cadences.createDraft(stack.db, { cadenceKey: key, steps: STEPS, createdBy: 'e2e seed' });
    await cadences.publish(stack.db, { cadenceKey: key, version: 1, publishedBy: 'e2e seed' });
    const consenting = await newGuest({ firstName: 'Consuelo', lastName: `Base${key}` });
    const declining = await newGuest({ firstName: 'Declan', lastName: `Base${key}` });
    await stack.db('guests').where({ id: consenting }).update({ marketing_consent: true });
    await stack.db('guests').where({ id: declining }).update({ marketing_consent: false });
    const follow = async (guestId: string, n: number, stayId?: string) => {
      const stay =
        stayId ?? (await stack.db('stays').where({ guest_id: guestId }).first<{ id: string }>('id')).id;
      const workflowId = `e2e-base-${key}-${n}`;
      await cadences.insertFollowUp(stack.db, {
        workflowId,
        guestId,
        stayId: stay,
        cadenceKey: key,
        version: 1,
        startedAt: new Date(),
      });
      return workflowId;
    };
    const done = await follow(consenting, 0);
    await cadences.markStepDone(stack.db, { workflowId: done, stepId: 'thank-you' });
    await follow(declining, 1);
    // A follow-up whose stay is gone is counted apart, not planned.
    await follow(declining, 2, randomUUID());
    // A draft that drops the come-back: the dry run may plan it before it is published.
    const draft = await call<VersionBody>('POST', `/v1/cadences/${key}/versions`, { steps: [STEPS[0]] });
    const before = await written();

    const { status, json } = await call<BasePlanBody>('GET', `/v1/cadences/${key}/dry-run/steps`);
    expect(status).toBe(200);
    expect(json).toMatchObject({ version: 1, status: 'published', running: 3, planned: 2, unplanned: 1 });
    const byStep = Object.fromEntries(json.steps.map((s) => [s.stepId, s]));
    expect(byStep['thank-you']).toMatchObject({ done: 1, send: 1, skipped: {} });
    expect(byStep['come-back']).toMatchObject({ done: 0, send: 1, skipped: { no_marketing_consent: 1 } });
    expect(json.reasons).toEqual({ no_marketing_consent: 1 });

    const onDraft = await call<BasePlanBody>(
      'GET',
      `/v1/cadences/${key}/dry-run/steps?version=${draft.json.version}`,
    );
    expect(onDraft.json).toMatchObject({ version: draft.json.version, status: 'draft', planned: 2 });
    expect(onDraft.json.steps.map((s) => s.stepId)).toEqual(['thank-you']);
    expect((await call('GET', `/v1/cadences/${key}/dry-run/steps?version=99`)).json.error.details.field).toBe(
      'version',
    );
    expect((await call('GET', `/v1/cadences/no-such/dry-run/steps`)).status).toBe(404);
    // Nothing written.
    expect(await written()).toEqual(before);
  });

  it('finds a guest by part of a name or a whole member number, answering the id and the name only', async () => {
    const last = `Pickwick${randomUUID().slice(0, 6)}`;
    const guestId = await newGuest({ firstName: 'Samuel', lastName: last });
    const memberNumber = `M${String(Date.now()).slice(-9)}`;
    await stack.db('guests').where({ id: guestId }).update({ member_number: memberNumber });
    const byName = await call<{ guests: Record<string, unknown>[] }>(
      'GET',
      `/v1/marketing/guests?q=${encodeURIComponent(last.slice(0, 10).toLowerCase())}`,
    );
    expect(byName.status).toBe(200);
    expect(byName.json.guests).toEqual([{ id: guestId, firstName: 'Samuel', lastName: last }]);
    const byNumber = await call<{ guests: { id: string }[] }>(
      'GET',
      `/v1/marketing/guests?q=${memberNumber}`,
    );
    expect(byNumber.json.guests.map((g) => g.id)).toEqual([guestId]);
    const short = await call('GET', '/v1/marketing/guests?q=a');
    expect(short.status).toBe(400);
    expect(short.json.error.details.field).toBe('q');
    expect((await call('GET', '/v1/marketing/guests?q=Pickwick', undefined, { key: opsKey })).status).toBe(
      403,
    );
  });
});
