/**
 * The fleet end to end: a server on loopback, three real Debian machines (debootstrap minbase
 * chroots of the point release), each with its own running agent (`--root`), enrolled with one
 * token. Each machine's findings from the API must equal `patchhive scan --root` of the same
 * chroot; after a real `apt-get upgrade` inside one chroot its findings resolve on the next
 * check-in. Run on SQLite and on PostgreSQL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDebianMachine,
  cleanupStaleMounts,
  whyNoDebianMachines,
  type DebianMachine,
} from '../support/debian-machines.js';
import { buildIndexOval, readXz } from '../support/index-oval.js';
import { CLI_MAIN, ROOT, runCli } from '../support/cli.js';
import { startTestServer, type TestDatabase, type TestServer } from '../support/server.js';
import { adminApi } from './server-test-helpers.js';

const PACKAGES = path.join(ROOT, 'test/fixtures/debian/bookworm-security-main-amd64-Packages.xz');
const skipReason = process.env.CI === 'true' ? undefined : await whyNoDebianMachines();
if (skipReason) console.warn(`fleet e2e skipped: ${skipReason}`);

interface Verdict {
  bulletin: string;
  status: string;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

for (const database of ['sqlite', 'postgres'] as TestDatabase[]) {
  describe.skipIf(skipReason !== undefined)(`a fleet of three Debian machines on ${database}`, () => {
    let work: string;
    let server: TestServer | undefined;
    let machines: DebianMachine[] = [];
    const agents: ChildProcess[] = [];
    const agentLogs: string[] = [];
    let catalogFile: string;

    const api = adminApi(() => server!);

    const apiVerdicts = async (machineName: string): Promise<Verdict[]> => {
      const res = await api<{ items: { bulletinId: string; status: string }[]; total: number }>(
        'GET',
        `/findings?machine=${encodeURIComponent(machineName)}&status=missing,affected,unknown,superseded,installed&resolved=any&limit=1000`,
      );
      expect(res.total).toBeLessThanOrEqual(1000);
      return res.items.map((f) => ({ bulletin: f.bulletinId, status: f.status })).sort(byBulletin);
    };

    const scanVerdicts = async (m: DebianMachine): Promise<Verdict[]> => {
      const r = await runCli(
        [
          'scan',
          '--root',
          m.root,
          '--catalog',
          catalogFile,
          '--format',
          'json',
          '--status',
          'missing,affected,unknown,superseded,installed',
        ],
        { timeoutMs: 120_000 },
      );
      expect([0, 1], r.stderr).toContain(r.code);
      const out = JSON.parse(r.stdout) as { findings: { bulletin: string; status: string }[] };
      return out.findings.map((f) => ({ bulletin: f.bulletin, status: f.status })).sort(byBulletin);
    };

    beforeAll(async () => {
      work = await mkdtemp(path.join(tmpdir(), `patchhive-fleet-${database}-`));
      server = await startTestServer({ database, listen: true, config: { checkinIntervalSeconds: 5 } });
      if (!server) return;
      catalogFile = path.join(work, 'bookworm-security-index.oval.xml');
      await writeFile(catalogFile, buildIndexOval(readXz(PACKAGES), { release: '12' }));
      const source = await api<{ id: string }>('POST', '/sources', {
        name: 'bookworm-security-index',
        url: catalogFile,
      });
      const sync = await api<{ result: string }>('POST', `/sources/${source.id}/sync`);
      expect(sync.result).toBe('updated');

      machines = await Promise.all(
        ['web-1', 'web-2', 'db-1'].map((n) => createDebianMachine(`${database.slice(0, 2)}-${n}`, work)),
      );
      const enrollment = await api<{ secret: string }>('POST', '/enrollment-tokens', { maxUses: 3, expiresInHours: 1 });
      const tokenFile = path.join(work, 'enroll-token');
      await writeFile(tokenFile, enrollment.secret, { mode: 0o600 });
      // The fingerprint an administrator would read from `patchhive serve` or GET /server-key.
      const { fingerprint } = await api<{ fingerprint: string }>('GET', '/server-key');
      for (const m of machines) {
        const r = await runCli([
          'agent',
          'enroll',
          '--server',
          server.url,
          '--token-file',
          tokenFile,
          '--root',
          m.root,
          '--server-key-fingerprint',
          fingerprint,
        ]);
        expect(r.code, r.stderr).toBe(0);
        const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, 'agent', 'run', '--root', m.root], {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout.on('data', (d: Buffer) => agentLogs.push(`${m.name}: ${d.toString()}`));
        child.stderr.on('data', (d: Buffer) => agentLogs.push(`${m.name}: ${d.toString()}`));
        agents.push(child);
      }
    }, 600_000);

    afterAll(async () => {
      for (const a of agents) a.kill('SIGTERM');
      await Promise.all(
        agents.map((a) => (a.exitCode !== null ? Promise.resolve() : new Promise((r) => a.once('exit', r)))),
      );
      await server?.destroy();
      for (const m of machines) await m.destroy();
      if (work) {
        await cleanupStaleMounts(work);
        await rm(work, { recursive: true, force: true });
      }
    }, 300_000);

    it('enrolls every machine with one token and assesses each as it arrives', async () => {
      if (!server) return;
      const listed = await waitFor('three assessed machines', async () => {
        const res = await api<{
          items: { name: string; assessedAt: string | null; assessmentPending: boolean; source: string }[];
        }>('GET', '/machines');
        const done = res.items.filter((m) => m.assessedAt && !m.assessmentPending);
        return done.length === 3 ? res.items : undefined;
      });
      expect(listed.map((m) => m.source)).toEqual(['agent', 'agent', 'agent']);
    }, 300_000);

    it("each machine's findings from the API equal `patchhive scan --root` of its chroot", async () => {
      if (!server) return;
      for (const m of machines) {
        const fromApi = await apiVerdicts(machineNameOf(m));
        const fromScan = await scanVerdicts(m);
        expect(fromApi.length).toBeGreaterThan(5);
        expect(fromApi.filter((v) => v.status === 'missing').length).toBeGreaterThan(0);
        expect(fromApi).toEqual(fromScan);
      }
    }, 600_000);

    it('after apt-get upgrade inside one chroot, its findings resolve on the next check-in', async () => {
      if (!server) return;
      const [target, ...others] = machines as [DebianMachine, ...DebianMachine[]];
      const name = machineNameOf(target);
      const before = (await apiVerdicts(name)).filter((v) => v.status === 'missing');
      const othersBefore = await Promise.all(others.map((m) => apiVerdicts(machineNameOf(m))));
      await target.aptUpgrade();
      expect(await target.upgradable()).toEqual([]);
      await waitFor('the upgraded machine to have no missing findings', async () => {
        const now = await apiVerdicts(name);
        return now.some((v) => v.status === 'missing') ? undefined : true;
      });
      const resolved = await api<{ items: { bulletinId: string; resolvedAt: string | null; status: string }[] }>(
        'GET',
        `/findings?machine=${encodeURIComponent(name)}&resolved=true&status=all&limit=1000`,
      );
      const resolvedIds = new Set(resolved.items.filter((f) => f.resolvedAt).map((f) => f.bulletinId));
      for (const v of before) expect(resolvedIds.has(v.bulletin), v.bulletin).toBe(true);
      expect(await apiVerdicts(name)).toEqual(await scanVerdicts(target));
      // the other machines did not change
      expect(await Promise.all(others.map((m) => apiVerdicts(machineNameOf(m))))).toEqual(othersBefore);
    }, 600_000);
  });
}

function byBulletin(a: Verdict, b: Verdict): number {
  return a.bulletin < b.bulletin ? -1 : a.bulletin > b.bulletin ? 1 : 0;
}

/** The agent reports the chroot's /etc/hostname, which createDebianMachine set to its name. */
function machineNameOf(m: DebianMachine): string {
  return m.name;
}
