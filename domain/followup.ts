/** When the thank-you goes out: `delayMinutes` after check-out, or at once when that moment has passed. */
export function thankYouDelayMs(input: {
  checkedOutAtMs: number;
  nowMs: number;
  delayMinutes: number;
}): number {
  return Math.max(0, input.checkedOutAtMs + input.delayMinutes * 60_000 - input.nowMs);
}
