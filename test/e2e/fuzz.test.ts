/**
 * Property-based tests over real HTTP against the real app, PostgreSQL and a Temporal dev server: whatever the
 * body, field or path segment, the API answers 2xx or a 4xx that names the field (or header), never 5xx, and a
 * 4xx writes nothing.
 *
 * The harness is driven by EVENT_KINDS: each PMS event type lists a valid sample body; every field path of it
 * (leaves and objects) gets a property that puts one hostile value at that path, signs the body correctly so
 * it reaches validation, and checks the answer. A new event type is one more entry.
 *
 * No worker polls this file's task queue, so the only rows that move are those the request itself writes:
 * accepted events start workflows that wait; rejected ones must leave every table as it was.
 * FUZZ_RUNS sets the number of runs per property (default 50), FUZZ_SEED replays a failure.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import type { SUPPORTED_EVENT_TYPES } from '../../api/pms/schema.js';
import { sign } from '../../api/pms/signature.js';
import { listen } from '../../api/server.js';
import {
  countTables,
  expectSafeAnswer as expectSafe,
  openApiStack,
  sendRaw,
  type ApiStack,
  type RawAnswer,
} from '../api-stack.js';
import { createTestWorker, eventually, stayCompletedBody, uniqueTaskQueue, type Stack } from '../helpers.js';
import {
  bookingCancelledBody,
  bookingCreatedBody,
  memberEnrolledBody,
  profileUpdatedBody,
  stayStartedBody,
} from '../pms-samples.js';
import {
  dotted,
  fieldPaths,
  getAt,
  mutationOf,
  pathSegment,
  rawBody,
  nastyString,
  setAt,
  sqlAndFriends,
  type Json,
  type JsonObject,
  type Path,
  fuzzParams as params,
} from '../fuzz-arbitraries.js';

const SECRET = 'fuzz-pms-webhook-secret-0123456789';

interface EventKind {
  type: (typeof SUPPORTED_EVENT_TYPES)[number];
  /** A valid body: a new event, guest and stay on every call. */
  sample: () => JsonObject;
  /** Fields checked together: an error caused by one may name another of its group. */
  related?: string[][];
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();

/**
 * The member number the enrolment samples name as referrer: a member seeded in `beforeAll` (a placeholder of
 * the same shape until then, when the templates are built).
 */
let referrerNumber = 'M100000000';

const bookingDates = ['data.booking.arrival', 'data.booking.departure'];
/** A sample body as plain JSON (interfaces are not index signatures; undefined keys drop out). */
const json = (value: object): JsonObject => JSON.parse(JSON.stringify(value)) as JsonObject;

const EVENT_KINDS: EventKind[] = [
  {
    type: 'stay.completed',
    sample: () => stayCompletedBody({ occurredAt: hoursAgo(3) }),
    related: [['data.stay.arrival', 'data.stay.departure', 'data.stay.nights']],
  },
  {
    // With the optional reason, so that it is mutated too.
    type: 'stay.amended',
    sample: () => {
      const completed = stayCompletedBody({ occurredAt: hoursAgo(3) });
      return json({
        ...completed,
        type: 'stay.amended',
        data: { ...completed.data, amendment: { reason: 'folio final' } },
      });
    },
    related: [['data.stay.arrival', 'data.stay.departure', 'data.stay.nights']],
  },
  {
    type: 'stay.cancelled',
    sample: () => {
      const completed = stayCompletedBody({ occurredAt: hoursAgo(3) });
      return json({
        id: completed.id,
        type: 'stay.cancelled',
        occurredAt: completed.occurredAt,
        data: {
          guest: completed.data.guest,
          stay: { pmsStayId: completed.data.stay.pmsStayId, propertyCode: 'SHA-BUND' },
          cancellation: { reason: 'posted in error' },
        },
      });
    },
  },
  {
    type: 'stay.started',
    // Check-in dates near today: the arrival may not be after tomorrow.
    sample: () =>
      json(
        stayStartedBody({
          occurredAt: hoursAgo(3),
          stay: { arrival: hoursAgo(3).slice(0, 10), expectedDeparture: hoursAgo(-72).slice(0, 10) },
        }),
      ),
    related: [['data.stay.arrival', 'data.stay.expectedDeparture']],
  },
  {
    type: 'booking.created',
    sample: () => json(bookingCreatedBody({ occurredAt: hoursAgo(3) })),
    related: [bookingDates],
  },
  {
    // With every optional field, so that each is mutated too.
    type: 'booking.cancelled',
    sample: () =>
      json(
        bookingCancelledBody({
          occurredAt: hoursAgo(3),
          booking: {
            propertyCode: 'SHA-BUND',
            arrival: '2026-06-10',
            departure: '2026-06-13',
            offerCode: 'X1',
          },
        }),
      ),
    related: [bookingDates],
  },
  {
    type: 'profile.updated',
    sample: () => json(profileUpdatedBody({ occurredAt: hoursAgo(3) })),
  },
  {
    type: 'member.enrolled',
    sample: () =>
      json(
        memberEnrolledBody({
          occurredAt: hoursAgo(3),
          enrolment: { channel: 'online', referredBy: referrerNumber },
        }),
      ),
  },
];

const isObject = (v: Json | undefined): v is JsonObject =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const TABLES = [
  'guests',
  'stays',
  'pms_events',
  'audit_log',
  'points_ledger',
  'mail_outbox',
  'bookings',
  'staff_requests',
  'stay_checkins',
] as const;

let api: ApiStack;
let env: TestWorkflowEnvironment;
let stack: Stack;
let port: number;
let taskQueue: string;
let opsKey: string;
let adminKey: string;
/** Guests of accepted events: each has exactly one workflow on this file's task queue. */
const acceptedGuests = new Set<string>();

beforeAll(async () => {
  api = await openApiStack({
    name: 'fuzz',
    pmsSecret: SECRET,
    worker: false,
    keys: { ops: 'fuzz ops', admin: 'fuzz admin' },
  });
  ({ env, stack, taskQueue } = api);
  port = Number(new URL(api.baseUrl).port);
  opsKey = api.keyFor('ops');
  adminKey = api.keyFor('admin');
  // The referrer of the enrolment samples: a member without a workflow (none runs on this queue anyway).
  referrerNumber = `M${String(Math.floor(100_000_000 + Math.random() * 899_999_999))}`;
  await stack.db('guests').insert({
    source: 'pms',
    pms_profile_id: `fuzz-referrer-${referrerNumber}`,
    first_name: 'Ref',
    last_name: 'Errer',
    email: 'referrer@guest.example',
    locale: 'en',
    timezone: 'UTC',
    profile_as_of: new Date(),
    member_number: referrerNumber,
    enrolled_at: new Date(),
    enrolment_channel: 'online',
  });
});

afterAll(async () => {
  await api?.close();
});

/** Row counts of every table a request may write, in one round trip. */
function counts(): Promise<Record<string, number>> {
  return countTables(stack.db, TABLES);
}

type Answer = RawAnswer;

function send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return sendRaw(port, method, path, headers, body);
}

function postSigned(raw: Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return send(
    'POST',
    '/v1/pms/events',
    {
      'content-type': 'application/json',
      'x-signature': sign(SECRET, raw, Math.floor(Date.now() / 1000)),
      ...headers,
    },
    raw,
  );
}

/** The rules every answer keeps (`expectSafeAnswer` of test/api-stack.ts, `details` an object). */
function expectSafeAnswer(answer: Answer, before: Record<string, number>, what: string) {
  return expectSafe(answer, before, what, counts, { detailsObject: true });
}

/** Whether an error about `named` is a fair answer to a bad value at `mutated`. */
function namesMutatedField(kind: EventKind, mutated: Path, named: string): boolean {
  const m = dotted(mutated);
  if (named === m || named.startsWith(`${m}.`) || m.startsWith(`${named}.`) || named === '(body)')
    return true;
  // Another type makes the whole body a different event.
  if (m === 'type') return true;
  return (kind.related ?? []).some((group) => group.includes(m) && group.includes(named));
}

describe.each(EVENT_KINDS)('POST /v1/pms/events $type: one hostile field at a time', (kind) => {
  const template = kind.sample();
  it.each(fieldPaths(template).map((p) => [dotted(p), p] as const))('%s', async (_name, path) => {
    await fc.assert(
      fc.asyncProperty(mutationOf(getAt(template, path)), async (value) => {
        const body = setAt(kind.sample(), path, value);
        const raw = Buffer.from(JSON.stringify(body));
        const before = await counts();
        const answer = await postSigned(raw);
        const what = `${dotted(path)} = ${JSON.stringify(value)?.slice(0, 200)}`;
        const named = await expectSafeAnswer(answer, before, what);
        if (answer.status < 300) {
          expect(answer.status, what).toBe(202);
          acceptedGuests.add((answer.body as { guestId: string }).guestId);
        } else if (named !== undefined) {
          expect(namesMutatedField(kind, path, named), `${what}: names ${named}`).toBe(true);
        }
      }),
      params,
    );
  });
});

describe.each(EVENT_KINDS)('POST /v1/pms/events $type: unknown keys', (kind) => {
  const objects = [[], ...fieldPaths(kind.sample()).filter((p) => isObject(getAt(kind.sample(), p)))];
  it.each(objects.map((p) => [dotted(p) || '(top level)', p] as const))('in %s', async (_name, path) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(nastyString, sqlAndFriends), mutationOf('x'), async (key, value) => {
        const body = kind.sample();
        const target = path.length ? getAt(body, path) : body;
        // defineProperty: `__proto__` and friends become plain keys, as JSON.parse makes them.
        if (isObject(target) && !Object.hasOwn(target, key)) {
          Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
        }
        const raw = Buffer.from(JSON.stringify(body));
        const before = await counts();
        const answer = await postSigned(raw);
        await expectSafeAnswer(
          answer,
          before,
          `${dotted([...path, key])} = ${JSON.stringify(value)?.slice(0, 200)}`,
        );
        if (answer.status < 300) acceptedGuests.add((answer.body as { guestId: string }).guestId);
      }),
      params,
    );
  });
});

describe('POST /v1/pms/events: whole bodies and headers', () => {
  it('any signed body, JSON or not, with any content type or encoding', async () => {
    await fc.assert(
      fc.asyncProperty(
        rawBody,
        fc.constantFrom<Record<string, string>>(
          {},
          { 'content-type': 'text/plain' },
          { 'content-type': 'application/json; charset=utf-16' },
          { 'content-type': 'application/json; charset=klingon' },
          { 'content-encoding': 'gzip' },
          { 'content-encoding': 'deflate' },
          { 'content-encoding': 'br' },
          { 'content-encoding': 'klingon' },
        ),
        async (raw, headers) => {
          const before = await counts();
          const answer = await postSigned(raw, headers);
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

  it('any X-Signature header on a valid body', async () => {
    const header = fc.oneof(
      fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
      fc
        .tuple(fc.string({ unit: 'binary-ascii', maxLength: 20 }), fc.string({ maxLength: 70 }))
        .map(([t, v]) => `t=${t},v1=${v}`.replace(/[^\x20-\x7e]/g, '')),
      fc.constantFrom('', 't=', 'v1=', 't=99999999999999999999,v1=', `t=-1,v1=${'0'.repeat(64)}`),
    );
    await fc.assert(
      fc.asyncProperty(header, async (signature) => {
        const raw = Buffer.from(JSON.stringify(stayCompletedBody({ occurredAt: hoursAgo(3) })));
        const before = await counts();
        const answer = await send(
          'POST',
          '/v1/pms/events',
          { 'content-type': 'application/json', 'x-signature': signature },
          raw,
        );
        await expectSafeAnswer(answer, before, `X-Signature: ${signature}`);
        expect(answer.status).toBe(401);
      }),
      params,
    );
  });
});

describe('GET /v1/guests/:id', () => {
  it('any path segment', async () => {
    await fc.assert(
      fc.asyncProperty(pathSegment, async (segment) => {
        const before = await counts();
        const answer = await send('GET', `/v1/guests/${segment}`, { authorization: `Bearer ${opsKey}` });
        const named = await expectSafeAnswer(answer, before, `/v1/guests/${segment.slice(0, 200)}`);
        expect(answer.status, segment).toBeGreaterThanOrEqual(400);
        expect(named, segment).toBe('id');
      }),
      params,
    );
  });

  it('any body with any content type or encoding', async () => {
    await fc.assert(
      fc.asyncProperty(
        rawBody,
        fc.constantFrom<Record<string, string>>(
          { 'content-type': 'application/json' },
          { 'content-type': 'application/json; charset=utf-16' },
          { 'content-type': 'application/json; charset=klingon' },
          { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          { 'content-type': 'application/json', 'content-encoding': 'klingon' },
        ),
        async (raw, headers) => {
          const before = await counts();
          const answer = await send(
            'GET',
            '/v1/guests/00000000-0000-4000-8000-000000000000',
            { authorization: `Bearer ${opsKey}`, ...headers },
            raw,
          );
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

/** Staff requests: each endpoint with a valid body (for a guest that does not exist: nothing reaches Temporal). */
interface StaffKind {
  endpoint: string;
  sample: () => JsonObject;
}

const STAFF_KINDS: StaffKind[] = [
  { endpoint: 'points/redemptions', sample: () => ({ points: 1000, note: 'spa voucher' }) },
  { endpoint: 'points/adjustments', sample: () => ({ points: -250, reason: 'goodwill correction' }) },
  { endpoint: 'tier-floor', sample: () => ({ tier: 'gold', reason: 'VIP of the owner' }) },
];

const NO_GUEST = '00000000-0000-4000-8000-000000000000';

function postStaff(endpoint: string, raw: Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return send(
    'POST',
    `/v1/guests/${NO_GUEST}/${endpoint}`,
    {
      authorization: `Bearer ${adminKey}`,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
      ...headers,
    },
    raw,
  );
}

describe.each(STAFF_KINDS)('POST /v1/guests/:id/$endpoint: one hostile field at a time', (kind) => {
  const template = kind.sample();
  it.each(fieldPaths(template).map((p) => [dotted(p), p] as const))('%s', async (_name, path) => {
    await fc.assert(
      fc.asyncProperty(mutationOf(getAt(template, path)), async (value) => {
        const body = setAt(kind.sample(), path, value);
        const before = await counts();
        const answer = await postStaff(kind.endpoint, Buffer.from(JSON.stringify(body)));
        const what = `${dotted(path)} = ${JSON.stringify(value)?.slice(0, 200)}`;
        const named = await expectSafeAnswer(answer, before, what);
        // No such guest: a body that passes validation gets 404 naming the id.
        expect(answer.status, what).toBeGreaterThanOrEqual(400);
        if (answer.status === 404) expect(named, what).toBe('id');
        else expect([dotted(path), '(body)'], `${what}: names ${named}`).toContain(named);
      }),
      params,
    );
  });

  it('any body, JSON or not, with any content type', async () => {
    await fc.assert(
      fc.asyncProperty(
        rawBody,
        fc.constantFrom<Record<string, string>>(
          {},
          { 'content-type': 'text/plain' },
          { 'content-type': 'application/json; charset=klingon' },
          { 'content-encoding': 'klingon' },
        ),
        async (raw, headers) => {
          const before = await counts();
          const answer = await postStaff(kind.endpoint, raw, headers);
          await expectSafeAnswer(
            answer,
            before,
            `${JSON.stringify(headers)} ${raw.toString('hex').slice(0, 200)}`,
          );
          expect(answer.status).toBeGreaterThanOrEqual(400);
        },
      ),
      params,
    );
  });

  it('any Idempotency-Key header', async () => {
    const header = fc.oneof(
      fc.string({ unit: 'binary-ascii', maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
      fc.uuid().map((u) => u.toUpperCase()),
      fc.constantFrom('', ' ', 'null', '00000000-0000-0000-0000-00000000000g', `{${randomUUID()}}`),
    );
    await fc.assert(
      fc.asyncProperty(header, async (key) => {
        const before = await counts();
        const answer = await postStaff(kind.endpoint, Buffer.from(JSON.stringify(kind.sample())), {
          'idempotency-key': key,
        });
        await expectSafeAnswer(answer, before, `Idempotency-Key: ${key}`);
        expect(answer.status).toBeGreaterThanOrEqual(400);
      }),
      params,
    );
  });
});

describe('accepted events', () => {
  it('each started exactly one workflow per guest, and no rejected one started any', async () => {
    expect(acceptedGuests.size).toBeGreaterThan(0);
    let count = -1;
    for (let i = 0; i < 50 && count !== acceptedGuests.size; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 200));
      count = (await env.client.workflow.count(`TaskQueue = '${taskQueue}'`)).count;
    }
    expect(count).toBe(acceptedGuests.size);
  });
});

describe('accepted Unicode, all the way through', () => {
  it('stores, serves and mails emoji, CJK, right-to-left, combining marks and SQL metacharacters unchanged', async () => {
    // Its own task queue, app and worker: the fuzzed events above stay unprocessed.
    const queue = uniqueTaskQueue('fuzz-unicode');
    const worker = await createTestWorker(env, queue, stack.deps);
    const running = worker.run();
    const app = createApp({
      db: stack.db,
      temporal: env.client,
      taskQueue: queue,
      logger: pino({ level: 'silent' }),
      pms: { webhookSecret: SECRET, toleranceSeconds: 300 },
    });
    const other = await listen(app, '127.0.0.1', 0);
    try {
      const guest = {
        firstName: "Zoë 😀 O'Brien-王",
        lastName: "שלום e\u0301 مرحبا '; drop table guests; -- %_\\",
      };
      const body = stayCompletedBody({ occurredAt: hoursAgo(3), guest });
      const res = await fetch(`http://127.0.0.1:${(other.address() as AddressInfo).port}/v1/pms/events`, {
        method: 'POST',
        headers: { 'x-signature': sign(SECRET, JSON.stringify(body), Math.floor(Date.now() / 1000)) },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(202);
      const { guestId } = (await res.json()) as { guestId: string };
      const [mail] = await stack.sink.waitFor((m) => m.to.includes(body.data.guest.email));
      expect(mail!.subject).toContain(guest.firstName);
      expect(mail!.text).toContain(`${guest.firstName} ${guest.lastName}`);
      const served = await eventually(async () => {
        const r = await send('GET', `/v1/guests/${guestId}`, { authorization: `Bearer ${opsKey}` });
        return r.status === 200 ? (r.body as { guest: typeof guest }) : undefined;
      });
      expect(served.guest).toMatchObject(guest);
    } finally {
      await new Promise((r) => other.close(r));
      worker.shutdown();
      await running;
    }
  });
});
