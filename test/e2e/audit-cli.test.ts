/**
 * `patchhive audit list|export|verify` against a real server on SQLite and PostgreSQL: the export
 * verifies offline; an edited or deleted line of the export, and an edited or deleted row of the
 * database (its append-only trigger lifted, as only the database owner can), make `verify` exit 1
 * naming the first bad entry.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPostgresDatabase } from '../../src/store/test-support.js';
import { describeRun, makeTempDir, removeTempDir, runCli } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/server.js';

for (const database of ['sqlite', 'postgres'] as const) {
  describe(`patchhive audit: ${database}`, () => {
    let server: TestServer | undefined;
    let pgDb: { url: string; drop(): Promise<void> } | undefined;
    let tmp: string;
    let env: Record<string, string>;

    /** Runs SQL on the server's database as its owner, outside the server. */
    async function asOwner(statements: string[]): Promise<void> {
      if (database === 'sqlite') {
        const raw = new SqliteDatabase(path.join(server!.dataDir, 'patchhive.db'));
        try {
          for (const s of statements) raw.exec(s);
        } finally {
          raw.close();
        }
        return;
      }
      const client = new pg.Client({ connectionString: pgDb!.url });
      await client.connect();
      try {
        for (const s of statements) await client.query(s);
      } finally {
        await client.end();
      }
    }

    beforeAll(async () => {
      tmp = makeTempDir('patchhive-audit-cli-');
      if (database === 'postgres') {
        pgDb = await createTestPostgresDatabase();
        if (!pgDb) return console.warn('SKIPPED: audit CLI on postgres: no local PostgreSQL cluster');
      }
      server = await startTestServer({ listen: true, ...(pgDb ? { config: { database: pgDb.url } } : {}) });
      env = { PATCHHIVE_SERVER: server!.url, PATCHHIVE_TOKEN: server!.adminToken };
      for (const name of ['web', 'db', 'mail', 'dns']) {
        const res = await server!.app.inject({
          method: 'POST',
          url: '/api/v1/groups',
          headers: { authorization: `Bearer ${server!.adminToken}` },
          payload: { name, kind: 'static' },
        });
        expect(res.statusCode).toBe(201);
      }
    }, 60_000);
    afterAll(async () => {
      await server?.destroy();
      await pgDb?.drop();
      removeTempDir(tmp);
    });

    it('lists, exports and verifies, also offline from the export', async (t) => {
      if (!server) return t.skip();
      const table = await runCli(['audit', 'list', '--limit', '2'], { env });
      expect(table.code, describeRun(table)).toBe(0);
      expect(table.stdout).toMatch(/SEQ\s+TIME\s+ACTOR/);
      expect(table.stdout).toContain('POST /api/v1/groups');
      expect(table.stdout).toContain('(more: --before 3)');
      const json = await runCli(['audit', 'list', '--format', 'json', '--actor', 'admin', '--since', '1h'], { env });
      expect(JSON.parse(json.stdout).items).toHaveLength(4);

      const file = path.join(tmp, `${database}.jsonl`);
      const exported = await runCli(['audit', 'export', '-o', file], { env });
      expect(exported.code, describeRun(exported)).toBe(0);
      expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(4);
      const online = await runCli(['audit', 'verify'], { env });
      expect(online.code, describeRun(online)).toBe(0);
      expect(online.stdout).toMatch(/^audit trail intact: 4 entries, 1–4; head hash [0-9a-f]{64} \(server\)\n$/);
      const offline = await runCli(['audit', 'verify', '--file', file]);
      expect(offline.code, describeRun(offline)).toBe(0);
      expect(offline.stdout).toContain(online.stdout.split('head hash ')[1]!.split(' ')[0]);
    });

    it('names the first bad line of an edited or cut export, and refuses a partial one unless told', async (t) => {
      // Offline: the same on either database, so run once.
      if (!server || database === 'postgres') return t.skip();
      const lines = readFileSync(path.join(tmp, `${database}.jsonl`), 'utf8')
        .trim()
        .split('\n');
      const edited = path.join(tmp, 'edited.jsonl');
      writeFileSync(
        edited,
        [lines[0], lines[1]!.replace('"status":201', '"status":403'), lines[2], lines[3]].join('\n') + '\n',
      );
      const e = await runCli(['audit', 'verify', '--file', edited]);
      expect(e.code, describeRun(e)).toBe(1);
      expect(e.stdout).toBe(
        `audit trail BROKEN at entry 2: hash mismatch: the entry was changed after it was written (${edited})\n`,
      );
      const cut = path.join(tmp, 'cut.jsonl');
      writeFileSync(cut, [lines[0], lines[2], lines[3]].join('\n') + '\n');
      const c = await runCli(['audit', 'verify', '--file', cut, '--format', 'json']);
      expect(c.code, describeRun(c)).toBe(1);
      expect(JSON.parse(c.stdout)).toMatchObject({
        ok: false,
        seq: 3,
        reason: expect.stringMatching(/gap after entry 1/),
      });
      const tail = path.join(tmp, 'tail.jsonl');
      writeFileSync(tail, lines.slice(2).join('\n') + '\n');
      expect((await runCli(['audit', 'verify', '--file', tail])).code).toBe(1);
      expect((await runCli(['audit', 'verify', '--file', tail, '--partial'])).code).toBe(0);
      const junk = path.join(tmp, 'junk.jsonl');
      writeFileSync(junk, lines[0] + '\n{"seq": 2}\n');
      const j = await runCli(['audit', 'verify', '--file', junk]);
      expect(j.code).toBe(2);
      expect(j.stderr).toMatch(/junk\.jsonl:2: not an audit entry.*\[E_INPUT_MALFORMED\]/);
    });

    it('names the first bad entry after a row of the database was edited, then deleted', async (t) => {
      if (!server) return t.skip();
      const lift =
        database === 'sqlite'
          ? ['drop trigger audit_log_no_update', 'drop trigger audit_log_no_delete']
          : ['alter table audit_log disable trigger audit_log_append_only'];
      await asOwner([...lift, `update audit_log set summary_json = '{"name":"innocent"}' where seq = 2`]);
      const edited = await runCli(['audit', 'verify'], { env });
      expect(edited.code, describeRun(edited)).toBe(1);
      expect(edited.stdout).toMatch(/^audit trail BROKEN at entry 2: hash mismatch/);
      await asOwner(['delete from audit_log where seq = 2']);
      const deleted = await runCli(['audit', 'verify'], { env });
      expect(deleted.code, describeRun(deleted)).toBe(1);
      expect(deleted.stdout).toMatch(/^audit trail BROKEN at entry 3: sequence gap after entry 1: 1 entry deleted/);
    });
  });
}
