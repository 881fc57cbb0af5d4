/**
 * The console's one way to the API: same origin, the session cookie (api/console/session.ts), JSON both ways and the
 * `X-Console: 1` header every write with the cookie needs. A refusal comes back as an ApiError carrying the
 * API's `{ error: { code, message, details } }`, which the pages show as it is.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
  /** The field the API named (a 400 names the first offending one). */
  get field(): string | undefined {
    const f = this.details.field;
    return typeof f === 'string' ? f : undefined;
  }
}

/** Called when the API says the session has ended (401): the console goes back to sign-in. */
let onUnauthenticated: () => void = () => {};
export function setUnauthenticatedHandler(fn: () => void): void {
  onUnauthenticated = fn;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export async function api<T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  opts: { body?: unknown; query?: Query; headers?: Record<string, string>; quiet401?: boolean } = {},
): Promise<T> {
  const res = await fetch(withQuery(path, opts.query), {
    method,
    credentials: 'same-origin',
    headers: {
      Accept: 'application/json',
      'X-Console': '1',
      ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...opts.headers,
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy's error page): reported below with the status.
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } })
      ?.error;
    if (res.status === 401 && !opts.quiet401) onUnauthenticated();
    throw new ApiError(
      res.status,
      e?.code ?? `http_${res.status}`,
      e?.message ?? `${res.status} ${res.statusText}`,
      e?.details ?? {},
    );
  }
  return json as T;
}

export const get = <T>(path: string, query?: Query) => api<T>('GET', path, query ? { query } : {});
export const post = <T>(path: string, body: unknown, headers?: Record<string, string>) =>
  api<T>('POST', path, { body, ...(headers ? { headers } : {}) });

/** A fresh idempotency key for one staff request (api/guests/staff.ts): a retried click does not apply twice. */
export function idempotencyKey(): Record<string, string> {
  return { 'Idempotency-Key': crypto.randomUUID() };
}
