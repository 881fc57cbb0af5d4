/** One error shape for every 4xx/5xx: `{ error: { code, message, details } }`. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
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
  const issues = error.issues.map((i) =>
    // An unknown field is named itself, not the object holding it.
    i.code === 'unrecognized_keys'
      ? {
          field: [...prefix, ...i.path.map(String), i.keys[0] ?? ''].filter(Boolean).join('.') || '(body)',
          code: i.code,
          message: `unknown field${i.keys.length > 1 ? `s ${i.keys.join(', ')}` : ''}`,
        }
      : {
          field: [...prefix, ...i.path.map(String)].join('.') || '(body)',
          code: i.code,
          message: i.message,
        },
  );
  const first = issues[0]!;
  return new HttpError(400, 'validation_failed', `${first.field}: ${first.message}`, {
    field: first.field,
    issues,
  });
}

/**
 * A body sent as anything but JSON (curl's `-d` without `-H 'Content-Type: application/json'` sends a form) is a
 * 415 that says so, not a 400 about a missing object. A request without a body passes.
 */
export const jsonBodyOnly: RequestHandler = (req, _res, next) => {
  const length = req.headers['content-length'];
  const hasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json'))
    throw new HttpError(
      415,
      'unsupported_media_type',
      'the body must be JSON: send Content-Type: application/json',
      {
        header: 'Content-Type',
      },
    );
  next();
};

/** What the client did wrong, for errors raised by Express and body-parser rather than by our code. */
interface ClientFault {
  status: number;
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/**
 * body-parser's and the router's 4xx errors, each with a fixed message: theirs quote the body or the charset
 * the client sent (`Unexpected token … "<body>" is not valid JSON`), which is noise at best.
 */
function clientFault(err: unknown): ClientFault | undefined {
  const e = err as { type?: unknown; status?: unknown; limit?: unknown; length?: unknown };
  if (typeof e?.status !== 'number' || e.status < 400 || e.status >= 500) return undefined;
  // The router could not percent-decode a path parameter (`%`, `%zz`, `%ED%A0%80`).
  if (err instanceof URIError) {
    return {
      status: 400,
      code: 'malformed_path',
      message: 'the path is not valid percent-encoded UTF-8',
      details: { field: '(path)' },
    };
  }
  switch (e.type) {
    case 'entity.parse.failed':
      return {
        status: 400,
        code: 'malformed_json',
        message: 'body is not valid JSON (or not an object or a list)',
        details: { field: '(body)' },
      };
    case 'entity.too.large':
      return {
        status: 413,
        code: 'payload_too_large',
        message: `body is larger than ${String(e.limit)} bytes`,
        details: { field: '(body)', limit: e.limit, length: e.length },
      };
    case 'encoding.unsupported':
      return {
        status: 415,
        code: 'unsupported_content_encoding',
        message: 'Content-Encoding must be identity, gzip, deflate or br',
        details: { header: 'Content-Encoding' },
      };
    case 'charset.unsupported':
      return {
        status: 415,
        code: 'unsupported_charset',
        message: 'the body must be UTF-8 (Content-Type charset)',
        details: { header: 'Content-Type' },
      };
    case 'request.size.invalid':
      return {
        status: 400,
        code: 'malformed_body',
        message: 'the body is not as long as Content-Length says',
        details: { header: 'Content-Length' },
      };
    default:
      // A body that could not be read: a broken gzip stream, an aborted upload.
      return {
        status: e.status,
        code: 'malformed_body',
        message: 'the body could not be read',
        details: { field: '(body)' },
      };
  }
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    // Too late for an answer of ours: Express closes the connection.
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details } });
      return;
    }
    const fault = clientFault(err);
    if (fault) {
      res
        .status(fault.status)
        .json({ error: { code: fault.code, message: fault.message, details: fault.details } });
      return;
    }
    logger.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal', message: 'internal error', details: {} } });
  };
}
