import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../store/open.js';
import type { ChannelRecord, Store } from '../../store/ports.js';
import { createTestSqliteStore } from '../../store/test-support.js';
import { loadServerConfig } from '../config.js';
import type { NotificationMessage } from './message-format.js';
import { Notifier, type NotifyConfig } from './notifier.js';
import { mailHeader, startHttpReceiver, startSmtpReceiver } from './notify-test-support.js';

const START = Date.UTC(2026, 2, 2, 7, 0, 0);
const config: NotifyConfig = loadServerConfig({ env: {}, flags: {} }).notify; // defaults: 8 attempts, 30 s base, 6 h cap

/** A clock tests move by hand. */
function clock() {
  let t = START;
  return { now: () => new Date(t), advance: (seconds: number) => (t += seconds * 1000) };
}

/** A pino logger whose lines tests read back. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

const message = (over: Partial<NotificationMessage> = {}): NotificationMessage => ({
  event: 'bulletin.new',
  key: 'bulletin.new:DSA-1:h1',
  subject: 'New bulletin DSA-1',
  text: 'DSA-1 affects 3 machines.\n',
  data: { bulletinId: 'DSA-1', machines: 3 },
  ...over,
});

let seq = 0;
function channel(over: Partial<ChannelRecord>): ChannelRecord {
  const id = `ch-${++seq}`;
  return {
    id,
    name: `channel-${id}`,
    kind: 'webhook',
    target: 'http://127.0.0.1:9/never',
    secret: 'hunter2',
    events: ['bulletin.new'],
    minMachines: 0,
    groupIds: [],
    enabled: true,
    createdAt: new Date(START).toISOString(),
    ...over,
  };
}

let store: Store;
let storeUrl: string;
const cleanups: (() => Promise<void> | void)[] = [];
beforeEach(async () => {
  const s = await createTestSqliteStore();
  store = s.store;
  storeUrl = s.url;
  cleanups.push(s.cleanup);
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function notifier(c = clock(), over: Partial<ConstructorParameters<typeof Notifier>[0]> = {}) {
  const log = capturingLogger();
  const n = new Notifier({
    store: store.notifications,
    config,
    logger: log.logger,
    now: c.now,
    random: () => 0.5,
    ...over,
  });
  cleanups.push(() => n.stop());
  return { n, clock: c, lines: log.lines };
}

describe('Notifier.publish', () => {
  it('queues one delivery per enabled, subscribed channel whose group and machine filters match; never twice', async () => {
    const chans = {
      all: channel({}),
      web: channel({ groupIds: ['g-web'] }),
      db: channel({ groupIds: ['g-db'] }),
      big: channel({ minMachines: 10 }),
      off: channel({ enabled: false }),
      digestOnly: channel({ events: ['digest'] }),
    };
    for (const c of Object.values(chans)) await store.notifications.createChannel(c);
    const { n } = notifier();
    expect(await n.publish(message(), { groupIds: ['g-web', 'g-x'], machines: 3 })).toBe(2);
    expect(await n.publish(message(), { groupIds: ['g-web', 'g-x'], machines: 3 })).toBe(0);
    expect(await n.publish(message({ key: 'bulletin.new:DSA-2:h1' }), { groupIds: [], machines: 12 })).toBe(2);
    const queued = await store.notifications.listDeliveries({});
    const byChannel = (id: string) =>
      queued
        .filter((d) => d.channelId === id)
        .map((d) => d.eventKey)
        .sort();
    expect(byChannel(chans.all.id)).toEqual(['bulletin.new:DSA-1:h1', 'bulletin.new:DSA-2:h1']);
    expect(byChannel(chans.web.id)).toEqual(['bulletin.new:DSA-1:h1']);
    expect(byChannel(chans.big.id)).toEqual(['bulletin.new:DSA-2:h1']);
    for (const c of [chans.db, chans.off, chans.digestOnly]) expect(byChannel(c.id)).toEqual([]);
    // minMachines applies to bulletin.new only
    expect(await n.publish(message({ event: 'digest', key: 'digest:o:d' }), { groupIds: [] })).toBe(1);
    expect(queued[0]).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: new Date(START).toISOString() });
    expect(JSON.parse(queued[0]!.payloadJson)).toMatchObject({ event: 'bulletin.new', subject: 'New bulletin DSA-1' });
  });
});

describe('Notifier.queueTo', () => {
  it('queues to one channel whatever it subscribes to, once per key', async () => {
    const c = channel({ events: ['digest'], groupIds: ['g-other'] });
    await store.notifications.createChannel(c);
    const { n } = notifier();
    const test = message({ key: 'test:1' });
    expect(await n.queueTo(c, test)).toBe(1);
    expect(await n.queueTo(c, test)).toBe(0);
    expect((await store.notifications.listDeliveries({ channelId: c.id })).map((d) => [d.eventKey, d.status])).toEqual([
      ['test:1', 'pending'],
    ]);
  });
});

describe('Notifier.deliverDue', () => {
  it('delivers a signed webhook that verifies, and an e-mail through a real SMTP server', async () => {
    const rx = await startHttpReceiver({ secret: 'hunter2' });
    const smtp = await startSmtpReceiver();
    cleanups.push(rx.close, smtp.close);
    const hook = channel({ target: rx.url });
    const mail = channel({ kind: 'email', target: 'ops@example.org', secret: null });
    await store.notifications.createChannel(hook);
    await store.notifications.createChannel(mail);
    const { n } = notifier(clock(), {
      config: { ...config, smtp: { ...config.smtp, host: '127.0.0.1', port: smtp.port, from: 'hive@example.org' } },
    });
    expect(await n.publish(message(), { groupIds: [], machines: 3 })).toBe(2);
    expect(await n.deliverDue()).toBe(2);
    expect(rx.requests).toHaveLength(1);
    expect(rx.requests[0]!.verified).toBe(true);
    const log = await store.notifications.listDeliveries({ channelId: hook.id });
    expect(rx.requests[0]!.headers['x-patchhive-delivery']).toBe(log[0]!.id);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]).toMatchObject({ from: 'hive@example.org', to: ['ops@example.org'] });
    expect(mailHeader(smtp.mails[0]!.raw, 'Subject')).toBe('New bulletin DSA-1');
    expect(smtp.mails[0]!.raw).toContain('DSA-1 affects 3 machines.');
    const all = await store.notifications.listDeliveries({});
    expect(all.map((d) => [d.status, d.attempts, d.deliveredAt])).toEqual([
      ['delivered', 1, new Date(START).toISOString()],
      ['delivered', 1, new Date(START).toISOString()],
    ]);
    expect(await n.deliverDue()).toBe(0);
  });

  it('retries a failing receiver with backoff and delivers on the third attempt', async () => {
    const rx = await startHttpReceiver({ statuses: [500, 500, 200] });
    cleanups.push(rx.close);
    const c = channel({ target: rx.url });
    await store.notifications.createChannel(c);
    const { n, clock: clk } = notifier();
    await n.publish(message(), { groupIds: [], machines: 1 });

    expect(await n.deliverDue()).toBe(1);
    let [d] = await store.notifications.listDeliveries({ channelId: c.id });
    // random 0.5 → no jitter: the first retry is base (30 s) later
    expect(d).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'HTTP 500',
      nextAttemptAt: new Date(START + 30_000).toISOString(),
    });
    clk.advance(29);
    expect(await n.deliverDue()).toBe(0);
    expect(rx.requests).toHaveLength(1);

    clk.advance(2);
    expect(await n.deliverDue()).toBe(1);
    [d] = await store.notifications.listDeliveries({ channelId: c.id });
    expect(d).toMatchObject({
      status: 'pending',
      attempts: 2,
      lastError: 'HTTP 500',
      nextAttemptAt: new Date(START + 31_000 + 60_000).toISOString(),
    });

    clk.advance(60);
    expect(await n.deliverDue()).toBe(1);
    [d] = await store.notifications.listDeliveries({ channelId: c.id });
    expect(d).toMatchObject({
      status: 'delivered',
      attempts: 3,
      lastError: 'HTTP 500',
      nextAttemptAt: null,
      deliveredAt: new Date(START + 91_000).toISOString(),
    });
    expect(rx.requests.map((r) => r.status)).toEqual([500, 500, 200]);
    // the same delivery, retried: one id and one event key in every attempt
    expect(new Set(rx.requests.map((r) => r.headers['x-patchhive-delivery'])).size).toBe(1);
  });

  it('retries a receiver that rejects the signature (401), then gives up after maxAttempts and logs it', async () => {
    const rx = await startHttpReceiver({ secret: 'not-the-channel-secret' });
    cleanups.push(rx.close);
    const c = channel({ target: rx.url, secret: 'hunter2' });
    await store.notifications.createChannel(c);
    const {
      n,
      clock: clk,
      lines,
    } = notifier(clock(), { config: { ...config, retry: { maxAttempts: 3, baseSeconds: 10, maxSeconds: 15 } } });
    await n.publish(message(), { groupIds: [], machines: 1 });
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      await n.deliverDue();
      const [d] = await store.notifications.listDeliveries({ channelId: c.id });
      if (d!.nextAttemptAt) delays.push((Date.parse(d!.nextAttemptAt) - clk.now().getTime()) / 1000);
      clk.advance(3600);
    }
    expect(rx.requests.map((r) => r.status)).toEqual([401, 401, 401]);
    expect(delays).toEqual([10, 15]); // 10 s, then 20 s capped at 15 s
    const [d] = await store.notifications.listDeliveries({ channelId: c.id });
    expect(d).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'HTTP 401',
      nextAttemptAt: null,
      deliveredAt: null,
    });
    const gaveUp = lines.filter((l) => l.msg === 'notification delivery failed; giving up');
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatchObject({
      level: 40,
      channel: c.name,
      event: 'bulletin.new',
      attempts: 3,
      error: 'HTTP 401',
    });
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain('hunter2');
    expect(logged).not.toContain(rx.url);
  });

  it('applies ±20 % jitter from the random source', async () => {
    const c = channel({ target: 'http://127.0.0.1:9/closed' });
    await store.notifications.createChannel(c);
    for (const [random, seconds] of [
      [0, 24],
      [0.999999, 36],
    ] as const) {
      const clk = clock();
      const { n } = notifier(clk, { random: () => random });
      await n.publish(message({ key: `k-${random}` }), { groupIds: [], machines: 1 });
      await n.deliverDue();
      const d = (await store.notifications.listDeliveries({ channelId: c.id })).find(
        (x) => x.eventKey === `k-${random}`,
      )!;
      expect(d.lastError).toMatch(/^network error/);
      expect(Date.parse(d.nextAttemptAt!) - START).toBe(seconds * 1000);
    }
  });

  it('fails deliveries of a disabled channel at once, without sending', async () => {
    const rx = await startHttpReceiver();
    cleanups.push(rx.close);
    const c = channel({ target: rx.url });
    await store.notifications.createChannel(c);
    const { n } = notifier();
    await n.publish(message(), { groupIds: [], machines: 1 });
    await store.notifications.updateChannel(c.id, { enabled: false });
    await n.deliverDue();
    expect(rx.requests).toEqual([]);
    expect((await store.notifications.listDeliveries({ channelId: c.id }))[0]).toMatchObject({
      status: 'failed',
      lastError: 'channel disabled',
      attempts: 0,
    });
  });

  it('keeps queued deliveries across a restart (they live in the store)', async () => {
    const rx = await startHttpReceiver({ secret: 'hunter2' });
    cleanups.push(rx.close);
    const c = channel({ target: rx.url });
    await store.notifications.createChannel(c);
    const first = notifier();
    expect(await first.n.publish(message(), { groupIds: [], machines: 1 })).toBe(1);
    await first.n.stop();
    await store.close();

    store = await openStore(storeUrl);
    const reopened = store;
    cleanups.push(() => reopened.close());
    const { n } = notifier();
    expect(await n.deliverDue()).toBe(1);
    expect(rx.requests.map((r) => r.verified)).toEqual([true]);
    expect((await store.notifications.listDeliveries({}))[0]).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('start() delivers on its timer and stop() ends it', async () => {
    const rx = await startHttpReceiver({ secret: 'hunter2' });
    cleanups.push(rx.close);
    await store.notifications.createChannel(channel({ target: rx.url }));
    const { n } = notifier(clock(), { pollIntervalMs: 20 });
    await n.publish(message(), { groupIds: [], machines: 1 });
    n.start();
    await expect
      .poll(async () => (await store.notifications.listDeliveries({ status: 'delivered' })).length, { timeout: 5000 })
      .toBe(1);
    await n.stop();
    expect(rx.requests).toHaveLength(1);
  });
});
