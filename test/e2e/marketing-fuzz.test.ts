/**
 * Property-based tests of the marketer API (`/v1/templates`, `/v1/cadences`) over real HTTP, as
 * test/e2e/fuzz.test.ts does for the PMS and staff routes: one hostile value at one field of an otherwise valid
 * body (every field of a template draft, every field of every step of a cadence draft, previews, rollbacks,
 * moves), any body, any path segment and any query: never a 5xx, a 4xx names the field it is about and writes
 * nothing. A cadence of this file's own takes the rollbacks and moves (none of its versions becomes the
 * post-stay cadence); accepted drafts are drafts, never used. No worker polls this file's task queue.
 * FUZZ_RUNS sets the number of runs per property (default 50), FUZZ_SEED replays a failure.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateSource } from '../../mail/templates.js';
import {
  countTables,
  expectSafeAnswer as expectSafe,
  openApiStack,
  sendRaw,
  type ApiStack,
  type RawAnswer,
} from '../api-stack.js';
import * as cadences from '../../db/repositories/cadences.js';
import { DEFAULT_POST_STAY_STEPS } from '../../domain/cadence.js';
import {
  dotted,
  fieldPaths,
  getAt,
  mutationOf,
  nastyString,
  pathSegment,
  rawBody,
  setAt,
  sqlAndFriends,
  type Json,
  type JsonObject,
  type Path,
  fuzzParams as params,
} from '../fuzz-arbitraries.js';
import { ensureCadence, type Stack } from '../helpers.js';

const TABLES = [
  'template_versions',
  'template_version_locales',
  'cadences',
  'cadence_versions',
  'cadence_move_requests',
  'follow_ups',
  'audit_log',
  'mail_outbox',
] as const;

const CADENCE = `fuzz-${randomUUID().slice(0, 8)}`;
const json = (value: object): JsonObject => JSON.parse(JSON.stringify(value)) as JsonObject;

let api: ApiStack;
let stack: Stack;
let port: number;
let marketerKey: string;
let guestId: string;

beforeAll(async () => {
  api = await openApiStack({
    name: 'marketing-fuzz',
    pmsSecret: 'marketing-fuzz-pms-webhook-secret-0123',
    worker: false,
    keys: { marketer: 'fuzz marketer' },
  });
  stack = api.stack;
  port = Number(new URL(api.baseUrl).port);
  marketerKey = api.keyFor('marketer');
  const [guest] = await stack
    .db('guests')
    .insert({
      source: 'pms',
      pms_profile_id: `fuzz-marketing-${randomUUID()}`,
      first_name: '梅',
      last_name: '王',
      email: 'fuzz-marketing@guest.example',
      locale: 'zh-CN',
      timezone: 'Asia/Shanghai',
      profile_as_of: new Date(),
      marketing_consent: true,
    })
    .returning<{ id: string }[]>('id');
  guestId = guest!.id;
  await ensureCadence(stack.db, { key: CADENCE, name: 'Fuzz cadence' });
  for (const version of [1, 2]) {
    await cadences.createDraft(stack.db, {
      cadenceKey: CADENCE,
      steps: DEFAULT_POST_STAY_STEPS.slice(0, version + 1),
      createdBy: 'fuzz seed',
    });
    await cadences.publish(stack.db, { cadenceKey: CADENCE, version, publishedBy: 'fuzz seed' });
  }
});

afterAll(async () => {
  await api?.close();
});

function counts(): Promise<Record<string, number>> {
  return countTables(stack.db, TABLES);
}

type Answer = RawAnswer;

function send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return sendRaw(port, method, path, { authorization: `Bearer ${marketerKey}`, ...headers }, body);
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  send('POST', path, { 'content-type': 'application/json', ...headers }, Buffer.from(JSON.stringify(body)));

/** Never 5xx; a 4xx is the error shape, names a field or header and writes nothing. The named field. */
function expectSafeAnswer(answer: Answer, before: Record<string, number>, what: string) {
  return expectSafe(answer, before, what, counts);
}

/** `steps[1].window.start` → `steps.1.window.start`: the API's names against this file's paths. */
const normalise = (field: string) => field.replace(/\[(\d+)\]/g, '.$1');

function names(mutated: string, named: string): boolean {
  const n = normalise(named);
  return n === mutated || n.startsWith(`${mutated}.`) || mutated.startsWith(`${n}.`) || n === '(body)';
}

interface BodyKind {
  name: string;
  path: () => string;
  sample: () => JsonObject;
}

const thankYou = () =>
  json({
    note: 'fuzz',
    locales: {
      en: templateSource('stay-thank-you', 'en'),
      'zh-CN': templateSource('stay-thank-you', 'zh-CN'),
    },
  });

const BODY_KINDS: BodyKind[] = [
  { name: 'template draft', path: () => '/v1/templates/stay-thank-you/versions', sample: thankYou },
  {
    name: 'template preview',
    path: () => '/v1/templates/tier-upgrade/preview',
    sample: () => ({ guestId }),
  },
  {
    name: 'cadence preview',
    path: () => `/v1/cadences/${CADENCE}/preview`,
    sample: () => ({ guestId, version: 2, checkOutAt: new Date(Date.now() + 86_400_000).toISOString() }),
  },
  {
    name: 'rollback',
    path: () => `/v1/cadences/${CADENCE}/rollback`,
    sample: () => ({ version: 1, note: 'x' }),
  },
  {
    name: 'moves',
    path: () => `/v1/cadences/${CADENCE}/moves`,
    sample: () => ({ fromVersion: 1, toVersion: 2, limit: 10 }),
  },
];

describe.each(BODY_KINDS)('POST $name: one hostile field at a time', (kind) => {
  const template = kind.sample();
  it.each(fieldPaths(template).map((p) => [dotted(p), p] as const))('%s', async (_name, path: Path) => {
    await fc.assert(
      fc.asyncProperty(mutationOf(getAt(template, path)), async (value) => {
        const body = setAt(kind.sample(), path, value);
        const before = await counts();
        const answer = await post(kind.path(), body);
        const what = `${dotted(path)} = ${JSON.stringify(value)?.slice(0, 200)}`;
        const named = await expectSafeAnswer(answer, before, what);
        if (named !== undefined) expect(names(dotted(path), named), `${what}: names ${named}`).toBe(true);
      }),
      params,
    );
  });

  it('any body, JSON or not, with any content type', async () => {
    await fc.assert(
      fc.asyncProperty(
        rawBody,
        fc.constantFrom<Record<string, string>>(
          { 'content-type': 'application/json' },
          { 'content-type': 'text/plain' },
          { 'content-type': 'application/json; charset=klingon' },
          { 'content-type': 'application/json', 'content-encoding': 'klingon' },
        ),
        async (raw, headers) => {
          const before = await counts();
          const answer = await send('POST', kind.path(), headers, raw);
          await expectSafeAnswer(
            answer,
            before,
            `${JSON.stringify(headers)} ${raw.toString('hex').slice(0, 200)}`,
          );
        },
      ),
      params,
    );
  });
});

describe('POST cadence draft: one hostile value in one field of one step', () => {
  const steps = json({ steps: DEFAULT_POST_STAY_STEPS.slice(0, 2) }).steps as JsonObject[];
  const cases = steps.flatMap((step, i) =>
    [...fieldPaths(step), ['(new key)']].map((p) => [`steps.${i}.${dotted(p)}`, i, p] as const),
  );
  it.each(cases)('%s', async (name, i, path) => {
    const key = fc.oneof(nastyString, sqlAndFriends);
    await fc.assert(
      fc.asyncProperty(mutationOf(getAt(steps[i]!, path)), key, async (value, newKey) => {
        const copy = steps.map((s) => ({ ...s }));
        if (path[0] === '(new key)') {
          if (!Object.hasOwn(copy[i]!, newKey))
            Object.defineProperty(copy[i]!, newKey, {
              value,
              enumerable: true,
              configurable: true,
              writable: true,
            });
        } else copy[i] = setAt(copy[i]!, path, value);
        const before = await counts();
        const answer = await post(`/v1/cadences/${CADENCE}/versions`, { steps: copy as Json[] });
        const what = `${name} = ${JSON.stringify(value)?.slice(0, 200)}`;
        const named = await expectSafeAnswer(answer, before, what);
        // A step's problem names the step (its field, or the step); an unknown key names itself.
        if (named !== undefined)
          expect(
            normalise(named).startsWith(`steps.${i}`) || ['steps', '(body)'].includes(named),
            `${what}: names ${named}`,
          ).toBe(true);
      }),
      params,
    );
  });
});

describe('paths and queries', () => {
  it('any template key and version segment', async () => {
    await fc.assert(
      fc.asyncProperty(pathSegment, pathSegment, async (key, version) => {
        const before = await counts();
        for (const path of [`/v1/templates/${key}`, `/v1/templates/stay-thank-you/versions/${version}`]) {
          const answer = await send('GET', path, {});
          const named = await expectSafeAnswer(answer, before, path.slice(0, 200));
          expect(answer.status, path).toBeGreaterThanOrEqual(400);
          expect(['key', 'version', '(path)'], path).toContain(named);
        }
      }),
      params,
    );
  });

  it('any diff and dry-run query', async () => {
    const value = fc.oneof(
      fc.constantFrom('1', '2', '0', '-1', '1.5', '99', '', '1e3', '%202', '0x2'),
      nastyString.map((s) => {
        try {
          return encodeURIComponent(s.slice(0, 200));
        } catch {
          return '%ED%A0%80'; // a lone surrogate
        }
      }),
    );
    await fc.assert(
      fc.asyncProperty(value, value, async (from, to) => {
        const before = await counts();
        for (const path of [
          `/v1/cadences/${CADENCE}/diff?from=${from}&to=${to}`,
          `/v1/cadences/${CADENCE}/dry-run?to=${to}`,
        ]) {
          const answer = await send('GET', path, {});
          const named = await expectSafeAnswer(answer, before, path.slice(0, 200));
          if (named !== undefined) expect(['from', 'to', '(path)'], path).toContain(named);
        }
      }),
      params,
    );
  });
});
