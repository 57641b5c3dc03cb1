/** OpenID Connect sign-in: users linked to a provider account, and sign-ins under way. */
import type { Kysely, Migration } from 'kysely';
import { textType } from './column-types.js';
import type { StoreKind } from '../sql-util.js';

/**
 * Adds `users.oidc_issuer` and `users.oidc_subject` (null for local users), unique together: a
 * provider account is one user even when renamed. Creates `oidc_logins`, the sign-ins started at the
 * provider and not yet finished, in the database so that any server node can finish them.
 */
export function oidcMigration(kind: StoreKind): Migration {
  const text = textType(kind);
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('users').addColumn('oidc_issuer', text).execute();
      await db.schema.alterTable('users').addColumn('oidc_subject', text).execute();
      await db.schema
        .createIndex('users_oidc_identity')
        .on('users')
        .columns(['oidc_issuer', 'oidc_subject'])
        .unique()
        .execute();
      await db.schema
        .createTable('oidc_logins')
        .addColumn('state_hash', text, (c) => c.primaryKey())
        .addColumn('nonce', text, (c) => c.notNull())
        .addColumn('code_verifier', text, (c) => c.notNull())
        .addColumn('return_to', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('expires_at', text, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('oidc_logins_expiry').on('oidc_logins').column('expires_at').execute();
    },
  };
}
