/**
 * The read views the console's Bulletins, Triage, Reports and Audit pages use, through the real API
 * over a real store (SQLite and PostgreSQL): bulletin filters and sorting, a bulletin's catalog
 * content and its machines by group, the triage queue with what bulk actions need, the report
 * tables, overdue list, trend and time to remediate (JSON, CSV, PDF), and the audit filters.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/inventory/model.js';
import type { BulletinWire } from '../../src/protocol/api.js';
import type { AuditEntry } from '../../src/protocol/audit.js';
import type { BulletinDetailWire, BulletinMachinesWire } from '../../src/protocol/bulletin-api.js';
import type { TriageEventWire, TriageQueueItemWire } from '../../src/protocol/policy-api.js';
import type { MttrReport, OverdueReport, TrendReport } from '../../src/protocol/report-api.js';
import { startTestServer, type TestDatabase, type TestServer } from '../support/server.js';
import { callApi, expectApi, expectRefused, tempDir, TestClock, whyNoPostgres } from './server-test-helpers.js';

const noPostgres = await whyNoPostgres();
if (noPostgres) console.warn(`console views e2e on PostgreSQL skipped: ${noPostgres}`);

const DAY = 86_400_000;
const CHROMIUM = '/usr/bin/chromium';

function fix(pkg: string, version: string) {
  return {
    id: 'debian-12',
    package: { manager: 'dpkg', name: pkg, version },
    applicability: { all: [{ os: { platform: 'debian', release: '12' } }, { dpkg: { name: pkg } }] },
    installed: { dpkg: { name: pkg, version: { ge: version } } },
  };
}

const CATALOG = {
  format: 'patchhive.catalog/1',
  name: 'inhouse',
  bulletins: [
    {
      id: 'PH-SSL',
      title: 'OpenSSL update',
      description: 'A heap overflow in the TLS handshake.',
      severity: 'critical',
      published: '2026-10-01',
      cves: ['CVE-2026-1111'],
      references: [{ source: 'Debian', id: 'DSA-9999-1', url: 'https://security-tracker.debian.org/DSA-9999-1' }],
      supersedes: ['PH-SSL-OLD'],
      fixes: [fix('openssl', '3.0.15-1~deb12u1')],
    },
    {
      id: 'PH-SSL-OLD',
      title: 'Older OpenSSL update',
      severity: 'important',
      published: '2026-06-01',
      fixes: [fix('openssl', '3.0.10-1~deb12u1')],
    },
    {
      id: 'PH-CURL',
      title: 'curl update',
      severity: 'low',
      published: '2026-11-01T08:00:00Z',
      kbs: ['KB5034441'],
      fixes: [fix('curl', '7.88.1-10+deb12u8')],
    },
  ],
};

function inventory(name: string, at: Date, openssl = '3.0.11-1~deb12u2'): Inventory {
  return {
    schema: 'patchhive.inventory/1',
    machine: { name },
    collectedAt: at.toISOString(),
    collector: 'dpkg',
    os: { family: 'unix', platform: 'debian', release: '12', codename: 'bookworm', arch: 'amd64' },
    packages: {
      manager: 'dpkg',
      items: [
        { name: 'curl', version: '7.88.1-10+deb12u5', arch: 'amd64' },
        { name: 'openssl', version: openssl, arch: 'amd64' },
      ],
    },
  };
}

const ids = (items: { id: string }[]) => items.map((b) => b.id);

for (const database of ['sqlite', 'postgres'] as TestDatabase[]) {
  describe.skipIf(database === 'postgres' && noPostgres !== undefined)(`console read views on ${database}`, () => {
    const clock = new TestClock(Date.parse('2026-11-21T10:00:00.000Z'));
    let server: TestServer;
    let work: { dir: string; remove(): Promise<void> };
    let viewer: string;
    let operator: string;
    const get = <T = any>(url: string, token?: string) => expectApi<T>(server, 'GET', url, 200, token ? { token } : {});
    const importMachine = (name: string, openssl?: string) =>
      expectApi(server, 'POST', '/machines/import', 201, {
        body: { inventory: inventory(name, clock.now(), openssl) },
      });

    beforeAll(async () => {
      work = await tempDir('patchhive-views-');
      server = (await startTestServer({ database, now: clock.now }))!;
      const file = path.join(work.dir, 'inhouse.json');
      await writeFile(file, JSON.stringify(CATALOG));
      const src = await expectApi<{ id: string }>(server, 'POST', '/sources', 201, {
        body: { name: 'inhouse', url: file, format: 'native', allowUnsigned: true },
      });
      await expectApi(server, 'POST', `/sources/${src.id}/sync`, 200);
      for (const name of ['web1', 'web2', 'db1', 'lone1']) await importMachine(name);
      await expectApi(server, 'POST', '/groups', 201, {
        body: { name: 'web', kind: 'static', members: ['web1', 'web2'], requiresSecondApprover: true },
      });
      await expectApi(server, 'POST', '/groups', 201, { body: { name: 'db', kind: 'static', members: ['db1'] } });
      await server.services.triage.sweep();
      viewer = await server.tokenFor('viewer');
      operator = await server.tokenFor('operator');
    });
    afterAll(async () => {
      await server?.destroy();
      await work?.remove();
    });

    it('filters bulletins by publication dates, CVE and KB, and sorts them', async () => {
      const list = async (q: string) => ids((await get<{ items: BulletinWire[] }>(`/bulletins?${q}`, viewer)).items);
      expect(await list('publishedFrom=2026-09-01')).toEqual(['PH-CURL', 'PH-SSL']);
      expect(await list('publishedTo=2026-10-01')).toEqual(['PH-SSL', 'PH-SSL-OLD']);
      expect(await list('publishedFrom=2026-11-01&publishedTo=2026-11-01')).toEqual(['PH-CURL']);
      expect(await list('cve=cve-2026-1111')).toEqual(['PH-SSL']);
      expect(await list('kb=5034441')).toEqual(['PH-CURL']);
      expect(await list('kb=KB5034441&severity=low')).toEqual(['PH-CURL']);
      expect(await list('sort=published')).toEqual(['PH-SSL-OLD', 'PH-SSL', 'PH-CURL']);
      expect(await list('sort=-severity')).toEqual(['PH-SSL', 'PH-SSL-OLD', 'PH-CURL']);
      expect(await list('sort=id')).toEqual(['PH-CURL', 'PH-SSL', 'PH-SSL-OLD']);
      await expectRefused(server, 'GET', '/bulletins?cve=1111', 400, 'E_BAD_REQUEST');
      await expectRefused(server, 'GET', '/bulletins?publishedFrom=yesterday', 400, 'E_BAD_REQUEST');
      await expectRefused(server, 'GET', '/bulletins?sort=title', 400, 'E_BAD_REQUEST');
    });

    it('answers a bulletin with its description, references, supersedence and fixes', async () => {
      const ssl = await get<BulletinDetailWire>('/bulletins/PH-SSL', viewer);
      expect(ssl).toMatchObject({
        id: 'PH-SSL',
        inCatalog: true,
        description: 'A heap overflow in the TLS handshake.',
        references: [{ source: 'Debian', id: 'DSA-9999-1', url: 'https://security-tracker.debian.org/DSA-9999-1' }],
        supersedes: ['PH-SSL-OLD'],
        supersededBy: [],
        fixes: [
          {
            id: 'debian-12',
            package: { manager: 'dpkg', name: 'openssl', version: '3.0.15-1~deb12u1' },
            kb: null,
            available: true,
          },
        ],
        affectedMachines: 4,
      });
      const old = await get<BulletinDetailWire>('/bulletins/PH-SSL-OLD', viewer);
      expect([old.supersedes, old.supersededBy, old.description]).toEqual([[], ['PH-SSL'], null]);
      await expectRefused(server, 'GET', '/bulletins/NOPE', 404, 'E_BULLETIN_NOT_FOUND');
    });

    it("lists a bulletin's machines by group with status, reason and triage, paged per group", async () => {
      const all = await get<BulletinMachinesWire>('/bulletins/PH-SSL/machines', viewer);
      expect(all.machines).toBe(4);
      expect(all.groups.map((g) => [g.group, g.total, g.items.map((m) => m.name), g.triage?.state ?? null])).toEqual([
        ['db', 1, ['db1'], 'new'],
        ['web', 2, ['web1', 'web2'], 'new'],
        ['(no group)', 1, ['lone1'], null],
      ]);
      const m = all.groups[1]!.items[0]!;
      expect([m.status, m.fixedVersion, m.sla]).toEqual(['missing', '3.0.15-1~deb12u1', 'overdue']);
      expect(m.reason).toEqual(expect.any(String));
      const page = await get<BulletinMachinesWire>('/bulletins/PH-SSL/machines?group=web&limit=1&offset=1', viewer);
      expect(page.groups.map((g) => [g.group, g.total, g.items.map((x) => x.name)])).toEqual([['web', 2, ['web2']]]);
      // The superseded older bulletin has no open finding; asked for every status it shows the machines.
      expect((await get<BulletinMachinesWire>('/bulletins/PH-SSL-OLD/machines', viewer)).groups).toEqual([]);
      const any = await get<BulletinMachinesWire>('/bulletins/PH-SSL-OLD/machines?status=all', viewer);
      expect(any.machines).toBe(4);
      await expectRefused(server, 'GET', '/bulletins/PH-SSL/machines?status=bogus', 400, 'E_BAD_REQUEST');
      await expectRefused(server, 'GET', '/bulletins/PH-SSL/machines?group=nope', 404, 'E_GROUP_NOT_FOUND');
    });

    it('answers the triage queue with title, severity, deadline and affected machines, filtered', async () => {
      const queue = await get<{ items: TriageQueueItemWire[]; total: number }>('/triage?group=web&state=new', viewer);
      expect(queue.items.map((d) => [d.bulletinId, d.title, d.severity, d.affectedMachines])).toEqual([
        ['PH-CURL', 'curl update', 'low', 2],
        ['PH-SSL', 'OpenSSL update', 'critical', 2],
      ]);
      expect(queue.items[1]!.dueAt?.slice(0, 10)).toBe('2026-10-15');
      expect(queue.items[0]!.dueAt).toBeNull(); // low: no deadline by default
      const critical = await get<{ items: TriageQueueItemWire[] }>('/triage?severity=critical', viewer);
      expect(critical.items.map((d) => [d.bulletinId, d.group]).sort()).toEqual([
        ['PH-SSL', 'db'],
        ['PH-SSL', 'web'],
      ]);
      await expectApi(server, 'POST', '/triage/actions', 200, {
        token: operator,
        body: { items: [{ bulletin: 'PH-SSL', group: 'web' }], action: { kind: 'approve' } },
      });
      const waiting = await get<{ items: TriageQueueItemWire[] }>('/triage?state=awaiting-second-approval', viewer);
      expect(waiting.items.map((d) => [d.bulletinId, d.group, d.approvals.length])).toEqual([['PH-SSL', 'web', 1]]);
      // waitingFor=me: the second approvals the caller can give, not those it gave the first of.
      const forAdmin = await get<{ items: TriageQueueItemWire[]; total: number }>('/triage?waitingFor=me');
      expect([forAdmin.total, forAdmin.items.map((d) => [d.bulletinId, d.group])]).toEqual([1, [['PH-SSL', 'web']]]);
      expect((await get<{ total: number }>('/triage?waitingFor=me', operator)).total).toBe(0);
      expect((await get<{ total: number }>('/triage?waitingFor=me&state=new')).total).toBe(0);
      await expectRefused(server, 'GET', '/triage?waitingFor=you', 400, 'E_BAD_REQUEST');
      const history = await get<{ history: TriageEventWire[] }>('/bulletins/PH-SSL/triage?group=web', viewer);
      expect(history.history.map((e) => [e.action, e.toState])).toEqual([
        ['enqueue', 'new'],
        ['approve', 'awaiting-second-approval'],
      ]);
      await expectRefused(server, 'GET', '/triage?severity=urgent', 400, 'E_BAD_REQUEST');
    });

    it('answers the report tables as JSON and CSV', async () => {
      const byGroup = await get<{ items: { group: string; machines: number; open: number }[] }>('/reports/by-group');
      expect(byGroup.items.map((g) => [g.group, g.machines, g.open])).toEqual([
        ['db', 1, 2],
        ['web', 2, 4],
      ]);
      const byOwner = await get<{ items: { owner: string; machines: number }[] }>('/reports/by-owner?group=web');
      expect(byOwner.items).toEqual([expect.objectContaining({ owner: '(no owner)', machines: 2 })]);
      const bySeverity = await get<{ items: { severity: string; open: number }[] }>('/reports/by-severity');
      expect(bySeverity.items.filter((s) => s.open > 0).map((s) => [s.severity, s.open])).toEqual([
        ['critical', 4],
        ['low', 4],
      ]);
      const byBulletin = await get<{ items: { bulletinId: string; machines: number; overdue: number }[] }>(
        '/reports/by-bulletin',
      );
      expect(byBulletin.items.map((b) => [b.bulletinId, b.machines, b.overdue])).toEqual([
        ['PH-SSL', 4, 4],
        ['PH-CURL', 4, 0],
      ]);
      const csv = await callApi(server, 'GET', '/reports/by-group?format=csv');
      expect(csv.status).toBe(200);
      expect(csv.text.split('\r\n')[0]).toMatch(/^group,owner,machines/);
      for (const view of ['owner', 'severity', 'bulletin'])
        expect((await callApi(server, 'GET', `/reports/by-${view}?format=csv`)).status).toBe(200);
    });

    it('answers the overdue list, filtered and paged, as JSON, CSV and PDF', async () => {
      const all = await get<OverdueReport>('/reports/overdue', viewer);
      expect(all.total).toBe(4);
      expect(all.items.map((o) => [o.machine, o.bulletinId, o.groups, o.daysOverdue])).toEqual([
        ['db1', 'PH-SSL', ['db'], 37],
        ['lone1', 'PH-SSL', [], 37],
        ['web1', 'PH-SSL', ['web'], 37],
        ['web2', 'PH-SSL', ['web'], 37],
      ]);
      const page = await get<OverdueReport>('/reports/overdue?group=web&limit=1&offset=1&severity=critical');
      expect([page.total, page.items.map((o) => o.machine)]).toEqual([2, ['web2']]);
      expect((await get<OverdueReport>('/reports/overdue?severity=critical')).total).toBe(4);
      const csv = await callApi(server, 'GET', '/reports/overdue?format=csv&group=db');
      expect(csv.text.trim().split('\r\n')).toHaveLength(2);
      if (existsSync(CHROMIUM)) {
        for (const url of ['/reports/overdue?format=pdf', '/reports/by-bulletin?format=pdf']) {
          const pdf = await callApi(server, 'GET', url);
          expect([pdf.status, pdf.text.slice(0, 5)], url).toEqual([200, '%PDF-']);
        }
      }
    }, 60_000);

    it('answers the trend and the time to remediate over a range, as JSON, CSV and PDF', async () => {
      clock.advance(2 * DAY);
      await importMachine('web1', '3.0.15-1~deb12u1'); // PH-SSL resolved on web1 after two days
      const today = clock.now().toISOString().slice(0, 10);
      const trend = await get<TrendReport>(`/reports/trend?from=2026-11-01&to=${today}`, viewer);
      expect([trend.scope, trend.from, trend.to]).toEqual(['all', '2026-11-01', today]);
      // Machines not assessed on a day count with their latest state.
      expect(trend.points.map((p) => [p.day, p.openFindings, p.machinesWithOpen])).toEqual([
        ['2026-11-21', 8, 4],
        ['2026-11-22', 8, 4],
        [today, 7, 4],
      ]);
      const web = await get<TrendReport>(`/reports/trend?group=web&to=${today}`, viewer);
      expect(web.points.map((p) => p.openFindings)).toEqual([4, 4, 3]);
      const mttr = await get<MttrReport>(`/reports/mttr?from=2026-11-01&to=${today}`, viewer);
      expect([mttr.resolved, mttr.meanDays, mttr.medianDays]).toEqual([1, 2, 2]);
      expect(mttr.bySeverity.critical).toEqual({ resolved: 1, meanDays: 2, medianDays: 2 });
      expect((await get<MttrReport>('/reports/mttr?group=db', viewer)).resolved).toBe(0);
      expect((await get<MttrReport>(`/reports/mttr?to=2026-11-21`, viewer)).resolved).toBe(0);
      const csv = await callApi(server, 'GET', `/reports/mttr?format=csv&to=${today}`);
      expect(csv.text.split('\r\n')[0]).toBe('severity,resolved,mean_days,median_days');
      const trendCsv = await callApi(server, 'GET', `/reports/trend?format=csv&to=${today}`);
      expect(trendCsv.text.split('\r\n')[0]).toMatch(/^day,open_findings,critical/);
      if (existsSync(CHROMIUM)) {
        for (const url of [`/reports/trend?format=pdf&to=${today}`, `/reports/mttr?format=pdf&group=web&to=${today}`]) {
          const pdf = await callApi(server, 'GET', url);
          expect([pdf.status, pdf.text.slice(0, 5)], url).toEqual([200, '%PDF-']);
        }
      }
      await expectRefused(server, 'GET', '/reports/trend?from=2026-11-02&to=2026-11-01', 400, 'E_BAD_REQUEST');
      await expectRefused(server, 'GET', '/reports/mttr?from=2000-01-01&to=2026-11-01', 400, 'E_BAD_REQUEST');
      await expectRefused(server, 'GET', '/reports/trend?to=2026-13-45', 400, 'E_BAD_REQUEST');
    }, 60_000);

    it('filters the audit trail by time range, method, route and outcome', async () => {
      const start = clock.now().toISOString();
      clock.advance(1000);
      await expectRefused(server, 'PATCH', '/groups/nope', 404, 'E_GROUP_NOT_FOUND', { body: { owner: 'x' } });
      clock.advance(1000);
      const mid = clock.now().toISOString();
      await expectApi(server, 'PATCH', '/groups/web', 200, { body: { owner: 'web-team' } });
      const list = async (q: string) =>
        (await get<{ items: AuditEntry[] }>(`/audit?since=${encodeURIComponent(start)}&${q}`)).items.map(
          (e) => `${e.method} ${e.route} ${e.status}`,
        );
      expect(await list('method=PATCH&route=%2Fgroups')).toEqual([
        'PATCH /api/v1/groups/:id 200',
        'PATCH /api/v1/groups/:id 404',
      ]);
      expect(await list(`method=PATCH&until=${encodeURIComponent(mid)}`)).toEqual(['PATCH /api/v1/groups/:id 404']);
      expect(await list('method=PATCH&outcome=failure')).toEqual(['PATCH /api/v1/groups/:id 404']);
      expect(await list('method=PATCH&outcome=success')).toEqual(['PATCH /api/v1/groups/:id 200']);
      expect(await list('route=%2Ftriage%2Factions&method=PATCH')).toEqual([]);
      await expectRefused(server, 'GET', '/audit?outcome=maybe', 400, 'E_BAD_REQUEST');
    });
  });
}
