/**
 * What an SMTP failure means for the mail (docs/architecture.md "Mail, exactly once"): only a
 * rejection of the recipient or of the message itself is permanent. A login
 * failure (535), "530 must issue STARTTLS", 421 and other 4xx, a dropped
 * connection or a time-out are faults of the server or of our configuration:
 * retried with backoff until fixed, so one wrong password loses no mail.
 */
import { withoutAddresses } from './errors.js';

export interface SmtpErrorLike {
  code?: string;
  responseCode?: number;
  command?: string;
  message?: string;
}

/** Commands whose 55x answer refuses the recipient or the message (nodemailer names them so). */
const REJECTING_COMMANDS = ['RCPT TO', 'DATA'];

export function isPermanentSmtpError(err: SmtpErrorLike): boolean {
  if (err.code !== 'EENVELOPE' && err.code !== 'EMESSAGE') return false;
  // Refused before any server was asked (an address that is not one, a message too large): permanent.
  if (err.command === 'API') return true;
  const code = err.responseCode;
  return (
    code !== undefined &&
    code >= 550 &&
    code <= 559 &&
    (err.command === undefined || REJECTING_COMMANDS.includes(err.command))
  );
}

/** `EAUTH 535 AUTH PLAIN` plus the first line of the server's words, addresses removed. */
export function summariseSmtpError(err: SmtpErrorLike): string {
  const head = [err.code, err.responseCode, err.command].filter((x) => x !== undefined && x !== '').join(' ');
  const text = withoutAddresses(String(err.message ?? '').split('\n')[0] ?? '').slice(0, 200);
  return `${head || 'SMTP error'}: ${text}`;
}
