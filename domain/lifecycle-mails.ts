/** The lifecycle mails the guest's workflow decides; `marketing` ones need the guest's marketing consent. */
export const LIFECYCLE_MAILS = {
  'enrolment-invitation': { marketing: true },
  'welcome-member': { marketing: false },
  'tier-upgrade': { marketing: false },
  'tier-review-result': { marketing: false },
  'tier-keep-reminder': { marketing: true },
  'first-year-reminder': { marketing: true },
  'first-year-come-back': { marketing: true },
  'points-expiry-warning': { marketing: false },
  'points-expired': { marketing: false },
  'win-back-offer': { marketing: true },
  'churn-why': { marketing: true },
  'welcome-back': { marketing: false },
  'birthday-greeting': { marketing: true },
  'referral-bonus': { marketing: false },
} as const;
export type LifecycleMail = keyof typeof LIFECYCLE_MAILS;
