/**
 * Links in mails, served as small pages that work without JavaScript (DESIGN.md "API"). Mounted at
 * `/v1/links`, unauthenticated: the signed, expiring token in the path is the authority.
 *
 * - `GET  /why/:token`  the "may we ask why?" question, in the guest's language
 * - `POST /why/:token`  the answer (`reason`, form-encoded or JSON): stored on the guest, audited, handed to
 *                       the guest's workflow; a later answer replaces it
 * - `GET  /unsubscribe/:token`  a page with one button that POSTs (changes nothing: link scanners GET)
 * - `POST /unsubscribe/:token`  RFC 8058 one-click (`List-Unsubscribe=One-Click`, from a mail client or the
 *                       page): marketing consent off at once, audited, pending marketing mails suppressed, the
 *                       guest's workflow told (`profile.updated`); 200 again for a repeat, nothing written
 *
 * A browser gets HTML pages, errors included; a client that asks for JSON (`Accept: application/json`) gets
 * JSON and the API's error shape `{ error: { code, message, details } }`.
 */
import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  LinkError,
  UNSUBSCRIBE_LINK_PURPOSE,
  verifyLink,
  WHY_LINK_PURPOSE,
  type LinkPayload,
} from '../../lib/links.js';
import { HttpError, validationError } from '../errors.js';
import {
  CHURN_REASONS,
  messagePage,
  pageLocale,
  thanksPage,
  unsubscribedPage,
  unsubscribePage,
  whyPage,
  type ChurnReason,
  type MessagePage,
  type PageLocale,
} from './pages.js';
import {
  findGuest,
  storeChurnReason,
  tellConsentWithdrawn,
  tellWorkflow,
  withdrawMarketingConsent,
  type LinksServiceDeps,
} from './service.js';

export { unsubscribeLinkUrl, whyLinkUrl } from '../../lib/links.js';

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

const whyAnswer = z.object({
  reason: z.enum(CHURN_REASONS, { message: `must be one of ${CHURN_REASONS.join(', ')}` }),
});

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
    if (!guest) throw new PageError(410, 'link_gone', 'the link is no longer valid', {}, messageOnly('gone'));
    return { payload, guest, locale: pageLocale(guest.locale) };
  }

  // Tokens are base64url and a dot. Anything else in the segment is not one of our links, and a bad
  // percent-escape would make the router refuse before the parameter is named: check the raw segment first.
  router.use((req, _res, next) => {
    const segment = /^\/(?:why|unsubscribe)\/([^/]*)\/?$/.exec(req.path)?.[1];
    if (segment !== undefined) {
      let token: string;
      try {
        token = decodeURIComponent(segment);
      } catch {
        throw invalidLink('malformed');
      }
      if (!/^[A-Za-z0-9_.-]+$/.test(token)) throw invalidLink('malformed');
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
      if (!answer)
        throw new PageError(410, 'link_gone', 'the link is no longer valid', {}, messageOnly('gone'));
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
      if (!withdrawn)
        throw new PageError(410, 'link_gone', 'the link is no longer valid', {}, messageOnly('gone'));
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
