/** UserStore on Kysely: users and their API tokens. */
import type { Kysely, Selectable } from 'kysely';
import type { Role } from '../protocol/api.js';
import type { ApiTokenRecord, UserRecord, UserStore } from './ports.js';
import { definedOnly, fromJson, requireTouched, toJson, updateById } from './sql-util.js';
import { guardArea } from './store-errors.js';

/** A row of `users`. */
export interface UserRow {
  id: string;
  name: string;
  role: string;
  created_at: string;
  password_hash: string | null;
  scope_group_ids_json: string | null;
  disabled_at: string | null;
  password_changed_at: string | null;
}

/** A row of `api_tokens`. */
export interface ApiTokenRow {
  id: string;
  user_id: string;
  name: string;
  secret_hash: string;
  role: string;
  scope_group_ids_json: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

/** The tables the users area owns. */
export interface UserTables {
  users: UserRow;
  api_tokens: ApiTokenRow;
}

/** A user record from its row (shared with the OIDC area, which links users to provider accounts). */
export function userFromRow(r: Selectable<UserRow>): UserRecord {
  return {
    id: r.id,
    name: r.name,
    role: r.role as Role,
    createdAt: r.created_at,
    passwordHash: r.password_hash,
    scopeGroupIds: fromJson<string[]>(r.scope_group_ids_json),
    disabledAt: r.disabled_at,
    passwordChangedAt: r.password_changed_at,
  };
}

function tokenFromRow(r: Selectable<ApiTokenRow>): ApiTokenRecord {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    secretHash: r.secret_hash,
    role: r.role as Role,
    scopeGroupIds: fromJson<string[]>(r.scope_group_ids_json),
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
    createdAt: r.created_at,
  };
}

const tokenNotFound = (id: string) => `no API token with id ${id}`;

/** Creates the users area over `db`. */
export function createUserStore(db: Kysely<UserTables>): UserStore {
  const store: UserStore = {
    async createUser(u) {
      await db
        .insertInto('users')
        .values({
          id: u.id,
          name: u.name,
          role: u.role,
          created_at: u.createdAt,
          password_hash: u.passwordHash,
          scope_group_ids_json: u.scopeGroupIds === null ? null : toJson(u.scopeGroupIds),
          disabled_at: u.disabledAt,
          password_changed_at: u.passwordChangedAt,
        })
        .execute();
    },
    async getUser(id) {
      const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return r && userFromRow(r);
    },
    async getUserByName(name) {
      const r = await db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
      return r && userFromRow(r);
    },
    async listUsers() {
      return (await db.selectFrom('users').selectAll().orderBy('name').orderBy('id').execute()).map(userFromRow);
    },
    async updateUser(id, p) {
      const set = definedOnly({
        role: p.role,
        scope_group_ids_json:
          p.scopeGroupIds === undefined ? undefined : p.scopeGroupIds === null ? null : toJson(p.scopeGroupIds),
        disabled_at: p.disabledAt,
        password_hash: p.passwordHash,
        password_changed_at: p.passwordChangedAt,
      });
      await updateById(db, 'users', id, set, 'E_USER_NOT_FOUND', `no user with id ${id}`);
    },
    async createApiToken(t) {
      await db
        .insertInto('api_tokens')
        .values({
          id: t.id,
          user_id: t.userId,
          name: t.name,
          secret_hash: t.secretHash,
          role: t.role,
          scope_group_ids_json: t.scopeGroupIds === null ? null : toJson(t.scopeGroupIds),
          expires_at: t.expiresAt,
          revoked_at: t.revokedAt,
          last_used_at: t.lastUsedAt,
          created_at: t.createdAt,
        })
        .execute();
    },
    async getApiToken(id) {
      const r = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      return r && tokenFromRow(r);
    },
    async listApiTokens() {
      return (await db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('id').execute()).map(
        tokenFromRow,
      );
    },
    async revokeApiToken(id, at) {
      const res = await db
        .updateTable('api_tokens')
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
        .where('id', '=', id)
        .executeTakeFirst();
      requireTouched(res, 'E_TOKEN_NOT_FOUND', tokenNotFound(id));
    },
    async touchApiToken(id, at) {
      await updateById(db, 'api_tokens', id, { last_used_at: at }, 'E_TOKEN_NOT_FOUND', tokenNotFound(id));
    },
  };
  return guardArea(store, {
    noun: 'user or API token',
    missingReference: { code: 'E_NOT_FOUND', message: "the API token's user does not exist" },
  });
}
