/**
 * The bodies and queries of `/v1/cases`, validated at the edge: every field bounded in type, size and content,
 * a 400 naming the field for anything else. Longer texts (the guest's words, notes, resolutions) may span
 * lines; everything else is single-line text or an enum.
 */
import { z } from 'zod';
import { CASE_CATEGORIES, CASE_CAUSES, CASE_PRIORITIES, DEPARTMENTS } from '../../domain/cases.js';
import { CASE_SOURCES, CASE_STATUSES, COMPENSATION_KINDS, SLA_STATES } from '../../domain/cases.js';
import { currency, externalId, instant, money, text } from '../pms/schema.js';
import { uuidId } from '../ids.js';

/** Controls other than tab and line breaks (NUL, ESC, DEL, C1…), and unpaired surrogates: not text. */
const FORBIDDEN = /(?![\t\n\r])\p{Cc}|\p{Cs}/u;

/** Free text of several lines (a letter, a note, a resolution): trimmed, 1 to `max` characters. */
export function longText(max: number) {
  return z
    .string()
    .refine((v) => !FORBIDDEN.test(v), 'must be Unicode text without control characters')
    .pipe(z.string().trim().min(1).max(max))
    .meta({ description: `Text of 1 to ${max} characters; may span lines.` });
}

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { message: `must be one of ${values.join(', ')}` });

export const openCaseBody = z.object({
  guestId: uuidId('must be a guest id (UUID)'),
  source: oneOf(CASE_SOURCES),
  category: oneOf(CASE_CATEGORIES),
  cause: oneOf(CASE_CAUSES).optional(),
  priority: oneOf(CASE_PRIORITIES).default('normal'),
  propertyCode: externalId,
  department: oneOf(DEPARTMENTS),
  /** The staff member who received it: owns it until it is solved. */
  receivedBy: text(120),
  description: longText(4000).optional(),
  /** The stay it is about (`stays.id`). */
  stayId: uuidId('must be a stay id (UUID)').optional(),
  /** When the guest raised it (a letter received yesterday); default: now. */
  occurredAt: instant().optional(),
});
export type OpenCaseBody = z.infer<typeof openCaseBody>;

export const assignBody = z.object({
  assignee: text(120),
  department: oneOf(DEPARTMENTS).optional(),
});

export const noteBody = z.object({ text: longText(4000) });

export const MAX_COMPENSATION_POINTS = 1_000_000;

export const compensationBody = z
  .object({
    kind: oneOf(COMPENSATION_KINDS),
    /** What it is worth (points too): compared with the frontline limit after conversion to its currency. */
    amount: money.refine((v) => Number(v) > 0, 'must be more than 0'),
    currency,
    points: z
      .number({ message: 'must be a whole number' })
      .int('must be a whole number')
      .min(1, 'must be more than 0')
      .max(MAX_COMPENSATION_POINTS, `must be at most ${MAX_COMPENSATION_POINTS}`)
      .optional(),
    note: text(500).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.kind === 'points' && body.points === undefined)
      ctx.addIssue({ code: 'custom', path: ['points'], message: 'is required for a points compensation' });
    if (body.kind !== 'points' && body.points !== undefined)
      ctx.addIssue({ code: 'custom', path: ['points'], message: 'only a points compensation has points' });
  });
export type CompensationBody = z.infer<typeof compensationBody>;

export const approvalBody = z.object({ note: text(500).optional() });

export const resolveBody = z.object({
  resolution: longText(4000),
  cause: oneOf(CASE_CAUSES).optional(),
});

export const satisfactionBody = z.object({
  satisfied: z.boolean({ message: 'must be true or false' }),
  /** The guest's words, if any. */
  comment: longText(2000).optional(),
});

export const caseParams = z.object({ id: uuidId('must be a case id (UUID)') });
export const compensationParams = caseParams.extend({
  compensationId: uuidId('must be a compensation id (UUID)'),
});

export const listQuery = z.object({
  status: oneOf(CASE_STATUSES).optional(),
  department: oneOf(DEPARTMENTS).optional(),
  sla: oneOf(SLA_STATES).optional(),
  priority: oneOf(CASE_PRIORITIES).optional(),
  property: externalId.optional(),
  guestId: uuidId('must be a guest id (UUID)').optional(),
  limit: z.coerce
    .number({ message: 'must be a whole number from 1 to 200' })
    .int('must be a whole number from 1 to 200')
    .min(1, 'must be a whole number from 1 to 200')
    .max(200, 'must be a whole number from 1 to 200')
    .default(50),
  /** The `next` of the previous page. */
  before: text(200).optional(),
});
