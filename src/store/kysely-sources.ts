/** SourceStore on Kysely: catalog sources, their sync state and their sync history. */
import type { Kysely, Selectable } from 'kysely';
import type { SyncDiff } from '../protocol/api.js';
import type { SourceRecord, SourceStore, SourceSyncState, SyncRecord } from './ports.js';
import { definedOnly, fromFlag, fromJson, requireTouched, toCount, toFlag, toJson, updateById } from './sql-util.js';
import { guardArea } from './store-errors.js';

/** A row of `sources`. */
export interface SourceRow {
  id: string;
  name: string;
  url: string;
  format: string | null;
  release: string | null;
  schedule: string | null;
  signing_key: string | null;
  allow_unsigned: number;
  enabled: number;
  created_at: string;
}

/** A row of `source_sync_states`: validators and the last good copy of one source. */
export interface SyncStateRow {
  source_id: string;
  etag: string | null;
  last_modified: string | null;
  good_path: string | null;
  good_sha256: string | null;
  good_at: string | null;
}

/** A row of `source_syncs`: one sync attempt. */
export interface SyncRow {
  id: string;
  source_id: string;
  started_at: string;
  finished_at: string;
  result: string;
  message: string | null;
  bytes: number | string;
  diff_json: string | null;
}

/** The tables the sources area owns. */
export interface SourceTables {
  sources: SourceRow;
  source_sync_states: SyncStateRow;
  source_syncs: SyncRow;
}

function fromRow(r: Selectable<SourceRow>): SourceRecord {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    format: r.format,
    release: r.release,
    schedule: r.schedule,
    signingKey: r.signing_key,
    allowUnsigned: fromFlag(r.allow_unsigned),
    enabled: fromFlag(r.enabled),
    createdAt: r.created_at,
  };
}

function syncFromRow(r: Selectable<SyncRow>): SyncRecord {
  return {
    id: r.id,
    sourceId: r.source_id,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    result: r.result as SyncRecord['result'],
    message: r.message,
    bytes: toCount(r.bytes),
    diff: fromJson<SyncDiff>(r.diff_json),
  };
}

function stateFromRow(r: Selectable<SyncStateRow>): SourceSyncState {
  return {
    sourceId: r.source_id,
    etag: r.etag,
    lastModified: r.last_modified,
    goodPath: r.good_path,
    goodSha256: r.good_sha256,
    goodAt: r.good_at,
  };
}

const notFound = (id: string) => `no catalog source with id ${id}`;

/** Creates the sources area over `db`. */
export function createSourceStore(db: Kysely<SourceTables>): SourceStore {
  const store: SourceStore = {
    async create(s) {
      await db
        .insertInto('sources')
        .values({
          id: s.id,
          name: s.name,
          url: s.url,
          format: s.format,
          release: s.release,
          schedule: s.schedule,
          signing_key: s.signingKey,
          allow_unsigned: toFlag(s.allowUnsigned),
          enabled: toFlag(s.enabled),
          created_at: s.createdAt,
        })
        .execute();
    },
    async get(id) {
      const r = await db.selectFrom('sources').selectAll().where('id', '=', id).executeTakeFirst();
      return r && fromRow(r);
    },
    async getByName(name) {
      const r = await db.selectFrom('sources').selectAll().where('name', '=', name).executeTakeFirst();
      return r && fromRow(r);
    },
    async list() {
      return (await db.selectFrom('sources').selectAll().orderBy('name').orderBy('id').execute()).map(fromRow);
    },
    async update(id, patch) {
      const set = definedOnly({
        url: patch.url,
        format: patch.format,
        release: patch.release,
        schedule: patch.schedule,
        signing_key: patch.signingKey,
        allow_unsigned: patch.allowUnsigned === undefined ? undefined : toFlag(patch.allowUnsigned),
        enabled: patch.enabled === undefined ? undefined : toFlag(patch.enabled),
      });
      await updateById(db, 'sources', id, set, 'E_SOURCE_NOT_FOUND', notFound(id));
    },
    async delete(id) {
      const res = await db.deleteFrom('sources').where('id', '=', id).executeTakeFirst();
      requireTouched(res, 'E_SOURCE_NOT_FOUND', notFound(id));
    },
    async getSyncState(sourceId) {
      const r = await db
        .selectFrom('source_sync_states')
        .selectAll()
        .where('source_id', '=', sourceId)
        .executeTakeFirst();
      return r && stateFromRow(r);
    },
    async putSyncState(s) {
      const row: SyncStateRow = {
        source_id: s.sourceId,
        etag: s.etag,
        last_modified: s.lastModified,
        good_path: s.goodPath,
        good_sha256: s.goodSha256,
        good_at: s.goodAt,
      };
      await db
        .insertInto('source_sync_states')
        .values(row)
        .onConflict((oc) =>
          oc.column('source_id').doUpdateSet((eb) => ({
            etag: eb.ref('excluded.etag'),
            last_modified: eb.ref('excluded.last_modified'),
            good_path: eb.ref('excluded.good_path'),
            good_sha256: eb.ref('excluded.good_sha256'),
            good_at: eb.ref('excluded.good_at'),
          })),
        )
        .execute();
    },
    async recordSync(r) {
      await db
        .insertInto('source_syncs')
        .values({
          id: r.id,
          source_id: r.sourceId,
          started_at: r.startedAt,
          finished_at: r.finishedAt,
          result: r.result,
          message: r.message,
          bytes: r.bytes,
          diff_json: r.diff === null ? null : toJson(r.diff),
        })
        .execute();
    },
    async listSyncs(sourceId, limit) {
      const rows = await db
        .selectFrom('source_syncs')
        .selectAll()
        .where('source_id', '=', sourceId)
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(syncFromRow);
    },
    async listSyncsSince(since, results) {
      let q = db.selectFrom('source_syncs').selectAll().where('started_at', '>=', since);
      if (results) q = q.where('result', 'in', results.length > 0 ? results : ['-']);
      const rows = await q.orderBy('started_at').orderBy('id').execute();
      return rows.map(syncFromRow);
    },
  };
  return guardArea(store, {
    noun: 'catalog source',
    missingReference: { code: 'E_SOURCE_NOT_FOUND', message: 'the catalog source does not exist' },
  });
}
