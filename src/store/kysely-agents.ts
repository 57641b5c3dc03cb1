/** AgentStore on Kysely: enrollment tokens and enrolled agents. */
import { timingSafeEqual } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { PatchhiveError } from '../errors.js';
import type { AgentRecord, AgentStore, AgentTrust, ConsumeResult, EnrollmentTokenRecord } from './ports.js';
import { requireTouched, updateById } from './sql-util.js';
import { guardArea } from './store-errors.js';

/** A row of `enrollment_tokens`. */
export interface EnrollmentTokenRow {
  id: string;
  secret_hash: string;
  note: string | null;
  expires_at: string;
  max_uses: number;
  uses: number;
  revoked_at: string | null;
  created_at: string;
  created_by: string;
}

/** A row of `agents`. */
export interface AgentRow {
  id: string;
  machine_id: string;
  credential_hash: string;
  created_at: string;
  revoked_at: string | null;
  last_checkin_at: string | null;
  /** The last job sequence number taken (0: none yet). */
  job_sequence: number;
  pinned_key: string | null;
  stale_since: string | null;
  stale_reason: string | null;
}

/** The tables the agents area owns. */
export interface AgentTables {
  enrollment_tokens: EnrollmentTokenRow;
  agents: AgentRow;
}

function tokenFromRow(r: Selectable<EnrollmentTokenRow>): EnrollmentTokenRecord {
  return {
    id: r.id,
    secretHash: r.secret_hash,
    note: r.note,
    expiresAt: r.expires_at,
    maxUses: Number(r.max_uses),
    uses: Number(r.uses),
    revokedAt: r.revoked_at,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

function agentFromRow(r: Selectable<AgentRow>): AgentRecord {
  return {
    id: r.id,
    machineId: r.machine_id,
    credentialHash: r.credential_hash,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastCheckinAt: r.last_checkin_at,
  };
}

/** Compares two hashes in constant time (for equal lengths; a length difference is not secret). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Why a token that matched cannot be used, judged on the row as read: revoked, then expired
 * (at or after expiresAt), then exhausted; undefined when it is usable.
 */
function refusal(t: EnrollmentTokenRecord, now: string): 'revoked' | 'expired' | 'exhausted' | undefined {
  if (t.revokedAt !== null) return 'revoked';
  // Written so that an unparsable time counts as expired.
  if (!(Date.parse(now) < Date.parse(t.expiresAt))) return 'expired';
  if (t.uses >= t.maxUses) return 'exhausted';
  return undefined;
}

/** Creates the agents area over `db`. */
export function createAgentStore(db: Kysely<AgentTables>): AgentStore {
  const getToken = async (id: string) => {
    const r = await db.selectFrom('enrollment_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return r && tokenFromRow(r);
  };
  const store: AgentStore = {
    async createEnrollmentToken(t) {
      await db
        .insertInto('enrollment_tokens')
        .values({
          id: t.id,
          secret_hash: t.secretHash,
          note: t.note,
          expires_at: t.expiresAt,
          max_uses: t.maxUses,
          uses: t.uses,
          revoked_at: t.revokedAt,
          created_at: t.createdAt,
          created_by: t.createdBy,
        })
        .execute();
    },
    getEnrollmentToken: getToken,
    async listEnrollmentTokens() {
      const rows = await db.selectFrom('enrollment_tokens').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(tokenFromRow);
    },
    async revokeEnrollmentToken(id, at) {
      const res = await db
        .updateTable('enrollment_tokens')
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
        .where('id', '=', id)
        .executeTakeFirst();
      requireTouched(res, 'E_TOKEN_NOT_FOUND', `no enrollment token with id ${id}`);
    },
    async consumeEnrollmentToken(id, secretHash, now): Promise<ConsumeResult> {
      // The secret hash and expiry never change after creation, so they are checked on the row as
      // read (the hash in constant time; a wrong secret looks like an unknown token). Revocation
      // and the use count can change concurrently, so the UPDATE re-checks them atomically: two
      // callers racing for the last use cannot both match `uses < max_uses`.
      const token = await getToken(id);
      if (!token || !sameHash(token.secretHash, secretHash)) return { ok: false, reason: 'not-found' };
      const before = refusal(token, now);
      if (before) return { ok: false, reason: before };
      const row = await db
        .updateTable('enrollment_tokens')
        .set({ uses: sql`uses + 1` })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .where((eb) => eb('uses', '<', eb.ref('max_uses')))
        .returningAll()
        .executeTakeFirst();
      if (row) return { ok: true, token: tokenFromRow(row) };
      const after = await getToken(id);
      return { ok: false, reason: after?.revokedAt ? 'revoked' : 'exhausted' };
    },
    async createAgent(a) {
      await db
        .insertInto('agents')
        .values({
          id: a.id,
          machine_id: a.machineId,
          credential_hash: a.credentialHash,
          created_at: a.createdAt,
          revoked_at: a.revokedAt,
          last_checkin_at: a.lastCheckinAt,
          job_sequence: 0,
          pinned_key: null,
          stale_since: null,
          stale_reason: null,
        })
        .execute();
    },
    async getAgent(id) {
      const r = await db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
      return r && agentFromRow(r);
    },
    async revokeAgent(id, at) {
      const res = await db
        .updateTable('agents')
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
        .where('id', '=', id)
        .executeTakeFirst();
      requireTouched(res, 'E_NOT_FOUND', `no agent with id ${id}`);
    },
    async touchAgent(id, at) {
      await updateById(db, 'agents', id, { last_checkin_at: at }, 'E_NOT_FOUND', `no agent with id ${id}`);
    },
    async nextJobSequence(id) {
      // One statement: the row lock (PostgreSQL) or the single writer (SQLite) makes the increment
      // atomic, so concurrent callers always get different numbers.
      const row = await db
        .updateTable('agents')
        .set({ job_sequence: sql`job_sequence + 1` })
        .where('id', '=', id)
        .returning('job_sequence')
        .executeTakeFirst();
      if (!row) throw new PatchhiveError('E_NOT_FOUND', `no agent with id ${id}`);
      return Number(row.job_sequence);
    },
    async getTrust(id): Promise<AgentTrust | undefined> {
      const r = await db
        .selectFrom('agents')
        .select(['pinned_key', 'stale_since', 'stale_reason'])
        .where('id', '=', id)
        .executeTakeFirst();
      return r && { pinnedKey: r.pinned_key, staleSince: r.stale_since, staleReason: r.stale_reason };
    },
    async setTrust(id, t) {
      await updateById(
        db,
        'agents',
        id,
        { pinned_key: t.pinnedKey, stale_since: t.staleSince, stale_reason: t.staleReason },
        'E_NOT_FOUND',
        `no agent with id ${id}`,
      );
    },
    async countByPinnedKey() {
      const rows = await db
        .selectFrom('agents')
        .select((eb) => ['pinned_key', eb.fn.countAll<string | number>().as('n')])
        .where('revoked_at', 'is', null)
        .groupBy('pinned_key')
        .execute();
      return rows
        .map((r) => ({ pinnedKey: r.pinned_key, agents: Number(r.n) }))
        .sort((a, b) => (a.pinnedKey ?? '').localeCompare(b.pinnedKey ?? ''));
    },
    async listStale() {
      const rows = await db
        .selectFrom('agents')
        .select(['id', 'machine_id', 'stale_since', 'stale_reason'])
        .where('revoked_at', 'is', null)
        .where('stale_since', 'is not', null)
        .orderBy('stale_since')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        agentId: r.id,
        machineId: r.machine_id,
        since: r.stale_since!,
        reason: r.stale_reason ?? '',
      }));
    },
  };
  return guardArea(store, {
    noun: 'agent or enrollment token',
    missingReference: { code: 'E_MACHINE_NOT_FOUND', message: "the agent's machine does not exist" },
  });
}
