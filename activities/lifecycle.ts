/**
 * The lifecycle's side effects: reading where the guest stands (a snapshot
 * with the agenda, in the guest's time zone), recording stage and tier
 * changes, the annual review, staff requests, points expiry, reactivation and
 * win-back coupons, and every lifecycle mail. Each takes the workflow's `now`
 * (time is the workflow's, not this machine's: the simulator runs years in
 * seconds) and writes under a key, so a retry changes nothing.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex.js';
import * as audit from '../db/repositories/audit.js';
import * as bookings from '../db/repositories/bookings.js';
import { importedTierYear } from '../db/repositories/imports.js';
import * as ledger from '../db/repositories/ledger.js';
import * as lifecycle from '../db/repositories/lifecycle.js';
import * as staffRequests from '../db/repositories/staff-requests.js';
import { standingOf } from '../db/repositories/standing.js';
import type { GuestMessage } from '../domain/messages.js';
import { signalGuest } from '../lib/signal-guest.js';
import { versionInForce, type RulesVersion } from '../domain/program.js';
import { isStage, stageFromHistory, type Stage } from '../domain/stages.js';
import { decideReview } from '../domain/tier-review.js';
import { higherTier, isTier, shortfall, tierRank, type Tier } from '../domain/tiers.js';
import { localDate, planAgenda, reviewSchedule } from './agenda.js';
import { failFastOnDataErrors } from './errors.js';
import type { ScheduledMail, SchedulingSendMail, SendMailResult } from './mail.js';
import type { GuestSnapshot } from '../contracts/guest.js';
import { LIFECYCLE_MAILS, type LifecycleMail } from '../domain/lifecycle-mails.js';

/** Where the guest stands, as the workflow needs it: ids and facts, no personal data. */
export interface LifecycleDeps {
  db: Db;
  temporal?: Client | undefined;
  taskQueue?: string | undefined;
  /**
   * Plans and sends a mail: a marketing mail due outside the send window comes back `scheduled` with its
   * `sendAt`, and the calling workflow sleeps until then and runs `deliverPlannedMail`.
   */
  sendMail: SchedulingSendMail;
  /** Builds the signed "may we ask why?" link (api/links); absent in tests that do not need it. */
  whyUrl?: (input: { guestId: string; expiresAt: Date }) => string;
}

const yearOf = (iso: string) => Number(iso.slice(0, 4));
const latest = (a: Date | null, b: Date | null) => (a && b ? (a > b ? a : b) : (a ?? b));

export async function rulesAt(db: Db, date: string): Promise<RulesVersion> {
  const version = versionInForce(await lifecycle.rulesVersions(db), date);
  if (!version)
    throw ApplicationFailure.nonRetryable(`no program rules in force on ${date}`, 'SettingsMissing');
  return version;
}

/** The snapshot of the guest as of `now`: record, standing, agenda. */
export async function snapshotOf(db: Db, guestId: string, now: string): Promise<GuestSnapshot> {
  return (await readSnapshot(db, guestId, now)).snapshot;
}

/** The snapshot, with the record and the rules it was made from (the reads do not depend on each other). */
async function readSnapshot(db: Db, guestId: string, now: string) {
  const [record, { rules }, standing, last] = await Promise.all([
    lifecycle.recordOf(db, guestId),
    rulesAt(db, now.slice(0, 10)),
    standingOf(db, guestId, yearOf(now)),
    lifecycle.lastActivity(db, guestId),
  ]);
  if (!record) throw ApplicationFailure.nonRetryable(`guest ${guestId} not found`, 'GuestNotFound');
  const tier = isTier(record.tier) ? record.tier : 'member';
  const enrolled = record.enrolled_at !== null || standing.totalStays > 0;
  // Guests recorded before stages were kept in Postgres still say 'prospect': derive from their stays.
  const stage =
    isStage(record.stage) && !(record.stage === 'prospect' && enrolled)
      ? record.stage
      : stageFromHistory({ totalStays: standing.totalStays, tier, enrolled });
  const agenda = planAgenda(
    {
      guestId,
      timezone: record.timezone,
      stage,
      tier,
      enrolledAt: record.enrolled_at?.toISOString() ?? null,
      // A reactivation by booking restarts the at-risk and lapse clocks as a stay does.
      lastStayAt: latest(last.lastStayAt, last.lastReactivatedAt)?.toISOString() ?? null,
      lastQualifyingAt: last.lastQualifyingAt?.toISOString() ?? null,
      pointsBalance: standing.pointsBalance,
      birthdayMonthDay: record.birthday && record.marketing_consent ? record.birthday.slice(5, 10) : null,
      yearActivity: standing.year,
      totalStays: standing.totalStays,
    },
    rules,
    now,
  );
  const snapshot: GuestSnapshot = {
    stage,
    tier,
    tierFloor: isTier(record.tier_floor) ? record.tier_floor : null,
    tierValidThrough: record.tier_valid_through,
    enrolled,
    stays: standing.totalStays,
    nights: standing.totalNights,
    pointsBalance: standing.pointsBalance,
    lastStay: standing.lastStay,
    marketingConsent: record.marketing_consent,
    redemptionMinimum: rules.redemptionMinimum,
    agenda,
    reviewYear: reviewSchedule(guestId, record.timezone, now, rules.reviewJitterHours).year,
    // Only for an erased guest (docs/privacy.md): a run that loads one ends at once.
    ...(record.erased_at ? { erasedAt: record.erased_at.toISOString() } : {}),
  };
  return { snapshot, record, rules };
}

/**
 * The review a fresh run must hold at once: no run of the guest's workflow was alive at this year's review moment
 * (terminated in December, the next event in January), so last year was never reviewed — a tier row from before
 * this year and none dated this year (a review, or an upgrade, which makes last year's review moot). Before this year's (jittered) moment the
 * review is still ahead as usual.
 */
async function missedReviewOf(
  db: Db,
  guestId: string,
  { snapshot: s, record, rules }: Awaited<ReturnType<typeof readSnapshot>>,
  now: string,
): Promise<Partial<Pick<GuestSnapshot, 'agenda' | 'reviewYear'>>> {
  if (!s.enrolled || s.stage === 'churned') return {};
  if (s.tier === 'member' && !s.tierFloor) return {};
  const next = reviewSchedule(guestId, record.timezone, now, rules.reviewJitterHours);
  // `next.year` is the year the next review looks back on: this year once this year's moment has passed.
  const thisYear = Number(localDate(now, record.timezone).slice(0, 4));
  if (next.year !== thisYear) return {};
  // A tier this engine recorded before this year (an imported one without history is not reviewed at once), and
  // nothing recorded since.
  const rows = await lifecycle.tierRowsAround(db, guestId, `${thisYear}-01-01`);
  if (!rows.before || rows.since) return {};
  return { agenda: { ...s.agenda, tierReview: now }, reviewYear: thisYear - 1 };
}

export function createLifecycleActivities(deps: LifecycleDeps) {
  const { db } = deps;

  /**
   * The facts each mail needs, read when the workflow has decided to send it (this activity writes its outbox
   * row; activities/mail.ts renders it at the send time from these facts and the guest's contact data then).
   */
  async function varsFor(
    guestId: string,
    kind: LifecycleMail,
    now: string,
    extra: Record<string, string | number | boolean>,
    key: string,
  ): Promise<Record<string, string | number | boolean>> {
    const record = await lifecycle.recordOf(db, guestId);
    // A guest the record no longer holds (a restore to before they came: docs/operations.md): a retry cannot help.
    if (!record) throw ApplicationFailure.nonRetryable(`guest ${guestId} not found`, 'GuestNotFound');
    const tz = record.timezone;
    switch (kind) {
      case 'welcome-member':
        return { memberNumber: record.member_number ?? '', ...extra };
      case 'tier-upgrade': {
        // The tier this stay reached, as recorded by applyStay (key `<workflowId>:tier-upgrade:<stayId>`), not
        // the tier held now: a later stay may have raised it again before this mail was written.
        const m = /^(.*):tier-upgrade:([a-z]+):([^:]+)$/.exec(key);
        const decided = m ? await lifecycle.tierRowByKey(db, `${m[1]}:tier-upgrade:${m[3]}`) : undefined;
        return {
          tier: decided?.tier ?? m?.[2] ?? record.tier,
          validThrough: decided?.validThrough ?? record.tier_valid_through ?? '',
          ...extra,
        };
      }
      case 'tier-keep-reminder': {
        const { rules } = await rulesAt(db, now.slice(0, 10));
        const activity = await lifecycle.yearActivity(db, guestId, yearOf(now));
        const tier = isTier(record.tier) && record.tier !== 'member' ? record.tier : 'silver';
        const short = shortfall(activity, tier, rules.tiers) ?? { nights: 0, stays: 0 };
        return { tier, year: yearOf(now), nightsShort: short.nights, staysShort: short.stays, ...extra };
      }
      case 'first-year-reminder':
      case 'first-year-come-back': {
        const enrolled = record.enrolled_at ?? new Date(now);
        const anniversary = localDate(new Date(enrolled.getTime()).toISOString(), tz);
        const vars: Record<string, string | number | boolean> = {
          anniversary: `${Number(anniversary.slice(0, 4)) + 1}${anniversary.slice(4)}`,
        };
        if (kind === 'first-year-come-back') {
          // The come-back offer is the first win-back offer, with a coupon of its own.
          const { rules } = await rulesAt(db, now.slice(0, 10));
          const offer = rules.winBack.offers[0] ?? '';
          const { code } = await lifecycle.issueCoupon(db, {
            guestId,
            campaign: 'first-year',
            offerIndex: 0,
            offer,
            key: `${key}:coupon`,
            expiresAt: new Date(enrolled.getTime() + 366 * 86_400_000),
          });
          Object.assign(vars, { offer, couponCode: code });
        }
        return { ...vars, ...extra };
      }
      case 'points-expiry-warning': {
        const { rules } = await rulesAt(db, now.slice(0, 10));
        const balance = await ledger.balanceOf(db, guestId);
        const last = await lifecycle.lastActivity(db, guestId);
        const from = last.lastQualifyingAt ?? new Date(now);
        const expires = new Date(from);
        expires.setUTCMonth(expires.getUTCMonth() + rules.pointsExpiryMonths);
        return { points: balance, expiresOn: localDate(expires.toISOString(), tz), ...extra };
      }
      case 'churn-why': {
        const expiresAt = new Date(Date.parse(now) + 90 * 86_400_000);
        return { whyUrl: deps.whyUrl?.({ guestId, expiresAt }) ?? '', ...extra };
      }
      default:
        return extra;
    }
  }

  return {
    /** The win-back's offer days and answer window from the rules in force now. */
    async winBackPlan(input: { now: string }): Promise<{ offerDays: number[]; answerWindowDays: number }> {
      const { rules } = await rulesAt(db, input.now.slice(0, 10));
      return { offerDays: rules.winBack.offerDays, answerWindowDays: rules.winBack.answerWindowDays };
    },

    /** Hands a message to another guest's workflow (a referrer's bonus). */
    async tellGuest(input: { guestId: string; message: GuestMessage }): Promise<void> {
      if (!deps.temporal || !deps.taskQueue)
        throw new Error('tellGuest needs a Temporal client and task queue');
      await signalGuest(deps.temporal, {
        guestId: input.guestId,
        taskQueue: deps.taskQueue,
        message: input.message,
      });
    },

    /** Where the guest stands (for a run without carried state, and after anything that moves the agenda). */
    async loadGuestState(input: {
      guestId: string;
      now: string;
    }): Promise<GuestSnapshot & { stageChanges: number; lapsedOn: string | null; unclosedCases: string[] }> {
      return failFastOnDataErrors(async () => {
        // A fresh run numbers its stage changes on from the recorded ones (they key the stage history rows),
        // knows the win-back of a lapse (to cancel it when the guest comes back) and the cases not yet closed
        // (the guest stays at risk until each one closes). The reads are independent: they go at once.
        const [read, stageChanges, lapsedOn, unclosedCases] = await Promise.all([
          readSnapshot(db, input.guestId, input.now),
          lifecycle.stageChangesOf(db, input.guestId),
          lifecycle.lapseOf(db, input.guestId),
          lifecycle.unclosedCasesOf(db, input.guestId),
        ]);
        return {
          ...read.snapshot,
          ...(await missedReviewOf(db, input.guestId, read, input.now)),
          stageChanges,
          lapsedOn,
          unclosedCases,
        };
      });
    },

    /** A stage transition, recorded once per key (stage_history + guests.stage). */
    async recordStage(input: {
      guestId: string;
      from: Stage | null;
      to: Stage;
      reason: string;
      actor: string;
      at: string;
      key: string;
    }): Promise<void> {
      await failFastOnDataErrors(() => lifecycle.recordStage(db, { ...input, at: new Date(input.at) }));
    },

    /**
     * Sends one lifecycle mail (or records why not): the workflow decides that it goes, this assembles it and
     * plans it at the workflow's `now`. A marketing mail due outside the send window is `scheduled`: the
     * workflow sleeps until `sendAt` and then runs `deliverPlannedMail({ outboxId })`.
     */
    async sendLifecycleMail(input: {
      guestId: string;
      kind: LifecycleMail;
      key: string;
      now: string;
      vars?: Record<string, string | number | boolean>;
    }): Promise<SendMailResult | ScheduledMail> {
      const vars = await varsFor(input.guestId, input.kind, input.now, input.vars ?? {}, input.key);
      return deps.sendMail({
        guestId: input.guestId,
        template: input.kind,
        idempotencyKey: input.key,
        vars,
        marketing: LIFECYCLE_MAILS[input.kind].marketing,
        now: input.now,
      });
    },

    /**
     * The annual review of `year` (a tierReview child): requalify on that
     * year's stays, nights and base points by the rules in force on 1 January
     * after it; down at most one tier; never below a manual floor, which the
     * review then clears. Status valid through the end of the following year.
     */
    async reviewTier(input: {
      guestId: string;
      year: number;
      key: string;
      now: string;
      /** A re-run after a late stay: recorded only when it changes the tier. */
      rerun?: boolean;
    }): Promise<{
      tier: Tier;
      previousTier: Tier;
      outcome: 'kept' | 'up' | 'down' | 'floor';
      validThrough: string;
    }> {
      return failFastOnDataErrors(() =>
        db.transaction(async (trx) => {
          const record = (await lifecycle.recordOf(trx, input.guestId, { lock: true }))!;
          const reviewDay = `${input.year + 1}-01-01`;
          const { version, rules } = await rulesAt(trx, reviewDay);
          const activity = await lifecycle.yearActivity(trx, input.guestId, input.year);
          const held = isTier(record.tier) ? record.tier : 'member';
          // A re-run reviews the year again from where its first review started — the tier held before it and
          // the floor it cleared — not from what that review made of it (a second soft landing), and keeps a
          // tier reached since (a mid-year upgrade).
          const first = input.rerun
            ? await lifecycle.firstReviewOf(trx, input.guestId, reviewDay)
            : undefined;
          const current = first ? first.previous : held;
          const floor = first ? first.floor : isTier(record.tier_floor) ? record.tier_floor : null;
          // The same decision as the tier-change preview's (domain/tier-review.ts); an imported tier is held at its
          // first review.
          const { tier: reviewed, outcome } = decideReview({
            current,
            floor,
            activity,
            tiers: rules.tiers,
            year: input.year,
            importedIn: await importedTierYear(trx, input.guestId),
          });
          const raisedSince = first !== undefined && tierRank(held) > tierRank(first.tier);
          const tier = raisedSince ? higherTier(held, reviewed) : reviewed;
          const validThrough = `${input.year + 1}-12-31`;
          if (input.rerun && tier === held) return { tier, previousTier: held, outcome, validThrough };
          await lifecycle.recordTier(trx, {
            guestId: input.guestId,
            tier,
            previous: held,
            validFrom: reviewDay,
            validThrough,
            source: 'review',
            reason: `review of ${input.year}: ${activity.stays} stays, ${activity.nights} nights, ${activity.basePoints} base points → ${outcome}`,
            rulesVersion: version,
            key: input.key,
            at: new Date(input.now),
            clearFloor: true,
          });
          return { tier, previousTier: held, outcome, validThrough };
        }),
      );
    },

    /** The manual floor (an admin's request): the tier never drops below it at the next review. */
    async setTierFloor(input: {
      guestId: string;
      requestId: string;
      tier: Tier;
      now: string;
    }): Promise<{ floor: Tier; tier: Tier }> {
      return failFastOnDataErrors(() =>
        db.transaction(async (trx) => {
          const record = (await lifecycle.recordOf(trx, input.guestId, { lock: true }))!;
          const current = isTier(record.tier) ? record.tier : 'member';
          await lifecycle.setTierFloor(trx, input.guestId, input.tier);
          let tier = current;
          if (tierRank(input.tier) > tierRank(current)) {
            tier = input.tier;
            await lifecycle.recordTier(trx, {
              guestId: input.guestId,
              tier,
              previous: current,
              validFrom: input.now.slice(0, 10),
              validThrough: `${yearOf(input.now) + 1}-12-31`,
              source: 'floor',
              reason: `manual floor (request ${input.requestId})`,
              rulesVersion: null,
              key: `staff:${input.requestId}:tier`,
              at: new Date(input.now),
            });
          }
          await applyStaffRequest(trx, input.requestId, 'tier.floor_set', input.guestId, {
            floor: input.tier,
            tier,
          });
          return { floor: input.tier, tier };
        }),
      );
    },

    /** A redemption (negative points) or an adjustment (either sign) asked for by staff. */
    async postStaffPoints(input: {
      guestId: string;
      requestId: string;
      kind: 'redemption' | 'adjustment';
      points: number;
      now: string;
    }): Promise<{ ledgerId: number; points: number; balanceAfter: number }> {
      return failFastOnDataErrors(() =>
        db.transaction(async (trx) => {
          const { version } = await rulesAt(trx, input.now.slice(0, 10));
          // The ledger itself never goes below zero, whatever the workflow believed the balance to be.
          const { entry } = await ledger
            .post(trx, {
              guestId: input.guestId,
              points: input.points,
              reason: input.kind,
              source: input.kind,
              rulesVersion: version,
              staffRequestId: input.requestId,
              effectiveAt: new Date(input.now),
              idempotencyKey: `staff:${input.requestId}`,
              ...(input.points < 0 ? { minBalance: 0 } : {}),
            })
            .catch((err: unknown) => {
              if (err instanceof ledger.BalanceTooLowError)
                throw ApplicationFailure.nonRetryable(
                  `the balance is ${err.balance} points, ${-input.points} were asked for`,
                  'InsufficientPoints',
                );
              throw err;
            });
          const result = { ledgerId: entry.id, points: entry.points, balanceAfter: entry.balance_after };
          await applyStaffRequest(
            trx,
            input.requestId,
            input.kind === 'redemption' ? 'points.redeemed' : 'points.adjusted',
            input.guestId,
            result,
          );
          return result;
        }),
      );
    },

    /** Points expire: the whole balance leaves in one ledger row (reason expiry). */
    async expirePoints(input: {
      guestId: string;
      key: string;
      now: string;
    }): Promise<{ points: number; balanceAfter: number }> {
      return failFastOnDataErrors(() =>
        db.transaction(async (trx) => {
          const balance = await ledger.balanceOf(trx, input.guestId);
          if (balance <= 0) return { points: 0, balanceAfter: balance };
          const { version } = await rulesAt(trx, input.now.slice(0, 10));
          const { entry } = await ledger.post(trx, {
            guestId: input.guestId,
            points: -balance,
            reason: 'expiry',
            rulesVersion: version,
            effectiveAt: new Date(input.now),
            idempotencyKey: input.key,
          });
          return { points: -entry.points, balanceAfter: entry.balance_after };
        }),
      );
    },

    /**
     * A lapsed or churned guest came back (a booking or a stay): the
     * welcome-back bonus once per lapse, and the win-back coupon's
     * redemption when the booking carries its code.
     */
    async reactivate(input: {
      guestId: string;
      key: string;
      now: string;
      bookingPmsId?: string;
      offerCode?: string;
    }): Promise<{ bonus: number; couponRedeemed: boolean }> {
      return failFastOnDataErrors(() =>
        db.transaction(async (trx) => {
          const { version, rules } = await rulesAt(trx, input.now.slice(0, 10));
          const { entry } = await ledger.post(trx, {
            guestId: input.guestId,
            points: rules.welcomeBackBonus,
            reason: 'welcome_back',
            rulesVersion: version,
            effectiveAt: new Date(input.now),
            idempotencyKey: input.key,
          });
          let couponRedeemed = false;
          if (input.offerCode) {
            const bookingId = input.bookingPmsId
              ? await bookings.findGuestBookingId(trx, input.guestId, input.bookingPmsId)
              : undefined;
            couponRedeemed = await lifecycle.redeemCoupon(trx, {
              guestId: input.guestId,
              code: input.offerCode,
              bookingId: bookingId ?? null,
              at: new Date(input.now),
            });
          }
          return { bonus: entry.points, couponRedeemed };
        }),
      );
    },

    /** The win-back offer number `index` (0-based) for the lapse of `lapsedOn`: a unique coupon, then the mail. */
    async sendWinBackOffer(input: {
      guestId: string;
      lapsedOn: string;
      index: number;
      key: string;
      now: string;
    }): Promise<{ code: string; status: string; outboxId: number; sendAt?: string }> {
      const record = (await lifecycle.recordOf(db, input.guestId))!;
      const { rules } = await rulesAt(db, input.now.slice(0, 10));
      const offer = rules.winBack.offers[input.index] ?? rules.winBack.offers.at(-1) ?? '';
      const nextDay = rules.winBack.offerDays[input.index + 1];
      const validDays =
        nextDay !== undefined
          ? nextDay - (rules.winBack.offerDays[input.index] ?? 0)
          : rules.winBack.answerWindowDays;
      const expiresAt = new Date(Date.parse(input.now) + Math.max(validDays, 14) * 86_400_000);
      const { code } = await failFastOnDataErrors(() =>
        lifecycle.issueCoupon(db, {
          guestId: input.guestId,
          campaign: `win-back:${input.lapsedOn}`,
          offerIndex: input.index,
          offer,
          key: `${input.key}:coupon`,
          expiresAt,
        }),
      );
      const sent = await deps.sendMail({
        guestId: input.guestId,
        template: 'win-back-offer',
        idempotencyKey: input.key,
        marketing: true,
        now: input.now,
        vars: {
          offerNumber: input.index + 1,
          offer,
          couponCode: code,
          validUntil: localDate(expiresAt.toISOString(), record.timezone),
        },
      });
      // `scheduled`: the win-back sleeps until `sendAt`, then delivers it (deliverPlannedMail).
      return {
        code,
        status: sent.status,
        outboxId: sent.outboxId,
        ...(sent.status === 'scheduled' ? { sendAt: sent.sendAt } : {}),
      };
    },
  };
}

/** Marks a staff request applied with its result and audits it with the requester's key name. */
async function applyStaffRequest(
  db: Db,
  requestId: string,
  action: string,
  guestId: string,
  result: object,
): Promise<void> {
  const row = await staffRequests.findById(db, requestId);
  if (row?.status === 'applied') return;
  await staffRequests.setApplied(db, requestId, result);
  await audit.record(db, {
    actor: row?.actor ?? 'unknown',
    action,
    subject: `guest:${guestId}`,
    after: { requestId, ...(row?.body && typeof row.body === 'object' ? row.body : {}), result },
  });
}
