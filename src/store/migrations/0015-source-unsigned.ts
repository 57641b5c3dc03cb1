/** Sources: whether a source may load native catalogs that carry no signature (default: no). */
import type { Kysely, Migration } from 'kysely';
import type { StoreKind } from '../sql-util.js';

/** Adds sources.allow_unsigned (0/1, default 0: an unsigned native catalog is refused). */
export function sourceUnsignedMigration(_kind: StoreKind): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('sources')
        .addColumn('allow_unsigned', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  };
}
