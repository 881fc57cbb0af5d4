/**
 * Member imports (docs/import.md): the `imports` row of a file, one batch of its lines written in one transaction
 * (guests, the opening points as `import` ledger rows, the tier as `import` tier rows, what each line became, the
 * bad lines, the counts and the last line committed), the guests whose workflow is still to start or reload, and
 * the report. All set-based: a batch of 500 lines is a dozen statements, not thousands.
 */
import type { Knex } from 'knex';
import type { Stage } from '../../domain/stages.js';
import type { Tier } from '../../domain/tiers.js';

export type ImportStatus = 'running' | 'workflows' | 'finished' | 'failed';

export interface ImportRow {
  id: number;
  kind: string;
  file_name: string;
  file_hash: string;
  file_bytes: number;
  status: ImportStatus;
  last_line: number;
  bytes_read: number;
  rows_read: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  workflows_total: number;
  workflows_done: number;
  audit_id: number | null;
  created_by: string;
  report_path: string | null;
  error: string | null;
  started_at: Date;
  rows_done_at: Date | null;
  finished_at: Date | null;
}

const asImport = (r: Record<string, unknown>): ImportRow =>
  ({
    ...r,
    id: Number(r.id),
    file_bytes: Number(r.file_bytes),
    bytes_read: Number(r.bytes_read),
    audit_id: r.audit_id === null ? null : Number(r.audit_id),
  }) as ImportRow;

/** The import of the file with this hash, if one was started. */
export async function findByHash(db: Knex, kind: string, hash: string): Promise<ImportRow | undefined> {
  const row = (await db('imports').where({ kind, file_hash: hash }).first()) as
    Record<string, unknown> | undefined;
  return row ? asImport(row) : undefined;
}

export async function findById(db: Knex, id: number): Promise<ImportRow | undefined> {
  const row = (await db('imports').where({ id }).first()) as Record<string, unknown> | undefined;
  return row ? asImport(row) : undefined;
}

/** The import of this file: the one started before (same hash), or a new one. */
export async function startOrFind(
  db: Knex,
  input: { kind: string; fileName: string; hash: string; bytes: number; actor: string },
): Promise<{ row: ImportRow; created: boolean }> {
  const [inserted] = (await db('imports')
    .insert({
      kind: input.kind,
      file_name: input.fileName,
      file_hash: input.hash,
      file_bytes: input.bytes,
      created_by: input.actor,
    })
    .onConflict(['kind', 'file_hash'])
    .ignore()
    .returning('*')) as Record<string, unknown>[];
  if (inserted) return { row: asImport(inserted), created: true };
  return { row: (await findByHash(db, input.kind, input.hash))!, created: false };
}

/** The part of a node-postgres client the run's lock uses (what knex's pool hands out for `pg`). */
interface PgConnection {
  query(text: string, values: unknown[]): Promise<{ rows: { locked: boolean }[] }>;
}
interface KnexPool {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

/**
 * One run of a file at a time, across processes (the CLI and the API's upload): a session-level advisory lock on
 * the file's hash, held on a connection of its own until `release` (or until the process dies: PostgreSQL ends
 * the session and the lock with it). Undefined when another run holds it.
 */
export async function lockRun(db: Knex, hash: string): Promise<{ release: () => Promise<void> } | undefined> {
  const pool = db.client as KnexPool;
  const connection = (await pool.acquireConnection()) as PgConnection;
  const key = `member-import:${hash}`;
  try {
    const { rows } = await connection.query('select pg_try_advisory_lock(hashtext($1)) as locked', [key]);
    if (!rows[0]?.locked) {
      await pool.releaseConnection(connection);
      return undefined;
    }
  } catch (err) {
    await pool.releaseConnection(connection);
    throw err;
  }
  return {
    release: async () => {
      try {
        await connection.query('select pg_advisory_unlock(hashtext($1)) as locked', [key]);
      } finally {
        await pool.releaseConnection(connection);
      }
    },
  };
}

export async function setAudit(db: Knex, id: number, auditId: number): Promise<void> {
  await db('imports').where({ id }).update({ audit_id: auditId });
}

export async function setStatus(
  db: Knex,
  id: number,
  status: ImportStatus,
  extra: { error?: string | null; reportPath?: string; finished?: boolean; rowsDone?: boolean } = {},
): Promise<void> {
  await db('imports')
    .where({ id })
    .update({
      status,
      ...(extra.error !== undefined ? { error: extra.error } : {}),
      ...(extra.reportPath !== undefined ? { report_path: extra.reportPath } : {}),
      ...(extra.finished ? { finished_at: db.fn.now() } : {}),
      ...(extra.rowsDone ? { rows_done_at: db.raw('coalesce(rows_done_at, now())') } : {}),
    });
}

/** The newest imports first. */
export async function list(db: Knex, limit = 50): Promise<ImportRow[]> {
  const rows = (await db('imports').orderBy('id', 'desc').limit(limit)) as Record<string, unknown>[];
  return rows.map(asImport);
}

/** Member numbers and profile keys an interrupted import already took, by line (duplicates within a file). */
export async function takenKeys(
  db: Knex,
  importId: number,
): Promise<{ member_number: string; source: string; pms_profile_id: string; line: number }[]> {
  return db('import_members as m')
    .join('guests as g', 'g.id', 'm.guest_id')
    .where('m.import_id', importId)
    .select('m.member_number', 'g.source', 'g.pms_profile_id', 'm.line');
}

// --- a batch ---------------------------------------------------------------------------------------------------

/** A line to write, as api/imports/members.ts planned it. */
export interface GuestImport {
  line: number;
  memberNumber: string;
  source: string;
  profileId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  locale: string;
  timezone: string;
  birthday: string | null;
  marketingConsent: boolean;
  consentAt: string | null;
  consentSource: string | null;
  tier: Tier;
  points: number;
  enrolledOn: string;
  homeProperty: string | null;
}

/** A guest the batch's lines name, as the record has it (locked). */
export interface ExistingGuest {
  id: string;
  source: string;
  pms_profile_id: string;
  member_number: string | null;
  first_name: string;
  last_name: string;
  email: string;
  phone: string | null;
  locale: string;
  timezone: string;
  birthday: string | null;
  marketing_consent: boolean;
  tier: Tier;
  enrolled_on: string | null;
  home_property: string | null;
  /** Erased (docs/privacy.md): a file naming the guest does not bring them back. */
  erased: boolean;
  /** The sum of its `import` ledger rows. */
  imported_points: number;
  /** Its balance. */
  balance: number;
}

/** The guests with these member numbers or profiles, locked for the batch, with their imported points and balance. */
export async function existingGuests(
  trx: Knex.Transaction,
  memberNumbers: string[],
  profiles: { source: string; profileId: string }[],
): Promise<ExistingGuest[]> {
  const { rows } = await trx.raw<{ rows: ExistingGuest[] }>(
    `with g as (
       select id from guests where member_number = any(:numbers::text[])
       union
       select g.id from guests g
       join unnest(:sources::text[], :ids::text[]) as p(source, pms_profile_id)
         on g.source = p.source and g.pms_profile_id = p.pms_profile_id
     ), locked as (
       select guests.* from guests join g using (id) order by guests.id for update of guests
     )
     select l.id, l.source, l.pms_profile_id, l.member_number, l.first_name, l.last_name, l.email, l.phone,
            l.locale, l.timezone, to_char(l.birthday, 'YYYY-MM-DD') as birthday, l.marketing_consent, l.tier,
            to_char(l.enrolled_at at time zone 'UTC', 'YYYY-MM-DD') as enrolled_on, l.home_property,
            l.erased_at is not null as erased,
            coalesce(sum(pl.points) filter (where pl.reason = 'import'), 0)::bigint as imported_points,
            coalesce(sum(pl.points), 0)::bigint as balance
     from locked l left join points_ledger pl on pl.guest_id = l.id
     group by l.id, l.source, l.pms_profile_id, l.member_number, l.first_name, l.last_name, l.email, l.phone,
              l.locale, l.timezone, l.birthday, l.marketing_consent, l.tier, l.enrolled_at, l.home_property,
              l.erased_at`,
    {
      numbers: memberNumbers,
      sources: profiles.map((p) => p.source),
      ids: profiles.map((p) => p.profileId),
    },
  );
  return rows.map((r) => ({ ...r, imported_points: Number(r.imported_points), balance: Number(r.balance) }));
}

/** What the batch writes, planned by api/imports/members.ts from the lines and `existingGuests`. */
export interface BatchPlan {
  importId: number;
  /** The last line of the batch: the import resumes after it. */
  lastLine: number;
  /** How far into the file the batch reached. */
  bytesRead: number;
  /** Lines read in this batch (good and bad). */
  rowsRead: number;
  now: Date;
  /** New guests, with the id chosen for them and their stage. */
  inserts: { id: string; stage: Stage; row: GuestImport }[];
  /** Known guests whose profile or membership differs from the line. */
  updates: { id: string; row: GuestImport }[];
  /** An `import` ledger row: the difference between the line's balance and what imports gave before. */
  points: { guestId: string; memberNumber: string; points: number; balanceAfter: number }[];
  /** An `import` tier row, where the line's tier is not the one held. */
  tiers: { guestId: string; memberNumber: string; tier: Tier; previous: Tier; line: number }[];
  /** What each good line became. */
  members: {
    line: number;
    guestId: string;
    row: GuestImport;
    outcome: 'created' | 'updated' | 'unchanged';
  }[];
  problems: { line: number; field: string; message: string }[];
  /**
   * Consent as the file gives it, where it is new or differs from the guest's (consent_history, source
   * `import`): `from` null for a new guest; `at` the file's consent time when it gives one.
   */
  consents: { guestId: string; from: boolean | null; to: boolean; at: string | null }[];
}

const guestColumns = (r: GuestImport) => ({
  member_number: r.memberNumber,
  first_name: r.firstName,
  last_name: r.lastName,
  email: r.email,
  phone: r.phone,
  locale: r.locale,
  timezone: r.timezone,
  birthday: r.birthday,
  marketing_consent: r.marketingConsent,
  enrolled_at: `${r.enrolledOn}T00:00:00Z`,
  home_property: r.homeProperty,
});

/** Writes one planned batch (call in a transaction that ran `existingGuests`). */
export async function writeBatch(trx: Knex.Transaction, plan: BatchPlan): Promise<void> {
  const { now } = plan;
  if (plan.inserts.length) {
    await trx('guests').insert(
      plan.inserts.map(({ id, stage, row }) => ({
        id,
        source: row.source,
        pms_profile_id: row.profileId,
        ...guestColumns(row),
        enrolment_channel: 'import',
        stage,
        profile_as_of: now,
      })),
    );
  }
  if (plan.updates.length) {
    await trx.raw(
      `update guests g set member_number = r.member_number, first_name = r.first_name, last_name = r.last_name,
              email = r.email, phone = r.phone, locale = r.locale, timezone = r.timezone, birthday = r.birthday,
              marketing_consent = r.marketing_consent, enrolled_at = r.enrolled_at,
              enrolment_channel = coalesce(g.enrolment_channel, 'import'), home_property = r.home_property,
              profile_as_of = greatest(g.profile_as_of, :now), updated_at = now()
       from jsonb_to_recordset(:rows::jsonb) as r(id uuid, member_number text, first_name text, last_name text,
              email text, phone text, locale text, timezone text, birthday date, marketing_consent boolean,
              enrolled_at timestamptz, home_property text)
       where g.id = r.id`,
      { now, rows: JSON.stringify(plan.updates.map(({ id, row }) => ({ id, ...guestColumns(row) }))) },
    );
  }
  if (plan.points.length) {
    await trx('points_ledger')
      .insert(
        plan.points.map((p) => ({
          guest_id: p.guestId,
          points: p.points,
          balance_after: p.balanceAfter,
          reason: 'import',
          source: 'import',
          effective_at: now,
          idempotency_key: `import:${p.memberNumber}:${plan.importId}`,
        })),
      )
      .onConflict('idempotency_key')
      .ignore();
  }
  if (plan.tiers.length) {
    const validFrom = now.toISOString().slice(0, 10);
    const validThrough = `${now.getUTCFullYear() + 1}-12-31`;
    await trx('tier_history')
      .insert(
        plan.tiers.map((t) => ({
          guest_id: t.guestId,
          tier: t.tier,
          previous_tier: t.previous,
          valid_from: validFrom,
          valid_through: validThrough,
          source: 'import',
          reason: `import ${plan.importId}, line ${t.line}`,
          rules_version: null,
          idempotency_key: `import:${t.memberNumber}:${plan.importId}:tier`,
          at: now,
        })),
      )
      .onConflict('idempotency_key')
      .ignore();
    await trx.raw(
      `update guests g set tier = r.tier, tier_valid_through = :validThrough, updated_at = now()
       from jsonb_to_recordset(:rows::jsonb) as r(id uuid, tier text) where g.id = r.id`,
      { validThrough, rows: JSON.stringify(plan.tiers.map((t) => ({ id: t.guestId, tier: t.tier }))) },
    );
  }
  if (plan.members.length) {
    await trx('import_members').insert(
      plan.members.map((m) => ({
        import_id: plan.importId,
        line: m.line,
        guest_id: m.guestId,
        member_number: m.row.memberNumber,
        outcome: m.outcome,
        consent_at: m.row.consentAt,
        consent_source: m.row.consentSource,
      })),
    );
  }
  if (plan.consents.length) {
    await trx('consent_history').insert(
      plan.consents.map((c) => ({
        guest_id: c.guestId,
        from_consent: c.from,
        to_consent: c.to,
        source: 'import',
        actor: `import:${plan.importId}`,
        event_id: null,
        at: c.at ?? now,
      })),
    );
  }
  if (plan.problems.length) {
    await trx('import_problems').insert(plan.problems.map((p) => ({ import_id: plan.importId, ...p })));
  }
  const count = (o: string) => plan.members.filter((m) => m.outcome === o).length;
  const rejectedLines = new Set(plan.problems.map((p) => p.line)).size;
  await trx('imports')
    .where({ id: plan.importId })
    .update({
      last_line: plan.lastLine,
      bytes_read: plan.bytesRead,
      rows_read: trx.raw('rows_read + ?', [plan.rowsRead]),
      created: trx.raw('created + ?', [count('created')]),
      updated: trx.raw('updated + ?', [count('updated')]),
      unchanged: trx.raw('unchanged + ?', [count('unchanged')]),
      rejected: trx.raw('rejected + ?', [rejectedLines]),
    });
}

/**
 * The year (UTC) of the guest's last `import` tier row, or null: the annual review holds an imported tier until a
 * full calendar year in the program (domain/tier-review.ts `importedTierHeld`).
 */
export async function importedTierYear(db: Knex, guestId: string): Promise<number | null> {
  const { rows } = await db.raw<{ rows: { year: number | null }[] }>(
    `select max(extract(year from valid_from))::int as year from tier_history
     where guest_id = ? and source = 'import'`,
    [guestId],
  );
  return rows[0]?.year ?? null;
}

// --- workflows ---------------------------------------------------------------------------------------------------

/** The imported guests whose workflow is not yet started or reloaded, in line order. */
/** An imported guest whose workflow is not yet started or reloaded, with the stage and tier the record now holds. */
export interface PendingWorkflow {
  line: number;
  guest_id: string;
  outcome: 'created' | 'updated' | 'unchanged';
  stage: Stage;
  tier: Tier;
}

export async function pendingWorkflows(
  db: Knex,
  importId: number,
  limit: number,
): Promise<PendingWorkflow[]> {
  return db('import_members as m')
    .join('guests as g', 'g.id', 'm.guest_id')
    .where({ 'm.import_id': importId })
    .whereNull('m.workflow_at')
    .orderBy('m.line')
    .limit(limit)
    .select('m.line', 'm.guest_id', 'm.outcome', 'g.stage', 'g.tier');
}

export async function countWorkflows(db: Knex, importId: number): Promise<{ total: number; done: number }> {
  const { rows } = await db.raw<{ rows: { total: number; done: number }[] }>(
    `select count(*)::int as total, (count(*) filter (where workflow_at is not null))::int as done
     from import_members where import_id = ?`,
    [importId],
  );
  return rows[0]!;
}

export async function markWorkflows(db: Knex, importId: number, lines: number[]): Promise<void> {
  if (!lines.length) return;
  await db.transaction(async (trx) => {
    await trx('import_members')
      .where({ import_id: importId })
      .whereIn('line', lines)
      .update({ workflow_at: trx.fn.now() });
    const { total, done } = await countWorkflows(trx, importId);
    await trx('imports').where({ id: importId }).update({ workflows_total: total, workflows_done: done });
  });
}

// --- the report ----------------------------------------------------------------------------------------------------

/** The bad lines of an import, by line then field as found. */
export async function problems(
  db: Knex,
  importId: number,
): Promise<{ line: number; field: string; message: string }[]> {
  return db('import_problems')
    .where({ import_id: importId })
    .orderBy([{ column: 'line' }])
    .select('line', 'field', 'message');
}
