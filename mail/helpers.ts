/**
 * Handlebars helpers of the mail templates. Each reads the template's locale from the render's data
 * (`@locale`), so one template text per locale calls the same helper. All are deterministic (no Intl, no time
 * zone): a mail rendered twice is the same mail. A value a helper cannot render is an error, never a blank.
 */
import type Handlebars from 'handlebars';
import type { HelperOptions } from 'handlebars';
import { TIER_NAMES, type TierName } from '../domain/program.js';

export type Locale = 'en' | 'zh-CN';

export class TemplateValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateValueError';
  }
}

const TIER_LABELS: Record<Locale, Record<TierName, string>> = {
  en: { member: 'Member', silver: 'Silver', gold: 'Gold', diamond: 'Diamond' },
  'zh-CN': { member: '会员', silver: '银卡', gold: '金卡', diamond: '钻石卡' },
};

export function isTierName(value: unknown): value is TierName {
  return typeof value === 'string' && (TIER_NAMES as readonly string[]).includes(value);
}

/** Member / Silver / Gold / Diamond, 会员 / 银卡 / 金卡 / 钻石卡. */
export function tierLabel(tier: unknown, locale: Locale): string {
  if (!isTierName(tier))
    throw new TemplateValueError(`'${String(tier)}' is not a tier (${TIER_NAMES.join(', ')})`);
  return TIER_LABELS[locale][tier];
}

const MONTHS_EN = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** A calendar date `YYYY-MM-DD` as `31 December 2027` or `2027年12月31日`. */
export function formatDate(value: unknown, locale: Locale): string {
  const m = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  const [year, month, day] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  // Round-trip through UTC to refuse 2027-02-30 and the like.
  const check = new Date(Date.UTC(year, month - 1, day));
  if (
    !m ||
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day
  )
    throw new TemplateValueError(`'${String(value)}' is not a date YYYY-MM-DD`);
  return locale === 'zh-CN' ? `${year}年${month}月${day}日` : `${day} ${MONTHS_EN[month - 1]!} ${year}`;
}

const CHINESE_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/**
 * An offer as the program rules word it (`10% off`, `a free night`), in the mail's language: English as
 * given; Chinese for the wordings it knows (`10% off` → 九折, `15% off` → 85折, `a free night` → 免费住宿一晚),
 * anything else as given.
 */
export function offerText(value: unknown, locale: Locale): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new TemplateValueError(`'${String(value)}' is not an offer`);
  const offer = value.trim();
  if (locale === 'en') return offer;
  const percent = /^(\d{1,2})% off$/i.exec(offer);
  if (percent) {
    const pay = 100 - Number(percent[1]); // 10% off: pay 90% (九折)
    if (pay > 0 && pay < 100) return pay % 10 === 0 ? `${CHINESE_DIGITS[pay / 10]!}折` : `${pay}折`;
  }
  if (/^(a|one) free night$/i.test(offer)) return '免费住宿一晚';
  return offer;
}

/** `night` or `nights` by the count (English; Chinese needs no plural). */
export function plural(count: unknown, one: string, many: string): string {
  return Number(count) === 1 ? one : many;
}

function localeOf(options: HelperOptions): Locale {
  const data = options.data as { locale?: unknown } | undefined;
  return data?.locale === 'zh-CN' ? 'zh-CN' : 'en';
}

/**
 * What a stored template may call (mail/template-check.ts), with the number of arguments each takes:
 * the formatting helpers in `{{helper arg}}`, and the blocks `{{#if v}}`, `{{#unless v}}`, `{{#eq v "x"}}`.
 */
export const INLINE_HELPERS: Readonly<Record<string, number>> = {
  tierName: 1,
  date: 1,
  offerText: 1,
  plural: 3,
};
export const BLOCK_HELPERS: Readonly<Record<string, number>> = { if: 1, unless: 1, eq: 2 };

/** The helpers, registered on a Handlebars environment of the templates' own. */
export function registerHelpers(hb: typeof Handlebars): void {
  hb.registerHelper('tierName', (tier: unknown, options: HelperOptions) =>
    tierLabel(tier, localeOf(options)),
  );
  hb.registerHelper('date', (value: unknown, options: HelperOptions) => formatDate(value, localeOf(options)));
  hb.registerHelper('offerText', (value: unknown, options: HelperOptions) =>
    offerText(value, localeOf(options)),
  );
  hb.registerHelper('plural', (count: unknown, one: unknown, many: unknown) =>
    plural(count, String(one), String(many)),
  );
  // `{{#eq outcome "up"}}…{{else}}…{{/eq}}`: numbers and their strings compare equal (offerNumber 2 and "2").
  hb.registerHelper('eq', function (this: unknown, a: unknown, b: unknown, options: HelperOptions) {
    return String(a) === String(b) ? options.fn(this) : options.inverse(this);
  });
}
