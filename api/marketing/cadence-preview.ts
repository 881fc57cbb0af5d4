/**
 * The preview of a cadence version for one guest (`POST /v1/cadences/:key/preview`): the mails the guest would
 * get, each with its subject (the template's current text in the guest's language) and its send time in the
 * guest's local time, and the steps that would be skipped with the reason. Planned by the follow-up's own
 * planner (domain/cadence-plan.ts `planCadence`, through lib/cadence-times.ts `planCadenceInZone`, on the
 * mail policy of domain/mail-policy.ts `decideMail`) on the facts as they are now: the guest's zone, consent and open
 * cases, the program's window, quiet periods and frequency cap with the guest's recent marketing mails, and
 * the stay's survey answer and bookings since. Nothing is written.
 *
 * The stay planned from is the guest's latest as it is (its check-out, survey answer and bookings since), or,
 * with `checkOutAt`, a stay to come that checks out then (no answer, no booking since yet); a guest without
 * stays checks out now. The latest stay's property, dates, nights and points fill the mails; values the API
 * cannot know (a signed link, a guest with no stay) are samples, listed per mail.
 */
import { DateTime } from 'luxon';
import { checkInInstant, planCadenceInZone } from '../../lib/cadence-times.js';
import { frequencyWindowStart, zoneOrUtc } from '../../lib/local-time.js';
import { previewTemplate } from '../../mail/store.js';
import { isTemplateName } from '../../mail/templates.js';
import type { Db } from '../../db/knex.js';
import * as reads from '../../db/repositories/cadence-preview.js';
import * as cadences from '../../db/repositories/cadences.js';
import { propertySettings } from '../../db/repositories/cases.js';
import * as guests from '../../db/repositories/guests.js';
import { balanceOf } from '../../db/repositories/ledger.js';
import * as mailPlan from '../../db/repositories/mail-plan.js';
import { getSettings } from '../../db/repositories/program.js';
import * as templateStore from '../../db/repositories/templates.js';
import { checkSteps, type CadenceStep } from '../../domain/cadence.js';
import type { StepPreview } from '../../domain/cadence-plan.js';
import { BOOKED, checkQuietPeriods, checkSendWindow, ENDS_WITH_A_BOOKING } from '../../domain/mail-policy.js';
import { HttpError } from '../errors.js';
import { versionOrNotFound } from './cadences.js';

export interface CadencePreviewInput {
  key: string;
  guestId: string;
  version?: number | undefined;
  checkOutAt?: string | undefined;
  /** The time of the preview (tests); default now. */
  now?: string | undefined;
}

type Value = string | number | boolean;

/** What every plan of one request shares: the time, and the program's planning settings. */
interface PlanningContext {
  now: string;
  settings: NonNullable<Awaited<ReturnType<typeof mailPlan.planningSettings>>>;
  maxAgeDays: number;
}

async function planningContext(db: Db, now: string): Promise<PlanningContext> {
  const settings = await mailPlan.planningSettings(db);
  if (!settings) throw new Error('program settings are missing');
  const program = await getSettings(db);
  return { now, settings, maxAgeDays: program.thankYouMaxAgeDays };
}

/**
 * The steps planned for one guest and stay on the facts as they are now: `followed` is the stay whose survey
 * answer and bookings since count (null: a stay to come, or none); `stay` gives the property's zone.
 */
async function planStay(
  db: Db,
  ctx: PlanningContext,
  input: {
    guest: guests.GuestRow;
    steps: CadenceStep[];
    stay: reads.PreviewStay | undefined;
    followed: reads.PreviewStay | undefined;
    checkOut: string;
  },
) {
  const { guest, steps, stay, followed, checkOut } = input;
  const { now, settings: settingsRow } = ctx;
  const zone = zoneOrUtc(guest.timezone);
  const arrival =
    followed?.arrival ??
    DateTime.fromISO(checkOut, { zone }).minus({ days: 1 }).toISODate() ??
    checkOut.slice(0, 10);
  const propertyZone = stay ? (await propertySettings(db, stay.property_code))?.timezone : undefined;
  const anchors = { checkOut, checkIn: checkInInstant(arrival, propertyZone ?? guest.timezone) };

  const frequencyCap = {
    cap: settingsRow.marketing_frequency_cap,
    days: settingsRow.marketing_frequency_days,
  };
  const since = frequencyWindowStart(now, zone, frequencyCap.days);
  const recentMarketing = (await reads.marketingPlannedSince(db, guest.id, new Date(since))).map((d) =>
    d.toISOString(),
  );
  const checkOutLocal = DateTime.fromISO(checkOut, { zone });
  const surveyScore = followed ? await cadences.surveyScore(db, followed.id) : null;
  const bookedSinceAnchor = followed
    ? await cadences.bookedSince(db, {
        guestId: guest.id,
        stayId: followed.id,
        since: checkOutLocal.toJSDate(),
        sinceDate: checkOutLocal.toISODate()!,
      })
    : false;
  const bookingAhead = await mailPlan.hasBookingAhead(
    db,
    guest.id,
    DateTime.fromISO(now, { zone }).toISODate()!,
  );
  const facts = {
    timezone: guest.timezone,
    now,
    maxAgeDays: ctx.maxAgeDays,
    marketingConsent: guest.marketing_consent,
    openServiceCase: (await mailPlan.openServiceCases(db, guest.id)) > 0,
    exitCondition: null as string | null,
    quietPeriods: checkQuietPeriods(settingsRow.quiet_periods),
    programWindow: checkSendWindow({
      start: settingsRow.send_window_start,
      end: settingsRow.send_window_end,
    }),
    frequencyCap,
    recentMarketing,
    surveyScore,
    bookedSinceAnchor,
  };
  let planned: StepPreview[] = planCadenceInZone({ steps, anchors, facts });
  if (bookingAhead) {
    // A booked stay ends the mails whose purpose is a booking (domain/mail-policy.ts ENDS_WITH_A_BOOKING).
    const booked = planCadenceInZone({
      steps,
      anchors,
      facts: { ...facts, exitCondition: BOOKED },
    });
    planned = planned.map((p, i) => (ENDS_WITH_A_BOOKING.has(p.template) ? booked[i]! : p));
  }
  return { planned, zone, anchors };
}

async function versionToPlan(db: Db, key: string, version: number | undefined) {
  const cadence = await cadences.findCadence(db, key);
  if (!cadence) throw new HttpError(404, 'cadence_not_found', `no cadence '${key}'`, { field: 'key' });
  const v =
    version === undefined
      ? await cadences.currentVersion(db, key)
      : await versionOrNotFound(db, key, version);
  if (!v)
    throw new HttpError(409, 'no_published_version', `cadence '${key}' has no published version`, {
      field: 'version',
    });
  return v;
}

export async function previewCadence(db: Db, input: CadencePreviewInput) {
  const version = await versionToPlan(db, input.key, input.version);
  const guest = await guests.findById(db, input.guestId);
  if (!guest)
    throw new HttpError(404, 'guest_not_found', `no guest with id ${input.guestId}`, { field: 'guestId' });
  const steps = checkSteps(version.steps);
  const now = input.now ?? new Date().toISOString();

  // The stay and its anchors: `checkOutAt` plans a stay to come (no survey answer, no booking since yet);
  // otherwise the guest's latest stay as it is; a guest without one, a check-out now.
  const stay = await reads.latestStay(db, guest.id);
  const followed = input.checkOutAt === undefined ? stay : undefined;
  const checkOut = input.checkOutAt ?? stay?.checked_out_at.toISOString() ?? now;
  const ctx = await planningContext(db, now);
  const { planned, zone, anchors } = await planStay(db, ctx, { guest, steps, stay, followed, checkOut });

  // The stay's values for the mails.
  const known: Record<string, Value> = stay
    ? {
        propertyCode: stay.property_code,
        arrival: stay.arrival,
        departure: stay.departure,
        nights: stay.nights,
        oneNight: stay.nights === 1,
        pointsEarned: await reads.pointsOfStay(db, stay.id),
        pointsBalance: await balanceOf(db, guest.id),
      }
    : {};

  const mails = [];
  const skipped = [];
  for (const p of planned) {
    const base = {
      stepId: p.id,
      template: p.template,
      class: p.class,
      condition: p.condition,
      dueAt: p.dueAt,
    };
    if (p.outcome === 'skip') {
      skipped.push({ ...base, skip: p.skip, reason: p.reason });
      continue;
    }
    const stored = isTemplateName(p.template)
      ? await templateStore.currentPublished(db, p.template)
      : undefined;
    let rendered: { subject: string; text: string; sampleVars: Record<string, Value> } | null = null;
    let renderError: string | null = null;
    try {
      if (!isTemplateName(p.template)) throw new Error(`unknown template '${p.template}'`);
      const vars = p.class === 'transactional' ? { ...known, unsubscribeUrl: '' } : known;
      const r = previewTemplate(p.template, guest, stored, vars);
      rendered = { subject: r.subject, text: r.text, sampleVars: r.sampleVars };
    } catch (err) {
      renderError = (err as Error).message.split('\n')[0]!;
    }
    mails.push({
      ...base,
      sendAt: p.sendAt,
      localSendAt: p.localSendAt,
      localSendAtIso: DateTime.fromISO(p.sendAt, { zone }).toISO(),
      deferred: p.deferred,
      templateVersion: stored?.version ?? null,
      subject: rendered?.subject ?? null,
      text: rendered?.text ?? null,
      sampleVars: rendered?.sampleVars ?? {},
      ...(renderError ? { renderError } : {}),
    });
  }

  return {
    cadence: input.key,
    version: version.version,
    status: version.status,
    guestId: guest.id,
    locale: guest.locale,
    timezone: zone,
    now,
    /** The stay followed (null: a stay to come, `checkOutAt`, or a guest without stays). */
    stayId: followed?.id ?? null,
    anchors,
    mails,
    skipped,
  };
}

/** At most this many running follow-ups are planned by one dry run over the base (the first by workflow id). */
export const MAX_BASE_PLAN = 2000;

export interface BasePlanStep {
  stepId: string;
  template: string;
  class: CadenceStep['class'];
  /** Follow-ups that have done the step already (a moved follow-up skips the ids it has done). */
  done: number;
  /** Follow-ups that would send it. */
  send: number;
  /** Of those, held until the step's (or the program's) window opens. */
  deferred: number;
  /** Follow-ups that would skip it, by reason (the planner's codes). */
  skipped: Record<string, number>;
}

/**
 * The dry run of a version over the base (`GET /v1/cadences/:key/dry-run/steps`): every follow-up of the
 * cadence running now (on any version; at most MAX_BASE_PLAN), planned as if it ran `version` (default: the
 * current one; a draft too) from its own stay's check-out, on the facts as they are now, by the preview's
 * planner. Per step: how many have done it, would send it and would skip it, by reason; and the reasons in
 * all. Nothing is written.
 */
export async function planOverBase(
  db: Db,
  input: { key: string; version?: number | undefined; now?: string },
) {
  const version = await versionToPlan(db, input.key, input.version);
  const steps = checkSteps(version.steps);
  const now = input.now ?? new Date().toISOString();
  const running = (await cadences.countRunningByVersion(db, input.key)).reduce((n, r) => n + r.running, 0);
  const followUps = await reads.runningFollowUps(db, input.key, MAX_BASE_PLAN);
  const ctx = await planningContext(db, now);

  const perStep: BasePlanStep[] = steps.map((s) => ({
    stepId: s.id,
    template: s.template,
    class: s.class,
    done: 0,
    send: 0,
    deferred: 0,
    skipped: {},
  }));
  const reasons: Record<string, number> = {};
  let planned = 0;
  let unplanned = 0;
  const planOne = async (f: reads.RunningFollowUp) => {
    const guest = await guests.findById(db, f.guest_id);
    const stay = await reads.stayById(db, f.stay_id);
    if (!guest || !stay) {
      unplanned += 1;
      return;
    }
    const checkOut = stay.checked_out_at.toISOString();
    const plan = await planStay(db, ctx, { guest, steps, stay, followed: stay, checkOut });
    planned += 1;
    plan.planned.forEach((p, i) => {
      const counts = perStep[i]!;
      if (f.steps_done.includes(p.id)) counts.done += 1;
      else if (p.outcome === 'send') {
        counts.send += 1;
        if (p.deferred) counts.deferred += 1;
      } else {
        counts.skipped[p.skip] = (counts.skipped[p.skip] ?? 0) + 1;
        reasons[p.skip] = (reasons[p.skip] ?? 0) + 1;
      }
    });
  };
  // A few at a time: each plan is a handful of small reads.
  let next = 0;
  const worker = async () => {
    while (next < followUps.length) await planOne(followUps[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(4, followUps.length) }, worker));

  return {
    cadence: input.key,
    version: version.version,
    status: version.status,
    now,
    /** Follow-ups running now on any version. */
    running,
    /** Those planned (at most MAX_BASE_PLAN; a follow-up whose guest or stay is gone is not). */
    planned,
    unplanned,
    limit: MAX_BASE_PLAN,
    steps: perStep,
    reasons,
  };
}
