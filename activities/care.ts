/**
 * Care during the stay (docs/architecture.md "Care during the stay": ask before the guest complains). The
 * in-stay care child (workflows/in-stay-care.ts) asks these two activities: when to ask (the next 09:00 in the
 * property's zone after the check-in, luxon, outside workflow code), and, at that time, whether the guest is
 * still in house (no check-out recorded for the PMS stay, the expected departure not passed in the property's
 * zone) before the "how is your stay?" mail goes through the planning activity. A guest no longer in house gets
 * a `suppressed` outbox row with the reason instead (`not_in_house`, domain/mail-policy.ts `decideMail`).
 */
import { DateTime } from 'luxon';
import type { Db } from '../db/knex.js';
import * as cases from '../db/repositories/cases.js';
import * as guests from '../db/repositories/guests.js';
import * as outbox from '../db/repositories/outbox.js';
import * as checkins from '../db/repositories/stay-checkins.js';
import * as stays from '../db/repositories/stays.js';
import { decideMail, IN_STAY_CHECK_HOUR, type InHouseFacts } from '../domain/mail-policy.js';
import { failFastOnDataErrors } from './errors.js';
import type { MailActivities, ScheduledMail, SchedulingSendMail, SendMailResult } from './mail.js';

export interface CareDeps {
  db: Db;
  mail: Pick<MailActivities, 'suppressMail'>;
  sendMail: SchedulingSendMail;
  /**
   * The signed link to the in-stay report page (api/links; a report opens an `in_stay` case). Without it the
   * mail asks the guest to call the front desk.
   */
  inStayReportUrl?: (input: { guestId: string; pmsStayId: string; propertyCode: string }) => string;
}

const validZone = (zone: string | null | undefined): string | undefined =>
  zone && DateTime.now().setZone(zone).isValid ? zone : undefined;

/**
 * The first `hour`:00 local strictly after `after` (check-in at 22:00 → 09:00 the next morning; at 08:00 →
 * 09:00 the same morning).
 */
export function nextLocalHour(after: string, zone: string, hour = IN_STAY_CHECK_HOUR): DateTime {
  const local = DateTime.fromISO(after, { zone });
  const today = local.set({ hour, minute: 0, second: 0, millisecond: 0 });
  return today > local ? today : today.plus({ days: 1 });
}

export interface InStayCheckPlan {
  /** ISO instant (UTC) of the check. */
  checkAt: string;
  /** The same in the zone used, `yyyy-LL-dd HH:mm`, for timelines and logs. */
  localCheckAt: string;
  zone: string;
}

/**
 * The in-stay check's time: the next 09:00 after the check-in in the property's zone (property_settings),
 * else the guest's. A check-in reported so late that this has passed is asked at the next 09:00 after `now`.
 */
export function planInStayCheckAt(input: {
  checkedInAt: string;
  now: string;
  zone: string;
}): InStayCheckPlan {
  let at = nextLocalHour(input.checkedInAt, input.zone);
  if (at.toMillis() < Date.parse(input.now)) at = nextLocalHour(input.now, input.zone);
  return { checkAt: at.toUTC().toISO()!, localCheckAt: at.toFormat('yyyy-LL-dd HH:mm'), zone: input.zone };
}

export function createCareActivities(deps: CareDeps) {
  const { db } = deps;

  async function zoneOf(guestId: string, propertyCode: string): Promise<string> {
    const property = await cases.propertySettings(db, propertyCode);
    const guest = await guests.findById(db, guestId);
    return validZone(property?.timezone) ?? validZone(guest?.timezone) ?? 'UTC';
  }

  return {
    /** When to ask the guest how the stay is going (see planInStayCheckAt). */
    async planInStayCheck(input: {
      guestId: string;
      propertyCode: string;
      checkedInAt: string;
      now: string;
    }): Promise<InStayCheckPlan> {
      const zone = await failFastOnDataErrors(() => zoneOf(input.guestId, input.propertyCode));
      return planInStayCheckAt({ checkedInAt: input.checkedInAt, now: input.now, zone });
    },

    /**
     * The in-stay check, if the guest is still in house at `now`: no check-out recorded for the PMS stay
     * (neither on the check-in row nor as a completed stay) and the expected departure day not passed in the
     * property's zone. Then the `in-stay-check` mail (transactional) through the planning activity, once per
     * key; otherwise a suppressed row with the reason (`not_in_house: …`).
     */
    async sendInStayCheck(input: {
      guestId: string;
      source: string;
      pmsStayId: string;
      propertyCode: string;
      key: string;
      now: string;
    }): Promise<SendMailResult | ScheduledMail | { status: 'suppressed'; outboxId: number; reason: string }> {
      const template = 'in-stay-check';
      // Decided already (a retry, a repeated child): what became of it stands.
      const decided = await outbox.findByKey(db, input.key);
      if (decided?.status === 'suppressed')
        return { status: 'suppressed', outboxId: decided.id, reason: decided.suppression_reason ?? '' };
      if (decided?.status === 'sent' || decided?.status === 'failed')
        return { status: decided.status, outboxId: decided.id };
      const inHouse = await failFastOnDataErrors(async (): Promise<InHouseFacts> => {
        const checkin = await checkins.findByPmsStay(db, input.source, input.pmsStayId);
        // A message from elsewhere (an operator's re-signal) without the API's row: nothing says the guest is here.
        if (!checkin) return { checkedIn: false };
        const stayCheckOut = await stays.checkedOutAtOf(db, input.source, input.pmsStayId);
        const checkedOutAt = checkin.checked_out_at ?? stayCheckOut ?? null;
        const zone = await zoneOf(input.guestId, input.propertyCode);
        return {
          checkedIn: true,
          checkedOutAt: checkedOutAt?.toISOString() ?? null,
          expectedDeparture: checkin.expected_departure,
          today: DateTime.fromISO(input.now, { zone }).toISODate()!,
        };
      });
      const decision = decideMail({ mailClass: 'transactional', now: input.now, inHouse });
      if (decision.action === 'skip') {
        const notInHouse = decision.text;
        const { outboxId } = await deps.mail.suppressMail({
          guestId: input.guestId,
          template,
          idempotencyKey: input.key,
          reason: notInHouse,
        });
        return { status: 'suppressed', outboxId, reason: notInHouse };
      }
      const property = await cases.propertySettings(db, input.propertyCode);
      const reportUrl =
        deps.inStayReportUrl?.({
          guestId: input.guestId,
          pmsStayId: input.pmsStayId,
          propertyCode: input.propertyCode,
        }) ?? '';
      return deps.sendMail({
        guestId: input.guestId,
        template,
        idempotencyKey: input.key,
        marketing: false,
        now: input.now,
        vars: { propertyName: property?.name ?? input.propertyCode, reportUrl },
      });
    },
  };
}
