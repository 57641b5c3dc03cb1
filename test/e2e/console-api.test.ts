/**
 * The console's read APIs through a real server on SQLite and PostgreSQL, with a test clock: the
 * machine search's filters and sorts, a machine's packages and jobs, and Today (bulletins new,
 * revised and withdrawn since the last visit, deadlines, triage and second approvals, stale and
 * never-seen machines, failing sources) with the last visit kept per user.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/inventory/model.js';
import type { MachineWire } from '../../src/protocol/api.js';
import type { TodayWire } from '../../src/protocol/console-api.js';
import { startTestServer, type TestDatabase, type TestServer } from '../support/server.js';
import {
  expectApi,
  expectRefused,
  nativeCatalog,
  tempDir,
  TestClock,
  whyNoPostgres,
  type TestBulletin,
} from './server-test-helpers.js';

const noPostgres = await whyNoPostgres();
const HOUR = 3_600_000;

function debian(name: string, openssl: string, at: Date): Inventory {
  return {
    schema: 'patchhive.inventory/1',
    machine: { name },
    collectedAt: at.toISOString(),
    collector: 'dpkg',
    os: { family: 'unix', platform: 'debian', release: '12', codename: 'bookworm', arch: 'amd64' },
    packages: {
      manager: 'dpkg',
      items: [
        { name: 'openssl', version: openssl, arch: 'amd64', source: 'openssl' },
        { name: 'curl', version: '7.88.1-10+deb12u5', arch: 'amd64' },
      ],
    },
  };
}

function rhel(name: string, at: Date): Inventory {
  return {
    schema: 'patchhive.inventory/1',
    machine: { name },
    collectedAt: at.toISOString(),
    collector: 'rpm',
    os: { family: 'unix', platform: 'rhel', release: '9', arch: 'x86_64' },
    packages: { manager: 'rpm', items: [{ name: 'openssl', version: '3.0.7', release: '27.el9', arch: 'x86_64' }] },
  };
}

const names = (items: { name: string }[]) => items.map((i) => i.name);

for (const database of ['sqlite', 'postgres'] as TestDatabase[]) {
  describe.skipIf(database === 'postgres' && noPostgres !== undefined)(`console reads on ${database}`, () => {
    const clock = new TestClock(Date.parse('2026-11-02T09:00:00.000Z'));
    let server: TestServer;
    let work: { dir: string; remove(): Promise<void> };
    let catalogFile: string;
    let sourceId: string;
    const catalog = (bulletins: TestBulletin[]) => writeFile(catalogFile, nativeCatalog('inhouse', bulletins));
    const sync = async () => {
      await expectApi(server, 'POST', `/sources/${sourceId}/sync`, 200);
      await server.assessment.whenIdle();
    };
    const list = (query: string, token?: string) =>
      expectApi<{ items: MachineWire[]; total: number }>(
        server,
        'GET',
        `/machines?${query}`,
        200,
        token ? { token } : {},
      );

    beforeAll(async () => {
      work = await tempDir('patchhive-console-');
      catalogFile = path.join(work.dir, 'inhouse.json');
      server = (await startTestServer({ database, now: clock.now, config: { console: { staleAfterHours: 48 } } }))!;
      await catalog([
        { id: 'PH-SSL', pkg: 'openssl', fixed: '3.0.15-1~deb12u1', severity: 'critical' },
        { id: 'PH-CURL', pkg: 'curl', fixed: '7.88.1-10+deb12u8' },
      ]);
      sourceId = (
        await expectApi<{ id: string }>(server, 'POST', '/sources', 201, {
          body: { name: 'inhouse', url: catalogFile, format: 'native', allowUnsigned: true },
        })
      ).id;
      await sync();
      const imp = (inventory: Inventory, attributes: Record<string, unknown>) =>
        expectApi(server, 'POST', '/machines/import', 201, { body: { inventory, attributes } });
      await imp(debian('web1', '3.0.11-1~deb12u2', clock.now()), { owner: 'alice@example.org', tags: ['prod', 'web'] });
      clock.advance(HOUR);
      await imp(debian('web2', '3.0.15-1~deb12u1', clock.now()), { owner: 'bob@example.org', tags: ['prod'] });
      await imp(rhel('db1', clock.now()), { owner: 'bob@example.org', tags: ['db'] });
      const enrollment = await server.services.tokens.createEnrollmentToken({ expiresInHours: 1, maxUses: 1 }, 'test');
      await expectApi(server, 'POST', '/agent/enroll', 201, {
        token: null,
        body: { token: enrollment.secret, hostname: 'silent1' },
      });
      await server.assessment.whenIdle();
    });
    afterAll(async () => {
      await server?.destroy();
      await work?.remove();
    });

    it('filters machines by OS, owner, tag, status and package, and sorts them', async () => {
      expect(names((await list('')).items)).toEqual(['db1', 'silent1', 'web1', 'web2']);
      expect(names((await list('os=rhel')).items)).toEqual(['db1']);
      expect(names((await list('os=debian%2012')).items)).toEqual(['web1', 'web2']);
      expect(names((await list('owner=BOB')).items)).toEqual(['db1', 'web2']);
      expect(names((await list('tag=prod')).items)).toEqual(['web1', 'web2']);
      expect(names((await list('status=open-findings')).items)).toEqual(['web1', 'web2']);
      expect(names((await list('status=never-seen')).items)).toEqual(['silent1']);
      expect(names((await list('package=openssl')).items)).toEqual(['db1', 'web1', 'web2']);
      expect(names((await list('package=openssl&version=3.0.11-1~deb12u2')).items)).toEqual(['web1']);
      expect(names((await list('package=openssl&version=3.0.7')).items)).toEqual(['db1']);
      expect(names((await list('package=openss')).items)).toEqual([]);
      const top = await list('sort=openFindings&limit=1');
      expect(top).toMatchObject({ total: 4, items: [{ name: 'web1', openFindings: 2 }] });
      expect(names((await list('sort=name&order=desc&offset=1&limit=2')).items)).toEqual(['web1', 'silent1']);
      // Same last contact: by name.
      expect(names((await list('sort=lastSeenAt&order=desc')).items)).toEqual(['db1', 'silent1', 'web2', 'web1']);
      await expectRefused(server, 'GET', '/machines?status=offline', 400, 'E_BAD_REQUEST');
      await expectRefused(server, 'GET', '/machines?version=1.0', 400, 'E_BAD_REQUEST');
      await expectRefused(server, 'GET', '/machines?sort=owner', 400, 'E_BAD_REQUEST');
    });

    it("lists a machine's packages (paged, by name substring) and its jobs", async () => {
      const all = await expectApi<{ items: unknown[]; total: number }>(server, 'GET', '/machines/web1/packages', 200);
      expect(all.total).toBe(2);
      expect(await expectApi(server, 'GET', '/machines/web1/packages?q=SSL', 200)).toEqual({
        items: [
          {
            kind: 'dpkg',
            name: 'openssl',
            version: '3.0.11-1~deb12u2',
            release: null,
            arch: 'amd64',
            source: 'openssl',
          },
        ],
        total: 1,
      });
      expect(await expectApi(server, 'GET', '/machines/db1/packages?limit=1', 200)).toMatchObject({
        items: [{ kind: 'rpm', name: 'openssl', version: '3.0.7', release: '27.el9' }],
        total: 1,
      });
      expect(await expectApi(server, 'GET', '/machines/web1/jobs', 200)).toEqual({ items: [], total: 0 });
      await expectRefused(server, 'GET', '/machines/nope/packages', 404, 'E_MACHINE_NOT_FOUND');
      await expectRefused(server, 'GET', '/machines/nope/jobs', 404, 'E_MACHINE_NOT_FOUND');
    });

    it('Today: what changed since the last visit, per user, and what to do', async () => {
      const viewer = await server.tokenFor('viewer');
      const first = await expectApi<TodayWire>(server, 'GET', '/today', 200, { token: viewer });
      expect(first.lastVisit).toBeNull();
      expect(first.since).toBe(new Date(clock.now().getTime() - 7 * 24 * HOUR).toISOString());
      expect(first.bulletins.new.items.map((b) => [b.id, b.machines])).toEqual([
        ['PH-SSL', 1],
        ['PH-CURL', 2],
      ]);
      expect(first.machines.neverSeen.items.map((m) => m.name)).toEqual(['silent1']);
      expect(first.machines.stale.total).toBe(0);

      const seen = await expectApi<{ lastVisit: string }>(server, 'POST', '/today/seen', 200, {
        token: viewer,
        body: { at: first.generatedAt },
      });
      expect(seen.lastVisit).toBe(first.generatedAt);
      await expectRefused(server, 'POST', '/today/seen', 400, 'E_BAD_REQUEST', {
        token: viewer,
        body: { at: new Date(clock.now().getTime() + HOUR).toISOString() },
      });

      // Later: PH-CURL revised, PH-SSL withdrawn, a new bulletin, a broken source, machines gone quiet.
      clock.advance(50 * HOUR);
      await catalog([
        { id: 'PH-CURL', pkg: 'curl', fixed: '7.88.1-10+deb12u9', title: 'curl update, revised' },
        { id: 'PH-NEW', pkg: 'openssl', fixed: '3.0.16-1~deb12u1', severity: 'critical' },
      ]);
      await sync();
      await expectApi(server, 'POST', '/sources', 201, {
        body: { name: 'broken', url: path.join(work.dir, 'missing.json'), format: 'native', allowUnsigned: true },
      });
      await expectApi(server, 'POST', '/sources/broken/sync', 200);
      const group = await expectApi<{ id: string }>(server, 'POST', '/groups', 201, {
        body: { name: 'web', kind: 'static', members: ['web1', 'web2'], requiresSecondApprover: true },
      });
      await server.services.triage.sweep();
      await expectApi(server, 'POST', '/triage/actions', 200, {
        body: { items: [{ bulletin: 'PH-NEW', group: 'web' }], action: { kind: 'approve' } },
      });

      const later = await expectApi<TodayWire>(server, 'GET', '/today', 200, { token: viewer });
      expect(later.since).toBe(first.generatedAt);
      expect(later.lastVisit).toBe(first.generatedAt);
      expect(later.bulletins.new.items.map((b) => [b.id, b.machines])).toEqual([['PH-NEW', 2]]);
      expect(later.bulletins.revised.items).toMatchObject([
        { id: 'PH-CURL', title: 'curl update, revised', source: 'inhouse', sourceId, machines: 2 },
      ]);
      expect(later.bulletins.withdrawn.items).toMatchObject([{ id: 'PH-SSL', machines: 1 }]);
      expect(later.bulletins.withdrawn.items[0]!.withdrawnAt).not.toBeNull();
      expect(later.sources.failing).toMatchObject([{ name: 'broken', result: 'failed' }]);
      expect(later.machines).toMatchObject({ staleAfterHours: 48 });
      expect(later.machines.stale.items.map((m) => m.name)).toEqual(['web1', 'db1', 'silent1', 'web2']);
      expect(later.triage.waiting.items.map((d) => [d.bulletinId, d.group])).toEqual([['PH-CURL', 'web']]);
      expect(later.triage.waiting.items[0]).toMatchObject({ groupId: group.id, title: 'curl update, revised' });
      expect(later.triage.secondApprovals.items).toMatchObject([
        { bulletinId: 'PH-NEW', group: 'web', state: 'awaiting-second-approval', approvals: ['admin'] },
      ]);
      expect(later.deadlines.byGroup.map((g) => g.group)).toEqual(['web']);
      expect(later.deadlines.byGroup[0]).toMatchObject({ groupId: group.id, overdue: 2 });
      expect(later.deadlines.overdue).toBe(2);

      // The admin gave the first approval: it is not waiting for them. Another user's visit is theirs.
      const admin = await expectApi<TodayWire>(server, 'GET', '/today?since=2026-11-01T00:00:00Z', 200);
      expect(admin.since).toBe('2026-11-01T00:00:00.000Z');
      expect(admin.lastVisit).toBeNull();
      expect(admin.triage.secondApprovals).toEqual({ items: [], total: 0 });
      expect(admin.bulletins.new.items.map((b) => b.id)).toEqual(['PH-NEW', 'PH-CURL']);
      expect(admin.bulletins.withdrawn.items.map((b) => b.id)).toEqual(['PH-SSL']);
      await expectRefused(server, 'GET', '/today?since=yesterday', 400, 'E_BAD_REQUEST');
    });
  });
}
