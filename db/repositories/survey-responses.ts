/**
 * Post-stay survey answers (`survey_responses`, migration 008): one row per stay, written by the survey link
 * (api/links). A second answer replaces the first and counts (`answers`); the same answer again changes
 * nothing. The comment is the guest's words: it stays in this table (never in the audit entry or a workflow).
 */
import type { Knex } from 'knex';
import * as audit from './audit.js';

export type WouldReturn = 'yes' | 'maybe' | 'no';

export interface SurveyResponseRow {
  id: string;
  guest_id: string;
  stay_id: string;
  score: number;
  would_return: WouldReturn;
  recommend: number | null;
  comment: string | null;
  answers: number;
  /** When the answer in force was given (a replacement moves it). */
  answered_at: Date;
  updated_at: Date;
}

export interface SurveyAnswer {
  score: number;
  wouldReturn: WouldReturn;
  recommend: number | null;
  comment: string | null;
}

export const SURVEY_ANSWERED_ACTION = 'survey.answered';

export async function findByStay(db: Knex, stayId: string): Promise<SurveyResponseRow | undefined> {
  return (await db<SurveyResponseRow>('survey_responses').where({ stay_id: stayId }).first()) ?? undefined;
}

function sameAnswer(row: SurveyResponseRow, answer: SurveyAnswer): boolean {
  return (
    row.score === answer.score &&
    row.would_return === answer.wouldReturn &&
    row.recommend === answer.recommend &&
    row.comment === answer.comment
  );
}

export interface RecordedSurveyAnswer {
  row: SurveyResponseRow;
  /** False when the answer in force is the same: nothing was written. */
  changed: boolean;
}

/**
 * Stores the guest's answer about a stay with its audit entry (by `actor`, naming the message `eventId(row)`
 * the workflow will get; facts only, not the comment), in one transaction under the row's lock: the first
 * answer inserts, a different one replaces it (`answers` + 1, `answered_at` now), the same one writes nothing.
 */
export async function recordAnswer(
  db: Knex,
  input: { guestId: string; stayId: string; answer: SurveyAnswer; actor: string },
  eventId: (row: Pick<SurveyResponseRow, 'stay_id' | 'answers'>) => string,
): Promise<RecordedSurveyAnswer> {
  return db.transaction(async (trx) => {
    const before = await trx<SurveyResponseRow>('survey_responses')
      .where({ stay_id: input.stayId })
      .forUpdate()
      .first();
    if (before && sameAnswer(before, input.answer)) return { row: before, changed: false };
    const { answer } = input;
    const values = {
      score: answer.score,
      would_return: answer.wouldReturn,
      recommend: answer.recommend,
      comment: answer.comment,
      answered_at: trx.fn.now(),
      updated_at: trx.fn.now(),
    };
    // A first answer racing another first answer: the later one replaces the earlier.
    const [row] = (await trx('survey_responses')
      .insert({ guest_id: input.guestId, stay_id: input.stayId, answers: 1, ...values })
      .onConflict('stay_id')
      .merge({ ...values, answers: trx.raw('survey_responses.answers + 1') })
      .returning('*')) as SurveyResponseRow[];
    const facts = (r: SurveyResponseRow | SurveyAnswer) =>
      'stay_id' in r
        ? { score: r.score, wouldReturn: r.would_return, recommend: r.recommend, answers: r.answers }
        : { score: r.score, wouldReturn: r.wouldReturn, recommend: r.recommend };
    await audit.record(trx, {
      actor: input.actor,
      action: SURVEY_ANSWERED_ACTION,
      subject: `guest:${input.guestId}`,
      before: before ? facts(before) : null,
      after: {
        stayId: input.stayId,
        ...facts(row!),
        commented: row!.comment !== null,
        eventId: eventId(row!),
      },
    });
    return { row: row!, changed: true };
  });
}
