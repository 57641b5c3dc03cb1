/**
 * Real receivers on loopback for the notification tests: an SMTP server (smtp-server) that keeps
 * what it receives, and an HTTP receiver that verifies webhook signatures with its own secret and
 * answers scripted statuses. For tests only.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { verifyWebhookSignature } from './signature.js';

/** One message the SMTP server accepted. */
export interface ReceivedMail {
  from: string;
  to: string[];
  user: string | undefined;
  raw: string;
}

/** An SMTP server on 127.0.0.1:<free port>; with `credentials`, AUTH is required and checked. */
export async function startSmtpReceiver(credentials?: { user: string; password: string }) {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: credentials ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !credentials,
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      if (credentials && auth.username === credentials.user && auth.password === credentials.password)
        cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        mails.push({
          from,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** One request the HTTP receiver got. */
export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether the signature verified with the receiver's secret. */
  verified: boolean;
  status: number;
}

/**
 * An HTTP receiver on loopback. With `secret`, a request whose signature does not verify gets 401.
 * Otherwise it answers the next of `statuses` (the last one repeats; default 200).
 */
export async function startHttpReceiver(opts: { secret?: string; statuses?: number[] } = {}) {
  const requests: ReceivedRequest[] = [];
  const statuses = [...(opts.statuses ?? [200])];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const ts = String(req.headers['x-patchhive-timestamp'] ?? '');
      const sig = String(req.headers['x-patchhive-signature'] ?? '');
      const verified = opts.secret !== undefined && verifyWebhookSignature(opts.secret, ts, body, sig);
      const status =
        opts.secret !== undefined && !verified ? 401 : statuses.length > 1 ? statuses.shift()! : statuses[0]!;
      requests.push({ headers: req.headers, body, verified, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 401 ? 'bad signature' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The decoded value of a header in a raw RFC 5322 message (first occurrence, unfolded). */
export function mailHeader(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(name.toLowerCase() + ':'));
  return line?.slice(name.length + 1).trim();
}
