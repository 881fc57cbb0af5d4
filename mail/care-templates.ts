/**
 * Care during the stay (docs/architecture.md "Care during the stay"), in English and Chinese: the morning
 * after check-in, a short "how is your stay?" with the signed link to report a problem (`reportUrl`,
 * api/links: a report opens an in-stay case). Transactional: the guest is in the house, and the mail is about
 * the stay itself. Registered with the other templates in templates.ts; Handlebars in strict mode; every
 * template also gets `firstName` and `lastName`. Without a link (`reportUrl` empty: no links secret
 * configured) the mail asks the guest to call the front desk instead.
 */
import { en, zh } from './compose.js';
import type { TemplateSource } from './types.js';

export const CARE_TEMPLATES = {
  'in-stay-check': {
    vars: ['propertyName', 'reportUrl'],
    en: en(
      '{{firstName}}, how is your stay at {{propertyName}}?',
      { text: 'Good morning! We hope you slept well and that everything in your room is as it should be.' },
      {
        text: 'If anything is not right, tell us now and we will put it right today: {{reportUrl}}',
        html: 'If anything is not right, tell us now and we will put it right today: <a href="{{reportUrl}}">Report a problem</a>',
        if: 'reportUrl',
      },
      {
        text: 'If anything is not right, please call the front desk and we will put it right today.',
        unless: 'reportUrl',
      },
      { text: 'Enjoy your day with us.' },
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，您在{{propertyName}}住得还好吗？',
      { text: '早上好！希望您昨晚休息得好，房间里的一切都令您满意。' },
      {
        text: '如有任何不如意之处，请现在告诉我们，我们会在今天为您解决：{{reportUrl}}',
        html: '如有任何不如意之处，请现在告诉我们，我们会在今天为您解决：<a href="{{reportUrl}}">反馈问题</a>',
        if: 'reportUrl',
      },
      {
        text: '如有任何不如意之处，请致电前台，我们会在今天为您解决。',
        unless: 'reportUrl',
      },
      { text: '祝您今天愉快。' },
    ),
  },
} satisfies Record<string, { vars: readonly string[] } & Record<'en' | 'zh-CN', TemplateSource>>;
