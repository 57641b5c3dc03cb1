/** SessionStore on Kysely: browser sessions (keyed by the hash of their id) and shared server secrets. */
import type { Kysely, Selectable } from 'kysely';
import type { Role } from '../protocol/api.js';
import type { SessionRecord, SessionStore, SessionVia } from './ports.js';
import { fromJson, toJson } from './sql-util.js';
import { guardArea } from './store-errors.js';

/** A row of `sessions`. */
export interface SessionRow {
  id_hash: string;
  user_id: string;
  role: string;
  scope_group_ids_json: string | null;
  via: string;
  token_id: string | null;
  csrf_secret: string | null;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
  user_agent: string | null;
  source_ip: string | null;
}

/** A row of `server_secrets`. */
export interface ServerSecretRow {
  name: string;
  value: string;
  created_at: string;
}

/** The tables the sessions area owns. */
export interface SessionTables {
  sessions: SessionRow;
  server_secrets: ServerSecretRow;
}

function sessionFromRow(r: Selectable<SessionRow>): SessionRecord {
  return {
    idHash: r.id_hash,
    userId: r.user_id,
    role: r.role as Role,
    scopeGroupIds: fromJson<string[]>(r.scope_group_ids_json),
    via: r.via as SessionVia,
    tokenId: r.token_id,
    csrfSecret: r.csrf_secret,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    userAgent: r.user_agent,
    sourceIp: r.source_ip,
  };
}

/** Creates the sessions area over `db`. */
export function createSessionStore(db: Kysely<SessionTables>): SessionStore {
  const store: SessionStore = {
    async createSession(s) {
      await db
        .insertInto('sessions')
        .values({
          id_hash: s.idHash,
          user_id: s.userId,
          role: s.role,
          scope_group_ids_json: s.scopeGroupIds === null ? null : toJson(s.scopeGroupIds),
          via: s.via,
          token_id: s.tokenId,
          csrf_secret: s.csrfSecret,
          created_at: s.createdAt,
          last_seen_at: s.lastSeenAt,
          expires_at: s.expiresAt,
          revoked_at: s.revokedAt,
          user_agent: s.userAgent,
          source_ip: s.sourceIp,
        })
        .execute();
    },
    async getSession(idHash) {
      const r = await db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
      return r && sessionFromRow(r);
    },
    async touchSession(idHash, at) {
      // Never moves last-seen backwards (two nodes may answer the same browser at once).
      await db
        .updateTable('sessions')
        .set({ last_seen_at: at })
        .where('id_hash', '=', idHash)
        .where('last_seen_at', '<', at)
        .execute();
    },
    async setCsrfSecret(idHash, secret) {
      await db.updateTable('sessions').set({ csrf_secret: secret }).where('id_hash', '=', idHash).execute();
    },
    async revokeSession(idHash, at) {
      await db
        .updateTable('sessions')
        .set({ revoked_at: at })
        .where('id_hash', '=', idHash)
        .where('revoked_at', 'is', null)
        .execute();
    },
    async revokeUserSessions(userId, at, except) {
      let q = db
        .updateTable('sessions')
        .set({ revoked_at: at })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', at);
      if (except !== undefined) q = q.where('id_hash', '<>', except);
      const res = await q.executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
    async deleteEndedSessions(before) {
      const res = await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
        .executeTakeFirst();
      return Number(res.numDeletedRows);
    },
    async sharedSecret(name, candidate, at) {
      await db
        .insertInto('server_secrets')
        .values({ name, value: candidate, created_at: at })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const r = await db
        .selectFrom('server_secrets')
        .select('value')
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      return r.value;
    },
  };
  return guardArea(store, {
    noun: 'session',
    missingReference: { code: 'E_USER_NOT_FOUND', message: "the session's user does not exist" },
  });
}
