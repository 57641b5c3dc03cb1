/** openStore: URL classification, failures as E_STORE_FAILED without secrets, SQLite file setup and durability. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { expectStoreError } from './contract/builders.js';
import { describePostgresTarget, openStore, parseStoreUrl } from './open.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'patchhive-open-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('parseStoreUrl', () => {
  it.each([
    ['postgres://u:p@db.example:5433/patchhive', { kind: 'postgres', url: 'postgres://u:p@db.example:5433/patchhive' }],
    [
      'postgresql:///patchhive?host=/var/run/postgresql',
      { kind: 'postgres', url: 'postgresql:///patchhive?host=/var/run/postgresql' },
    ],
    ['sqlite:/var/lib/patchhive/db.sqlite', { kind: 'sqlite', path: '/var/lib/patchhive/db.sqlite' }],
    ['sqlite:///var/lib/patchhive/db.sqlite', { kind: 'sqlite', path: '/var/lib/patchhive/db.sqlite' }],
    ['sqlite:relative.db', { kind: 'sqlite', path: 'relative.db' }],
    ['sqlite::memory:', { kind: 'sqlite', path: ':memory:' }],
    [':memory:', { kind: 'sqlite', path: ':memory:' }],
    ['/srv/patchhive.db', { kind: 'sqlite', path: '/srv/patchhive.db' }],
  ])('%s', (url, expected) => {
    expect(parseStoreUrl(url)).toEqual(expected);
  });

  it.each(['', 'sqlite:', 'mysql://root:pw@localhost/db', 'http://example.org/db'])(
    'refuses %j (E_STORE_FAILED)',
    async (url) => {
      const err = await expectStoreError(openStore(url), 'E_STORE_FAILED');
      expect(err.message).not.toContain('pw@');
    },
  );
});

describe('describePostgresTarget', () => {
  it.each([
    ['postgres://u:secret@db.example:5433/patchhive', 'db.example:5433/patchhive'],
    ['postgresql://root@%2Fvar%2Frun%2Fpostgresql:5432/x', '/var/run/postgresql:5432/x'],
    ['postgresql:///ph?host=/tmp/sock&password=secret', '/tmp/sock:5432/ph'],
  ])('%s → %s', (url, expected) => {
    expect(describePostgresTarget(url)).toBe(expected);
  });
});

describe('openStore', () => {
  it.each([
    'postgres://patch:s3cretpw@127.0.0.1:1/patchhive',
    'postgresql://patch@127.0.0.1:1/patchhive?password=s3cretpw',
    'postgres://patch:s3cretpw@127.0.0.1:notaport/patchhive',
  ])('reports an unreachable or malformed PostgreSQL URL in one line without the password: %s', async (url) => {
    const err = await expectStoreError(openStore(url), 'E_STORE_FAILED');
    expect(err.message).not.toContain('s3cretpw');
    expect(err.message).not.toContain('\n');
    expect(err.message).toMatch(/PostgreSQL/);
  });

  it('reports a SQLite file that cannot be created (E_STORE_FAILED)', async () => {
    const dir = await tempDir();
    const err = await expectStoreError(openStore(path.join(dir, 'no', 'such', 'dir', 'db.sqlite')), 'E_STORE_FAILED');
    expect(err.message).toContain('no/such/dir');
  });

  it('creates a SQLite file readable by its owner only, in WAL mode', async () => {
    const file = path.join(await tempDir(), 'store.db');
    const store = await openStore(`sqlite:${file}`);
    await store.migrate();
    await store.close();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const raw = new SqliteDatabase(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('works in memory', async () => {
    const store = await openStore(':memory:');
    await store.migrate();
    expect(store.kind).toBe('sqlite');
    expect(await store.machines.list()).toEqual([]);
    await store.close();
  });

  it('reports queries on a closed store as E_STORE_FAILED', async () => {
    const store = await openStore(':memory:');
    await store.migrate();
    await store.close();
    await expectStoreError(store.ping(), 'E_STORE_FAILED');
    await expectStoreError(store.machines.list(), 'E_STORE_FAILED');
  });

  it('keeps an acknowledged SQLite write when the writing process is killed with SIGKILL', async () => {
    const file = path.join(await tempDir(), 'store.db');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./testdata/write-then-hang.ts', import.meta.url)), file],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('committed\n')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const store = await openStore(file);
    try {
      expect(await store.machines.getInventory('m-killed')).toEqual({
        hash: 'h-acked',
        json: '{"packages":[]}',
        at: '2026-03-01T00:01:00.000Z',
      });
      expect((await store.machines.get('m-killed'))?.inventoryHash).toBe('h-acked');
    } finally {
      await store.close();
    }
  });
});
