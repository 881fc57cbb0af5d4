/** The webhooks' secrets: compared whole, and kept out of the request log. */
import { describe, expect, it } from 'vitest';
import { hideWebhookToken, sameSecret } from './router.js';

describe('the webhook token', () => {
  it('matches only the same secret, whatever the lengths', () => {
    expect(sameSecret('a-secret-token-0123456789', 'a-secret-token-0123456789')).toBe(true);
    expect(sameSecret('a-secret-token-012345678', 'a-secret-token-0123456789')).toBe(false);
    expect(sameSecret('', 'a-secret-token-0123456789')).toBe(false);
  });

  it('is not logged: the path segment and the params are hidden', () => {
    expect(
      hideWebhookToken({ url: '/v1/pms/apaleo/secret-0123?x=1', params: { token: 'secret-0123' } }),
    ).toEqual({
      url: '/v1/pms/apaleo/[redacted]?x=1',
      params: {},
    });
    expect(hideWebhookToken({ url: '/v1/pms/mews/secret-0123' }).url).toBe('/v1/pms/mews/[redacted]');
    const other = { url: '/v1/guests/1', params: { id: '1' } };
    expect(hideWebhookToken(other)).toBe(other);
  });
});
