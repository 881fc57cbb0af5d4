/**
 * Picking a guest for a preview (`GET /v1/marketing/guests?q=`): marketers may not search guests the way staff
 * do (`GET /v1/guests` is a staff route, with contacts and history), so this answers the guest's id and name
 * only, for part of a name (the staff search's index, db/repositories/guests.ts `search`) or a whole member
 * number; at most 10, in name order.
 */
import type { Db } from '../../db/knex.js';
import * as guests from '../../db/repositories/guests.js';

export const GUEST_PICK_LIMIT = 10;

export async function pickGuests(db: Db, q: string) {
  const member = await guests.findByMemberNumber(db, q);
  const byNumber = member ? await guests.findById(db, member.id) : undefined;
  const { rows } = await guests.search(db, { name: q }, { limit: GUEST_PICK_LIMIT });
  const all = byNumber ? [byNumber, ...rows.filter((r) => r.id !== byNumber.id)] : rows;
  return {
    guests: all
      .slice(0, GUEST_PICK_LIMIT)
      .map((g) => ({ id: g.id, firstName: g.first_name, lastName: g.last_name })),
  };
}
