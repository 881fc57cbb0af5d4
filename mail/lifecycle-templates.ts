/**
 * The lifecycle's mails (enrolment, tiers, first year, points, win-back, greetings, referrals), in English and
 * Chinese. Handlebars in strict mode; helpers from helpers.ts: `tierName`, `date` (YYYY-MM-DD → 31 December
 * 2027 / 2027年12月31日), `offerText`, `plural`, `eq`. Every template also gets `firstName` and `lastName`.
 */
import { en, p, zh, type Localised } from './compose.js';

export const LIFECYCLE_TEMPLATES = {
  'enrolment-invitation': {
    vars: [],
    en: en(
      '{{firstName}}, you are invited to join our loyalty programme',
      p(
        'We would be delighted to welcome you to our loyalty programme. Membership is free and open to everyone: join online or at the front desk of any of our hotels.',
      ),
      p(
        'As a member, every stay earns you points towards future stays, and the more often you stay, the more you enjoy.',
      ),
      p('We look forward to welcoming you.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，诚邀您免费加入我们的会员计划',
      p(
        '诚挚邀请您加入我们的会员计划。入会完全免费，欢迎所有宾客加入，您可在线申请，也可在我们任一酒店的前台办理。',
      ),
      p('成为会员后，每次入住均可累积积分，用于兑换日后的住宿；入住越多，礼遇越丰富。'),
      p('期待您的光临。'),
    ),
  },

  'welcome-member': {
    vars: ['memberNumber'],
    en: en(
      'Welcome to our loyalty programme, {{firstName}}',
      p(
        'Welcome! Your membership is now active. Your member number is {{memberNumber}}.',
        'Welcome! Your membership is now active. Your member number is <strong>{{memberNumber}}</strong>.',
      ),
      p(
        'From now on, every stay with us earns points. Simply quote your member number when you book or check in.',
      ),
      p('We look forward to your next visit.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，欢迎成为我们的会员',
      p(
        '欢迎您！您的会籍已生效，会员号为 {{memberNumber}}。',
        '欢迎您！您的会籍已生效，会员号为 <strong>{{memberNumber}}</strong>。',
      ),
      p('从现在起，您每次入住均可累积积分。预订或办理入住时，请告知您的会员号。'),
      p('期待您的再次光临。'),
    ),
  },

  'tier-upgrade': {
    vars: ['tier', 'validThrough'],
    en: en(
      'Congratulations, {{firstName}}: you are now {{tierName tier}}',
      p(
        'Congratulations! Thanks to your stays with us, you have reached {{tierName tier}} status.',
        'Congratulations! Thanks to your stays with us, you have reached <strong>{{tierName tier}}</strong> status.',
      ),
      p('Your {{tierName tier}} benefits start today and are valid through {{date validThrough}}.'),
      p('Thank you for your loyalty. We look forward to welcoming you again.'),
    ),
    'zh-CN': zh(
      '恭喜您，{{lastName}}{{firstName}}：您的会员等级已晋升为{{tierName tier}}',
      p(
        '恭喜您！感谢您一直以来的惠顾，您的会员等级已晋升为{{tierName tier}}。',
        '恭喜您！感谢您一直以来的惠顾，您的会员等级已晋升为<strong>{{tierName tier}}</strong>。',
      ),
      p('{{tierName tier}}礼遇即日起生效，有效期至 {{date validThrough}}。'),
      p('感谢您的厚爱，期待再次为您服务。'),
    ),
  },

  'tier-review-result': {
    vars: ['year', 'tier', 'previousTier', 'outcome'],
    en: en(
      'Your {{year}} status review: {{tierName tier}}',
      p('We have reviewed your stays in {{year}}.'),
      p(
        '{{#eq outcome "kept"}}You keep your {{tierName tier}} status for another year. Thank you for staying with us so often.{{/eq}}' +
          '{{#eq outcome "up"}}Good news: your stays have earned you {{tierName tier}} status, up from {{tierName previousTier}}. Congratulations!{{/eq}}' +
          '{{#eq outcome "down"}}Your status changes from {{tierName previousTier}} to {{tierName tier}}. A status never drops by more than one tier at a time, and a few stays this year will bring you back up.{{/eq}}' +
          '{{#eq outcome "floor"}}Your status remains {{tierName tier}}, as guaranteed for you by our Guest Relations team.{{/eq}}',
      ),
      p('Thank you for your loyalty. We look forward to welcoming you again.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，您的 {{year}} 年度会员等级评定结果：{{tierName tier}}',
      p('我们已完成您 {{year}} 年度的会员等级评定。'),
      p(
        '{{#eq outcome "kept"}}您将继续保有{{tierName tier}}等级。感谢您一年来的频繁光顾。{{/eq}}' +
          '{{#eq outcome "up"}}好消息！凭借您的入住记录，您的会员等级已由{{tierName previousTier}}晋升为{{tierName tier}}，恭喜您！{{/eq}}' +
          '{{#eq outcome "down"}}您的会员等级由{{tierName previousTier}}调整为{{tierName tier}}。会员等级每次最多下调一级，今年再多入住几次，即可重回更高等级。{{/eq}}' +
          '{{#eq outcome "floor"}}经宾客关系部特别安排，您的会员等级保持为{{tierName tier}}。{{/eq}}',
      ),
      p('感谢您的厚爱，期待再次为您服务。'),
    ),
  },

  'tier-keep-reminder': {
    vars: ['tier', 'year', 'nightsShort', 'staysShort'],
    en: en(
      '{{firstName}}, a few more nights to keep your {{tierName tier}} status',
      p(
        'You are close to keeping your {{tierName tier}} status for next year: stay {{nightsShort}} more {{plural nightsShort "night" "nights"}} (or {{staysShort}} more {{plural staysShort "stay" "stays"}}) with us before the end of {{year}}, and your benefits continue.',
      ),
      p('We would be glad to welcome you back soon.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，再住几晚即可保有{{tierName tier}}等级',
      p(
        '您距离保级仅差一步：在 {{year}} 年底前再入住 {{nightsShort}} 晚（或 {{staysShort}} 次），即可在明年继续保有{{tierName tier}}等级及相应礼遇。',
      ),
      p('期待您早日再次光临。'),
    ),
  },

  'first-year-reminder': {
    vars: ['anniversary'],
    en: en(
      '{{firstName}}, your first membership year ends soon',
      p('Your first year as a member ends on {{date anniversary}}. Thank you for being with us.'),
      p(
        'To keep your membership active, and your benefits with it, simply stay with us again before then. We would love to see you.',
      ),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，您的首个会员年度即将届满',
      p('您的首个会员年度将于 {{date anniversary}} 届满，感谢您一年来的支持。'),
      p('只需在此之前再次入住，即可保持会籍有效，继续尊享会员礼遇。期待与您再会。'),
    ),
  },

  'first-year-come-back': {
    vars: ['anniversary', 'offer', 'couponCode'],
    en: en(
      'An offer for your return, {{firstName}}',
      p(
        'Your first year as a member ends on {{date anniversary}}, and we would love to welcome you back before then.',
      ),
      p(
        'As a thank-you, here is an offer for your next stay: {{offerText offer}}. Your personal code is {{couponCode}}; simply quote it when you book.',
        'As a thank-you, here is an offer for your next stay: <strong>{{offerText offer}}</strong>. Your personal code is <strong>{{couponCode}}</strong>; simply quote it when you book.',
      ),
      p('A stay before {{date anniversary}} also keeps your membership benefits.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，为您准备的回馈礼遇',
      p('您的首个会员年度将于 {{date anniversary}} 届满，我们诚挚期待在此之前再次为您服务。'),
      p(
        '为表谢意，我们为您准备了下次入住的专属礼遇：{{offerText offer}}。您的专属优惠码为 {{couponCode}}，预订时告知即可使用。',
        '为表谢意，我们为您准备了下次入住的专属礼遇：<strong>{{offerText offer}}</strong>。您的专属优惠码为 <strong>{{couponCode}}</strong>，预订时告知即可使用。',
      ),
      p('在 {{date anniversary}} 前再次入住，还可继续尊享会员礼遇。'),
    ),
  },

  'points-expiry-warning': {
    vars: ['points', 'expiresOn'],
    en: en(
      '{{firstName}}, your points expire on {{date expiresOn}}',
      p(
        'Your {{points}} points will expire on {{date expiresOn}}.',
        'Your <strong>{{points}} points</strong> will expire on {{date expiresOn}}.',
      ),
      p('Any stay with us before then keeps them, and earns you more.'),
      p('We look forward to welcoming you again.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，您的积分将于 {{date expiresOn}} 到期',
      p(
        '您账户中的 {{points}} 积分将于 {{date expiresOn}} 到期。',
        '您账户中的 <strong>{{points}} 积分</strong>将于 {{date expiresOn}} 到期。',
      ),
      p('在此之前任意一次入住，即可保留全部积分，并累积新的积分。'),
      p('期待再次为您服务。'),
    ),
  },

  'points-expired': {
    vars: ['points'],
    en: en(
      '{{firstName}}, about your points balance',
      p(
        'As there has been no activity on your account for some time, {{points}} points have expired under the programme rules.',
      ),
      p(
        'Your membership remains, and your next stay starts earning points again. We hope to welcome you back soon.',
      ),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，关于您的积分',
      p('由于您的账户在一段时间内没有活动，根据会员计划规则，您的 {{points}} 积分已过期。'),
      p('您的会籍依然有效，下次入住即可重新累积积分。期待再次为您服务。'),
    ),
  },

  'win-back-offer': {
    vars: ['offerNumber', 'offer', 'couponCode', 'validUntil'],
    en: en(
      '{{#eq offerNumber 1}}We miss you, {{firstName}}: an offer for your return{{/eq}}' +
        '{{#eq offerNumber 2}}{{firstName}}, an even better offer for your return{{/eq}}' +
        '{{#eq offerNumber 3}}{{firstName}}, our best offer for your return{{/eq}}',
      p(
        '{{#eq offerNumber 1}}It has been a while since your last stay, and we would love to welcome you back.{{/eq}}' +
          '{{#eq offerNumber 2}}We would still love to welcome you back, so we have improved our offer.{{/eq}}' +
          '{{#eq offerNumber 3}}This is our best offer, and the last we will send: we would be delighted to see you again.{{/eq}}',
      ),
      p(
        'For your next stay: {{offerText offer}}. Your personal code is {{couponCode}}, valid until {{date validUntil}}; simply quote it when you book.',
        'For your next stay: <strong>{{offerText offer}}</strong>. Your personal code is <strong>{{couponCode}}</strong>, valid until {{date validUntil}}; simply quote it when you book.',
      ),
      p('We look forward to seeing you.'),
    ),
    'zh-CN': zh(
      '{{#eq offerNumber 1}}{{lastName}}{{firstName}}，我们想念您：为您准备的回归礼遇{{/eq}}' +
        '{{#eq offerNumber 2}}{{lastName}}{{firstName}}，更优回归礼遇已为您备好{{/eq}}' +
        '{{#eq offerNumber 3}}{{lastName}}{{firstName}}，我们最优惠的回归礼遇{{/eq}}',
      p(
        '{{#eq offerNumber 1}}自您上次入住已有一段时间，我们非常期待您再次光临。{{/eq}}' +
          '{{#eq offerNumber 2}}我们依然期待您的光临，特为您升级了专属礼遇。{{/eq}}' +
          '{{#eq offerNumber 3}}这是我们最优惠的礼遇，也是最后一次为您奉上，期待与您再会。{{/eq}}',
      ),
      p(
        '下次入住可享：{{offerText offer}}。您的专属优惠码为 {{couponCode}}，有效期至 {{date validUntil}}，预订时告知即可使用。',
        '下次入住可享：<strong>{{offerText offer}}</strong>。您的专属优惠码为 <strong>{{couponCode}}</strong>，有效期至 {{date validUntil}}，预订时告知即可使用。',
      ),
      p('期待您的光临。'),
    ),
  },

  'churn-why': {
    vars: ['whyUrl'],
    en: en(
      '{{firstName}}, may we ask you one question?',
      p('We have not seen you for some time, and we would like to understand why.'),
      p(
        'Would you tell us, with a single click, what kept you away? {{whyUrl}}',
        'Would you tell us, with a single click, what kept you away? <a href="{{whyUrl}}">Tell us why</a>',
      ),
      p('Your answer helps us improve. Thank you.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，能否请教您一个问题？',
      p('我们已有一段时间未能为您服务，真诚希望了解其中的原因。'),
      p(
        '能否请您花几秒钟告诉我们？只需点击一下：{{whyUrl}}',
        '能否请您花几秒钟告诉我们？只需点击一下：<a href="{{whyUrl}}">告诉我们原因</a>',
      ),
      p('您的意见将帮助我们不断改进。衷心感谢！'),
    ),
  },

  'welcome-back': {
    vars: ['bonusPoints'],
    en: en(
      'Welcome back, {{firstName}}',
      p('It is wonderful to have you back with us.'),
      p(
        'To celebrate your return, we have added {{bonusPoints}} bonus points to your account.',
        'To celebrate your return, we have added <strong>{{bonusPoints}} bonus points</strong> to your account.',
      ),
      p('Thank you for choosing us again.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，欢迎您回来',
      p('欢迎您回来，很高兴再次为您服务。'),
      p(
        '为庆祝您的再次光临，我们已向您的账户赠送 {{bonusPoints}} 奖励积分。',
        '为庆祝您的再次光临，我们已向您的账户赠送 <strong>{{bonusPoints}} 奖励积分</strong>。',
      ),
      p('感谢您再次选择我们。'),
    ),
  },

  'birthday-greeting': {
    vars: [],
    en: en(
      'Happy birthday, {{firstName}}!',
      p('Everyone at our hotels wishes you a very happy birthday and a wonderful year ahead.'),
      p('We hope to celebrate with you on your next stay.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，祝您生日快乐！',
      p('值此生日之际，我们全体同仁祝您生日快乐，幸福安康，万事如意！'),
      p('期待在您下次入住时为您送上祝福。'),
    ),
  },

  'referral-bonus': {
    vars: ['points'],
    en: en(
      'Thank you for recommending us, {{firstName}}',
      p('A guest you recommended to us has just completed a first stay with us.'),
      p(
        'As a thank-you, we have added {{points}} points to your account.',
        'As a thank-you, we have added <strong>{{points}} points</strong> to your account.',
      ),
      p('Thank you for sharing your experience with friends.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，感谢您的推荐',
      p('您推荐的宾客已完成首次入住。'),
      p(
        '为表谢意，我们已向您的账户赠送 {{points}} 积分。',
        '为表谢意，我们已向您的账户赠送 <strong>{{points}} 积分</strong>。',
      ),
      p('感谢您将我们推荐给亲友！'),
    ),
  },
} as const satisfies Record<string, { vars: readonly string[] } & Localised>;
