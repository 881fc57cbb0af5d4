import type { Knex } from 'knex';

export interface ProgramSettings {
  basePointsPerCurrencyUnit: number;
  thankYouDelayMinutes: number;
}

export async function getSettings(db: Knex, id = 'default'): Promise<ProgramSettings> {
  const row = (await db('program_settings').where({ id }).first()) as
    { base_points_per_currency_unit: string; thank_you_delay_minutes: number } | undefined;
  if (!row) throw new Error(`program settings '${id}' are missing`);
  return {
    basePointsPerCurrencyUnit: Number(row.base_points_per_currency_unit),
    thankYouDelayMinutes: row.thank_you_delay_minutes,
  };
}
