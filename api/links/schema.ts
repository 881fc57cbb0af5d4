/**
 * What the link pages take, validated at the edge: the answers posted to them (form-encoded or JSON; a refusal
 * is a 400 naming the field, api/errors.ts `validationError`) and the ids a link's signed data carries (a link
 * whose data is not what its purpose needs is malformed).
 */
import { z } from 'zod';
import { CASE_CATEGORIES } from '../../domain/cases.js';
import { longText } from '../cases/schema.js';
import { uuidId } from '../ids.js';
import { CHURN_REASONS, MAX_TEXT_ANSWER, WOULD_RETURN } from './pages.js';

/** What a token may be made of (base64url and a dot): anything else in its path segment is not one of our links. */
export const TOKEN = /^[A-Za-z0-9_.-]+$/;

export const whyAnswer = z.object({
  reason: z.enum(CHURN_REASONS, { message: `must be one of ${CHURN_REASONS.join(', ')}` }),
});

/** A form's whole number (a string of digits) or JSON's number, from `min` to `max`. */
const wholeNumber = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.preprocess(
    (v) => (typeof v === 'string' && /^\s*\d{1,3}\s*$/.test(v) ? Number(v) : v),
    z.number({ message }).int(message).min(min, message).max(max, message),
  );
};
/** Left empty (or blank) in a form: not given. */
const blankIsAbsent = (v: unknown) =>
  v === '' || (typeof v === 'string' && v.trim() === '') ? undefined : v;
const optionalText = z.preprocess(blankIsAbsent, longText(MAX_TEXT_ANSWER).optional());

export const surveyAnswer = z.object({
  score: wholeNumber(1, 5),
  wouldReturn: z.enum(WOULD_RETURN, { message: `must be one of ${WOULD_RETURN.join(', ')}` }),
  recommend: z.preprocess(blankIsAbsent, wholeNumber(0, 10).optional()),
  comment: optionalText,
});

export const reportAnswer = z.object({
  category: z.enum(CASE_CATEGORIES, { message: `must be one of ${CASE_CATEGORIES.join(', ')}` }),
  description: optionalText,
});

export const satisfactionAnswer = z.object({
  /** Default: the answer the link stands for. */
  satisfied: z.preprocess(
    (v) => (v === 'yes' ? true : v === 'no' ? false : blankIsAbsent(v)),
    z.boolean({ message: 'must be yes or no' }).optional(),
  ),
  comment: optionalText,
});

// --- a link's signed data (lib/links.ts `LinkData`) ----------------------------------------------------------

/** The survey link's stay (`stays.id`). */
export const surveyLinkData = z.object({ s: uuidId('must be a stay id (UUID)') });

/** The in-stay report link's PMS stay id and property code. */
export const reportLinkData = z.object({ s: z.string(), h: z.string() });

/** The satisfaction link's case and the answer it stands for. */
export const satisfactionLinkData = z.object({ c: uuidId('must be a case id (UUID)'), y: z.boolean() });
