import { describe, expect, it } from 'vitest';
import { preparedStatement } from './knex.js';
import { guestCardStatement } from './repositories/guest-card.js';

describe('preparedStatement', () => {
  it('numbers each name once, in order of first use, and leaves casts and text alone', () => {
    const s = preparedStatement<{ id: string; year: number }>(
      'probe',
      `select :id::uuid, x from t where a = :id and y = :year - 1 and at > '10:00' and b = any('{a}'::text[])`,
    ).bind({ id: 'g1', year: 2026 });
    expect(s).toEqual({
      name: 'probe',
      text: `select $1::uuid, x from t where a = $1 and y = $2 - 1 and at > '10:00' and b = any('{a}'::text[])`,
      values: ['g1', 2026],
    });
  });

  it('gives the guest card one text whatever the guest, with every parameter bound', () => {
    const a = guestCardStatement('00000000-0000-4000-8000-000000000001', 2026);
    const b = guestCardStatement('00000000-0000-4000-8000-000000000002', 2027);
    expect(a.text).toBe(b.text);
    expect(a.text).not.toMatch(/(?<![:\w]):[A-Za-z_]/);
    expect(a.values).toHaveLength(Math.max(...[...a.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]))));
    expect(a.values.every((v) => v !== undefined)).toBe(true);
  });
});
