/**
 * Admins' drafts of a rules version and the tier-change preview (docs/program.md "Drafts and the tier-change
 * preview"):
 * - a draft is a row (`program_rules_drafts`, db/repositories/rules-drafts.ts), whole and valid as a version
 *   would be (api/program/schema.ts `rulesSchema`), saved with who and when; each save names the revision it was
 *   made from, and an older one is a 409, so two admins do not overwrite each other unseen;
 * - publishing it is `publishRules` (api/program/service.ts) in the same transaction as the draft's lock and its
 *   mark, audited (`program.rules_published`, with the draft's id); a refusal writes nothing;
 * - the preview decides the next review over the whole base by the version that would decide it and by the
 *   draft's tiers (domain/tier-review.ts on db/repositories/rules-preview.ts): the same decision as the review's.
 */
import type { Knex } from 'knex';
import * as lifecycle from '../../db/repositories/lifecycle.js';
import * as drafts from '../../db/repositories/rules-drafts.js';
import { reviewFacts } from '../../db/repositories/rules-preview.js';
import { DEFAULT_RULES } from '../../domain/default-rules.js';
import { versionInForce, type ProgramRules } from '../../domain/program.js';
import { activityCuts, previewTierChanges } from '../../domain/tier-review.js';
import { HttpError, validationError } from '../errors.js';
import { rulesSchema } from './schema.js';
import { publishInTransaction, type ProgramServiceDeps } from './service.js';

type Deps = Pick<ProgramServiceDeps, 'db'>;

/** The drafts not yet published or discarded, the last saved first. */
export async function listDrafts(deps: Deps) {
  return { drafts: await drafts.openDrafts(deps.db) };
}

export async function getDraft(deps: Deps, id: number) {
  const draft = await drafts.draftById(deps.db, id);
  if (!draft) throw notFound(id);
  return draft;
}

export async function createDraft(
  deps: Deps,
  input: {
    rules: ProgramRules;
    basedOnVersion?: number | undefined;
    note?: string | undefined;
    actor: string;
  },
) {
  if (input.basedOnVersion !== undefined) {
    const versions = await lifecycle.rulesVersions(deps.db);
    if (!versions.some((v) => v.version === input.basedOnVersion))
      throw new HttpError(
        422,
        'unknown_version',
        `basedOnVersion: no rules version ${input.basedOnVersion}`,
        {
          field: 'basedOnVersion',
        },
      );
  }
  return drafts.createDraft(deps.db, {
    rules: input.rules,
    basedOnVersion: input.basedOnVersion ?? null,
    note: input.note ?? null,
    actor: input.actor,
  });
}

/** Saves the draft's rules (and note: `null` clears it, absent keeps it) if it is still at `revision`. */
export async function saveDraft(
  deps: Deps,
  input: {
    id: number;
    rules: ProgramRules;
    note?: string | null | undefined;
    revision: number;
    actor: string;
  },
) {
  return deps.db.transaction(async (trx) => {
    const draft = await openDraftAt(trx, input.id, input.revision);
    return drafts.saveDraft(trx, {
      id: input.id,
      rules: input.rules,
      note: input.note === undefined ? draft.note : input.note,
      actor: input.actor,
    });
  });
}

/** Discards an open draft (kept, marked with who and when). */
export async function discardDraft(deps: Deps, input: { id: number; actor: string }) {
  return deps.db.transaction(async (trx) => {
    await openDraftAt(trx, input.id);
    return drafts.markDiscarded(trx, input);
  });
}

/**
 * Publishes the draft as saved at `revision`: its rules checked again by the schema of a version (a 400 naming
 * `rules.<field>` writes nothing), then the new version, its audit row and the draft's mark, in one transaction.
 */
export async function publishDraft(
  deps: Deps,
  input: { id: number; effectiveFrom: string; revision: number; note?: string | undefined; actor: string },
  now = new Date(),
) {
  return deps.db.transaction(async (trx) => {
    const draft = await openDraftAt(trx, input.id, input.revision);
    const parsed = rulesSchema.safeParse(draft.rules);
    if (!parsed.success) throw validationError(parsed.error, ['rules']);
    const published = await publishInTransaction(
      trx,
      {
        effectiveFrom: input.effectiveFrom,
        rules: parsed.data,
        note: input.note ?? draft.note ?? undefined,
        actor: input.actor,
        draftId: draft.id,
      },
      now,
    );
    const marked = await drafts.markPublished(trx, {
      id: draft.id,
      version: published.version,
      actor: input.actor,
    });
    return { ...published, draft: marked };
  });
}

/**
 * The next review (of this year, UTC, on 1 January next year) over every member, decided by the version that
 * would decide it as things stand (the one in force that day: a version already published for it counts) and by
 * `rules`' tiers. Earning rules do not re-decide history: the year's base points are as written.
 */
export async function previewRules(deps: Deps, input: { rules: ProgramRules }, now = new Date()) {
  const year = now.getUTCFullYear();
  const reviewDay = `${year + 1}-01-01`;
  const current = versionInForce(await lifecycle.rulesVersions(deps.db), reviewDay);
  const currentTiers = (current?.rules ?? DEFAULT_RULES).tiers;
  const groups = await reviewFacts(deps.db, year, activityCuts([currentTiers, input.rules.tiers]));
  const preview = previewTierChanges(groups, currentTiers, input.rules.tiers, year);
  return {
    year,
    reviewDay,
    currentVersion: current?.version ?? null,
    currentEffectiveFrom: current?.effectiveFrom ?? null,
    ...preview,
  };
}

function notFound(id: number) {
  return new HttpError(404, 'draft_not_found', `no rules draft ${id}`, { field: 'id' });
}

/** The draft, locked, if it is open (else 409 `draft_closed`) and, with `revision`, still at it (409 `draft_changed`). */
async function openDraftAt(trx: Knex.Transaction, id: number, revision?: number) {
  const draft = await drafts.draftById(trx, id, { lock: true });
  if (!draft) throw notFound(id);
  if (draft.publishedVersion !== null || draft.discardedAt !== null)
    throw new HttpError(
      409,
      'draft_closed',
      draft.publishedVersion !== null
        ? `draft ${id} was published as version ${draft.publishedVersion}`
        : `draft ${id} was discarded`,
      {
        field: 'id',
        publishedVersion: draft.publishedVersion,
        discardedAt: draft.discardedAt,
      },
    );
  if (revision !== undefined && draft.revision !== revision)
    throw new HttpError(
      409,
      'draft_changed',
      `revision: draft ${id} is at revision ${draft.revision}, saved by ${draft.updatedBy}; read it again`,
      { field: 'revision', revision: draft.revision, updatedBy: draft.updatedBy, updatedAt: draft.updatedAt },
    );
  return draft;
}
