import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has a default for every variable in development', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      API_PORT: 3000,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'guest-lifecycle',
    });
    expect(c.DATABASE_URL).toBeUndefined();
  });
  it('names each bad variable', () => {
    try {
      loadConfig({ API_PORT: 'eighty', DATABASE_URL: 'mysql://x', TEMPORAL_ADDRESS: 'nohost' });
      expect.fail('should throw');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const vars = (err as ConfigError).issues.map((i) => i.variable).sort();
      expect(vars).toEqual(['API_PORT', 'DATABASE_URL', 'TEMPORAL_ADDRESS']);
      expect((err as Error).message).toContain('API_PORT');
    }
  });
  it('requires the PMS webhook secret, the links secret and the public base URL in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PMS_WEBHOOK_SECRET/);
    const production = {
      NODE_ENV: 'production',
      PMS_WEBHOOK_SECRET: 'a-real-secret-of-some-length',
      LINKS_SECRET: 'a-real-links-secret-of-some-length',
      PUBLIC_BASE_URL: 'https://guests.hotel.example',
    } as const;
    expect(loadConfig(production).NODE_ENV).toBe('production');
    for (const variable of ['PMS_WEBHOOK_SECRET', 'LINKS_SECRET', 'PUBLIC_BASE_URL'] as const) {
      try {
        loadConfig({ ...production, [variable]: undefined });
        expect.fail(`production without ${variable}`);
      } catch (err) {
        expect((err as ConfigError).issues).toEqual([{ variable, message: 'is required in production' }]);
      }
    }
  });
  it('takes the links secret (at least 16 characters) and the public base URL of mail links', () => {
    expect(loadConfig({}).LINKS_SECRET).toBe('dev-links-secret-change-me');
    expect(loadConfig({ LINKS_SECRET: 'links-secret-0123456789' }).LINKS_SECRET).toBe(
      'links-secret-0123456789',
    );
    expect(() => loadConfig({ LINKS_SECRET: 'too-short' })).toThrow(/LINKS_SECRET: must be at least 16/);
    expect(loadConfig({}).PUBLIC_BASE_URL).toBe('http://127.0.0.1:3000');
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://hotel.example/guests/' }).PUBLIC_BASE_URL).toBe(
      'https://hotel.example/guests',
    );
    for (const bad of [
      'hotel.example',
      'ftp://hotel.example',
      'https://hotel.example/?a=1',
      'https://',
      'https://a b',
    ]) {
      expect(() => loadConfig({ PUBLIC_BASE_URL: bad }), bad).toThrow(/PUBLIC_BASE_URL/);
    }
  });
  it('takes an optional previous PMS secret for rotation, at least 16 characters when set', () => {
    expect(loadConfig({}).PMS_WEBHOOK_SECRET_PREVIOUS).toBeUndefined();
    expect(loadConfig({ PMS_WEBHOOK_SECRET_PREVIOUS: '' }).PMS_WEBHOOK_SECRET_PREVIOUS).toBeUndefined();
    expect(
      loadConfig({ PMS_WEBHOOK_SECRET_PREVIOUS: 'the-old-secret-0123456789' }).PMS_WEBHOOK_SECRET_PREVIOUS,
    ).toBe('the-old-secret-0123456789');
    expect(() => loadConfig({ PMS_WEBHOOK_SECRET_PREVIOUS: 'too-short' })).toThrow(
      /PMS_WEBHOOK_SECRET_PREVIOUS: must be at least 16 characters/,
    );
  });
  it('bounds the PMS signature tolerance to 1..900 seconds', () => {
    expect(loadConfig({ PMS_SIGNATURE_TOLERANCE_SECONDS: '900' }).PMS_SIGNATURE_TOLERANCE_SECONDS).toBe(900);
    expect(loadConfig({ PMS_SIGNATURE_TOLERANCE_SECONDS: '1' }).PMS_SIGNATURE_TOLERANCE_SECONDS).toBe(1);
    for (const bad of ['901', '3600', '0', '-5', '1.5', 'five']) {
      expect(() => loadConfig({ PMS_SIGNATURE_TOLERANCE_SECONDS: bad }), bad).toThrow(
        /PMS_SIGNATURE_TOLERANCE_SECONDS/,
      );
    }
  });
  it('treats an empty DATABASE_URL as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
  it('is documented: .env.example lists exactly the variables the code reads, and its values load', () => {
    const lines = readFileSync(new URL('./.env.example', import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l));
    const example = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(Object.keys(example).sort()).toEqual([...CONFIG_VARIABLES].sort());
    const fromExample = loadConfig(example);
    expect(fromExample).toEqual(loadConfig({}));
  });
});
