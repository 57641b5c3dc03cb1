/** Machines: the machine records and their stored inventories. */
import type { Kysely, Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/** Creates the machines tables. */
export function machinesMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('machines')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('name', text, (c) => c.notNull().unique())
        .addColumn('os_json', text)
        .addColumn('role', text)
        .addColumn('criticality', text, (c) => c.notNull())
        .addColumn('owner', text)
        .addColumn('location', text)
        .addColumn('tags_json', text, (c) => c.notNull())
        .addColumn('internet_facing', 'integer', (c) => c.notNull())
        .addColumn('source', text, (c) => c.notNull())
        .addColumn('agent_id', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('last_seen_at', text)
        .addColumn('inventory_hash', text)
        .addColumn('inventory_at', text)
        .addColumn('assessed_hash', text)
        .addColumn('assessed_at', text)
        .execute();
      await db.schema
        .createTable('machine_inventories')
        .addColumn('machine_id', text, (c) => c.primaryKey().references('machines.id').onDelete('cascade'))
        .addColumn('hash', text, (c) => c.notNull())
        .addColumn('inventory_json', text, (c) => c.notNull())
        .addColumn('at', text, (c) => c.notNull())
        .execute();
    },
  };
}
