/**
 * The service-recovery mails, in English and Chinese. Two audiences:
 *
 * - the guest (`CASE_TEMPLATES`, registered with the other templates in templates.ts and sent through the
 *   outbox like every guest mail): the acknowledgement, the resolution, the satisfaction check;
 * - a property's staff (`STAFF_CASE_TEMPLATES`, rendered here by `renderStaffTemplate` in the property's
 *   language): the escalations to the duty manager and to the general manager. They name the guest, so they
 *   stay in the outbox under the guest's id (an erasure finds them), with `audience = 'staff'`.
 *
 * Handlebars in strict mode with the templates' helpers; every template gets `firstName` and `lastName`.
 */
import Handlebars from 'handlebars';
import { registerHelpers, TemplateValueError } from './helpers.js';
import { en, mail, p, zh, type Localised, type Para } from './compose.js';
import type { TemplateSource } from './types.js';

/** Mails to the guest about the guest's case. */
export const CASE_TEMPLATES = {
  'case-acknowledgement': {
    vars: ['caseRef', 'propertyName'],
    en: en(
      'We have received your feedback, {{firstName}} (ref. {{caseRef}})',
      p(
        'Thank you for telling us about your experience at {{propertyName}}. We are sorry that something was not as it should have been.',
      ),
      p(
        'Your reference is {{caseRef}}. A member of our team is looking after it personally and will be in touch with you shortly.',
        'Your reference is <strong>{{caseRef}}</strong>. A member of our team is looking after it personally and will be in touch with you shortly.',
      ),
      p('Thank you for giving us the chance to put it right.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，我们已收到您的意见（编号 {{caseRef}}）',
      p('感谢您告诉我们您在{{propertyName}}的经历。对于给您带来的不便，我们深表歉意。'),
      p(
        '您的意见编号为 {{caseRef}}。我们的专人正在跟进处理，并将尽快与您联系。',
        '您的意见编号为 <strong>{{caseRef}}</strong>。我们的专人正在跟进处理，并将尽快与您联系。',
      ),
      p('感谢您给予我们改进的机会。'),
    ),
  },

  'case-resolution': {
    vars: ['caseRef', 'propertyName', 'compensationPoints', 'compensationRefund', 'compensationVoucher'],
    en: en(
      '{{firstName}}, the matter you raised has been resolved (ref. {{caseRef}})',
      p('We have resolved the matter you raised with us at {{propertyName}} (reference {{caseRef}}).'),
      p(
        'As an apology, we have added {{compensationPoints}} points to your account.',
        'As an apology, we have added <strong>{{compensationPoints}} points</strong> to your account.',
        'compensationPoints',
      ),
      p(
        'A refund of {{compensationRefund}} is on its way to you.',
        'A refund of <strong>{{compensationRefund}}</strong> is on its way to you.',
        'compensationRefund',
      ),
      p(
        'Your next stay comes with a room upgrade voucher worth {{compensationVoucher}}.',
        'Your next stay comes with a room upgrade voucher worth <strong>{{compensationVoucher}}</strong>.',
        'compensationVoucher',
      ),
      p('In a few days we will ask whether everything is now to your satisfaction.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，您反映的问题已处理完毕（编号 {{caseRef}}）',
      p('您在{{propertyName}}反映的问题（编号 {{caseRef}}）已处理完毕。'),
      p(
        '为表歉意，我们已向您的账户赠送 {{compensationPoints}} 积分。',
        '为表歉意，我们已向您的账户赠送 <strong>{{compensationPoints}} 积分</strong>。',
        'compensationPoints',
      ),
      p(
        '退款 {{compensationRefund}} 正在办理中。',
        '退款 <strong>{{compensationRefund}}</strong> 正在办理中。',
        'compensationRefund',
      ),
      p(
        '您下次入住时可使用价值 {{compensationVoucher}} 的客房升级券。',
        '您下次入住时可使用价值 <strong>{{compensationVoucher}}</strong> 的客房升级券。',
        'compensationVoucher',
      ),
      p('几天后我们会再次询问，确认您对处理结果是否满意。'),
    ),
  },

  'case-satisfaction-check': {
    vars: ['caseRef', 'propertyName', 'satisfiedUrl', 'unsatisfiedUrl'],
    en: en(
      '{{firstName}}, are you satisfied with how we handled it? (ref. {{caseRef}})',
      p(
        'A few days ago we resolved the matter you raised with us at {{propertyName}} (reference {{caseRef}}). Are you now satisfied with how it was handled?',
      ),
      p(
        '{{#if satisfiedUrl}}Yes, I am satisfied: {{satisfiedUrl}}\nNo, not yet: {{unsatisfiedUrl}}{{else}}Simply reply to this mail with yes or no.{{/if}}',
        '{{#if satisfiedUrl}}<a href="{{satisfiedUrl}}">Yes, I am satisfied</a> · <a href="{{unsatisfiedUrl}}">No, not yet</a>{{else}}Simply reply to this mail with yes or no.{{/if}}',
      ),
      p('If anything is still not right, we will take care of it.'),
    ),
    'zh-CN': zh(
      '{{lastName}}{{firstName}}，您对处理结果满意吗？（编号 {{caseRef}}）',
      p('几天前，我们处理了您在{{propertyName}}反映的问题（编号 {{caseRef}}）。请问您对处理结果是否满意？'),
      p(
        '{{#if satisfiedUrl}}满意：{{satisfiedUrl}}\n尚不满意：{{unsatisfiedUrl}}{{else}}请直接回复本邮件“满意”或“不满意”。{{/if}}',
        '{{#if satisfiedUrl}}<a href="{{satisfiedUrl}}">满意</a> · <a href="{{unsatisfiedUrl}}">尚不满意</a>{{else}}请直接回复本邮件“满意”或“不满意”。{{/if}}',
      ),
      p('如仍有任何不妥之处，我们将继续为您处理。'),
    ),
  },
} as const satisfies Record<string, { vars: readonly string[] } & Localised>;

export type CaseTemplateName = keyof typeof CASE_TEMPLATES;

// --- staff mails ---------------------------------------------------------------------------------------------

const STAFF_VARS = [
  'caseRef',
  'caseId',
  'propertyName',
  'category',
  'priority',
  'source',
  'department',
  'receivedBy',
  'openedAt',
  'hoursOpen',
  'inStay',
] as const;

const staffEn = (role: string, subject: string, first: Para) =>
  mail(
    subject,
    `Dear ${role},`,
    [
      first,
      p(
        'Guest: {{firstName}} {{lastName}}. Category: {{category}}. Priority: {{priority}}. Received through {{source}} on {{openedAt}} by {{receivedBy}}; department: {{department}}.',
      ),
      p(
        'The case is {{caseId}} (GET /v1/cases/{{caseId}}). A complaint settled the same day costs 1, the next day 10, later 100.',
      ),
    ],
    'Guest Lifecycle Engine',
  );
const staffZh = (role: string, subject: string, first: Para) =>
  mail(
    subject,
    `${role}：`,
    [
      first,
      p(
        '宾客：{{lastName}}{{firstName}}。类别：{{category}}。优先级：{{priority}}。{{openedAt}} 经{{source}}由{{receivedBy}}受理；负责部门：{{department}}。',
      ),
      p('案件编号 {{caseId}}（GET /v1/cases/{{caseId}}）。当天解决成本为 1，次日为 10，更晚则为 100。'),
    ],
    '宾客生命周期系统',
  );

/** Escalations to a property's staff (to its duty manager's and general manager's addresses). */
export const STAFF_CASE_TEMPLATES = {
  'case-escalation-duty-manager': {
    vars: STAFF_VARS,
    en: staffEn(
      'Duty Manager',
      '[{{caseRef}}] Unresolved guest case at {{propertyName}}: now with the duty manager',
      p(
        '{{#if inStay}}A complaint made during the stay at {{propertyName}} is still unresolved at the end of the day.{{else}}A guest case at {{propertyName}} is still unresolved {{hoursOpen}} hours after it was opened.{{/if}} Please see it through.',
      ),
    ),
    'zh-CN': staffZh(
      '值班经理',
      '[{{caseRef}}] {{propertyName}}宾客投诉未解决：已升级至值班经理',
      p(
        '{{#if inStay}}{{propertyName}}一位住店宾客的投诉至今日结束仍未解决。{{else}}{{propertyName}}一宗宾客投诉受理 {{hoursOpen}} 小时后仍未解决。{{/if}}请您亲自跟进。',
      ),
    ),
  },
  'case-escalation-general-manager': {
    vars: STAFF_VARS,
    en: staffEn(
      'General Manager',
      '[{{caseRef}}] Guest case at {{propertyName}} unresolved for {{hoursOpen}} hours: now with the general manager',
      p(
        'A guest case at {{propertyName}} is still unresolved {{hoursOpen}} hours after it was opened, although the duty manager was alerted. Please see it through.',
      ),
    ),
    'zh-CN': staffZh(
      '总经理',
      '[{{caseRef}}] {{propertyName}}宾客投诉 {{hoursOpen}} 小时未解决：已升级至总经理',
      p('{{propertyName}}一宗宾客投诉受理 {{hoursOpen}} 小时后仍未解决（已通知值班经理）。请您亲自跟进。'),
    ),
  },
} as const satisfies Record<string, { vars: readonly string[] } & Localised>;

export type StaffCaseTemplateName = keyof typeof STAFF_CASE_TEMPLATES;

const hb = Handlebars.create();
registerHelpers(hb);
const compiled = new Map<string, Record<keyof TemplateSource, HandlebarsTemplateDelegate>>();

/** Renders a staff mail in `locale` (`zh…` → Chinese, else English); a missing variable is an error. */
export function renderStaffTemplate(
  name: StaffCaseTemplateName,
  locale: string,
  vars: Record<string, string | number | boolean>,
): { locale: 'en' | 'zh-CN'; subject: string; text: string; html: string } {
  const loc = locale.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
  for (const key of ['firstName', 'lastName', ...STAFF_CASE_TEMPLATES[name].vars]) {
    const value = vars[key];
    if (value === undefined || value === null)
      throw new TemplateValueError(`template '${name}' needs '${key}', which the data lacks`);
  }
  const key = `${name}/${loc}`;
  let c = compiled.get(key);
  if (!c) {
    const src = STAFF_CASE_TEMPLATES[name][loc];
    c = {
      subject: hb.compile(src.subject, { strict: true, noEscape: true }),
      text: hb.compile(src.text, { strict: true, noEscape: true }),
      html: hb.compile(src.html, { strict: true }),
    };
    compiled.set(key, c);
  }
  const data = { data: { locale: loc } };
  return { locale: loc, subject: c.subject(vars, data), text: c.text(vars, data), html: c.html(vars, data) };
}

// --- labels --------------------------------------------------------------------------------------------------

const LABELS: Record<'en' | 'zh-CN', Record<string, string>> = {
  en: {
    service_attitude: 'service attitude',
    service_skill: 'service skill',
    facilities: 'facilities and equipment',
    food_beverage: 'food and beverage',
    safety: 'safety',
    policies: 'policies and rules',
    other: 'other',
    low: 'low',
    normal: 'normal',
    high: 'high',
    urgent: 'urgent',
    comment_card: 'a comment card',
    phone: 'a phone call',
    letter: 'a letter',
    social_media: 'social media',
    staff_visit: 'a staff visit',
    survey: 'a survey',
    in_stay: 'an in-stay report',
    front_office: 'front office',
    housekeeping: 'housekeeping',
    engineering: 'engineering',
    security: 'security',
    guest_relations: 'guest relations',
    sales: 'sales',
    spa_recreation: 'spa and recreation',
    management: 'management',
  },
  'zh-CN': {
    service_attitude: '服务态度',
    service_skill: '服务技能',
    facilities: '设施设备',
    food_beverage: '餐饮',
    safety: '安全',
    policies: '政策规定',
    other: '其他',
    low: '低',
    normal: '普通',
    high: '高',
    urgent: '紧急',
    comment_card: '意见卡',
    phone: '电话',
    letter: '信函',
    social_media: '社交媒体',
    staff_visit: '员工拜访',
    survey: '满意度调查',
    in_stay: '住店期间反馈',
    front_office: '前厅部',
    housekeeping: '客房部',
    engineering: '工程部',
    security: '保安部',
    guest_relations: '宾客关系部',
    sales: '销售部',
    spa_recreation: '康乐部',
    management: '管理层',
  },
};

/** A category, priority, source or department code in words (the code itself when unknown). */
export function caseLabel(code: string, locale: string): string {
  const loc = locale.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
  return LABELS[loc][code] ?? code;
}

/** The short reference guests and staff quote: `C-` and the case id's first 8 hex digits. */
export function caseRef(caseId: string): string {
  return `C-${caseId.replace(/-/g, '').slice(0, 8).toUpperCase()}`;
}
