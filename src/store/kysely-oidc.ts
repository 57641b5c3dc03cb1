/** OidcStore on Kysely: pending OpenID Connect sign-ins, and users linked to provider accounts. */
import type { Kysely, Selectable } from 'kysely';
import type { OidcStore, PendingOidcLogin } from './ports.js';
import { userFromRow, type UserRow } from './kysely-users.js';
import { guardArea } from './store-errors.js';

/** A row of `oidc_logins`. */
export interface OidcLoginRow {
  state_hash: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  created_at: string;
  expires_at: string;
}

/** The columns of `users` this area adds (migration 0018). */
export interface OidcUserRow extends UserRow {
  oidc_issuer: string | null;
  oidc_subject: string | null;
}

/** The tables the OIDC area owns: `oidc_logins`, and the link columns of `users`. */
export interface OidcTables {
  oidc_logins: OidcLoginRow;
  users: OidcUserRow;
}

function pendingFromRow(r: Selectable<OidcLoginRow>): PendingOidcLogin {
  return {
    stateHash: r.state_hash,
    nonce: r.nonce,
    codeVerifier: r.code_verifier,
    returnTo: r.return_to,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

/** Creates the OIDC area over `db`. */
export function createOidcStore(db: Kysely<OidcTables>): OidcStore {
  const store: OidcStore = {
    async savePending(p, now) {
      await db.deleteFrom('oidc_logins').where('expires_at', '<', now).execute();
      await db
        .insertInto('oidc_logins')
        .values({
          state_hash: p.stateHash,
          nonce: p.nonce,
          code_verifier: p.codeVerifier,
          return_to: p.returnTo,
          created_at: p.createdAt,
          expires_at: p.expiresAt,
        })
        .execute();
    },
    async takePending(stateHash) {
      // One statement: of two callbacks racing with the same state, one gets the row.
      const r = await db
        .deleteFrom('oidc_logins')
        .where('state_hash', '=', stateHash)
        .returningAll()
        .executeTakeFirst();
      return r && pendingFromRow(r);
    },
    async upsertUser(account, newId, now) {
      const linked = await db
        .selectFrom('users')
        .selectAll()
        .where('oidc_issuer', '=', account.issuer)
        .where('oidc_subject', '=', account.subject)
        .executeTakeFirst();
      if (linked) {
        await db
          .updateTable('users')
          .set({ name: account.name, role: account.role })
          .where('id', '=', linked.id)
          .execute();
        return { user: userFromRow({ ...linked, name: account.name, role: account.role }), created: false };
      }
      const row = {
        id: newId,
        name: account.name,
        role: account.role,
        created_at: now,
        password_hash: null,
        scope_group_ids_json: null,
        disabled_at: null,
        password_changed_at: null,
        oidc_issuer: account.issuer,
        oidc_subject: account.subject,
      };
      await db.insertInto('users').values(row).execute();
      return { user: userFromRow(row), created: true };
    },
  };
  return guardArea(store, { noun: 'user or pending sign-in' });
}
