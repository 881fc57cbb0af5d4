/**
 * How long one mail delivery may take, in one place so the three bounds stay
 * ordered: an SMTP attempt is cut off (socket closed) at `sendDeadlineMs`,
 * well inside the activity's start-to-close timeout, which is itself inside
 * the outbox row's delivery lease. So no attempt can still be talking to the
 * server when the lease lets the next one in.
 */
export const MAIL_DELIVERY = {
  /** Total wall time of one SMTP conversation (connect, greeting, auth, envelope, data). */
  sendDeadlineMs: 20_000,
  /** The deliverMail activity's start-to-close timeout. */
  startToCloseMs: 30_000,
  /** How long a delivery attempt holds its outbox row. */
  leaseSeconds: 60,
} as const;
