/**
 * The audit trail against a tamperer, on SQLite and PostgreSQL: the database refuses UPDATE and
 * DELETE; with the database owner's rights (the trigger dropped or disabled) an edited or deleted
 * row still shows, and verification names the first bad entry.
 */
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { auditEntryHash, verifyAuditChain, type AuditEntry } from '../protocol/audit.js';
import { auditDraft } from './contract/audit.js';
import type { Store } from './ports.js';
import { createTestPostgresStore, createTestSqliteStore } from './test-support.js';

/** Raw SQL on the store's database, outside the store (as the database owner). */
interface Owner {
  exec(statement: string): Promise<void>;
  close(): Promise<void>;
}

interface Opened {
  store: Store;
  owner: Owner;
  cleanup(): Promise<void>;
}

async function openSqlite(): Promise<Opened> {
  const t = await createTestSqliteStore();
  const raw = new SqliteDatabase(t.url.slice('sqlite:'.length));
  raw.pragma('busy_timeout = 5000');
  const owner: Owner = { exec: async (s) => void raw.exec(s), close: async () => void raw.close() };
  return { store: t.store, owner, cleanup: async () => (await owner.close(), await t.cleanup()) };
}

async function openPostgres(): Promise<Opened | undefined> {
  const t = await createTestPostgresStore();
  if (!t) return undefined;
  const client = new pg.Client({ connectionString: t.url });
  await client.connect();
  const owner: Owner = { exec: async (s) => void (await client.query(s)), close: () => client.end() };
  return { store: t.store, owner, cleanup: async () => (await owner.close(), await t.cleanup()) };
}

const LIFT_GUARD = {
  sqlite: ['drop trigger audit_log_no_update', 'drop trigger audit_log_no_delete'],
  postgres: ['alter table audit_log disable trigger audit_log_append_only'],
};

async function chainOf(store: Store): Promise<AuditEntry[]> {
  return store.audit.range(0, 1000);
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`audit trail against tampering: ${kind}`, () => {
    let opened: Opened | undefined;
    afterEach(async () => {
      await opened?.cleanup();
      opened = undefined;
    });

    async function withFive(): Promise<Opened | undefined> {
      opened = kind === 'sqlite' ? await openSqlite() : await openPostgres();
      if (!opened) {
        console.warn(`SKIPPED: audit tampering on ${kind}: no local PostgreSQL cluster`);
        return undefined;
      }
      for (let i = 1; i <= 5; i++)
        await opened.store.audit.append(auditDraft({ requestId: `req-${i}`, summary: { name: `g${i}` } }));
      expect(verifyAuditChain(await chainOf(opened.store), true)).toMatchObject({ ok: true, count: 5, lastSeq: 5 });
      return opened;
    }

    it('refuses UPDATE and DELETE in the database itself', async () => {
      const o = await withFive();
      if (!o) return;
      await expect(o.owner.exec(`update audit_log set status = 200 where seq = 2`)).rejects.toThrow(/append-only/);
      await expect(o.owner.exec(`delete from audit_log where seq = 2`)).rejects.toThrow(/append-only/);
      if (kind === 'postgres') await expect(o.owner.exec('truncate audit_log')).rejects.toThrow(/append-only/);
      expect(verifyAuditChain(await chainOf(o.store), true)).toMatchObject({ ok: true, count: 5 });
    });

    it('names an edited entry (hash mismatch), and the next one when the hash was recomputed', async () => {
      const o = await withFive();
      if (!o) return;
      for (const s of LIFT_GUARD[kind]) await o.owner.exec(s);
      await o.owner.exec(`update audit_log set summary_json = '{"name":"harmless"}' where seq = 3`);
      expect(verifyAuditChain(await chainOf(o.store), true)).toMatchObject({
        ok: false,
        seq: 3,
        reason: expect.stringMatching(/hash mismatch/),
      });
      // A tamperer who also recomputes entry 3's own hash breaks entry 4's link instead.
      const edited = (await chainOf(o.store))[2]!;
      await o.owner.exec(`update audit_log set hash = '${auditEntryHash(edited)}' where seq = 3`);
      expect(verifyAuditChain(await chainOf(o.store), true)).toMatchObject({
        ok: false,
        seq: 4,
        reason: expect.stringMatching(/previous-hash mismatch: entry 3/),
      });
    });

    it('names the entry after a deleted one (sequence gap), and a deleted first entry', async () => {
      const o = await withFive();
      if (!o) return;
      for (const s of LIFT_GUARD[kind]) await o.owner.exec(s);
      await o.owner.exec('delete from audit_log where seq = 3');
      expect(verifyAuditChain(await chainOf(o.store), true)).toMatchObject({
        ok: false,
        seq: 4,
        reason: expect.stringMatching(/gap after entry 2/),
      });
      await o.owner.exec('delete from audit_log where seq = 1');
      expect(verifyAuditChain(await chainOf(o.store), true)).toMatchObject({
        ok: false,
        seq: 2,
        reason: expect.stringMatching(/starts at entry 2/),
      });
    });

    it('cannot see the newest entries cut off alone (an exported head hash can)', async () => {
      const o = await withFive();
      if (!o) return;
      const exportedHead = (await chainOf(o.store)).at(-1)!;
      for (const s of LIFT_GUARD[kind]) await o.owner.exec(s);
      await o.owner.exec('delete from audit_log where seq >= 4');
      const left = await chainOf(o.store);
      const result = verifyAuditChain(left, true);
      expect(result).toMatchObject({ ok: true, lastSeq: 3 });
      expect(result.ok && result.headHash).not.toBe(exportedHead.hash);
      // The next append continues after the cut, so the head seen outside no longer matches.
      const next = await o.store.audit.append(auditDraft());
      expect(next.seq).toBe(4);
      expect(next.hash).not.toBe(exportedHead.hash);
    });
  });
}
