/**
 * Mail templates per locale. Handlebars in strict mode: a placeholder the
 * data does not carry fails the render instead of mailing a blank. Strict
 * mode does not look at a helper's arguments or at a branch not taken, so
 * each template also declares the variables it needs (`templateVars`), and
 * a render without one of them, or with a tier, outcome or offer number out
 * of range, fails too.
 */
import Handlebars from 'handlebars';
import { CARE_TEMPLATES } from './care-templates.js';
import { CADENCE_TEMPLATES } from './cadence-templates.js';
import { CAMPAIGN_TEMPLATES } from './campaign-templates.js';
import { CASE_TEMPLATES } from './case-templates.js';
import { isTierName, registerHelpers, TemplateValueError } from './helpers.js';
import { LIFECYCLE_TEMPLATES } from './lifecycle-templates.js';
import type { TemplateSource } from './types.js';

export { TemplateValueError };

export const TEMPLATE_LOCALES = ['en', 'zh-CN'] as const;
export type TemplateLocale = (typeof TEMPLATE_LOCALES)[number];

const STAY_THANK_YOU = {
  vars: ['propertyCode', 'arrival', 'departure', 'nights', 'oneNight', 'pointsEarned', 'pointsBalance'],
  en: {
    subject: 'Thank you for staying with us, {{firstName}}',
    text: `Dear {{firstName}} {{lastName}},

Thank you for your stay at {{propertyCode}} from {{arrival}} to {{departure}} ({{nights}} night{{#unless oneNight}}s{{/unless}}).

You earned {{pointsEarned}} points for this stay. Your balance is now {{pointsBalance}} points.

We hope to welcome you back soon.

Guest Relations`,
    html: `<p>Dear {{firstName}} {{lastName}},</p>
<p>Thank you for your stay at <strong>{{propertyCode}}</strong> from {{arrival}} to {{departure}} ({{nights}} night{{#unless oneNight}}s{{/unless}}).</p>
<p>You earned <strong>{{pointsEarned}} points</strong> for this stay. Your balance is now <strong>{{pointsBalance}} points</strong>.</p>
<p>We hope to welcome you back soon.</p>
<p>Guest Relations</p>`,
  },
  'zh-CN': {
    subject: '{{lastName}}{{firstName}}，感谢您的入住',
    text: `尊敬的{{lastName}}{{firstName}}：

感谢您于 {{arrival}} 至 {{departure}} 入住 {{propertyCode}}（共 {{nights}} 晚）。

本次入住您获得 {{pointsEarned}} 积分，当前积分余额为 {{pointsBalance}} 分。

期待您再次光临。

宾客关系部`,
    html: `<p>尊敬的{{lastName}}{{firstName}}：</p>
<p>感谢您于 {{arrival}} 至 {{departure}} 入住 <strong>{{propertyCode}}</strong>（共 {{nights}} 晚）。</p>
<p>本次入住您获得 <strong>{{pointsEarned}} 积分</strong>，当前积分余额为 <strong>{{pointsBalance}} 分</strong>。</p>
<p>期待您再次光临。</p>
<p>宾客关系部</p>`,
  },
} as const;

const definitions = {
  'stay-thank-you': STAY_THANK_YOU,
  ...LIFECYCLE_TEMPLATES,
  ...CASE_TEMPLATES,
  ...CARE_TEMPLATES,
  ...CADENCE_TEMPLATES,
  ...CAMPAIGN_TEMPLATES,
} satisfies Record<string, { vars: readonly string[] } & Record<TemplateLocale, TemplateSource>>;

export type TemplateName = keyof typeof definitions;

/** Every template, by name. */
export const TEMPLATE_NAMES = Object.keys(definitions) as TemplateName[];

/** The variables each template needs besides `firstName` and `lastName` (which come from the guest row). */
export const templateVars = Object.fromEntries(
  TEMPLATE_NAMES.map((name) => [name, definitions[name].vars]),
) as { readonly [N in TemplateName]: (typeof definitions)[N]['vars'] };

/** What a caller passes for template `N` (dates as `YYYY-MM-DD`). */
export type TemplateVarsOf<N extends TemplateName> = {
  [K in (typeof definitions)[N]['vars'][number]]: string | number | boolean;
};

/** `tier-review-result`'s `outcome`: kept, up, down (by at most one tier), floor (held by a manual floor). */
export const TIER_REVIEW_OUTCOMES = ['kept', 'up', 'down', 'floor'] as const;
export type TierReviewOutcome = (typeof TIER_REVIEW_OUTCOMES)[number];

/** Values a template branches on: out of range would render an empty subject or paragraph. */
const VALUE_CHECKS: Record<string, (value: unknown) => string | undefined> = {
  tier: (v) => (isTierName(v) ? undefined : 'must be member, silver, gold or diamond'),
  previousTier: (v) => (isTierName(v) ? undefined : 'must be member, silver, gold or diamond'),
  outcome: (v) =>
    (TIER_REVIEW_OUTCOMES as readonly unknown[]).includes(v) ? undefined : 'must be kept, up, down or floor',
  offerNumber: (v) => ([1, 2, 3].includes(Number(v)) ? undefined : 'must be 1, 2 or 3'),
};

const hb = Handlebars.create();
registerHelpers(hb);

type Compiled = Record<keyof TemplateSource, HandlebarsTemplateDelegate>;
const compiled = new Map<string, Compiled>();

export function templateLocale(locale: string): TemplateLocale {
  return locale.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export interface RenderedMail {
  locale: TemplateLocale;
  subject: string;
  text: string;
  html: string;
}

export class UnknownTemplateError extends Error {
  constructor(name: string) {
    super(`unknown mail template '${name}'`);
    this.name = 'UnknownTemplateError';
  }
}

export function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(definitions, name);
}

/** The Handlebars sources of one template in one locale (tests read the placeholders from them). */
export function templateSource(name: TemplateName, locale: TemplateLocale): TemplateSource {
  return definitions[name][locale];
}

/**
 * A stored version's text (template_versions, db/repositories/templates.ts) rendered instead of the built-in
 * one. `cacheKey`: compile once under that key (an immutable published version); without it, compiled per
 * render (a draft, a text being checked before it is saved).
 */
export interface TemplateText {
  locales: Record<TemplateLocale, TemplateSource>;
  cacheKey?: string;
}

function checkVars(name: TemplateName, vars: Record<string, unknown>): void {
  for (const key of ['firstName', 'lastName', ...definitions[name].vars]) {
    const value = vars[key];
    if (value === undefined || value === null)
      throw new TemplateValueError(`template '${name}' needs '${key}', which the data lacks`);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      throw new TemplateValueError(`template '${name}': '${key}' must be a string, number or boolean`);
    const problem = VALUE_CHECKS[key]?.(value);
    if (problem)
      throw new TemplateValueError(`template '${name}': '${key}' ${problem} (got '${String(value)}')`);
  }
}

function compile(src: TemplateSource): Compiled {
  const opts = { strict: true };
  return {
    subject: hb.compile(src.subject, { ...opts, noEscape: true }),
    text: hb.compile(src.text, { ...opts, noEscape: true }),
    html: hb.compile(src.html, opts),
  };
}

/**
 * Renders template `name` for a guest's locale: the built-in text, or `stored` (a version from the template
 * store). The html is the body only; mail/layout.ts wraps it in the mail's responsive layout.
 */
export function renderTemplate(
  name: string,
  locale: string,
  vars: Record<string, unknown>,
  stored?: TemplateText,
): RenderedMail {
  if (!isTemplateName(name)) throw new UnknownTemplateError(name);
  checkVars(name, vars);
  const loc = templateLocale(locale);
  const key = stored ? (stored.cacheKey ? `${stored.cacheKey}/${loc}` : undefined) : `${name}/${loc}`;
  let c = key === undefined ? undefined : compiled.get(key);
  if (!c) {
    c = compile(stored ? stored.locales[loc] : templateSource(name, loc));
    if (key !== undefined) compiled.set(key, c);
  }
  const data = { data: { locale: loc } };
  return {
    locale: loc,
    subject: c.subject(vars, data),
    text: c.text(vars, data),
    html: c.html(vars, data),
  };
}
