/** Triage decisions and history, approval rules, risk exceptions, and group policy columns. */
import { sql, type Kysely, type Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/** Creates the policy tables. */
export function policyMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      // One column per statement: SQLite's ALTER TABLE adds a single column at a time.
      await db.schema.alterTable('machine_groups').addColumn('owner', text).execute();
      await db.schema
        .alterTable('machine_groups')
        .addColumn('requires_second_approver', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('machine_groups').addColumn('deadline_policy_json', text).execute();

      await db.schema
        .createTable('triage_decisions')
        .addColumn('bulletin_id', text, (c) => c.notNull())
        .addColumn('group_id', text, (c) => c.notNull().references('machine_groups.id').onDelete('cascade'))
        .addColumn('state', text, (c) => c.notNull())
        .addColumn('owner', text)
        .addColumn('notes', text)
        .addColumn('reason', text)
        .addColumn('ignore_until', text)
        .addColumn('emergency', 'integer', (c) => c.notNull())
        .addColumn('approvals_json', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text, (c) => c.notNull())
        .addColumn('updated_by', text, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('triage_decisions_pk', ['bulletin_id', 'group_id'])
        .execute();
      await db.schema
        .createIndex('triage_decisions_group_state')
        .on('triage_decisions')
        .columns(['group_id', 'state'])
        .execute();
      await db.schema
        .createIndex('triage_decisions_state_until')
        .on('triage_decisions')
        .columns(['state', 'ignore_until'])
        .execute();

      // `version` is the decision version the event produced: it orders events of one pair that
      // share a timestamp (an enqueue and a rule's approval in the same run).
      await db.schema
        .createTable('triage_events')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('bulletin_id', text, (c) => c.notNull())
        .addColumn('group_id', text, (c) => c.notNull().references('machine_groups.id').onDelete('cascade'))
        .addColumn('at', text, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('actor', text, (c) => c.notNull())
        .addColumn('action', text, (c) => c.notNull())
        .addColumn('from_state', text)
        .addColumn('to_state', text, (c) => c.notNull())
        .addColumn('detail_json', text, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('triage_events_pair_at')
        .on('triage_events')
        .columns(['bulletin_id', 'group_id', 'at'])
        .execute();
      await db.schema.createIndex('triage_events_group').on('triage_events').column('group_id').execute();

      await db.schema
        .createTable('approval_rules')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('name', text, (c) => c.notNull().unique())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('group_id', text)
        .addColumn('match_json', text, (c) => c.notNull())
        .addColumn('decision', text, (c) => c.notNull())
        .addColumn('reason', text)
        .addColumn('emergency', 'integer', (c) => c.notNull())
        .addColumn('after_json', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('created_by', text, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('risk_exceptions')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('bulletin_id', text, (c) => c.notNull())
        .addColumn('machine_id', text, (c) => c.references('machines.id').onDelete('cascade'))
        .addColumn('group_id', text, (c) => c.references('machine_groups.id').onDelete('cascade'))
        .addColumn('owner', text, (c) => c.notNull())
        .addColumn('reason', text, (c) => c.notNull())
        .addColumn('until', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('created_by', text, (c) => c.notNull())
        .addColumn('revoked_at', text)
        .addCheckConstraint('risk_exceptions_one_target', sql`(machine_id is null) <> (group_id is null)`)
        .execute();
      await db.schema.createIndex('risk_exceptions_bulletin').on('risk_exceptions').column('bulletin_id').execute();
      await db.schema.createIndex('risk_exceptions_machine').on('risk_exceptions').column('machine_id').execute();
      await db.schema.createIndex('risk_exceptions_group').on('risk_exceptions').column('group_id').execute();

      // Reports stream all machines' snapshots ordered by (day, machine): keyset pages need this order.
      await db.schema
        .createIndex('finding_snapshots_day')
        .on('finding_snapshots')
        .columns(['day', 'machine_id'])
        .execute();
    },
  };
}
