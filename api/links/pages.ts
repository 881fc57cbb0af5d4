/**
 * The small pages behind links in mails: plain HTML with one inline style sheet, no JavaScript, no images, in
 * English or Chinese. They carry no personal data (not even the guest's name): whoever holds a forwarded
 * link sees only the question.
 */

export type PageLocale = 'en' | 'zh-CN';

/** `zh`, `zh-CN`, `zh-Hans-…` → zh-CN; anything else → en (as the mail templates choose). */
export function pageLocale(locale: string | undefined | false): PageLocale {
  return typeof locale === 'string' && locale.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

/** The answers of the "why did you leave" page, in the order shown; stored as `guests.churn_reason`. */
export const CHURN_REASONS = [
  'moved_away',
  'travel_less',
  'other_hotel',
  'price',
  'bad_experience',
  'other',
] as const;
export type ChurnReason = (typeof CHURN_REASONS)[number];

const REASON_LABELS: Record<PageLocale, Record<ChurnReason, string>> = {
  en: {
    moved_away: 'I have moved away',
    travel_less: 'I travel less than before',
    other_hotel: 'I prefer another hotel',
    price: 'The price',
    bad_experience: 'I had a disappointing experience with you',
    other: 'Another reason',
  },
  'zh-CN': {
    moved_away: '我已搬到其他城市',
    travel_less: '我出行比以前少了',
    other_hotel: '我更喜欢其他酒店',
    price: '价格原因',
    bad_experience: '我在贵酒店有过不愉快的经历',
    other: '其他原因',
  },
};

const TEXT = {
  en: {
    whyTitle: 'May we ask why?',
    whyIntro:
      'We have not seen you for a while, and we would like to understand why. What is the main reason? One answer is enough.',
    whyLegend: 'The main reason',
    whyChange: 'You have answered already; you may change your answer.',
    whySubmit: 'Send my answer',
    chooseOne: 'Please choose one of the answers.',
    thanksTitle: 'Thank you',
    thanksBody:
      'Thank you for telling us. Your answer helps us do better. Until the link expires, you can change your answer with the same link.',
    thanksChange: 'Change my answer',
    expiredTitle: 'This link has expired',
    expiredBody:
      'For your privacy, the links in our mails work for a limited time only. Thank you for your interest all the same.',
    invalidTitle: 'This link is not valid',
    invalidBody: 'Please check that you opened the whole link from our mail.',
    goneTitle: 'This link is no longer valid',
    goneBody: 'We could not find what this link refers to. Thank you for your interest all the same.',
    unreadableTitle: 'We could not read your answer',
    unreadableBody: 'Please go back and send it again.',
    unavailableTitle: 'Please try again in a few minutes',
    unavailableBody:
      'Your answer reached us, but we could not finish recording it just now. Please send it again in a few minutes.',
    errorTitle: 'Something went wrong',
    errorBody: 'Please try again later.',
    unsubscribeTitle: 'Unsubscribe from marketing mail',
    unsubscribeIntro:
      'You will no longer receive our offers, greetings and news by mail. Mails about your stays, points and requests still reach you.',
    unsubscribeSubmit: 'Unsubscribe',
    unsubscribedTitle: 'You are unsubscribed',
    unsubscribedBody:
      'You will receive no more marketing mail from us. Should you change your mind, the front desk or your profile can turn it on again.',
    sign: 'Guest Relations',
  },
  'zh-CN': {
    whyTitle: '能否告诉我们原因？',
    whyIntro: '我们已有一段时间未能为您服务，真诚希望了解其中的原因。请问主要原因是什么？选择一项即可。',
    whyLegend: '主要原因',
    whyChange: '您已作答，如有需要可修改您的答案。',
    whySubmit: '提交',
    chooseOne: '请选择其中一项。',
    thanksTitle: '感谢您的反馈',
    thanksBody: '感谢您告诉我们，您的意见将帮助我们做得更好。在链接有效期内，您可通过同一链接修改答案。',
    thanksChange: '修改答案',
    expiredTitle: '链接已过期',
    expiredBody: '为保护您的隐私，邮件中的链接仅在限定时间内有效。仍然感谢您的关注。',
    invalidTitle: '链接无效',
    invalidBody: '请确认您打开的是邮件中的完整链接。',
    goneTitle: '链接已失效',
    goneBody: '我们未能找到此链接对应的内容。仍然感谢您的关注。',
    unreadableTitle: '未能读取您的答案',
    unreadableBody: '请返回上一页重新提交。',
    unavailableTitle: '请稍后再试',
    unavailableBody: '我们已收到您的答案，但暂时未能完成记录。请几分钟后重新提交。',
    errorTitle: '出现了问题',
    errorBody: '请稍后再试。',
    unsubscribeTitle: '退订营销邮件',
    unsubscribeIntro:
      '退订后，您将不再收到我们的优惠、问候及资讯邮件。有关您的入住、积分和服务请求的邮件仍会照常发送。',
    unsubscribeSubmit: '确认退订',
    unsubscribedTitle: '您已成功退订',
    unsubscribedBody: '您将不再收到我们的营销邮件。如改变主意，可通过前台或您的个人资料重新开启。',
    sign: '宾客关系部',
  },
} as const satisfies Record<PageLocale, Record<string, string>>;

export type PageText = keyof (typeof TEXT)['en'];

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"'`=]/g,
    (c) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '=': '&#61;' })[
        c
      ]!,
  );
}

const STYLE = `body{margin:0;background:#f6f4ef;color:#2b2b2b;font:16px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif}
main{max-width:34rem;margin:2rem auto;padding:2rem;background:#fff;border-radius:8px}
h1{font-size:1.5rem;font-weight:600;margin:0 0 1rem}
fieldset{border:0;padding:0;margin:1.5rem 0}
legend{font-weight:600;margin-bottom:.5rem}
label{display:block;padding:.6rem .75rem;margin:.4rem 0;border:1px solid #ddd;border-radius:6px;cursor:pointer}
input[type=radio]{margin-right:.6rem}
button{font:inherit;padding:.6rem 1.4rem;border:0;border-radius:6px;background:#7a5c2e;color:#fff;cursor:pointer}
.note{color:#555}
.error{color:#a61b1b;font-weight:600}
.sign{margin-top:2rem;color:#555}`;

function page(locale: PageLocale, title: string, body: string): string {
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
<p class="sign">${escapeHtml(TEXT[locale].sign)}</p>
</main>
</body>
</html>
`;
}

/** The question: one radio button per reason, POSTed to the page's own URL (no `action`). */
export function whyPage(
  locale: PageLocale,
  opts: { current?: ChurnReason | null | undefined; error?: boolean } = {},
): string {
  const t = TEXT[locale];
  const options = CHURN_REASONS.map(
    (reason) =>
      `<label><input type="radio" name="reason" value="${reason}" required${opts.current === reason ? ' checked' : ''}>${escapeHtml(REASON_LABELS[locale][reason])}</label>`,
  ).join('\n');
  const notes = [
    `<p>${escapeHtml(t.whyIntro)}</p>`,
    opts.current ? `<p class="note">${escapeHtml(t.whyChange)}</p>` : '',
    opts.error ? `<p class="error" role="alert">${escapeHtml(t.chooseOne)}</p>` : '',
  ]
    .filter(Boolean)
    .join('\n');
  return page(
    locale,
    t.whyTitle,
    `${notes}
<form method="post">
<fieldset>
<legend>${escapeHtml(t.whyLegend)}</legend>
${options}
</fieldset>
<button type="submit">${escapeHtml(t.whySubmit)}</button>
</form>`,
  );
}

/** After an answer; links back to the question (the same URL) to change it. */
export function thanksPage(locale: PageLocale): string {
  const t = TEXT[locale];
  return page(
    locale,
    t.thanksTitle,
    `<p>${escapeHtml(t.thanksBody)}</p>\n<p><a href="">${escapeHtml(t.thanksChange)}</a></p>`,
  );
}

export type MessagePage = 'expired' | 'invalid' | 'gone' | 'unreadable' | 'unavailable' | 'error';

/** A page that only says something: expired, invalid, … */
export function messagePage(locale: PageLocale, which: MessagePage): string {
  const t = TEXT[locale];
  return page(locale, t[`${which}Title`], `<p>${escapeHtml(t[`${which}Body`])}</p>`);
}

/**
 * The unsubscribe question: one button that POSTs `List-Unsubscribe=One-Click` to the page's own URL, the
 * same request a mail client's one-click button sends (RFC 8058).
 */
export function unsubscribePage(locale: PageLocale): string {
  const t = TEXT[locale];
  return page(
    locale,
    t.unsubscribeTitle,
    `<p>${escapeHtml(t.unsubscribeIntro)}</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">${escapeHtml(t.unsubscribeSubmit)}</button>
</form>`,
  );
}

/** Marketing consent is off. */
export function unsubscribedPage(locale: PageLocale): string {
  const t = TEXT[locale];
  return page(locale, t.unsubscribedTitle, `<p>${escapeHtml(t.unsubscribedBody)}</p>`);
}
