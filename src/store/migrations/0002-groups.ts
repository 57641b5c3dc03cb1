/** Groups: machine groups and their static members. */
import type { Kysely, Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/** Creates the groups tables. */
export function groupsMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('machine_groups')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('name', text, (c) => c.notNull().unique())
        .addColumn('description', text)
        .addColumn('kind', text, (c) => c.notNull())
        .addColumn('rule', text)
        .addColumn('rescan_schedule', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('group_members')
        .addColumn('group_id', text, (c) => c.notNull().references('machine_groups.id').onDelete('cascade'))
        .addColumn('machine_id', text, (c) => c.notNull().references('machines.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'machine_id'])
        .execute();
      await db.schema.createIndex('group_members_machine').on('group_members').column('machine_id').execute();
    },
  };
}
