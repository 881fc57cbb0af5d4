/**
 * Mail templates per locale. Handlebars in strict mode: a placeholder the
 * data does not carry fails the render instead of mailing a blank.
 */
import Handlebars from 'handlebars';

export const TEMPLATE_LOCALES = ['en', 'zh-CN'] as const;
export type TemplateLocale = (typeof TEMPLATE_LOCALES)[number];

interface TemplateSource {
  subject: string;
  text: string;
  html: string;
}

const sources: Record<string, Record<TemplateLocale, TemplateSource>> = {
  'stay-thank-you': {
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
  },
};

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

export function renderTemplate(name: string, locale: string, vars: Record<string, unknown>): RenderedMail {
  const byLocale = sources[name];
  if (!byLocale) throw new UnknownTemplateError(name);
  const loc = templateLocale(locale);
  const key = `${name}/${loc}`;
  let c = compiled.get(key);
  if (!c) {
    const src = byLocale[loc];
    const opts = { strict: true };
    c = {
      subject: Handlebars.compile(src.subject, { ...opts, noEscape: true }),
      text: Handlebars.compile(src.text, { ...opts, noEscape: true }),
      html: Handlebars.compile(src.html, opts),
    };
    compiled.set(key, c);
  }
  return { locale: loc, subject: c.subject(vars), text: c.text(vars), html: c.html(vars) };
}
