/**
 * The common case of a PMS event in one statement: a guest seen for the first
 * time, with an event ID not seen before. Guest, audit entry and event row are
 * written atomically, in one round trip instead of a five-statement
 * transaction. Anything else (a known guest, a known event ID, a race with a
 * concurrent delivery) returns undefined and the caller takes the general path.
 */
import type { Knex } from 'knex';
import type { GuestProfile } from '../../domain/types.js';

export interface FirstSight {
  /** The ID the guest gets if it is new, and its workflow's ID. */
  guestId: string;
  workflowId: string;
  source: string;
  profile: GuestProfile;
  asOf: Date;
  actor: string;
  event: {
    id: string;
    type: string;
    occurredAt: Date;
    payloadHash: string;
    payload: unknown;
    /** The GuestMessage the API signals for it (ids and facts): kept for the sweeper. */
    message: unknown;
  };
}

/**
 * Positional parameters, in the order of `parameters()`. Prepared once per connection under
 * `STATEMENT_NAME` (PostgreSQL parses and plans this five-part statement once, not per event).
 */
const SQL = `
with prior_event as (
  select 1 from pms_events where id = $1
), new_guest as (
  insert into guests (id, source, pms_profile_id, first_name, last_name, email, locale, timezone, profile_as_of)
  select $2, $3, $4, $5, $6, $7, $8, $9, $10
  where not exists (select 1 from prior_event)
  on conflict (source, pms_profile_id) do nothing
  returning id, first_name, last_name, email, locale, timezone
), created as (
  insert into audit_log (actor, action, subject, after)
  select $11, 'guest.created', 'guest:' || id,
         jsonb_build_object('first_name', first_name, 'last_name', last_name, 'email', email,
                            'locale', locale, 'timezone', timezone)
  from new_guest
), new_event as (
  insert into pms_events (id, type, occurred_at, payload_hash, payload, guest_id, workflow_id, message)
  select $1, $12, $13, $14, $15, id, $16, $17 from new_guest
  returning guest_id
)
select guest_id from new_event`;

/** Change the suffix whenever SQL changes: a connection keeps the text it prepared under a name. */
const STATEMENT_NAME = 'pms_intake_first_sight_v1';

function parameters(input: FirstSight): unknown[] {
  const p = input.profile;
  return [
    input.event.id,
    input.guestId,
    input.source,
    p.pmsProfileId,
    p.firstName,
    p.lastName,
    p.email,
    p.locale,
    p.timezone,
    input.asOf,
    input.actor,
    input.event.type,
    input.event.occurredAt,
    input.event.payloadHash,
    JSON.stringify(input.event.payload),
    input.workflowId,
    JSON.stringify(input.event.message),
  ];
}

const UNIQUE_VIOLATION = '23505';

/** The part of a node-postgres client this statement uses (what knex's pool hands out for `pg`). */
interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: { guest_id: string }[] }>;
}

/** knex's client (`db.client`, typed `any`): its pool of driver connections. */
interface KnexPool {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

/**
 * The new guest's ID (`input.guestId`), or undefined when this is not a first sight of both guest and event.
 *
 * `db` is the pool, not a transaction: the statement is its own transaction. It runs on a pooled
 * connection directly, as a named prepared statement, not through knex's query builder: this is the hot
 * path of every PMS delivery, and knex's per-query work (binding rewrite, runner, response processing)
 * and PostgreSQL's per-query parse and plan of an unnamed statement were a measurable part of it
 * (docs/benchmarks.md).
 */
export async function recordFirstSight(db: Knex, input: FirstSight): Promise<string | undefined> {
  if (db.isTransaction) throw new Error('recordFirstSight runs on the pool, not inside a transaction');
  const values = parameters(input);
  const pool = db.client as KnexPool;
  const connection = (await pool.acquireConnection()) as PgConnection;
  try {
    const result = await connection.query({ name: STATEMENT_NAME, text: SQL, values });
    return result.rows[0]?.guest_id;
  } catch (err) {
    // A concurrent delivery of the same event won the race: the statement wrote nothing.
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
    throw err;
  } finally {
    await pool.releaseConnection(connection);
  }
}
