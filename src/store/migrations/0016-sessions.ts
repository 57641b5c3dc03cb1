/** Console sign-in: users get passwords, scopes and a disabled flag; browser sessions; shared server secrets. */
import type { Kysely, Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/**
 * Adds the users' password hash (self-describing scrypt string, null: no password sign-in), scope
 * (JSON list of group ids, null: the whole fleet, as api_tokens), disabled_at and
 * password_changed_at; creates `sessions` (keyed by the SHA-256 of the session id, never the id
 * itself) and `server_secrets` (secrets every server node shares, e.g. the cookie-signing secret).
 */
export function sessionsMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      for (const column of ['password_hash', 'scope_group_ids_json', 'disabled_at', 'password_changed_at']) {
        await db.schema.alterTable('users').addColumn(column, text).execute();
      }
      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', text, (c) => c.primaryKey())
        .addColumn('user_id', text, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('role', text, (c) => c.notNull())
        .addColumn('scope_group_ids_json', text)
        .addColumn('via', text, (c) => c.notNull())
        .addColumn('token_id', text)
        .addColumn('csrf_secret', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('last_seen_at', text, (c) => c.notNull())
        .addColumn('expires_at', text, (c) => c.notNull())
        .addColumn('revoked_at', text)
        .addColumn('user_agent', text)
        .addColumn('source_ip', text)
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at').execute();
      await db.schema
        .createTable('server_secrets')
        .addColumn('name', text, (c) => c.primaryKey())
        .addColumn('value', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .execute();
    },
  };
}
