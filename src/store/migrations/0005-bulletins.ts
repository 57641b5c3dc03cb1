/** Bulletins: the catalog bulletins each source provides. */
import type { Kysely, Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/** Creates the bulletins tables. */
export function bulletinsMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('bulletins')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('source_id', text, (c) => c.notNull())
        .addColumn('title', text, (c) => c.notNull())
        .addColumn('severity', text, (c) => c.notNull())
        .addColumn('published', text)
        .addColumn('revised', text)
        .addColumn('cves_json', text, (c) => c.notNull())
        .addColumn('kbs_json', text, (c) => c.notNull())
        .addColumn('content_hash', text, (c) => c.notNull())
        .addColumn('withdrawn_at', text)
        .execute();
      await db.schema.createIndex('bulletins_source').on('bulletins').columns(['source_id', 'withdrawn_at']).execute();
    },
  };
}
