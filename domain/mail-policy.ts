/**
 * The mail policy: when a mail goes, when it waits, and when it is not sent and why. Every mail the engine
 * writes to `mail_outbox` is decided by `decideMail` on facts that activities gather (Postgres, the clock, the
 * zone's local time); the activity then records the decision: a `pending` row with its `send_at`, or a
 * `suppressed` row whose `suppression_reason` is the decision's `text` (the reason, then after `: ` what made it
 * so). Pure: no clock, no time-zone data. Local times come in as data, computed by activities with luxon
 * (lib/local-time.ts `localTimes`); here they are only compared and formatted.
 *
 * The reasons, in the order they are looked at (one reason per mail: the first that holds):
 *
 * Who the mail goes to
 * - `guest_erased`: the guest's personal data was erased (db/repositories/privacy.ts `eraseGuest`): no mail of any
 *   class goes to them again, when planned, at the send time, or in a campaign; the mails waiting for their send
 *   time are withdrawn by the erasure itself. `guest_erased: the guest asked to be forgotten`.
 * - `no_guest`: at the send time the guest, or their address, is gone (an erasure): the row is not sent
 *   (activities/mail.ts `deliverMail`). `no_guest: the guest or their address is gone`.
 * - `no_staff_address`: a case escalation to a property's duty or general manager, and the property has no such
 *   address (activities/cases.ts). `no_staff_address: property P has no duty manager address`.
 *
 * Whether it is still worth sending (any class)
 * - `not_in_house`: the in-stay check (activities/care.ts) and the guest has left: no check-in recorded for the
 *   PMS stay, a check-out recorded at or before now, or the expected departure day passed in the property's
 *   zone. `not_in_house: checked out at 2026-03-12T03:00:00.000Z`.
 * - `stay_too_old`: a post-stay mail planned more than `maxAgeDays` (program_settings `thank_you_max_age_days`)
 *   after its due time (activities/cadence.ts: a stay reported late, a move to a version whose step is long
 *   past), or, for the follow-ups started before cadences, after the check-out (workflows/post-stay-follow-up.ts).
 *   `stay_too_old: due 2026-03-15, more than 7 days ago` / `stay_too_old: checked out more than 7 days ago`.
 * - `condition_not_met`: the cadence step's condition (domain/cadence.ts `conditionNotMet`) does not hold at its
 *   due time: a survey answered below the score, a booking since the check-out, an open case.
 *   `condition_not_met: score_at_least:4 (score 3)`.
 *
 * Marketing mail only (transactional mail needs no consent, and is neither paused, dropped, held by a quiet day
 * nor capped: the guest expects it)
 * - `no_marketing_consent`: the guest has not agreed to marketing mail: when it is planned, and again at its
 *   send time (activities/mail.ts). `no_marketing_consent`; a guest who unsubscribes while marketing mails wait
 *   for their send time gets them suppressed at once: `UNSUBSCRIBED` (api/links/service.ts).
 * - `exit_condition`: the mail's purpose is gone. A mail that ends with a booking (`ENDS_WITH_A_BOOKING`) planned
 *   while the guest has a stay booked: `exit_condition: booked: the guest has a stay booked`. A mail held for its
 *   send time by a win-back that then ended (the guest came back, or staff cancelled it) is withdrawn, whatever
 *   its class: `WIN_BACK_ENDED` (workflows/win-back.ts); one held by a follow-up staff cancelled:
 *   `FOLLOW_UP_CANCELLED` (workflows/post-stay-follow-up.ts).
 * - `open_service_case`: marketing pauses while a service case of the guest is open (db/repositories/mail-plan.ts
 *   `openServiceCases`), when planned and again at the send time.
 *   `open_service_case: marketing pauses while a case is open`.
 * - `quiet_period`: the local day the mail would go (after waiting for the window) is in one of the program's
 *   quiet periods. `quiet_period: 2026-11-25 is in Staff days 2026-11-25–2026-11-26`.
 * - `frequency_cap`: the guest has had `cap` marketing mails (queued or sent) in the `days` local calendar days
 *   ending today. `frequency_cap: 3 marketing mails since 2026-11-18 (at most 3 in 7 days)`.
 *
 * When it goes (`send` now or `hold` until a time)
 * - A mail waits for its send window (`sendWindowOf`): marketing mail for the program's window
 *   (program_settings `send_window_start`–`send_window_end`, 09:00–20:00 by default) or its cadence step's own;
 *   a transactional mail for a window given to it (a cadence step's) or, when it does not answer the guest's own
 *   action (`MAIL_TIMING`), for the program's. Due before the window opens: held until it opens that day; due at
 *   or after its end: held until it opens the next day; inside it: sent now. No window: sent now.
 */
import { conditionNotMet, type ConditionFacts } from './cadence.js';

/** Every reason a mail is not sent: the first word of `mail_outbox.suppression_reason`. */
export const SUPPRESSION_REASONS = [
  'guest_erased',
  'no_guest',
  'no_staff_address',
  'not_in_house',
  'stay_too_old',
  'condition_not_met',
  'no_marketing_consent',
  'exit_condition',
  'open_service_case',
  'quiet_period',
  'frequency_cap',
] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** The `suppression_reason` recorded: the reason, and after `: ` what made it so. */
export function suppressionText(reason: SuppressionReason, detail?: string): string {
  return detail ? `${reason}: ${detail}` : reason;
}

/** Pending marketing mails of a guest who unsubscribes (api/links/service.ts). */
export const UNSUBSCRIBED = suppressionText('no_marketing_consent', 'unsubscribed before its send time');

/** A mail held for its send time by a win-back that ended meanwhile (workflows/win-back.ts). */
export const WIN_BACK_ENDED = suppressionText(
  'exit_condition',
  'the win-back ended before the send time (the guest came back, or staff cancelled it)',
);

/**
 * A mail of a stay's follow-up held for its send time when the PMS voided the stay (`stay.cancelled`,
 * activities/stays-and-points.ts `correctStay`).
 */
export const STAY_CANCELLED = suppressionText('exit_condition', 'the stay was cancelled by the PMS');

/** A mail held for its send time by a follow-up staff cancelled meanwhile (workflows/post-stay-follow-up.ts). */
export const FOLLOW_UP_CANCELLED = suppressionText(
  'exit_condition',
  'the follow-up was cancelled by staff before the send time',
);

/** Marketing mails whose purpose ends when the guest books: planned while a stay is booked, they are skipped. */
export const ENDS_WITH_A_BOOKING: ReadonlySet<string> = new Set([
  'first-year-come-back',
  'win-back-offer',
  'come-back-offer',
]);

/** The exit condition of a mail in ENDS_WITH_A_BOOKING planned while the guest has a stay booked. */
export const BOOKED = 'booked: the guest has a stay booked';

// ---- send windows and timing -----------------------------------------------------------------------------------

export type MailClass = 'transactional' | 'marketing';

/** Local `HH:mm`, start inclusive, end exclusive, start before end (no window across midnight). */
export interface SendWindow {
  start: string;
  end: string;
}

/** Local calendar days, both inclusive (`YYYY-MM-DD`). */
export interface QuietPeriod {
  from: string;
  to: string;
  /** Shown in the suppression reason, e.g. "Chinese New Year". */
  name?: string;
}

export const DEFAULT_SEND_WINDOW: SendWindow = { start: '09:00', end: '20:00' };

export type MailTiming =
  /** The direct answer to the guest's own action, or a mail to staff: at any hour. */
  | 'at_once'
  /** Waits for the guest's send window (a cadence step's own window instead, when it has one). */
  | 'send_window'
  /** Planned for a local hour of its own before it is planned at all (the in-stay check: 09:00 where the guest is). */
  | 'own_hour';

/** When each guest mail may go, by template (docs/mail.md "When a mail goes"). */
export const MAIL_TIMING = {
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
  // A campaign's local time (domain/campaigns.ts), inside the window or held for it.
  'holiday-greeting': 'send_window',
  'service-announcement': 'send_window',
  'case-resolution': 'send_window',
  'case-satisfaction-check': 'send_window',
  // IN_STAY_CHECK_HOUR the next morning in the property's zone, where the guest is (activities/care.ts).
  'in-stay-check': 'own_hour',
} as const satisfies Record<string, MailTiming>;

/** The local hour the in-stay check goes at (`own_hour` in MAIL_TIMING). */
export const IN_STAY_CHECK_HOUR = 9;

/** True when the mail waits for the guest's send window; an unknown template (the planner refuses it) does too. */
export function waitsForSendWindow(template: string): boolean {
  const timing = (MAIL_TIMING as Record<string, MailTiming | undefined>)[template];
  return timing === undefined || timing === 'send_window';
}

/**
 * The window a mail waits for, or null (it goes when planned): none when the caller cannot wait
 * (`ignoreSendWindow`); else its own (a cadence step's); else the program's for marketing mail and for every
 * mail that waits for the send window (MAIL_TIMING).
 */
export function sendWindowOf(mail: {
  marketing: boolean;
  template: string;
  own?: SendWindow | undefined;
  program: SendWindow;
  ignoreSendWindow?: boolean | undefined;
}): SendWindow | null {
  if (mail.ignoreSendWindow) return null;
  return mail.own ?? (mail.marketing || waitsForSendWindow(mail.template) ? mail.program : null);
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Minutes after midnight of a local `HH:mm`; a RangeError for anything else. */
export function minutesOf(hhmm: string): number {
  const m = HH_MM.exec(hhmm);
  if (!m) throw new RangeError(`'${hhmm}' is not a local time HH:mm`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Throws a RangeError naming what is wrong with a window (settings are checked before they are used). */
export function checkSendWindow(window: SendWindow): SendWindow {
  if (minutesOf(window.start) >= minutesOf(window.end))
    throw new RangeError(`send window ${window.start}–${window.end}: the start must be before the end`);
  return window;
}

/** A `YYYY-MM-DD` that names a day of the calendar (not 2026-02-30). */
function isCalendarDate(d: unknown): d is string {
  if (typeof d !== 'string') return false;
  const m = ISO_DATE.exec(d);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

/** Throws a RangeError naming the first period that is not two ordered `YYYY-MM-DD` dates. */
export function checkQuietPeriods(value: unknown): QuietPeriod[] {
  if (!Array.isArray(value)) throw new RangeError('quiet periods must be a list');
  return value.map((p: unknown, i) => {
    const { from, to, name } = (p ?? {}) as Record<string, unknown>;
    if (!isCalendarDate(from) || !isCalendarDate(to) || from > to)
      throw new RangeError(`quiet period ${i + 1}: from and to must be dates YYYY-MM-DD, from ≤ to`);
    if (name !== undefined && typeof name !== 'string')
      throw new RangeError(`quiet period ${i + 1}: name must be text`);
    return { from, to, ...(name ? { name } : {}) };
  });
}

// ---- the decision ------------------------------------------------------------------------------------------------

/** An instant and the same in the recipient's zone. */
export interface LocalInstant {
  /** ISO instant (UTC). */
  at: string;
  /** Local `yyyy-MM-dd HH:mm`. */
  local: string;
}

/** A send window and where it opens next, in the recipient's zone (lib/local-time.ts computes them). */
export interface SendWindowFacts extends SendWindow {
  /** The window's start on the local day of `now`. */
  opensToday: LocalInstant;
  /** The window's start on the local day after. */
  opensTomorrow: LocalInstant;
}

/** The in-stay check's facts: the PMS stay's check-in row (none recorded: `checkedIn` false) and today's date. */
export type InHouseFacts =
  | { checkedIn: false }
  | {
      checkedIn: true;
      /** ISO instant of the recorded check-out (the check-in row's, else the stay's), or null. */
      checkedOutAt: string | null;
      /** `YYYY-MM-DD`. */
      expectedDeparture: string;
      /** `YYYY-MM-DD`, in the property's zone. */
      today: string;
    };

/**
 * How old a post-stay mail is: a cadence step's due time (and its local date, for the reason), or the check-out
 * of a follow-up started before cadences.
 */
export type StayAgeFacts = { maxAgeDays: number } & (
  { dueAt: string; dueOn: string } | { checkedOutAt: string }
);

/** The guest's marketing mails in the frequency window: queued or sent since the local day `since`. */
export interface FrequencyFacts {
  count: number;
  cap: number;
  days: number;
  /** `YYYY-MM-DD`: the first local day of the window. */
  since: string;
}

/**
 * What a mail is decided on. Only `mailClass` and `now` are always given; a fact left out is not judged (the
 * caller gathers what applies to its mail: a staff mail has no consent, a send-time check no window).
 */
export interface MailPolicyFacts {
  mailClass: MailClass;
  /** The time of the decision, ISO instant (the workflow's clock). */
  now: string;
  /** `now` in the recipient's zone, `yyyy-MM-dd HH:mm`: needed to hold for a window and judge quiet days. */
  localNow?: string;
  /** The guest's personal data was erased (`guests.erased_at`). */
  guestErased?: boolean;
  /** At the send time: the guest or their address is gone. */
  recipientGone?: boolean;
  /** A mail to a property's manager: the address on file (null: none). */
  staff?: { propertyCode: string; manager: 'duty' | 'general'; address: string | null };
  /** The in-stay check: is the guest still in house? */
  inHouse?: InHouseFacts;
  /** A post-stay mail: how old it is. */
  stayAge?: StayAgeFacts;
  /** A cadence step: its condition and what it is judged on. */
  step?: ConditionFacts & { condition: string | null };
  /** Marketing: the guest's marketing consent. */
  marketingConsent?: boolean;
  /** Marketing: why the mail has become moot (`BOOKED`), or null. */
  exitCondition?: string | null;
  /** Marketing: a service case of the guest is open. */
  openServiceCase?: boolean;
  /** The window the mail waits for (`sendWindowOf`), opened in the recipient's zone; null or absent: none. */
  sendWindow?: SendWindowFacts | null;
  /** Marketing: the program's quiet periods. */
  quietPeriods?: readonly QuietPeriod[];
  /** Marketing: the frequency cap and the guest's count. */
  frequency?: FrequencyFacts;
}

export type MailDecision =
  /** It goes now. */
  | { action: 'send' }
  /** It goes at `until` (the send window's next opening), not before. */
  | { action: 'hold'; until: LocalInstant }
  /** It is not sent: `text` is the `suppression_reason` to record. */
  | { action: 'skip'; reason: SuppressionReason; text: string };

/** A decision as a planned send (its time, ISO and local) or a skip with its `suppression_reason`. */
export type MailPlan =
  { sendAt: string; localSendAt: string; deferred: boolean } | { skip: SuppressionReason; reason: string };

/** The decision taken at `now` as a plan: what the cadence preview shows. */
export function planOf(decision: MailDecision, now: LocalInstant): MailPlan {
  switch (decision.action) {
    case 'skip':
      return { skip: decision.reason, reason: decision.text };
    case 'hold':
      return { sendAt: decision.until.at, localSendAt: decision.until.local, deferred: true };
    case 'send':
      return { sendAt: now.at, localSendAt: now.local, deferred: false };
  }
}

const DAY_MS = 86_400_000;

const skip = (reason: SuppressionReason, detail?: string): MailDecision => ({
  action: 'skip',
  reason,
  text: suppressionText(reason, detail),
});

function localNowOf(facts: MailPolicyFacts): string {
  if (facts.localNow === undefined)
    throw new RangeError('localNow is needed to judge a window or a quiet day');
  return facts.localNow;
}

/** Why the guest is not in house at `now`, or null. */
function notInHouse(stay: InHouseFacts, now: string): string | null {
  if (!stay.checkedIn) return 'no check-in recorded for the stay';
  if (stay.checkedOutAt !== null && Date.parse(stay.checkedOutAt) <= Date.parse(now))
    return `checked out at ${stay.checkedOutAt}`;
  if (stay.today > stay.expectedDeparture) return `expected departure ${stay.expectedDeparture} has passed`;
  return null;
}

/** Why a post-stay mail is too old at `now`, or null. */
function tooOld(age: StayAgeFacts, now: string): string | null {
  const since = 'dueAt' in age ? age.dueAt : age.checkedOutAt;
  if (Date.parse(now) - Date.parse(since) <= age.maxAgeDays * DAY_MS) return null;
  return 'dueAt' in age
    ? `due ${age.dueOn}, more than ${age.maxAgeDays} days ago`
    : `checked out more than ${age.maxAgeDays} days ago`;
}

/** Now, or the window's next opening: before it opens today, today's; at or after its end, tomorrow's. */
function whenInWindow(facts: MailPolicyFacts): MailDecision & { action: 'send' | 'hold' } {
  const window = facts.sendWindow;
  if (!window) return { action: 'send' };
  checkSendWindow(window);
  const minute = minutesOf(localNowOf(facts).slice(11, 16));
  if (minute < minutesOf(window.start)) return { action: 'hold', until: window.opensToday };
  if (minute >= minutesOf(window.end)) return { action: 'hold', until: window.opensTomorrow };
  return { action: 'send' };
}

/** Whether a mail is sent now, held until a time, or skipped with a reason (see the file comment). */
export function decideMail(facts: MailPolicyFacts): MailDecision {
  if (facts.guestErased) return skip('guest_erased', 'the guest asked to be forgotten');
  if (facts.recipientGone) return skip('no_guest', 'the guest or their address is gone');
  if (facts.staff && !facts.staff.address)
    return skip(
      'no_staff_address',
      `property ${facts.staff.propertyCode} has no ${facts.staff.manager} manager address`,
    );
  const away = facts.inHouse ? notInHouse(facts.inHouse, facts.now) : null;
  if (away) return skip('not_in_house', away);
  const old = facts.stayAge ? tooOld(facts.stayAge, facts.now) : null;
  if (old) return skip('stay_too_old', old);
  const notMet = facts.step ? conditionNotMet(facts.step.condition, facts.step) : null;
  if (notMet) return { action: 'skip', reason: 'condition_not_met', text: notMet };

  if (facts.mailClass === 'transactional') return whenInWindow(facts);

  if (facts.marketingConsent === false) return skip('no_marketing_consent');
  if (facts.exitCondition) return skip('exit_condition', facts.exitCondition);
  if (facts.openServiceCase) return skip('open_service_case', 'marketing pauses while a case is open');

  const when = whenInWindow(facts);
  if (facts.quietPeriods?.length) {
    // Judged on the local day it would go.
    const day = (when.action === 'hold' ? when.until.local : localNowOf(facts)).slice(0, 10);
    const quiet = facts.quietPeriods.find((p) => p.from <= day && day <= p.to);
    if (quiet)
      return skip(
        'quiet_period',
        `${day} is in ${quiet.name ? `${quiet.name} ` : ''}${quiet.from}–${quiet.to}`,
      );
  }
  const f = facts.frequency;
  if (f && f.count >= f.cap)
    return skip(
      'frequency_cap',
      `${f.count} marketing mails since ${f.since} (at most ${f.cap} in ${f.days} days)`,
    );
  return when;
}
