/**
 * The program's rules versions for admins (`POST /v1/program/rules`, `GET /v1/program/rules`) and the re-earn of
 * stays that waited for a rate (`POST /v1/admin/stays/re-earn`). Postgres is the record: a new version is a row,
 * a re-earn a ledger row per stay (db/repositories/re-earn.ts); the guest's workflow is then told
 * (`points.re_earned`, domain/messages.ts) and reads its balance again.
 */
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Db } from '../../db/knex.js';
import * as audit from '../../db/repositories/audit.js';
import * as lifecycle from '../../db/repositories/lifecycle.js';
import * as reEarnRepo from '../../db/repositories/re-earn.js';
import { versionInForce, type ProgramRules } from '../../domain/program.js';
import { reEarn } from '../../domain/re-earn.js';
import { signalGuest } from '../../lib/signal-guest.js';
import { HttpError } from '../errors.js';

export interface ProgramServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
}

const today = (now: Date) => now.toISOString().slice(0, 10);

/** Every version, newest first, and the one in force today. */
export async function listRules(deps: Pick<ProgramServiceDeps, 'db'>, now = new Date()) {
  const versions = await lifecycle.listRulesVersions(deps.db);
  return { inForce: versionInForce(versions, today(now))?.version ?? null, versions };
}

/**
 * A new immutable version, in force from `effectiveFrom`: not before today (UTC) and after the latest version's
 * first day, so versions follow one another and none re-decides a day already begun under another. Under the
 * table's lock, audited with the key's name in the same transaction.
 */
export async function publishRules(
  deps: Pick<ProgramServiceDeps, 'db'>,
  input: PublishInput,
  now = new Date(),
) {
  return deps.db.transaction((trx) => publishInTransaction(trx, input, now));
}

export interface PublishInput {
  effectiveFrom: string;
  rules: ProgramRules;
  note?: string | undefined;
  actor: string;
  /** The draft it was published from (api/program/drafts.ts), named in the audit row. */
  draftId?: number | undefined;
}

/** `publishRules` inside the caller's transaction `trx` (a draft's publication locks its draft first). */
export async function publishInTransaction(trx: Knex.Transaction, input: PublishInput, now: Date) {
  const latest = await lifecycle.lockRulesVersions(trx);
  const tooEarly = (why: string) =>
    new HttpError(422, 'effective_from_too_early', `effectiveFrom: ${why}`, {
      field: 'effectiveFrom',
      ...(latest ? { latestVersion: latest.version, latestEffectiveFrom: latest.effectiveFrom } : {}),
    });
  if (input.effectiveFrom < today(now)) throw tooEarly(`must not be before today (${today(now)})`);
  if (latest && input.effectiveFrom <= latest.effectiveFrom)
    throw tooEarly(`must be after ${latest.effectiveFrom}, the first day of version ${latest.version}`);
  const version = await lifecycle.addRulesVersion(trx, {
    effectiveFrom: input.effectiveFrom,
    rules: input.rules,
    createdBy: input.actor,
  });
  const published = { version, effectiveFrom: input.effectiveFrom, rules: input.rules };
  await audit.record(trx, {
    actor: input.actor,
    action: 'program.rules_published',
    subject: `program_rules:${version}`,
    before: latest ? { version: latest.version, effectiveFrom: latest.effectiveFrom } : undefined,
    after: {
      ...published,
      ...(input.note ? { note: input.note } : {}),
      ...(input.draftId !== undefined ? { draftId: input.draftId } : {}),
    },
  });
  return { ...published, createdBy: input.actor };
}

/**
 * Re-earns the stays waiting for a rate (at most `limit`, oldest departure first; of `currency` if given) that a
 * version has the rate for now (domain/re-earn.ts): each once, in its own transaction; then tells each guest's
 * workflow. A stay no version has a rate for yet stays waiting. A second call finds nothing to do.
 */
export async function reEarnStays(
  deps: ProgramServiceDeps,
  input: { currency?: string | undefined; limit?: number | undefined; actor: string },
  now = new Date(),
) {
  const versions = await lifecycle.rulesVersions(deps.db);
  const rows = await reEarnRepo.awaitingRate(deps.db, {
    limit: input.limit ?? 500,
    ...(input.currency ? { currency: input.currency } : {}),
  });
  const reEarned: (reEarnRepo.ReEarned & { signalled: boolean })[] = [];
  const stillWaiting: { stayId: string; guestId: string; currency: string; departure: string }[] = [];
  for (const row of rows) {
    const decision = reEarn(
      versions,
      {
        departure: row.departure,
        roomRevenue: row.room_revenue,
        currency: row.currency,
        rulesVersion: row.rules_version,
      },
      today(now),
    );
    if (!decision) {
      stillWaiting.push({
        stayId: row.id,
        guestId: row.guest_id,
        currency: row.currency,
        departure: row.departure,
      });
      continue;
    }
    const done = await reEarnRepo.reEarnStay(deps.db, {
      stayId: row.id,
      rulesVersion: decision.version,
      points: decision.points,
      actor: input.actor,
    });
    if (done) reEarned.push({ ...done, signalled: false });
  }
  for (const r of reEarned) {
    try {
      await signalGuest(deps.temporal, {
        guestId: r.guestId,
        taskQueue: deps.taskQueue,
        message: {
          type: 'points.re_earned',
          eventId: r.idempotencyKey,
          source: 'admin',
          occurredAt: now.toISOString(),
          stayId: r.stayId,
          points: r.points,
          rulesVersion: r.rulesVersion,
        },
      });
      r.signalled = true;
    } catch (err) {
      // Booked: Postgres is the record. The workflow reads the balance again at its next message or run.
      deps.logger.warn({ err: (err as Error).message, stayId: r.stayId }, 're-earn: the guest was not told');
    }
  }
  return { reEarned, stillWaiting };
}
