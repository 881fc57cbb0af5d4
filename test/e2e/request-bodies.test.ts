/**
 * What staff tools get for a body the API cannot take, on every staff route family: a body that is not sent as
 * JSON is a 415 naming `Content-Type` (curl's `-d` sends a form), an unknown field is named itself, and nothing
 * is written.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTables, openApiStack, type ApiStack } from '../api-stack.js';

let api: ApiStack;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-bodies',
    pmsSecret: 'e2e-bodies-pms-webhook-secret-0123456789',
    worker: false,
    keys: { ops: 'e2e front desk (bodies)', marketer: 'e2e marketing (bodies)' },
  });
});

afterAll(async () => {
  await api?.close();
});

const TABLES = [
  'staff_requests',
  'service_cases',
  'template_versions',
  'cadence_versions',
  'audit_log',
] as const;

async function post(path: string, body: string, contentType: string | null, key: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, 'idempotency-key': randomUUID() };
  if (contentType) headers['content-type'] = contentType;
  const res = await fetch(`${api.baseUrl}${path}`, { method: 'POST', headers, body });
  return { status: res.status, json: (await res.json()) as { error: { code: string; details: unknown } } };
}

describe('request bodies of the staff API', () => {
  it('answers a body not sent as JSON with 415 naming Content-Type, and writes nothing', async () => {
    const before = await countTables(api.stack.db, TABLES);
    const ops = api.keyFor('ops');
    const marketer = api.keyFor('marketer');
    for (const [path, key] of [
      [`/v1/guests/${randomUUID()}/points/redemptions`, ops],
      ['/v1/cases', ops],
      ['/v1/templates/stay-thank-you/versions', marketer],
      ['/v1/cadences/post-stay/versions', marketer],
    ] as const) {
      for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', null]) {
        const res = await post(path, '{"points":1000}', contentType, key);
        expect(res.status, `${path} ${contentType}`).toBe(415);
        expect(res.json.error).toEqual({
          code: 'unsupported_media_type',
          message: 'the body must be JSON: send Content-Type: application/json',
          details: { header: 'Content-Type' },
        });
      }
    }
    expect(await countTables(api.stack.db, TABLES)).toEqual(before);
  });

  it('names an unknown field itself, not the object that holds it', async () => {
    const before = await countTables(api.stack.db, TABLES);
    const res = await post(
      '/v1/templates/stay-thank-you/versions',
      JSON.stringify({ colour: 'red', locales: {} }),
      'application/json',
      api.keyFor('marketer'),
    );
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
    // Among the issues (the locales are missing too), the unknown field by its own name.
    expect((res.json.error.details as { issues: unknown[] }).issues).toContainEqual({
      field: 'colour',
      code: 'unrecognized_keys',
      message: 'unknown field',
    });
    expect(await countTables(api.stack.db, TABLES)).toEqual(before);
  });
});
