import { describe, expect, it } from 'vitest';
import { unsubscribeLinkUrl, verifyLink } from '../../lib/links.js';
import { renderTemplate } from '../../mail/templates.js';
import { unsubscribeHeaders, withUnsubscribeFooter } from './unsubscribe.js';

const SECRET = 'unit-links-secret-0123456789';
const guestId = '5b3c1f0e-8d2a-4c47-9e61-2f0a9d3b7c15';
const url = 'https://hotel.example/v1/links/unsubscribe/eyJwIjoidW5zdWJzY3JpYmUifQ.c2ln';

describe('withUnsubscribeFooter', () => {
  it('appends the link in English to text and HTML, the template itself unchanged', () => {
    const mail = renderTemplate('birthday-greeting', 'en', { firstName: 'Ann', lastName: 'Lee' });
    const out = withUnsubscribeFooter(mail, url);
    expect(out.subject).toBe(mail.subject);
    expect(out.text.startsWith(mail.text.trimEnd())).toBe(true);
    expect(out.text).toMatch(new RegExp(`Unsubscribe from marketing mail: ${url.replace(/\./g, '\\.')}\n$`));
    expect(out.html).toContain(`<a href="${url}">Unsubscribe from marketing mail</a>`);
  });

  it('speaks Chinese to a zh-CN guest', () => {
    const mail = renderTemplate('birthday-greeting', 'zh-CN', { firstName: '梅', lastName: '王' });
    const out = withUnsubscribeFooter(mail, url);
    expect(out.text).toContain(`退订营销邮件：${url}`);
    expect(out.html).toContain(`<a href="${url}">退订营销邮件</a>`);
  });

  it('escapes the URL in the attribute', () => {
    const out = withUnsubscribeFooter(
      { locale: 'en', subject: 's', text: 't', html: '<p>h</p>' },
      'https://x.example/a"b<c>&d',
    );
    expect(out.html).toContain('href="https://x.example/a&quot;b&lt;c&gt;&amp;d"');
  });
});

describe('unsubscribeHeaders (RFC 8058)', () => {
  it('gives the HTTPS link in angle brackets and the one-click marker', () => {
    expect(unsubscribeHeaders(url)).toEqual({
      'List-Unsubscribe': `<${url}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  it('adds a mailto when there is one', () => {
    expect(unsubscribeHeaders(url, 'unsubscribe@hotel.example')['List-Unsubscribe']).toBe(
      `<${url}>, <mailto:unsubscribe@hotel.example>`,
    );
  });
});

describe('unsubscribeLinkUrl', () => {
  it('signs an unsubscribe token for a year, under the base URL', () => {
    const now = new Date('2026-11-24T00:00:00Z');
    const link = unsubscribeLinkUrl({ baseUrl: 'https://hotel.example/', guestId, secret: SECRET, now });
    const m = /^https:\/\/hotel\.example\/v1\/links\/unsubscribe\/([A-Za-z0-9_.-]+)$/.exec(link);
    expect(m, link).not.toBeNull();
    const nowS = now.getTime() / 1000;
    const payload = verifyLink(m![1]!, { secret: SECRET, purpose: 'unsubscribe', now: nowS });
    expect(payload).toMatchObject({ purpose: 'unsubscribe', guestId, exp: nowS + 365 * 86_400 });
    expect(() => verifyLink(m![1]!, { secret: SECRET, purpose: 'why', now: nowS })).toThrow(/not 'why'/);
    expect(() =>
      verifyLink(m![1]!, { secret: SECRET, purpose: 'unsubscribe', now: nowS + 366 * 86_400 }),
    ).toThrow(/expired/);
  });
});
