/**
 * Links in mails, served as small pages that work without JavaScript (docs/api.md "Links in mails"). Mounted
 * at `/v1/links`, unauthenticated: the signed, expiring token in the path is the authority.
 *
 * - `GET  /why/:token`  the "may we ask why?" question, in the guest's language
 * - `POST /why/:token`  the answer (`reason`, form-encoded or JSON): stored on the guest, audited, handed to
 *                       the guest's workflow; a later answer replaces it
 * - `GET  /unsubscribe/:token`  a page with one button that POSTs (changes nothing: link scanners GET)
 * - `POST /unsubscribe/:token`  RFC 8058 one-click (`List-Unsubscribe=One-Click`, from a mail client or the
 *                       page): marketing consent off at once, audited, pending marketing mails suppressed, the
 *                       guest's workflow told (`profile.updated`); 200 again for a repeat, nothing written
 *
 * - `GET  /survey/:token`  the post-stay survey about the link's stay (the answer in force filled in, never
 *                       its comment)
 * - `POST /survey/:token`  `score` 1-5, `wouldReturn` yes|maybe|no, `recommend` 0-10 (optional), `comment`
 *                       (optional, up to 2,000 characters): upserted in `survey_responses` (a different answer
 *                       replaces the first and counts, the same one writes nothing), audited, `survey.answered`
 *                       to the guest's workflow (score and "would return" only)
 * - `GET  /report/:token`  "tell us what is wrong" during a stay (category, description)
 * - `POST /report/:token`  `category` (a case category), `description` (optional): an `in_stay` case at the
 *                       link's property (high priority, received by `guest:link`) opened as `POST /v1/cases`
 *                       opens one; the same report again is the same case
 * - `GET  /satisfaction/:token`  "are you satisfied with how we resolved it?" (yes/no as the link says)
 * - `POST /satisfaction/:token`  `satisfied` yes|no (default: the link's), `comment` (optional): handed to the
 *                       case's workflow as `POST /v1/cases/:id/satisfaction` does: closed, or reopened
 *
 * A browser gets HTML pages, errors included; a client that asks for JSON (`Accept: application/json`) gets
 * JSON and the API's error shape `{ error: { code, message, details } }`. An invalid answer is a 400 that
 * re-shows the form with the fields marked, and writes nothing.
 */
import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { CASE_CATEGORIES } from '../../domain/cases.js';
import {
  IN_STAY_REPORT_LINK_PURPOSE,
  LinkError,
  SATISFACTION_LINK_PURPOSE,
  SURVEY_LINK_PURPOSE,
  UNSUBSCRIBE_LINK_PURPOSE,
  verifyLink,
  WHY_LINK_PURPOSE,
  type LinkPayload,
} from '../../lib/links.js';
import { HttpError, validationError } from '../errors.js';
import {
  CHURN_REASONS,
  MAX_TEXT_ANSWER,
  messagePage,
  pageLocale,
  reportPage,
  reportThanksPage,
  satisfactionPage,
  satisfactionThanksPage,
  surveyPage,
  surveyThanksPage,
  thanksPage,
  unsubscribedPage,
  unsubscribePage,
  whyPage,
  type ChurnReason,
  type MessagePage,
  type PageLocale,
  type ReportField,
  type SatisfactionField,
  type SurveyField,
} from './pages.js';
import {
  reportAnswer,
  reportLinkData,
  satisfactionAnswer,
  satisfactionLinkData,
  surveyAnswer,
  surveyLinkData,
  TOKEN,
  whyAnswer,
} from './schema.js';
import {
  answerSatisfaction,
  findCase,
  findGuest,
  findGuestStay,
  findSurveyAnswer,
  openReportCase,
  recordSurveyAnswer,
  storeChurnReason,
  tellConsentWithdrawn,
  tellSurveyAnswered,
  tellWorkflow,
  TooManyReports,
  withdrawMarketingConsent,
  type LinksServiceDeps,
} from './service.js';

export {
  inStayReportLinkUrl,
  satisfactionLinkUrl,
  surveyLinkUrl,
  unsubscribeLinkUrl,
  whyLinkUrl,
} from '../../lib/links.js';

export interface LinksRouterDeps extends LinksServiceDeps {
  /** The links secret; a list while rotating (the first signs elsewhere, any verifies here). */
  linksSecret: string | readonly string[];
  /** Unix seconds; injectable for expiry tests. */
  nowSeconds?: () => number;
  /** Where a refused signal or an unexpected error goes (the guest gets a page without it). */
  logger?: Pick<Logger, 'warn' | 'error'>;
}

/** Form bodies are a few dozen bytes. */
const BODY_LIMIT = '4kb';
/** Forms with a text of up to 2,000 characters, percent-encoded (9 bytes for a Chinese character). */
const TEXT_BODY_LIMIT = '32kb';

/** The fields of a form that a validation error names (the first segment of each issue's path). */
function fieldsOf<F extends string>(error: z.ZodError, fields: readonly F[]): F[] {
  const named = new Set(error.issues.map((i) => String(i.path[0] ?? '')));
  return fields.filter((f) => named.has(f));
}

/** A form value as the guest typed it (re-shown after an error), or undefined. */
function typed(body: unknown, field: string): string | undefined {
  const v = (body as Record<string, unknown> | undefined)?.[field];
  return typeof v === 'string'
    ? v.slice(0, MAX_TEXT_ANSWER * 2)
    : typeof v === 'number'
      ? String(v)
      : undefined;
}

/** An HttpError that a browser sees as a page: which page, in which language. */
class PageError extends HttpError {
  constructor(
    status: number,
    code: string,
    message: string,
    details: Record<string, unknown>,
    public readonly page: (locale: PageLocale) => string,
    public readonly locale?: PageLocale,
  ) {
    super(status, code, message, details);
    this.name = 'PageError';
  }
}

function wantsJson(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}

/** Without a guest to ask: the browser's language. */
function browserLocale(req: Request): PageLocale {
  return pageLocale(req.acceptsLanguages('en', 'zh-CN', 'zh'));
}

function sendPage(res: Response, status: number, html: string): void {
  res
    .status(status)
    .set({ 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex, nofollow' })
    .type('html')
    .send(html);
}

const messageOnly = (which: MessagePage) => (locale: PageLocale) => messagePage(locale, which);

const invalidLink = (reason: string) =>
  new PageError(
    400,
    'link_invalid',
    'the link is not valid',
    { field: 'token', reason },
    messageOnly('invalid'),
  );

/** The link is well signed, but what it names (the guest, the stay, the case) is gone. */
const gone = () =>
  new PageError(
    410,
    'link_gone',
    'token: the link is no longer valid',
    { field: 'token' },
    messageOnly('gone'),
  );

export function linksRouter(deps: LinksRouterDeps): Router {
  const router = Router();
  const nowSeconds = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));

  /** The token's guest (with its page language), or the page that says why not. */
  async function guestOf(token: string, purpose = WHY_LINK_PURPOSE) {
    let payload: LinkPayload;
    try {
      payload = verifyLink(token, { secret: deps.linksSecret, purpose, now: nowSeconds() });
    } catch (err) {
      if (!(err instanceof LinkError)) throw err;
      if (err.reason === 'expired') {
        const guest = err.payload && (await findGuest(deps.db, err.payload.guestId));
        throw new PageError(
          410,
          'link_expired',
          'the link has expired',
          { field: 'token', expiredAt: new Date(err.payload!.exp * 1000).toISOString() },
          messageOnly('expired'),
          guest ? pageLocale(guest.locale) : undefined,
        );
      }
      throw invalidLink(err.reason);
    }
    const guest = await findGuest(deps.db, payload.guestId);
    if (!guest) throw gone();
    return { payload, guest, locale: pageLocale(guest.locale) };
  }

  // Tokens are base64url and a dot. Anything else in the segment is not one of our links, and a bad
  // percent-escape would make the router refuse before the parameter is named: check the raw segment first.
  router.use((req, _res, next) => {
    const segment = /^\/(?:why|unsubscribe|survey|report|satisfaction)\/([^/]*)\/?$/.exec(req.path)?.[1];
    if (segment !== undefined) {
      let token: string;
      try {
        token = decodeURIComponent(segment);
      } catch {
        throw invalidLink('malformed');
      }
      if (!TOKEN.test(token)) throw invalidLink('malformed');
    }
    next();
  });

  router.get('/why/:token', async (req, res) => {
    const { payload, guest, locale } = await guestOf(req.params.token);
    const current = (CHURN_REASONS as readonly string[]).includes(guest.churn_reason ?? '')
      ? (guest.churn_reason as ChurnReason)
      : null;
    if (wantsJson(req)) {
      res.set('Cache-Control', 'no-store').json({
        purpose: WHY_LINK_PURPOSE,
        reasons: CHURN_REASONS,
        current,
        expiresAt: new Date(payload.exp * 1000).toISOString(),
      });
      return;
    }
    sendPage(res, 200, whyPage(locale, { current }));
  });

  router.post(
    '/why/:token',
    express.urlencoded({ extended: false, limit: BODY_LIMIT, parameterLimit: 20 }),
    express.json({ limit: BODY_LIMIT }),
    async (req, res) => {
      const { guest, locale } = await guestOf(req.params.token);
      const parsed = whyAnswer.safeParse(req.body ?? {});
      if (!parsed.success) {
        const err = validationError(parsed.error);
        throw new PageError(
          err.status,
          err.code,
          err.message,
          err.details,
          (l) => whyPage(l, { error: true }),
          locale,
        );
      }
      const answer = await storeChurnReason(deps.db, guest.id, parsed.data.reason);
      if (!answer) throw gone();
      try {
        await tellWorkflow(deps, guest.id, answer);
      } catch (err) {
        // The answer is stored; a second submission stores it again and signals again.
        deps.logger?.warn(
          { err, guestId: guest.id },
          'signalWithStart refused; churn reason stored, answering 503',
        );
        throw new PageError(
          503,
          'workflow_unavailable',
          'the answer is recorded but could not be handed on; send it again',
          {},
          messageOnly('unavailable'),
          locale,
        );
      }
      if (wantsJson(req)) {
        res.json({ reason: answer.reason, recordedAt: answer.recordedAt.toISOString() });
        return;
      }
      sendPage(res, 200, thanksPage(locale));
    },
  );

  router.get('/unsubscribe/:token', async (req, res) => {
    const { payload, guest, locale } = await guestOf(req.params.token, UNSUBSCRIBE_LINK_PURPOSE);
    if (wantsJson(req)) {
      res.set('Cache-Control', 'no-store').json({
        purpose: UNSUBSCRIBE_LINK_PURPOSE,
        marketingConsent: guest.marketing_consent,
        expiresAt: new Date(payload.exp * 1000).toISOString(),
      });
      return;
    }
    sendPage(res, 200, guest.marketing_consent ? unsubscribePage(locale) : unsubscribedPage(locale));
  });

  // RFC 8058: the body says `List-Unsubscribe=One-Click` (form-encoded or multipart). The signed link is the
  // authority, so a POST without it unsubscribes all the same: a guest is never kept on by a client's quirk.
  router.post(
    '/unsubscribe/:token',
    express.urlencoded({ extended: false, limit: BODY_LIMIT, parameterLimit: 20 }),
    async (req, res) => {
      const { guest, locale } = await guestOf(req.params.token, UNSUBSCRIBE_LINK_PURPOSE);
      const withdrawn = await withdrawMarketingConsent(deps.db, guest.id);
      if (!withdrawn) throw gone();
      if (withdrawn.changed) {
        try {
          await tellConsentWithdrawn(deps, guest.id, withdrawn);
        } catch (err) {
          // Consent is off in Postgres, which every mail's planning reads: the guest is unsubscribed. The
          // workflow's copy catches up when it next loads the guest.
          deps.logger?.warn(
            { err, guestId: guest.id },
            'signalWithStart refused; marketing consent is off, the workflow was not told',
          );
        }
      }
      if (wantsJson(req)) {
        res.set('Cache-Control', 'no-store').json({ marketingConsent: false, changed: withdrawn.changed });
        return;
      }
      sendPage(res, 200, unsubscribedPage(locale));
    },
  );

  /** An invalid answer: 400 naming the field, the form again with the fields marked. */
  const invalidAnswer = (error: z.ZodError, page: (l: PageLocale) => string, locale: PageLocale) => {
    const err = validationError(error);
    return new PageError(err.status, err.code, err.message, err.details, page, locale);
  };
  const unavailable = (locale: PageLocale, message: string) =>
    new PageError(503, 'workflow_unavailable', message, {}, messageOnly('unavailable'), locale);

  // ---- the post-stay survey -----------------------------------------------------------------------------

  /** The survey link's guest and stay (the guest's own, recorded), or the page that says why not. */
  async function surveyOf(token: string) {
    const of = await guestOf(token, SURVEY_LINK_PURPOSE);
    const data = surveyLinkData.safeParse(of.payload.data ?? {});
    if (!data.success) throw invalidLink('malformed');
    const stay = await findGuestStay(deps.db, of.guest.id, data.data.s);
    if (!stay) throw gone();
    return { ...of, stayId: stay.id };
  }

  router.get('/survey/:token', async (req, res) => {
    const { payload, locale, stayId } = await surveyOf(req.params.token);
    const current = await findSurveyAnswer(deps.db, stayId);
    if (wantsJson(req)) {
      res.set('Cache-Control', 'no-store').json({
        purpose: SURVEY_LINK_PURPOSE,
        answered: current !== undefined,
        current: current
          ? { score: current.score, wouldReturn: current.would_return, recommend: current.recommend }
          : null,
        expiresAt: new Date(payload.exp * 1000).toISOString(),
      });
      return;
    }
    sendPage(
      res,
      200,
      surveyPage(locale, {
        answered: current !== undefined,
        ...(current
          ? {
              values: {
                score: String(current.score),
                wouldReturn: current.would_return,
                recommend: current.recommend === null ? undefined : String(current.recommend),
              },
            }
          : {}),
      }),
    );
  });

  router.post(
    '/survey/:token',
    express.urlencoded({ extended: false, limit: TEXT_BODY_LIMIT, parameterLimit: 20 }),
    express.json({ limit: TEXT_BODY_LIMIT }),
    async (req, res) => {
      const { guest, locale, stayId } = await surveyOf(req.params.token);
      const body: unknown = req.body ?? {};
      const parsed = surveyAnswer.safeParse(body);
      if (!parsed.success) {
        const errors = fieldsOf<SurveyField>(parsed.error, ['score', 'wouldReturn', 'recommend', 'comment']);
        const values = {
          score: typed(body, 'score'),
          wouldReturn: typed(body, 'wouldReturn'),
          recommend: typed(body, 'recommend'),
          comment: typed(body, 'comment'),
        };
        throw invalidAnswer(parsed.error, (l) => surveyPage(l, { values, errors }), locale);
      }
      const recorded = await recordSurveyAnswer(deps.db, {
        guestId: guest.id,
        stayId,
        answer: {
          score: parsed.data.score,
          wouldReturn: parsed.data.wouldReturn,
          recommend: parsed.data.recommend ?? null,
          comment: parsed.data.comment ?? null,
        },
      });
      try {
        // Also for the same answer again: a repeat after a 503 hands on what was kept (the same message id).
        await tellSurveyAnswered(deps, guest.id, recorded);
      } catch (err) {
        deps.logger?.warn(
          { err, guestId: guest.id, stayId },
          'signalWithStart refused; survey answer stored, answering 503',
        );
        throw unavailable(locale, 'the answer is recorded but could not be handed on; send it again');
      }
      if (wantsJson(req)) {
        res.set('Cache-Control', 'no-store').json({
          stayId,
          answers: recorded.row.answers,
          changed: recorded.changed,
          answeredAt: recorded.row.answered_at.toISOString(),
        });
        return;
      }
      sendPage(res, 200, surveyThanksPage(locale));
    },
  );

  // ---- the in-stay report -------------------------------------------------------------------------------

  async function reportOf(token: string) {
    const of = await guestOf(token, IN_STAY_REPORT_LINK_PURPOSE);
    const data = reportLinkData.safeParse(of.payload.data ?? {});
    if (!data.success) throw invalidLink('malformed');
    return { ...of, pmsStayId: data.data.s, propertyCode: data.data.h };
  }

  router.get('/report/:token', async (req, res) => {
    const { payload, locale } = await reportOf(req.params.token);
    if (wantsJson(req)) {
      res.set('Cache-Control', 'no-store').json({
        purpose: IN_STAY_REPORT_LINK_PURPOSE,
        categories: CASE_CATEGORIES,
        expiresAt: new Date(payload.exp * 1000).toISOString(),
      });
      return;
    }
    sendPage(res, 200, reportPage(locale));
  });

  router.post(
    '/report/:token',
    express.urlencoded({ extended: false, limit: TEXT_BODY_LIMIT, parameterLimit: 20 }),
    express.json({ limit: TEXT_BODY_LIMIT }),
    async (req, res) => {
      const { guest, locale, pmsStayId, propertyCode } = await reportOf(req.params.token);
      const body: unknown = req.body ?? {};
      const parsed = reportAnswer.safeParse(body);
      if (!parsed.success) {
        const errors = fieldsOf<ReportField>(parsed.error, ['category', 'description']);
        const values = { category: typed(body, 'category'), description: typed(body, 'description') };
        throw invalidAnswer(parsed.error, (l) => reportPage(l, { values, errors }), locale);
      }
      let opened;
      try {
        opened = await openReportCase(deps, {
          token: req.params.token,
          guestId: guest.id,
          pmsStayId,
          propertyCode,
          category: parsed.data.category,
          description: parsed.data.description,
        });
      } catch (err) {
        if (err instanceof TooManyReports)
          throw new PageError(
            429,
            'too_many_reports',
            err.message,
            { field: 'token' },
            messageOnly('tooMany'),
            locale,
          );
        if (err instanceof HttpError && err.status === 503)
          throw unavailable(locale, 'the report is recorded but could not be handed on; send it again');
        if (err instanceof HttpError && err.code === 'guest_not_found') throw gone();
        throw err;
      }
      if (wantsJson(req)) {
        res
          .status(opened.replayed ? 200 : 201)
          .set('Cache-Control', 'no-store')
          .json({ caseId: opened.case.id, replayed: opened.replayed });
        return;
      }
      sendPage(res, 200, reportThanksPage(locale));
    },
  );

  // ---- a case's satisfaction check ----------------------------------------------------------------------

  async function satisfactionOf(token: string) {
    const of = await guestOf(token, SATISFACTION_LINK_PURPOSE);
    const data = satisfactionLinkData.safeParse(of.payload.data ?? {});
    if (!data.success) throw invalidLink('malformed');
    const row = await findCase(deps.db, data.data.c);
    if (!row || row.guest_id !== of.guest.id) throw gone();
    return { ...of, row, satisfied: data.data.y };
  }

  const answered = (locale: PageLocale, message: string) =>
    new PageError(409, 'already_answered', message, { field: 'satisfied' }, messageOnly('answered'), locale);

  router.get('/satisfaction/:token', async (req, res) => {
    const { payload, locale, row, satisfied } = await satisfactionOf(req.params.token);
    const awaiting = row.status === 'resolved';
    if (wantsJson(req)) {
      res.set('Cache-Control', 'no-store').json({
        purpose: SATISFACTION_LINK_PURPOSE,
        awaitingAnswer: awaiting,
        satisfied,
        expiresAt: new Date(payload.exp * 1000).toISOString(),
      });
      return;
    }
    sendPage(res, 200, awaiting ? satisfactionPage(locale, { satisfied }) : messagePage(locale, 'answered'));
  });

  router.post(
    '/satisfaction/:token',
    express.urlencoded({ extended: false, limit: TEXT_BODY_LIMIT, parameterLimit: 20 }),
    express.json({ limit: TEXT_BODY_LIMIT }),
    async (req, res) => {
      const { locale, row, satisfied: fromLink } = await satisfactionOf(req.params.token);
      const body: unknown = req.body ?? {};
      const parsed = satisfactionAnswer.safeParse(body);
      if (!parsed.success) {
        const errors = fieldsOf<SatisfactionField>(parsed.error, ['satisfied', 'comment']);
        const given = typed(body, 'satisfied');
        const satisfied = given === 'yes' ? true : given === 'no' ? false : fromLink;
        throw invalidAnswer(
          parsed.error,
          (l) => satisfactionPage(l, { satisfied, comment: typed(body, 'comment'), errors }),
          locale,
        );
      }
      const satisfied = parsed.data.satisfied ?? fromLink;
      let answer;
      try {
        answer = await answerSatisfaction(deps, {
          token: req.params.token,
          caseId: row.id,
          satisfied,
          comment: parsed.data.comment,
        });
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        if (err.status === 503) throw unavailable(locale, 'the answer could not be confirmed; send it again');
        if (err.status === 404) throw gone();
        // Answered already (closed, or reopened and not resolved again), or another answer with this link.
        if (err.status === 409) throw answered(locale, 'the satisfaction check is answered already');
        throw err;
      }
      if (wantsJson(req)) {
        res.set('Cache-Control', 'no-store').json({
          caseId: row.id,
          satisfied,
          status: answer.result.status,
          replayed: answer.replayed,
        });
        return;
      }
      sendPage(res, 200, satisfactionThanksPage(locale, satisfied));
    },
  );

  // Browsers get pages for every error on these routes; JSON clients the API's error shape (app.ts).
  const pageErrors: ErrorRequestHandler = (err: unknown, req, res, next) => {
    if (res.headersSent || wantsJson(req)) {
      next(err);
      return;
    }
    if (err instanceof PageError) {
      sendPage(res, err.status, err.page(err.locale ?? browserLocale(req)));
      return;
    }
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // body-parser: too large, a bad charset, an unreadable body.
      sendPage(res, status, messagePage(browserLocale(req), 'unreadable'));
      return;
    }
    if (!deps.logger) {
      next(err); // the app's error middleware logs it
      return;
    }
    deps.logger.error({ err, method: req.method, url: req.baseUrl }, 'unhandled error');
    sendPage(res, 500, messagePage(browserLocale(req), 'error'));
  };
  router.use(pageErrors);
  return router;
}
