/** What operations staff see of one guest: the record from Postgres and the live state of the workflow. */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../../db/knex.js';
import * as guests from '../../db/repositories/guests.js';
import * as ledger from '../../db/repositories/ledger.js';
import * as outbox from '../../db/repositories/outbox.js';
import * as stays from '../../db/repositories/stays.js';
import { guestWorkflowId } from '../../domain/ids.js';
import { stateQuery } from '../../workflows/messages.js';
import type { GuestStateView } from '../../workflows/types.js';
import { HttpError } from '../errors.js';

export interface GuestServiceDeps {
  db: Db;
  temporal: Client;
  queryTimeoutMs?: number;
}

export interface WorkflowView {
  workflowId: string;
  status: string;
  state: GuestStateView | null;
  stateError?: string;
}

async function workflowView(deps: GuestServiceDeps, guestId: string): Promise<WorkflowView | null> {
  const workflowId = guestWorkflowId(guestId);
  const handle = deps.temporal.workflow.getHandle(workflowId);
  let status: string;
  try {
    status = (await handle.describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
  try {
    const timeoutMs = deps.queryTimeoutMs ?? 5000;
    const state = await Promise.race([
      handle.query(stateQuery),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`no answer within ${timeoutMs} ms (is a worker running?)`)),
          timeoutMs,
        ).unref(),
      ),
    ]);
    return { workflowId, status, state };
  } catch (err) {
    return { workflowId, status, state: null, stateError: (err as Error).message };
  }
}

export async function getGuest(deps: GuestServiceDeps, guestId: string) {
  const guest = await guests.findById(deps.db, guestId);
  if (!guest) throw new HttpError(404, 'guest_not_found', `no guest with id ${guestId}`, { field: 'id' });
  const [stayRows, ledgerRows, mailRows, workflow] = await Promise.all([
    stays.listByGuest(deps.db, guestId),
    ledger.listByGuest(deps.db, guestId),
    outbox.listByGuest(deps.db, guestId),
    workflowView(deps, guestId),
  ]);
  return {
    guest: {
      id: guest.id,
      source: guest.source,
      pmsProfileId: guest.pms_profile_id,
      firstName: guest.first_name,
      lastName: guest.last_name,
      email: guest.email,
      locale: guest.locale,
      timezone: guest.timezone,
      createdAt: guest.created_at,
      updatedAt: guest.updated_at,
    },
    workflow,
    stays: stayRows.map((s) => ({
      id: s.id,
      pmsStayId: s.pms_stay_id,
      propertyCode: s.property_code,
      arrival: s.arrival,
      departure: s.departure,
      nights: s.nights,
      roomRevenue: s.room_revenue,
      currency: s.currency,
      checkedOutAt: s.checked_out_at,
    })),
    ledger: ledgerRows.map((l) => ({
      id: l.id,
      points: l.points,
      balanceAfter: l.balance_after,
      reason: l.reason,
      stayId: l.stay_id,
      createdAt: l.created_at,
    })),
    mails: mailRows.map((m) => ({
      id: m.id,
      template: m.template,
      locale: m.locale,
      to: m.to_address,
      subject: m.subject,
      messageId: m.message_id,
      status: m.status,
      attempts: m.attempts,
      createdAt: m.created_at,
      sentAt: m.sent_at,
    })),
  };
}
