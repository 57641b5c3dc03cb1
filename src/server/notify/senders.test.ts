import { createServer } from 'node:http';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PatchhiveError } from '../../errors.js';
import type { ChannelRecord } from '../../store/ports.js';
import { createMailer, readSmtpPassword, type Mailer } from './email-sender.js';
import type { NotificationMessage } from './message-format.js';
import { mailHeader, startHttpReceiver, startSmtpReceiver } from './notify-test-support.js';
import { sendNotification } from './senders.js';
import { verifyWebhookSignature, webhookSignature } from './signature.js';

const NOW = new Date('2026-03-02T07:00:00Z');
const SMTP = { host: '127.0.0.1', port: 25, secure: false, requireTls: false, from: 'patchhive@example.org' };

const message: NotificationMessage = {
  event: 'bulletin.new',
  key: 'bulletin.new:DSA-5678-1:abc',
  subject: '[Patchhive] New critical bulletin DSA-5678-1',
  text: 'A new critical bulletin affects 3 machines.\n\nBulletin: DSA-5678-1\n',
  html: '<p>A new critical bulletin affects 3 machines.</p>',
  data: { bulletinId: 'DSA-5678-1', severity: 'critical', machines: 3 },
};

function channel(over: Partial<ChannelRecord>): ChannelRecord {
  return {
    id: 'ch-1',
    name: 'ops',
    kind: 'webhook',
    target: 'http://127.0.0.1:9/hook',
    secret: null,
    events: ['bulletin.new'],
    minMachines: 0,
    groupIds: [],
    enabled: true,
    createdAt: NOW.toISOString(),
    ...over,
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function rejection(p: Promise<unknown>): Promise<PatchhiveError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PatchhiveError);
  return err as PatchhiveError;
}

describe('webhook sender', () => {
  it('POSTs { event, key, sentAt, data } with the delivery headers and a signature the receiver verifies', async () => {
    const rx = await startHttpReceiver({ secret: 'hunter2' });
    cleanups.push(rx.close);
    await sendNotification(channel({ target: rx.url, secret: 'hunter2' }), message, {
      deliveryId: 'dl-42',
      now: NOW,
      timeoutMs: 5000,
    });
    expect(rx.requests).toHaveLength(1);
    const req = rx.requests[0]!;
    expect(req.verified).toBe(true);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-patchhive-event']).toBe('bulletin.new');
    expect(req.headers['x-patchhive-delivery']).toBe('dl-42');
    expect(req.headers['x-patchhive-timestamp']).toBe(String(NOW.getTime() / 1000));
    expect(req.headers['x-patchhive-signature']).toBe(
      webhookSignature('hunter2', String(NOW.getTime() / 1000), req.body),
    );
    expect(JSON.parse(req.body)).toEqual({
      event: 'bulletin.new',
      key: message.key,
      sentAt: NOW.toISOString(),
      data: message.data,
    });
  });

  it('fails with the status code only when the receiver refuses (wrong secret: 401)', async () => {
    const rx = await startHttpReceiver({ secret: 'the-receivers-secret' });
    cleanups.push(rx.close);
    const err = await rejection(
      sendNotification(channel({ target: rx.url, secret: 'hunter2' }), message, {
        deliveryId: 'd',
        now: NOW,
        timeoutMs: 5000,
      }),
    );
    expect(err.code).toBe('E_DELIVERY_FAILED');
    expect(err.message).toBe('HTTP 401');
    expect(rx.requests[0]!.verified).toBe(false);
  });

  it('fails on a 5xx and on a refused connection without naming the URL', async () => {
    const rx = await startHttpReceiver({ statuses: [503] });
    cleanups.push(rx.close);
    expect(
      (
        await rejection(
          sendNotification(channel({ target: rx.url }), message, { deliveryId: 'd', now: NOW, timeoutMs: 5000 }),
        )
      ).message,
    ).toBe('HTTP 503');
    const closed = await startHttpReceiver();
    await closed.close();
    const err = await rejection(
      sendNotification(channel({ target: closed.url + '?token=s3cr3t' }), message, {
        deliveryId: 'd',
        now: NOW,
        timeoutMs: 5000,
      }),
    );
    expect(err.code).toBe('E_DELIVERY_FAILED');
    expect(err.message).toMatch(/^network error/);
    expect(err.message).not.toContain('s3cr3t');
    expect(err.message).not.toContain('127.0.0.1');
  });

  it('gives up on a receiver that never answers after the timeout', async () => {
    const hang = createServer(() => undefined);
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(
      () => new Promise<void>((resolve) => hang.close(() => resolve())),
      () => void hang.closeAllConnections(),
    );
    const target = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/`;
    const err = await rejection(
      sendNotification(channel({ target }), message, { deliveryId: 'd', now: NOW, timeoutMs: 300 }),
    );
    expect(err.code).toBe('E_DELIVERY_FAILED');
    expect(err.message).toBe('timeout after 0.3 s');
  });

  it('refuses targets that are not http(s) URLs', async () => {
    for (const target of ['file:///etc/passwd', 'ftp://example.org/x', 'not a url', 'http://user:pw@example.org/']) {
      expect(
        (
          await rejection(
            sendNotification(channel({ target }), message, { deliveryId: 'd', now: NOW, timeoutMs: 1000 }),
          )
        ).code,
      ).toBe('E_BAD_REQUEST');
    }
  });
});

describe('signature verification (what a receiver does)', () => {
  const ts = '1772434800';
  const body = '{"event":"digest"}';
  const sig = webhookSignature('k', ts, body);
  it.each([
    ['the right secret, body and timestamp', 'k', ts, body, sig, true],
    ['another secret', 'other', ts, body, sig, false],
    ['a changed body', 'k', ts, body + ' ', sig, false],
    ['a changed timestamp', 'k', '1772434801', body, sig, false],
    ['a truncated signature', 'k', ts, body, sig.slice(0, -1), false],
    ['no signature', 'k', ts, body, '', false],
    ['a non-numeric timestamp', 'k', 'abc', body, webhookSignature('k', 'abc', body), false],
  ])('%s → %s', (_what, secret, t, b, s, ok) => {
    expect(verifyWebhookSignature(secret, t, b, s)).toBe(ok);
  });
  it('matches an independently computed HMAC (printf "$ts.$body" | openssl dgst -sha256 -hmac k)', () => {
    expect(sig).toBe('sha256=39b9a18e121b59853195bd7f75cb4c765b7e58fa52176c233b2f65ae4e7f03f3');
  });
  it('rejects a stale timestamp when given the receiver clock', () => {
    expect(verifyWebhookSignature('k', ts, body, sig, { nowSeconds: Number(ts) + 299 })).toBe(true);
    expect(verifyWebhookSignature('k', ts, body, sig, { nowSeconds: Number(ts) + 301 })).toBe(false);
  });
});

describe('slack sender', () => {
  it('POSTs { text } with the subject and the body, mrkdwn-escaped', async () => {
    const rx = await startHttpReceiver();
    cleanups.push(rx.close);
    const m = { ...message, subject: 'Bulletin <DSA-1> & more', text: 'line one\nline two\n' };
    await sendNotification(channel({ kind: 'slack', target: rx.url }), m, {
      deliveryId: 'd',
      now: NOW,
      timeoutMs: 5000,
    });
    expect(rx.requests).toHaveLength(1);
    expect(JSON.parse(rx.requests[0]!.body)).toEqual({
      text: '*Bulletin &lt;DSA-1&gt; &amp; more*\nline one\nline two',
    });
    expect(rx.requests[0]!.headers['x-patchhive-signature']).toBeUndefined();
  });
});

describe('e-mail sender (real SMTP server on loopback)', () => {
  function mailer(port: number, over: { user?: string } = {}, password?: string): Mailer {
    const m = createMailer({ ...SMTP, port, ...over }, password, 5000);
    cleanups.push(() => m.close());
    return m;
  }

  it('delivers to every address with subject, plain text and HTML', async () => {
    const smtp = await startSmtpReceiver();
    cleanups.push(smtp.close);
    const ch = channel({ kind: 'email', target: 'ops@example.org, sec@example.org' });
    await sendNotification(ch, message, { deliveryId: 'd', now: NOW, timeoutMs: 5000, mailer: mailer(smtp.port) });
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.from).toBe('patchhive@example.org');
    expect(mail.to).toEqual(['ops@example.org', 'sec@example.org']);
    expect(mailHeader(mail.raw, 'Subject')).toBe(message.subject);
    expect(mailHeader(mail.raw, 'From')).toBe('patchhive@example.org');
    expect(mail.raw).toContain('Content-Type: text/plain');
    expect(mail.raw).toContain('A new critical bulletin affects 3 machines.');
    expect(mail.raw).toContain('Content-Type: text/html');
    expect(mail.raw).toContain('<p>A new critical bulletin affects 3 machines.</p>');
  });

  it('authenticates with the password it was given; a wrong one fails without the password in the message', async () => {
    const smtp = await startSmtpReceiver({ user: 'patchhive', password: 'correct horse' });
    cleanups.push(smtp.close);
    const ch = channel({ kind: 'email', target: 'ops@example.org' });
    await sendNotification(ch, message, {
      deliveryId: 'd',
      now: NOW,
      timeoutMs: 5000,
      mailer: mailer(smtp.port, { user: 'patchhive' }, 'correct horse'),
    });
    expect(smtp.mails.map((m) => m.user)).toEqual(['patchhive']);
    const err = await rejection(
      sendNotification(ch, message, {
        deliveryId: 'd',
        now: NOW,
        timeoutMs: 5000,
        mailer: mailer(smtp.port, { user: 'patchhive' }, 'battery staple'),
      }),
    );
    expect(err.code).toBe('E_DELIVERY_FAILED');
    expect(err.message).toBe('smtp EAUTH 535');
    expect(smtp.mails).toHaveLength(1);
  });

  it('refuses bad addresses before talking SMTP, and fails without a transport', async () => {
    const smtp = await startSmtpReceiver();
    cleanups.push(smtp.close);
    const m = mailer(smtp.port);
    for (const target of [
      '',
      'ops',
      'ops@example.org, not an address',
      'a@b.org\r\nBcc: evil@example.org',
      '"x"@example.org',
    ]) {
      const err = await rejection(
        sendNotification(channel({ kind: 'email', target }), message, {
          deliveryId: 'd',
          now: NOW,
          timeoutMs: 5000,
          mailer: m,
        }),
      );
      expect(err.code).toBe('E_BAD_REQUEST');
    }
    expect(smtp.mails).toEqual([]);
    const err = await rejection(
      sendNotification(channel({ kind: 'email', target: 'ops@example.org' }), message, {
        deliveryId: 'd',
        now: NOW,
        timeoutMs: 5000,
      }),
    );
    expect(err.code).toBe('E_DELIVERY_FAILED');
  });
});

describe('readSmtpPassword', () => {
  it('reads the file, drops one trailing newline, flags a file others can read, and never echoes content', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'patchhive-smtp-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'smtp-password');
    await writeFile(file, 'p4ss word\n', { mode: 0o600 });
    expect(await readSmtpPassword(file)).toEqual({ password: 'p4ss word', permissive: false });
    await chmod(file, 0o644);
    expect(await readSmtpPassword(file)).toEqual({ password: 'p4ss word', permissive: true });
    await writeFile(file, '\n');
    expect((await rejection(readSmtpPassword(file))).code).toBe('E_CONFIG_INVALID');
    const missing = await rejection(readSmtpPassword(path.join(dir, 'nope')));
    expect(missing.code).toBe('E_CONFIG_INVALID');
    expect(missing.message).toBe('cannot read the SMTP password file: ENOENT');
  });
});
