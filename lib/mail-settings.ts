/**
 * The program's mail settings the policy decides on (program_settings: the send window, the frequency cap and
 * its days, the quiet periods), read and checked: activities/mail.ts plans each mail with them, and a campaign's
 * count preview and batches (lib/campaigns.ts) with the same.
 */
import type { Knex } from 'knex';
import * as mailPlan from '../db/repositories/mail-plan.js';
import {
  checkQuietPeriods,
  checkSendWindow,
  type QuietPeriod,
  type SendWindow,
} from '../domain/mail-policy.js';

export interface PlanningSettings {
  window: SendWindow;
  cap: number;
  days: number;
  quietPeriods: QuietPeriod[];
}

/** Settings missing (`SettingsMissing`) or not valid (`SettingsInvalid`): fixed by an admin, not by a retry. */
export class SettingsError extends Error {
  constructor(
    message: string,
    readonly type: 'SettingsMissing' | 'SettingsInvalid',
  ) {
    super(message);
  }
}

export async function readPlanningSettings(db: Knex): Promise<PlanningSettings> {
  const row = await mailPlan.planningSettings(db);
  if (!row) throw new SettingsError('no program settings', 'SettingsMissing');
  try {
    return {
      window: checkSendWindow({ start: row.send_window_start, end: row.send_window_end }),
      cap: row.marketing_frequency_cap,
      days: row.marketing_frequency_days,
      quietPeriods: checkQuietPeriods(row.quiet_periods),
    };
  } catch (err) {
    throw new SettingsError(`program settings: ${(err as Error).message}`, 'SettingsInvalid');
  }
}
