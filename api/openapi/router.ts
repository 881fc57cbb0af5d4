/**
 * The API's description, public: `GET /v1/openapi.json` (OpenAPI 3.1, api/openapi/document.ts) and the reference
 * rendered from it for people, `GET /docs` (static HTML, api/openapi/docs-page.ts) with its stylesheet
 * `GET /docs/docs.css`. Everything is built once per process from the code. Mounted at the root.
 */
import { Router } from 'express';
import { DOCS_CSS } from './docs-css.js';
import { renderDocsPage } from './docs-page.js';
import { openApiDocument } from './document.js';

export const OPENAPI_JSON_PATH = '/v1/openapi.json';
export const DOCS_PATH = '/docs';
export const DOCS_CSS_PATH = '/docs/docs.css';

/** The routes of the rendered reference: pages for people, not operations of the API (not in the document). */
export const DOCS_PAGES = [DOCS_PATH, DOCS_CSS_PATH] as const;

let page: string | undefined;

export function docsRouter(): Router {
  const router = Router();
  router.get(OPENAPI_JSON_PATH, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(openApiDocument());
  });
  router.get(DOCS_PATH, (_req, res) => {
    page ??= renderDocsPage(openApiDocument(), { stylesheet: DOCS_CSS_PATH, json: OPENAPI_JSON_PATH });
    res.set('Cache-Control', 'public, max-age=300').type('html').send(page);
  });
  router.get(DOCS_CSS_PATH, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').type('css').send(DOCS_CSS);
  });
  return router;
}
