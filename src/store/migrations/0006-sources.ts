/** Sources: catalog sources, their sync state and sync history. */
import type { Kysely, Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/** Creates the sources tables. */
export function sourcesMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sources')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('name', text, (c) => c.notNull().unique())
        .addColumn('url', text, (c) => c.notNull())
        .addColumn('format', text)
        .addColumn('release', text)
        .addColumn('schedule', text)
        .addColumn('signing_key', text)
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('source_sync_states')
        .addColumn('source_id', text, (c) => c.primaryKey().references('sources.id').onDelete('cascade'))
        .addColumn('etag', text)
        .addColumn('last_modified', text)
        .addColumn('good_path', text)
        .addColumn('good_sha256', text)
        .addColumn('good_at', text)
        .execute();
      await db.schema
        .createTable('source_syncs')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('source_id', text, (c) => c.notNull().references('sources.id').onDelete('cascade'))
        .addColumn('started_at', text, (c) => c.notNull())
        .addColumn('finished_at', text, (c) => c.notNull())
        .addColumn('result', text, (c) => c.notNull())
        .addColumn('message', text)
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('diff_json', text)
        .execute();
      await db.schema
        .createIndex('source_syncs_source_started')
        .on('source_syncs')
        .columns(['source_id', 'started_at'])
        .execute();
    },
  };
}
