import { describe, expect, it } from 'vitest';
import { mailerOptions } from './runtime.js';

describe('mailerOptions', () => {
  it('requires TLS when an smtp:// URL carries credentials', () => {
    expect(mailerOptions('smtp://user:secret@mail.hotel.example:587')).toMatchObject({
      requireTLS: true,
      secure: false,
      auth: { user: 'user', pass: 'secret' },
    });
  });
  it('lets the URL turn it off explicitly, and never asks for it without credentials or over smtps', () => {
    expect(mailerOptions('smtp://user:secret@127.0.0.1:2525?requireTLS=false').requireTLS).toBe(false);
    expect(mailerOptions('smtp://127.0.0.1:2525').requireTLS).toBe(false);
    expect(mailerOptions('smtp://relay.hotel.example?requireTLS=true').requireTLS).toBe(true);
    expect(mailerOptions('smtps://user:secret@mail.hotel.example')).toMatchObject({
      secure: true,
      requireTLS: false,
      port: 465,
    });
  });
  it('decodes credentials', () => {
    expect(mailerOptions('smtp://guest%40hotel:p%40ss@mail.hotel.example').auth).toEqual({
      user: 'guest@hotel',
      pass: 'p@ss',
    });
  });
});
