/**
 * The day's arrivals at a property, each with the brief the front desk reads before the guest reaches the desk:
 * who the guest is, the tier and what it gives (domain/tier-benefits.ts, by the rules version in force on the
 * arrival day), the stays so far, the cases not closed and the most urgent of them, the last survey answer,
 * whether a post-stay follow-up or a win-back is running, and a birthday during the stay.
 *
 * Everything comes from Postgres (db/repositories/arrivals.ts, preferences.ts), in eight statements for the whole
 * list however long it is: the bookings with their guests, then one statement per kind of fact for all the
 * guests, side by side. Temporal is not asked: a follow-up runs while its `follow_ups` row says `running`, a
 * win-back while the guest's stage is `lapsed` (the workflow records both). Preferences and taboos are those
 * staff recorded on the guest card (the PMS events carry none yet).
 */
import * as preferences from '../../db/repositories/preferences.js';
import { preferenceView } from '../guests/preferences.js';
import type { Db } from '../../db/knex.js';
import * as arrivals from '../../db/repositories/arrivals.js';
import { rulesVersions } from '../../db/repositories/lifecycle.js';
import { birthdayDuringStay, compareUrgency } from '../../domain/arrivals.js';
import { DEFAULT_RULES } from '../../domain/default-rules.js';
import { versionInForce } from '../../domain/program.js';
import { tierBenefits } from '../../domain/tier-benefits.js';
import { isTier } from '../../domain/tiers.js';

export interface ArrivalsDeps {
  db: Db;
}

const DAY_MS = 86_400_000;

/** Groups rows by guest. */
function byGuest<T extends { guest_id: string }>(rows: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const r of rows) {
    const list = map.get(r.guest_id);
    if (list) list.push(r);
    else map.set(r.guest_id, [r]);
  }
  return map;
}

const oneByGuest = <T extends { guest_id: string }>(rows: T[]) => new Map(rows.map((r) => [r.guest_id, r]));

/** `GET /v1/arrivals?property=&date=`: the arrivals sorted by name, with `count`. */
export async function listArrivals(deps: ArrivalsDeps, query: { property: string; date: string }) {
  const { db } = deps;
  const rows = await arrivals.arrivingOn(db, query.property, query.date);
  const guestIds = [...new Set(rows.map((r) => r.guest_id))];
  const lapsedIds = [...new Set(rows.filter((r) => r.stage === 'lapsed').map((r) => r.guest_id))];
  const [stays, cases, surveys, followUps, lapses, versions, facts] = await Promise.all([
    arrivals.staySummaries(db, guestIds).then(oneByGuest),
    arrivals.unclosedCases(db, guestIds).then(byGuest),
    arrivals.lastSurveys(db, guestIds).then(oneByGuest),
    arrivals.runningFollowUps(db, guestIds).then(oneByGuest),
    arrivals.lapses(db, lapsedIds).then(oneByGuest),
    rows.length ? rulesVersions(db) : Promise.resolve([]),
    preferences.listActive(db, guestIds).then(byGuest),
  ]);
  const inForce = versionInForce(versions, query.date);
  const rules = inForce?.rules ?? DEFAULT_RULES;

  return {
    property: query.property,
    date: query.date,
    count: rows.length,
    arrivals: rows.map((r) => {
      const stay = stays.get(r.guest_id);
      const open = (cases.get(r.guest_id) ?? [])
        .map((c) => ({ ...c, slaState: c.sla_state, openedAt: c.opened_at }))
        .sort(compareUrgency);
      const urgent = open[0];
      const survey = surveys.get(r.guest_id);
      const followUp = followUps.get(r.guest_id);
      const lapse = lapses.get(r.guest_id);
      const tier = isTier(r.tier) ? r.tier : 'member';
      return {
        guest: {
          id: r.guest_id,
          firstName: r.first_name,
          lastName: r.last_name,
          memberNumber: r.member_number,
          language: r.locale,
          marketingConsent: r.marketing_consent,
          stage: r.stage,
        },
        booking: {
          id: r.booking_id,
          pmsBookingId: r.pms_booking_id,
          arrival: r.arrival,
          departure: r.departure,
          nights: Math.round((Date.parse(r.departure) - Date.parse(r.arrival)) / DAY_MS),
          offerCode: r.offer_code,
          bookedAt: r.booked_at,
        },
        tier: {
          name: tier,
          validThrough: r.tier_valid_through,
          rulesVersion: inForce?.version ?? null,
          benefits: tierBenefits(tier, rules),
        },
        stays: {
          count: stay?.stays ?? 0,
          last: stay
            ? { propertyCode: stay.property_code, arrival: stay.arrival, departure: stay.departure }
            : null,
        },
        openCases: {
          count: open.length,
          mostUrgent: urgent
            ? {
                id: urgent.id,
                status: urgent.status,
                category: urgent.category,
                priority: urgent.priority,
                slaState: urgent.sla_state,
                propertyCode: urgent.property_code,
                openedAt: urgent.opened_at,
              }
            : null,
        },
        lastSurvey: survey
          ? {
              stayId: survey.stay_id,
              score: survey.score,
              wouldReturn: survey.would_return,
              recommend: survey.recommend,
              answeredAt: survey.answered_at,
            }
          : null,
        followUp: followUp
          ? {
              running: followUp.running,
              latest: {
                workflowId: followUp.workflow_id,
                stayId: followUp.stay_id,
                cadenceKey: followUp.cadence_key,
                cadenceVersion: followUp.cadence_version,
                stepsDone: followUp.steps_done,
                startedAt: followUp.started_at,
              },
            }
          : null,
        winBack: r.stage === 'lapsed' ? { lapsedAt: lapse?.lapsed_at ?? null } : null,
        /** Preferences and taboos in force, taboos first, each with its source (the guest card's). */
        preferences: (facts.get(r.guest_id) ?? []).map(preferenceView),
        birthdayDuringStay: r.birthday ? birthdayDuringStay(r.birthday, r.arrival, r.departure) : null,
      };
    }),
  };
}
