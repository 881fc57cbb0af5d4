/** JSON over HTTP with a time-out, for the PMS clients: any failure is a `PmsFetchError` with its status. */
import { PmsFetchError } from './types.js';

export interface HttpOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/** The URL's path without host or query (a query may hold tokens): for messages and logs. */
function bare(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.replace(/\?.*$/, '');
  }
}

export async function requestJson<T>(url: string, opts: HttpOptions): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: opts.method ?? 'GET',
      headers: { accept: 'application/json', ...opts.headers },
      ...(opts.body === undefined ? {} : { body: opts.body }),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    throw new PmsFetchError(
      timedOut
        ? `${bare(url)}: no answer within ${opts.timeoutMs} ms`
        : `${bare(url)}: ${err instanceof Error ? err.message : String(err)}`,
      0,
    );
  }
  if (!res.ok) {
    // The body of an error is the PMS's; only its first line, bounded, goes into a reason.
    const text = (await res.text().catch(() => '')).split('\n')[0]!.slice(0, 200);
    throw new PmsFetchError(`${bare(url)} answered ${res.status}${text ? `: ${text}` : ''}`, res.status);
  }
  try {
    return (await res.json()) as T;
  } catch {
    throw new PmsFetchError(`${bare(url)} answered ${res.status} with a body that is not JSON`, res.status);
  }
}

const DAY_MS = 86_400_000;

/** Days from `a` to `b` (`YYYY-MM-DD`). */
export const daysBetween = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / DAY_MS);

/** The calendar date of an instant in a zone (`YYYY-MM-DD`). */
export function localDate(instant: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** An amount as the native events carry it: two decimals, as text. */
export const moneyText = (amount: number) => (Math.round(amount * 100) / 100).toFixed(2);

/** An instant as UTC ISO text, or undefined when it is not one. */
export function isoInstant(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** A locale tag from a PMS language (`en`, `de-DE`, `zh_CN`), or undefined. */
export function localeOf(language: string | null | undefined): string | undefined {
  if (!language) return undefined;
  const tag = language.trim().replace('_', '-');
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}
