/**
 * Base points for a stay: `perUnit` points per whole unit of room revenue
 * (default 10, DOMAIN.md "Loyalty program"), rounded down. Money arrives as
 * a decimal string and is handled in cents to avoid float drift.
 */
export function basePointsForStay(roomRevenue: string, perUnit: number): number {
  const cents = toCents(roomRevenue);
  const perUnitHundredths = Math.round(perUnit * 100);
  return Math.floor((cents * perUnitHundredths) / 10_000);
}

/** '1280.5' -> 128050. Throws on anything that is not a non-negative decimal with at most two fraction digits. */
export function toCents(amount: string): number {
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(amount);
  if (!m) throw new RangeError(`not a money amount: ${amount}`);
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}
