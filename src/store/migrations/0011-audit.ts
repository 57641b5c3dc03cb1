/**
 * The audit trail: one append-only table. Triggers refuse UPDATE and DELETE (and TRUNCATE on
 * PostgreSQL), so changing history takes the database owner's rights (dropping or disabling the
 * trigger) and even then shows as a broken hash chain.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/** Creates `audit_log` and its append-only triggers. */
export function auditMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('at', text, (c) => c.notNull())
        .addColumn('actor_kind', text, (c) => c.notNull())
        .addColumn('user_id', text)
        .addColumn('user_name', text)
        .addColumn('token_id', text)
        .addColumn('agent_id', text)
        .addColumn('role', text)
        .addColumn('method', text, (c) => c.notNull())
        .addColumn('route', text, (c) => c.notNull())
        .addColumn('object_ids_json', text, (c) => c.notNull())
        .addColumn('summary_json', text, (c) => c.notNull())
        .addColumn('source_ip', text, (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('error_code', text)
        .addColumn('request_id', text, (c) => c.notNull())
        .addColumn('prev_hash', text, (c) => c.notNull().unique())
        .addColumn('hash', text, (c) => c.notNull().unique())
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'seq']).execute();
      if (kind === 'sqlite') {
        await sql`create trigger audit_log_no_update before update on audit_log begin select raise(abort, 'audit_log is append-only'); end`.execute(
          db,
        );
        await sql`create trigger audit_log_no_delete before delete on audit_log begin select raise(abort, 'audit_log is append-only'); end`.execute(
          db,
        );
        return;
      }
      await sql`create function audit_log_refuse_change() returns trigger language plpgsql as $$
        begin raise exception 'audit_log is append-only'; end $$`.execute(db);
      await sql`create trigger audit_log_append_only before update or delete on audit_log
        for each row execute function audit_log_refuse_change()`.execute(db);
      await sql`create trigger audit_log_no_truncate before truncate on audit_log
        for each statement execute function audit_log_refuse_change()`.execute(db);
    },
  };
}
