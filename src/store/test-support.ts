/**
 * Test support for the store: a fresh PostgreSQL database in the local cluster (over the unix
 * socket, as the current OS user; scripts/setup-test-deps.sh creates the role), and a migrated
 * SQLite store in a temp directory. For tests only.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore } from './open.js';
import type { Store } from './ports.js';

const SOCKET_DIR = '/var/run/postgresql';

function adminConfig(database: string): pg.ClientConfig {
  return {
    host: SOCKET_DIR,
    port: Number(process.env.PGPORT ?? 5432),
    user: userInfo().username,
    database,
    connectionTimeoutMillis: 5_000,
  };
}

async function withAdminClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(adminConfig('postgres'));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A store URL for a database of the local cluster, reached over the unix socket. */
export function localPostgresUrl(database: string): string {
  const { user, port } = adminConfig(database);
  return `postgresql://${encodeURIComponent(user!)}@${encodeURIComponent(SOCKET_DIR)}:${port}/${encodeURIComponent(database)}`;
}

/**
 * Creates a uniquely named database in the local PostgreSQL cluster and returns its URL and a
 * `drop`. When the cluster is not reachable: throws on CI (CI=true must run the PostgreSQL tests),
 * else returns undefined so the caller can skip visibly.
 */
export async function createTestPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  const name = `patchhive_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  try {
    await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`));
  } catch (err) {
    const why = `PostgreSQL at ${SOCKET_DIR} is not usable: ${(err as Error).message}`;
    if (process.env.CI === 'true')
      throw new Error(`${why} (CI must run the PostgreSQL tests; run scripts/setup-test-deps.sh)`, { cause: err });
    return undefined;
  }
  let dropped = false;
  return {
    url: localPostgresUrl(name),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** A migrated SQLite store on a file in a fresh temp directory; `cleanup` closes it and removes the directory. */
export async function createTestSqliteStore(): Promise<{
  store: Store;
  url: string;
  dir: string;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(path.join(tmpdir(), 'patchhive-store-'));
  const url = `sqlite:${path.join(dir, 'patchhive.db')}`;
  const store = await openStore(url);
  await store.migrate();
  return {
    store,
    url,
    dir,
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A migrated store on a fresh PostgreSQL database (undefined when skipped, see createTestPostgresDatabase). */
export async function createTestPostgresStore(): Promise<
  { store: Store; url: string; cleanup(): Promise<void> } | undefined
> {
  const db = await createTestPostgresDatabase();
  if (!db) return undefined;
  let store: Store;
  try {
    store = await openStore(db.url);
    await store.migrate();
  } catch (err) {
    await db.drop();
    throw err;
  }
  return {
    store,
    url: db.url,
    async cleanup() {
      await store.close();
      await db.drop();
    },
  };
}
