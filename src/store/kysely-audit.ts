/**
 * AuditStore on Kysely: the append-only, hash-chained `audit_log`. Appends are serialised so the
 * chain never forks: on PostgreSQL a transaction-scoped advisory lock is taken before reading the
 * head; on SQLite the one connection runs one transaction at a time, and a writer in another
 * process loses the race on the unique sequence/previous-hash columns and retries.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import { chainAuditEntry, type AuditDraft, type AuditEntry } from '../protocol/audit.js';
import type { Role } from '../protocol/api.js';
import type { AuditFilter, AuditStore } from './ports.js';
import { fromJson, inTransaction, likePattern, toCount, toJson, type StoreKind } from './sql-util.js';
import { guardArea, isUniqueViolation } from './store-errors.js';

/** A row of `audit_log`. */
export interface AuditRow {
  seq: number | string;
  at: string;
  actor_kind: string;
  user_id: string | null;
  user_name: string | null;
  token_id: string | null;
  agent_id: string | null;
  role: string | null;
  method: string;
  route: string;
  object_ids_json: string;
  summary_json: string;
  source_ip: string;
  status: number | string;
  error_code: string | null;
  request_id: string;
  prev_hash: string;
  hash: string;
}

/** The tables the audit area owns. */
export interface AuditTables {
  audit_log: AuditRow;
}

/** Any constant: the advisory lock that serialises appends on PostgreSQL (one per database). */
const APPEND_LOCK_KEY = 0x70_68_61_75; // "phau"
/** Attempts of an append that lost a race with another process (SQLite). */
const APPEND_ATTEMPTS = 5;

function entryFromRow(r: Selectable<AuditRow>): AuditEntry {
  return {
    seq: toCount(r.seq),
    at: r.at,
    actorKind: r.actor_kind as AuditEntry['actorKind'],
    userId: r.user_id,
    userName: r.user_name,
    tokenId: r.token_id,
    agentId: r.agent_id,
    role: r.role as Role | null,
    method: r.method,
    route: r.route,
    objectIds: fromJson<string[]>(r.object_ids_json) ?? [],
    summary: fromJson<AuditEntry['summary']>(r.summary_json) ?? {},
    sourceIp: r.source_ip,
    status: toCount(r.status),
    errorCode: r.error_code,
    requestId: r.request_id,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

function entryToRow(e: AuditEntry): AuditRow {
  return {
    seq: e.seq,
    at: e.at,
    actor_kind: e.actorKind,
    user_id: e.userId,
    user_name: e.userName,
    token_id: e.tokenId,
    agent_id: e.agentId,
    role: e.role,
    method: e.method,
    route: e.route,
    object_ids_json: toJson(e.objectIds),
    summary_json: toJson(e.summary),
    source_ip: e.sourceIp,
    status: e.status,
    error_code: e.errorCode,
    request_id: e.requestId,
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

/** Creates the AuditStore over the audit table. */
export function createAuditStore(db: Kysely<AuditTables>, kind: StoreKind): AuditStore {
  const appendOnce = (draft: AuditDraft) =>
    inTransaction(db, async (trx) => {
      if (kind === 'postgres') await sql`select pg_advisory_xact_lock(${APPEND_LOCK_KEY})`.execute(trx);
      const head = await trx
        .selectFrom('audit_log')
        .select(['seq', 'hash'])
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      const entry = chainAuditEntry(draft, head ? { seq: toCount(head.seq), hash: head.hash } : undefined);
      await trx.insertInto('audit_log').values(entryToRow(entry)).execute();
      return entry;
    });
  const impl: AuditStore = {
    async append(draft) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await appendOnce(draft);
        } catch (err) {
          if (attempt >= APPEND_ATTEMPTS || !(isUniqueViolation(err) || isBusy(err))) throw err;
        }
      }
    },

    async list(f: AuditFilter) {
      let q = db.selectFrom('audit_log').selectAll();
      if (f.before !== undefined) q = q.where('seq', '<', f.before);
      if (f.since !== undefined) q = q.where('at', '>=', f.since);
      if (f.actor !== undefined) {
        const a = f.actor;
        q = q.where((eb) =>
          eb.or([eb('user_name', '=', a), eb('user_id', '=', a), eb('token_id', '=', a), eb('agent_id', '=', a)]),
        );
      }
      // Object ids are stored as a JSON array of strings: look for the id as a whole JSON string.
      if (f.object !== undefined) q = q.where(containsText(kind, 'object_ids_json', JSON.stringify(f.object)));
      if (f.until !== undefined) q = q.where('at', '<', f.until);
      if (f.method !== undefined) q = q.where('method', '=', f.method.toUpperCase());
      if (f.route !== undefined) q = q.where(sql<boolean>`lower(route) like ${likePattern(f.route)} escape '\\'`);
      if (f.outcome !== undefined) q = q.where('status', f.outcome === 'success' ? '<' : '>=', 400);
      const rows = await q.orderBy('seq', 'desc').limit(f.limit).execute();
      return rows.map(entryFromRow);
    },

    async range(afterSeq, limit, since) {
      let q = db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq);
      if (since !== undefined) q = q.where('at', '>=', since);
      const rows = await q.orderBy('seq', 'asc').limit(limit).execute();
      return rows.map(entryFromRow);
    },
  };
  return guardArea(impl, { noun: 'audit entry' });
}

function containsText(kind: StoreKind, column: 'object_ids_json', needle: string) {
  return kind === 'postgres'
    ? sql<boolean>`strpos(${sql.ref(column)}, ${needle}) > 0`
    : sql<boolean>`instr(${sql.ref(column)}, ${needle}) > 0`;
}

/** SQLite's "database is locked" family: another process holds the write lock. */
function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
