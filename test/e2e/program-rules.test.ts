/**
 * An admin's drafts of a rules version and the tier-change preview over HTTP (api/program/drafts.ts), on members
 * written here (test/rules-members.ts):
 * - the preview's counts per `from→to` are what domain/tiers.ts `reviewedTier` decides for each member from the
 *   review's own reads, by the version in force on the review day and by the draft; and once the draft is
 *   published for that day, the review's activity itself (`reviewTier`) moves exactly the members the preview's
 *   draft column said;
 * - drafts are rows with who and when; a save names its revision (an older one is a 409); a refused body is a
 *   400 naming the field and changes nothing; publishing writes the version, its audit row naming the draft and
 *   the draft's mark in one transaction, and a refusal writes none of them;
 * - marketers and ops get 403 on every new route.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { RULES_V2 } from '../../domain/default-rules.js';
import type { ProgramRules } from '../../domain/program.js';
import { countTables, openApiStack, type ApiStack } from '../api-stack.js';
import { movesOf, reviewedPerMember, variedMembers, writeMembers } from '../rules-members.js';

const ADMIN = 'e2e rules admin';
let api: ApiStack;
let ids: string[] = [];
const year = new Date().getUTCFullYear();
const reviewDay = `${year + 1}-01-01`;

/** Lower thresholds all round: members move up, and fewer step down. */
const DRAFT: ProgramRules = {
  ...RULES_V2,
  tiers: {
    silver: { nights: 6, stays: 3, basePoints: 12_000, bonusPercent: 20 },
    gold: { nights: 12, stays: 5, basePoints: 30_000, bonusPercent: 80 },
    diamond: { nights: 18, stays: 6, basePoints: 45_000, bonusPercent: 100 },
  },
};

beforeAll(async () => {
  api = await openApiStack({
    name: 'e2e-program-rules',
    pmsSecret: 'e2e-program-rules-pms-webhook-secret-0123456789',
    worker: false,
    keys: {
      admin: ADMIN,
      marketer: 'e2e rules marketer',
      ops: 'e2e rules ops',
      manager: 'e2e rules manager',
    },
  });
  ids = await writeMembers(api.stack.db, variedMembers(), randomUUID().slice(0, 6));
});

afterAll(async () => {
  await api?.close();
});

interface Draft {
  id: number;
  rules: ProgramRules;
  basedOnVersion: number | null;
  note: string | null;
  revision: number;
  createdBy: string;
  updatedBy: string;
  publishedVersion: number | null;
  discardedAt: string | null;
}
interface Preview {
  year: number;
  reviewDay: string;
  currentVersion: number;
  members: number;
  current: { up: number; down: number; kept: number; floor: number };
  draft: { up: number; down: number; kept: number; floor: number };
  transitions: { from: string; to: string; current: number; draft: number; difference: number }[];
}
type Refusal = { error: { code: string; message: string; details: { field?: string } } };

const as = (role: 'admin' | 'marketer' | 'ops' | 'manager') => ({ key: api.keyFor(role) });
const call = <T>(method: 'GET' | 'POST', path: string, body?: unknown) =>
  api.request<T & Refusal>(method, path, body, as('admin'));

type Row = Record<string, unknown>;
const draftRow = (id: number) => api.stack.db('program_rules_drafts').where({ id }).first<Row>();

/** Everything the draft routes may write. */
const written = () =>
  countTables(api.stack.db, ['program_rules', 'program_rules_drafts', 'audit_log', 'tier_history']);

describe('the tier-change preview', () => {
  it('counts per from→to what reviewedTier decides for each member, by the version of the review day and by the draft', async () => {
    const before = await written();
    const res = await call<Preview>('POST', '/v1/program/rules/preview', { rules: DRAFT });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const p = res.json;
    expect(p).toMatchObject({ year, reviewDay, currentVersion: 2 });

    const current = await reviewedPerMember(api.stack.db, ids, RULES_V2.tiers);
    const draft = await reviewedPerMember(api.stack.db, ids, DRAFT.tiers);
    expect(p.members).toBe(current.members);
    // Not every guest is reviewed (the prospect, the churned member), and both columns move someone.
    expect(p.members).toBeLessThan(ids.length);
    expect(movesOf(p.transitions, 'current')).toEqual(current.moves);
    expect(movesOf(p.transitions, 'draft')).toEqual(draft.moves);
    expect(Object.keys(current.moves).length).toBeGreaterThan(0);
    expect(Object.keys(draft.moves).length).toBeGreaterThan(0);
    expect(draft.moves).not.toEqual(current.moves);
    for (const t of p.transitions) {
      expect(t.from).not.toBe(t.to);
      expect(t.difference).toBe(t.draft - t.current);
    }
    for (const col of ['current', 'draft'] as const) {
      const totals = p[col];
      expect(totals.up + totals.down + totals.kept + totals.floor).toBe(p.members);
      const moved = p.transitions.reduce((n, t) => n + t[col], 0);
      expect(totals.up + totals.down).toBe(moved);
    }
    // The floors hold someone by the current rules.
    expect(p.current.floor).toBeGreaterThan(0);
    expect(await written()).toEqual(before);
  });

  it('refuses rules that are not a version: 400 naming the field, nothing written', async () => {
    const before = await written();
    const bad = {
      ...DRAFT,
      tiers: { ...DRAFT.tiers, gold: { ...DRAFT.tiers.gold, nights: 3 } },
    };
    const res = await call<Preview>('POST', '/v1/program/rules/preview', { rules: bad });
    expect(res.status).toBe(400);
    expect(res.json.error.details.field).toBe('rules.tiers.gold.nights');
    const missing = await call<Preview>('POST', '/v1/program/rules/preview', {});
    expect(missing.json.error.details.field).toBe('rules');
    expect(await written()).toEqual(before);
  });
});

describe('drafts', () => {
  let draft: Draft;

  it('creates a draft as a row with who and when, lists and reads it', async () => {
    const res = await call<Draft>('POST', '/v1/program/rules/drafts', {
      rules: RULES_V2,
      basedOnVersion: 2,
      note: 'lower thresholds for 2027',
    });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    draft = res.json;
    expect(draft).toMatchObject({ revision: 1, createdBy: ADMIN, updatedBy: ADMIN, basedOnVersion: 2 });
    const row = await draftRow(draft.id);
    expect(row).toMatchObject({ created_by: ADMIN, revision: 1, published_version: null, rules: RULES_V2 });
    expect(row.created_at).toBeInstanceOf(Date);
    const list = await call<{ drafts: Draft[] }>('GET', '/v1/program/rules/drafts');
    expect(list.json.drafts.map((d) => d.id)).toContain(draft.id);
    expect((await call<Draft>('GET', `/v1/program/rules/drafts/${draft.id}`)).json.rules).toEqual(RULES_V2);
    expect((await call<Draft>('GET', '/v1/program/rules/drafts/999999')).status).toBe(404);
    const unknown = await call<Draft>('POST', '/v1/program/rules/drafts', {
      rules: RULES_V2,
      basedOnVersion: 99,
    });
    expect([unknown.status, unknown.json.error.details.field]).toEqual([422, 'basedOnVersion']);
  });

  it('saves a revision; an older revision is a 409 and a bad field a 400, neither changes the row', async () => {
    const saved = await call<Draft>('POST', `/v1/program/rules/drafts/${draft.id}`, {
      rules: DRAFT,
      revision: 1,
    });
    expect(saved.status, JSON.stringify(saved.json)).toBe(200);
    expect(saved.json).toMatchObject({ revision: 2, rules: DRAFT, note: 'lower thresholds for 2027' });
    const rowBefore = await draftRow(draft.id);

    const stale = await call<Draft>('POST', `/v1/program/rules/drafts/${draft.id}`, {
      rules: RULES_V2,
      revision: 1,
    });
    expect([stale.status, stale.json.error.code]).toEqual([409, 'draft_changed']);

    const bad = await call<Draft>('POST', `/v1/program/rules/drafts/${draft.id}`, {
      rules: { ...DRAFT, currencyRates: { ...DRAFT.currencyRates, EUR: -1 } },
      revision: 2,
    });
    expect([bad.status, bad.json.error.details.field]).toEqual([400, 'rules.currencyRates.EUR']);
    const extra = await call<Draft>('POST', `/v1/program/rules/drafts/${draft.id}`, {
      rules: { ...DRAFT, colour: 'red' },
      revision: 2,
    });
    expect(extra.json.error.details.field).toBe('rules.colour');
    const badId = await call<Draft>('POST', '/v1/program/rules/drafts/1e3', { rules: DRAFT, revision: 2 });
    expect([badId.status, badId.json.error.details.field]).toEqual([400, 'id']);

    expect(await draftRow(draft.id)).toEqual(rowBefore);
  });

  it('publishing refused (a day too early, a stale revision) writes nothing', async () => {
    const before = await written();
    const early = await call<Draft>('POST', `/v1/program/rules/drafts/${draft.id}/publish`, {
      effectiveFrom: '2026-01-01',
      revision: 2,
    });
    expect([early.status, early.json.error.code]).toEqual([422, 'effective_from_too_early']);
    const stale = await call<Draft>('POST', `/v1/program/rules/drafts/${draft.id}/publish`, {
      effectiveFrom: reviewDay,
      revision: 1,
    });
    expect([stale.status, stale.json.error.code]).toEqual([409, 'draft_changed']);
    const noDate = await call<Draft>('POST', `/v1/program/rules/drafts/${draft.id}/publish`, { revision: 2 });
    expect([noDate.status, noDate.json.error.details.field]).toEqual([400, 'effectiveFrom']);
    expect(await written()).toEqual(before);
  });

  it('publishes the draft for the review day: the version, its audit row and the mark; the review then moves the members the preview said', async () => {
    const preview = (await call<Preview>('POST', '/v1/program/rules/preview', { rules: DRAFT })).json;
    const res = await call<{ version: number; effectiveFrom: string; draft: Draft }>(
      'POST',
      `/v1/program/rules/drafts/${draft.id}/publish`,
      { effectiveFrom: reviewDay, revision: 2 },
    );
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json).toMatchObject({ version: 3, effectiveFrom: reviewDay });
    expect(res.json.draft).toMatchObject({ publishedVersion: 3 });
    const version = await api.stack.db('program_rules').where({ version: 3 }).first<Row>();
    expect(version).toMatchObject({ effective_from: reviewDay, created_by: ADMIN, rules: DRAFT });
    expect(await draftRow(draft.id)).toMatchObject({ published_version: 3, published_by: ADMIN });
    const auditRow = await api.stack
      .db('audit_log')
      .where({ action: 'program.rules_published', subject: 'program_rules:3' })
      .first<Row>();
    expect(auditRow).toMatchObject({ actor: ADMIN });
    expect(auditRow.after).toMatchObject({
      draftId: draft.id,
      version: 3,
      note: 'lower thresholds for 2027',
    });

    // Published: closed for saves, publications and discards; no longer listed.
    const again = await call<Draft>('POST', `/v1/program/rules/drafts/${draft.id}/publish`, {
      effectiveFrom: `${year + 1}-02-01`,
      revision: 2,
    });
    expect([again.status, again.json.error.code]).toEqual([409, 'draft_closed']);
    const list = await call<{ drafts: Draft[] }>('GET', '/v1/program/rules/drafts');
    expect(list.json.drafts.map((d) => d.id)).not.toContain(draft.id);

    // The preview now compares with version 3, which decides the review day.
    const after = (await call<Preview>('POST', '/v1/program/rules/preview', { rules: DRAFT })).json;
    expect(after.currentVersion).toBe(3);
    expect(after.transitions.every((t) => t.difference === 0)).toBe(true);

    // The review's own activity, run for every member the review runs for, by the version of the review day.
    const activities = createActivities(api.stack.deps);
    const moves: Record<string, number> = {};
    for (const id of ids) {
      const guest = await api.stack
        .db('guests')
        .where({ id })
        .first<{ tier: string; stage: string; enrolled_at: Date | null }>('tier', 'stage', 'enrolled_at');
      const stays = await api.stack
        .db('stays')
        .where({ guest_id: id })
        .first<{ n: number }>(api.stack.db.raw('count(*)::int as n'));
      const enrolled = guest.enrolled_at !== null || stays.n > 0;
      if (!enrolled || (guest.stage === 'churned' && guest.tier === 'member')) continue;
      const r = await activities.reviewTier({
        guestId: id,
        year,
        key: `e2e-rules-review:${id}`,
        now: `${reviewDay}T00:30:00Z`,
      });
      if (r.tier !== r.previousTier)
        moves[`${r.previousTier}→${r.tier}`] = (moves[`${r.previousTier}→${r.tier}`] ?? 0) + 1;
    }
    expect(moves).toEqual(movesOf(preview.transitions, 'draft'));
  });

  it('discards a draft: kept with who and when, no longer listed, closed', async () => {
    const created = await call<Draft>('POST', '/v1/program/rules/drafts', { rules: RULES_V2 });
    const res = await api.request<Draft & Refusal>(
      'DELETE' as 'GET',
      `/v1/program/rules/drafts/${created.json.id}`,
      undefined,
      as('admin'),
    );
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const row = await draftRow(created.json.id);
    expect(row).toMatchObject({ discarded_by: ADMIN });
    expect(row.discarded_at).toBeInstanceOf(Date);
    const save = await call<Draft>('POST', `/v1/program/rules/drafts/${created.json.id}`, {
      rules: DRAFT,
      revision: 1,
    });
    expect([save.status, save.json.error.code]).toEqual([409, 'draft_closed']);
  });
});

describe('who may', () => {
  it('gives marketers, ops and managers 403 on every draft and preview route, and writes nothing', async () => {
    const before = await written();
    const routes: [string, string, unknown][] = [
      ['POST', '/v1/program/rules/preview', { rules: DRAFT }],
      ['GET', '/v1/program/rules/drafts', undefined],
      ['POST', '/v1/program/rules/drafts', { rules: DRAFT }],
      ['GET', '/v1/program/rules/drafts/1', undefined],
      ['POST', '/v1/program/rules/drafts/1', { rules: DRAFT, revision: 1 }],
      ['DELETE', '/v1/program/rules/drafts/1', undefined],
      ['POST', '/v1/program/rules/drafts/1/publish', { effectiveFrom: `${year + 2}-01-01`, revision: 1 }],
    ];
    for (const role of ['marketer', 'ops', 'manager'] as const)
      for (const [method, path, body] of routes) {
        const res = await api.request<Refusal>(method as 'GET', path, body, as(role));
        expect([role, method, path, res.status]).toEqual([role, method, path, 403]);
      }
    expect(await written()).toEqual(before);
  });
});
