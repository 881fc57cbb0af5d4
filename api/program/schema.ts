/**
 * The bodies of the program's admin routes: a whole rules version (every field of domain/program.ts
 * `ProgramRules`, nothing else) and the re-earn's optional filter. A refusal is a 400 naming the field
 * (api/errors.ts `validationError`).
 */
import { z } from 'zod';
import { currency, isoDate } from '../pms/schema.js';
import { segmentSettingsFaults } from '../../domain/segments.js';

const whole = (min: number, max: number) =>
  z
    .number({ message: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be a whole number from ${min} to ${max}`)
    .max(max, `must be a whole number from ${min} to ${max}`);

const positive = (max: number) =>
  z
    .number({ message: `must be a number above 0, at most ${max}` })
    .positive(`must be a number above 0, at most ${max}`)
    .max(max, `must be a number above 0, at most ${max}`);

/** A share of the guests, above 0 and at most 1 (segments' cut points: domain/segments.ts). */
const share = z
  .number('must be a number above 0, at most 1')
  .gt(0, 'must be a number above 0, at most 1')
  .max(1, 'must be a number above 0, at most 1');

const tierRule = z.strictObject({
  nights: whole(1, 366),
  stays: whole(1, 366),
  basePoints: whole(1, 100_000_000),
  bonusPercent: whole(0, 1000),
});

export const rulesSchema = z
  .strictObject({
    programCurrency: currency,
    basePointsPerUnit: positive(1000),
    currencyRates: z
      .record(currency, positive(1_000_000))
      .refine((r) => Object.keys(r).length > 0, 'must list at least one currency'),
    tiers: z.strictObject({ silver: tierRule, gold: tierRule, diamond: tierRule }),
    referralBonus: whole(0, 1_000_000),
    welcomeBackBonus: whole(0, 1_000_000),
    redemptionMinimum: whole(1, 1_000_000),
    pointsExpiryMonths: whole(1, 120),
    pointsExpiryWarningDays: whole(0, 365),
    atRiskAfterMonths: whole(1, 120),
    lapseAfterMonths: whole(1, 120),
    firstYearReminderMonthsBefore: whole(0, 11),
    tierKeepReminderDaysBefore: whole(0, 365),
    reviewJitterHours: whole(0, 23),
    winBack: z.strictObject({
      offerDays: z.array(whole(0, 366)).min(1, 'must list at least one offer').max(10),
      offers: z.array(z.string().min(1).max(100)).min(1, 'must list at least one offer').max(10),
      answerWindowDays: whole(1, 366),
    }),
    greetingHour: whole(0, 23),
    segments: z
      .strictObject({
        value: z.strictObject({ vipShare: share, majorShare: share, ordinaryShare: share }),
        newMemberDays: whole(1, 366),
      })
      .optional(),
  })
  .superRefine((r, ctx) => {
    if (r.currencyRates[r.programCurrency] !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['currencyRates', r.programCurrency],
        message: `the program currency ${r.programCurrency} must have the rate 1`,
      });
    const order = ['silver', 'gold', 'diamond'] as const;
    for (let i = 1; i < order.length; i++) {
      const [lower, higher] = [r.tiers[order[i - 1]!], r.tiers[order[i]!]];
      for (const k of ['nights', 'stays', 'basePoints'] as const)
        if (higher[k] <= lower[k])
          ctx.addIssue({
            code: 'custom',
            path: ['tiers', order[i]!, k],
            message: `must be above ${order[i - 1]}'s ${lower[k]}`,
          });
    }
    if (r.lapseAfterMonths <= r.atRiskAfterMonths)
      ctx.addIssue({
        code: 'custom',
        path: ['lapseAfterMonths'],
        message: 'must be above atRiskAfterMonths',
      });
    for (const fault of r.segments ? segmentSettingsFaults(r.segments) : [])
      ctx.addIssue({ code: 'custom', path: ['segments', fault.field], message: fault.message });
    if (r.winBack.offers.length !== r.winBack.offerDays.length)
      ctx.addIssue({
        code: 'custom',
        path: ['winBack', 'offers'],
        message: 'must have one offer per offer day',
      });
  });

/** `POST /v1/program/rules`. */
export const publishRulesBody = z.strictObject({
  effectiveFrom: isoDate(),
  rules: rulesSchema,
  note: z.string().max(1000).optional(),
});

/** `POST /v1/admin/stays/re-earn`: all waiting stays by default, or those of one currency; at most `limit`. */
export const reEarnBody = z
  .strictObject({
    currency: currency.optional(),
    limit: whole(1, 1000).optional(),
  })
  .default({});

/** A draft's id in a path: digits only (`1e3` is not draft 1000). */
export const draftParams = z.object({
  id: z.preprocess(
    (v) => (typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : v),
    z
      .number({ message: 'must be a draft id' })
      .int('must be a draft id')
      .min(1, 'must be a draft id (1 or more)')
      .max(Number.MAX_SAFE_INTEGER, 'must be a draft id'),
  ),
});

const revision = z
  .number({ message: 'must be the revision the draft was read at' })
  .int('must be the revision the draft was read at')
  .min(1, 'must be the revision the draft was read at');

const draftNote = z.string().max(1000, 'must be at most 1,000 characters');

/** `POST /v1/program/rules/drafts`: a new draft, whole and valid as a version would be. */
export const createDraftBody = z.strictObject({
  rules: rulesSchema,
  /** The version the admin started from (for the page's "changed from version n"). */
  basedOnVersion: whole(1, 1_000_000).optional(),
  note: draftNote.optional(),
});

/** `POST /v1/program/rules/drafts/:id`: the draft's rules and note as saved now, from `revision`. */
export const saveDraftBody = z.strictObject({
  rules: rulesSchema,
  note: draftNote.nullable().optional(),
  revision,
});

/** `POST /v1/program/rules/drafts/:id/publish`: the draft as saved at `revision`, in force from `effectiveFrom`. */
export const publishDraftBody = z.strictObject({
  effectiveFrom: isoDate(),
  revision,
  note: draftNote.optional(),
});

/** `POST /v1/program/rules/preview`: the rules to compare with the version that would decide the next review. */
export const previewRulesBody = z.strictObject({ rules: rulesSchema });
