/** The e-mail channel: one nodemailer SMTP transport per process, plain text plus simple HTML. */
import nodemailer, { type Transporter } from 'nodemailer';
import { PatchhiveError } from '../../errors.js';
import { readSecretFile } from '../secret-text.js';
import type { ServerConfig } from '../config.js';
import type { ChannelRecord } from '../../store/ports.js';
import { parseEmailAddresses } from './channel-target.js';
import type { NotificationMessage } from './message-format.js';

/** The `notify.smtp` settings. */
export type SmtpConfig = ServerConfig['notify']['smtp'];

/** Sends mail through one SMTP transport (pooled connections are not needed at notification rates). */
export interface Mailer {
  send(mail: { to: string[]; subject: string; text: string; html?: string }): Promise<void>;
  close(): void;
}

/** The SMTP password from `passwordFile` (one trailing newline dropped); `permissive` when others may read the file. */
export async function readSmtpPassword(file: string): Promise<{ password: string; permissive: boolean }> {
  const { text, permissive } = await readSecretFile(file, 'SMTP password');
  return { password: text, permissive };
}

/** A Mailer over nodemailer's SMTP transport; the password is handed in, never read from config text. */
export function createMailer(smtp: SmtpConfig, password: string | undefined, timeoutMs: number): Mailer {
  const transporter: Transporter = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTls,
    auth: smtp.user ? { user: smtp.user, pass: password ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
    debug: false,
  });
  return {
    async send(mail) {
      try {
        await transporter.sendMail({
          from: smtp.from,
          to: mail.to.join(', '),
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
        });
      } catch (err) {
        throw new PatchhiveError('E_DELIVERY_FAILED', describeSmtpError(err), undefined, { cause: err });
      }
    },
    close: () => transporter.close(),
  };
}

/** Sends the message to the channel's addresses. */
export async function sendEmail(channel: ChannelRecord, message: NotificationMessage, mailer: Mailer): Promise<void> {
  await mailer.send({
    to: parseEmailAddresses(channel.target),
    subject: message.subject,
    text: message.text,
    html: message.html,
  });
}

/** "smtp EAUTH 535": nodemailer's error code and the server's reply code, never the reply text or credentials. */
function describeSmtpError(err: unknown): string {
  const e = err as { code?: unknown; responseCode?: unknown } | null;
  const code = typeof e?.code === 'string' && /^[A-Z0-9_]{1,40}$/.test(e.code) ? e.code : 'error';
  const reply = typeof e?.responseCode === 'number' ? ` ${e.responseCode}` : '';
  return `smtp ${code}${reply}`;
}
