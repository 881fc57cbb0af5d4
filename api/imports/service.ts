/**
 * The admin's member imports over HTTP (api/imports/router.ts): an uploaded CSV is streamed to disk (hashed as it
 * comes), then imported in the background by api/imports/members.ts; the list, one import with its progress
 * (rate and ETA), and its report of bad lines.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../../db/knex.js';
import * as imports from '../../db/repositories/imports.js';
import { HttpError } from '../errors.js';
import {
  DEFAULT_REPORT_DIR,
  importMembers,
  ImportRunningError,
  MEMBER_IMPORT,
  reportCsv,
} from './members.js';

export interface ImportServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  logger?: Pick<Logger, 'warn' | 'info'> | undefined;
  /** Where uploads and reports go (default `.data/imports`). */
  dir?: string | undefined;
  /** The largest upload (default 200 MB: some 1.5 million lines). */
  maxBytes?: number | undefined;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

/** Imports running in this process, by file hash: an upload of the same file meanwhile is refused. */
const running = new Map<string, Promise<unknown>>();

export interface ImportView {
  id: number;
  fileName: string;
  fileHash: string;
  fileBytes: number;
  /** `running` (lines), `workflows` (starting the guests' workflows), `finished`, `failed` (run it again). */
  status: imports.ImportStatus;
  createdBy: string;
  startedAt: string;
  rowsDoneAt: string | null;
  finishedAt: string | null;
  error: string | null;
  rows: { read: number; created: number; updated: number; unchanged: number; rejected: number };
  workflows: { total: number; done: number };
  progress: {
    /** 0 to 1 over the whole import: the lines as bytes of the file, then the workflows. */
    fraction: number;
    /** Lines a second so far (of this import's lines), or null before the first batch. */
    rowsPerSecond: number | null;
    /** Seconds left at the rate so far, or null when unknown or done. */
    etaSeconds: number | null;
  };
  /** `GET /v1/admin/imports/:id/report`: the bad lines as CSV. */
  reportUrl: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function viewOf(row: imports.ImportRow, nowMs = Date.now()): ImportView {
  const started = row.started_at.getTime();
  const rowsEnd = row.rows_done_at?.getTime() ?? (row.status === 'running' ? nowMs : null);
  const rowSeconds = rowsEnd === null ? null : Math.max(0.001, (rowsEnd - started) / 1000);
  const rowsPerSecond = rowSeconds !== null && row.rows_read > 0 ? row.rows_read / rowSeconds : null;
  const byteShare = row.file_bytes > 0 ? Math.min(1, row.bytes_read / row.file_bytes) : 1;
  const wfShare = row.workflows_total > 0 ? row.workflows_done / row.workflows_total : 0;
  let fraction: number;
  let etaSeconds: number | null = null;
  if (row.status === 'finished') fraction = 1;
  else if (row.rows_done_at === null) {
    fraction = byteShare * 0.8;
    if (rowSeconds !== null && row.bytes_read > 0 && row.status === 'running')
      etaSeconds = ((row.file_bytes - row.bytes_read) * rowSeconds) / row.bytes_read;
  } else {
    fraction = 0.8 + 0.2 * wfShare;
    const wfSeconds = (nowMs - row.rows_done_at.getTime()) / 1000;
    if (row.status === 'workflows' && row.workflows_done > 0 && wfSeconds > 0)
      etaSeconds = ((row.workflows_total - row.workflows_done) * wfSeconds) / row.workflows_done;
  }
  return {
    id: row.id,
    fileName: row.file_name,
    fileHash: row.file_hash,
    fileBytes: row.file_bytes,
    status: row.status,
    createdBy: row.created_by,
    startedAt: row.started_at.toISOString(),
    rowsDoneAt: iso(row.rows_done_at),
    finishedAt: iso(row.finished_at),
    error: row.error,
    rows: {
      read: row.rows_read,
      created: row.created,
      updated: row.updated,
      unchanged: row.unchanged,
      rejected: row.rejected,
    },
    workflows: { total: row.workflows_total, done: row.workflows_done },
    progress: {
      fraction: Math.round(fraction * 1000) / 1000,
      rowsPerSecond: rowsPerSecond === null ? null : Math.round(rowsPerSecond),
      etaSeconds: etaSeconds === null ? null : Math.ceil(etaSeconds),
    },
    reportUrl: `/v1/admin/imports/${row.id}/report`,
  };
}

/** A file name as shown in the list: the base name, printable, at most 200 characters. */
export function cleanFileName(raw: string | undefined): string {
  const base = path.basename(String(raw ?? '').replace(/\\/g, '/'));
  const printable = base.replace(/[\p{Cc}\u2028\u2029]/gu, '').trim();
  return printable.slice(0, 200) || 'upload.csv';
}

/**
 * `POST /v1/admin/imports`: the body (the CSV) to disk, then the import in the background. 202 with the import
 * (new or continued), 200 with the finished import when this file was imported before (nothing changes).
 */
export async function uploadImport(
  deps: ImportServiceDeps,
  body: Readable,
  input: { fileName: string; actor: string },
): Promise<{ status: 200 | 202; view: ImportView; alreadyImported: boolean }> {
  const dir = deps.dir ?? DEFAULT_REPORT_DIR;
  const uploads = path.join(dir, 'uploads');
  await mkdir(uploads, { recursive: true });
  const maxBytes = deps.maxBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const hash = createHash('sha256');
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        done(
          new HttpError(413, 'payload_too_large', `body is larger than ${maxBytes} bytes`, {
            field: '(body)',
            limit: maxBytes,
          }),
        );
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const tmp = path.join(uploads, `${randomUUID()}.csv`);
  try {
    await pipeline(body, counter, createWriteStream(tmp));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (bytes === 0) {
    await rm(tmp, { force: true });
    throw new HttpError(400, 'validation_failed', '(body): the CSV file is empty', { field: '(body)' });
  }
  const digest = hash.digest('hex');
  const known = await imports.findByHash(deps.db, MEMBER_IMPORT, digest);
  if (known?.status === 'finished') {
    await rm(tmp, { force: true });
    return { status: 200, view: viewOf(known), alreadyImported: true };
  }
  if (running.has(digest)) {
    await rm(tmp, { force: true });
    throw new HttpError(409, 'import_running', 'this file is being imported now', {
      field: '(body)',
      importId: known?.id,
    });
  }
  const file = path.join(uploads, `${digest}.csv`);
  await rename(tmp, file);
  let resolveStarted!: (row: imports.ImportRow) => void;
  let rejectStarted!: (err: unknown) => void;
  const startedRow = new Promise<imports.ImportRow>((res, rej) => {
    resolveStarted = res;
    rejectStarted = rej;
  });
  const run = importMembers(
    { db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, logger: deps.logger },
    {
      filePath: file,
      fileName: input.fileName,
      actor: input.actor,
      reportDir: dir,
      onStarted: resolveStarted,
    },
  )
    .then(async () => {
      await rm(file, { force: true });
    })
    .catch((err: unknown) => {
      rejectStarted(err);
      deps.logger?.warn(
        { err, fileHash: digest },
        'member import stopped; upload the file again to continue',
      );
    })
    .finally(() => running.delete(digest));
  running.set(digest, run);
  let row: imports.ImportRow;
  try {
    row = await startedRow;
  } catch (err) {
    if (err instanceof ImportRunningError)
      throw new HttpError(409, 'import_running', 'this file is being imported now', {
        field: '(body)',
        importId: err.importId,
      });
    throw err;
  }
  return { status: 202, view: viewOf(row), alreadyImported: false };
}

/** Waits for the imports running in this process (tests; a graceful shutdown). */
export async function settleImports(): Promise<void> {
  await Promise.all([...running.values()]);
}

export async function listImports(deps: Pick<ImportServiceDeps, 'db'>): Promise<{ imports: ImportView[] }> {
  const now = Date.now();
  return { imports: (await imports.list(deps.db)).map((r) => viewOf(r, now)) };
}

async function mustFind(deps: Pick<ImportServiceDeps, 'db'>, id: number) {
  const row = await imports.findById(deps.db, id);
  if (!row) throw new HttpError(404, 'import_not_found', `no import with id ${id}`, { field: 'id' });
  return row;
}

export async function getImport(deps: Pick<ImportServiceDeps, 'db'>, id: number): Promise<ImportView> {
  return viewOf(await mustFind(deps, id));
}

/** The bad lines as CSV (`line,field,message`), from the database: complete even while the import runs. */
export async function importReport(deps: Pick<ImportServiceDeps, 'db'>, id: number): Promise<string> {
  await mustFind(deps, id);
  return reportCsv(await imports.problems(deps.db, id));
}
