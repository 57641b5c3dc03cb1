/** Findings: one row per (machine, bulletin), and daily snapshots of the counts. */
import type { Kysely, Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/** Creates the findings tables. */
export function findingsMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('findings')
        .addColumn('machine_id', text, (c) => c.notNull().references('machines.id').onDelete('cascade'))
        .addColumn('bulletin_id', text, (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('severity', text, (c) => c.notNull())
        .addColumn('severity_rank', 'integer', (c) => c.notNull())
        .addColumn('title', text, (c) => c.notNull())
        .addColumn('package', text)
        .addColumn('fixed_version', text)
        .addColumn('reason', text)
        .addColumn('evidence_json', text, (c) => c.notNull())
        .addColumn('first_seen_at', text, (c) => c.notNull())
        .addColumn('last_seen_at', text, (c) => c.notNull())
        .addColumn('resolved_at', text)
        .addPrimaryKeyConstraint('findings_pk', ['machine_id', 'bulletin_id'])
        .execute();
      await db.schema
        .createIndex('findings_bulletin_status')
        .on('findings')
        .columns(['bulletin_id', 'status'])
        .execute();
      await db.schema.createIndex('findings_machine_status').on('findings').columns(['machine_id', 'status']).execute();
      await db.schema
        .createTable('finding_snapshots')
        .addColumn('machine_id', text, (c) => c.notNull().references('machines.id').onDelete('cascade'))
        .addColumn('day', text, (c) => c.notNull())
        .addColumn('counts_json', text, (c) => c.notNull())
        .addColumn('open_by_severity_json', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('finding_snapshots_pk', ['machine_id', 'day'])
        .execute();
    },
  };
}
