import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { formatDate, offerText, tierLabel } from './helpers.js';
import { CARE_TEMPLATES } from './care-templates.js';
import { CADENCE_TEMPLATES } from './cadence-templates.js';
import { CAMPAIGN_TEMPLATE_NAMES } from './campaign-templates.js';
import { CASE_TEMPLATES } from './case-templates.js';
import { LIFECYCLE_TEMPLATES } from './lifecycle-templates.js';
import { sampleValue } from './samples.js';
import {
  renderTemplate,
  TEMPLATE_LOCALES,
  TEMPLATE_NAMES,
  templateLocale,
  templateSource,
  templateVars,
  TemplateValueError,
  UnknownTemplateError,
  type TemplateName,
} from './templates.js';

/**
 * Plausible values for every variable any template takes: the guest's name, a property and links of the tests'
 * own, and the preview's sample values (samples.ts) for the rest.
 */
const SAMPLE: Record<string, string | number | boolean> = {
  firstName: 'Mei',
  lastName: 'Wang',
  propertyName: 'SHA-BUND',
  satisfiedUrl: 'http://127.0.0.1:3000/satisfied',
  unsatisfiedUrl: 'http://127.0.0.1:3000/unsatisfied',
  whyUrl: 'http://127.0.0.1:3000/v1/links/why/eyJwIjoid2h5In0.c2ln',
  reportUrl: 'http://127.0.0.1:3000/v1/links/in-stay/eyJwIjoiaW4tc3RheSJ9.c2ln',
  surveyUrl: 'http://127.0.0.1:3000/v1/links/survey/eyJwIjoic3VydmV5In0.c2ln',
};

function varsFor(name: TemplateName): Record<string, string | number | boolean> {
  const keys = ['firstName', 'lastName', ...templateVars[name]];
  return Object.fromEntries(keys.map((k) => [k, SAMPLE[k] ?? sampleValue(k)]));
}

/** Every variable a Handlebars source reads: mustaches, block and helper arguments, in every branch. */
function placeholdersOf(source: string): Set<string> {
  const found = new Set<string>();
  const visitExpr = (node: hbs.AST.Expression) => {
    if (node.type === 'PathExpression') found.add((node as hbs.AST.PathExpression).original);
    if (node.type === 'SubExpression') {
      const sub = node as hbs.AST.SubExpression;
      sub.params.forEach(visitExpr);
    }
  };
  const visit = (node: hbs.AST.Node) => {
    if (node.type === 'Program') (node as hbs.AST.Program).body.forEach(visit);
    if (node.type === 'MustacheStatement' || node.type === 'BlockStatement') {
      const m = node as hbs.AST.MustacheStatement | hbs.AST.BlockStatement;
      // `{{name}}` reads a variable; `{{helper arg}}` and `{{#helper arg}}` read only their arguments.
      if (m.params.length === 0 && node.type === 'MustacheStatement') visitExpr(m.path);
      m.params.forEach(visitExpr);
      if (node.type === 'BlockStatement') {
        const b = node as hbs.AST.BlockStatement;
        visit(b.program);
        if (b.inverse) visit(b.inverse);
      }
    }
  };
  visit(Handlebars.parse(source));
  return found;
}

const NEW_TEMPLATES = [
  'enrolment-invitation',
  'welcome-member',
  'tier-upgrade',
  'tier-review-result',
  'tier-keep-reminder',
  'first-year-reminder',
  'first-year-come-back',
  'points-expiry-warning',
  'points-expired',
  'win-back-offer',
  'churn-why',
  'welcome-back',
  'birthday-greeting',
  'referral-bonus',
];

describe('the template set', () => {
  it('names every lifecycle template, the stay thank-you, the case, the in-stay and the campaign mails', () => {
    expect([...TEMPLATE_NAMES].sort()).toEqual(
      [
        ...NEW_TEMPLATES,
        'stay-thank-you',
        ...Object.keys(CASE_TEMPLATES),
        ...Object.keys(CARE_TEMPLATES),
        ...Object.keys(CADENCE_TEMPLATES),
        ...CAMPAIGN_TEMPLATE_NAMES,
      ].sort(),
    );
    expect(Object.keys(LIFECYCLE_TEMPLATES).sort()).toEqual([...NEW_TEMPLATES].sort());
  });

  it('declares exactly the variables the sources read (one locale may skip one: plurals)', () => {
    for (const name of TEMPLATE_NAMES) {
      const declared = ['firstName', 'lastName', ...templateVars[name]].sort();
      const union = new Set<string>();
      for (const locale of TEMPLATE_LOCALES) {
        const sources = templateSource(name, locale);
        const used = new Set<string>();
        for (const part of [sources.subject, sources.text, sources.html])
          placeholdersOf(part).forEach((v) => used.add(v));
        for (const v of used) {
          expect(declared, `${name}/${locale} reads ${v}`).toContain(v);
          union.add(v);
        }
        // Every mail greets the guest by name.
        expect(used.has('firstName') && used.has('lastName'), `${name}/${locale}`).toBe(true);
      }
      expect([...union].sort(), name).toEqual(declared);
    }
  });
});

describe.each(TEMPLATE_NAMES)('%s', (name) => {
  it.each(TEMPLATE_LOCALES)(
    'renders in %s with its sample variables: subject, text, html, no {{ left',
    (locale) => {
      const mail = renderTemplate(name, locale, varsFor(name));
      expect(mail.subject.trim()).not.toBe('');
      expect(mail.subject).not.toMatch(/\n/);
      expect(mail.text.trim()).not.toBe('');
      expect(mail.html.trim()).not.toBe('');
      for (const part of [mail.subject, mail.text, mail.html]) {
        expect(part).not.toContain('{{');
        expect(part).not.toContain('}}');
        expect(part).not.toContain('undefined');
        expect(part).not.toContain('[object');
      }
      const greeting = locale === 'en' ? 'Dear Mei Wang,' : '尊敬的WangMei：';
      expect(mail.text.startsWith(greeting)).toBe(true);
      expect(mail.html).toContain(greeting);
      // Chinese mails are in Chinese: no English sentence slipped in.
      if (locale === 'zh-CN') expect(mail.text).not.toMatch(/\b(the|your|you|we)\b/i);
    },
  );

  it.each(TEMPLATE_LOCALES)('refuses to render in %s without each of its variables', (locale) => {
    for (const missing of ['firstName', 'lastName', ...templateVars[name]]) {
      const vars = { ...varsFor(name) };
      delete vars[missing];
      expect(() => renderTemplate(name, locale, vars), missing).toThrow(TemplateValueError);
      expect(() => renderTemplate(name, locale, vars), missing).toThrow(`'${missing}'`);
    }
  });
});

describe('what the mails say', () => {
  const render = (name: TemplateName, locale: string, over: Record<string, string | number | boolean> = {}) =>
    renderTemplate(name, locale, { ...varsFor(name), ...over });

  it('names the tier in the mail language and localises dates deterministically', () => {
    const en = render('tier-upgrade', 'en');
    expect(en.subject).toBe('Congratulations, Mei: you are now Gold');
    expect(en.text).toContain('valid through 31 December 2027');
    const zh = render('tier-upgrade', 'zh-CN');
    expect(zh.subject).toContain('金卡');
    expect(zh.text).toContain('有效期至 2027年12月31日');
    expect(render('tier-upgrade', 'zh', { tier: 'diamond' }).text).toContain('钻石卡');
  });

  it('says what became of the tier for each review outcome, and only that', () => {
    const expected = {
      en: {
        kept: 'You keep your Gold status',
        up: 'up from Silver',
        down: 'from Silver to Gold',
        floor: 'guaranteed',
      },
      'zh-CN': { kept: '继续保有金卡', up: '由银卡晋升为金卡', down: '由银卡调整为金卡', floor: '特别安排' },
    } as const;
    for (const locale of TEMPLATE_LOCALES) {
      for (const [outcome, phrase] of Object.entries(expected[locale])) {
        const mail = render('tier-review-result', locale, { outcome });
        expect(mail.text, `${locale} ${outcome}`).toContain(phrase);
        for (const [other, otherPhrase] of Object.entries(expected[locale]))
          if (other !== outcome) expect(mail.text, `${locale} ${outcome}`).not.toContain(otherPhrase);
      }
    }
    expect(render('tier-review-result', 'en', { outcome: 'down', tier: 'member' }).text).toContain(
      'from Silver to Member',
    );
    expect(render('tier-review-result', 'zh-CN', { outcome: 'down', tier: 'member' }).text).toContain(
      '由银卡调整为会员',
    );
  });

  it('counts nights and stays with the right plural', () => {
    expect(render('tier-keep-reminder', 'en', { nightsShort: 1, staysShort: 1 }).text).toContain(
      'stay 1 more night (or 1 more stay) with us before the end of 2026',
    );
    expect(render('tier-keep-reminder', 'en', { nightsShort: 4, staysShort: 2 }).text).toContain(
      'stay 4 more nights (or 2 more stays)',
    );
    expect(render('tier-keep-reminder', 'zh-CN', { nightsShort: 4, staysShort: 2 }).text).toContain(
      '在 2026 年底前再入住 4 晚（或 2 次）',
    );
  });

  it('escalates the win-back offers and carries the coupon code', () => {
    const subjects = [1, 2, 3].map((n) => render('win-back-offer', 'en', { offerNumber: n }).subject);
    expect(new Set(subjects).size).toBe(3);
    expect(subjects[0]).toBe('We miss you, Mei: an offer for your return');
    const third = render('win-back-offer', 'zh-CN', { offerNumber: '3', offer: 'a free night' });
    expect(third.subject).toBe('WangMei，我们最优惠的回归礼遇');
    expect(third.text).toContain('下次入住可享：免费住宿一晚');
    expect(third.text).toContain('WB-7K3Q-9XPD');
    expect(third.text).toContain('有效期至 2026年8月31日');
    expect(render('win-back-offer', 'zh-CN', { offer: '20% off' }).text).toContain('八折');
    expect(() => render('win-back-offer', 'en', { offerNumber: 4 })).toThrow(/offerNumber/);
  });

  it('links the why page in text and html, escaped in html', () => {
    const url = 'https://hotel.example/v1/links/why/abc.def?x=1&y=2';
    const mail = render('churn-why', 'en', { whyUrl: url });
    expect(mail.text).toContain(url);
    expect(mail.html).toContain('href="https://hotel.example/v1/links/why/abc.def?x&#x3D;1&amp;y&#x3D;2"');
  });

  it('links the survey page when there is a link, and asks for a reply when there is none', () => {
    const url = 'https://hotel.example/v1/links/survey/abc.def';
    const withLink = render('satisfaction-survey', 'zh-CN', { surveyUrl: url });
    expect(withLink.text).toContain(`不到一分钟：${url}`);
    expect(withLink.html).toContain(`<a href="${url}">为本次入住评分</a>`);
    const without = render('satisfaction-survey', 'en', { surveyUrl: '' });
    expect(without.text).toContain('Simply reply to this mail.');
    expect(without.html).not.toContain('<a ');
  });

  it('escapes guest data in html but not in text or subject', () => {
    const mail = render('welcome-member', 'en', { firstName: 'A<b>&', memberNumber: '<M1>' });
    expect(mail.subject).toBe('Welcome to our loyalty programme, A<b>&');
    expect(mail.text).toContain('Dear A<b>& Wang,');
    expect(mail.html).toContain('Dear A&lt;b&gt;&amp; Wang,');
    expect(mail.html).toContain('<strong>&lt;M1&gt;</strong>');
    expect(mail.html).not.toContain('<M1>');
  });

  it('renders the existing thank-you as before', () => {
    const mail = render('stay-thank-you', 'en', {
      pointsEarned: 12800,
      pointsBalance: 12800,
      nights: 1,
      oneNight: true,
    });
    expect(mail.text).toContain('You earned 12800 points for this stay. Your balance is now 12800 points.');
    expect(mail.text).toContain('(1 night)');
  });

  it('refuses values a template branches on when out of range', () => {
    expect(() => render('tier-upgrade', 'en', { tier: 'platinum' })).toThrow(/'tier' must be member/);
    expect(() => render('tier-review-result', 'en', { previousTier: 'Gold' })).toThrow(/previousTier/);
    expect(() => render('tier-review-result', 'en', { outcome: 'sideways' })).toThrow(/outcome/);
    expect(() => render('points-expiry-warning', 'en', { expiresOn: '2026-02-30' })).toThrow(/not a date/);
    expect(() => render('points-expiry-warning', 'en', { expiresOn: '1 Dec 2026' })).toThrow(/not a date/);
  });

  it('refuses an unknown template', () => {
    expect(() => renderTemplate('no-such-mail', 'en', {})).toThrow(UnknownTemplateError);
    expect(() => renderTemplate('toString', 'en', {})).toThrow(UnknownTemplateError);
  });
});

describe('helpers and locales', () => {
  it('maps any Chinese locale to zh-CN and everything else to en', () => {
    expect(templateLocale('zh-TW')).toBe('zh-CN');
    expect(templateLocale('ZH')).toBe('zh-CN');
    expect(templateLocale('de-DE')).toBe('en');
  });
  it('names tiers', () => {
    expect(['member', 'silver', 'gold', 'diamond'].map((t) => tierLabel(t, 'en'))).toEqual([
      'Member',
      'Silver',
      'Gold',
      'Diamond',
    ]);
    expect(['member', 'silver', 'gold', 'diamond'].map((t) => tierLabel(t, 'zh-CN'))).toEqual([
      '会员',
      '银卡',
      '金卡',
      '钻石卡',
    ]);
    expect(() => tierLabel('blue', 'en')).toThrow(TemplateValueError);
  });
  it('formats dates without Intl', () => {
    expect(formatDate('2027-01-05', 'en')).toBe('5 January 2027');
    expect(formatDate('2027-01-05', 'zh-CN')).toBe('2027年1月5日');
    expect(formatDate('2028-02-29', 'en')).toBe('29 February 2028');
    expect(() => formatDate('2027-02-29', 'en')).toThrow(TemplateValueError);
    expect(() => formatDate(20270105, 'en')).toThrow(TemplateValueError);
  });
  it('words known offers in Chinese and keeps others as given', () => {
    expect(offerText('10% off', 'zh-CN')).toBe('九折');
    expect(offerText('15% off', 'zh-CN')).toBe('85折');
    expect(offerText('a free night', 'zh-CN')).toBe('免费住宿一晚');
    expect(offerText('a free breakfast', 'zh-CN')).toBe('a free breakfast');
    expect(offerText('10% off', 'en')).toBe('10% off');
    expect(() => offerText('', 'en')).toThrow(TemplateValueError);
  });
});

describe('in-stay-check', () => {
  it.each(TEMPLATE_LOCALES)(
    'in %s carries the report link, or sends the guest to the front desk without one',
    (locale) => {
      const withLink = renderTemplate('in-stay-check', locale, varsFor('in-stay-check'));
      expect(withLink.text).toContain(String(SAMPLE.reportUrl));
      expect(withLink.html).toContain(`href="${String(SAMPLE.reportUrl)}"`);
      const without = renderTemplate('in-stay-check', locale, { ...varsFor('in-stay-check'), reportUrl: '' });
      expect(without.html).not.toContain('href');
      expect(without.text).toMatch(locale === 'en' ? /front desk/ : /前台/);
    },
  );
});
