/**
 * The server's REST API in process (`app.inject`) over a real store, on SQLite and PostgreSQL:
 * machines imported from recorded Debian inventories are assessed exactly as `evaluate()` does;
 * attributes, rule and static groups, rescans, history, bulletin counts; API and enrollment
 * tokens with an injected clock; the OpenAPI document against the route table; /healthz,
 * /metrics; and a source the scheduler syncs by itself.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogFile } from '../../src/catalog/load.js';
import { mergeCatalogs, type Catalog } from '../../src/catalog/model.js';
import { evaluate, type Finding } from '../../src/detect/index.js';
import type { Inventory } from '../../src/inventory/model.js';
import type { FindingWire, GroupWire, MachineWire, SourceWire, SyncRecordWire } from '../../src/protocol/api.js';
import { inventoryHash } from '../../src/protocol/inventory-hash.js';
import { toFindingInputs } from '../../src/server/assessment/to-finding-input.js';
import { apiRoutes } from '../../src/server/http/routes.js';
import type { FindingInput } from '../../src/store/ports.js';
import { startTestServer, type TestDatabase, type TestServer } from '../support/server.js';
import {
  callApi,
  debianInventory,
  expectApi,
  expectRefused,
  nativeCatalog,
  REPO,
  removeInventoryRoots,
  tempDir,
  TestClock,
  waitFor,
  whyNoPostgres,
} from './server-test-helpers.js';

const noPostgres = await whyNoPostgres();
if (noPostgres) console.warn(`server-api e2e on PostgreSQL skipped: ${noPostgres}`);

const TRACKER = path.join(REPO, 'catalogs/debian-tracker-bookworm-sample.json');
const MACHINES = [
  { name: 'web1', status: 'status-host-node-image.txt', attributes: { role: 'web', internetFacing: true } },
  { name: 'web2', status: 'status-minbase-12-point-release.txt', attributes: { role: 'web' } },
  { name: 'db1', status: 'status-minbase-12-security-upgraded.txt', attributes: { role: 'db', internetFacing: true } },
];
const OPEN = new Set(['missing', 'affected']);
/** What /findings lists without a status filter. */
const DEFAULT_LISTED = new Set(['missing', 'affected', 'unknown']);

/** What the API's findings and the engine's findings (as the store keeps them) must agree on. */
function comparable(f: FindingInput | FindingWire) {
  const { bulletinId, status, severity, title, package: pkg, fixedVersion, reason, evidence } = f;
  return JSON.parse(
    JSON.stringify({ bulletinId, status, severity, title, package: pkg, fixedVersion, reason, evidence }),
  );
}
const byBulletin = (a: { bulletinId: string }, b: { bulletinId: string }) => (a.bulletinId < b.bulletinId ? -1 : 1);
const metricLine = (text: string, prefix: string) => text.split('\n').find((l) => l.startsWith(prefix));

for (const database of ['sqlite', 'postgres'] as TestDatabase[]) {
  describe.skipIf(database === 'postgres' && noPostgres !== undefined)(`the server API on ${database}`, () => {
    const clock = new TestClock(Date.parse('2026-11-21T10:00:00.000Z'));
    let server: TestServer;
    let work: { dir: string; remove(): Promise<void> };
    let catalog: Catalog;
    const inventories = new Map<string, Inventory>();
    const expected = new Map<string, Finding[]>(); // engine findings per machine, not-applicable left out
    const ids = new Map<string, string>();
    let metricsAtStart: string;

    beforeAll(async () => {
      work = await tempDir('patchhive-api-');
      server = (await startTestServer({ database, now: clock.now }))!;
      metricsAtStart = (await callApi(server, 'GET', '/metrics', { token: null })).text;
      const nativeFile = path.join(work.dir, 'inhouse.json');
      await writeFile(
        nativeFile,
        nativeCatalog('inhouse', [
          { id: 'PH-APT', pkg: 'apt', fixed: '2.6.2' },
          { id: 'PH-SSL', pkg: 'libssl3', fixed: '3.0.20-1~deb12u1', severity: 'critical' },
        ]),
      );
      for (const body of [
        { name: 'tracker', url: TRACKER, format: 'debian-tracker', release: 'bookworm' },
        { name: 'inhouse', url: nativeFile, format: 'native', allowUnsigned: true },
      ]) {
        const s = await expectApi<SourceWire>(server, 'POST', '/sources', 201, { body });
        expect(await expectApi<SyncRecordWire>(server, 'POST', `/sources/${s.id}/sync`, 200)).toMatchObject({
          result: 'updated',
        });
      }
      catalog = mergeCatalogs(
        await Promise.all([
          loadCatalogFile(TRACKER, { release: 'bookworm', trustedKeys: [], allowUnsigned: true }),
          loadCatalogFile(nativeFile, { release: '', trustedKeys: [], allowUnsigned: true }),
        ]),
      );
      for (const m of MACHINES) {
        const inv = await debianInventory(m.status, m.name, clock.now());
        inventories.set(m.name, inv);
        expected.set(
          m.name,
          evaluate(catalog, inv).filter((f) => f.status !== 'not-applicable'),
        );
        const created = await expectApi<MachineWire>(server, 'POST', '/machines/import', 201, {
          body: { inventory: inv, attributes: m.attributes },
        });
        ids.set(m.name, created.id);
      }
    });
    afterAll(async () => {
      await server?.destroy();
      await work?.remove();
      await removeInventoryRoots();
    });

    it('imported machines have exactly the findings evaluate() gives for the same catalog and inventory', async () => {
      for (const m of MACHINES) {
        const want = expected.get(m.name)!;
        expect(want.filter((f) => OPEN.has(f.status)).length, m.name).toBeGreaterThan(0);
        const res = await expectApi<{ items: FindingWire[]; total: number }>(
          server,
          'GET',
          `/findings?machine=${m.name}&status=all&limit=1000`,
          200,
        );
        expect(res.total).toBe(want.length);
        expect(res.items.map(comparable).sort(byBulletin), m.name).toEqual(
          toFindingInputs(want).map(comparable).sort(byBulletin),
        );
        expect(res.items.every((f) => f.machineName === m.name && f.firstSeenAt === clock.now().toISOString())).toBe(
          true,
        );
        // the default filter is the open ones (and unknown)
        const open = await expectApi(server, 'GET', `/findings?machine=${m.name}&limit=1000`, 200);
        expect(open.total).toBe(want.filter((f) => DEFAULT_LISTED.has(f.status)).length);
      }
    });

    it('GET /machines/:id by id or name; PATCH sets attributes', async () => {
      const web1 = await expectApi<MachineWire>(server, 'GET', '/machines/web1', 200);
      expect(web1).toMatchObject({
        id: ids.get('web1'),
        name: 'web1',
        source: 'import',
        os: { family: 'unix', platform: 'debian', release: '12', codename: 'bookworm' },
        role: 'web',
        internetFacing: true,
        assessmentPending: false,
        openFindings: expected.get('web1')!.filter((f) => OPEN.has(f.status)).length,
      });
      expect(await expectApi(server, 'GET', `/machines/${web1.id}`, 200)).toEqual(web1);
      await expectRefused(server, 'GET', '/machines/nope', 404, 'E_MACHINE_NOT_FOUND');

      const patched = await expectApi<MachineWire>(server, 'PATCH', '/machines/web2', 200, {
        body: { owner: 'ops@example.org', tags: ['pci', 'dmz'], criticality: 'high', location: 'dc-1' },
      });
      expect(patched).toMatchObject({
        name: 'web2',
        owner: 'ops@example.org',
        tags: ['pci', 'dmz'],
        criticality: 'high',
        location: 'dc-1',
        role: 'web',
        internetFacing: false,
      });
      expect(await expectApi(server, 'GET', '/machines/web2', 200)).toEqual(patched);
      await expectRefused(server, 'PATCH', '/machines/web2', 400, 'E_BAD_REQUEST', {
        body: { criticality: 'extreme' },
      });
    });

    it('rule groups and static groups list the right members, and /findings?group= filters by them', async () => {
      const rule = await expectApi<GroupWire>(server, 'POST', '/groups', 201, {
        body: { name: 'web-facing', kind: 'rule', rule: 'role = web and internet_facing' },
      });
      expect(rule.members).toEqual([ids.get('web1')]);
      await expectApi(server, 'PATCH', '/machines/web2', 200, { body: { internetFacing: true } });
      expect((await expectApi<GroupWire>(server, 'GET', '/groups/web-facing', 200)).members.sort()).toEqual(
        [ids.get('web1'), ids.get('web2')].sort(),
      );

      const stat = await expectApi<GroupWire>(server, 'POST', '/groups', 201, {
        body: { name: 'databases', kind: 'static', members: ['db1'] },
      });
      expect(stat).toMatchObject({ kind: 'static', rule: null, members: [ids.get('db1')] });
      const groups = await expectApi<{ items: GroupWire[] }>(server, 'GET', '/groups', 200);
      expect(groups.items.map((g) => g.name).sort()).toEqual(['databases', 'web-facing']);

      const openCount = (names: string[]) =>
        names.reduce((n, m) => n + expected.get(m)!.filter((f) => DEFAULT_LISTED.has(f.status)).length, 0);
      const web = await expectApi<{ items: FindingWire[]; total: number }>(
        server,
        'GET',
        '/findings?group=web-facing&limit=1000',
        200,
      );
      expect(new Set(web.items.map((f) => f.machineName))).toEqual(new Set(['web1', 'web2']));
      expect(web.total).toBe(openCount(['web1', 'web2']));
      const db = await expectApi<{ items: FindingWire[]; total: number }>(
        server,
        'GET',
        `/findings?group=${stat.id}&limit=1000`,
        200,
      );
      expect(new Set(db.items.map((f) => f.machineName))).toEqual(new Set(['db1']));
      expect(db.total).toBe(openCount(['db1']));
      const machines = await expectApi(server, 'GET', '/machines?group=web-facing', 200);
      expect(machines.items.map((m: MachineWire) => m.name)).toEqual(['web1', 'web2']);
      await expectRefused(server, 'GET', '/findings?group=nope', 404, 'E_GROUP_NOT_FOUND');
      await expectRefused(server, 'POST', '/groups', 400, 'E_RULE_INVALID', {
        body: { name: 'bad', kind: 'rule', rule: 'colour = blue' },
      });
    });

    it('POST /groups/:id/rescan re-assesses the members only', async () => {
      const before = await expectApi<MachineWire>(server, 'GET', '/machines/db1', 200);
      const at = clock.advance(3_600_000).toISOString();
      expect(await expectApi(server, 'POST', '/groups/web-facing/rescan', 200)).toEqual({ queued: 2 });
      for (const name of ['web1', 'web2']) {
        await waitFor(`${name} re-assessed`, async () =>
          (await expectApi<MachineWire>(server, 'GET', `/machines/${name}`, 200)).assessedAt === at ? true : undefined,
        );
      }
      expect(await expectApi(server, 'GET', '/machines/db1', 200)).toEqual(before);
      const f = await expectApi<{ items: FindingWire[] }>(server, 'GET', '/findings?machine=web1&limit=1', 200);
      expect(f.items[0]).toMatchObject({ lastSeenAt: at, firstSeenAt: '2026-11-21T10:00:00.000Z' });
    });

    it("a machine's history has today's snapshot", async () => {
      for (const m of MACHINES) {
        const hist = await expectApi(server, 'GET', `/machines/${m.name}/history`, 200);
        const counts: Record<string, number> = {};
        for (const f of expected.get(m.name)!) counts[f.status] = (counts[f.status] ?? 0) + 1;
        expect(hist.items).toEqual([
          { machineId: ids.get(m.name), day: '2026-11-21', counts, openBySeverity: expect.any(Object) },
        ]);
        const open = Object.values(hist.items[0].openBySeverity as Record<string, number>).reduce((a, b) => a + b, 0);
        expect(open).toBe(expected.get(m.name)!.filter((f) => OPEN.has(f.status)).length);
      }
      expect(
        (await expectApi(server, 'GET', '/machines/web1/history?from=2026-11-22&to=2026-11-30', 200)).items,
      ).toEqual([]);
    });

    it('bulletins list with the number of machines each affects', async () => {
      const res = await expectApi(server, 'GET', '/bulletins?limit=1000', 200);
      expect(res.total).toBe(catalog.bulletins.length);
      const want = new Map<string, number>();
      for (const findings of expected.values())
        for (const f of findings) if (OPEN.has(f.status)) want.set(f.bulletin, (want.get(f.bulletin) ?? 0) + 1);
      for (const b of res.items as { id: string; affectedMachines: number }[])
        expect(b.affectedMachines, b.id).toBe(want.get(b.id) ?? 0);
      expect(res.items.find((b: { id: string }) => b.id === 'PH-APT').affectedMachines).toBe(2);
      const affecting = await expectApi(server, 'GET', '/bulletins?affecting=true&limit=1000', 200);
      expect(affecting.total).toBe(want.size);
      expect(await expectApi(server, 'GET', '/bulletins/PH-SSL', 200)).toMatchObject({
        severity: 'critical',
        affectedMachines: 1,
      });
    });

    it('API tokens: a viewer token reads but cannot write; revoked it is refused', async () => {
      const created = await expectApi(server, 'POST', '/tokens', 201, {
        body: { name: 'reader', user: 'rita', role: 'viewer' },
      });
      expect(created).toMatchObject({
        id: expect.any(String),
        secret: expect.stringMatching(/^phk_/),
        token: { name: 'reader', user: 'rita', role: 'viewer', revokedAt: null },
      });
      const viewer = created.secret as string;
      expect(await expectApi(server, 'GET', '/me', 200, { token: viewer })).toEqual({
        user: 'rita',
        role: 'viewer',
        groups: null,
      });
      await expectApi(server, 'GET', '/machines', 200, { token: viewer });
      await expectApi(server, 'GET', '/findings?machine=web1', 200, { token: viewer });
      await expectRefused(server, 'PATCH', '/machines/web1', 403, 'E_FORBIDDEN', {
        token: viewer,
        body: { owner: 'me' },
      });
      await expectRefused(server, 'POST', '/groups', 403, 'E_FORBIDDEN', {
        token: viewer,
        body: { name: 'x', kind: 'static' },
      });
      await expectRefused(server, 'POST', '/tokens', 403, 'E_FORBIDDEN', {
        token: viewer,
        body: { name: 'x', user: 'rita', role: 'admin' },
      });
      const list = await callApi(server, 'GET', '/tokens');
      expect(list.body.items.map((t: { id: string }) => t.id)).toContain(created.id);
      expect(viewer.slice(41)).toHaveLength(43);
      expect(list.text).not.toContain(viewer.slice(41)); // the 43-character secret part after "phk_<uuid>_"

      expect(await expectApi(server, 'DELETE', `/tokens/${created.id}`, 200)).toEqual({ ok: true });
      await expectRefused(server, 'GET', '/machines', 401, 'E_TOKEN_REVOKED', { token: viewer });
      await expectRefused(server, 'GET', '/machines', 401, 'E_UNAUTHENTICATED', { token: null });
    });

    it('enrollment tokens: limited uses, expiry by the injected clock, the secret never listed', async () => {
      const created = await expectApi(server, 'POST', '/enrollment-tokens', 201, {
        body: { maxUses: 2, expiresInHours: 1, note: 'lab' },
      });
      const secret = created.secret as string;
      expect(secret).toMatch(/^phe_/);
      const listed = await callApi(server, 'GET', '/enrollment-tokens');
      expect(listed.status).toBe(200);
      expect(listed.text).not.toContain(secret.slice(41));
      expect(listed.text).not.toMatch(/secret/i);
      expect(listed.body.items).toEqual([
        expect.objectContaining({ id: created.id, note: 'lab', maxUses: 2, uses: 0 }),
      ]);

      for (const hostname of ['agent-a', 'agent-b']) {
        const enrolled = await expectApi(server, 'POST', '/agent/enroll', 201, {
          token: null,
          body: { token: secret, hostname },
        });
        expect(enrolled).toMatchObject({
          credential: expect.stringMatching(/^pha_/),
          jobSigningPublicKey: expect.stringContaining('PUBLIC KEY'),
        });
      }
      await expectRefused(server, 'POST', '/agent/enroll', 401, 'E_ENROLLMENT_EXHAUSTED', {
        token: null,
        body: { token: secret, hostname: 'agent-c' },
      });
      expect((await expectApi(server, 'GET', '/enrollment-tokens', 200)).items[0]).toMatchObject({ uses: 2 });
      await expectRefused(server, 'GET', '/machines/agent-c', 404, 'E_MACHINE_NOT_FOUND');

      const later = await expectApi(server, 'POST', '/enrollment-tokens', 201, {
        body: { maxUses: 5, expiresInHours: 1 },
      });
      clock.advance(2 * 3_600_000);
      await expectRefused(server, 'POST', '/agent/enroll', 401, 'E_TOKEN_EXPIRED', {
        token: null,
        body: { token: later.secret, hostname: 'agent-d' },
      });
    });

    it('/metrics counts check-ins, assessments and syncs', async () => {
      for (const name of [
        'patchhive_checkins_total{',
        'patchhive_assessment_duration_seconds_count',
        'patchhive_catalog_syncs_total{',
      ]) {
        expect(metricLine(metricsAtStart, name) ?? `${name} 0`, name).toMatch(/ 0$/);
      }
      const token = await expectApi(server, 'POST', '/enrollment-tokens', 201, { body: {} });
      const agent = await expectApi(server, 'POST', '/agent/enroll', 201, {
        token: null,
        body: { token: token.secret, hostname: 'metrics-host' },
      });
      const inventory = await debianInventory('status-minbase-12-point-release.txt', 'metrics-host', clock.now());
      const answer = await expectApi(server, 'POST', '/agent/checkin', 200, {
        token: agent.credential,
        body: { inventoryHash: inventoryHash(inventory), inventory },
      });
      expect(answer).toMatchObject({ acceptedInventoryHash: inventoryHash(inventory), inventoryWanted: false });

      const res = await callApi(server, 'GET', '/metrics', { token: null });
      expect(res.status).toBe(200);
      expect(metricLine(res.text, 'patchhive_checkins_total{kind="inventory"}')).toBe(
        'patchhive_checkins_total{kind="inventory"} 1',
      );
      const assessed = Number(metricLine(res.text, 'patchhive_assessment_duration_seconds_count')!.split(' ').at(-1));
      expect(assessed).toBeGreaterThanOrEqual(MACHINES.length + 2); // the imports and the rescan
      expect(metricLine(res.text, 'patchhive_catalog_syncs_total{source="tracker",result="updated"}')).toMatch(/ 1$/);
      expect(metricLine(res.text, 'patchhive_catalog_syncs_total{source="inhouse",result="updated"}')).toMatch(/ 1$/);
      expect(res.text).not.toContain('web1'); // counts only, no machine names
    });

    it('GET /api/v1/openapi.json is an OpenAPI 3.1 document with every route of the route table', async () => {
      const doc = await expectApi(server, 'GET', '/api/v1/openapi.json', 200, { token: null });
      expect(doc).toMatchObject({
        openapi: '3.1.0',
        info: { title: expect.any(String), version: expect.any(String) },
        paths: expect.any(Object),
      });
      const routes = apiRoutes(server.services, clock.now);
      let operations = 0;
      for (const p of Object.values(doc.paths as Record<string, Record<string, unknown>>))
        operations += Object.keys(p).length;
      expect(operations).toBe(routes.length);
      const operationIds = new Set<string>();
      for (const r of routes) {
        const url = '/api/v1' + r.url.replace(/:([A-Za-z]+)/g, '{$1}');
        const op = doc.paths[url]?.[r.method.toLowerCase()];
        expect(op, `${r.method} ${url}`).toBeDefined();
        expect(op.summary).toBe(r.summary);
        expect(Object.keys(op.responses)).toContain(String(r.status ?? 200));
        operationIds.add(op.operationId);
        for (const [, name] of url.matchAll(/\{(\w+)\}/g)) {
          expect(op.parameters, `${url} declares {${name}}`).toContainEqual(
            expect.objectContaining({ name, in: 'path', required: true }),
          );
        }
        expect(op.requestBody !== undefined, `${r.method} ${url} body`).toBe(r.body !== undefined);
        expect(op.security).toEqual(r.access === 'public' ? [] : [{ bearer: [] }]);
      }
      expect(operationIds.size).toBe(routes.length);
      for (const [, ref] of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g))
        expect(doc.components.schemas, ref).toHaveProperty(ref!);
    });

    it('/healthz answers 200 with the database up', async () => {
      expect(await expectApi(server, 'GET', '/healthz', 200, { token: null })).toEqual({
        status: 'ok',
        database: true,
      });
    });

    it('the scheduler syncs a source with a schedule by itself', async () => {
      const file = path.join(work.dir, 'ticker.json');
      await writeFile(file, nativeCatalog('ticker', [{ id: 'PH-TICK', pkg: 'tar', fixed: '1.34+dfsg-1.2+deb12u2' }]));
      const s = await expectApi<SourceWire>(server, 'POST', '/sources', 201, {
        body: { name: 'ticker', url: file, schedule: '* * * * * *', allowUnsigned: true },
      });
      await waitFor(
        'the scheduler to sync the source',
        () =>
          server.scheduler.planned().some((j) => j.name === 'sync ticker')
            ? Promise.resolve(true)
            : Promise.resolve(undefined),
        10_000,
      );
      const first = await waitFor(
        'a scheduled sync',
        async () => {
          const h = await expectApi<{ items: SyncRecordWire[] }>(server, 'GET', `/sources/${s.id}/syncs`, 200);
          return h.items.length > 0 ? h.items.at(-1) : undefined;
        },
        60_000,
      );
      expect(first).toMatchObject({
        result: 'updated',
        diff: { added: [{ id: 'PH-TICK', affectedMachines: expect.any(Number) }] },
      });
      expect(await expectApi(server, 'GET', '/bulletins/PH-TICK', 200)).toMatchObject({ sourceId: s.id });

      await expectApi(server, 'PATCH', `/sources/${s.id}`, 200, { body: { schedule: '' } });
      await waitFor(
        'the schedule to be dropped',
        async () => (server.scheduler.planned().some((j) => j.name === 'sync ticker') ? undefined : true),
        10_000,
      );
      await server.services.sources.sync(s.id); // joins a sync still running, if any
    });

    it('DELETE answers { ok: true } for a machine, a group, a source and an enrollment token', async () => {
      const inventory = await debianInventory('status-minbase-12-point-release.txt', 'doomed', clock.now());
      const m = await expectApi<MachineWire>(server, 'POST', '/machines/import', 201, { body: { inventory } });
      const g = await expectApi<GroupWire>(server, 'POST', '/groups', 201, {
        body: { name: 'doomed', kind: 'static', members: [m.id] },
      });
      const src = await expectApi<SourceWire>(server, 'POST', '/sources', 201, {
        body: { name: 'doomed', url: path.join(work.dir, 'inhouse.json'), format: 'native', allowUnsigned: true },
      });
      const t = await expectApi(server, 'POST', '/enrollment-tokens', 201, { body: {} });
      for (const path of [`/machines/${m.id}`, `/groups/${g.id}`, `/sources/${src.id}`, `/enrollment-tokens/${t.id}`]) {
        expect(await expectApi(server, 'DELETE', path, 200), path).toEqual({ ok: true });
      }
      await expectRefused(server, 'GET', `/machines/${m.id}`, 404, 'E_MACHINE_NOT_FOUND');
    });
  });
}
