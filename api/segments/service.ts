/**
 * Segments over HTTP (api/segments/router.ts): the count preview of a definition, saved segments with their
 * count and paged guests, the CSV export, and the requalification forecast; by the rules in force today. The
 * rules are domain/segments.ts and domain/tiers.ts, the statements db/repositories/segments.ts.
 */
import type { Response } from 'express';
import type { Logger } from 'pino';
import type { Db } from '../../db/knex.js';
import * as segments from '../../db/repositories/segments.js';
import { rfmScores, valueRankBounds, valueSegment, type SegmentDefinition } from '../../domain/segments.js';
import { requalificationForecast, type Tier } from '../../domain/tiers.js';
import { HttpError } from '../errors.js';
import { attachment, BOM, csvLine, type CsvValue } from './csv.js';
import { CURSOR_MESSAGE } from './schema.js';

export interface SegmentsDeps {
  db: Db;
  logger?: Logger;
  /** How long a segment context (RFM cut points, spenders, rules) is reused; default 30 s, 0: never. */
  contextTtlMs?: number;
}

const todayOf = (now: Date) => now.toISOString().slice(0, 10);

const CONTEXT_TTL_MS = 30_000;
const contexts = new WeakMap<Db, { today: string; until: number; ctx: Promise<segments.SegmentContext> }>();

/**
 * The segment context of `now`'s day, reused for `contextTtlMs` (30 s): the builder asks for a count on every
 * click, and the base's RFM cut points and its spenders (one pass over every stay) barely move in that time.
 * The segment itself is always counted live; only the cut points and the value segments' bounds may be up to
 * that old.
 */
function contextOf(deps: SegmentsDeps, now: Date): Promise<segments.SegmentContext> {
  const today = todayOf(now);
  const ttl = deps.contextTtlMs ?? CONTEXT_TTL_MS;
  if (ttl <= 0) return segments.segmentContext(deps.db, today);
  const hit = contexts.get(deps.db);
  if (hit && hit.today === today && hit.until > now.getTime()) return hit.ctx;
  const ctx = segments.segmentContext(deps.db, today);
  contexts.set(deps.db, { today, until: now.getTime() + ttl, ctx });
  // A failed statement is not kept.
  ctx.catch(() => {
    if (contexts.get(deps.db)?.ctx === ctx) contexts.delete(deps.db);
  });
  return ctx;
}

/** A guest of a segment as the answers give it: value segment and RFM scores decided by the domain. */
function guestOut(g: segments.SegmentGuestRow, ctx: segments.SegmentContext, spent: number) {
  return {
    id: g.id,
    memberNumber: g.member_number,
    firstName: g.first_name,
    lastName: g.last_name,
    email: g.email,
    stage: g.stage,
    tier: g.tier,
    language: g.locale,
    marketingConsent: g.marketing_consent,
    value: valueSegment({ rank: g.value_rank, spenders: spent }, ctx.settings.value),
    /** Revenue of the last 12 months in the program currency (null: never stayed). */
    revenue: g.revenue,
    tenure: g.tenure,
    stays: Number(g.stays),
    /** Days since the last departure (null: never stayed). */
    recencyDays: g.recency_days === null ? null : Number(g.recency_days),
    /** RFM scores 1–5 (null: never stayed). */
    rfm:
      g.recency_days === null || !ctx.rfm
        ? null
        : rfmScores(
            { recencyDays: Number(g.recency_days), stays: Number(g.stays), revenue: Number(g.revenue) },
            ctx.rfm,
          ),
  };
}
export type SegmentGuest = ReturnType<typeof guestOut>;

/** How a segment was counted: the day, the spenders and the value segments' and RFM's bounds. */
function basisOut(ctx: segments.SegmentContext, spent: number) {
  return {
    /** The day the segment was counted on (UTC): tenure and the 12 months of revenue are counted from it. */
    asOf: ctx.today,
    /** Guests who spent in the last 12 months, and the last rank of each value segment among them. */
    spenders: spent,
    valueBounds: valueRankBounds(spent, ctx.settings.value),
    /** The base's quintile cut points of each RFM measure (null: no guest has a stay). */
    rfmCuts: ctx.rfm
      ? { recencyDays: [...ctx.rfm.recencyDays], stays: [...ctx.rfm.stays], revenue: [...ctx.rfm.revenue] }
      : null,
  };
}

export async function previewSegment(
  deps: SegmentsDeps,
  body: { definition: SegmentDefinition; limit: number },
  now = new Date(),
) {
  const ctx = await contextOf(deps, now);
  const found = await segments.previewSegment(deps.db, body.definition, ctx, body.limit);
  return {
    ...basisOut(ctx, found.spenders),
    count: found.count,
    guests: found.guests.map((g) => guestOut(g, ctx, found.spenders)),
  };
}

// ---------------------------------------------------------------------------------------------- cursors

/** The cursor as the answer gives it: the page's last guest in name order, base64url JSON. */
function cursorText(c: segments.NameCursor): string {
  return Buffer.from(JSON.stringify([c.lastName, c.firstName, c.id])).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The cursor an earlier answer gave (a 400 naming `cursor` for anything else). */
export function cursorOf(text: string | undefined): segments.NameCursor | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (
    Array.isArray(value) &&
    value.length === 3 &&
    value.every((v) => typeof v === 'string' && !v.includes('\u0000')) &&
    UUID.test(value[2] as string)
  ) {
    const [lastName, firstName, id] = value as [string, string, string];
    return { lastName, firstName, id };
  }
  throw new HttpError(400, 'validation_failed', `cursor: ${CURSOR_MESSAGE}`, { field: 'cursor' });
}

// ---------------------------------------------------------------------------------------------- saved

function savedOut(row: segments.SavedSegmentRow) {
  return {
    id: row.id,
    name: row.name,
    definition: row.definition,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    /** Set when archived: gone from the list, kept for what went to it. */
    archivedAt: row.archived_at ? row.archived_at.toISOString() : null,
  };
}
export type SavedSegment = ReturnType<typeof savedOut>;

const notFound = (id: string) => new HttpError(404, 'not_found', `no segment ${id}`, { field: 'id' });
const nameTaken = (name: string) =>
  new HttpError(409, 'name_taken', `a segment named "${name}" exists already`, { field: 'name' });

export async function createSegment(
  deps: SegmentsDeps,
  body: { name: string; definition: SegmentDefinition },
  by: string,
) {
  try {
    return { segment: savedOut(await segments.insertSegment(deps.db, { ...body, by })) };
  } catch (err) {
    if (segments.isNameTaken(err)) throw nameTaken(body.name);
    throw err;
  }
}

export async function listSegments(deps: SegmentsDeps) {
  return { segments: (await segments.listSegments(deps.db)).map(savedOut) };
}

async function found(deps: SegmentsDeps, id: string) {
  const row = await segments.getSegment(deps.db, id);
  if (!row) throw notFound(id);
  return row;
}

/** A saved segment with its count today. */
export async function getSegment(deps: SegmentsDeps, id: string, now = new Date()) {
  const row = await found(deps, id);
  const ctx = await contextOf(deps, now);
  const spent = await segments.spenders(deps.db, ctx);
  const count = await segments.countSegment(deps.db, row.definition, ctx, spent);
  return { segment: savedOut(row), ...basisOut(ctx, spent), count };
}

export async function updateSegment(
  deps: SegmentsDeps,
  id: string,
  body: { name?: string | undefined; definition?: SegmentDefinition | undefined },
  by: string,
) {
  try {
    const row = await segments.updateSegment(deps.db, id, { ...body, by });
    if (!row) throw notFound(id);
    return { segment: savedOut(row) };
  } catch (err) {
    if (segments.isNameTaken(err)) throw nameTaken(body.name ?? '');
    throw err;
  }
}

export async function archiveSegment(deps: SegmentsDeps, id: string, by: string) {
  const row = await segments.archiveSegment(deps.db, id, by);
  if (!row) throw notFound(id);
  return { segment: savedOut(row) };
}

/** A page of a saved segment's guests by name; `nextCursor` asks for the next (null: no more). */
export async function segmentGuests(
  deps: SegmentsDeps,
  id: string,
  page: { limit: number; cursor?: string | undefined },
  now = new Date(),
) {
  const after = cursorOf(page.cursor);
  const row = await found(deps, id);
  const ctx = await contextOf(deps, now);
  const spent = await segments.spenders(deps.db, ctx);
  const got = await segments.segmentPage(deps.db, row.definition, ctx, spent, { limit: page.limit, after });
  return {
    asOf: ctx.today,
    guests: got.rows.map((g) => guestOut(g, ctx, spent)),
    nextCursor: got.next ? cursorText(got.next) : null,
  };
}

// ---------------------------------------------------------------------------------------------- CSV

/** The columns of a segment's CSV, in order (docs/segments.md). */
export const SEGMENT_CSV_COLUMNS = [
  'id',
  'member_number',
  'first_name',
  'last_name',
  'email',
  'language',
  'marketing_consent',
  'stage',
  'tier',
  'value',
  'tenure',
  'revenue',
  'stays',
  'recency_days',
  'rfm_recency',
  'rfm_frequency',
  'rfm_monetary',
] as const;

/** Rows fetched from the cursor at a time. */
const CSV_BATCH = 1000;

/** Writes `chunk`, waiting while the client drains; false when the client went away. */
function write(res: Response, chunk: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * Streams rows as CSV: the header, then each batch as the cursor gives it. A failure after the first byte
 * can only cut the download short (the status is sent): the connection is closed, so the file is visibly
 * incomplete, and the export's row stays without a count.
 */
async function streamCsv<R>(
  deps: SegmentsDeps,
  res: Response,
  file: { name: string; fallback: string; exportId: number },
  header: readonly string[],
  rows: (each: (batch: R[]) => Promise<boolean>) => Promise<void>,
  line: (row: R) => readonly CsvValue[],
): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', attachment(file.name, file.fallback));
  res.setHeader('Cache-Control', 'no-store');
  let written = 0;
  try {
    await write(res, BOM + csvLine(header));
    await rows(async (batch) => {
      const ok = await write(res, batch.map((r) => csvLine(line(r))).join(''));
      written += batch.length;
      return ok;
    });
    if (!res.destroyed) {
      // Recorded before the last byte goes, so a client that has the whole file finds the export counted.
      await segments.finishExport(deps.db, file.exportId, written);
      res.end();
    }
  } catch (err) {
    deps.logger?.error({ err, exportId: file.exportId }, 'CSV export broke off');
    res.destroy(err as Error);
  }
}

/** `GET /v1/segments/:id/export.csv`: every guest of a saved segment, streamed; the export is recorded. */
export async function exportSegment(
  deps: SegmentsDeps,
  id: string,
  res: Response,
  by: string,
  now = new Date(),
): Promise<void> {
  const row = await found(deps, id);
  const ctx = await contextOf(deps, now);
  const spent = await segments.spenders(deps.db, ctx);
  const exportId = await segments.recordExport(deps.db, { segmentId: id, kind: 'segment', by });
  await streamCsv<segments.SegmentGuestRow>(
    deps,
    res,
    { name: `${row.name} ${ctx.today}.csv`, fallback: `segment-${ctx.today}.csv`, exportId },
    SEGMENT_CSV_COLUMNS,
    (each) =>
      segments.eachBatch(deps.db, segments.segmentRows(deps.db, row.definition, ctx, spent), CSV_BATCH, each),
    (r) => {
      const g = guestOut(r, ctx, spent);
      return [
        g.id,
        g.memberNumber,
        g.firstName,
        g.lastName,
        g.email,
        g.language,
        g.marketingConsent,
        g.stage,
        g.tier,
        g.value,
        g.tenure,
        g.revenue,
        g.stays,
        g.recencyDays,
        g.rfm?.r,
        g.rfm?.f,
        g.rfm?.m,
      ];
    },
  );
}

// ---------------------------------------------------------------------------------------------- forecast

function forecastOut(r: segments.ForecastRow, fc: segments.ForecastContext) {
  const activity = { stays: Number(r.stays), nights: Number(r.nights), basePoints: Number(r.base_points) };
  const f = requalificationForecast({
    tier: r.tier as Tier,
    floor: (r.tier_floor as Tier | null) ?? null,
    activity,
    tiers: fc.tiers,
  });
  return {
    id: r.id,
    memberNumber: r.member_number,
    firstName: r.first_name,
    lastName: r.last_name,
    email: r.email,
    language: r.locale,
    tier: r.tier,
    /** What the review would decide on this year's activity as it stands. */
    forecast: f?.forecast ?? r.tier,
    floor: r.tier_floor,
    activity,
    /** Nights or stays still missing to keep the tier: either is enough. */
    short: f?.short ?? { nights: 0, stays: 0 },
  };
}
export type ForecastEntry = ReturnType<typeof forecastOut>;

/**
 * `GET /v1/segments/forecast`: the members the next review (1 January) moves down if nothing changes, each with
 * the nights or stays they are short, by name; the count and the count per tier held.
 */
export async function forecast(
  deps: SegmentsDeps,
  q: { tier?: string | undefined; limit: number; cursor?: string | undefined },
  now = new Date(),
) {
  const after = cursorOf(q.cursor);
  const fc = await segments.forecastContext(deps.db, todayOf(now));
  const filter = { tier: q.tier };
  const [counted, page] = await Promise.all([
    segments.countForecast(deps.db, fc, filter),
    segments.forecastPage(deps.db, fc, filter, { limit: q.limit, after }),
  ]);
  return {
    /** The year whose stays count, and the review's day. */
    year: fc.year,
    reviewOn: fc.reviewOn,
    count: counted.count,
    byTier: counted.byTier,
    members: page.rows.map((r) => forecastOut(r, fc)),
    nextCursor: page.next ? cursorText(page.next) : null,
  };
}

export const FORECAST_CSV_COLUMNS = [
  'id',
  'member_number',
  'first_name',
  'last_name',
  'email',
  'language',
  'tier',
  'forecast_tier',
  'floor',
  'stays',
  'nights',
  'base_points',
  'short_nights',
  'short_stays',
] as const;

/** `GET /v1/segments/forecast.csv`: the whole forecast, streamed; the export is recorded. */
export async function exportForecast(
  deps: SegmentsDeps,
  q: { tier?: string | undefined },
  res: Response,
  by: string,
  now = new Date(),
): Promise<void> {
  const fc = await segments.forecastContext(deps.db, todayOf(now));
  const exportId = await segments.recordExport(deps.db, { segmentId: null, kind: 'forecast', by });
  await streamCsv<segments.ForecastRow>(
    deps,
    res,
    {
      name: `requalification ${fc.reviewOn}.csv`,
      fallback: `requalification-${fc.reviewOn}.csv`,
      exportId,
    },
    FORECAST_CSV_COLUMNS,
    (each) =>
      segments.eachBatch(deps.db, segments.forecastRows(deps.db, fc, { tier: q.tier }), CSV_BATCH, each),
    (r) => {
      const m = forecastOut(r, fc);
      return [
        m.id,
        m.memberNumber,
        m.firstName,
        m.lastName,
        m.email,
        m.language,
        m.tier,
        m.forecast,
        m.floor,
        m.activity.stays,
        m.activity.nights,
        m.activity.basePoints,
        m.short.nights,
        m.short.stays,
      ];
    },
  );
}
