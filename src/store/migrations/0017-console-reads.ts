/**
 * Console reads: each machine's installed packages as rows (so "who has openssl 3.0.11?" is one
 * indexed query, not a scan of inventory documents), each user's last visit of the Today page,
 * and indexes for the machine list's filters, the sync history since a time and a machine's jobs.
 */
import type { Kysely, Migration } from 'kysely';
import { textType } from './column-types.js';
import { chunk, ROWS_PER_INSERT, type StoreKind } from '../sql-util.js';
import { installedPackagesOf } from '../inventory-packages.js';

/** Inventories read per batch while filling machine_packages from the stored inventories. */
const BACKFILL_BATCH = 200;

/** Creates machine_packages (filled from the stored inventories), console_visits and the indexes. */
export function consoleReadsMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('machine_packages')
        .addColumn('machine_id', text, (c) => c.notNull().references('machines.id').onDelete('cascade'))
        .addColumn('kind', text, (c) => c.notNull())
        .addColumn('name', text, (c) => c.notNull())
        .addColumn('version', text)
        .addColumn('release', text)
        .addColumn('arch', text)
        .addColumn('source', text)
        .execute();
      await db.schema
        .createIndex('machine_packages_name_version')
        .on('machine_packages')
        .columns(['name', 'version', 'machine_id'])
        .execute();
      await db.schema
        .createIndex('machine_packages_machine')
        .on('machine_packages')
        .columns(['machine_id', 'name'])
        .execute();
      await db.schema
        .createTable('console_visits')
        .addColumn('user_id', text, (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('seen_at', text, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('source_syncs_started').on('source_syncs').column('started_at').execute();
      await db.schema.createIndex('jobs_machine_issued').on('jobs').columns(['machine_id', 'issued_at']).execute();
      await db.schema.createIndex('machines_last_seen').on('machines').column('last_seen_at').execute();
      await backfillPackages(db);
    },
  };
}

async function backfillPackages(db: Kysely<any>): Promise<void> {
  let after = '';
  for (;;) {
    const rows: { machine_id: string; inventory_json: string }[] = await db
      .selectFrom('machine_inventories')
      .select(['machine_id', 'inventory_json'])
      .where('machine_id', '>', after)
      .orderBy('machine_id')
      .limit(BACKFILL_BATCH)
      .execute();
    if (rows.length === 0) return;
    const values = rows.flatMap((r) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(r.inventory_json);
      } catch {
        return [];
      }
      return installedPackagesOf(parsed).map((p) => ({ machine_id: r.machine_id, ...p }));
    });
    for (const part of chunk(values, ROWS_PER_INSERT)) await db.insertInto('machine_packages').values(part).execute();
    after = rows[rows.length - 1]!.machine_id;
  }
}
