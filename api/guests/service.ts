/**
 * What operations staff and managers see of one guest: the record from Postgres (stays, ledger, every mail
 * with its class, planned send time and suppression reason, bookings, tier and stage history, the cases not
 * yet closed, the stay the guest is in house for). The live state of the guest's workflow is asked of Temporal
 * apart (`guestWorkflow`, `GET /v1/guests/:id/workflow`): Postgres is the record, so the card answers from it
 * alone, even while Temporal is slow or away, and a page costs no Temporal round trip (docs/benchmarks.md).
 */
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Db } from '../../db/knex.js';
import * as guests from '../../db/repositories/guests.js';
import { guestCard } from '../../db/repositories/guest-card.js';
import { preferenceView } from './preferences.js';
import { versionInForce } from '../../domain/program.js';
import { isTier, tierProgress } from '../../domain/tiers.js';
import { guestWorkflowId } from '../../domain/ids.js';
import { stateQuery } from '../../contracts/guest.js';
import type { GuestStateView } from '../../contracts/guest.js';
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
    throw new HttpError(
      503,
      'temporal_unavailable',
      "the guest's workflow is not available now; try again",
      {},
    );
  }
  try {
    return { workflowId, status, state: await guestStateWithin(handle, deps.queryTimeoutMs) };
  } catch (err) {
    return { workflowId, status, state: null, stateError: (err as Error).message };
  }
}

/** The guest workflow's `state` query, or an error when no worker answers within `timeoutMs` (default 5 s). */
export function guestStateWithin(handle: WorkflowHandle, timeoutMs = 5000): Promise<GuestStateView> {
  return Promise.race([
    handle.query(stateQuery),
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no answer within ${timeoutMs} ms (is a worker running?)`)),
        timeoutMs,
      ).unref(),
    ),
  ]);
}

const guestNotFound = (guestId: string) =>
  new HttpError(404, 'guest_not_found', `no guest with id ${guestId}`, { field: 'id' });

/**
 * `GET /v1/guests/:id/workflow`: the guest's workflow as Temporal has it now (its status and `state` query), or
 * `workflow: null` when the guest has none. `GET /v1/workflows/:id` has the run in full.
 */
export async function guestWorkflow(deps: GuestServiceDeps, guestId: string) {
  if (!(await guests.exists(deps.db, guestId))) throw guestNotFound(guestId);
  return { guestId, workflow: await workflowView(deps, guestId) };
}

export async function getGuest(
  deps: Pick<GuestServiceDeps, 'db'>,
  guestId: string,
  opts: { now?: Date } = {},
) {
  const now = opts.now ?? new Date();
  const year = now.getUTCFullYear();
  const card = await guestCard(deps.db, guestId, year);
  if (!card) throw guestNotFound(guestId);
  const { guest, standing } = card;
  // In house: checked in, no check-out reported, the expected departure not before today (UTC, give or take
  // the property's offset: a guest on the departure day is still shown).
  const today = now.toISOString().slice(0, 10);
  const stayIn = card.openCheckins.find((c) => c.expected_departure >= today);
  const tiers = versionInForce(card.rulesVersions, today)?.tiers;
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
      phone: guest.phone,
      birthday: guest.birthday,
      marketingConsent: guest.marketing_consent,
      memberNumber: guest.member_number,
      enrolledAt: guest.enrolled_at,
      enrolmentChannel: guest.enrolment_channel,
      referredByGuestId: guest.referred_by_guest_id,
      stage: guest.stage,
      tier: guest.tier,
      tierValidThrough: guest.tier_valid_through,
      tierFloor: guest.tier_floor,
      createdAt: guest.created_at,
      updatedAt: guest.updated_at,
    },
    /** Preferences and taboos in force, taboos first, each with its source and who recorded it. */
    preferences: card.preferences.map(preferenceView),
    pointsBalance: standing.pointsBalance,
    totals: { stays: standing.totalStays, nights: standing.totalNights },
    /** This year's qualifying activity against the tier held and the next (domain/tiers.ts `tierProgress`). */
    tierProgress: isTier(guest.tier)
      ? tierProgress({ tier: guest.tier, activity: standing.year, year, ...(tiers ? { tiers } : {}) })
      : null,
    /** The guest's workflow id; its live state: `GET /v1/guests/:id/workflow`. */
    workflowId: guestWorkflowId(guestId),
    // Staff actions on the guest's workflows (api/audited.ts), for the guest's timeline: who, why, on what.
    staffActions: card.staffActions.map((a) => {
      const after = (a.after ?? {}) as Record<string, unknown>;
      return {
        auditId: a.id,
        action: a.action,
        actor: a.actor,
        at: a.at,
        reason: after.reason ?? null,
        type: after.type ?? null,
        workflowId: after.workflowId ?? null,
        runId: after.runId ?? null,
        outcome: after.outcome ?? null,
      };
    }),
    stays: card.stays.map((s) => ({
      id: s.id,
      pmsStayId: s.pms_stay_id,
      propertyCode: s.property_code,
      arrival: s.arrival,
      departure: s.departure,
      nights: s.nights,
      roomRevenue: s.room_revenue,
      currency: s.currency,
      checkedOutAt: s.checked_out_at,
      rulesVersion: s.rules_version,
      earnFlag: s.earn_flag,
      revision: s.revision,
      cancelledAt: s.cancelled_at,
    })),
    // Stays that earned nothing because no rules version had a rate for their currency (docs/program.md): they
    // wait for an admin to publish one and re-earn them (`POST /v1/admin/stays/re-earn`).
    staysAwaitingRate: card.staysAwaitingRate.map((s) => ({
      stayId: s.id,
      pmsStayId: s.pms_stay_id,
      propertyCode: s.property_code,
      departure: s.departure,
      nights: s.nights,
      roomRevenue: s.room_revenue,
      currency: s.currency,
      rulesVersion: s.rules_version,
      earnFlag: s.earn_flag,
    })),
    ledger: card.ledger.map((l) => ({
      id: l.id,
      points: l.points,
      balanceAfter: l.balance_after,
      reason: l.reason,
      stayId: l.stay_id,
      source: l.source,
      staffRequestId: l.staff_request_id,
      rulesVersion: l.rules_version,
      createdAt: l.created_at,
    })),
    inHouse: stayIn
      ? {
          pmsStayId: stayIn.pms_stay_id,
          propertyCode: stayIn.property_code,
          arrival: stayIn.arrival,
          expectedDeparture: stayIn.expected_departure,
          checkedInAt: stayIn.checked_in_at,
        }
      : null,
    openCases: card.cases.map((c) => ({
      id: c.id,
      status: c.status,
      source: c.source,
      category: c.category,
      priority: c.priority,
      propertyCode: c.property_code,
      department: c.department,
      slaState: c.sla_state,
      openedAt: c.opened_at,
      resolvedAt: c.resolved_at,
    })),
    mails: card.mails.map((m) => ({
      id: m.id,
      template: m.template,
      class: m.class,
      locale: m.locale,
      to: m.to_address,
      subject: m.subject,
      messageId: m.message_id,
      status: m.status,
      /** When the planner let it go (a mail held for the send window: its later time); null: not planned. */
      sendAt: m.send_at,
      plannedAt: m.planned_at,
      suppressionReason: m.suppression_reason,
      attempts: m.attempts,
      createdAt: m.created_at,
      sentAt: m.sent_at,
    })),
    bookings: card.bookings.map((b) => ({
      id: b.id,
      pmsBookingId: b.pms_booking_id,
      propertyCode: b.property_code,
      arrival: b.arrival,
      departure: b.departure,
      offerCode: b.offer_code,
      status: b.status,
      createdAt: b.created_at,
      cancelledAt: b.cancelled_at,
    })),
    tierHistory: card.tierHistory.map((t) => ({
      tier: t.tier,
      previousTier: t.previous_tier,
      validFrom: t.valid_from,
      validThrough: t.valid_through,
      source: t.source,
      reason: t.reason,
      rulesVersion: t.rules_version,
      at: t.at,
    })),
    stageHistory: card.stageHistory.map((h) => ({
      from: h.from_stage,
      to: h.to_stage,
      reason: h.reason,
      actor: h.actor,
      at: h.at,
    })),
  };
}

/** What `GET /v1/guests?…` asks, validated (api/guests/router.ts). */
export interface GuestSearchQuery {
  search: guests.GuestSearch;
  limit: number;
  after: guests.GuestCursor | undefined;
}

export const CURSOR_MESSAGE = 'must be the nextCursor of an earlier answer';

/** The cursor as the answer gives it: the page's last guest in name order, base64url JSON. */
function cursorText(c: guests.GuestCursor): string {
  return Buffer.from(JSON.stringify([c.lastName, c.firstName, c.id])).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The cursor an earlier answer gave (a 400 naming `cursor` for anything else). */
export function cursorOf(text: string): guests.GuestCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (
    Array.isArray(value) &&
    value.length === 3 &&
    value.every((v) => typeof v === 'string' && !v.includes('\u0000')) &&
    UUID.test(value[2] as string)
  ) {
    const [lastName, firstName, id] = value as [string, string, string];
    return { lastName, firstName, id };
  }
  throw new HttpError(400, 'validation_failed', `cursor: ${CURSOR_MESSAGE}`, { field: 'cursor' });
}

/**
 * `GET /v1/guests?…`: the guests matching every given field, a page at a time in name order (last name, first
 * name, any case, then id), each with its last stay; `nextCursor` asks for the next page (null: no more).
 */
export async function findGuests(deps: Pick<GuestServiceDeps, 'db'>, query: GuestSearchQuery) {
  const { rows, next } = await guests.search(deps.db, query.search, {
    limit: query.limit,
    after: query.after,
  });
  return {
    guests: rows.map((g) => ({
      id: g.id,
      pmsProfileId: g.pms_profile_id,
      firstName: g.first_name,
      lastName: g.last_name,
      email: g.email,
      phone: g.phone,
      memberNumber: g.member_number,
      stage: g.stage,
      tier: g.tier,
      lastStayDate: g.last_stay_departure,
      lastProperty: g.last_property,
      createdAt: g.created_at.toISOString(),
    })),
    limit: query.limit,
    nextCursor: next ? cursorText(next) : null,
  };
}
