import type { Knex } from 'knex';

export interface ProgramSettings {
  basePointsPerCurrencyUnit: number;
  thankYouDelayMinutes: number;
  /** A thank-you for a check-out older than this is not sent (recorded as suppressed). */
  thankYouMaxAgeDays: number;
}

export class SettingsMissingError extends Error {
  constructor(id: string) {
    super(`program settings '${id}' are missing`);
    this.name = 'SettingsMissingError';
  }
}

export async function getSettings(db: Knex, id = 'default'): Promise<ProgramSettings> {
  const row = (await db('program_settings').where({ id }).first()) as
    | {
        base_points_per_currency_unit: string;
        thank_you_delay_minutes: number;
        thank_you_max_age_days: number;
      }
    | undefined;
  if (!row) throw new SettingsMissingError(id);
  return {
    basePointsPerCurrencyUnit: Number(row.base_points_per_currency_unit),
    thankYouDelayMinutes: row.thank_you_delay_minutes,
    thankYouMaxAgeDays: row.thank_you_max_age_days,
  };
}
