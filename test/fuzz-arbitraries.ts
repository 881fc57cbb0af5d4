/**
 * Hostile input for property-based API tests: values of the wrong type, huge sizes, Unicode of every kind,
 * control characters, NUL, lone surrogates, SQL metacharacters and out-of-range dates and numbers, and the
 * plumbing to put one such value at one field path of an otherwise valid body.
 */
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export type Path = readonly string[];

/** Where a value goes: the dotted path the API names in `details.field`. */
export const dotted = (path: Path): string => path.join('.');

/** Every path in `value` that leads to a leaf or an object, depth first; the root itself is not included. */
export function fieldPaths(value: Json, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...fieldPaths(v, [...prefix, k])]);
}

export function getAt(value: Json, path: Path): Json | undefined {
  let cur: Json | undefined = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** A copy of `body` with `path` set to `value`, or removed when `value` is undefined. */
export function setAt(body: JsonObject, path: Path, value: Json | undefined): JsonObject {
  const [head, ...rest] = path;
  if (head === undefined) throw new Error('setAt needs a non-empty path');
  const copy: JsonObject = { ...body };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const child = copy[head];
  const inner = child !== null && typeof child === 'object' && !Array.isArray(child) ? child : {};
  copy[head] = setAt(inner, rest, value);
  return copy;
}

// --- characters ------------------------------------------------------------------------------------------

/** C0 controls (NUL first), DEL, C1 controls and the Unicode line and paragraph separators. */
export const controlChar: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('\u0000', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u2028', '\u2029'),
  fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x7f, max: 0x9f }).map((c) => String.fromCharCode(c)),
);

/** One UTF-16 surrogate with no partner: not Unicode text, though JSON can carry it as an escape. */
export const loneSurrogate: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\ud83d'),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
);

/** Text that is valid Unicode but far from ASCII: emoji, CJK, right-to-left, combining marks, odd spaces. */
export const unicodeText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '😀',
    '👩‍👩‍👧‍👦',
    '🇨🇳',
    '王小明',
    '山田太郎',
    '김민준',
    'مرحبا',
    'שלום',
    '\u202eevil\u202c',
    'e\u0301',
    'Z̷̢̛a̴͓͝l̶̰̿g̵̱̈o̷̞͑',
    '\u200b',
    '\ufeff',
    '\u00a0',
    '\u3000',
    '\ufffd',
    '\uffff',
    'ß',
    'İ',
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  ),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  fc.string({ unit: 'grapheme-composite', minLength: 1, maxLength: 10 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
);

/** Strings a careless query builder, LIKE pattern, shell or template would trip over. */
export const sqlAndFriends: fc.Arbitrary<string> = fc.constantFrom(
  "'; drop table guests; --",
  "' or '1'='1",
  "Robert'); DROP TABLE stays;--",
  '%',
  '_',
  '\\',
  '\\\\',
  '\\x00',
  '$1',
  '"',
  '`',
  '${7*7}',
  '{{constructor}}',
  '</script><script>alert(1)</script>',
  '__proto__',
  'null',
  'NaN',
  '-0',
);

/** Date and instant strings at and past the edges of what PostgreSQL and JavaScript handle alike. */
export const edgyDateText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '0000-01-01',
    '0001-01-01',
    '1000-01-01',
    '1899-12-31',
    '1969-12-31',
    '1970-01-01',
    '1999-12-31',
    '2038-01-19',
    '2099-12-31',
    '9999-12-31',
    '2024-02-29',
    '2023-02-29',
    '2026-02-30',
    '2026-13-01',
    '+275760-09-13',
    '-000001-01-01',
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00Z',
    '0001-01-01T00:00:00+14:00',
    '1970-01-01T00:00:00Z',
    '1999-12-31T23:59:59.999Z',
    '9999-12-31T23:59:59.999Z',
    '9999-12-31T23:59:59.999-23:59',
    '+275760-09-13T00:00:00Z',
    '2026-03-12T03:15:00+0800',
    '2026-03-12T03:15:00+23:59',
    '2026-03-12T03:15:00.123456789Z',
    '2026-03-12T24:00:00Z',
    '2026-03-12T03:15:60Z',
    '2026-03-12 03:15:00Z',
    '2026-03-12T03:15:00',
    'yesterday',
    'infinity',
    '-infinity',
    'epoch',
    'now',
    'today',
    'allballs',
  ),
  fc
    .date({
      min: new Date(-8_640_000_000_000_000),
      max: new Date(8_640_000_000_000_000),
      noInvalidDate: true,
    })
    .chain((d) =>
      fc.constantFrom(d.toISOString(), d.toISOString().slice(0, 10), d.toISOString().replace('Z', '+14:00')),
    ),
);

/** Numbers JSON can carry that are no count or amount a guest ever has. */
export const edgyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    0.5,
    1e-7,
    0.1 + 0.2,
    2 ** 31,
    2 ** 31 - 1,
    2 ** 53,
    2 ** 63,
    1e21,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_VALUE,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

// --- whole values ----------------------------------------------------------------------------------------

const nastyChar = fc.oneof(controlChar, loneSurrogate, unicodeText, sqlAndFriends);

/** Any JSON value of a type no field expects (objects, arrays, booleans, null and numbers). */
export const wrongType: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, [], {}, [null], { '': null }),
  edgyNumber,
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.array(fc.string(), { maxLength: 3 }),
);

/** A string hostile in content: built from the character families above, or huge, or of any code unit. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(nastyChar, { minLength: 1, maxLength: 6 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      maxLength: 20,
    }),
  },
  { weight: 1, arbitrary: edgyDateText },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(1_000, 10_000, 100_000), fc.constantFrom('x', '王', '😀', '\u0000', ' '))
      .map(([n, c]) => c.repeat(n)),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '   ', '\u3000') },
);

/**
 * A value for the field that currently holds `valid`: the valid value with a hostile string spliced in at a
 * random position (the case a format check alone misses), a hostile string, or a value of the wrong type.
 */
export function mutationOf(valid: Json | undefined): fc.Arbitrary<Json | undefined> {
  const spliced =
    typeof valid === 'string'
      ? fc
          .tuple(
            fc.nat({ max: valid.length }),
            fc.oneof(controlChar, loneSurrogate, unicodeText, sqlAndFriends),
          )
          .map(([at, s]) => valid.slice(0, at) + s + valid.slice(at))
      : fc.constant<Json>(valid ?? null);
  return fc.oneof(
    { weight: 3, arbitrary: spliced },
    { weight: 3, arbitrary: nastyString },
    { weight: 2, arbitrary: wrongType },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** A raw request body that may not even be UTF-8 or JSON. */
export const rawBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc
    .constantFrom(
      '',
      'null',
      '[]',
      '{}',
      '"stay.completed"',
      '{"type":"stay.completed"',
      '\ufeff{"type":"stay.completed"}',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      `{"type":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      '{"type":"stay.completed","__proto__":{"polluted":true}}',
      '{"type":"stay.completed","constructor":{"prototype":{"polluted":true}}}',
      '{"type":"stay.started"}',
      '{"type":"stay.started","data":{"stay":{"expectedDeparture":null}}}',
      '{"type":"stay.started","__proto__":{"polluted":true}}',
    )
    .map((s) => Buffer.from(s)),
);

/**
 * Non-empty path segments for `/v1/guests/:id`, sent as given: percent-encoded text, bad escapes and raw edge
 * cases. (An empty one is `/v1/guests/`, another route.)
 */
export const pathSegment: fc.Arbitrary<string> = fc.oneof(
  fc
    .oneof(nastyString, unicodeText, sqlAndFriends)
    .filter((s) => s.length > 0 && s.length < 2_000)
    .map(encodeSegment),
  fc.uuid().map((u) => u.toUpperCase()),
  fc.uuid(),
  fc.constantFrom(
    '%',
    '%0',
    '%zz',
    '%00',
    '%ED%A0%80',
    '%C0%80',
    '%FF',
    '%E0%A4%A',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '00000000-0000-0000-0000-00000000000g',
    '{00000000-0000-4000-8000-000000000000}',
    '00000000000040008000000000000000',
    '..%2F..%2Fetc%2Fpasswd',
    'x'.repeat(4_000),
  ),
);

/** Percent-encodes every UTF-16 unit that is not unreserved; a lone surrogate becomes its (invalid) CESU-8 bytes. */
export function encodeSegment(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (/^[A-Za-z0-9_~-]$/.test(ch)) out += ch;
    else if (cp >= 0xd800 && cp <= 0xdfff) {
      out += [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
        .join('');
    } else out += encodeURIComponent(ch);
  }
  return out;
}

const RUNS = Number(process.env.FUZZ_RUNS ?? 50);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

/** fast-check's report with every value clipped: a 100 000-character counterexample is no help in a log. */
function report(run: fc.RunDetails<unknown>): void {
  if (!run.failed) return;
  const example = run.counterexample ? clip(fc.stringify(run.counterexample), 600) : '(none)';
  const cause = run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
  throw new Error(
    `Property failed after ${run.numRuns} runs (replay with FUZZ_SEED=${run.seed}; path ${run.counterexamplePath})\n` +
      `Counterexample: ${example}\n${clip(cause, 1500)}`,
  );
}

/** The runs of every property: FUZZ_RUNS of them (default 50), FUZZ_SEED to replay a failure; clipped reports. */
export const fuzzParams: fc.Parameters<unknown> = {
  numRuns: RUNS,
  asyncReporter: (run) => Promise.resolve(report(run)),
  ...(SEED === undefined ? {} : { seed: SEED }),
};
