/**
 * An in-process SMTP server that keeps every message it receives, like a
 * mailbox: messages are keyed by Message-ID, so a redelivery of the same
 * message counts as a second delivery of one message (as mailbox providers
 * treat it). Dev users read it at the mailbox page; tests read it directly.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  receivedAt: string;
  /** How many times this Message-ID arrived. */
  deliveries: number;
}

export interface SmtpSink {
  smtpPort: number;
  smtpUrl: string;
  mailboxUrl?: string;
  messages: () => ReceivedMail[];
  /** Resolves with the messages matching `filter` once at least `count` arrived. */
  waitFor: (
    filter: (m: ReceivedMail) => boolean,
    opts?: { count?: number; timeoutMs?: number },
  ) => Promise<ReceivedMail[]>;
  stop: () => Promise<void>;
}

export interface SmtpSinkOptions {
  smtpPort?: number;
  /** Serve the mailbox over HTTP (JSON at /messages, a page at /); omitted = no HTTP. */
  mailboxPort?: number;
  host?: string;
  /** Keep the mailbox in this JSON file across restarts (dev); omitted = memory only. */
  storeFile?: string;
  /** Recipients refused with `550 mailbox unavailable`, as a real server refuses an unknown address. */
  rejectRecipients?: (address: string) => boolean;
  /**
   * Require SMTP AUTH (over plain text: tests and dev only). The first
   * `refuseFirst` logins are refused with 535 whatever the credentials, as a
   * server does while its password is being changed.
   */
  auth?: { user: string; pass: string; refuseFirst?: number };
  /** Never answer the end of DATA for these recipients: a server that stalls mid-transaction. */
  stallRecipients?: (address: string) => boolean;
}

export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const host = opts.host ?? '127.0.0.1';
  const byId = new Map<string, ReceivedMail>();
  const listeners = new Set<() => void>();
  if (opts.storeFile && existsSync(opts.storeFile)) {
    const saved = JSON.parse(await readFile(opts.storeFile, 'utf8')) as { messages: ReceivedMail[] };
    for (const m of saved.messages) byId.set(m.messageId, m);
  }
  let saving = Promise.resolve();
  const save = () => {
    const file = opts.storeFile;
    if (!file) return;
    const snapshot = JSON.stringify({ messages: [...byId.values()] });
    saving = saving.then(async () => {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, snapshot);
    });
  };

  let refusals = opts.auth?.refuseFirst ?? 0;
  const smtp = new SMTPServer({
    authOptional: !opts.auth,
    allowInsecureAuth: Boolean(opts.auth),
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    onAuth(auth, _session, callback) {
      const ok = opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass;
      if (refusals > 0 || !ok) {
        refusals = Math.max(0, refusals - 1);
        callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
        return;
      }
      callback(null, { user: auth.username });
    },
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      if (opts.rejectRecipients?.(address.address)) {
        callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      if (session.envelope.rcptTo.some((r) => opts.stallRecipients?.(r.address))) {
        stream.resume(); // read it all, never answer
        return;
      }
      simpleParser(stream)
        .then((parsed) => {
          const messageId = parsed.messageId ?? `<no-message-id-${byId.size + 1}@sink>`;
          const existing = byId.get(messageId);
          if (existing) {
            existing.deliveries += 1;
          } else {
            const headers: Record<string, string> = {};
            for (const line of parsed.headerLines) {
              headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim();
            }
            byId.set(messageId, {
              messageId,
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              headers,
              receivedAt: new Date().toISOString(),
              deliveries: 1,
            });
          }
          save();
          for (const l of listeners) l();
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(opts.smtpPort ?? 0, host, () => resolve());
  });
  // A client that goes away mid-conversation (a worker killed while it talks to the sink) resets its socket: that
  // is the client's business, not a fault of the sink, which keeps serving the others.
  smtp.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') console.error('smtp sink:', err.message);
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  let http: Server | undefined;
  let mailboxUrl: string | undefined;
  if (opts.mailboxPort !== undefined) {
    http = createServer((req, res) => {
      const list = [...byId.values()].reverse();
      if (req.url?.startsWith('/messages')) {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ messages: list }, null, 2));
        return;
      }
      if (req.url === '/' || req.url === '') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(renderMailboxPage(list));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'try / or /messages', details: {} } }));
    });
    await new Promise<void>((resolve, reject) => {
      http!.once('error', reject);
      http!.listen(opts.mailboxPort, host, () => resolve());
    });
    mailboxUrl = `http://${host}:${(http.address() as AddressInfo).port}`;
  }

  return {
    smtpPort,
    smtpUrl: opts.auth
      ? `smtp://${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.pass)}@${host}:${smtpPort}?requireTLS=false`
      : `smtp://${host}:${smtpPort}`,
    mailboxUrl,
    messages: () => [...byId.values()],
    waitFor(filter, { count = 1, timeoutMs = 15_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = [...byId.values()].filter(filter);
          if (found.length >= count) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(found);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `SMTP sink: expected ${count} matching message(s) within ${timeoutMs} ms, got ${[...byId.values()].filter(filter).length}`,
            ),
          );
        }, timeoutMs);
        if (!check()) listeners.add(check);
      });
    },
    async stop() {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      if (http) await new Promise<void>((resolve) => http.close(() => resolve()));
      await saving;
    },
  };
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function renderMailboxPage(list: ReceivedMail[]): string {
  const rows = list
    .map(
      (m) => `<article>
  <h2>${escapeHtml(m.subject)}</h2>
  <p class="meta">To ${escapeHtml(m.to.join(', '))} · ${escapeHtml(m.receivedAt)} · ${escapeHtml(m.messageId)}${
    m.deliveries > 1 ? ` · delivered ${m.deliveries}×` : ''
  }</p>
  <pre>${escapeHtml(m.text)}</pre>
</article>`,
    )
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Mailbox (dev SMTP sink)</title>
<style>body{font-family:system-ui,sans-serif;max-width:860px;margin:2rem auto;padding:0 1rem}article{border-bottom:1px solid #ddd;padding:.5rem 0}.meta{color:#666;font-size:.85rem}pre{white-space:pre-wrap}</style>
</head><body><h1>Mailbox <small>(${list.length} message${list.length === 1 ? '' : 's'}, newest first; JSON at <a href="/messages">/messages</a>)</small></h1>
${rows || '<p>No mail yet.</p>'}</body></html>`;
}
