import { describe, expect, it } from 'vitest';
import { importEmbeddedPostgres } from './postgres.js';

const EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit', 'message'] as const;

describe('importEmbeddedPostgres', () => {
  it('leaves no exit hook behind (one on beforeExit would exit 0 and hide failed tests)', async () => {
    const before = EVENTS.map((e) => process.listenerCount(e));
    const EmbeddedPostgres = await importEmbeddedPostgres();
    expect(typeof EmbeddedPostgres).toBe('function');
    expect(EVENTS.map((e) => process.listenerCount(e))).toEqual(before);
  });
});
