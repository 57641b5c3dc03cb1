/** Users: users and their API tokens. */
import type { Kysely, Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/** Creates the users tables. */
export function usersMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('users')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('name', text, (c) => c.notNull().unique())
        .addColumn('role', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('user_id', text, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', text, (c) => c.notNull())
        .addColumn('secret_hash', text, (c) => c.notNull())
        .addColumn('role', text, (c) => c.notNull())
        .addColumn('expires_at', text)
        .addColumn('revoked_at', text)
        .addColumn('last_used_at', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
    },
  };
}
