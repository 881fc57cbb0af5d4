/**
 * Accepting a PMS event: record it (once per event ID) with the guest it is
 * about, then hand it to the guest's workflow with signalWithStart. Answered
 * only once Temporal has durably accepted the signal.
 */
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/knex.js';
import * as audit from '../../db/repositories/audit.js';
import * as guests from '../../db/repositories/guests.js';
import * as pmsEvents from '../../db/repositories/pms-events.js';
import { guestWorkflowId } from '../../domain/ids.js';
import type { StayCompletedEvent } from '../../domain/types.js';
import type { guestLifecycle } from '../../workflows/guest-lifecycle.js';
import { stayCompletedSignal } from '../../workflows/messages.js';
import { HttpError } from '../errors.js';
import type { StayCompletedBody } from './schema.js';

export const PMS_SOURCE = 'pms';

export interface PmsServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

export interface Accepted {
  eventId: string;
  workflowId: string;
  guestId: string;
  duplicate: boolean;
}

export async function acceptStayCompleted(
  deps: PmsServiceDeps,
  body: StayCompletedBody,
  rawBody: Buffer,
): Promise<Accepted> {
  const payloadHash = createHash('sha256').update(rawBody).digest('hex');
  const { guest, event } = await deps.db.transaction(async (trx) => {
    const previous = await guests.findByPmsProfileForUpdate(trx, PMS_SOURCE, body.data.guest.pmsProfileId);
    const { guest } = await guests.upsertFromPms(trx, {
      source: PMS_SOURCE,
      profile: body.data.guest,
      asOf: new Date(body.occurredAt),
    });
    const actor = `pms:event:${body.id}`;
    if (!previous) {
      const after = Object.fromEntries(guests.PROFILE_FIELDS.map((f) => [f, guest[f]]));
      await audit.record(trx, { actor, action: 'guest.created', subject: `guest:${guest.id}`, after });
    } else {
      const diff = guests.profileChanges(previous, guest);
      if (diff.changed) {
        await audit.record(trx, {
          actor,
          action: 'guest.profile_updated',
          subject: `guest:${guest.id}`,
          before: diff.before,
          after: diff.after,
        });
      }
    }
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
    return { guest, event };
  });

  const workflowId = guestWorkflowId(guest.id);
  if (event.signalled_at) return { eventId: body.id, workflowId, guestId: guest.id, duplicate: true };

  const signal: StayCompletedEvent = {
    eventId: body.id,
    source: PMS_SOURCE,
    occurredAt: new Date(body.occurredAt).toISOString(),
    guest: body.data.guest,
    stay: body.data.stay,
  };
  await deps.temporal.workflow.signalWithStart<typeof guestLifecycle, [StayCompletedEvent]>(
    'guestLifecycle',
    {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [{ guestId: guest.id }],
      signal: stayCompletedSignal,
      signalArgs: [signal],
    },
  );
  await pmsEvents.markSignalled(deps.db, body.id);
  return { eventId: body.id, workflowId, guestId: guest.id, duplicate: false };
}
