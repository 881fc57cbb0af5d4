/**
 * The API's description over real HTTP, with no key: `GET /v1/openapi.json` is the OpenAPI 3.1 document
 * (valid), `GET /docs` the reference rendered from it — every path of the document on it, its stylesheet
 * served from the app, helmet's Content-Security-Policy on the answer, and nothing in the page that the
 * policy would block (no script, no inline style).
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../api/openapi/document.js';
import { openApiStack, type ApiStack } from '../api-stack.js';

let api: ApiStack;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-openapi',
    pmsSecret: 'e2e-openapi-pms-webhook-secret-0123456789',
    linksSecret: 'e2e-openapi-links-secret-0123456789',
    worker: false,
  });
});

afterAll(async () => {
  await api?.close();
});

const get = (path: string) => fetch(`${api.baseUrl}${path}`);

describe('GET /v1/openapi.json', () => {
  it('is the OpenAPI 3.1 document, without a key', async () => {
    const res = await get('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json; charset=utf-8$/);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });
});

describe('GET /docs', () => {
  it("is an HTML page that lists every path of the document, under helmet's CSP", async () => {
    const res = await get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("script-src-attr 'none'");
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    // Nothing the policy blocks or that would need a nonce: no script of any kind, no inline style.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<style/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
    // Only the app's own files: no CDN.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    const paths = Object.keys(buildOpenApiDocument().paths ?? {});
    expect(paths.length).toBeGreaterThan(40);
    for (const path of paths) expect(html, path).toContain(`<code class="path">${path}</code>`);
    expect(html).toContain('<link rel="stylesheet" href="/docs/docs.css">');
  });

  it('serves its stylesheet from the app', async () => {
    const res = await get('/docs/docs.css');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await res.text()).toContain('.method.get');
  });
});
