/** The hotels staff pick from: those with settings (name, zone), and any other code a stay or booking names. */
import type { Knex } from 'knex';

export interface PropertyRow {
  code: string;
  name: string | null;
  timezone: string | null;
}

export async function listProperties(db: Knex): Promise<PropertyRow[]> {
  const { rows } = await db.raw<{ rows: PropertyRow[] }>(`
    with codes as (
      select property_code from property_settings
      union select distinct property_code from stays
      union select distinct property_code from bookings
    )
    select c.property_code as code, p.name, p.timezone
    from codes c left join property_settings p using (property_code)
    order by c.property_code
    limit 500`);
  return rows;
}
