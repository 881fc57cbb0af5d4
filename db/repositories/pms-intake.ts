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

const SQL = `
with prior_event as (
  select 1 from pms_events where id = :eventId
), new_guest as (
  insert into guests (id, source, pms_profile_id, first_name, last_name, email, locale, timezone, profile_as_of)
  select :guestId, :source, :pmsProfileId, :firstName, :lastName, :email, :locale, :timezone, :asOf
  where not exists (select 1 from prior_event)
  on conflict (source, pms_profile_id) do nothing
  returning id, first_name, last_name, email, locale, timezone
), created as (
  insert into audit_log (actor, action, subject, after)
  select :actor, 'guest.created', 'guest:' || id,
         jsonb_build_object('first_name', first_name, 'last_name', last_name, 'email', email,
                            'locale', locale, 'timezone', timezone)
  from new_guest
), new_event as (
  insert into pms_events (id, type, occurred_at, payload_hash, payload, guest_id, workflow_id, message)
  select :eventId, :type, :occurredAt, :payloadHash, :payload, id, :workflowId, :message from new_guest
  returning guest_id
)
select guest_id from new_event`;

const UNIQUE_VIOLATION = '23505';

/** The new guest's ID (`input.guestId`), or undefined when this is not a first sight of both guest and event. */
export async function recordFirstSight(db: Knex, input: FirstSight): Promise<string | undefined> {
  const p = input.profile;
  try {
    const result = await db.raw<{ rows: { guest_id: string }[] }>(SQL, {
      guestId: input.guestId,
      workflowId: input.workflowId,
      eventId: input.event.id,
      source: input.source,
      pmsProfileId: p.pmsProfileId,
      firstName: p.firstName,
      lastName: p.lastName,
      email: p.email,
      locale: p.locale,
      timezone: p.timezone,
      asOf: input.asOf,
      actor: input.actor,
      type: input.event.type,
      occurredAt: input.event.occurredAt,
      payloadHash: input.event.payloadHash,
      payload: JSON.stringify(input.event.payload),
      message: JSON.stringify(input.event.message),
    });
    return result.rows[0]?.guest_id;
  } catch (err) {
    // A concurrent delivery of the same event won the race: the statement wrote nothing.
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
    throw err;
  }
}
