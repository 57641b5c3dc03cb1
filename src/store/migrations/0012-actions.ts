/** Controls: the action catalog and change requests (changes that wait for a second admin). */
import type { Kysely, Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/** Creates the actions and change_requests tables and halts deployments that still carry argv hooks. */
export function actionsMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('actions')
        .addColumn('name', text, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('argv_json', text, (c) => c.notNull())
        .addColumn('description', text)
        .addColumn('timeout_seconds', 'integer', (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('proposed_by', text, (c) => c.notNull())
        .addColumn('proposed_at', text, (c) => c.notNull())
        .addColumn('approved_by', text)
        .addColumn('approved_at', text)
        .addPrimaryKeyConstraint('actions_pk', ['name', 'version'])
        .execute();
      await db.schema.createIndex('actions_status').on('actions').columns(['status', 'name']).execute();
      await db.schema
        .createTable('change_requests')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('kind', text, (c) => c.notNull())
        .addColumn('target', text, (c) => c.notNull())
        .addColumn('summary', text, (c) => c.notNull())
        .addColumn('payload_json', text, (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('proposed_by', text, (c) => c.notNull())
        .addColumn('proposed_at', text, (c) => c.notNull())
        .addColumn('expires_at', text, (c) => c.notNull())
        .addColumn('decided_by', text)
        .addColumn('decided_at', text)
        .addColumn('message', text)
        .execute();
      await db.schema
        .createIndex('change_requests_status')
        .on('change_requests')
        .columns(['status', 'proposed_at'])
        .execute();
      await haltArgvHookDeployments(db);
    },
  };
}

/**
 * Deployments created before the action catalog carry hooks as bare argv, which nobody approved:
 * their hooks are dropped and, while they still run, they halt with a reason saying why.
 */
async function haltArgvHookDeployments(db: Kysely<any>): Promise<void> {
  const rows: { id: string; status: string; spec_json: string }[] = await db
    .selectFrom('deployments')
    .select(['id', 'status', 'spec_json'])
    .execute();
  for (const r of rows) {
    const spec = JSON.parse(r.spec_json) as { preHook?: unknown; postHook?: unknown };
    if (!Array.isArray(spec.preHook) && !Array.isArray(spec.postHook)) continue;
    const active = r.status === 'running' || r.status === 'paused';
    await db
      .updateTable('deployments')
      .set({
        spec_json: JSON.stringify({ ...spec, preHook: null, postHook: null }),
        ...(active
          ? {
              status: 'halted',
              status_reason: 'hooks are catalog actions now: create the deployment again with approved actions',
            }
          : {}),
      })
      .where('id', '=', r.id)
      .execute();
  }
}
