/**
 * Crash safety of `patchhive serve`: 40 agents upload inventories concurrently over HTTP, the
 * server is killed with SIGKILL while uploads are in flight, and restarted on the same data dir
 * (twice in a row). No acknowledged upload may be lost, an unacknowledged one may only be there
 * whole, unfinished assessments must resume, and the bootstrap token must survive untouched.
 * Run on SQLite and, when the local cluster is usable, on PostgreSQL.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDpkgStatus } from '../../src/inventory/dpkg-status.js';
import type { InstalledPackage, Inventory } from '../../src/inventory/model.js';
import { inventoryHash } from '../../src/protocol/inventory-hash.js';
import { openStore } from '../../src/store/open.js';
import { createTestPostgresDatabase } from '../../src/store/test-support.js';
import { ROOT } from '../support/cli.js';
import { logLines, startServe, type ServeProcess } from './serve-process.js';

const AGENTS = 40;
const CYCLES = 2;
/** Acknowledged uploads per cycle before the kill is allowed (a few rounds of every agent). */
const ACKS_BEFORE_KILL = 3 * AGENTS;
/** The kill waits until at least this many uploads are in flight. */
const IN_FLIGHT_AT_KILL = AGENTS / 4;
const DEB = path.join(ROOT, 'test/fixtures/debian');
const BASES: InstalledPackage[][] = ['status-minbase-12-point-release.txt', 'status-host-node-image.txt'].map((f) =>
  parseDpkgStatus(readFileSync(path.join(DEB, f), 'utf8'), f),
);

interface FleetAgent {
  hostname: string;
  machineId: string;
  credential: string;
  base: InstalledPackage[];
  seq: number;
  /** The hash the server last confirmed it holds (an acknowledged upload, or a check-in after a restart). */
  confirmed: string | null;
  /** Hashes sent since `confirmed` without an acknowledgement. */
  unconfirmed: string[];
}

interface LoadState {
  stopping: boolean;
  inFlight: number;
  acked: number;
  failed: string[];
  refused: string[];
}

/** A new inventory of one agent: its base package list plus a marker package whose version is the upload number. */
function inventoryOf(a: FleetAgent, seq: number): Inventory {
  return {
    schema: 'patchhive.inventory/1',
    machine: { name: a.hostname },
    collectedAt: new Date().toISOString(),
    collector: 'dpkg',
    os: {
      family: 'unix',
      platform: 'debian',
      name: 'Debian GNU/Linux 12 (bookworm)',
      release: '12',
      codename: 'bookworm',
      version: '12.15',
      arch: 'amd64',
    },
    packages: {
      manager: 'dpkg',
      items: [
        ...a.base,
        { name: 'patchhive-sigkill-marker', version: `1.0-${seq}`, arch: 'all', source: 'patchhive-sigkill-marker' },
      ],
    },
  };
}

async function waitUntil(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

for (const database of ['sqlite', 'postgres'] as const) {
  describe(`patchhive serve on ${database}`, () => {
    const runs: ServeProcess[] = [];
    const http = new Agent({ headersTimeout: 120_000, bodyTimeout: 120_000 });
    let dataDir: string | undefined;
    let pg: { url: string; drop(): Promise<void> } | undefined;

    afterAll(async () => {
      await Promise.all(runs.map((r) => r.kill('SIGKILL')));
      await http.close();
      await pg?.drop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }, 120_000);

    it('A server killed with SIGKILL during inventory uploads loses no acknowledged upload and restarts cleanly', async (ctx) => {
      if (database === 'postgres') {
        pg = await createTestPostgresDatabase();
        if (!pg) {
          console.warn(
            'server-sigkill on postgres skipped: the local PostgreSQL cluster is not usable (CI=true makes this fail)',
          );
          ctx.skip();
          return;
        }
      }
      dataDir = await mkdtemp(path.join(tmpdir(), `patchhive-sigkill-${database}-`));
      // The fleet enrolls at once with one token from one address: this test is about crashes, not enrollment limits.
      const configFile = path.join(dataDir, 'config.json');
      writeFileSync(
        configFile,
        JSON.stringify({ rateLimit: { enrollmentsPerToken: 1000, enrollmentsPerAddress: 1000 } }),
      );
      const serveArgs = [
        '--config',
        configFile,
        '--data-dir',
        dataDir,
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--log-level',
        'info',
        ...(pg ? ['--database', pg.url] : []),
      ];
      let server = await startServe(serveArgs);
      runs.push(server);
      const tokenFile = path.join(dataDir, 'initial-admin-token');
      const adminToken = readFileSync(tokenFile, 'utf8').trim();
      const tokenFileBefore = { content: readFileSync(tokenFile, 'utf8'), ...pick(statSync(tokenFile)) };

      const call = async <T>(
        method: string,
        url: string,
        opts: { bearer?: string; body?: unknown } = {},
      ): Promise<{ status: number; body: T }> => {
        const res = await fetch(server.url + url, {
          method,
          dispatcher: http,
          headers: {
            ...(opts.bearer ? { authorization: `Bearer ${opts.bearer}` } : {}),
            ...(opts.body ? { 'content-type': 'application/json' } : {}),
          },
          ...(opts.body ? { body: JSON.stringify(opts.body) } : {}),
        });
        return { status: res.status, body: (await res.json()) as T };
      };
      const admin = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
        const res = await call<T>(method, '/api/v1' + url, { bearer: adminToken, body });
        if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
        return res.body;
      };

      // A real catalog, so that assessments have work to do and some are unfinished at the kill.
      const source = await admin<{ id: string }>('POST', '/sources', {
        name: 'bookworm-tracker',
        url: path.join(DEB, 'tracker-bookworm.json'),
        format: 'debian-tracker',
        release: 'bookworm',
      });
      expect((await admin<{ result: string }>('POST', `/sources/${source.id}/sync`)).result).toBe('updated');

      const enrollment = await admin<{ secret: string }>('POST', '/enrollment-tokens', {
        maxUses: 50,
        expiresInHours: 1,
      });
      const fleet: FleetAgent[] = await Promise.all(
        Array.from({ length: AGENTS }, async (_, i) => {
          const hostname = `${database}-sigkill-${String(i).padStart(2, '0')}`;
          const res = await call<{ agentId: string; machineId: string; credential: string }>(
            'POST',
            '/api/v1/agent/enroll',
            { body: { token: enrollment.secret, hostname } },
          );
          expect(res.status, JSON.stringify(res.body)).toBe(201);
          return {
            hostname,
            machineId: res.body.machineId,
            credential: res.body.credential,
            base: BASES[i % BASES.length]!,
            seq: 0,
            confirmed: null,
            unconfirmed: [],
          };
        }),
      );

      const checkin = (a: FleetAgent, hash: string, inventory?: Inventory) =>
        call<{ acceptedInventoryHash: string | null; inventoryWanted: boolean }>('POST', '/api/v1/agent/checkin', {
          bearer: a.credential,
          body: { inventoryHash: hash, ...(inventory ? { inventory } : {}) },
        });

      /** One agent uploading a new inventory after the other until told to stop. */
      const uploadLoop = async (a: FleetAgent, s: LoadState): Promise<void> => {
        while (!s.stopping) {
          const inventory = inventoryOf(a, ++a.seq);
          const hash = inventoryHash(inventory);
          a.unconfirmed.push(hash);
          s.inFlight++;
          try {
            const res = await checkin(a, hash, inventory);
            if (res.status === 200 && res.body.acceptedInventoryHash === hash && !res.body.inventoryWanted) {
              a.confirmed = hash;
              a.unconfirmed = [];
              s.acked++;
            } else {
              s.refused.push(`${a.hostname} #${a.seq}: ${res.status} ${JSON.stringify(res.body)}`);
            }
          } catch (err) {
            const e = err as Error & { cause?: { code?: string } };
            s.failed.push(`${a.hostname} #${a.seq}: ${e.cause?.code ?? e.message}`);
          } finally {
            s.inFlight--;
          }
        }
      };

      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        const s: LoadState = { stopping: false, inFlight: 0, acked: 0, failed: [], refused: [] };
        const loops = fleet.map((a) => uploadLoop(a, s));
        const settled = () => s.refused.length > 0 || s.failed.length > 0;
        await waitUntil('acknowledged uploads', () => settled() || s.acked >= ACKS_BEFORE_KILL, 300_000, 1);
        // A pause that differs per cycle, so the two kills do not land at the same point of a round.
        await new Promise((r) => setTimeout(r, 40 * cycle));
        await waitUntil('uploads in flight', () => settled() || s.inFlight >= IN_FLIGHT_AT_KILL, 300_000, 1);
        s.stopping = true;
        const inFlightAtKill = s.inFlight;
        const failedBeforeKill = s.failed.slice();
        const killed = server;
        await killed.kill('SIGKILL');
        await Promise.all(loops);
        expect(killed.child.signalCode).toBe('SIGKILL');
        // Before the kill every upload was answered 200; only the kill may have cut requests off.
        expect(s.refused, 'uploads refused before the kill').toEqual([]);
        expect(failedBeforeKill, 'uploads failed before the kill').toEqual([]);
        expect(s.failed.length, 'uploads cut off by the kill').toBeGreaterThan(0);
        expect(s.failed.length).toBeLessThanOrEqual(inFlightAtKill);
        expect(logLines(killed.stdout()).filter((l) => l.level >= 50)).toEqual([]);

        // (1) The same data dir starts again, cleanly.
        server = await startServe(serveArgs);
        runs.push(server);
        const health = await call<{ status: string; database: boolean }>('GET', '/healthz');
        expect(health).toEqual({ status: 200, body: { status: 'ok', database: true } });

        // (2) Every acknowledged upload is there; an unacknowledged one only if it was committed whole.
        let committedUnacknowledged = 0;
        for (const a of fleet) {
          const res = await checkin(a, a.confirmed ?? '0'.repeat(64));
          expect(res.status, `${a.hostname}: ${JSON.stringify(res.body)}`).toBe(200);
          const accepted = res.body.acceptedInventoryHash;
          if (accepted === a.confirmed) {
            expect(res.body.inventoryWanted, a.hostname).toBe(false);
          } else {
            expect(a.unconfirmed, `${a.hostname}: stored ${accepted}, last acknowledged ${a.confirmed}`).toContain(
              accepted,
            );
            expect(res.body.inventoryWanted, a.hostname).toBe(true);
            committedUnacknowledged++;
          }
          a.confirmed = accepted;
          a.unconfirmed = [];
        }
        await expectStoredInventoriesWhole(pg?.url ?? `sqlite:${path.join(dataDir, 'patchhive.db')}`, fleet);

        // (3) The assessments left unfinished by the kill are resumed.
        const resumed = Number(
          logLines(server.stdout()).find((l) => l.msg === 'resuming assessments left unfinished')?.machines ?? 0,
        );
        type MachineList = {
          items: { id: string; assessmentPending: boolean; assessedAt: string | null }[];
          total: number;
        };
        let machines: MachineList | undefined;
        await waitUntil(
          'every machine assessed',
          async () => {
            machines = await admin<MachineList>('GET', '/machines?limit=1000');
            return machines.items.every((m) => !m.assessmentPending);
          },
          300_000,
          250,
        );
        expect(machines!.total).toBe(AGENTS);
        expect(machines!.items.filter((m) => m.assessedAt === null)).toEqual([]);

        expect(server.running(), 'the restarted server is still running').toBe(true);
        const restartLog = logLines(server.stdout());
        expect(restartLog.filter((l) => l.level >= 50)).toEqual([]);
        expect(restartLog.filter((l) => /first start/.test(l.msg ?? ''))).toEqual([]);
        expect(
          server
            .stderr()
            .split('\n')
            .filter(
              (l) =>
                l !== '' &&
                !l.startsWith('patchhive: serving on ') &&
                !l.startsWith('patchhive: job-signing key fingerprint: '),
            ),
        ).toEqual([]);

        console.log(
          `server-sigkill ${database} cycle ${cycle}: ${s.acked} uploads acknowledged, ${inFlightAtKill} in flight at the kill, ` +
            `${s.failed.length} cut off (${committedUnacknowledged} of them committed anyway), ${resumed} assessments resumed at restart`,
        );
      }

      // (4) The bootstrap token file was not rewritten, and the token still works.
      expect({ content: readFileSync(tokenFile, 'utf8'), ...pick(statSync(tokenFile)) }).toEqual(tokenFileBefore);
      expect((await call('GET', '/api/v1/me', { bearer: adminToken })).status).toBe(200);
    }, 900_000);
  });
}

/** What a rewrite of a file would change. */
function pick(st: { ino: number; mtimeMs: number; mode: number; size: number }) {
  return { ino: st.ino, mtimeMs: st.mtimeMs, mode: st.mode, size: st.size };
}

/** Reads each machine's stored inventory through a second connection: valid JSON whose content hashes to the stored hash. */
async function expectStoredInventoriesWhole(url: string, fleet: FleetAgent[]): Promise<void> {
  const store = await openStore(url);
  try {
    for (const a of fleet) {
      const stored = await store.machines.getInventory(a.machineId);
      expect(stored?.hash, a.hostname).toBe(a.confirmed);
      expect(inventoryHash(JSON.parse(stored!.json) as Inventory), a.hostname).toBe(stored!.hash);
    }
  } finally {
    await store.close();
  }
}
