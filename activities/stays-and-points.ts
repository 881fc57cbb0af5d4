/**
 * Stays and points: one activity per decision, one transaction per activity
 * (DESIGN.md "History stays small"). `applyStay` records the stay, posts its
 * base points, marks the PMS event handled and reads the guest's standing in
 * one transaction on one connection, so a retry finds everything or nothing.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/knex.js';
import * as ledger from '../db/repositories/ledger.js';
import * as pmsEvents from '../db/repositories/pms-events.js';
import * as program from '../db/repositories/program.js';
import { standingOf, type GuestStanding } from '../db/repositories/standing.js';
import * as stays from '../db/repositories/stays.js';
import type { StayCompletedMessage } from '../domain/messages.js';
import { basePointsForStay } from '../domain/points.js';
import { failFastOnDataErrors } from './errors.js';
import type { FaultInjector } from './faults.js';

export type { GuestStanding, LastStay } from '../db/repositories/standing.js';

export interface ApplyStayResult {
  stayId: string;
  /** False when the stay was recorded before (a repeat delivery, a retry, a re-driven event). */
  created: boolean;
  pointsEarned: number;
  balanceAfter: number;
  standing: GuestStanding;
  settings: program.ProgramSettings;
}

/** Settings missing is a deployment fault no retry fixes: fail the activity for good, with its type. */
export async function settingsOf(db: Db): Promise<program.ProgramSettings> {
  try {
    return await program.getSettings(db);
  } catch (err) {
    if (err instanceof program.SettingsMissingError) {
      throw ApplicationFailure.nonRetryable(err.message, 'SettingsMissing');
    }
    throw err;
  }
}

export function createStayActivities(deps: { db: Db; faults: FaultInjector }) {
  const { db, faults } = deps;
  return {
    /**
     * Records a completed stay once per (source, pmsStayId), posts its base
     * points once (key `<workflowId>:stay-base-points:<stayId>`), marks the
     * PMS event handled, and returns the guest's standing afterwards.
     */
    async applyStay(input: {
      guestId: string;
      workflowId: string;
      message: StayCompletedMessage;
    }): Promise<ApplyStayResult> {
      const { message } = input;
      const year = Number(message.stay.departure.slice(0, 4));
      const result = await failFastOnDataErrors(() =>
        db.transaction(async (trx) => {
          const settings = await settingsOf(trx);
          const { stay, created } = await stays.insertIfAbsent(trx, {
            guestId: input.guestId,
            source: message.source,
            eventId: message.eventId,
            checkedOutAt: new Date(message.occurredAt),
            stay: message.stay,
          });
          const { entry } = await ledger.post(trx, {
            guestId: input.guestId,
            stayId: stay.id,
            reason: 'stay_base',
            points: basePointsForStay(message.stay.roomRevenue, settings.basePointsPerCurrencyUnit),
            idempotencyKey: `${input.workflowId}:stay-base-points:${stay.id}`,
          });
          await pmsEvents.markHandled(trx, message.eventId);
          const standing = await standingOf(trx, input.guestId, year);
          return {
            stayId: stay.id,
            created,
            pointsEarned: entry.points,
            balanceAfter: entry.balance_after,
            standing,
            settings,
          };
        }),
      ).catch((err: unknown) => {
        if (err instanceof stays.StayOwnedByAnotherGuestError) {
          throw ApplicationFailure.nonRetryable(err.message, 'StayOwnedByAnotherGuest');
        }
        throw err;
      });
      faults('ledger.afterPost');
      return result;
    },

    /**
     * The guest as Postgres knows it, for a run that starts without carried
     * state (first start, or after a failed, terminated or reset run).
     */
    async loadGuestState(input: { guestId: string; year: number }): Promise<GuestStanding> {
      return failFastOnDataErrors(() => standingOf(db, input.guestId, input.year));
    },

    /** The guest's workflow could not act on a PMS event: recorded with a summary, so the sweeper leaves it. */
    async rejectEvent(input: { eventId: string; reason: string }): Promise<void> {
      await failFastOnDataErrors(() => pmsEvents.markRejected(db, input.eventId, input.reason));
    },
  };
}
