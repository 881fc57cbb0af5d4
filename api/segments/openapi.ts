/** `/v1/segments` in the OpenAPI document (api/openapi/document.ts): the schemas of api/segments/router.ts. */
import { z } from 'zod';
import { area, fieldsOf, instantOut, instantOrNull, opaque, type ErrorCase } from '../openapi/spec.js';
import {
  createBody,
  forecastCsvQuery,
  forecastQuery,
  idParams,
  pageQuery,
  previewBody,
  updateBody,
} from './schema.js';
import type {
  forecast,
  getSegment,
  previewSegment,
  SavedSegment,
  SegmentGuest,
  ForecastEntry,
  segmentGuests,
} from './service.js';
import { FORECAST_CSV_COLUMNS, SEGMENT_CSV_COLUMNS } from './service.js';

type Preview = Awaited<ReturnType<typeof previewSegment>>;
type Opened = Awaited<ReturnType<typeof getSegment>>;
type GuestsPage = Awaited<ReturnType<typeof segmentGuests>>;
type Forecast = Awaited<ReturnType<typeof forecast>>;

const text = (description?: string) => z.string().meta(description ? { description } : {});
const int = (description?: string) =>
  z
    .number()
    .int()
    .meta(description ? { description } : {});
const cuts = z.array(z.number()).meta({ description: 'The 20th, 40th, 60th and 80th percentiles.' });

const guest = fieldsOf<SegmentGuest>()('A guest of the segment.', {
  id: z.uuid(),
  memberNumber: text().nullable(),
  firstName: text(),
  lastName: text(),
  email: text(),
  stage: text(),
  tier: text(),
  language: text(),
  marketingConsent: z.boolean(),
  value: text('`vip`, `major`, `ordinary`, `small`.'),
  revenue: text(
    'Revenue of the last 12 months in the program currency, 2 decimals; null: never stayed.',
  ).nullable(),
  tenure: text('`new`, `first_year_ending`, `established`, `lapsed`, `churned`, `prospect`.'),
  stays: int('Stays ever.'),
  recencyDays: int('Days since the last departure; null: never stayed.').nullable(),
  rfm: z
    .object({ r: int(), f: int(), m: int() })
    .nullable()
    .meta({ description: 'Recency, frequency and monetary scores 1–5 (5 best); null: never stayed.' }),
});

const basis = {
  asOf: text('`YYYY-MM-DD` (UTC): tenure, recency and the 12 months of revenue are counted from it.'),
  spenders: int('Guests who spent in the last 12 months (the value segments rank them).'),
  valueBounds: z
    .object({ vip: int(), major: int(), ordinary: int() })
    .meta({ description: 'The last rank by revenue of each value segment (docs/segments.md).' }),
  rfmCuts: z
    .object({ recencyDays: cuts, stays: cuts, revenue: cuts })
    .nullable()
    .meta({ description: "The base's quintile cut points of each RFM measure; null: no guest has a stay." }),
};

const preview = fieldsOf<Preview>()('The count of a segment and its first guests by name.', {
  ...basis,
  count: int('Guests the definition takes.'),
  guests: z.array(guest),
});

const saved = fieldsOf<SavedSegment>()('A saved segment.', {
  id: z.uuid(),
  name: text(),
  definition: opaque('The definition, as `POST /v1/segments/preview` takes it.'),
  createdBy: text("The API key's name."),
  updatedBy: text(),
  createdAt: instantOut(),
  updatedAt: instantOut(),
  archivedAt: instantOrNull('Set when archived: gone from the list, kept for what went to it.'),
});
const one = z.object({ segment: saved });

const opened = fieldsOf<Opened>()('A saved segment with its count today.', {
  segment: saved,
  ...basis,
  count: int('Guests the definition takes today.'),
});

const guestsPage = fieldsOf<GuestsPage>()("A page of a segment's guests by name.", {
  asOf: text(),
  guests: z.array(guest),
  nextCursor: text('The `cursor` of the next page; null on the last.').nullable(),
});

const member = fieldsOf<ForecastEntry>()('A member the next review moves down.', {
  id: z.uuid(),
  memberNumber: text().nullable(),
  firstName: text(),
  lastName: text(),
  email: text(),
  language: text(),
  tier: text('The tier held.'),
  forecast: text('What the review would decide on the year as it stands (one step down).'),
  floor: text("An admin's floor below the tier, or null.").nullable(),
  activity: z
    .object({ stays: int(), nights: int(), basePoints: int() })
    .meta({ description: "The year's qualifying activity so far." }),
  short: z
    .object({ nights: int(), stays: int() })
    .meta({ description: 'Nights or stays still missing to keep the tier: either is enough.' }),
});

const forecastAnswer = fieldsOf<Forecast>()('The requalification forecast, a page by name.', {
  year: int('The year whose stays count.'),
  reviewOn: text('The review (`YYYY-01-01`); the rules version in force that day decides.'),
  count: int('Members the review moves down.'),
  byTier: z.record(z.string(), int()).meta({ description: 'The count per tier held.' }),
  members: z.array(member),
  nextCursor: text('The `cursor` of the next page; null on the last.').nullable(),
});

const notFound: ErrorCase = { status: 404, codes: ['not_found'], when: 'no segment with this id' };
const nameTaken: ErrorCase = {
  status: 409,
  codes: ['name_taken'],
  when: 'a segment not archived has this name already (any case)',
};

const csvNote =
  "Streamed as it is read (a server-side cursor, 1,000 rows at a time), UTF-8 with a byte order mark, CRLF lines, a header row. A text field starting with `=`, `+`, `-` or `@` is prefixed with `'`. The file carries e-mail addresses: each export is recorded (`segment_exports`: who, when, how many rows).";

export const segmentsArea = area({
  tag: 'Segments',
  description:
    "Marketers' cuts of the guest base: value (Pareto), RFM, tenure, lapsed within N days, stage, tier, hotel, consent, language; saved, paged, exported as CSV; and the requalification forecast.",
  operations: {
    'POST /v1/segments/preview': {
      summary: 'Count a segment and show its first guests',
      description:
        'Every field of `definition` given must hold; in a list, any of its values. An empty definition is the whole base. By the rules version in force today (currency rates, segment settings). docs/segments.md has the rules.',
      body: { schema: previewBody },
      answers: { 200: { description: 'The segment.', schema: preview } },
    },
    'GET /v1/segments/forecast': {
      summary: 'The members the next review moves down, with what they are short',
      description:
        "Members whose tier is not kept yet this year (stays, nights and base points all below the tier's thresholds of the rules in force on the next 1 January) and not held by a floor; by name, a page at a time.",
      query: forecastQuery,
      answers: { 200: { description: 'The forecast.', schema: forecastAnswer } },
    },
    'GET /v1/segments/forecast.csv': {
      summary: 'The requalification forecast as CSV',
      description: `Columns: ${FORECAST_CSV_COLUMNS.join(', ')}. ${csvNote}`,
      query: forecastCsvQuery,
      answers: { 200: { description: 'The CSV file.', csv: true } },
    },
    'GET /v1/segments': {
      summary: 'The saved segments',
      description: 'Those not archived, the last changed first (at most 500), without counts.',
      answers: { 200: { description: 'The segments.', schema: z.object({ segments: z.array(saved) }) } },
    },
    'POST /v1/segments': {
      summary: 'Save a segment',
      description: "A name and a definition; `createdBy` is the key's name.",
      body: { schema: createBody },
      answers: { 201: { description: 'The segment saved.', schema: one } },
      errors: [nameTaken],
    },
    'GET /v1/segments/:id': {
      summary: 'A saved segment with its count today',
      params: idParams,
      answers: { 200: { description: 'The segment.', schema: opened } },
      errors: [notFound],
    },
    'POST /v1/segments/:id': {
      summary: 'Rename or redefine a saved segment',
      params: idParams,
      body: { schema: updateBody },
      answers: { 200: { description: 'The segment as it is now.', schema: one } },
      errors: [{ ...notFound, when: 'no segment with this id, or it is archived' }, nameTaken],
    },
    'DELETE /v1/segments/:id': {
      summary: 'Archive a saved segment',
      description: 'It leaves the list; its row stays, so what went to it still has its name.',
      params: idParams,
      answers: { 200: { description: 'The segment archived.', schema: one } },
      errors: [{ ...notFound, when: 'no segment with this id, or it is archived already' }],
    },
    'GET /v1/segments/:id/guests': {
      summary: "A page of a saved segment's guests",
      description:
        'By name (last name, first name, any case, then id); `nextCursor` asks for the next page. Counted anew: a guest who joined or left the segment between pages is or is not on the later pages.',
      params: idParams,
      query: pageQuery,
      answers: { 200: { description: 'The page.', schema: guestsPage } },
      errors: [notFound],
    },
    'GET /v1/segments/:id/export.csv': {
      summary: "A saved segment's guests as CSV",
      description: `By name. Columns: ${SEGMENT_CSV_COLUMNS.join(', ')}. ${csvNote}`,
      params: idParams,
      answers: { 200: { description: 'The CSV file.', csv: true } },
      errors: [notFound],
    },
  },
});
