/** One error shape for every 4xx/5xx: `{ error: { code, message, details } }`. */
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';

export class HttpError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A 400 that names the first offending field and lists every issue. */
export function validationError(error: z.ZodError, prefix: string[] = []): HttpError {
  const issues = error.issues.map((i) => ({
    field: [...prefix, ...i.path.map(String)].join('.') || '(body)',
    code: i.code,
    message: i.message,
  }));
  const first = issues[0]!;
  return new HttpError(400, 'validation_failed', `${first.field}: ${first.message}`, {
    field: first.field,
    issues,
  });
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details } });
      return;
    }
    // body-parser errors carry `type` and `status`.
    const e = err as { type?: string; status?: number; limit?: number; length?: number };
    if (e.type === 'entity.too.large') {
      res.status(413).json({
        error: {
          code: 'payload_too_large',
          message: `body is larger than ${e.limit} bytes`,
          details: { limit: e.limit, length: e.length },
        },
      });
      return;
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({
        error: { code: e.type ?? 'bad_request', message: String((err as Error).message), details: {} },
      });
      return;
    }
    logger.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal', message: 'internal error', details: {} } });
  };
}
