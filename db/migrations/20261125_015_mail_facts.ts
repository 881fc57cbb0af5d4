import type { Knex } from 'knex';

/**
 * The facts a guest mail was decided on (the tier reached, the stay's points, the balance after it, the offer
 * and coupon, …): the template's variables as they stood when the outbox row was written. The mail is rendered
 * from them at its send time with the guest's contact data read then (name, address, locale), so a corrected
 * address is honoured and nothing the guest's standing became since changes what the mail says
 * (activities/mail.ts `deliverMail`). Null for rows written before this migration and for staff mails: those
 * go as they were rendered when queued.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.jsonb('facts').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.dropColumn('facts');
  });
}
