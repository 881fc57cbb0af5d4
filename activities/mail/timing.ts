/**
 * When each mail may go (docs/mail.md). A guest mail that is not the direct answer to the guest's own action
 * waits for the guest's send window (program_settings `send_window_start`/`_end`, 09:00–20:00 local by default,
 * activities/mail/plan.ts DEFAULT_SEND_WINDOW), whatever its class: a transactional one still needs no
 * marketing consent, only its time changes. The planner (`planMail` in activities/mail.ts) reads this.
 */
import type { TemplateName } from '../../mail/templates.js';

export type MailTiming =
  /** The direct answer to the guest's own action, or a mail to staff: at any hour. */
  | 'at_once'
  /** Waits for the guest's send window (a cadence step's own window instead, when it has one). */
  | 'send_window'
  /** Planned for a local hour of its own before it is planned at all (the in-stay check: 09:00 where the guest is). */
  | 'own_hour';

export const MAIL_TIMING: { readonly [N in TemplateName]: MailTiming } = {
  // The answer to the guest's own action.
  'welcome-member': 'at_once', // the guest enrolled (or stayed, which enrols)
  'case-acknowledgement': 'at_once', // the guest complained: a survey answer, a report link, the front desk
  // Everything else waits for the window.
  'stay-thank-you': 'send_window',
  'satisfaction-survey': 'send_window',
  'review-request': 'send_window',
  'come-back-offer': 'send_window',
  'enrolment-invitation': 'send_window',
  'tier-upgrade': 'send_window',
  'tier-review-result': 'send_window',
  'tier-keep-reminder': 'send_window',
  'first-year-reminder': 'send_window',
  'first-year-come-back': 'send_window',
  'points-expiry-warning': 'send_window',
  'points-expired': 'send_window',
  'win-back-offer': 'send_window',
  'churn-why': 'send_window',
  'welcome-back': 'send_window',
  'birthday-greeting': 'send_window',
  'referral-bonus': 'send_window',
  'case-resolution': 'send_window',
  'case-satisfaction-check': 'send_window',
  // 09:00 the next morning in the property's zone, where the guest is (activities/care.ts planInStayCheck).
  'in-stay-check': 'own_hour',
};

/** True when the mail waits for the guest's send window; an unknown template (the planner refuses it) does too. */
export function waitsForSendWindow(template: string): boolean {
  const timing = (MAIL_TIMING as Record<string, MailTiming | undefined>)[template];
  return timing === undefined || timing === 'send_window';
}
