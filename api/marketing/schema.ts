/**
 * The bodies, path parameters and queries of the marketer API (`/v1/templates`, `/v1/cadences`), validated at
 * the edge: a 400 naming the field for anything out of shape. Whether a template's text is in the logic-less
 * subset with known placeholders only is the next check (422, mail/template-check.ts).
 */
import { z } from 'zod';
import { longText } from '../cases/schema.js';
import { instant, text } from '../pms/schema.js';
import { uuidId } from '../ids.js';

/** Controls other than tab and line breaks, and unpaired surrogates: not text. */
const FORBIDDEN = /(?![\t\n\r])\p{Cc}|\p{Cs}/u;

/** A template's html or text: several lines, kept as written (not trimmed), 1 to `max` characters. */
function templateBody(max: number) {
  return z
    .string()
    .refine((v) => !FORBIDDEN.test(v), 'must be Unicode text without control characters')
    .pipe(
      z
        .string()
        .max(max)
        .refine((v) => v.trim() !== '', 'must not be empty'),
    );
}

export const MAX_TEMPLATE_HTML = 100_000;
export const MAX_TEMPLATE_TEXT = 50_000;

const localeText = z.strictObject({
  subject: text(300),
  html: templateBody(MAX_TEMPLATE_HTML),
  text: templateBody(MAX_TEMPLATE_TEXT),
});

export const templateDraftBody = z.strictObject({
  note: longText(1000).optional(),
  /** Both locales: every guest gets the template in their own language. */
  locales: z.strictObject({ en: localeText, 'zh-CN': localeText }),
});
export type TemplateDraftBody = z.infer<typeof templateDraftBody>;

/** A template key: lower-case words joined by hyphens. */
export const templateKey = z
  .string()
  .max(100)
  .pipe(
    z
      .string()
      .regex(
        /^[a-z0-9]+(-[a-z0-9]+)*$/,
        'must be a key of lower-case words joined by hyphens, such as post-stay',
      ),
  )
  .meta({ description: 'Lower-case words joined by hyphens (`post-stay`).' });

/** A version number in a path or body: digits only in a path (`1e3` is not version 1000). */
export const versionNumber = z.preprocess(
  (v) => (typeof v === 'string' && /^\d{1,7}$/.test(v) ? Number(v) : v),
  z
    .number({ message: 'must be a version number' })
    .int('must be a version number')
    .min(1, 'must be a version number (1 or more)')
    .max(1_000_000, 'must be a version number'),
);

export const keyParams = z.object({ key: templateKey });
export const versionParams = z.object({ key: templateKey, version: versionNumber });

export const templatePreviewBody = z.strictObject({
  guestId: uuidId('must be a guest id (UUID)'),
  /** A stored version (draft or published); default: the current one (the built-in one if none). */
  version: z.number().int('must be a version number').min(1).max(1_000_000).optional(),
});

// --- cadences -----------------------------------------------------------------------------------------------

/** A version number in a body. */
const bodyVersion = z
  .number({ message: 'must be a version number' })
  .int('must be a version number')
  .min(1, 'must be a version number (1 or more)')
  .max(1_000_000, 'must be a version number');

/** The steps are checked by domain/cadence.ts validateSteps (422 naming each step's field). */
export const cadenceDraftBody = z.strictObject({
  note: longText(1000).optional(),
  steps: z.unknown(),
});
export type CadenceDraftBody = z.infer<typeof cadenceDraftBody>;

export const diffQuery = z.object({ from: versionNumber, to: versionNumber });

export const rollbackBody = z.strictObject({
  version: bodyVersion,
  note: longText(1000).optional(),
});

export const cadencePreviewBody = z.strictObject({
  guestId: uuidId('must be a guest id (UUID)'),
  version: bodyVersion.optional(),
  /** The stay's check-out to plan from; default: the guest's latest stay's, else now. */
  checkOutAt: instant().optional(),
});

export const dryRunQuery = z.object({ to: versionNumber.optional() });

export const MAX_MOVE_BATCH = 500;

export const movesBody = z.strictObject({
  fromVersion: bodyVersion,
  toVersion: bodyVersion,
  limit: z
    .number({ message: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_MOVE_BATCH, `must be at most ${MAX_MOVE_BATCH}`)
    .default(100),
});
export type MovesBody = z.infer<typeof movesBody>;

// --- the console's helpers ------------------------------------------------------------------------------------

/** `POST /v1/templates/:key/check`: the text of a draft, checked and not written. */
export const templateCheckBody = templateDraftBody.pick({ locales: true });

/** `GET /v1/cadences/:key/dry-run/steps?version=`: the version planned over the running follow-ups. */
export const basePlanQuery = z.object({ version: versionNumber.optional() });

/** `GET /v1/marketing/guests?q=`: part of a name (2 or more characters) or a whole member number. */
export const guestPickQuery = z.object({ q: text(100, { min: 2 }) });
