/**
 * Databases for the server benchmarks: a SQLite file in a fresh data directory, or a fresh
 * database in the local PostgreSQL cluster over /var/run/postgresql (the same approach as the
 * store's tests), dropped afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { createTestPostgresDatabase } from '../src/store/test-support.js';

export type BenchDatabaseKind = 'sqlite' | 'postgres';

/** A data directory, the database URL for PostgreSQL (SQLite lives in the data directory), and cleanup. */
export interface BenchDatabase {
  kind: BenchDatabaseKind;
  dataDir: string;
  /** Undefined for SQLite: the server's default file <dataDir>/patchhive.db. */
  url: string | undefined;
  cleanup(): Promise<void>;
}

/** Creates a fresh database; undefined when PostgreSQL is asked for and the local cluster is unreachable. */
export async function createBenchDatabase(kind: BenchDatabaseKind): Promise<BenchDatabase | undefined> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `patchhive-bench-${kind}-`));
  const removeDir = () => rm(dataDir, { recursive: true, force: true });
  if (kind === 'sqlite') return { kind, dataDir, url: undefined, cleanup: removeDir };
  const db = await createTestPostgresDatabase().catch(() => undefined);
  if (!db) {
    await removeDir();
    return undefined;
  }
  return {
    kind,
    dataDir,
    url: db.url,
    async cleanup() {
      await db.drop();
      await removeDir();
    },
  };
}

/** Versions of the two database engines ("n/a" when PostgreSQL is unreachable). */
export async function databaseVersions(): Promise<{ sqlite: string; postgres: string }> {
  const mem = new SqliteDatabase(':memory:');
  const sqlite = (mem.prepare('select sqlite_version() as v').get() as { v: string }).v;
  mem.close();
  let postgres = 'n/a';
  const db = await createBenchDatabase('postgres');
  if (db) {
    const client = new pg.Client({ connectionString: db.url });
    try {
      await client.connect();
      const row = (
        await client.query<{ v: string; sc: string }>(
          "select current_setting('server_version') as v, current_setting('synchronous_commit') as sc",
        )
      ).rows[0]!;
      postgres = `${row.v} (synchronous_commit ${row.sc})`;
    } finally {
      await client.end().catch(() => undefined);
      await db.cleanup();
    }
  }
  return { sqlite: `${sqlite} (WAL, synchronous FULL, via better-sqlite3)`, postgres };
}
