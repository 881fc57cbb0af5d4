/**
 * The small pages behind links in mails: plain HTML with one inline style sheet, no JavaScript, no images, in
 * English or Chinese. They carry no personal data (not even the guest's name): whoever holds a forwarded
 * link sees only the question.
 */
import type { CaseCategory } from '../../domain/cases.js';

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
    optional: '(optional)',
    fixErrors: 'Please check the answers marked below.',
    surveyTitle: 'How was your stay?',
    surveyIntro: 'Thank you for staying with us. Four short questions; the last two are optional.',
    surveyChange: 'You have answered already; a new answer replaces the earlier one.',
    scoreLegend: 'How satisfied were you with your stay?',
    scoreError: 'Please choose a score from 1 to 5.',
    wouldReturnLegend: 'Would you stay with us again?',
    wouldReturnError: 'Please choose yes, maybe or no.',
    recommendLegend:
      'How likely are you to recommend us to a friend or colleague? (0 = not at all, 10 = extremely likely)',
    recommendError: 'Please choose a number from 0 to 10, or none.',
    commentLabel: 'Anything else you would like to tell us?',
    commentError: 'Please keep your comment to 2,000 characters of plain text.',
    surveySubmit: 'Send my answers',
    surveyThanksTitle: 'Thank you for your answers',
    surveyThanksBody:
      'Your answers help us do better. Until the link expires, you can change them with the same link.',
    reportTitle: 'Tell us what is wrong',
    reportIntro:
      'We are sorry something is not as it should be. Tell us, and the team at the hotel will take care of it today.',
    categoryLegend: 'What is it about?',
    categoryError: 'Please choose what it is about.',
    descriptionLabel: 'What happened?',
    descriptionError: 'Please keep the description to 2,000 characters of plain text.',
    reportSubmit: 'Send to the hotel',
    reportThanksTitle: 'Thank you, the hotel has your message',
    reportThanksBody:
      'The team at the hotel is on it and will get in touch with you today. Should there be anything else, you can use the same link again.',
    reportAgain: 'Report something else',
    satisfactionTitle: 'Are you satisfied with how we resolved your concern?',
    satisfactionIntro: 'Your answer tells us whether we may consider the matter settled.',
    satisfiedLegend: 'Your answer',
    satisfiedYes: 'Yes, I am satisfied',
    satisfiedNo: 'No, not yet',
    satisfiedError: 'Please choose yes or no.',
    satisfactionCommentLabel: 'Would you like to add something?',
    satisfactionSubmit: 'Send my answer',
    satisfiedThanksTitle: 'Thank you',
    satisfiedThanksBody: 'We are glad the matter is settled, and we look forward to welcoming you again.',
    unsatisfiedThanksTitle: 'Thank you for telling us',
    unsatisfiedThanksBody:
      'We are sorry it is not settled yet. We have reopened your case, and the team will come back to you soon.',
    answeredTitle: 'You have answered already',
    answeredBody: 'We have your answer to this question. Thank you.',
    tooManyTitle: 'Thank you for your reports',
    tooManyBody:
      'This link has already sent several reports to the hotel. For anything else, please call the front desk: they will help you at once.',
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
    optional: '（选填）',
    fixErrors: '请检查下方标出的答案。',
    surveyTitle: '您对本次入住满意吗？',
    surveyIntro: '感谢您的光临。共四个简短问题，后两个为选填。',
    surveyChange: '您已作答，新的答案将替换之前的答案。',
    scoreLegend: '您对本次入住的满意程度如何？',
    scoreError: '请选择 1 至 5 分。',
    wouldReturnLegend: '您愿意再次入住我们酒店吗？',
    wouldReturnError: '请选择“愿意”“可能”或“不愿意”。',
    recommendLegend: '您向朋友或同事推荐我们的可能性有多大？（0 = 完全不会，10 = 非常愿意）',
    recommendError: '请选择 0 至 10 之间的数字，或不选。',
    commentLabel: '您还有其他想告诉我们的吗？',
    commentError: '意见请控制在 2000 字以内的纯文本。',
    surveySubmit: '提交答案',
    surveyThanksTitle: '感谢您的作答',
    surveyThanksBody: '您的意见将帮助我们做得更好。在链接有效期内，您可通过同一链接修改答案。',
    reportTitle: '告诉我们哪里不妥',
    reportIntro: '很抱歉给您带来不便。请告诉我们，酒店团队将于今天为您处理。',
    categoryLegend: '与哪方面有关？',
    categoryError: '请选择问题所属的方面。',
    descriptionLabel: '发生了什么？',
    descriptionError: '描述请控制在 2000 字以内的纯文本。',
    reportSubmit: '发送给酒店',
    reportThanksTitle: '谢谢，酒店已收到您的反馈',
    reportThanksBody: '酒店团队正在处理，并将于今天与您联系。如有其他问题，您可再次使用同一链接。',
    reportAgain: '反馈其他问题',
    satisfactionTitle: '您对我们的处理结果满意吗？',
    satisfactionIntro: '您的回答将告诉我们此事是否可以了结。',
    satisfiedLegend: '您的回答',
    satisfiedYes: '满意',
    satisfiedNo: '尚不满意',
    satisfiedError: '请选择“满意”或“尚不满意”。',
    satisfactionCommentLabel: '您还有什么想补充的吗？',
    satisfactionSubmit: '提交',
    satisfiedThanksTitle: '谢谢',
    satisfiedThanksBody: '很高兴此事已妥善解决，期待再次欢迎您的光临。',
    unsatisfiedThanksTitle: '感谢您告诉我们',
    unsatisfiedThanksBody: '很抱歉问题尚未解决。我们已重新处理您的个案，团队将尽快与您联系。',
    answeredTitle: '您已作答',
    answeredBody: '我们已收到您对此问题的回答。谢谢。',
    tooManyTitle: '感谢您的反馈',
    tooManyBody: '此链接已向酒店发送了多条反馈。如有其他需要，请致电前台，我们将立即为您服务。',
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
.sign{margin-top:2rem;color:#555}
.scale label{display:inline-block;min-width:2.6rem;margin:.2rem;text-align:center}
.scale input[type=radio]{margin-right:.3rem}
label.text{border:0;padding:0;margin:0 0 .5rem;font-weight:600;cursor:default}
textarea{box-sizing:border-box;width:100%;font:inherit;padding:.5rem;border:1px solid #bbb;border-radius:6px}
.field{margin:1.5rem 0}`;

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

export type MessagePage =
  'expired' | 'invalid' | 'gone' | 'unreadable' | 'unavailable' | 'error' | 'answered' | 'tooMany';

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

// --- shared form pieces --------------------------------------------------------------------------------------

/** The longest comment or description a page takes (characters, as the case API's). */
export const MAX_TEXT_ANSWER = 2000;

function errorNote(locale: PageLocale, errors: readonly string[]): string {
  return errors.length > 0 ? `<p class="error" role="alert">${escapeHtml(TEXT[locale].fixErrors)}</p>\n` : '';
}

/** "… (optional)": a space before a Latin parenthesis, none before a full-width one. */
function withOptional(label: string, optional: string): string {
  return optional.startsWith('（') ? `${label}${optional}` : `${label} ${optional}`;
}

/** A fieldset of radio buttons named `name`; its error (if any) right under the legend, tied to it. */
function radioGroup(opts: {
  name: string;
  legend: string;
  options: readonly { value: string; label: string }[];
  checked: string | undefined;
  required: boolean;
  error?: string | undefined;
  className?: string;
}): string {
  const errorId = `${opts.name}-error`;
  const described = opts.error ? ` aria-describedby="${errorId}"` : '';
  const inputs = opts.options
    .map(
      (o) =>
        `<label><input type="radio" name="${opts.name}" value="${escapeHtml(o.value)}"${opts.required ? ' required' : ''}${opts.checked === o.value ? ' checked' : ''}>${escapeHtml(o.label)}</label>`,
    )
    .join('\n');
  return `<fieldset${opts.className ? ` class="${opts.className}"` : ''}${described}>
<legend>${escapeHtml(opts.legend)}</legend>
${opts.error ? `<p class="error" id="${errorId}">${escapeHtml(opts.error)}</p>\n` : ''}${inputs}
</fieldset>`;
}

/** A labelled text area named `name`, bounded by MAX_TEXT_ANSWER. */
function textArea(opts: {
  name: string;
  label: string;
  value: string | undefined;
  optional: string | undefined;
  error?: string | undefined;
}): string {
  const errorId = `${opts.name}-error`;
  return `<div class="field">
<label class="text" for="${opts.name}">${escapeHtml(opts.optional ? withOptional(opts.label, opts.optional) : opts.label)}</label>
${opts.error ? `<p class="error" id="${errorId}">${escapeHtml(opts.error)}</p>\n` : ''}<textarea id="${opts.name}" name="${opts.name}" rows="5" maxlength="${MAX_TEXT_ANSWER}"${opts.error ? ` aria-invalid="true" aria-describedby="${errorId}"` : ''}>${escapeHtml(opts.value ?? '')}</textarea>
</div>`;
}

// --- the post-stay survey ------------------------------------------------------------------------------------

export const WOULD_RETURN = ['yes', 'maybe', 'no'] as const;
export type WouldReturn = (typeof WOULD_RETURN)[number];

const SCORE_LABELS: Record<PageLocale, string[]> = {
  en: ['1 – very dissatisfied', '2 – dissatisfied', '3 – neither', '4 – satisfied', '5 – very satisfied'],
  'zh-CN': ['1 – 非常不满意', '2 – 不满意', '3 – 一般', '4 – 满意', '5 – 非常满意'],
};
const WOULD_RETURN_LABELS: Record<PageLocale, Record<WouldReturn, string>> = {
  en: { yes: 'Yes', maybe: 'Maybe', no: 'No' },
  'zh-CN': { yes: '愿意', maybe: '可能', no: '不愿意' },
};

/** What the survey form holds (as typed: a re-shown form keeps the guest's input). */
export interface SurveyFormValues {
  score?: string | undefined;
  wouldReturn?: string | undefined;
  recommend?: string | undefined;
  comment?: string | undefined;
}

export type SurveyField = 'score' | 'wouldReturn' | 'recommend' | 'comment';

/**
 * The survey: satisfaction 1-5 and "would you return" (required), "would you recommend" 0-10 and a comment
 * (optional), POSTed to the page's own URL. `values` fills it in (a re-shown form, or the answer in force —
 * never its comment: whoever holds a forwarded link must not read the guest's words); `errors` marks fields.
 */
export function surveyPage(
  locale: PageLocale,
  opts: { values?: SurveyFormValues; answered?: boolean; errors?: readonly SurveyField[] } = {},
): string {
  const t = TEXT[locale];
  const v = opts.values ?? {};
  const errors = opts.errors ?? [];
  const err = (field: SurveyField, text: string) => (errors.includes(field) ? text : undefined);
  const notes = [
    `<p>${escapeHtml(t.surveyIntro)}</p>`,
    opts.answered ? `<p class="note">${escapeHtml(t.surveyChange)}</p>` : '',
    errorNote(locale, errors).trim(),
  ]
    .filter(Boolean)
    .join('\n');
  const form = [
    radioGroup({
      name: 'score',
      legend: t.scoreLegend,
      options: SCORE_LABELS[locale].map((label, i) => ({ value: String(i + 1), label })),
      checked: v.score,
      required: true,
      error: err('score', t.scoreError),
    }),
    radioGroup({
      name: 'wouldReturn',
      legend: t.wouldReturnLegend,
      options: WOULD_RETURN.map((value) => ({ value, label: WOULD_RETURN_LABELS[locale][value] })),
      checked: v.wouldReturn,
      required: true,
      error: err('wouldReturn', t.wouldReturnError),
    }),
    radioGroup({
      name: 'recommend',
      legend: withOptional(t.recommendLegend, t.optional),
      options: Array.from({ length: 11 }, (_, i) => ({ value: String(i), label: String(i) })),
      checked: v.recommend,
      required: false,
      error: err('recommend', t.recommendError),
      className: 'scale',
    }),
    textArea({
      name: 'comment',
      label: t.commentLabel,
      value: v.comment,
      optional: t.optional,
      error: err('comment', t.commentError),
    }),
  ].join('\n');
  return page(
    locale,
    t.surveyTitle,
    `${notes}
<form method="post">
${form}
<button type="submit">${escapeHtml(t.surveySubmit)}</button>
</form>`,
  );
}

/** After a survey answer; links back to the survey (the same URL) to change it. */
export function surveyThanksPage(locale: PageLocale): string {
  const t = TEXT[locale];
  return page(
    locale,
    t.surveyThanksTitle,
    `<p>${escapeHtml(t.surveyThanksBody)}</p>\n<p><a href="">${escapeHtml(t.thanksChange)}</a></p>`,
  );
}

// --- the in-stay report --------------------------------------------------------------------------------------

/** The case categories (db/repositories/cases.ts CASE_CATEGORIES) in the guest's words. */
export const REPORT_CATEGORY_LABELS: Record<PageLocale, Record<CaseCategory, string>> = {
  en: {
    facilities: 'The room or the facilities (something broken, noisy, not clean)',
    service_attitude: 'How a member of staff treated me',
    service_skill: 'A service that was not done right',
    food_beverage: 'Food and drink',
    safety: 'Safety or security',
    policies: 'A hotel rule or charge',
    other: 'Something else',
  },
  'zh-CN': {
    facilities: '客房或设施（损坏、噪音、不清洁）',
    service_attitude: '员工的服务态度',
    service_skill: '服务未能妥善完成',
    food_beverage: '餐饮',
    safety: '安全问题',
    policies: '酒店规定或收费',
    other: '其他',
  },
};
/** The order the report page lists them in: the most frequent first. */
const REPORT_CATEGORY_ORDER: readonly CaseCategory[] = [
  'facilities',
  'service_attitude',
  'service_skill',
  'food_beverage',
  'safety',
  'policies',
  'other',
];

export type ReportField = 'category' | 'description';

/** "Tell us what is wrong": a category (required) and a description (optional), POSTed to the same URL. */
export function reportPage(
  locale: PageLocale,
  opts: {
    values?: { category?: string | undefined; description?: string | undefined };
    errors?: readonly ReportField[];
  } = {},
): string {
  const t = TEXT[locale];
  const v = opts.values ?? {};
  const errors = opts.errors ?? [];
  return page(
    locale,
    t.reportTitle,
    `<p>${escapeHtml(t.reportIntro)}</p>
${errorNote(locale, errors)}<form method="post">
${radioGroup({
  name: 'category',
  legend: t.categoryLegend,
  options: REPORT_CATEGORY_ORDER.map((value) => ({ value, label: REPORT_CATEGORY_LABELS[locale][value] })),
  checked: v.category,
  required: true,
  error: errors.includes('category') ? t.categoryError : undefined,
})}
${textArea({
  name: 'description',
  label: t.descriptionLabel,
  value: v.description,
  optional: t.optional,
  error: errors.includes('description') ? t.descriptionError : undefined,
})}
<button type="submit">${escapeHtml(t.reportSubmit)}</button>
</form>`,
  );
}

/** The report reached the hotel; the same link reports something else. */
export function reportThanksPage(locale: PageLocale): string {
  const t = TEXT[locale];
  return page(
    locale,
    t.reportThanksTitle,
    `<p>${escapeHtml(t.reportThanksBody)}</p>\n<p><a href="">${escapeHtml(t.reportAgain)}</a></p>`,
  );
}

// --- a case's satisfaction check -----------------------------------------------------------------------------

export type SatisfactionField = 'satisfied' | 'comment';

/**
 * "Are you satisfied with how we resolved it?": yes / no (checked as the link the guest clicked says; the
 * guest may change it) and an optional comment, POSTed to the same URL.
 */
export function satisfactionPage(
  locale: PageLocale,
  opts: {
    satisfied: boolean | undefined;
    comment?: string | undefined;
    errors?: readonly SatisfactionField[];
  },
): string {
  const t = TEXT[locale];
  const errors = opts.errors ?? [];
  const checked = opts.satisfied === undefined ? undefined : opts.satisfied ? 'yes' : 'no';
  return page(
    locale,
    t.satisfactionTitle,
    `<p>${escapeHtml(t.satisfactionIntro)}</p>
${errorNote(locale, errors)}<form method="post">
${radioGroup({
  name: 'satisfied',
  legend: t.satisfiedLegend,
  options: [
    { value: 'yes', label: t.satisfiedYes },
    { value: 'no', label: t.satisfiedNo },
  ],
  checked,
  required: true,
  error: errors.includes('satisfied') ? t.satisfiedError : undefined,
})}
${textArea({
  name: 'comment',
  label: t.satisfactionCommentLabel,
  value: opts.comment,
  optional: t.optional,
  error: errors.includes('comment') ? t.commentError : undefined,
})}
<button type="submit">${escapeHtml(t.satisfactionSubmit)}</button>
</form>`,
  );
}

/** After the satisfaction answer: glad it is settled, or sorry, the case is reopened. */
export function satisfactionThanksPage(locale: PageLocale, satisfied: boolean): string {
  const t = TEXT[locale];
  return satisfied
    ? page(locale, t.satisfiedThanksTitle, `<p>${escapeHtml(t.satisfiedThanksBody)}</p>`)
    : page(locale, t.unsatisfiedThanksTitle, `<p>${escapeHtml(t.unsatisfiedThanksBody)}</p>`);
}
