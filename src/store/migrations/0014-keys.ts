/** Key rotation and freeze detection: which job-signing key each agent pins, and whether it says it is stale. */
import type { Kysely, Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/** Adds the agents' pinned key and stale flag. */
export function keysMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('agents').addColumn('pinned_key', text).execute();
      await db.schema.alterTable('agents').addColumn('stale_since', text).execute();
      await db.schema.alterTable('agents').addColumn('stale_reason', text).execute();
      await db.schema.createIndex('agents_pinned_key').on('agents').column('pinned_key').execute();
    },
  };
}
