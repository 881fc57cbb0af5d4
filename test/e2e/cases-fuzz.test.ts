/**
 * Property-based tests of the service-case API (`/v1/cases`) and the signed link forms (`/v1/links`) over real
 * HTTP, as test/e2e/fuzz.test.ts does for the PMS and staff routes: one hostile value at one field of an
 * otherwise valid body or query (types, sizes, Unicode, control characters, SQL metacharacters, prototype
 * names, edge dates and numbers), unknown keys, any body with any content type, any path segment, any link
 * token: never a 5xx, a 4xx is `{ error: { code, message, details } }` naming the field it is about, and a 4xx
 * writes nothing (row counts of every table a request may write, and a digest of the rows it may change).
 *
 * The bodies reach as far as they can without a worker, so every answer is deterministic:
 * - `POST /v1/cases` opens cases for a seeded guest (201; the guest's workflow waits, no worker polls this
 *   file's task queue);
 * - the requests on a case go to a closed case whose workflow is gone: a valid body is stored as a pending
 *   `case_requests` row (jsonb: what PostgreSQL refuses shows here), the case is found closed, the row is
 *   deleted and the answer is 409 `case_closed` naming `id`;
 * - the link forms carry valid tokens (signed with the links secret as lib/links.ts signs them): why, survey,
 *   unsubscribe and report answer 2xx (each report on a token of its own: at most five per link), the
 *   satisfaction link of the closed case 409 `already_answered`.
 * A last part gives an open case a worker of its own (own task queue, own app) and fuzzes what the case's
 * workflow answers itself: assign, notes, compensations (granted, waiting, refused), approvals, satisfaction.
 *
 * What the properties found (a 500 on list cursors, a guest id in capitals, fields not named) is kept at the
 * end as minimal cases.
 *
 * FUZZ_RUNS sets the number of runs per property (default 30 here), FUZZ_SEED replays a failure.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { CHURN_REASONS, WOULD_RETURN } from '../../api/links/pages.js';
import { listen } from '../../api/server.js';
import * as cases from '../../db/repositories/cases.js';
import {
  CASE_CATEGORIES,
  CASE_CAUSES,
  CASE_PRIORITIES,
  CASE_SOURCES,
  CASE_STATUSES,
  COMPENSATION_KINDS,
  DEPARTMENTS,
  SLA_STATES,
} from '../../domain/cases.js';
import { guestWorkflowId } from '../../domain/ids.js';
import {
  IN_STAY_REPORT_LINK_PURPOSE,
  SATISFACTION_LINK_PURPOSE,
  signLink,
  SURVEY_LINK_PURPOSE,
  UNSUBSCRIBE_LINK_PURPOSE,
  WHY_LINK_PURPOSE,
} from '../../lib/links.js';
import { caseWorkflowId } from '../../domain/ids.js';
import {
  expectSafeAnswer as expectSafe,
  openApiStack,
  sendRaw,
  type ApiStack,
  type RawAnswer,
} from '../api-stack.js';
import {
  dotted,
  edgyDateText,
  edgyNumber,
  encodeSegment,
  fieldPaths,
  fuzzParams,
  getAt,
  mutationOf,
  nastyString,
  pathSegment,
  rawBody,
  setAt,
  sqlAndFriends,
  wrongType,
  type Json,
  type JsonObject,
  type Path,
} from '../fuzz-arbitraries.js';
import { createTestWorker, eventually, uniqueTaskQueue, type Stack } from '../helpers.js';

const PMS_SECRET = 'cases-fuzz-pms-webhook-secret-0123456789';
const LINKS_SECRET = 'cases-fuzz-links-secret-0123456789';
const PROPERTY = `FUZZ-${randomUUID().slice(0, 6)}`;

/** Fewer runs than the other fuzz files by default: this one has about a hundred properties. */
const params: fc.Parameters<unknown> = {
  ...fuzzParams,
  numRuns: Number(process.env.FUZZ_RUNS ?? 30),
};

/** Every table a case request or a link answer may insert into or delete from. */
const COUNTED = [
  'service_cases',
  'case_requests',
  'case_notes',
  'case_compensations',
  'audit_log',
  'points_ledger',
  'mail_outbox',
  'survey_responses',
  'staff_requests',
  'stays',
  'guests',
] as const;
/** Tables whose rows a request may change in place (assignee, consent, churn reason, an answer replaced). */
const DIGESTED = [
  'service_cases',
  'case_compensations',
  'guests',
  'survey_responses',
  'case_requests',
] as const;

let api: ApiStack;
let env: TestWorkflowEnvironment;
let stack: Stack;
let port: number;
let opsKey: string;
let managerKey: string;

/** Placeholders of the right shape until `beforeAll` seeds the real rows (the samples are read at collection). */
let guestId = '00000000-0000-4000-8000-000000000001';
let otherGuestId = '00000000-0000-4000-8000-000000000002';
let stayId = '00000000-0000-4000-8000-000000000003';
let otherStayId = '00000000-0000-4000-8000-000000000004';
let pmsStayId = 'PMS-00000000';
let closedCaseId = '00000000-0000-4000-8000-000000000005';
let otherCaseId = '00000000-0000-4000-8000-000000000006';
let closedCursor = 'MjAyNi0wMS0wMVQwMDowMDowMC4wMDBafDAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwNQ';
const tokens = { why: '', unsubscribe: '', survey: '', satisfaction: '' };

const inADay = () => Math.floor(Date.now() / 1000) + 86_400;

async function newGuest(lastName: string): Promise<string> {
  const [row] = await stack
    .db('guests')
    .insert({
      source: 'pms',
      pms_profile_id: `cases-fuzz-${randomUUID()}`,
      first_name: 'Mei',
      last_name: lastName,
      email: `cases-fuzz-${randomUUID().slice(0, 8)}@guest.example`,
      locale: 'en',
      timezone: 'Asia/Shanghai',
      profile_as_of: new Date(),
      marketing_consent: true,
    })
    .returning<{ id: string }[]>('id');
  return row!.id;
}

async function newStay(guest: string): Promise<{ id: string; pmsStayId: string }> {
  const pms = `PMS-${randomUUID().slice(0, 8)}`;
  const [row] = await stack
    .db('stays')
    .insert({
      guest_id: guest,
      source: 'pms',
      pms_stay_id: pms,
      property_code: PROPERTY,
      arrival: '2026-03-01',
      departure: '2026-03-04',
      nights: 3,
      room_revenue: '3600.00',
      currency: 'CNY',
      checked_out_at: new Date(),
      event_id: `cases-fuzz-${randomUUID()}`,
    })
    .returning<{ id: string }[]>('id');
  return { id: row!.id, pmsStayId: pms };
}

/** A case row as `POST /v1/cases` writes it, without telling any workflow; closed: as a satisfied answer leaves it. */
async function newCase(guest: string, status: 'open' | 'closed'): Promise<cases.CaseRow> {
  const id = randomUUID();
  await cases.openCase(
    stack.db,
    {
      id,
      guestId: guest,
      workflowId: caseWorkflowId(guest, id),
      source: 'phone',
      category: 'service_attitude',
      priority: 'normal',
      propertyCode: PROPERTY,
      department: 'front_office',
      receivedBy: 'Fuzz Seed',
      openedAt: new Date(),
      idempotencyKey: `cases-fuzz:${id}`,
    },
    'cases fuzz seed',
  );
  if (status === 'closed')
    await stack.db('service_cases').where({ id }).update({
      status: 'closed',
      resolved_at: new Date(),
      resolution: 'Apologised.',
      resolutions: 1,
      satisfied: true,
      satisfaction_at: new Date(),
      closed_at: new Date(),
    });
  return (await cases.findCase(stack.db, id))!;
}

const cursorOf = (at: string, id: string) => Buffer.from(`${at}|${id}`, 'utf8').toString('base64url');

/** A token as lib/links.ts signs one, for any payload at all (signLink refuses what verifyLink must refuse). */
function signPayload(payload: unknown): string {
  const body = Buffer.from(JSON.stringify(payload) ?? 'null', 'utf8').toString('base64url');
  const mac = createHmac('sha256', LINKS_SECRET).update(`glink1.${body}`).digest('base64url');
  return `${body}.${mac}`;
}

const link = (purpose: string, guest: string, data?: Record<string, string | boolean>, exp = inADay()) =>
  signLink({ purpose, guestId: guest, expiresAt: exp, secret: LINKS_SECRET, ...(data ? { data } : {}) });

/** A report link of its own for each request: a link opens at most five cases. */
const reportToken = () => link(IN_STAY_REPORT_LINK_PURPOSE, guestId, { s: pmsStayId, h: PROPERTY });

beforeAll(async () => {
  api = await openApiStack({
    name: 'cases-fuzz',
    pmsSecret: PMS_SECRET,
    linksSecret: LINKS_SECRET,
    worker: false,
    keys: { ops: 'cases fuzz ops', manager: 'cases fuzz manager' },
  });
  ({ env, stack } = api);
  port = Number(new URL(api.baseUrl).port);
  opsKey = api.keyFor('ops');
  managerKey = api.keyFor('manager');
  await cases.upsertPropertySettings(stack.db, {
    property_code: PROPERTY,
    name: 'The Fuzz Test',
    timezone: 'Asia/Shanghai',
    duty_manager_email: 'duty@fuzz.hotel.example',
    general_manager_email: 'gm@fuzz.hotel.example',
  });
  guestId = await newGuest('Wang');
  otherGuestId = await newGuest('Li');
  const stay = await newStay(guestId);
  stayId = stay.id;
  pmsStayId = stay.pmsStayId;
  otherStayId = (await newStay(otherGuestId)).id;
  const closed = await newCase(guestId, 'closed');
  closedCaseId = closed.id;
  closedCursor = cursorOf(closed.opened_at.toISOString(), closed.id);
  otherCaseId = (await newCase(otherGuestId, 'closed')).id;
  tokens.why = link(WHY_LINK_PURPOSE, guestId);
  tokens.unsubscribe = link(UNSUBSCRIBE_LINK_PURPOSE, guestId);
  tokens.survey = link(SURVEY_LINK_PURPOSE, guestId, { s: stayId });
  tokens.satisfaction = link(SATISFACTION_LINK_PURPOSE, guestId, { c: closedCaseId, y: false });
});

afterAll(async () => {
  // Nothing runs the workflows the accepted requests started: end them so they do not linger on the dev server.
  await api?.close(async () => {
    for await (const wf of env.client.workflow.list({ query: `TaskQueue = '${api.taskQueue}'` })) {
      await env.client.workflow
        .getHandle(wf.workflowId)
        .terminate('cases fuzz over')
        .catch(() => undefined);
    }
  });
});

// ---- the rules every answer keeps ---------------------------------------------------------------------------

/**
 * Row counts of COUNTED and a digest of the rows of DIGESTED (the first 48 bits of an md5 over them), in one
 * round trip: a 4xx must leave all of them as they were.
 */
async function snapshot(): Promise<Record<string, number>> {
  const select = [
    ...COUNTED.map((t) => `(select count(*) from ${t})::int as "${t}"`),
    ...DIGESTED.map(
      (t) => `(select md5(coalesce(string_agg(x::text, '|' order by x.id), '')) from ${t} x) as "${t} rows"`,
    ),
  ].join(', ');
  const result = await stack.db.raw<{ rows: Record<string, number | string>[] }>(`select ${select}`);
  return Object.fromEntries(
    Object.entries(result.rows[0]!).map(([k, v]) => [
      k,
      typeof v === 'string' ? parseInt(v.slice(0, 12), 16) : v,
    ]),
  );
}

const clip = (v: unknown, n = 200) => {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined');
  return s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;
};

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}
const codeOf = (answer: RawAnswer) => (answer.body as ErrorBody | undefined)?.error?.code ?? '';

/** Node's own limit on the request line and headers (`--max-http-header-size`, 16 KiB by default). */
const NODE_MAX_HEADER_BYTES = 16 * 1024;

/**
 * Never 5xx; a 4xx is the error shape, names a field or header and writes nothing. The named field. One
 * exception: a request target over Node's header limit is refused by Node itself (431, no body) before the
 * app sees it; it must write nothing all the same.
 */
async function expectSafeAnswer(
  answer: Answer,
  before: Record<string, number>,
  what: string,
): Promise<string | undefined> {
  if (answer.status === 431) {
    expect(answer.targetBytes, `${what}: 431 for a short request`).toBeGreaterThan(
      NODE_MAX_HEADER_BYTES - 1024,
    );
    expect(await snapshot(), `${what}: a 431 wrote rows`).toEqual(before);
    return undefined;
  }
  return expectSafe(answer, before, what, snapshot, { detailsObject: true });
}

/** Whether an error about `named` is a fair answer to a bad value at `mutated`. */
function names(mutated: string, named: string, related: readonly (readonly string[])[] = []): boolean {
  if (named === mutated || named.startsWith(`${mutated}.`) || mutated.startsWith(`${named}.`)) return true;
  if (named === '(body)') return true;
  return related.some((group) => group.includes(mutated) && group.includes(named));
}

// ---- requests -----------------------------------------------------------------------------------------------

type Encoding = 'json' | 'form';

/** `application/x-www-form-urlencoded` of a JSON body: arrays repeat the key, objects become `key[sub]`. */
function formOf(body: JsonObject): string {
  const parts: string[] = [];
  const add = (k: string, v: Json) => {
    const text =
      typeof v === 'string' ? v : v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    parts.push(`${encodeSegment(k)}=${encodeSegment(text)}`);
  };
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v)) v.forEach((x) => add(k, x));
    else if (v !== null && typeof v === 'object')
      for (const [sub, x] of Object.entries(v)) add(`${k}[${sub}]`, x);
    else add(k, v);
  }
  return parts.join('&');
}

/** An answer, and how long the request's target was (Node refuses a request line over 16 KiB itself). */
type Answer = RawAnswer & { targetBytes: number };

async function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
  on = port,
): Promise<Answer> {
  return { ...(await sendRaw(on, method, path, headers, body)), targetBytes: Buffer.byteLength(path) };
}

interface BodyEndpoint {
  name: string;
  path: () => string;
  /** Authorization or Accept. */
  headers: () => Record<string, string>;
  /** A valid body with every optional field, so that each is mutated too. */
  sample: () => JsonObject;
  /** Hostile values for a field beyond `mutationOf`'s (prototype names for enums, edge numbers…). */
  hostile?: Record<string, fc.Arbitrary<Json | undefined>>;
  /** Fields checked together: an error caused by one may name another of its group. */
  related?: string[][];
  /** The statuses of a valid body's 2xx. */
  ok: number[];
  /** The refusals a valid body may get from the state of things (the closed case…): code → field named. */
  refusals?: Record<string, string>;
  /** Forms: also posted as application/x-www-form-urlencoded. */
  form?: boolean;
  /** Every field optional: a body that is not read is an empty one, and valid. */
  optionalBody?: boolean;
  /** Which server (the live part has its own). */
  port?: () => number;
}

function post(ep: BodyEndpoint, body: JsonObject, encoding: Encoding, path = ep.path()): Promise<Answer> {
  const raw = encoding === 'json' ? JSON.stringify(body) : formOf(body);
  const type = encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
  return send('POST', path, { 'content-type': type, ...ep.headers() }, Buffer.from(raw), ep.port?.());
}

/** How many answers of each endpoint were those of a valid body: the fuzz must reach past validation too. */
const validAnswers = new Map<string, number>();

/**
 * The rules for an answer to a body of `ep`: never 5xx, the error shape, nothing written on a 4xx, a 2xx of
 * the endpoint's; a 4xx names `mutated` (or its group, or the body), unless it is one of the refusals a valid
 * body gets, which names its own field.
 */
async function expectAnswer(
  ep: BodyEndpoint,
  answer: Answer,
  before: Record<string, number>,
  what: string,
  mutated?: string,
): Promise<void> {
  const named = await expectSafeAnswer(answer, before, what);
  if (answer.status === 431) return;
  if (answer.status < 300) {
    expect(ep.ok, `${what}: ${answer.status}`).toContain(answer.status);
    validAnswers.set(ep.name, (validAnswers.get(ep.name) ?? 0) + 1);
    return;
  }
  const code = codeOf(answer);
  const refusal = ep.refusals?.[code];
  if (refusal !== undefined) {
    expect(named, `${what}: ${answer.status} ${code}`).toBe(refusal);
    validAnswers.set(ep.name, (validAnswers.get(ep.name) ?? 0) + 1);
    return;
  }
  expect(
    named,
    `${what}: ${answer.status} ${code} names no field: ${answer.text.slice(0, 300)}`,
  ).toBeDefined();
  if (mutated !== undefined)
    expect(
      names(mutated, named!, ep.related),
      `${what}: ${answer.status} ${code} names ${named}: ${answer.text.slice(0, 300)}`,
    ).toBe(true);
}

/** What a valid body gets: one of the endpoint's 2xx, or one of its refusals. */
function expectValidAnswer(ep: BodyEndpoint, answer: RawAnswer, what: string) {
  if (answer.status < 300) expect(ep.ok, `${what}: ${answer.status}`).toContain(answer.status);
  else
    expect(
      Object.keys(ep.refusals ?? {}),
      `${what}: ${answer.status} ${answer.text.slice(0, 300)}`,
    ).toContain(codeOf(answer));
}

// ---- hostile values -----------------------------------------------------------------------------------------

/** Names every plain object inherits: an enum check by property lookup lets them through. */
const prototypeName = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
);

/** A choice of `values` as it almost is: other case, padded, hyphenated, with a NUL, or an inherited name. */
const nearly = (values: readonly string[]): fc.Arbitrary<Json | undefined> =>
  fc.oneof(
    fc.constantFrom(...values),
    fc
      .tuple(
        fc.constantFrom(...values),
        fc.constantFrom<(v: string) => string>(
          (v) => v.toUpperCase(),
          (v) => ` ${v}`,
          (v) => `${v} `,
          (v) => v.replace(/_/g, '-'),
          (v) => `${v}\u0000`,
          (v) => `${v}\u200b`,
          (v) => [...v].reverse().join(''),
        ),
      )
      .map(([v, f]) => f(v)),
    prototypeName,
    fc.constant([...values] as Json),
  );

/** Not quite UUIDs, and UUIDs of rows that are someone else's or nobody's. */
const uuidLike = (...known: (() => string)[]): fc.Arbitrary<Json | undefined> =>
  fc.oneof(
    fc.uuid(),
    fc.uuid().map((u) => u.toUpperCase()),
    ...known.map((k) => fc.constant(null).map(() => k())),
    ...known.map((k) => fc.constant(null).map(() => k().toUpperCase())),
    ...known.map((k) => fc.constant(null).map(() => `{${k()}}`)),
    ...known.map((k) => fc.constant(null).map(() => k().replace(/-/g, ''))),
    fc.constantFrom(
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '-'.repeat(36),
      '0'.repeat(36),
      'g0000000-0000-4000-8000-000000000000',
    ),
  );

const moneyEdges = fc.constantFrom<Json>(
  '0.01',
  '0.00',
  '0',
  '1',
  '1.5',
  '1.005',
  '10000000.00',
  '10000000.01',
  '99999999.99',
  '00000001.00',
  ' 1.00',
  '1e3',
  '0x10',
  '-1.00',
  '+1.00',
  '١٠٠',
  0.01,
  0.001,
  1e-9,
  9_999_999.995,
  10_000_000,
  10_000_000.01,
  2_000,
  2_000.01,
  20_000,
  1_000_000,
  -0,
);

/** Whole numbers as a form or JSON sends them, at and past the bounds. */
const wholeEdges = (min: number, max: number) =>
  fc.oneof(
    fc.integer({ min: min - 2, max: max + 2 }),
    fc.integer({ min: min - 2, max: max + 2 }).map(String),
    fc.constantFrom<Json>(
      ' 3 ',
      '03',
      '3.0',
      '3.5',
      '1e0',
      '٣',
      '３',
      '+3',
      '-0',
      '',
      ' ',
      'NaN',
      3.5,
      -0,
      1e21,
    ),
  );

/** Cursors that decode as `<instant>|<id>`: instants PostgreSQL cannot hold, ids that only look like UUIDs. */
const craftedCursor: fc.Arbitrary<Json | undefined> = fc
  .tuple(
    fc.oneof(
      edgyDateText,
      fc.constantFrom(
        '-271821-04-20T00:00:00.000Z',
        '-004714-11-23T00:00:00.000Z',
        '-004713-11-24T00:00:00.000Z',
        '+275760-09-13T00:00:00.000Z',
        '5',
        '0',
        '',
        'Tue, 01 Jan 2030 00:00:00 GMT',
      ),
    ),
    fc.oneof(
      fc.uuid(),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF-'), minLength: 36, maxLength: 36 }),
      fc.constantFrom('-'.repeat(36), '0'.repeat(36), 'ffffffff-ffff-ffff-ffff-ffffffffffff', ''),
    ),
    fc.constantFrom('', '|', '|x', "|'; drop table service_cases; --"),
  )
  .map(([at, id, rest]) => cursorOf(at, id + rest));

// ---- the case endpoints -------------------------------------------------------------------------------------

const opsHeaders = () => ({ authorization: `Bearer ${opsKey}` });
const managerHeaders = () => ({ authorization: `Bearer ${managerKey}` });

const caseHostile = {
  source: nearly(CASE_SOURCES),
  category: nearly(CASE_CATEGORIES),
  cause: nearly(CASE_CAUSES),
  priority: nearly(CASE_PRIORITIES),
  department: nearly(DEPARTMENTS),
};

const OPEN_CASE: BodyEndpoint = {
  name: 'POST /v1/cases',
  path: () => '/v1/cases',
  headers: opsHeaders,
  sample: () => ({
    guestId,
    source: 'letter',
    category: 'facilities',
    cause: 'equipment_failure',
    priority: 'high',
    propertyCode: PROPERTY,
    department: 'engineering',
    receivedBy: 'Liu Yang',
    description: 'The air conditioning in 1208 was loud all night.\nThe guest could not sleep.',
    stayId,
    occurredAt: new Date(Date.now() - 86_400_000).toISOString(),
  }),
  hostile: {
    ...caseHostile,
    guestId: uuidLike(
      () => guestId,
      () => otherGuestId,
    ),
    stayId: uuidLike(
      () => stayId,
      () => otherStayId,
    ),
    occurredAt: edgyDateText,
  },
  // Another guest's id makes the stay no stay of the guest's.
  related: [['guestId', 'stayId']],
  ok: [201],
};

/** The requests on the closed case: a valid body is stored, the case is found closed, the row is deleted: 409 naming `id`. */
const closedCaseEndpoint = (
  name: string,
  action: string,
  sample: () => JsonObject,
  more: Partial<BodyEndpoint> = {},
): BodyEndpoint => ({
  name: `POST /v1/cases/:id/${name} (closed case)`,
  path: () => `/v1/cases/${closedCaseId}/${action}`,
  headers: opsHeaders,
  sample,
  ok: [],
  refusals: { case_closed: 'id' },
  ...more,
});

const compensationSample = () => ({
  kind: 'points',
  amount: '100.00',
  currency: 'USD',
  points: 1000,
  note: 'Goodwill for the noise.',
});
const compensationHostile = {
  kind: nearly(COMPENSATION_KINDS),
  amount: moneyEdges,
  currency: fc.constantFrom<Json>(
    'CNY',
    'EUR',
    'JPY',
    'XYZ',
    'XAU',
    'usd',
    'US',
    'USDD',
    'ÜSD',
    ' USD',
    'USD ',
  ),
  points: fc.oneof(wholeEdges(1, 1_000_000), edgyNumber),
};

const CLOSED_CASE_ENDPOINTS: BodyEndpoint[] = [
  closedCaseEndpoint('assign', 'assign', () => ({ assignee: 'Sun Mei', department: 'guest_relations' }), {
    hostile: { department: nearly(DEPARTMENTS) },
  }),
  closedCaseEndpoint('notes', 'notes', () => ({
    text: 'Called the guest back.\r\n\tApologised — 已致歉 😀.',
  })),
  closedCaseEndpoint('compensations', 'compensations', compensationSample, {
    hostile: compensationHostile,
    related: [['kind', 'points']],
    refusals: { case_closed: 'id', unknown_currency: 'currency' },
  }),
  {
    name: 'POST /v1/cases/:id/compensations/:compensationId/approve (closed case)',
    path: () => `/v1/cases/${closedCaseId}/compensations/${otherCaseId}/approve`,
    headers: managerHeaders,
    sample: () => ({ note: 'Loyal guest.' }),
    ok: [],
    // It has no compensation of that id: 404, before its state is asked.
    refusals: { compensation_not_found: 'compensationId' },
    optionalBody: true,
  },
  closedCaseEndpoint(
    'resolve',
    'resolve',
    () => ({
      resolution: 'Receptionist coached;\napology letter from the manager.',
      cause: 'staff_attitude',
    }),
    { hostile: { cause: nearly(CASE_CAUSES) } },
  ),
  closedCaseEndpoint(
    'satisfaction',
    'satisfaction',
    () => ({ satisfied: false, comment: 'Still waiting for the refund.' }),
    { hostile: { satisfied: fc.constantFrom<Json>('true', 'false', 'yes', 0, 1, 'on', null) } },
  ),
];

// ---- the link forms -----------------------------------------------------------------------------------------

const jsonClient = () => ({ accept: 'application/json' });
const satisfiedHostile = fc.constantFrom<Json>(
  'yes',
  'no',
  'YES',
  'No',
  ' yes ',
  '',
  ' ',
  'true',
  'false',
  true,
  false,
  1,
  0,
  'on',
  null,
);
const scoreHostile = {
  score: wholeEdges(1, 5),
  recommend: wholeEdges(0, 10),
  wouldReturn: nearly(WOULD_RETURN),
};

interface LinkEndpoint extends BodyEndpoint {
  route: string;
  purpose: string;
  /** The token of a valid request (a new one each call for the report link). */
  token: () => string;
}

const linkEndpoint = (
  route: string,
  purpose: string,
  token: () => string,
  rest: Omit<BodyEndpoint, 'name' | 'path' | 'headers'>,
): LinkEndpoint => ({
  name: `POST /v1/links/${route}/:token`,
  route,
  purpose,
  token,
  path: () => `/v1/links/${route}/${token()}`,
  headers: jsonClient,
  form: true,
  ...rest,
});

const LINK_ENDPOINTS: LinkEndpoint[] = [
  linkEndpoint('why', WHY_LINK_PURPOSE, () => tokens.why, {
    sample: () => ({ reason: 'price' }),
    hostile: { reason: nearly(CHURN_REASONS) },
    ok: [200],
  }),
  linkEndpoint('survey', SURVEY_LINK_PURPOSE, () => tokens.survey, {
    sample: () => ({
      score: 4,
      wouldReturn: 'maybe',
      recommend: 8,
      comment: 'Lovely stay.\nThe lift was slow.',
    }),
    hostile: scoreHostile,
    ok: [200],
  }),
  linkEndpoint('report', IN_STAY_REPORT_LINK_PURPOSE, reportToken, {
    sample: () => ({ category: 'facilities', description: 'The shower is cold.\r\n热水不热。' }),
    hostile: { category: nearly(CASE_CATEGORIES) },
    ok: [201],
  }),
  linkEndpoint('satisfaction', SATISFACTION_LINK_PURPOSE, () => tokens.satisfaction, {
    sample: () => ({ satisfied: 'no', comment: 'Nobody called me back.' }),
    hostile: { satisfied: satisfiedHostile },
    ok: [],
    refusals: { already_answered: 'satisfied' },
    optionalBody: true,
  }),
  // RFC 8058: the body is expected to say `List-Unsubscribe=One-Click`, but the signed link is the authority.
  linkEndpoint('unsubscribe', UNSUBSCRIBE_LINK_PURPOSE, () => tokens.unsubscribe, {
    sample: () => ({ 'List-Unsubscribe': 'One-Click' }),
    ok: [200],
    optionalBody: true,
  }),
];

// ---- the properties shared by every endpoint with a body ----------------------------------------------------

const encodings = (ep: BodyEndpoint) =>
  ep.form ? fc.constantFrom<Encoding>('json', 'form') : fc.constant<Encoding>('json');

/** One hostile value at each field of the sample, one at a time. */
function describeFields(endpoints: BodyEndpoint[]) {
  describe.each(endpoints)('$name: one hostile field at a time', (ep) => {
    it.each(fieldPaths(ep.sample()).map((p) => [dotted(p), p] as const))('%s', async (_name, path: Path) => {
      const valid = getAt(ep.sample(), path);
      const extra = ep.hostile?.[dotted(path)];
      const value = extra ? fc.oneof(mutationOf(valid), extra) : mutationOf(valid);
      await fc.assert(
        fc.asyncProperty(value, encodings(ep), async (v, encoding) => {
          const body = setAt(ep.sample(), path, v);
          const before = await snapshot();
          const answer = await post(ep, body, encoding);
          await expectAnswer(
            ep,
            answer,
            before,
            `${ep.name} ${encoding} ${dotted(path)} = ${clip(v)}`,
            dotted(path),
          );
        }),
        params,
      );
    });
  });
}

/** Unknown keys (documented: ignored), any body with any content type. */
function describeBodies(endpoints: BodyEndpoint[]) {
  describe.each(endpoints)('$name: unknown keys and whole bodies', (ep) => {
    it('an unknown key is ignored: the answer of the valid body (or 413 when it makes the body too large)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(nastyString, sqlAndFriends, prototypeName),
          mutationOf('x'),
          encodings(ep),
          async (key, value, encoding) => {
            const body = ep.sample();
            // defineProperty: `__proto__` and friends become plain keys, as JSON.parse makes them.
            if (!Object.hasOwn(body, key))
              Object.defineProperty(body, key, {
                value,
                enumerable: true,
                configurable: true,
                writable: true,
              });
            const before = await snapshot();
            const answer = await post(ep, body, encoding);
            const what = `${ep.name} ${encoding} + ${clip(key, 80)}: ${clip(value)}`;
            const named = await expectSafeAnswer(answer, before, what);
            if (answer.status === 413) expect(named, what).toBe('(body)');
            else expectValidAnswer(ep, answer, what);
          },
        ),
        params,
      );
    });

    it('any body, JSON or not, with any content type: a 4xx unless the endpoint has no required field', async () => {
      await fc.assert(
        fc.asyncProperty(
          rawBody,
          fc.constantFrom<Record<string, string>>(
            { 'content-type': 'application/json' },
            { 'content-type': 'application/x-www-form-urlencoded' },
            { 'content-type': 'multipart/form-data; boundary=x' },
            { 'content-type': 'text/plain' },
            { 'content-type': 'application/json; charset=klingon' },
            { 'content-type': 'application/x-www-form-urlencoded; charset=klingon' },
            { 'content-type': 'application/json', 'content-encoding': 'gzip' },
            { 'content-type': 'application/json', 'content-encoding': 'klingon' },
            {},
          ),
          async (raw, headers) => {
            const before = await snapshot();
            const answer = await send('POST', ep.path(), { ...ep.headers(), ...headers }, raw, ep.port?.());
            const what = `${ep.name} ${JSON.stringify(headers)} ${clip(raw.toString('hex'))}`;
            await expectSafeAnswer(answer, before, what);
            if (!ep.optionalBody) expect(answer.status, what).toBeGreaterThanOrEqual(400);
          },
        ),
        params,
      );
    });
  });
}

// ---- /v1/cases ----------------------------------------------------------------------------------------------

describeFields([OPEN_CASE, ...CLOSED_CASE_ENDPOINTS]);
describeBodies([OPEN_CASE, ...CLOSED_CASE_ENDPOINTS]);

describe('/v1/cases: headers, path segments and the list query', () => {
  it('any Idempotency-Key header', async () => {
    const header = fc.oneof(
      fc.string({ unit: 'binary-ascii', maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
      // Case ids of their own (a seed replays the same UUIDs in the properties that send them as path segments).
      fc.uuid().map((u) => `fee1dead${u.slice(8)}`.toUpperCase()),
      fc.uuid().map((u) => `fee1dead${u.slice(8)}`),
      fc.constantFrom(
        '',
        ' ',
        'null',
        '00000000-0000-0000-0000-00000000000g',
        `{${randomUUID()}}`,
        '-'.repeat(36),
      ),
    );
    await fc.assert(
      fc.asyncProperty(header, fc.constantFrom(OPEN_CASE, ...CLOSED_CASE_ENDPOINTS), async (key, ep) => {
        const before = await snapshot();
        const answer = await send(
          'POST',
          ep.path(),
          { 'content-type': 'application/json', 'idempotency-key': key, ...ep.headers() },
          Buffer.from(JSON.stringify(ep.sample())),
        );
        const what = `${ep.name} Idempotency-Key: ${key}`;
        await expectSafeAnswer(answer, before, what);
        if (answer.status >= 400 && !ep.refusals?.[codeOf(answer)])
          expect((answer.body as ErrorBody).error.details.header, what).toBe('Idempotency-Key');
        else expectValidAnswer({ ...ep, ok: [...ep.ok, 200] }, answer, what);
      }),
      params,
    );
  });

  it('any case id segment, on every case route', async () => {
    const routes = [
      { method: 'GET', action: '', ep: undefined },
      ...CLOSED_CASE_ENDPOINTS.map((ep) => ({
        method: 'POST',
        action: ep.path().slice(`/v1/cases/${closedCaseId}`.length),
        ep,
      })),
    ];
    await fc.assert(
      fc.asyncProperty(pathSegment, fc.constantFrom(...routes.keys()), async (segment, i) => {
        const route = routes[i]!;
        const path = `/v1/cases/${segment}${route.action}`;
        const headers = route.ep ? route.ep.headers() : opsHeaders();
        const body = route.ep ? Buffer.from(JSON.stringify(route.ep.sample())) : undefined;
        const before = await snapshot();
        const answer = await send(
          route.method,
          path,
          { 'content-type': 'application/json', ...headers },
          body,
        );
        const what = `${route.method} ${clip(path)}`;
        const named = await expectSafeAnswer(answer, before, what);
        expect(answer.status, what).toBeGreaterThanOrEqual(400);
        expect(named, what).toBe('id');
      }),
      params,
    );
  });

  it('any compensation id segment', async () => {
    await fc.assert(
      fc.asyncProperty(pathSegment, async (segment) => {
        const path = `/v1/cases/${closedCaseId}/compensations/${segment}/approve`;
        const before = await snapshot();
        const answer = await send(
          'POST',
          path,
          { 'content-type': 'application/json', ...managerHeaders() },
          Buffer.from('{}'),
        );
        const what = `POST ${clip(path)}`;
        const named = await expectSafeAnswer(answer, before, what);
        expect(answer.status, what).toBeGreaterThanOrEqual(400);
        // A UUID reaches the closed case (409 `case_closed`, `id`); anything else is about the compensation id.
        if (codeOf(answer) === 'case_closed') expect(named, what).toBe('id');
        else expect(named, `${what}: ${answer.text.slice(0, 300)}`).toBe('compensationId');
      }),
      params,
    );
  });

  const listSample = (): JsonObject => ({
    status: 'closed',
    department: 'front_office',
    sla: 'on_track',
    property: PROPERTY,
    guestId,
    limit: '10',
    before: closedCursor,
  });
  const listHostile: Record<string, fc.Arbitrary<Json | undefined>> = {
    status: nearly(CASE_STATUSES),
    department: nearly(DEPARTMENTS),
    sla: nearly(SLA_STATES),
    guestId: uuidLike(
      () => guestId,
      () => otherGuestId,
    ),
    limit: fc.oneof(wholeEdges(1, 200), edgyNumber),
    before: craftedCursor,
  };

  it.each(Object.keys(listSample()))('GET /v1/cases?%s=<hostile>', async (field) => {
    const valid = listSample()[field];
    const extra = listHostile[field];
    await fc.assert(
      fc.asyncProperty(extra ? fc.oneof(mutationOf(valid), extra) : mutationOf(valid), async (v) => {
        const path = `/v1/cases?${formOf(setAt(listSample(), [field], v))}`;
        const before = await snapshot();
        const answer = await send('GET', path, opsHeaders());
        const what = `GET ${clip(path, 400)}`;
        const named = await expectSafeAnswer(answer, before, what);
        if (answer.status >= 400 && answer.status !== 431)
          expect([field, '(query)', '(body)'], `${what}: names ${named}`).toContain(named);
      }),
      params,
    );
  });

  it('GET /v1/cases with unknown and repeated parameters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(nastyString, sqlAndFriends, prototypeName, fc.constantFrom('status', 'limit', 'before')),
        fc.oneof(nastyString, sqlAndFriends),
        async (key, value) => {
          const path = `/v1/cases?${formOf(listSample())}&${encodeSegment(key)}=${encodeSegment(value)}`;
          const before = await snapshot();
          const answer = await send('GET', path, opsHeaders());
          const what = `GET ${clip(path, 400)}`;
          const named = await expectSafeAnswer(answer, before, what);
          // A known name again makes it a list of two: refused, naming it; any other is ignored.
          if (answer.status === 431) return;
          if (['status', 'limit', 'before'].includes(key)) expect(named, what).toBe(key);
          else if (answer.status >= 400) expect(named, what).toBe('(query)');
        },
      ),
      params,
    );
  });
});

// ---- /v1/links ----------------------------------------------------------------------------------------------

describeFields(LINK_ENDPOINTS);
describeBodies(LINK_ENDPOINTS);

/** Ids other systems chose, of every script, at and past the 120 characters a link may carry. */
const unicodeId = fc.oneof(
  fc.constantFrom(
    ' ',
    '\u3000',
    '\u2028',
    '\u200b',
    '😀'.repeat(60),
    'x'.repeat(120),
    'x'.repeat(121),
    '王'.repeat(120),
  ),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
);

/** Payloads signed with the links secret: well signed, and wrong in every other way. */
function forgedToken(ep: LinkEndpoint): fc.Arbitrary<string> {
  const purposes = [
    WHY_LINK_PURPOSE,
    UNSUBSCRIBE_LINK_PURPOSE,
    SURVEY_LINK_PURPOSE,
    IN_STAY_REPORT_LINK_PURPOSE,
    SATISFACTION_LINK_PURPOSE,
  ];
  const ofRow = (f: () => Json) => fc.constant(null).map(f);
  const payload = fc.record(
    {
      p: fc.oneof(
        { weight: 4, arbitrary: fc.constant(ep.purpose) },
        { weight: 1, arbitrary: fc.constantFrom(...purposes, ep.purpose.toUpperCase(), `${ep.purpose} `) },
        { weight: 1, arbitrary: fc.oneof(nastyString, wrongType) },
      ),
      g: fc.oneof(
        { weight: 4, arbitrary: ofRow(() => guestId) },
        { weight: 1, arbitrary: ofRow(() => guestId.toUpperCase()) },
        { weight: 1, arbitrary: ofRow(() => otherGuestId) },
        { weight: 1, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: fc.oneof(nastyString, wrongType) },
      ),
      e: fc.oneof(
        { weight: 4, arbitrary: ofRow(inADay) },
        {
          weight: 2,
          arbitrary: fc.constantFrom<Json>(
            0,
            -1,
            1,
            1.5,
            32_503_680_000,
            32_503_680_001,
            2 ** 53,
            1e21,
            '4102444800',
            Math.floor(Date.now() / 1000) - 1,
          ),
        },
        { weight: 1, arbitrary: wrongType },
      ),
      n: fc.oneof(
        { weight: 4, arbitrary: fc.constant('AAAAAAAA') },
        { weight: 1, arbitrary: fc.oneof(nastyString, wrongType, fc.constant('A'.repeat(33))) },
      ),
      d: fc.oneof(
        ofRow(() => ({ s: stayId })),
        ofRow(() => ({ s: otherStayId })),
        ofRow(() => ({ s: stayId.toUpperCase() })),
        ofRow(() => ({ s: pmsStayId, h: PROPERTY })),
        ofRow(() => ({ c: closedCaseId, y: true })),
        ofRow(() => ({ c: otherCaseId, y: false })),
        ofRow(() => ({ c: closedCaseId.toUpperCase(), y: true })),
        ofRow(() => ({ c: closedCaseId, y: 'yes' })),
        fc.record({ s: fc.oneof(nastyString, unicodeId), h: fc.oneof(nastyString, unicodeId) }),
        fc.dictionary(fc.oneof(fc.constantFrom('s', 'h', 'c', 'y', 'x', 'aB'), nastyString), wrongType, {
          maxKeys: 6,
        }),
        wrongType,
      ),
    },
    { requiredKeys: [] },
  );
  return fc.oneof({ weight: 5, arbitrary: payload }, { weight: 1, arbitrary: wrongType }).map(signPayload);
}

/** Any token: text of any kind, a valid one altered, one for another purpose or expired, a forged payload. */
function hostileToken(ep: LinkEndpoint): fc.Arbitrary<string> {
  const altered = fc
    .tuple(
      fc.nat(),
      fc.nat({ max: 3 }),
      fc.string({ unit: fc.constantFrom(...'AZaz09-_.=+/%'), maxLength: 3 }),
    )
    .map(([at, cut, s]) => {
      const t = ep.token();
      const i = at % (t.length + 1);
      return encodeSegment(t.slice(0, i) + s + t.slice(i + cut)).replace(/%2E/g, '.');
    });
  const others = fc.constantFrom(
    () => link(ep.purpose === WHY_LINK_PURPOSE ? UNSUBSCRIBE_LINK_PURPOSE : WHY_LINK_PURPOSE, guestId),
    () => link(ep.purpose, guestId, undefined, Math.floor(Date.now() / 1000) - 60),
    () => link(ep.purpose, otherGuestId, ep.purpose === WHY_LINK_PURPOSE ? undefined : { s: otherStayId }),
    () => signLink({ purpose: ep.purpose, guestId, expiresAt: inADay(), secret: `${LINKS_SECRET}-other` }),
    () => `${ep.token()}.${ep.token()}`,
    () => `${ep.token()}/`,
    () => '.',
    () => 'A'.repeat(2000),
  );
  return fc.oneof(
    { weight: 2, arbitrary: pathSegment },
    { weight: 2, arbitrary: altered },
    { weight: 1, arbitrary: others.map((f) => f()) },
    { weight: 4, arbitrary: forgedToken(ep) },
  );
}

describe.each(LINK_ENDPOINTS)('$name: any token', (ep) => {
  it('a 4xx naming the token, unless it is a valid one', async () => {
    await fc.assert(
      fc.asyncProperty(hostileToken(ep), encodings(ep), async (token, encoding) => {
        const path = `/v1/links/${ep.route}/${token}`;
        const before = await snapshot();
        const answer = await post(ep, ep.sample(), encoding, path);
        await expectAnswer(ep, answer, before, `POST ${clip(path, 300)} (${encoding})`, 'token');
      }),
      params,
    );
  });
});

describe.each(LINK_ENDPOINTS)('$name: as a browser posts it', (ep) => {
  it('any field, any value, form-encoded: a page, never a 5xx, and a refused answer writes nothing', async () => {
    const fields = [...Object.keys(ep.sample()), 'x'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.oneof(nastyString, sqlAndFriends, wrongType),
        async (field, v) => {
          const body = setAt(ep.sample(), [field], v);
          const before = await snapshot();
          const answer = await send(
            'POST',
            ep.path(),
            { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
            Buffer.from(formOf(body)),
          );
          const what = `${ep.name} (browser) ${field} = ${clip(v)}: ${answer.status}`;
          expect(
            answer.status < 500 && answer.status >= 200 && (answer.status < 300 || answer.status >= 400),
            what,
          ).toBe(true);
          expect(answer.text, what).toMatch(/^<!doctype html>/i);
          if (answer.status >= 400) expect(await snapshot(), `${what} wrote rows`).toEqual(before);
        },
      ),
      params,
    );
  });
});

// ---- a case with a worker: what the case's workflow answers ------------------------------------------------

/** The open case of this part, its guest, and the app (own task queue, own worker) that reaches its workflow. */
let liveGuestId = '00000000-0000-4000-8000-000000000007';
let liveCaseId = '00000000-0000-4000-8000-000000000008';
let livePort = 0;
let liveQueue = '';

const live = (name: string, action: string, sample: () => JsonObject, more: Partial<BodyEndpoint> = {}) => ({
  name: `POST /v1/cases/:id/${name} (live case)`,
  path: () => `/v1/cases/${liveCaseId}/${action}`,
  headers: opsHeaders,
  sample,
  ok: [200],
  port: () => livePort,
  ...more,
});

const LIVE_ENDPOINTS: BodyEndpoint[] = [
  live('assign', 'assign', () => ({ assignee: 'Sun Mei', department: 'guest_relations' }), {
    hostile: { department: nearly(DEPARTMENTS) },
  }),
  live('notes', 'notes', () => ({ text: 'Called the guest back.\r\n\tApologised — 已致歉 😀.' })),
  // Up to the frontline limit granted at once, above it waiting for a manager, above the manager's refused.
  live('compensations', 'compensations', compensationSample, {
    hostile: compensationHostile,
    related: [['kind', 'points']],
    refusals: { unknown_currency: 'currency', above_manager_limit: 'amount' },
  }),
  // No compensation of that id on the case: 404 before anything is stored.
  live('approve', `compensations/${randomUUID()}/approve`, () => ({ note: 'Loyal guest.' }), {
    headers: managerHeaders,
    ok: [],
    refusals: { compensation_not_found: 'compensationId' },
    optionalBody: true,
  }),
  // Not resolved: the answer is refused by the workflow's validator, and the pending row goes.
  live('satisfaction', 'satisfaction', () => ({ satisfied: true, comment: 'All good now.' }), {
    hostile: { satisfied: fc.constantFrom<Json>('true', 'yes', 0, 1, null) },
    ok: [],
    refusals: { not_awaiting_satisfaction: 'satisfied' },
  }),
];

describe('an open case whose workflow runs', () => {
  let worker: Worker;
  let running: Promise<void>;
  let server: Server;

  beforeAll(async () => {
    liveQueue = uniqueTaskQueue('cases-fuzz-live');
    worker = await createTestWorker(env, liveQueue, stack.deps);
    running = worker.run();
    const app = createApp({
      db: stack.db,
      temporal: env.client,
      taskQueue: liveQueue,
      logger: pino({ level: 'silent' }),
      pms: { webhookSecret: PMS_SECRET, toleranceSeconds: 300 },
    });
    server = await listen(app, '127.0.0.1', 0);
    livePort = (server.address() as AddressInfo).port;
    liveGuestId = await newGuest('Zhao');
    // The case's workflow without the guest's (which would plan mails of its own in the background).
    const row = await newCase(liveGuestId, 'open');
    liveCaseId = row.id;
    await env.client.workflow.start('serviceRecovery', {
      workflowId: row.workflow_id,
      taskQueue: liveQueue,
      args: [{ guestId: liveGuestId, guestWorkflowId: guestWorkflowId(liveGuestId), caseId: liveCaseId }],
    });
    // The acknowledgement (its mail and audit entry) is written in the background: wait for it, so that the
    // properties below see only what their requests write.
    await eventually(async () => {
      const mail = await stack
        .db('mail_outbox')
        .where({ guest_id: liveGuestId })
        .first<{ status: string }>('status');
      const acknowledged = (await cases.findCase(stack.db, liveCaseId))?.acknowledged_at;
      return mail?.status === 'sent' && acknowledged ? true : undefined;
    });
  });

  afterAll(async () => {
    for await (const wf of env.client.workflow.list({ query: `TaskQueue = '${liveQueue}'` })) {
      await env.client.workflow
        .getHandle(wf.workflowId)
        .terminate('cases fuzz over')
        .catch(() => undefined);
    }
    await new Promise((r) => server?.close(r));
    worker?.shutdown();
    await running;
  });

  describeFields(LIVE_ENDPOINTS);

  // Found by 'POST /v1/cases: guestId' (a guest id in capitals); last here, as it starts the guest's workflow.
  it('found by fuzzing: a case opened with the guest id in capitals takes requests (was: 503 on every one)', async () => {
    const guest = await newGuest('Upper');
    const key = randomUUID();
    const headers = { 'content-type': 'application/json', ...opsHeaders() };
    const body = {
      guestId: guest.toUpperCase(),
      source: 'phone',
      category: 'other',
      propertyCode: PROPERTY,
      department: 'front_office',
      receivedBy: 'Liu Yang',
    };
    const opened = await send(
      'POST',
      '/v1/cases',
      { ...headers, 'idempotency-key': key },
      Buffer.from(JSON.stringify(body)),
      livePort,
    );
    expect(opened.status, opened.text).toBe(201);
    // The guest's workflow starts the case's under the guest id it knows, in lower case …
    const started = caseWorkflowId(guest, key);
    await eventually(async () => {
      try {
        await env.client.workflow.getHandle(started).describe();
        return true;
      } catch {
        return undefined;
      }
    });
    // … while the case row names the one in capitals, which never runs: each request is a 503 and leaves
    // its pending row behind.
    const note = await send(
      'POST',
      `/v1/cases/${key}/notes`,
      headers,
      Buffer.from('{"text":"Called back."}'),
      livePort,
    );
    expect.soft((opened.body as { workflowId: string }).workflowId).toBe(started);
    expect(note.status, note.text).toBe(200);
  });
});

// ---- found by fuzzing (fixed since): the minimal cases, kept as regression tests ---------------------------

describe('found by fuzzing', () => {
  const listBefore = (at: string, id: string) =>
    send('GET', `/v1/cases?before=${cursorOf(at, id)}`, opsHeaders());

  it('GET /v1/cases?before=<a cursor whose id is 36 hyphens> is a 400 naming before (was: 500)', async () => {
    // MjAyNi0wMS0wMVQwMDowMDowMC4wMDBafC0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLQ
    const answer = await listBefore('2026-01-01T00:00:00.000Z', '-'.repeat(36));
    expect(answer.status, answer.text).toBe(400);
    expect((answer.body as ErrorBody).error.details.field).toBe('before');
  });

  it('GET /v1/cases?before=<a cursor of the year 271822 BC> is a 400 naming before (was: 500)', async () => {
    // LTI3MTgyMS0wNC0yMFQwMDowMDowMC4wMDBafDAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMA
    const answer = await listBefore('-271821-04-20T00:00:00.000Z', '00000000-0000-4000-8000-000000000000');
    expect(answer.status, answer.text).toBe(400);
    expect((answer.body as ErrorBody).error.details.field).toBe('before');
  });

  it('410 link_gone names the token (was: details {})', async () => {
    // Well signed, for a guest that does not exist.
    const answer = await send(
      'POST',
      `/v1/links/why/${link(WHY_LINK_PURPOSE, randomUUID())}`,
      { 'content-type': 'application/json', accept: 'application/json' },
      Buffer.from('{"reason":"price"}'),
    );
    expect(answer.status, answer.text).toBe(410);
    expect((answer.body as ErrorBody).error.details.field, answer.text).toBe('token');
  });

  it('a compensation id segment that is no percent-encoding is named compensationId (was: id)', async () => {
    const answer = await send(
      'POST',
      `/v1/cases/${closedCaseId}/compensations/%25zz%/approve`,
      { 'content-type': 'application/json', ...managerHeaders() },
      Buffer.from('{}'),
    );
    expect(answer.status, answer.text).toBe(400);
    expect((answer.body as ErrorBody).error.details.field, answer.text).toBe('compensationId');
  });

  it("POST /v1/cases takes a guest id in capitals with the guest's stay, and as a replay (was: 422 stayId; 409)", async () => {
    const headers = { 'content-type': 'application/json', ...opsHeaders() };
    // With the guest's own stay: "the guest has no stay".
    const withStay = await send(
      'POST',
      '/v1/cases',
      headers,
      Buffer.from(JSON.stringify({ ...OPEN_CASE.sample(), guestId: guestId.toUpperCase() })),
    );
    expect.soft(withStay.status, withStay.text).toBe(201);
    // Without: opened, but the same request again under the same Idempotency-Key is "another case".
    const key = randomUUID();
    const body = Buffer.from(
      JSON.stringify({ ...OPEN_CASE.sample(), guestId: guestId.toUpperCase(), stayId: undefined }),
    );
    const first = await send('POST', '/v1/cases', { ...headers, 'idempotency-key': key }, body);
    expect.soft(first.status, first.text).toBe(201);
    const again = await send('POST', '/v1/cases', { ...headers, 'idempotency-key': key }, body);
    expect.soft(again.status, again.text).toBe(200);
  });
});

// ---- every endpoint was reached with valid bodies too ------------------------------------------------------

describe('coverage', () => {
  it.each(
    [OPEN_CASE, ...CLOSED_CASE_ENDPOINTS, ...LINK_ENDPOINTS, ...LIVE_ENDPOINTS].map(
      (ep) => [ep.name, ep] as const,
    ),
  )('%s answered valid bodies as valid (a 2xx, or the refusal of the state of things)', (_name, ep) => {
    expect(validAnswers.get(ep.name) ?? 0).toBeGreaterThan(0);
  });
});
