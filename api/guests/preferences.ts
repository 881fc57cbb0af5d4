/**
 * A guest's preferences and taboos, recorded by staff in the console (ops, manager, admin):
 * `POST /v1/guests/:id/preferences` `{ kind, category, text }` → 201, and
 * `POST /v1/guests/:id/preferences/:preferenceId/remove` → 200. Each is audited with the key's name (subject
 * `guest:<id>`, the guest's timeline shows it). Facts from the PMS or an import carry their own source.
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/knex.js';
import * as audit from '../../db/repositories/audit.js';
import * as guests from '../../db/repositories/guests.js';
import * as preferences from '../../db/repositories/preferences.js';
import { PREFERENCE_CATEGORIES, PREFERENCE_KINDS } from '../../domain/preferences.js';
import { HttpError, validationError } from '../errors.js';
import { uuidId } from '../ids.js';
import { text } from '../pms/schema.js';

export const preferenceBody = z.strictObject({
  kind: z.enum(PREFERENCE_KINDS, { message: `must be one of ${PREFERENCE_KINDS.join(', ')}` }),
  category: z.enum(PREFERENCE_CATEGORIES, { message: `must be one of ${PREFERENCE_CATEGORIES.join(', ')}` }),
  text: text(300),
});

export const preferenceParams = z.object({
  id: uuidId('must be a guest id (UUID)'),
  preferenceId: z.coerce
    .number({ message: 'must be a preference id' })
    .int('must be a preference id')
    .min(1, 'must be a preference id'),
});

export function preferenceView(p: Omit<preferences.PreferenceRow, 'guest_id'>) {
  return {
    id: p.id,
    kind: p.kind,
    category: p.category,
    text: p.text,
    source: p.source,
    recordedBy: p.recorded_by,
    at: p.created_at.toISOString(),
  };
}

async function guestIdOf(db: Db, req: Request): Promise<string> {
  const parsed = preferenceParams.pick({ id: true }).safeParse(req.params);
  if (!parsed.success) throw validationError(parsed.error);
  if (!(await guests.findById(db, parsed.data.id)))
    throw new HttpError(404, 'guest_not_found', `no guest with id ${parsed.data.id}`, { field: 'id' });
  return parsed.data.id;
}

export function preferencesRouter(deps: { db: Db }): Router {
  const router = Router({ mergeParams: true });
  router.post('/', async (req, res) => {
    const guestId = await guestIdOf(deps.db, req);
    const parsed = preferenceBody.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    const actor = req.principal!.name;
    const row = await deps.db.transaction(async (trx) => {
      const added = await preferences.add(trx, {
        guest_id: guestId,
        ...parsed.data,
        source: 'staff',
        recorded_by: actor,
      });
      await audit.record(trx, {
        actor,
        action: 'guest.preference.add',
        subject: `guest:${guestId}`,
        after: { preferenceId: added.id, kind: added.kind, category: added.category },
      });
      return added;
    });
    res.status(201).json({ preference: preferenceView(row) });
  });
  router.post('/:preferenceId/remove', async (req, res) => {
    const parsed = preferenceParams.safeParse(req.params);
    if (!parsed.success) throw validationError(parsed.error);
    const guestId = await guestIdOf(deps.db, req);
    const actor = req.principal!.name;
    const removed = await deps.db.transaction(async (trx) => {
      const done = await preferences.remove(trx, { guestId, id: parsed.data.preferenceId, by: actor });
      if (done)
        await audit.record(trx, {
          actor,
          action: 'guest.preference.remove',
          subject: `guest:${guestId}`,
          after: { preferenceId: parsed.data.preferenceId },
        });
      return done;
    });
    if (!removed)
      throw new HttpError(
        404,
        'preference_not_found',
        `no preference ${parsed.data.preferenceId} of this guest`,
        {
          field: 'preferenceId',
        },
      );
    res.json({ removed: parsed.data.preferenceId });
  });
  return router;
}
