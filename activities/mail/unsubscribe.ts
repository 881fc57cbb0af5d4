/**
 * What every marketing mail carries so the guest can leave with one click (docs/api.md "Links in mails:
 * `/v1/links/unsubscribe/:token`"): the `List-Unsubscribe` and `List-Unsubscribe-Post` headers of RFC 8058
 * (mail clients show an "unsubscribe" button that POSTs to the link), and a visible footer line with the same
 * link in the guest's language. Added in code, so no template needs a placeholder for it.
 */
import type { RenderedMail, TemplateLocale } from '../../mail/templates.js';

const FOOTER: Record<TemplateLocale, { label: string; colon: string }> = {
  en: { label: 'Unsubscribe from marketing mail', colon: ': ' },
  'zh-CN': { label: '退订营销邮件', colon: '：' },
};

function escapeAttribute(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** The rendered mail with the unsubscribe line appended to its text and its HTML. */
export function withUnsubscribeFooter(mail: RenderedMail, url: string): RenderedMail {
  const { label, colon } = FOOTER[mail.locale];
  return {
    ...mail,
    text: `${mail.text.trimEnd()}\n\n--\n${label}${colon}${url}\n`,
    html: `${mail.html.trimEnd()}\n<p style="margin-top:24px;font-size:12px;color:#777777"><a href="${escapeAttribute(url)}">${label}</a></p>`,
  };
}

/**
 * The RFC 8058 headers: the HTTPS link (and a mailto, if one is configured) in angle brackets, and the
 * one-click marker that tells the client to POST `List-Unsubscribe=One-Click` rather than open a page.
 */
export function unsubscribeHeaders(url: string, mailto?: string): Record<string, string> {
  return {
    'List-Unsubscribe': [`<${url}>`, ...(mailto ? [`<mailto:${mailto}>`] : [])].join(', '),
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}
