/** The workflows the worker registers (bundled by the Temporal worker). */
export { campaign } from './campaign.js';
export { guestLifecycle } from './guest-lifecycle.js';
export { inStayCare } from './in-stay-care.js';
export { pmsEventSweeper } from './pms-event-sweeper.js';
export { postStayFollowUp } from './post-stay-follow-up.js';
export { serviceRecovery } from './service-recovery.js';
export { tierReview } from './tier-review.js';
export { winBack } from './win-back.js';
