/** Agents: enrollment tokens and enrolled agents. */
import type { Kysely, Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/** Creates the agents tables. */
export function agentsMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('enrollment_tokens')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('secret_hash', text, (c) => c.notNull())
        .addColumn('note', text)
        .addColumn('expires_at', text, (c) => c.notNull())
        .addColumn('max_uses', 'integer', (c) => c.notNull())
        .addColumn('uses', 'integer', (c) => c.notNull())
        .addColumn('revoked_at', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('created_by', text, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('agents')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('machine_id', text, (c) => c.notNull().references('machines.id').onDelete('cascade'))
        .addColumn('credential_hash', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('revoked_at', text)
        .addColumn('last_checkin_at', text)
        .execute();
      await db.schema.createIndex('agents_machine').on('agents').column('machine_id').execute();
    },
  };
}
