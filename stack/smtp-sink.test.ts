import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, describe, expect, it } from 'vitest';
import { startSmtpSink } from './smtp-sink.js';

const dir = await mkdtemp(path.join(tmpdir(), 'sink-test-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('SMTP sink', () => {
  it('keeps mail like a mailbox: one message per Message-ID, redeliveries counted, kept across restarts', async () => {
    const storeFile = path.join(dir, 'mailbox.json');
    const sink = await startSmtpSink({ storeFile, mailboxPort: 0 });
    const mailer = nodemailer.createTransport(sink.smtpUrl);
    const mail = {
      from: 'hotel@hotel.example',
      to: 'guest@guest.example',
      subject: 'Hello 你好',
      text: 'plain',
      html: '<p>rich</p>',
      messageId: '<fixed-1@test>',
    };
    await mailer.sendMail(mail);
    await mailer.sendMail(mail);
    await mailer.sendMail({ ...mail, messageId: '<fixed-2@test>', subject: 'Second' });
    expect(sink.messages()).toMatchObject([
      {
        messageId: '<fixed-1@test>',
        subject: 'Hello 你好',
        text: 'plain',
        html: '<p>rich</p>',
        deliveries: 2,
      },
      { messageId: '<fixed-2@test>', subject: 'Second', deliveries: 1 },
    ]);
    const listed = (await (await fetch(`${sink.mailboxUrl}/messages`)).json()) as {
      messages: { subject: string }[];
    };
    expect(listed.messages.map((m) => m.subject)).toEqual(['Second', 'Hello 你好']);
    const page = await (await fetch(`${sink.mailboxUrl}/`)).text();
    expect(page).toContain('delivered 2×');
    mailer.close();
    await sink.stop();

    const again = await startSmtpSink({ storeFile });
    expect(again.messages().map((m) => m.messageId)).toEqual(['<fixed-1@test>', '<fixed-2@test>']);
    await again.stop();
  });
});
