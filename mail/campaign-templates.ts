/**
 * The campaign templates (domain/campaigns.ts, docs/campaigns.md): a one-off marketing mail to a segment. The
 * built-in text is a starting point; a marketer writes the campaign's own in the template editor (a stored
 * version, pinned when the campaign starts). Marketing mail: every one carries the unsubscribe footer and
 * header (activities/mail/unsubscribe.ts). Every template also gets `firstName` and `lastName`.
 */
import { en, p, zh } from './compose.js';

/** The templates a campaign may send. */
export const CAMPAIGN_TEMPLATE_NAMES = ['holiday-greeting', 'service-announcement'] as const;
export type CampaignTemplateName = (typeof CAMPAIGN_TEMPLATE_NAMES)[number];

export const CAMPAIGN_TEMPLATES = {
  'holiday-greeting': {
    vars: [],
    en: en(
      'Season’s greetings, {{firstName}}',
      p('As the holiday comes, everyone at our hotels thanks you for staying with us this year.'),
      p('We wish you and your family health, joy and good fortune, and hope to welcome you again soon.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，节日快乐',
      p('佳节将至，我们全体同仁衷心感谢您一年来的支持与厚爱。'),
      p('恭祝您与家人身体健康、阖家幸福、万事如意，期待再次为您服务。'),
    ),
  },
  'service-announcement': {
    vars: [],
    en: en(
      'Something new at our hotels, {{firstName}}',
      p('We have been busy making your next stay better, and we wanted you to be among the first to know.'),
      p('Ask at the front desk on your next visit; we look forward to showing you.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，我们有新服务啦',
      p('为了让您下次入住更加舒心，我们推出了新的服务，特此第一时间告知您。'),
      p('下次光临时欢迎向前台咨询，我们期待为您介绍。'),
    ),
  },
} as const;
