import { describe, expect, it } from 'vitest';
import { summariseError } from './errors.js';
import { isPermanentSmtpError, summariseSmtpError } from './smtp-errors.js';

describe('isPermanentSmtpError', () => {
  it('is permanent only when the recipient or the message is refused', () => {
    expect(isPermanentSmtpError({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' })).toBe(true);
    expect(isPermanentSmtpError({ code: 'EMESSAGE', responseCode: 554, command: 'DATA' })).toBe(true);
    expect(isPermanentSmtpError({ code: 'EENVELOPE', command: 'API' })).toBe(true);
  });
  it('retries login, TLS, server and connection faults', () => {
    expect(isPermanentSmtpError({ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' })).toBe(false);
    expect(isPermanentSmtpError({ code: 'EENVELOPE', responseCode: 530, command: 'MAIL FROM' })).toBe(false);
    expect(isPermanentSmtpError({ code: 'EENVELOPE', responseCode: 421, command: 'RCPT TO' })).toBe(false);
    expect(isPermanentSmtpError({ code: 'EENVELOPE', responseCode: 450, command: 'RCPT TO' })).toBe(false);
    expect(isPermanentSmtpError({ code: 'ECONNECTION' })).toBe(false);
    expect(isPermanentSmtpError({ code: 'ETIMEDOUT' })).toBe(false);
    expect(isPermanentSmtpError({ code: 'ESOCKET', responseCode: 554 })).toBe(false);
  });
});

describe('error summaries', () => {
  it('keep codes and drop addresses', () => {
    const s = summariseSmtpError({
      code: 'EENVELOPE',
      responseCode: 550,
      command: 'RCPT TO',
      message: 'Recipient command failed: 550 <mei.wang@guest.example> mailbox unavailable\nmore',
    });
    expect(s).toBe('EENVELOPE 550 RCPT TO: Recipient command failed: 550 <<address>> mailbox unavailable');
    expect(s).not.toContain('@');
  });
  it('never carry SQL or values for database errors', () => {
    const err = Object.assign(
      new Error(
        `insert into "guests" ("email") values ('a@b.example') - duplicate key value violates unique constraint`,
      ),
      { code: '23505', table: 'guests', constraint: 'guests_source_pms_profile_id_unique' },
    );
    expect(summariseError(err)).toBe(
      'database error 23505 (table guests, constraint guests_source_pms_profile_id_unique)',
    );
  });
});
