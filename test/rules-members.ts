/**
 * Members for the tier-change preview's tests (test/e2e/program-rules.test.ts, test/browser/m5-rules.test.ts),
 * written straight into Postgres: a guest row with its tier, floor, stage and enrolment, this year's stays with
 * their `stay_base` ledger rows, and things the review must not count (a stay of last year, a tier bonus).
 * Then what the review itself decides of each (per member, from the review's own reads).
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/knex.js';
import * as guests from '../db/repositories/guests.js';
import * as ledger from '../db/repositories/ledger.js';
import * as lifecycle from '../db/repositories/lifecycle.js';
import { reviewedEachYear } from '../domain/agenda.js';
import type { ProgramRules } from '../domain/program.js';
import type { Stage } from '../domain/stages.js';
import { isTier, reviewedTier, tierEarnedBy, type Tier } from '../domain/tiers.js';
import { sampleGuest } from './pms-samples.js';

export interface MemberSpec {
  tier: Tier;
  floor?: Tier;
  stage?: Stage;
  /** Default true; false: a prospect (no enrolment; with no stays, the review does not run for them). */
  enrolled?: boolean;
  /** This year's stays: nights and base points of each. */
  stays: { nights: number; basePoints: number }[];
}

/** A varied base: every tier, floors, a churned member and a prospect, activity on either side of thresholds. */
export function variedMembers(): MemberSpec[] {
  const specs: MemberSpec[] = [];
  const tiers: Tier[] = ['member', 'silver', 'gold', 'diamond'];
  for (let i = 0; i < 36; i++) {
    const tier = tiers[i % 4]!;
    const nStays = i % 7;
    specs.push({
      tier,
      ...(i % 9 === 5 && tier !== 'member' ? { floor: tier } : {}),
      ...(i % 11 === 3 ? { stage: 'churned' as const } : {}),
      stays: Array.from({ length: nStays }, (_, k) => ({
        nights: 1 + ((i + k) % 5),
        basePoints: 1500 + ((i * 977 + k * 313) % 9000),
      })),
    });
  }
  specs.push({ tier: 'member', enrolled: false, stays: [] });
  specs.push({ tier: 'member', stage: 'churned', stays: [] });
  return specs;
}

/** Writes the members; returns their ids in order. */
export async function writeMembers(db: Db, specs: readonly MemberSpec[], tag: string): Promise<string[]> {
  const year = new Date().getUTCFullYear();
  const ids: string[] = [];
  for (const [i, spec] of specs.entries()) {
    const row = await guests.insertIfAbsent(db, {
      source: 'pms',
      profile: sampleGuest({ firstName: `Rule${String(i).padStart(2, '0')}`, lastName: `Member${tag}` }),
      asOf: new Date(),
    });
    const id = row!.id;
    ids.push(id);
    const enrolled = spec.enrolled ?? true;
    await db('guests')
      .where({ id })
      .update({
        tier: spec.tier,
        tier_floor: spec.floor ?? null,
        stage: spec.stage ?? (enrolled ? 'member' : 'prospect'),
        enrolled_at: enrolled ? `${year - 1}-03-01T00:00:00Z` : null,
        member_number: enrolled ? `M${tag}${String(i).padStart(3, '0')}` : null,
      });
    const stays = [
      ...spec.stays.map((s, k) => ({ ...s, departure: `${year}-01-${String(2 + k * 3).padStart(2, '0')}` })),
      // Last year's: the review of this year does not count it (a prospect has none).
      ...(enrolled ? [{ nights: 30, basePoints: 200_000, departure: `${year - 1}-12-30` }] : []),
    ];
    for (const s of stays) {
      const stayId = randomUUID();
      await db('stays').insert({
        id: stayId,
        guest_id: id,
        source: 'pms',
        pms_stay_id: `rules-${stayId}`,
        property_code: 'RULES-A',
        arrival: new Date(Date.parse(s.departure) - s.nights * 86_400_000).toISOString().slice(0, 10),
        departure: s.departure,
        nights: s.nights,
        room_revenue: 100,
        currency: 'USD',
        checked_out_at: `${s.departure}T10:00:00Z`,
        event_id: `rules-event-${stayId}`,
      });
      await ledger.post(db, {
        guestId: id,
        points: s.basePoints,
        reason: 'stay_base',
        stayId,
        rulesVersion: 2,
        idempotencyKey: `rules-test:${stayId}:base`,
      });
      // Not base points: the review does not count a tier bonus.
      await ledger.post(db, {
        guestId: id,
        points: 50_000,
        reason: 'tier_bonus',
        stayId,
        rulesVersion: 2,
        idempotencyKey: `rules-test:${stayId}:bonus`,
      });
    }
  }
  return ids;
}

/**
 * What the review of this year decides for each of `ids` by `tiers`, from the review's own reads
 * (db/repositories/lifecycle.ts `recordOf`, `yearActivity`) and domain/tiers.ts `reviewedTier`, as counts per
 * `from→to` (from ≠ to) and the number of members it runs for.
 */
export async function reviewedPerMember(
  db: Db,
  ids: readonly string[],
  tiers: ProgramRules['tiers'],
): Promise<{ members: number; moves: Record<string, number> }> {
  const year = new Date().getUTCFullYear();
  const moves: Record<string, number> = {};
  let members = 0;
  for (const id of ids) {
    const record = (await lifecycle.recordOf(db, id))!;
    const activity = await lifecycle.yearActivity(db, id, year);
    const stays = Number(
      ((await db('stays').where({ guest_id: id }).count({ n: '*' }).first()) as { n: string }).n,
    );
    const current = isTier(record.tier) ? record.tier : 'member';
    const enrolled = record.enrolled_at !== null || stays > 0;
    if (!reviewedEachYear({ enrolled, stage: record.stage, tier: current })) continue;
    members++;
    const floor = isTier(record.tier_floor) ? record.tier_floor : null;
    const to = reviewedTier({ current, earned: tierEarnedBy(activity, tiers), floor });
    if (to !== current) moves[`${current}→${to}`] = (moves[`${current}→${to}`] ?? 0) + 1;
  }
  return { members, moves };
}

/** The preview's transitions as `from→to` counts of one column. */
export function movesOf(
  transitions: readonly { from: string; to: string; current: number; draft: number }[],
  column: 'current' | 'draft',
): Record<string, number> {
  return Object.fromEntries(
    transitions.filter((t) => t[column] > 0).map((t) => [`${t.from}→${t.to}`, t[column]]),
  );
}
