/**
 * A large fleet for console tests, written straight into a test server's SQLite database in one
 * transaction with prepared statements (the services create machines one at a time, which takes
 * minutes for 100,000). The rows are what `machines import` would create: imported machines with
 * an OS, an owner and a role, named so that their order by name is their number.
 */
import SqliteDatabase from 'better-sqlite3';
import path from 'node:path';

export const OWNERS = ['web-team', 'db-team', 'ops', 'payments'] as const;

/** The name of machine `i` (0-based): names sort in the order of their numbers. */
export function fleetName(i: number): string {
  return `host-${String(i).padStart(6, '0')}`;
}

/**
 * Inserts machines `from` … `count - 1` into the SQLite database in `dataDir` (so that a second call
 * grows a fleet); returns the milliseconds it took.
 */
export function seedFleet(dataDir: string, count: number, from = 0): number {
  const t0 = performance.now();
  const db = new SqliteDatabase(path.join(dataDir, 'patchhive.db'));
  try {
    db.pragma('busy_timeout = 10000');
    const insert = db.prepare(
      `INSERT INTO machines (id, name, os_json, role, criticality, owner, location, tags_json, internet_facing,
         source, agent_id, created_at, last_seen_at, inventory_hash, inventory_at, assessed_hash, assessed_at)
       VALUES (?, ?, ?, ?, 'medium', ?, NULL, '[]', 0, 'import', NULL, ?, NULL, NULL, NULL, NULL, NULL)`,
    );
    const at = new Date().toISOString();
    const os = [
      JSON.stringify({ family: 'linux', platform: 'debian', release: '12', codename: 'bookworm' }),
      JSON.stringify({ family: 'linux', platform: 'debian', release: '11', codename: 'bullseye' }),
      JSON.stringify({ family: 'windows', platform: 'windows', release: '10.0.20348' }),
    ];
    db.transaction(() => {
      for (let i = from; i < count; i++) {
        const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
        insert.run(id, fleetName(i), os[i % os.length], i % 2 ? 'web' : 'db', OWNERS[i % OWNERS.length], at);
      }
    })();
  } finally {
    db.close();
  }
  return performance.now() - t0;
}
