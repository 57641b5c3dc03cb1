/**
 * Opens the store named by a database URL: `postgres://` / `postgresql://` (PostgreSQL through a
 * pg Pool) or `sqlite:PATH`, a plain file path or `:memory:` (SQLite through better-sqlite3).
 * Opening does not migrate; `store.migrate()` does.
 */
import { chmodSync, existsSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { PatchhiveError } from '../errors.js';
import { createKyselyStore, type Database } from './kysely-store.js';
import type { Store } from './ports.js';

/** Where a database URL points. */
export type StoreTarget = { kind: 'postgres'; url: string } | { kind: 'sqlite'; path: string };

/** Options for openStore. */
export interface OpenStoreOptions {
  /** Receives one-line notes (migrations applied, idle connection errors); never secrets. */
  log?: (msg: string) => void;
}

/** How long to wait for SQLite's write lock held by another process before failing. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

const fail = (message: string, cause?: unknown) => new PatchhiveError('E_STORE_FAILED', message, undefined, { cause });

/** Classifies a database URL; anything that is not one is E_STORE_FAILED. */
export function parseStoreUrl(url: string): StoreTarget {
  if (url.trim() === '') throw fail('the database URL is empty');
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url };
  if (/^sqlite:/i.test(url)) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw fail('the sqlite: URL names no file');
    return { kind: 'sqlite', path };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
  if (scheme) throw fail(`unsupported database URL scheme "${scheme}:" (use postgres://, postgresql:// or sqlite:)`);
  return { kind: 'sqlite', path: url };
}

/** The URL's password (userinfo or `password=` parameter), to keep it out of messages. */
function passwordsIn(url: string): string[] {
  try {
    const u = new URL(url);
    return [decodeURIComponent(u.password), u.password, u.searchParams.get('password') ?? ''].filter(
      (p) => p.length > 0,
    );
  } catch {
    const m = /^[^:]+:\/\/[^:@/]*:([^@/]*)@/.exec(url);
    return m?.[1] ? [m[1]] : [];
  }
}

/** Removes the URL's password from a message. */
function scrub(message: string, url: string): string {
  let out = message;
  for (const p of passwordsIn(url)) out = out.split(p).join('***');
  return out;
}

/** "host:port/database" of a PostgreSQL URL, without user or password. */
export function describePostgresTarget(url: string): string {
  try {
    const u = new URL(url);
    const host = u.searchParams.get('host') ?? (decodeURIComponent(u.hostname) || 'localhost');
    return `${host}:${u.port || '5432'}/${decodeURIComponent(u.pathname.slice(1)) || '(default database)'}`;
  } catch {
    return '(unparseable URL)';
  }
}

async function openPostgres(url: string, log?: (msg: string) => void): Promise<Store> {
  if (!URL.canParse(url))
    throw fail('the PostgreSQL URL is malformed (expected postgres://user:password@host:port/database)');
  const target = describePostgresTarget(url);
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  } catch (err) {
    throw fail(`invalid PostgreSQL URL for ${target}: ${scrub((err as Error).message, url)}`, err);
  }
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', (err) => log?.(`store: idle PostgreSQL connection to ${target} failed: ${scrub(err.message, url)}`));
  try {
    await pool.query('select 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw fail(`cannot connect to PostgreSQL at ${target}: ${scrub((err as Error).message, url)}`, err);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return createKyselyStore(db, 'postgres', log);
}

function openSqlite(path: string, log?: (msg: string) => void): Store {
  const inMemory = path === ':memory:';
  const isNew = !inMemory && !existsSync(path);
  let sqlite: SqliteDatabase.Database;
  try {
    sqlite = new SqliteDatabase(path);
  } catch (err) {
    throw fail(`cannot open SQLite database ${path}: ${(err as Error).message}`, err);
  }
  try {
    const mode = sqlite.pragma('journal_mode = WAL', { simple: true });
    if (!inMemory && mode !== 'wal') log?.(`store: SQLite journal mode is ${String(mode)}, not wal`);
    // FULL: a write acknowledged to an agent survives power loss or SIGKILL, also in WAL mode.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // The database holds credential hashes: readable by the server's user only.
    if (isNew) chmodSync(path, 0o600);
  } catch (err) {
    sqlite.close();
    throw fail(`cannot use SQLite database ${path}: ${(err as Error).message}`, err);
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return createKyselyStore(db, 'sqlite', log);
}

/** Opens (without migrating) the store at `url`; a bad URL or unreachable database is E_STORE_FAILED. */
export async function openStore(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const target = parseStoreUrl(url);
  return target.kind === 'postgres' ? openPostgres(target.url, opts.log) : openSqlite(target.path, opts.log);
}
