/** NotificationStore on Kysely: notification channels and the delivery log. */
import type { Kysely, Selectable } from 'kysely';
import type { ChannelKind, ChannelRecord, DeliveryRecord, NotificationEvent, NotificationStore } from './ports.js';
import {
  chunk,
  definedOnly,
  fromFlag,
  fromJson,
  requireTouched,
  ROWS_PER_INSERT,
  toCount,
  toFlag,
  toJson,
  updateById,
  type StoreKind,
} from './sql-util.js';
import { guardArea } from './store-errors.js';

/** A row of `notification_channels`. */
export interface ChannelRow {
  id: string;
  name: string;
  kind: string;
  target: string;
  secret: string | null;
  events_json: string;
  min_machines: number | string;
  group_ids_json: string;
  enabled: number;
  created_at: string;
}

/** A row of `notification_deliveries`: one message to one channel. */
export interface DeliveryRow {
  id: string;
  channel_id: string;
  event: string;
  event_key: string;
  payload_json: string;
  status: string;
  attempts: number | string;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

/** The tables the notifications area owns. */
export interface NotificationTables {
  notification_channels: ChannelRow;
  notification_deliveries: DeliveryRow;
}

function channelFromRow(r: Selectable<ChannelRow>): ChannelRecord {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind as ChannelKind,
    target: r.target,
    secret: r.secret,
    events: fromJson<NotificationEvent[]>(r.events_json) ?? [],
    minMachines: toCount(r.min_machines),
    groupIds: fromJson<string[]>(r.group_ids_json) ?? [],
    enabled: fromFlag(r.enabled),
    createdAt: r.created_at,
  };
}

function deliveryFromRow(r: Selectable<DeliveryRow>): DeliveryRecord {
  return {
    id: r.id,
    channelId: r.channel_id,
    event: r.event as NotificationEvent,
    eventKey: r.event_key,
    payloadJson: r.payload_json,
    status: r.status as DeliveryRecord['status'],
    attempts: toCount(r.attempts),
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
  };
}

function deliveryToRow(d: DeliveryRecord): DeliveryRow {
  return {
    id: d.id,
    channel_id: d.channelId,
    event: d.event,
    event_key: d.eventKey,
    payload_json: d.payloadJson,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.nextAttemptAt,
    last_error: d.lastError,
    created_at: d.createdAt,
    delivered_at: d.deliveredAt,
  };
}

const channelNotFound = (id: string) => `no notification channel with id ${id}`;
const deliveryNotFound = (id: string) => `no notification delivery with id ${id}`;

/** Builds the notification store over `db`. */
export function createNotificationStore(db: Kysely<NotificationTables>, _kind: StoreKind): NotificationStore {
  const store: NotificationStore = {
    async createChannel(c) {
      await db
        .insertInto('notification_channels')
        .values({
          id: c.id,
          name: c.name,
          kind: c.kind,
          target: c.target,
          secret: c.secret,
          events_json: toJson(c.events),
          min_machines: c.minMachines,
          group_ids_json: toJson(c.groupIds),
          enabled: toFlag(c.enabled),
          created_at: c.createdAt,
        })
        .execute();
    },
    async getChannel(id) {
      const r = await db.selectFrom('notification_channels').selectAll().where('id', '=', id).executeTakeFirst();
      return r && channelFromRow(r);
    },
    async getChannelByName(name) {
      const r = await db.selectFrom('notification_channels').selectAll().where('name', '=', name).executeTakeFirst();
      return r && channelFromRow(r);
    },
    async listChannels() {
      return (await db.selectFrom('notification_channels').selectAll().orderBy('name').orderBy('id').execute()).map(
        channelFromRow,
      );
    },
    async updateChannel(id, patch) {
      const set = definedOnly({
        name: patch.name,
        kind: patch.kind,
        target: patch.target,
        secret: patch.secret,
        events_json: patch.events === undefined ? undefined : toJson(patch.events),
        min_machines: patch.minMachines,
        group_ids_json: patch.groupIds === undefined ? undefined : toJson(patch.groupIds),
        enabled: patch.enabled === undefined ? undefined : toFlag(patch.enabled),
      });
      await updateById(db, 'notification_channels', id, set, 'E_CHANNEL_NOT_FOUND', channelNotFound(id));
    },
    async deleteChannel(id) {
      const res = await db.deleteFrom('notification_channels').where('id', '=', id).executeTakeFirst();
      requireTouched(res, 'E_CHANNEL_NOT_FOUND', channelNotFound(id));
    },
    async enqueue(deliveries) {
      let queued = 0;
      // ON CONFLICT DO NOTHING (no target): a duplicate (channel_id, event_key) — or id — is skipped,
      // also when two servers publish the same event at once; RETURNING counts what really went in.
      for (const part of chunk(deliveries, ROWS_PER_INSERT)) {
        const rows = await db
          .insertInto('notification_deliveries')
          .values(part.map(deliveryToRow))
          .onConflict((oc) => oc.doNothing())
          .returning('id')
          .execute();
        queued += rows.length;
      }
      return queued;
    },
    async due(now, limit) {
      const rows = await db
        .selectFrom('notification_deliveries')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(deliveryFromRow);
    },
    async markDelivered(id, at, attempts) {
      const set = { status: 'delivered', delivered_at: at, attempts, next_attempt_at: null };
      await updateById(db, 'notification_deliveries', id, set, 'E_NOT_FOUND', deliveryNotFound(id));
    },
    async markAttemptFailed(id, error, attempts, nextAttemptAt) {
      const set = {
        status: nextAttemptAt === null ? 'failed' : 'pending',
        last_error: error,
        attempts,
        next_attempt_at: nextAttemptAt,
      };
      await updateById(db, 'notification_deliveries', id, set, 'E_NOT_FOUND', deliveryNotFound(id));
    },
    async listDeliveries(filter) {
      let q = db.selectFrom('notification_deliveries').selectAll();
      if (filter.channelId !== undefined) q = q.where('channel_id', '=', filter.channelId);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      q = q.orderBy('created_at', 'desc').orderBy('id', 'desc');
      if (filter.limit !== undefined) q = q.limit(filter.limit);
      return (await q.execute()).map(deliveryFromRow);
    },
  };
  return guardArea(store, {
    noun: 'notification channel or delivery',
    missingReference: { code: 'E_CHANNEL_NOT_FOUND', message: "the delivery's notification channel does not exist" },
  });
}
