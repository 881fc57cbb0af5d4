/**
 * The member import (docs/import.md), shared by `npm run import -- members.csv` (cli/import-members.ts) and the
 * admin upload (`POST /v1/admin/imports`, api/imports/router.ts):
 *
 * 1. the file's SHA-256 names the import (`imports`): a finished file is not read again (a second run changes
 *    nothing); an interrupted one continues after its last committed line;
 * 2. the file is streamed through csv-parse; each line is checked (api/imports/schema.ts, the PMS intake's field
 *    helpers); every `batchSize` lines (default 500) one transaction writes the good ones — guest and membership,
 *    profile and consent, the opening balance as an `import` ledger row, the tier as an `import` tier row — the bad
 *    ones by line and field, the counts and the last line (db/repositories/imports.ts `writeBatch`);
 * 3. then each imported guest's workflow, at most `workflowConcurrency` (default 50) at a time
 *    (api/imports/workflows.ts): a new guest's is started, a changed guest's reloads from the record;
 * 4. the report of bad lines is written as CSV (`reportDir`, default `.data/imports/`).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { parse } from 'csv-parse';
import type { Logger } from 'pino';
import type { Db } from '../../db/knex.js';
import * as audit from '../../db/repositories/audit.js';
import * as imports from '../../db/repositories/imports.js';
import { stageFromHistory } from '../../domain/stages.js';
import {
  MEMBER_COLUMNS,
  parseMemberRow,
  REQUIRED_COLUMNS,
  type MemberColumn,
  type MemberRow,
} from './schema.js';
import { startImportedWorkflows } from './workflows.js';

export const MEMBER_IMPORT = 'members';
export const IMPORT_AUDIT_ACTION = 'members.imported';
export const DEFAULT_BATCH_SIZE = 500;
export const DEFAULT_WORKFLOW_CONCURRENCY = 50;
export const DEFAULT_REPORT_DIR = path.join('.data', 'imports');

export interface ImportDeps {
  db: Db;
  /** Without it the import stops after the rows (status `workflows`); a later run with it starts them. */
  temporal?: Client | undefined;
  taskQueue?: string | undefined;
  logger?: Pick<Logger, 'warn' | 'info'> | undefined;
}

export interface ImportProgress {
  importId: number;
  phase: 'rows' | 'workflows';
  bytesRead: number;
  bytesTotal: number;
  rowsRead: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  workflowsDone: number;
  workflowsTotal: number;
}

export interface ImportOptions {
  filePath: string;
  /** The name shown in the list (default: the file's base name). */
  fileName?: string;
  /** Who imports: the API key's name, or `cli:<user>`. */
  actor: string;
  batchSize?: number;
  workflowConcurrency?: number;
  reportDir?: string;
  onProgress?: (p: ImportProgress) => void;
  /** Called once the import's row exists (the upload answers with its id). */
  onStarted?: (row: imports.ImportRow) => void;
  /** A fault for tests: throw after this many committed batches, as a killed process would stop. */
  failAfterBatches?: number;
  now?: () => Date;
}

export interface ImportResult {
  import: imports.ImportRow;
  /** The file had been imported before: nothing was read or written. */
  alreadyImported: boolean;
}

/** The file's problem that stops the import before any line (a header without a required column…). */
export class ImportFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFileError';
  }
}

export async function hashFile(filePath: string): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(filePath)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { hash: hash.digest('hex'), bytes };
}

/** The report of bad lines as CSV: `line,field,message`. */
export function reportCsv(problems: { line: number; field: string; message: string }[]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return ['line,field,message', ...problems.map((p) => [p.line, p.field, p.message].map(cell).join(','))]
    .map((l) => `${l}\n`)
    .join('');
}

/** The header as columns, or the reason the file cannot be imported. */
function columnsOf(header: string[]): MemberColumn[] {
  const names = header.map((h) => h.trim().toLowerCase());
  const unknown = names.filter((n) => !(MEMBER_COLUMNS as readonly string[]).includes(n));
  if (unknown.length) throw new ImportFileError(`line 1: unknown column ${unknown.join(', ')}`);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length) throw new ImportFileError(`line 1: column ${twice[0]} appears twice`);
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length) throw new ImportFileError(`line 1: missing column ${missing.join(', ')}`);
  return names as MemberColumn[];
}

const profileKey = (source: string, id: string) => `${source}\u0000${id}`;

/** The same file is being imported by another run (this process or another): the caller waits or says so. */
export class ImportRunningError extends Error {
  constructor(readonly importId: number | undefined) {
    super('this file is being imported by another run now');
    this.name = 'ImportRunningError';
  }
}

/** Imports the file (or continues or skips it, by its hash); one run of a file at a time. */
export async function importMembers(deps: ImportDeps, opts: ImportOptions): Promise<ImportResult> {
  const { hash, bytes } = await hashFile(opts.filePath);
  const lock = await imports.lockRun(deps.db, hash);
  if (!lock) throw new ImportRunningError((await imports.findByHash(deps.db, MEMBER_IMPORT, hash))?.id);
  try {
    return await runImport(deps, opts, hash, bytes);
  } finally {
    await lock.release();
  }
}

async function runImport(
  deps: ImportDeps,
  opts: ImportOptions,
  hash: string,
  bytes: number,
): Promise<ImportResult> {
  const { db } = deps;
  const now = opts.now ?? (() => new Date());
  const { row: started } = await imports.startOrFind(db, {
    kind: MEMBER_IMPORT,
    fileName: opts.fileName ?? path.basename(opts.filePath),
    hash,
    bytes,
    actor: opts.actor,
  });
  opts.onStarted?.(started);
  if (started.status === 'finished') return { import: started, alreadyImported: true };
  const importId = started.id;
  if (started.audit_id === null) {
    const auditId = await audit.recordReturningId(db, {
      actor: opts.actor,
      action: IMPORT_AUDIT_ACTION,
      subject: `import:${importId}`,
      after: { fileHash: hash, bytes },
    });
    await imports.setAudit(db, importId, auditId);
  }
  try {
    if (started.rows_done_at === null) {
      await imports.setStatus(db, importId, 'running', { error: null });
      await importRows(deps, opts, importId, started.last_line, bytes, now);
      await imports.setStatus(db, importId, 'workflows', { rowsDone: true });
    } else {
      await imports.setStatus(db, importId, 'workflows', { error: null });
    }
    if (!deps.temporal || !deps.taskQueue)
      return { import: (await imports.findById(db, importId))!, alreadyImported: false };
    const row = (await imports.findById(db, importId))!;
    await startImportedWorkflows(
      { db, temporal: deps.temporal, taskQueue: deps.taskQueue },
      {
        importId,
        requestId: String(row.audit_id),
        concurrency: opts.workflowConcurrency ?? DEFAULT_WORKFLOW_CONCURRENCY,
        onProgress: (done, total) =>
          opts.onProgress?.({
            importId,
            phase: 'workflows',
            bytesRead: bytes,
            bytesTotal: bytes,
            rowsRead: row.rows_read,
            created: row.created,
            updated: row.updated,
            unchanged: row.unchanged,
            rejected: row.rejected,
            workflowsDone: done,
            workflowsTotal: total,
          }),
      },
    );
    const reportPath = path.join(opts.reportDir ?? DEFAULT_REPORT_DIR, `import-${importId}-report.csv`);
    await mkdir(path.dirname(reportPath), { recursive: true });
    await writeFile(reportPath, reportCsv(await imports.problems(db, importId)));
    await imports.setStatus(db, importId, 'finished', { reportPath, finished: true });
    return { import: (await imports.findById(db, importId))!, alreadyImported: false };
  } catch (err) {
    // The run stops here; what was committed stays, and the next run of the file continues from it.
    const message =
      err instanceof ImportFileError ? err.message : 'interrupted: run the import again to continue';
    await imports.setStatus(db, importId, 'failed', { error: message }).catch(() => undefined);
    throw err;
  }
}

interface PendingLine {
  line: number;
  row?: MemberRow;
  problems?: { line: number; field: string; message: string }[];
}

/** Reads the file from after `lastLine` and writes it batch by batch. */
async function importRows(
  deps: ImportDeps,
  opts: ImportOptions,
  importId: number,
  lastLine: number,
  bytesTotal: number,
  now: () => Date,
): Promise<void> {
  const { db } = deps;
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  // What earlier lines (of an interrupted run) took: a member number or profile twice in a file is a bad line.
  const numbers = new Map<string, number>();
  const profiles = new Map<string, number>();
  for (const t of await imports.takenKeys(db, importId)) {
    numbers.set(t.member_number, t.line);
    profiles.set(profileKey(t.source, t.pms_profile_id), t.line);
  }
  const counts = { rowsRead: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 };
  const progress = (bytesRead: number) =>
    opts.onProgress?.({
      importId,
      phase: 'rows',
      bytesRead,
      bytesTotal,
      ...counts,
      workflowsDone: 0,
      workflowsTotal: 0,
    });
  {
    const before = (await imports.findById(db, importId))!;
    Object.assign(counts, {
      rowsRead: before.rows_read,
      created: before.created,
      updated: before.updated,
      unchanged: before.unchanged,
      rejected: before.rejected,
    });
  }

  const file = createReadStream(opts.filePath);
  const parser = file.pipe(
    parse({
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    }),
  );
  let columns: MemberColumn[] | undefined;
  let batch: PendingLine[] = [];
  let batches = 0;

  const flush = async () => {
    if (!batch.length) return;
    const lines = batch;
    batch = [];
    const summary = await writeLines(db, importId, lines, now(), file.bytesRead);
    counts.rowsRead += lines.length;
    counts.created += summary.created;
    counts.updated += summary.updated;
    counts.unchanged += summary.unchanged;
    counts.rejected += summary.rejected;
    progress(file.bytesRead);
    batches++;
    if (opts.failAfterBatches !== undefined && batches >= opts.failAfterBatches)
      throw new Error(`fault injected after ${batches} batches`);
  };

  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!columns) {
        columns = columnsOf(record);
        continue;
      }
      const line = info.lines;
      if (line <= lastLine) continue;
      if (record.length !== columns.length) {
        batch.push({
          line,
          problems: [
            { line, field: '(row)', message: `has ${record.length} fields, the header ${columns.length}` },
          ],
        });
      } else {
        const cells: Partial<Record<MemberColumn, string>> = {};
        columns.forEach((c, i) => (cells[c] = record[i]));
        const parsed = parseMemberRow(line, cells, now().getTime());
        if ('problems' in parsed) batch.push({ line, problems: parsed.problems });
        else {
          const r = parsed.row;
          const key = profileKey(r.source, r.profileId);
          const numberAt = numbers.get(r.memberNumber);
          const profileAt = profiles.get(key);
          if (numberAt !== undefined)
            batch.push({
              line,
              problems: [
                { line, field: 'member_number', message: `appears again (first at line ${numberAt})` },
              ],
            });
          else if (profileAt !== undefined)
            batch.push({
              line,
              problems: [
                {
                  line,
                  field: r.source === 'pms' ? 'pms_profile_id' : 'external_id',
                  message: `appears again (first at line ${profileAt})`,
                },
              ],
            });
          else {
            numbers.set(r.memberNumber, line);
            profiles.set(key, line);
            batch.push({ line, row: r });
          }
        }
      }
      if (batch.length >= batchSize) await flush();
    }
    if (!columns) throw new ImportFileError('line 1: the file is empty (a header is required)');
    await flush();
  } finally {
    file.destroy();
  }
}

/** One batch in one transaction: plan against the locked guests, then write. */
async function writeLines(db: Db, importId: number, lines: PendingLine[], now: Date, bytesRead: number) {
  return db.transaction(async (trx) => {
    const good = lines.filter((l): l is PendingLine & { row: MemberRow } => l.row !== undefined);
    const existing = await imports.existingGuests(
      trx,
      good.map((l) => l.row.memberNumber),
      good.map((l) => ({ source: l.row.source, profileId: l.row.profileId })),
    );
    const byNumber = new Map(existing.filter((g) => g.member_number).map((g) => [g.member_number!, g]));
    const byProfile = new Map(existing.map((g) => [profileKey(g.source, g.pms_profile_id), g]));
    const plan: imports.BatchPlan = {
      importId,
      lastLine: Math.max(...lines.map((l) => l.line)),
      bytesRead,
      rowsRead: lines.length,
      now,
      inserts: [],
      updates: [],
      points: [],
      tiers: [],
      members: [],
      problems: lines.flatMap((l) => l.problems ?? []),
      consents: [],
    };
    const targeted = new Set<string>();
    for (const { line, row } of good) {
      const problem = (field: string, message: string) => plan.problems.push({ line, field, message });
      const profileField = row.source === 'pms' ? 'pms_profile_id' : 'external_id';
      const g1 = byNumber.get(row.memberNumber);
      const g2 = byProfile.get(profileKey(row.source, row.profileId));
      if (g1 && g2 && g1.id !== g2.id) {
        problem('member_number', `belongs to another guest than the ${profileField} of the line`);
        continue;
      }
      if (!g1 && g2?.member_number) {
        problem(profileField, `is the profile of member ${g2.member_number}, not ${row.memberNumber}`);
        continue;
      }
      const target = g1 ?? g2;
      if (!target) {
        const id = randomUUID();
        const stage = stageFromHistory({ totalStays: 0, tier: row.tier, enrolled: true });
        plan.inserts.push({ id, stage, row });
        if (row.points > 0)
          plan.points.push({
            guestId: id,
            memberNumber: row.memberNumber,
            points: row.points,
            balanceAfter: row.points,
          });
        if (row.tier !== 'member')
          plan.tiers.push({
            guestId: id,
            memberNumber: row.memberNumber,
            tier: row.tier,
            previous: 'member',
            line,
          });
        plan.members.push({ line, guestId: id, row, outcome: 'created' });
        plan.consents.push({ guestId: id, from: null, to: row.marketingConsent, at: row.consentAt });
        continue;
      }
      if (target.erased) {
        problem('member_number', 'names a guest who was erased: an erased guest is not imported again');
        continue;
      }
      if (targeted.has(target.id)) {
        problem('member_number', 'names a guest another line of this batch names');
        continue;
      }
      targeted.add(target.id);
      // The file says what the balance is; imports before it gave `imported_points`: the difference corrects it.
      const difference = row.points - target.imported_points;
      if (difference !== 0 && target.balance + difference < 0) {
        problem(
          'points_balance',
          `would take the balance below 0 (the guest holds ${target.balance} points, ${target.imported_points} of them imported)`,
        );
        continue;
      }
      const profileChanged =
        target.member_number !== row.memberNumber ||
        target.first_name !== row.firstName ||
        target.last_name !== row.lastName ||
        target.email !== row.email ||
        target.phone !== row.phone ||
        target.locale !== row.locale ||
        target.timezone !== row.timezone ||
        target.birthday !== row.birthday ||
        target.marketing_consent !== row.marketingConsent ||
        target.enrolled_on !== row.enrolledOn ||
        target.home_property !== row.homeProperty;
      if (profileChanged) plan.updates.push({ id: target.id, row });
      if (target.marketing_consent !== row.marketingConsent)
        plan.consents.push({
          guestId: target.id,
          from: target.marketing_consent,
          to: row.marketingConsent,
          at: row.consentAt,
        });
      if (difference !== 0)
        plan.points.push({
          guestId: target.id,
          memberNumber: row.memberNumber,
          points: difference,
          balanceAfter: target.balance + difference,
        });
      const tierChanged = target.tier !== row.tier;
      if (tierChanged)
        plan.tiers.push({
          guestId: target.id,
          memberNumber: row.memberNumber,
          tier: row.tier,
          previous: target.tier,
          line,
        });
      const outcome = profileChanged || difference !== 0 || tierChanged ? 'updated' : 'unchanged';
      plan.members.push({ line, guestId: target.id, row, outcome });
    }
    await imports.writeBatch(trx, plan);
    return {
      created: plan.inserts.length,
      updated: plan.members.filter((m) => m.outcome === 'updated').length,
      unchanged: plan.members.filter((m) => m.outcome === 'unchanged').length,
      rejected: new Set(plan.problems.map((p) => p.line)).size,
    };
  });
}
