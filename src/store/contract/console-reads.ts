/** Contract of the console's reads: the machine search, a machine's packages and jobs, syncs since a time, visits. */
import { describe, expect, it } from 'vitest';
import type { MachineRecord, MachineSearch, Store, SyncRecord } from '../ports.js';
import { at, deployment, finding, job, machine, source, uid, user, type ContractContext } from './builders.js';

function inventoryJson(packages: { name: string; version: string; arch?: string; source?: string }[]): string {
  return JSON.stringify({
    schema: 'patchhive.inventory/1',
    machine: { name: 'x' },
    collectedAt: at(0),
    os: { family: 'unix', platform: 'debian' },
    packages: { manager: 'dpkg', items: packages },
  });
}

/** Five machines with distinct names, OS, owners, tags, contact times, findings and packages. */
async function fleet(s: Store) {
  const p = uid('fleet');
  const mk = (name: string, over: Partial<MachineRecord>) => machine({ name: `${p}-${name}`, ...over });
  const web = mk('web', { owner: 'Alice@example.org', tags: ['prod', 'web'], lastSeenAt: at(100) });
  const db = mk('db', {
    owner: 'bob@example.org',
    tags: ['prod', 'db'],
    os: { family: 'unix', platform: 'rhel', release: '9' },
    lastSeenAt: at(10),
  });
  const win = mk('win', {
    owner: null,
    tags: [],
    os: { family: 'windows', platform: 'windows', release: '10.0' },
    source: 'import',
  });
  const fresh = mk('fresh', { tags: ['lab'], lastSeenAt: at(50) });
  const none = mk('none', { os: null, tags: [], lastSeenAt: null });
  const all = [web, db, win, fresh, none];
  for (const m of all) await s.machines.create(m);
  const openssl = uid('openssl');
  await s.machines.putInventory(
    web.id,
    'h-web',
    inventoryJson([
      { name: openssl, version: '3.0.11-1~deb12u2', arch: 'amd64', source: openssl },
      { name: 'libc6', version: '2.36-9' },
    ]),
    at(90),
  );
  await s.machines.putInventory(db.id, 'h-db', inventoryJson([{ name: openssl, version: '3.0.15-1~deb12u1' }]), at(5));
  await s.machines.putInventory(win.id, 'h-win', inventoryJson([]), at(20));
  await s.machines.putInventory(
    fresh.id,
    'h-fresh',
    inventoryJson([{ name: openssl, version: '3.0.11-1~deb12u2' }]),
    at(40),
  );
  await s.machines.markAssessed(web.id, 'h-web', at(91));
  await s.machines.markAssessed(db.id, 'h-db', at(6));
  await s.machines.markAssessed(win.id, 'h-win', at(21));
  const b1 = uid('DSA');
  const b2 = uid('DSA');
  await s.findings.applyAssessment(web.id, [finding(b1), finding(b2)], at(91));
  await s.findings.applyAssessment(db.id, [finding(b1)], at(6));
  await s.findings.applyAssessment(win.id, [finding(b1, { status: 'installed' })], at(21));
  const agent = uid('agent');
  await s.agents.createAgent({
    id: agent,
    machineId: fresh.id,
    credentialHash: 'x',
    createdAt: at(0),
    revokedAt: null,
    lastCheckinAt: null,
  });
  await s.agents.setTrust(agent, { pinnedKey: null, staleSince: at(45), staleReason: 'no fresh server time' });
  return { web, db, win, fresh, none, ids: all.map((m) => m.id), openssl, b1 };
}

/** Defines the console-read tests for one adapter. */
export function consoleReadContract(ctx: ContractContext): void {
  describe('console reads', () => {
    it('searches machines by name, OS, owner, tag, status and package, in SQL', async () => {
      const s = ctx.store();
      const f = await fleet(s);
      const names = async (search: Omit<MachineSearch, 'limit' | 'offset' | 'ids'>) =>
        (await s.machines.search({ ids: f.ids, limit: 100, offset: 0, ...search })).items.map((m) =>
          m.name.slice(m.name.lastIndexOf('-') + 1),
        );
      expect(await names({})).toEqual(['db', 'fresh', 'none', 'web', 'win']);
      expect(await names({ q: 'W' })).toEqual(['web', 'win']);
      expect(await names({ q: '%' })).toEqual([]);
      expect(await names({ os: 'RHEL 9' })).toEqual(['db']);
      expect(await names({ os: 'windows' })).toEqual(['win']);
      expect(await names({ os: 'bookworm' })).toEqual(['fresh', 'web']);
      expect(await names({ os: 'family' })).toEqual([]);
      expect(await names({ owner: 'alice' })).toEqual(['web']);
      expect(await names({ tag: 'prod' })).toEqual(['db', 'web']);
      expect(await names({ tag: 'pro' })).toEqual([]);
      expect(await names({ statuses: ['stale'], staleBefore: at(30) })).toEqual(['db', 'win']);
      expect(await names({ statuses: ['never-seen'] })).toEqual(['none']);
      expect(await names({ statuses: ['stale', 'never-seen'], staleBefore: at(30) })).toEqual(['db', 'none', 'win']);
      expect(await names({ statuses: ['open-findings'] })).toEqual(['db', 'web']);
      expect(await names({ statuses: ['assessment-pending'] })).toEqual(['fresh']);
      expect(await names({ statuses: ['agent-stale'] })).toEqual(['fresh']);
      expect(await names({ package: { name: f.openssl } })).toEqual(['db', 'fresh', 'web']);
      expect(await names({ package: { name: f.openssl, version: '3.0.11-1~deb12u2' } })).toEqual(['fresh', 'web']);
      expect(await names({ package: { name: f.openssl, version: '3.0.11' } })).toEqual([]);
      expect(await names({ package: { name: f.openssl }, tag: 'prod', statuses: ['open-findings'] })).toEqual([
        'db',
        'web',
      ]);
    });

    it('sorts by name, last contact or open findings, and pages with the total', async () => {
      const s = ctx.store();
      const f = await fleet(s);
      const page = (sort: MachineSearch['sort'], order?: 'asc' | 'desc', limit = 100, offset = 0) =>
        s.machines.search({ ids: f.ids, sort, ...(order ? { order } : {}), limit, offset });
      const short = (ms: MachineRecord[]) => ms.map((m) => m.name.slice(m.name.lastIndexOf('-') + 1));
      expect(short((await page('name', 'desc')).items)).toEqual(['win', 'web', 'none', 'fresh', 'db']);
      // Last contact: the check-in, else the inventory (win: imported at 20); never: first.
      expect(short((await page('lastSeenAt')).items)).toEqual(['none', 'db', 'win', 'fresh', 'web']);
      expect(short((await page('lastSeenAt', 'desc')).items)).toEqual(['web', 'fresh', 'win', 'db', 'none']);
      expect(short((await page('openFindings')).items)).toEqual(['web', 'db', 'fresh', 'none', 'win']);
      const second = await page('name', 'asc', 2, 2);
      expect(second.total).toBe(5);
      expect(short(second.items)).toEqual(['none', 'web']);
      expect(await s.machines.search({ ids: [], limit: 10, offset: 0 })).toEqual({ items: [], total: 0 });
    });

    it("keeps a machine's packages with its latest inventory, paged and filtered by name", async () => {
      const s = ctx.store();
      const f = await fleet(s);
      const listed = await s.machines.listPackages(f.web.id, { limit: 10, offset: 0 });
      expect(listed.total).toBe(2);
      expect(listed.items).toEqual([
        { kind: 'dpkg', name: 'libc6', version: '2.36-9', release: null, arch: null, source: null },
        { kind: 'dpkg', name: f.openssl, version: '3.0.11-1~deb12u2', release: null, arch: 'amd64', source: f.openssl },
      ]);
      expect((await s.machines.listPackages(f.web.id, { q: 'LIBC', limit: 10, offset: 0 })).items).toHaveLength(1);
      expect(await s.machines.listPackages(f.web.id, { limit: 1, offset: 1 })).toMatchObject({
        total: 2,
        items: [{ name: f.openssl }],
      });
      await s.machines.putInventory(
        f.web.id,
        'h2',
        JSON.stringify({ os: { family: 'windows' }, products: [{ name: 'Edge', version: '120' }], kbs: ['KB5001'] }),
        at(200),
      );
      expect((await s.machines.listPackages(f.web.id, { limit: 10, offset: 0 })).items).toEqual([
        { kind: 'product', name: 'Edge', version: '120', release: null, arch: null, source: null },
        { kind: 'kb', name: 'KB5001', version: null, release: null, arch: null, source: null },
      ]);
      const still = await s.machines.search({ ids: f.ids, package: { name: f.openssl }, limit: 10, offset: 0 });
      expect(still.items.map((m) => m.id).sort()).toEqual([f.db.id, f.fresh.id].sort());
      await s.machines.delete(f.fresh.id);
      expect(await s.machines.listPackages(f.fresh.id, { limit: 10, offset: 0 })).toEqual({ items: [], total: 0 });
    });

    it('counts findings resolved since a time per bulletin, within machines', async () => {
      const s = ctx.store();
      const [m1, m2] = [machine(), machine()];
      for (const m of [m1, m2]) await s.machines.create(m);
      const b = uid('DSA');
      await s.findings.applyAssessment(m1.id, [finding(b)], at(1));
      await s.findings.applyAssessment(m2.id, [finding(b)], at(1));
      await s.findings.applyAssessment(m1.id, [], at(10));
      await s.findings.applyAssessment(m2.id, [], at(30));
      expect(await s.findings.countResolvedByBulletin([b], at(5))).toEqual(new Map([[b, 2]]));
      expect(await s.findings.countResolvedByBulletin([b], at(20))).toEqual(new Map([[b, 1]]));
      expect(await s.findings.countResolvedByBulletin([b], at(5), [m1.id])).toEqual(new Map([[b, 1]]));
      expect(await s.findings.countResolvedByBulletin([b], at(5), [])).toEqual(new Map([[b, 0]]));
    });

    it('lists the syncs of every source since a time, oldest first', async () => {
      const s = ctx.store();
      const [a, b] = [source(), source()];
      for (const x of [a, b]) await s.sources.create(x);
      const base = 60 * 24 * 400 + Math.floor(Math.random() * 1000) * 10;
      const rec = (sourceId: string, minute: number, result: SyncRecord['result']): SyncRecord => ({
        id: uid('sync'),
        sourceId,
        startedAt: at(base + minute),
        finishedAt: at(base + minute + 1),
        result,
        message: null,
        bytes: 1,
        diff: result === 'updated' ? { added: [{ id: 'X', affectedMachines: 1 }], revised: [], withdrawn: [] } : null,
      });
      const r = [
        rec(a.id, 1, 'updated'),
        rec(b.id, 3, 'failed'),
        rec(a.id, 2, 'not-modified'),
        rec(b.id, 5, 'updated'),
      ];
      for (const x of r) await s.sources.recordSync(x);
      const mine = (list: SyncRecord[]) => list.filter((x) => x.sourceId === a.id || x.sourceId === b.id);
      expect(mine(await s.sources.listSyncsSince(at(base + 2)))).toEqual([r[2], r[1], r[3]]);
      expect(mine(await s.sources.listSyncsSince(at(base), ['updated']))).toEqual([r[0], r[3]]);
      expect(mine(await s.sources.listSyncsSince(at(base), []))).toEqual([]);
    });

    it("lists a machine's jobs newest first, of some deployments, paged", async () => {
      const s = ctx.store();
      const [d1, d2] = [deployment(), deployment()];
      for (const d of [d1, d2]) await s.rollout.createDeployment(d, []);
      const [agent, m] = [uid('agent'), uid('m')];
      const j1 = job(agent, m, 1, { deploymentId: d1.id, issuedAt: at(1) });
      const j2 = job(agent, m, 2, { deploymentId: d2.id, issuedAt: at(2) });
      const j3 = job(agent, m, 3, { deploymentId: d1.id, issuedAt: at(3), kind: 'rollback' });
      const other = job(uid('agent'), uid('m'), 1, { deploymentId: d1.id });
      for (const j of [j1, j2, j3, other]) await s.rollout.createJob(j);
      expect(await s.rollout.listJobsOfMachine(m, { limit: 10, offset: 0 })).toEqual({ items: [j3, j2, j1], total: 3 });
      expect(await s.rollout.listJobsOfMachine(m, { limit: 1, offset: 1 })).toEqual({ items: [j2], total: 3 });
      expect(await s.rollout.listJobsOfMachine(m, { deploymentIds: [d1.id], limit: 10, offset: 0 })).toEqual({
        items: [j3, j1],
        total: 2,
      });
      expect(await s.rollout.listJobsOfMachine(m, { deploymentIds: [], limit: 10, offset: 0 })).toEqual({
        items: [],
        total: 0,
      });
    });

    it("remembers each user's last visit; a user's deletion is refused while unknown", async () => {
      const s = ctx.store();
      const u = user();
      await s.users.createUser(u);
      expect(await s.visits.lastSeen(u.id)).toBeUndefined();
      await s.visits.markSeen(u.id, at(5));
      await s.visits.markSeen(u.id, at(7));
      expect(await s.visits.lastSeen(u.id)).toBe(at(7));
      await expect(s.visits.markSeen(uid('missing'), at(1))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    });
  });
}
