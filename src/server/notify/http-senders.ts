/** The HTTP channels: signed JSON webhooks and Slack-compatible incoming webhooks. */
import { request, type Dispatcher } from 'undici';
import { PatchhiveError } from '../../errors.js';
import type { ChannelRecord } from '../../store/ports.js';
import { parseChannelUrl } from './channel-target.js';
import { escapeSlack, slackText } from './slack-text.js';
import type { NotificationMessage } from './message-format.js';
import { webhookSignature } from './signature.js';

/** What one HTTP delivery attempt needs besides channel and message. */
export interface HttpSendContext {
  deliveryId: string;
  now: Date;
  timeoutMs: number;
  /** undici dispatcher (a proxy agent); default: undici's global one. */
  dispatcher?: Dispatcher;
}

/** The JSON body of a webhook delivery. */
export interface WebhookBody {
  event: string;
  key: string;
  sentAt: string;
  data: Record<string, unknown>;
}

/** POSTs `{ event, key, sentAt, data }` signed with the channel's secret; resolves on 2xx, else E_DELIVERY_FAILED. */
export async function sendWebhook(
  channel: ChannelRecord,
  message: NotificationMessage,
  ctx: HttpSendContext,
): Promise<void> {
  const body: WebhookBody = {
    event: message.event,
    key: message.key,
    sentAt: ctx.now.toISOString(),
    data: message.data,
  };
  const raw = JSON.stringify(body);
  const timestamp = String(Math.floor(ctx.now.getTime() / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'patchhive-notifier',
    'x-patchhive-event': message.event,
    'x-patchhive-delivery': ctx.deliveryId,
    'x-patchhive-timestamp': timestamp,
  };
  // A webhook without a secret is sent unsigned (the receiver cannot tell it from a forgery; the API should require one).
  if (channel.secret) headers['x-patchhive-signature'] = webhookSignature(channel.secret, timestamp, raw);
  await postJson(channel.target, raw, headers, ctx);
}

/** POSTs `{ text }` (Slack's incoming-webhook format) with a short summary of the message. */
export async function sendSlack(
  channel: ChannelRecord,
  message: NotificationMessage,
  ctx: HttpSendContext,
): Promise<void> {
  const text = slackText(escapeSlack(message.subject), escapeSlack(message.text));
  await postJson(
    channel.target,
    JSON.stringify({ text }),
    { 'content-type': 'application/json', 'user-agent': 'patchhive-notifier' },
    ctx,
  );
}

/**
 * One POST with a whole-request timeout; redirects are not followed. Failure messages hold the
 * status code or the network error's code only: never the URL (a Slack URL is a credential),
 * the secret or the response body.
 */
async function postJson(
  target: string,
  body: string,
  headers: Record<string, string>,
  ctx: HttpSendContext,
): Promise<void> {
  const url = parseChannelUrl(target);
  let status: number;
  try {
    const res = await request(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(ctx.timeoutMs),
      headersTimeout: ctx.timeoutMs,
      bodyTimeout: ctx.timeoutMs,
      ...(ctx.dispatcher ? { dispatcher: ctx.dispatcher } : {}),
    });
    status = res.statusCode;
    await res.body.dump().catch(() => undefined);
  } catch (err) {
    throw new PatchhiveError('E_DELIVERY_FAILED', describeNetworkError(err, ctx.timeoutMs), undefined, { cause: err });
  }
  if (status < 200 || status > 299) throw new PatchhiveError('E_DELIVERY_FAILED', `HTTP ${status}`);
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

function describeNetworkError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string } } | null;
  const code = e?.code ?? e?.cause?.code;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || (code && TIMEOUT_CODES.has(code)))
    return `timeout after ${timeoutMs / 1000} s`;
  return `network error${code && /^[A-Z0-9_]{1,40}$/.test(code) ? ` (${code})` : ''}`;
}
