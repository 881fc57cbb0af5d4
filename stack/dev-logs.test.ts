/** The dev stack's logs (createLogger in lib/runtime.ts): one readable line per request in development, JSON elsewhere. */
import { Writable } from 'node:stream';
import express from 'express';
import { pinoHttp } from 'pino-http';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../lib/runtime.js';

/** Logs two requests (one with credentials) and one plain entry through pino-http; returns what was written. */
async function logSome(NODE_ENV: 'development' | 'production'): Promise<string> {
  let out = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  const logger = createLogger({ LOG_LEVEL: 'info', NODE_ENV }, 'api', destination);
  const app = express();
  app.use(pinoHttp({ logger }));
  app.get('/v1/guests/:id', (_req, res) => {
    res.status(200).json({});
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  try {
    await fetch(`http://127.0.0.1:${port}/v1/guests/42?full=1`, {
      headers: { authorization: 'Bearer secret-ops-key', 'x-signature': 'secret-signature' },
    });
    await fetch(`http://127.0.0.1:${port}/nowhere`);
    logger.info({ taskQueue: 'guest-lifecycle' }, 'worker started');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  // The pretty stream hands lines on through a pipe: let it drain.
  await new Promise((resolve) => setImmediate(resolve));
  return out;
}

describe('createLogger', () => {
  it('writes one short line per request in development, without headers or credentials', async () => {
    const lines = (await logSome('development')).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(api\): GET \/v1\/guests\/42\?full=1 200 \d+ms$/,
    );
    expect(lines[1]).toMatch(/INFO \(api\): GET \/nowhere 404 \d+ms$/);
    expect(lines[2]).toMatch(/INFO \(api\): worker started \{"taskQueue":"guest-lifecycle"\}$/);
    expect(lines.join('\n')).not.toMatch(/secret|authorization|headers/);
  });

  it('writes JSON in production, with the credentials redacted', async () => {
    const entries = (await logSome('production'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries).toHaveLength(3);
    expect(entries[0]).toMatchObject({
      level: 30,
      name: 'api',
      msg: 'request completed',
      req: {
        method: 'GET',
        url: '/v1/guests/42?full=1',
        headers: { authorization: '[redacted]', 'x-signature': '[redacted]' },
      },
      res: { statusCode: 200 },
    });
    expect(JSON.stringify(entries)).not.toContain('secret');
  });
});
