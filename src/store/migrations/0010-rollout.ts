/** Rollout: deployments, their machines and signed jobs; agents' job sequence; group windows and reboot policy. */
import type { Kysely, Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/** Creates the rollout tables and adds the rollout columns to agents and groups. */
export function rolloutMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      // One column per statement: SQLite's ALTER TABLE adds a single column at a time.
      await db.schema
        .alterTable('agents')
        .addColumn('job_sequence', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('machine_groups').addColumn('maintenance_window_json', text).execute();
      await db.schema.alterTable('machine_groups').addColumn('reboot_policy_json', text).execute();

      await db.schema
        .createTable('deployments')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('name', text, (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('spec_json', text, (c) => c.notNull())
        .addColumn('current_ring', 'integer', (c) => c.notNull())
        .addColumn('ring_started_at_json', text, (c) => c.notNull())
        .addColumn('status_reason', text)
        .addColumn('created_by', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text, (c) => c.notNull())
        .addColumn('finished_at', text)
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('deployments_created').on('deployments').columns(['created_at', 'id']).execute();
      await db.schema.createIndex('deployments_status').on('deployments').column('status').execute();

      // No foreign key to machines: a deployment's record of a machine outlives the machine.
      await db.schema
        .createTable('deployment_machines')
        .addColumn('deployment_id', text, (c) => c.notNull().references('deployments.id').onDelete('cascade'))
        .addColumn('machine_id', text, (c) => c.notNull())
        .addColumn('ring_index', 'integer', (c) => c.notNull())
        .addColumn('state', text, (c) => c.notNull())
        .addColumn('plan_json', text, (c) => c.notNull())
        .addColumn('job_id', text)
        .addColumn('reboot_deferrals', 'integer', (c) => c.notNull())
        .addColumn('rollback_state', text)
        .addColumn('rollback_job_id', text)
        .addColumn('message', text)
        .addColumn('updated_at', text, (c) => c.notNull())
        .addColumn('finished_at', text)
        .addPrimaryKeyConstraint('deployment_machines_pk', ['deployment_id', 'machine_id'])
        .execute();
      await db.schema
        .createIndex('deployment_machines_machine')
        .on('deployment_machines')
        .column('machine_id')
        .execute();

      // Jobs stay as a record (no foreign key to agents or machines); the unique sequence per
      // agent is what makes a replayed or duplicated envelope impossible to issue.
      await db.schema
        .createTable('jobs')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('agent_id', text, (c) => c.notNull())
        .addColumn('machine_id', text, (c) => c.notNull())
        .addColumn('deployment_id', text, (c) => c.references('deployments.id').onDelete('cascade'))
        .addColumn('kind', text, (c) => c.notNull())
        .addColumn('sequence', 'integer', (c) => c.notNull())
        .addColumn('envelope', text, (c) => c.notNull())
        .addColumn('state', text, (c) => c.notNull())
        .addColumn('issued_at', text, (c) => c.notNull())
        .addColumn('expires_at', text, (c) => c.notNull())
        .addColumn('delivered_at', text)
        .addColumn('report', text)
        .addColumn('reported_at', text)
        .addColumn('message', text)
        .addUniqueConstraint('jobs_agent_sequence', ['agent_id', 'sequence'])
        .execute();
      await db.schema.createIndex('jobs_machine').on('jobs').column('machine_id').execute();
      await db.schema.createIndex('jobs_deployment').on('jobs').column('deployment_id').execute();
      await db.schema.createIndex('jobs_agent_state').on('jobs').columns(['agent_id', 'state']).execute();
    },
  };
}
