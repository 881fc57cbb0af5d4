/**
 * Admins' drafts of a program rules version (`program_rules_drafts`, migration 026): saved whole, with who created
 * and last saved each and when, and a revision that every save raises. api/program/drafts.ts decides; these
 * functions remember. A draft is never deleted: it ends published (the version it became) or discarded.
 */
import type { Knex } from 'knex';
import type { ProgramRules } from '../../domain/program.js';

export interface RulesDraft {
  id: number;
  rules: ProgramRules;
  basedOnVersion: number | null;
  note: string | null;
  revision: number;
  createdBy: string;
  createdAt: Date;
  updatedBy: string;
  updatedAt: Date;
  publishedVersion: number | null;
  publishedBy: string | null;
  publishedAt: Date | null;
  discardedBy: string | null;
  discardedAt: Date | null;
}

interface DraftRow {
  id: number;
  rules: ProgramRules;
  based_on_version: number | null;
  note: string | null;
  revision: number;
  created_by: string;
  created_at: Date;
  updated_by: string;
  updated_at: Date;
  published_version: number | null;
  published_by: string | null;
  published_at: Date | null;
  discarded_by: string | null;
  discarded_at: Date | null;
}

const fromRow = (r: DraftRow): RulesDraft => ({
  id: Number(r.id),
  rules: r.rules,
  basedOnVersion: r.based_on_version,
  note: r.note,
  revision: r.revision,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedBy: r.updated_by,
  updatedAt: r.updated_at,
  publishedVersion: r.published_version,
  publishedBy: r.published_by,
  publishedAt: r.published_at,
  discardedBy: r.discarded_by,
  discardedAt: r.discarded_at,
});

export async function createDraft(
  db: Knex,
  input: { rules: ProgramRules; basedOnVersion: number | null; note: string | null; actor: string },
): Promise<RulesDraft> {
  const [row] = await db('program_rules_drafts')
    .insert({
      rules: JSON.stringify(input.rules),
      based_on_version: input.basedOnVersion,
      note: input.note,
      created_by: input.actor,
      updated_by: input.actor,
    })
    .returning<DraftRow[]>('*');
  return fromRow(row!);
}

/** One draft; `lock`: its row locked until the transaction `db` ends. */
export async function draftById(
  db: Knex,
  id: number,
  opts: { lock?: boolean } = {},
): Promise<RulesDraft | undefined> {
  const q = db('program_rules_drafts').where({ id }).first<DraftRow | undefined>('*');
  if (opts.lock) void q.forUpdate();
  const row = await q;
  return row ? fromRow(row) : undefined;
}

/** The drafts neither published nor discarded, the last saved first. */
export async function openDrafts(db: Knex): Promise<RulesDraft[]> {
  const rows = await db('program_rules_drafts')
    .whereNull('published_version')
    .whereNull('discarded_at')
    .orderBy([
      { column: 'updated_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .select<DraftRow[]>('*');
  return rows.map(fromRow);
}

/** Saves the draft's rules and note (the caller has checked its revision under the row's lock): revision + 1. */
export async function saveDraft(
  db: Knex,
  input: { id: number; rules: ProgramRules; note: string | null; actor: string },
): Promise<RulesDraft> {
  const [row] = await db('program_rules_drafts')
    .where({ id: input.id })
    .update({
      rules: JSON.stringify(input.rules),
      note: input.note,
      revision: db.raw('revision + 1'),
      updated_by: input.actor,
      updated_at: db.fn.now(),
    })
    .returning<DraftRow[]>('*');
  return fromRow(row!);
}

export async function markPublished(
  db: Knex,
  input: { id: number; version: number; actor: string },
): Promise<RulesDraft> {
  const [row] = await db('program_rules_drafts')
    .where({ id: input.id })
    .update({ published_version: input.version, published_by: input.actor, published_at: db.fn.now() })
    .returning<DraftRow[]>('*');
  return fromRow(row!);
}

export async function markDiscarded(db: Knex, input: { id: number; actor: string }): Promise<RulesDraft> {
  const [row] = await db('program_rules_drafts')
    .where({ id: input.id })
    .update({ discarded_by: input.actor, discarded_at: db.fn.now() })
    .returning<DraftRow[]>('*');
  return fromRow(row!);
}
