/** Contract of NotificationStore: channels and the delivery log (queue, due, outcomes, cascade). */
import { describe, expect, it } from 'vitest';
import type { ChannelRecord, DeliveryRecord } from '../ports.js';
import { at, expectStoreError, uid, type ContractContext } from './builders.js';

/** A webhook channel record. */
function channel(over: Partial<ChannelRecord> = {}): ChannelRecord {
  const id = over.id ?? uid('ch');
  return {
    id,
    name: `channel-${id}`,
    kind: 'webhook',
    target: 'https://hooks.example.org/patchhive',
    secret: 's3cret',
    events: ['bulletin.new', 'findings.overdue'],
    minMachines: 1,
    groupIds: [],
    enabled: true,
    createdAt: at(0),
    ...over,
  };
}

/** A pending delivery to `channelId`, due at `createdAt`. */
function delivery(channelId: string, over: Partial<DeliveryRecord> = {}): DeliveryRecord {
  const id = over.id ?? uid('dl');
  const createdAt = over.createdAt ?? at(0);
  return {
    id,
    channelId,
    event: 'bulletin.new',
    eventKey: `bulletin.new:${id}:h1`,
    payloadJson: JSON.stringify({ event: 'bulletin.new', subject: 'New bulletin' }),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: createdAt,
    lastError: null,
    createdAt,
    deliveredAt: null,
    ...over,
  };
}

/** Defines the NotificationStore tests for one adapter. */
export function notificationContract(ctx: ContractContext): void {
  describe('notifications', () => {
    it('creates channels, reads them by id and name, lists by name, updates and deletes', async () => {
      const s = ctx.store().notifications;
      const tag = uid('chan');
      const b = channel({
        name: `${tag}-b`,
        kind: 'email',
        target: 'ops@example.org, sec@example.org',
        secret: null,
        groupIds: ['g1', 'g2'],
      });
      const a = channel({ name: `${tag}-a`, kind: 'slack', secret: null, enabled: false, minMachines: 0 });
      await s.createChannel(b);
      await s.createChannel(a);
      expect(await s.getChannel(b.id)).toEqual(b);
      expect(await s.getChannelByName(a.name)).toEqual(a);
      expect(await s.getChannel(uid('missing'))).toBeUndefined();
      expect(await s.getChannelByName(uid('missing'))).toBeUndefined();
      expect((await s.listChannels()).filter((c) => c.name.startsWith(tag))).toEqual([a, b]);
      await expectStoreError(s.createChannel(channel({ name: a.name })), 'E_CONFLICT');

      await s.updateChannel(b.id, { events: ['digest'], groupIds: [], enabled: false, minMachines: 5, secret: 'new' });
      expect(await s.getChannel(b.id)).toEqual({
        ...b,
        events: ['digest'],
        groupIds: [],
        enabled: false,
        minMachines: 5,
        secret: 'new',
      });
      await s.updateChannel(b.id, {});
      await expectStoreError(s.updateChannel(b.id, { name: a.name }), 'E_CONFLICT');
      await expectStoreError(s.updateChannel(uid('missing'), { enabled: true }), 'E_CHANNEL_NOT_FOUND');
      await s.deleteChannel(a.id);
      expect(await s.getChannel(a.id)).toBeUndefined();
      await expectStoreError(s.deleteChannel(a.id), 'E_CHANNEL_NOT_FOUND');
    });

    it('queues deliveries once per (channel, event key) and counts only what it queued', async () => {
      const s = ctx.store().notifications;
      const [c1, c2] = [channel(), channel()];
      await s.createChannel(c1);
      await s.createChannel(c2);
      const d1 = delivery(c1.id, { eventKey: 'bulletin.new:DSA-1:h1' });
      const d2 = delivery(c2.id, { eventKey: 'bulletin.new:DSA-1:h1' });
      expect(await s.enqueue([d1, d2])).toBe(2);
      // same key again (a new id), a duplicate inside one batch, and a reused id: only the fresh one counts
      const again = delivery(c1.id, { eventKey: d1.eventKey });
      const fresh = delivery(c1.id, { eventKey: 'bulletin.new:DSA-2:h1' });
      const twin = delivery(c1.id, { eventKey: fresh.eventKey });
      const reusedId = delivery(c2.id, { id: d2.id, eventKey: 'other' });
      expect(await s.enqueue([again, fresh, twin, reusedId])).toBe(1);
      expect(await s.enqueue([])).toBe(0);
      const listed = await s.listDeliveries({ channelId: c1.id });
      expect(listed.map((d) => d.eventKey).sort()).toEqual(['bulletin.new:DSA-1:h1', 'bulletin.new:DSA-2:h1']);
      expect(listed.find((d) => d.id === d1.id)).toEqual(d1);
      await expectStoreError(s.enqueue([delivery(uid('missing'))]), 'E_CHANNEL_NOT_FOUND');
    });

    it('hands out due pending deliveries oldest first, up to the limit', async () => {
      const s = ctx.store().notifications;
      const c = channel();
      await s.createChannel(c);
      // a far-future window so other tests' deliveries (all around at(0)) do not interfere
      const base = 1_000_000;
      const late = delivery(c.id, { createdAt: at(base + 3), nextAttemptAt: at(base + 3) });
      const early = delivery(c.id, { createdAt: at(base + 1), nextAttemptAt: at(base + 1) });
      const middle = delivery(c.id, { createdAt: at(base + 2), nextAttemptAt: at(base + 2) });
      const notYet = delivery(c.id, { createdAt: at(base + 1), nextAttemptAt: at(base + 50) });
      const done = delivery(c.id, {
        createdAt: at(base),
        status: 'delivered',
        nextAttemptAt: null,
        deliveredAt: at(base),
        attempts: 1,
      });
      const failed = delivery(c.id, {
        createdAt: at(base),
        status: 'failed',
        nextAttemptAt: null,
        attempts: 8,
        lastError: 'HTTP 500',
      });
      expect(await s.enqueue([late, early, middle, notYet, done, failed])).toBe(6);
      const mine = (list: DeliveryRecord[]) => list.filter((d) => d.channelId === c.id).map((d) => d.id);
      expect(mine(await s.due(at(base + 10), 1000))).toEqual([early.id, middle.id, late.id]);
      expect(mine(await s.due(at(base + 2), 1000))).toEqual([early.id, middle.id]);
      expect(mine(await s.due(at(base + 100), 1000))).toEqual([early.id, notYet.id, middle.id, late.id]);
      expect(await s.due(at(base + 100), 2)).toHaveLength(2);
      expect(await s.due(at(-1_000_000), 10)).toEqual([]);
    });

    it('records delivered and failed attempts', async () => {
      const s = ctx.store().notifications;
      const c = channel();
      await s.createChannel(c);
      const base = 2_000_000;
      const [ok, retry, dead] = [1, 2, 3].map((n) =>
        delivery(c.id, { createdAt: at(base + n), nextAttemptAt: at(base + n) }),
      );
      await s.enqueue([ok!, retry!, dead!]);

      await s.markAttemptFailed(ok!.id, 'HTTP 500', 1, at(base + 10));
      await s.markDelivered(ok!.id, at(base + 11), 2);
      expect((await s.listDeliveries({ channelId: c.id, status: 'delivered' }))[0]).toEqual({
        ...ok,
        status: 'delivered',
        attempts: 2,
        lastError: 'HTTP 500',
        nextAttemptAt: null,
        deliveredAt: at(base + 11),
      });

      await s.markAttemptFailed(retry!.id, 'timeout', 1, at(base + 20));
      const pending = await s.listDeliveries({ channelId: c.id, status: 'pending' });
      expect(pending).toEqual([dead, { ...retry, attempts: 1, lastError: 'timeout', nextAttemptAt: at(base + 20) }]);
      expect((await s.due(at(base + 19), 1000)).some((d) => d.id === retry!.id)).toBe(false);
      expect((await s.due(at(base + 20), 1000)).some((d) => d.id === retry!.id)).toBe(true);

      await s.markAttemptFailed(dead!.id, 'HTTP 401', 8, null);
      expect(await s.listDeliveries({ channelId: c.id, status: 'failed' })).toEqual([
        { ...dead, status: 'failed', attempts: 8, lastError: 'HTTP 401', nextAttemptAt: null },
      ]);
      expect((await s.due(at(base + 1000), 1000)).some((d) => d.id === dead!.id)).toBe(false);

      await expectStoreError(s.markDelivered(uid('missing'), at(1), 1), 'E_NOT_FOUND');
      await expectStoreError(s.markAttemptFailed(uid('missing'), 'x', 1, null), 'E_NOT_FOUND');
    });

    it('lists deliveries newest first with channel, status and limit filters', async () => {
      const s = ctx.store().notifications;
      const [c1, c2] = [channel(), channel()];
      await s.createChannel(c1);
      await s.createChannel(c2);
      const d = [1, 2, 3].map((n) => delivery(c1.id, { createdAt: at(n) }));
      const other = delivery(c2.id, { createdAt: at(4), status: 'failed', nextAttemptAt: null });
      await s.enqueue([...d, other]);
      expect((await s.listDeliveries({ channelId: c1.id })).map((x) => x.id)).toEqual([d[2]!.id, d[1]!.id, d[0]!.id]);
      expect((await s.listDeliveries({ channelId: c1.id, limit: 2 })).map((x) => x.id)).toEqual([d[2]!.id, d[1]!.id]);
      expect(await s.listDeliveries({ channelId: c1.id, status: 'failed' })).toEqual([]);
      expect(await s.listDeliveries({ channelId: c2.id, status: 'failed' })).toEqual([other]);
      const all = await s.listDeliveries({});
      expect(all.map((x) => x.id)).toEqual(expect.arrayContaining([...d.map((x) => x.id), other.id]));
      expect(await s.listDeliveries({ limit: 1 })).toHaveLength(1);
    });

    it('deleting a channel deletes its deliveries', async () => {
      const s = ctx.store().notifications;
      const [gone, kept] = [channel(), channel()];
      await s.createChannel(gone);
      await s.createChannel(kept);
      await s.enqueue([delivery(gone.id), delivery(gone.id), delivery(kept.id)]);
      await s.deleteChannel(gone.id);
      expect(await s.listDeliveries({ channelId: gone.id })).toEqual([]);
      expect(await s.listDeliveries({ channelId: kept.id })).toHaveLength(1);
      // its key is free again for a new channel of the same name
      await s.createChannel({ ...gone, id: uid('ch') });
    });
  });
}
