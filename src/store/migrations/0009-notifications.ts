/** Notification channels and the delivery log. */
import type { Kysely, Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/** Creates the notification tables. */
export function notificationsMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('notification_channels')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('name', text, (c) => c.notNull().unique())
        .addColumn('kind', text, (c) => c.notNull())
        .addColumn('target', text, (c) => c.notNull())
        .addColumn('secret', text)
        .addColumn('events_json', text, (c) => c.notNull())
        .addColumn('min_machines', 'integer', (c) => c.notNull())
        .addColumn('group_ids_json', text, (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('notification_deliveries')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('channel_id', text, (c) => c.notNull().references('notification_channels.id').onDelete('cascade'))
        .addColumn('event', text, (c) => c.notNull())
        .addColumn('event_key', text, (c) => c.notNull())
        .addColumn('payload_json', text, (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', text)
        .addColumn('last_error', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('delivered_at', text)
        .addUniqueConstraint('notification_deliveries_channel_key', ['channel_id', 'event_key'])
        .execute();
      await db.schema
        .createIndex('notification_deliveries_due')
        .on('notification_deliveries')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('notification_deliveries_created')
        .on('notification_deliveries')
        .columns(['created_at'])
        .execute();
    },
  };
}
