/**
 * The notifier: turns a message into queued deliveries (one per matching channel, stored durably
 * so they survive a restart) and delivers what is due, retrying failures with exponential backoff
 * until the attempts are used up. The clock, random source, ids and timer are injectable.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Random } from '../../common/backoff.js';
import type { ChannelRecord, DeliveryRecord, NotificationStore } from '../../store/ports.js';
import type { ServerConfig } from '../config.js';
import { createMailer, type Mailer } from './email-sender.js';
import type { NotificationMessage } from './message-format.js';
import { nextAttemptAt } from './retry.js';
import { sendNotification } from './senders.js';

/** The `notify` settings. */
export type NotifyConfig = ServerConfig['notify'];

/** What a message is about: the groups it concerns and, for bulletin.new, how many machines it hits. */
export interface PublishScope {
  groupIds: string[];
  machines?: number;
}

export interface NotifierOptions {
  store: NotificationStore;
  config: NotifyConfig;
  logger: Logger;
  now: () => Date;
  random?: Random;
  newId?: () => string;
  /** The SMTP password (read from config.smtp.passwordFile by the entry point). */
  smtpPassword?: string;
  /** A ready mailer instead of one built from config.smtp. */
  mailer?: Mailer;
  /** undici dispatcher for webhook and Slack requests (a proxy agent). */
  dispatcher?: Dispatcher;
  /** How often start() runs deliverDue (default 5 s). */
  pollIntervalMs?: number;
  /** Deliveries sent at once (default 4). */
  concurrency?: number;
}

/** Deliveries fetched per round of deliverDue. */
const DUE_BATCH = 100;
/** Longest stored error text. */
const MAX_ERROR_CHARS = 300;

/** Queues and delivers notifications. */
export class Notifier {
  private mailer: Mailer | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly opts: NotifierOptions) {
    this.mailer = opts.mailer;
  }

  /**
   * Queues one delivery per enabled channel subscribed to the event whose group filter matches
   * (an empty filter matches everything) and, for bulletin.new, whose minMachines ≤ machines.
   * A message already queued for a channel (same key) is skipped. Returns how many were queued.
   */
  async publish(message: NotificationMessage, scope: PublishScope): Promise<number> {
    const channels = (await this.opts.store.listChannels()).filter((c) => channelWants(c, message, scope));
    if (channels.length === 0) return 0;
    const at = this.opts.now().toISOString();
    const deliveries = channels.map((c) => this.pendingDelivery(c, message, at));
    return this.opts.store.enqueue(deliveries);
  }

  /** Queues a message to one channel whatever its subscriptions (a test message); returns 1 or 0 (duplicate key). */
  async queueTo(channel: ChannelRecord, message: NotificationMessage): Promise<number> {
    return this.opts.store.enqueue([this.pendingDelivery(channel, message, this.opts.now().toISOString())]);
  }

  /**
   * Sends every delivery due now, a few at a time, and records each outcome. A call while one is
   * running joins it. Returns how many deliveries were attempted.
   */
  deliverDue(): Promise<number> {
    this.running ??= this.deliverAll().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Runs deliverDue every pollIntervalMs until stop(). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.deliverDue().catch((err) =>
        this.opts.logger.error({ err: (err as Error).message }, 'notification delivery round failed'),
      );
    }, this.opts.pollIntervalMs ?? 5000);
    this.timer.unref();
  }

  /** Stops the timer, waits for a running round, closes the SMTP transport. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    this.mailer?.close();
    this.mailer = undefined;
  }

  private async deliverAll(): Promise<number> {
    let attempted = 0;
    const seen = new Set<string>();
    const channels = new Map<string, ChannelRecord | undefined>();
    for (;;) {
      // `seen` stops a round from taking the same delivery twice (one retried with no delay).
      const batch = (await this.opts.store.due(this.opts.now().toISOString(), DUE_BATCH)).filter(
        (d) => !seen.has(d.id),
      );
      if (batch.length === 0) return attempted;
      for (const d of batch) seen.add(d.id);
      await inParallel(batch, this.opts.concurrency ?? 4, async (d) => {
        if (!channels.has(d.channelId)) channels.set(d.channelId, await this.opts.store.getChannel(d.channelId));
        await this.attempt(d, channels.get(d.channelId));
      });
      attempted += batch.length;
    }
  }

  private async attempt(d: DeliveryRecord, channel: ChannelRecord | undefined): Promise<void> {
    if (!channel) return; // deleted meanwhile: its deliveries went with it (cascade)
    if (!channel.enabled) {
      // failed at once: a pending delivery of a disabled channel would sit at the head of the queue for ever
      await this.opts.store.markAttemptFailed(d.id, 'channel disabled', d.attempts, null);
      return;
    }
    const attempts = d.attempts + 1;
    const now = this.opts.now();
    try {
      const message = JSON.parse(d.payloadJson) as NotificationMessage;
      await sendNotification(channel, message, {
        deliveryId: d.id,
        now,
        timeoutMs: this.opts.config.timeoutSeconds * 1000,
        mailer: channel.kind === 'email' ? this.getMailer() : undefined,
        dispatcher: this.opts.dispatcher,
      });
    } catch (err) {
      const error = (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_CHARS);
      const next = nextAttemptAt(attempts, this.opts.now(), this.opts.config.retry, this.opts.random ?? Math.random);
      await this.opts.store.markAttemptFailed(d.id, error, attempts, next);
      if (next === null) {
        this.opts.logger.warn(
          { channel: channel.name, event: d.event, attempts, error },
          'notification delivery failed; giving up',
        );
      } else {
        this.opts.logger.debug(
          { channel: channel.name, event: d.event, attempts, error, nextAttemptAt: next },
          'notification delivery failed; will retry',
        );
      }
      return;
    }
    await this.opts.store.markDelivered(d.id, this.opts.now().toISOString(), attempts);
  }

  /** One SMTP transport per notifier (the server builds one notifier), made on first use. */
  private getMailer(): Mailer {
    this.mailer ??= createMailer(this.opts.config.smtp, this.opts.smtpPassword, this.opts.config.timeoutSeconds * 1000);
    return this.mailer;
  }

  /** A delivery of `message` to `channel`, due at once. */
  private pendingDelivery(channel: ChannelRecord, message: NotificationMessage, at: string): DeliveryRecord {
    return {
      id: (this.opts.newId ?? randomUUID)(),
      channelId: channel.id,
      event: message.event,
      eventKey: message.key,
      payloadJson: JSON.stringify(message),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at,
      lastError: null,
      createdAt: at,
      deliveredAt: null,
    };
  }
}

/** True when the channel is enabled, subscribed to the event, and its group and size filters pass. */
export function channelWants(c: ChannelRecord, message: NotificationMessage, scope: PublishScope): boolean {
  if (!c.enabled || !c.events.includes(message.event)) return false;
  if (c.groupIds.length > 0 && !scope.groupIds.some((g) => c.groupIds.includes(g))) return false;
  if (message.event === 'bulletin.new' && (scope.machines ?? 0) < c.minMachines) return false;
  return true;
}

/** Runs `work` over `items` with at most `limit` at once; rejects after all settle if any failed. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item).catch((err: unknown) => errors.push(err));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length > 0) throw errors[0];
}
