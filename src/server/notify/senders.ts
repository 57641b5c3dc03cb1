/** Sends one message to one channel, by the channel's kind. */
import type { Dispatcher } from 'undici';
import { PatchhiveError } from '../../errors.js';
import type { ChannelRecord } from '../../store/ports.js';
import { sendEmail, type Mailer } from './email-sender.js';
import { sendSlack, sendWebhook } from './http-senders.js';
import type { NotificationMessage } from './message-format.js';

export { checkChannelTarget, isEmailAddress, parseChannelUrl, parseEmailAddresses } from './channel-target.js';

/** What a delivery attempt needs: the delivery id (webhook header), the time, a timeout, the mailer and HTTP dispatcher. */
export interface SendDeps {
  deliveryId: string;
  now: Date;
  timeoutMs: number;
  /** Required for e-mail channels. */
  mailer?: Mailer;
  dispatcher?: Dispatcher;
}

/** Delivers `message` to `channel`; resolves when accepted (HTTP 2xx, SMTP 250), else rejects with E_DELIVERY_FAILED or E_BAD_REQUEST. */
export async function sendNotification(
  channel: ChannelRecord,
  message: NotificationMessage,
  deps: SendDeps,
): Promise<void> {
  switch (channel.kind) {
    case 'webhook':
      return sendWebhook(channel, message, deps);
    case 'slack':
      return sendSlack(channel, message, deps);
    case 'email':
      if (!deps.mailer) throw new PatchhiveError('E_DELIVERY_FAILED', 'no SMTP transport is configured');
      return sendEmail(channel, message, deps.mailer);
    default:
      throw new PatchhiveError('E_DELIVERY_FAILED', `unknown channel kind ${JSON.stringify(channel.kind)}`);
  }
}
