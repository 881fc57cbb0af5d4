/**
 * The post-stay cadence's mails after the thank-you (domain/cadence.ts DEFAULT_POST_STAY_STEPS): the
 * satisfaction survey (transactional, with the signed survey link, `surveyUrl`, from the `surveyUrl` hook of
 * ActivityDeps), the review request (marketing, to guests who scored the stay 4 or 5) and the come-back offer
 * (marketing, 30 days after check-out unless the guest has booked). In English and Chinese, in the style of
 * lifecycle-templates.ts. Every template also gets `firstName` and `lastName`; `date` formats YYYY-MM-DD.
 */
import { en, p, zh, type Localised } from './compose.js';

export const CADENCE_TEMPLATES = {
  'satisfaction-survey': {
    // surveyUrl: the signed, expiring survey page; empty when no link is configured (the mail asks for a reply).
    vars: ['propertyCode', 'departure', 'surveyUrl'],
    en: en(
      '{{firstName}}, how was your stay at {{propertyCode}}?',
      p('Thank you again for staying at {{propertyCode}} until {{date departure}}.'),
      p(
        '{{#if surveyUrl}}Would you tell us how it went? Four short questions, under a minute: {{surveyUrl}}{{else}}Would you tell us how it went? Simply reply to this mail.{{/if}}',
        '{{#if surveyUrl}}Would you tell us how it went? Four short questions, under a minute: <a href="{{surveyUrl}}">Rate your stay</a>{{else}}Would you tell us how it went? Simply reply to this mail.{{/if}}',
      ),
      p('Every answer is read by our team, and it helps us make your next stay better.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，您在 {{propertyCode}} 的入住体验如何？',
      p('再次感谢您入住 {{propertyCode}}（离店日期：{{date departure}}）。'),
      p(
        '{{#if surveyUrl}}能否告诉我们您的感受？只有四个简短问题，不到一分钟：{{surveyUrl}}{{else}}能否告诉我们您的感受？直接回复此邮件即可。{{/if}}',
        '{{#if surveyUrl}}能否告诉我们您的感受？只有四个简短问题，不到一分钟：<a href="{{surveyUrl}}">为本次入住评分</a>{{else}}能否告诉我们您的感受？直接回复此邮件即可。{{/if}}',
      ),
      p('每一条反馈都会由我们的团队认真阅读，帮助我们让您下次入住更加舒心。'),
    ),
  },

  'review-request': {
    vars: ['propertyCode'],
    en: en(
      '{{firstName}}, would you share your stay at {{propertyCode}}?',
      p(
        'Thank you for your kind words about your stay at {{propertyCode}}. We are delighted you enjoyed it.',
      ),
      p(
        'If you have a moment, a short review on the travel site where you booked, or on our website, would help other travellers discover us.',
      ),
      p('Thank you, and we hope to see you again soon.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，愿意分享您在 {{propertyCode}} 的入住体验吗？',
      p('感谢您对 {{propertyCode}} 的肯定，很高兴您度过了愉快的时光。'),
      p('如您方便，欢迎在您预订的旅行平台或我们的官网留下简短点评，帮助更多旅客了解我们。'),
      p('衷心感谢，期待再次为您服务。'),
    ),
  },

  'come-back-offer': {
    vars: ['propertyCode'],
    en: en(
      '{{firstName}}, we would love to welcome you back',
      p(
        'It has been a month since your stay at {{propertyCode}}, and we would be delighted to see you again.',
      ),
      p(
        'As a returning guest, you enjoy our best available rate when you book directly with us, on our website or by phone.',
      ),
      p('We look forward to your next visit.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，期待再次欢迎您',
      p('距您入住 {{propertyCode}} 已有一个月，我们非常期待再次见到您。'),
      p('作为回头客，您通过官网或电话直接预订，即可享受最优房价。'),
      p('期待您的再次光临。'),
    ),
  },
} satisfies Record<string, { vars: readonly string[] } & Localised>;
