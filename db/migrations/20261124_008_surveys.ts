import type { Knex } from 'knex';

/**
 * The post-stay satisfaction survey (docs/api.md, the survey link): one answer per stay, replaced by a second answer within the
 * link's life (`answers` counts them). The comment is the guest's words: personal data, here only, never in
 * workflow history (the `survey.answered` message carries the score and "would return" only). The cadence's
 * conditions (`survey_not_answered`, `score_at_least:N`) read this table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('survey_responses', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('guest_id').notNullable().references('guests.id');
    t.uuid('stay_id').notNullable().references('stays.id').unique();
    // 1..5
    t.integer('score').notNullable();
    // yes | maybe | no
    t.text('would_return').notNullable();
    // Net promoter question, 0..10; optional.
    t.integer('recommend').nullable();
    t.text('comment').nullable();
    t.integer('answers').notNullable().defaultTo(1);
    t.timestamp('answered_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['guest_id']);
  });
  await knex.raw(`
    alter table survey_responses
      add constraint survey_responses_score check (score between 1 and 5),
      add constraint survey_responses_would_return check (would_return in ('yes', 'maybe', 'no')),
      add constraint survey_responses_recommend check (recommend is null or recommend between 0 and 10)
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('survey_responses');
}
