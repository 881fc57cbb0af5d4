/**
 * The guest card and the guest's workflow, apart (api/guests/service.ts): `GET /v1/guests/:id` is the record
 * in Postgres and asks Temporal nothing; `GET /v1/guests/:id/workflow` is the workflow as Temporal has it now.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as guests from '../../db/repositories/guests.js';
import { sampleGuest } from '../pms-samples.js';
import { openApiStack, type ApiStack } from '../api-stack.js';

let api: ApiStack;
let guestId: string;

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-card',
    pmsSecret: 'e2e-card-pms-webhook-secret-0123456789',
    worker: false,
    keys: { ops: 'e2e card front office' },
  });
  // A guest the record has and Temporal does not: no workflow was started for it.
  const row = await guests.insertIfAbsent(api.stack.db, {
    source: 'pms',
    profile: sampleGuest({ firstName: 'Grace', lastName: 'Hopper' }),
    asOf: new Date(),
  });
  guestId = row!.id;
});

afterAll(async () => {
  await api?.close();
});

describe('GET /v1/guests/:id and /v1/guests/:id/workflow', () => {
  it('the card is the record: the workflow id, no live state', async () => {
    const card = await api.request<Record<string, unknown>>('GET', `/v1/guests/${guestId}`, undefined, {
      key: api.keyFor('ops'),
    });
    expect(card.status).toBe(200);
    expect(card.json).toMatchObject({
      guest: { id: guestId, firstName: 'Grace', lastName: 'Hopper', stage: 'prospect' },
      workflowId: `guest-${guestId}`,
      stays: [],
      ledger: [],
    });
    expect(card.json).not.toHaveProperty('workflow');
  });

  it('the workflow answer says the guest has none', async () => {
    const live = await api.request('GET', `/v1/guests/${guestId}/workflow`, undefined, {
      key: api.keyFor('ops'),
    });
    expect(live.status).toBe(200);
    expect(live.json).toEqual({ guestId, workflow: null });
  });

  it('an unknown guest is a 404 on both', async () => {
    const unknown = randomUUID();
    for (const path of [`/v1/guests/${unknown}`, `/v1/guests/${unknown}/workflow`]) {
      const res = await api.request('GET', path, undefined, { key: api.keyFor('ops') });
      expect(res.status, path).toBe(404);
      expect(res.json, path).toMatchObject({ error: { code: 'guest_not_found', details: { field: 'id' } } });
    }
  });

  it('an id that is not a UUID is a 400 naming id', async () => {
    const res = await api.request('GET', `/v1/guests/not-a-guest/workflow`, undefined, {
      key: api.keyFor('ops'),
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'validation_failed', details: { field: 'id' } } });
  });
});
