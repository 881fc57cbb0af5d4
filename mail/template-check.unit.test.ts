import { describe, expect, it } from 'vitest';
import { withLayout } from './layout.js';
import { sampleVars } from './samples.js';
import { checkSource, checkTemplateText, knownPlaceholders } from './template-check.js';
import {
  renderTemplate,
  TEMPLATE_LOCALES,
  TEMPLATE_NAMES,
  templateSource,
  type TemplateLocale,
} from './templates.js';
import type { TemplateSource } from './types.js';

const builtIn = (name: (typeof TEMPLATE_NAMES)[number]) =>
  Object.fromEntries(TEMPLATE_LOCALES.map((l) => [l, templateSource(name, l)])) as Record<
    TemplateLocale,
    TemplateSource
  >;

const KNOWN = new Set(['firstName', 'lastName', 'tier', 'arrival', 'oneNight', 'outcome', 'nights']);
const check = (source: string) => checkSource(source, KNOWN, 'locales.en.html');

describe('every built-in template', () => {
  it.each(TEMPLATE_NAMES)(
    '%s passes the stored-template check (subset, placeholders, sample render)',
    (name) => {
      expect(checkTemplateText(name, builtIn(name))).toEqual([]);
    },
  );

  it.each(TEMPLATE_NAMES)('%s renders in both locales with its sample values', (name) => {
    for (const locale of TEMPLATE_LOCALES) {
      const mail = renderTemplate(name, locale, { firstName: 'Mei', lastName: 'Wang', ...sampleVars(name) });
      expect(mail.subject.trim()).not.toBe('');
    }
  });
});

describe('the logic-less subset', () => {
  it('accepts placeholders, the formatting helpers, if / unless / eq blocks and comments', () => {
    expect(
      check(
        '{{! a comment }}<p>{{firstName}} {{tierName tier}} {{date arrival}} {{plural nights "night" "nights"}}' +
          '{{#if oneNight}}one{{else}}more{{/if}}{{#unless oneNight}}s{{/unless}}' +
          '{{#eq outcome "up"}}up{{else eq outcome "down"}}down{{/eq}}</p>',
      ),
    ).toEqual([]);
  });

  it('names each unknown placeholder, wherever it is, with its field, line and column', () => {
    const problems = check('<p>{{frstName}}</p>\n{{#if vip}}{{tierName  level}}{{/if}}');
    // The column (1-based) is where the placeholder's name starts, so an editor can mark it.
    expect(problems.map((p) => [p.code, p.placeholder, p.field, p.line, p.column])).toEqual([
      ['unknown_placeholder', 'frstName', 'locales.en.html', 1, 6],
      ['unknown_placeholder', 'vip', 'locales.en.html', 2, 7],
      ['unknown_placeholder', 'level', 'locales.en.html', 2, 24],
    ]);
    expect(problems[0]!.message).toContain("unknown placeholder 'frstName'");
  });

  it('refuses everything outside the subset', () => {
    const cases: [string, string][] = [
      ['{{{firstName}}}', 'unsupported_syntax'],
      ['{{& firstName}}', 'unsupported_syntax'],
      ['{{> footer}}', 'unsupported_syntax'],
      ['{{#each tier}}x{{/each}}', 'unknown_helper'],
      ['{{#with tier}}x{{/with}}', 'unknown_helper'],
      ['{{#tier}}x{{/tier}}', 'unsupported_syntax'],
      ['{{^tier}}x{{/tier}}', 'unsupported_syntax'],
      ['{{guest.firstName}}', 'unsupported_syntax'],
      ['{{../firstName}}', 'unsupported_syntax'],
      ['{{this}}', 'unsupported_syntax'],
      ['{{@locale}}', 'unsupported_syntax'],
      ['{{lookup tier "x"}}', 'unknown_helper'],
      ['{{date (tierName tier)}}', 'unsupported_syntax'],
      ['{{date arrival format="long"}}', 'unsupported_syntax'],
      ['{{plural nights "night"}}', 'unsupported_syntax'],
      ['{{date}}', 'unsupported_syntax'],
      ['{{#if tier as |t|}}x{{/if}}', 'unsupported_syntax'],
      ['{{#if}}x{{/if}}', 'unsupported_syntax'],
      ['{{#if firstName}}x', 'syntax_error'],
    ];
    for (const [source, code] of cases) {
      const problems = check(source);
      expect(problems.length, source).toBeGreaterThan(0);
      expect(problems[0]!.code, source).toBe(code);
    }
  });

  it('does not quote the source in a syntax error', () => {
    const [problem] = check('line one\n{{#if firstName}}secret text');
    expect(problem!.code).toBe('syntax_error');
    expect(problem!.message).not.toContain('secret');
  });

  it('knows the guest fields, the declared variables and the unsubscribe link', () => {
    expect(knownPlaceholders('stay-thank-you')).toEqual([
      'firstName',
      'lastName',
      'propertyCode',
      'arrival',
      'departure',
      'nights',
      'oneNight',
      'pointsEarned',
      'pointsBalance',
      'unsubscribeUrl',
    ]);
  });

  it('refuses a text that does not render with sample values, naming the field', () => {
    const locales = builtIn('stay-thank-you');
    const broken = {
      ...locales,
      'zh-CN': { ...locales['zh-CN'], text: '{{date nights}}' },
      en: { ...locales.en, subject: 'Hello {{firstName}},\nthank you' },
    };
    const problems = checkTemplateText('stay-thank-you', broken);
    expect(problems.map((p) => [p.field, p.code])).toEqual([
      ['locales.en.subject', 'does_not_render'],
      ['locales.zh-CN.text', 'does_not_render'],
    ]);
  });
});

describe('the responsive layout', () => {
  it('wraps the html in one table-based, phone-readable document and leaves the text alone', () => {
    const mail = renderTemplate('stay-thank-you', 'zh-CN', {
      firstName: '梅',
      lastName: '王',
      ...sampleVars('stay-thank-you'),
    });
    const out = withLayout(mail);
    expect(out.text).toBe(mail.text);
    expect(out.subject).toBe(mail.subject);
    expect(out.html).toMatch(/^<!DOCTYPE html>/);
    expect(out.html).toContain('<html lang="zh-CN"');
    expect(out.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(out.html).toContain('max-width:600px');
    expect(out.html).toContain('role="presentation"');
    expect(out.html).toContain('@media only screen and (max-width: 620px)');
    expect(out.html).toContain(mail.html);
    expect(out.html).toContain(`<title>${mail.subject}</title>`);
    expect(withLayout({ ...mail, subject: 'a <b> & c' }).html).toContain(
      '<title>a &lt;b&gt; &amp; c</title>',
    );
  });
});
