/**
 * Accepting a PMS event: record it (once per event ID) with the guest it is
 * about, then hand it to the guest's workflow with signalWithStart. Answered
 * only once Temporal has durably accepted the signal. `signalled_at` is
 * written behind the answer, batched (see `SignalledMarks`).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Db } from '../../db/knex.js';
import * as audit from '../../db/repositories/audit.js';
import * as guests from '../../db/repositories/guests.js';
import * as intake from '../../db/repositories/pms-intake.js';
import * as pmsEvents from '../../db/repositories/pms-events.js';
import { guestWorkflowId } from '../../domain/ids.js';
import { messageFromPmsEvent, PMS_SOURCE } from '../../domain/messages.js';
import { signalGuest } from '../../lib/signal-guest.js';
import { HttpError } from '../errors.js';
import type { StayCompletedBody } from './schema.js';

export { PMS_SOURCE };

export interface PmsServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  /** Where a refused signal's error goes (the caller gets a 503 without it). */
  logger?: Pick<Logger, 'warn'>;
}

export interface Accepted {
  eventId: string;
  workflowId: string;
  guestId: string;
  duplicate: boolean;
}

/**
 * The guest the event is about: created on first sight, its profile refreshed
 * only by an event newer than the one it came from (the PMS delivers
 * unordered). Each creation and change goes to the audit trail.
 */
async function recordGuest(trx: Knex.Transaction, body: StayCompletedBody): Promise<guests.GuestRow> {
  const asOf = new Date(body.occurredAt);
  const actor = `pms:event:${body.id}`;
  const profile = body.data.guest;
  const created = await guests.insertIfAbsent(trx, { source: PMS_SOURCE, profile, asOf });
  if (created) {
    await audit.record(trx, {
      actor,
      action: 'guest.created',
      subject: `guest:${created.id}`,
      after: guests.profileOf(created),
    });
    return created;
  }
  const current = await guests.findByPmsProfileForUpdate(trx, PMS_SOURCE, profile.pmsProfileId);
  if (!current) throw new Error(`guest ${PMS_SOURCE}/${profile.pmsProfileId} vanished after a conflict`);
  if (asOf <= current.profile_as_of) return current;
  const updated = await guests.updateProfile(trx, current.id, profile, asOf);
  const diff = guests.profileChanges(guests.profileOf(current), guests.profileOf(updated));
  if (diff.changed) {
    await audit.record(trx, {
      actor,
      action: 'guest.profile_updated',
      subject: `guest:${current.id}`,
      before: diff.before,
      after: diff.after,
    });
  }
  return updated;
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

export async function acceptStayCompleted(deps: PmsServiceDeps, body: StayCompletedBody): Promise<Accepted> {
  // Over the validated, normalised event with sorted keys: a retry that re-serialises the same
  // event differently (key order, spacing, 1280.5 vs "1280.50") is still the same event.
  const payloadHash = createHash('sha256').update(canonicalJson(body)).digest('hex');
  const { guestId, signalled } = await recordEvent(deps, body, payloadHash);
  const workflowId = guestWorkflowId(guestId);
  if (signalled) return { eventId: body.id, workflowId, guestId, duplicate: true };

  // Ids and facts only: the profile is in Postgres now, and no personal data goes into workflow history.
  const message = messageFromPmsEvent(PMS_SOURCE, body)!;
  try {
    await signalGuest(deps.temporal, { guestId, taskQueue: deps.taskQueue, message });
  } catch (err) {
    // The event stays recorded with signalled_at null; the PMS's retry or the sweeper signals it.
    // Temporal's own words go to the log, not to the caller.
    deps.logger?.warn({ err, eventId: body.id }, 'signalWithStart refused; event recorded, answering 503');
    throw new HttpError(
      503,
      'workflow_unavailable',
      'the event is recorded but could not be handed on; retry it',
      {
        eventId: body.id,
      },
    );
  }
  signalledMarks(deps).add(body.id);
  return { eventId: body.id, workflowId, guestId, duplicate: false };
}

/** At most this many events per `signalled_at` statement. */
const MAX_MARK_BATCH = 500;

/**
 * `pms_events.signalled_at`, written behind the 202 rather than before it, in batches: one statement
 * marks every event signalled while the previous statement ran (a group commit; alone when the API is
 * quiet, so a mark is at most two round trips late). It leaves the request's critical path because
 * nothing depends on it being there at the moment of the answer:
 *
 * - the durable record is the event row and the guest, committed before the signal; the 202 still waits
 *   for Temporal's acceptance of the signal;
 * - if the process dies, or the statement fails, between the signal and the mark, the event keeps
 *   `signalled_at` null and the sweeper (workflows/pms-event-sweeper.ts) signals it again after a minute
 *   and sets `signalled_at`; a second signal is harmless, since the workflow skips a handled event and
 *   its effects are keyed in Postgres;
 * - a repeated delivery while the mark is still pending in this process is answered as a duplicate
 *   (`isPending`), as it would be once the mark is written. One that reaches another API process in
 *   those milliseconds is signalled again and answered `duplicate: false` — harmless, as above.
 */
class SignalledMarks {
  private queued = new Set<string>();
  private writing = new Set<string>();
  private running = false;

  constructor(
    private readonly db: Db,
    private readonly logger: Pick<Logger, 'warn'> | undefined,
  ) {}

  add(eventId: string): void {
    this.queued.add(eventId);
    if (!this.running) {
      this.running = true;
      void this.drain();
    }
  }

  isPending(eventId: string): boolean {
    return this.queued.has(eventId) || this.writing.has(eventId);
  }

  private async drain(): Promise<void> {
    while (this.queued.size > 0) {
      const ids: string[] = [];
      for (const id of this.queued) {
        if (ids.length >= MAX_MARK_BATCH) break;
        ids.push(id);
      }
      for (const id of ids) {
        this.queued.delete(id);
        this.writing.add(id);
      }
      try {
        await pmsEvents.markSignalled(this.db, ids);
      } catch (err) {
        this.logger?.warn(
          { err, events: ids.length, firstEventId: ids[0] },
          'could not record signalled_at; the sweeper signals these events again',
        );
      } finally {
        for (const id of ids) this.writing.delete(id);
      }
    }
    this.running = false;
  }
}

const marksByDb = new WeakMap<Db, SignalledMarks>();

function signalledMarks(deps: PmsServiceDeps): SignalledMarks {
  let marks = marksByDb.get(deps.db);
  if (!marks) {
    marks = new SignalledMarks(deps.db, deps.logger);
    marksByDb.set(deps.db, marks);
  }
  return marks;
}

/**
 * Records the event and the guest it is about; says whether the event was
 * already handed to the workflow. A first sight of guest and event is one
 * statement; everything else one transaction.
 */
async function recordEvent(
  deps: PmsServiceDeps,
  body: StayCompletedBody,
  payloadHash: string,
): Promise<{ guestId: string; signalled: boolean }> {
  const asOf = new Date(body.occurredAt);
  const candidateId = randomUUID();
  const newGuestId = await intake.recordFirstSight(deps.db, {
    guestId: candidateId,
    workflowId: guestWorkflowId(candidateId),
    source: PMS_SOURCE,
    profile: body.data.guest,
    asOf,
    actor: `pms:event:${body.id}`,
    event: { id: body.id, type: body.type, occurredAt: asOf, payloadHash, payload: body },
  });
  if (newGuestId) return { guestId: newGuestId, signalled: false };

  return deps.db.transaction(async (trx) => {
    const guest = await recordGuest(trx, body);
    const { event } = await pmsEvents.insertIfAbsent(trx, {
      id: body.id,
      type: body.type,
      occurredAt: new Date(body.occurredAt),
      payloadHash,
      payload: body,
      guestId: guest.id,
      workflowId: guestWorkflowId(guest.id),
    });
    if (event.payload_hash !== payloadHash) {
      // Rolls back the profile refresh too: a reused event ID changes nothing.
      throw new HttpError(
        409,
        'event_id_reused',
        `event ${body.id} was already received with a different body`,
        {
          field: 'id',
          receivedAt: event.received_at,
        },
      );
    }
    const signalled = event.signalled_at !== null || signalledMarks(deps).isPending(body.id);
    return { guestId: guest.id, signalled };
  });
}
