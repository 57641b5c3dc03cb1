/**
 * Catalog sync through the real API of a listening server with a real store (SQLite, and
 * PostgreSQL when it is available): a native catalog served by a feed server on loopback, fetched
 * through a real HTTP proxy (config key `proxy`). Covers updated / not-modified / failed (last
 * good copy stays in use) / refused (tampered signed catalog), and the diff of a revised catalog
 * with the affected-machine counts of imported machines, re-assessing only what changed.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { generateKeyPair, signCatalog } from '../../src/catalog/native/signing.js';
import { FeedServer, TestProxy } from '../../src/server/sync/sync-test-support.js';
import type { FindingWire, SourceWire, SyncRecordWire } from '../../src/protocol/api.js';
import { startTestServer, type TestDatabase, type TestServer } from '../support/server.js';
import {
  debianInventory,
  expectApi,
  nativeCatalog,
  removeInventoryRoots,
  TestClock,
  whyNoPostgres,
  type TestBulletin,
} from './server-test-helpers.js';

const noPostgres = await whyNoPostgres();
if (noPostgres) console.warn(`server-sync e2e on PostgreSQL skipped: ${noPostgres}`);

/** The machines imported (name → recorded dpkg status file). */
const MACHINES: Record<string, string> = {
  'web-node': 'status-host-node-image.txt', // apt 2.6.1, libssl3 3.0.19-1~deb12u2, libcurl4 7.88.1-10+deb12u14
  'mini-old': 'status-minbase-12-point-release.txt', // apt 2.6.1, no libssl3
  'mini-new': 'status-minbase-12-security-upgraded.txt', // apt 2.6.2, no libssl3
};

const V1: TestBulletin[] = [
  { id: 'PH-APT', pkg: 'apt', fixed: '2.6.2' }, // missing on web-node, mini-old
  { id: 'PH-SSL', pkg: 'libssl3', fixed: '3.0.20-1~deb12u1', severity: 'critical' }, // web-node only
  { id: 'PH-TAR', pkg: 'tar', fixed: '1.34+dfsg-1.2+deb12u2', severity: 'moderate' }, // all three
  { id: 'PH-ZLIB', pkg: 'zlib1g', fixed: '1:1.2.13.dfsg-1', severity: 'low' }, // installed everywhere
];
/** V1 with PH-CURL added, PH-APT revised (a newer fix, now missing on all three), PH-TAR withdrawn. */
const V2: TestBulletin[] = [
  { id: 'PH-APT', pkg: 'apt', fixed: '2.6.3' },
  { id: 'PH-CURL', pkg: 'libcurl4', fixed: '7.88.1-10+deb12u15' },
  V1[1]!,
  V1[3]!,
];

type Snapshot = Map<string, FindingWire>;

/** The proxy asks for credentials: they must reach it, and never a sync record or a source. */
const PROXY_LOGIN = { user: 'feeds', password: 'pr0xy-s3cret' };

for (const database of ['sqlite', 'postgres'] as TestDatabase[]) {
  const skip = database === 'postgres' && noPostgres !== undefined;
  describe.skipIf(skip)(`catalog sync through the API on ${database}`, () => {
    const clock = new TestClock(Date.parse('2026-11-21T10:00:00.000Z'));
    let feed: FeedServer;
    let proxy: TestProxy;
    let server: TestServer;
    let sourceId: string;

    const allFindings = async (): Promise<Snapshot> => {
      const res = await expectApi<{ items: FindingWire[]; total: number }>(
        server,
        'GET',
        '/findings?status=all&resolved=any&limit=1000',
        200,
      );
      expect(res.items.length).toBe(res.total);
      return new Map(res.items.map((f) => [`${f.machineName}|${f.bulletinId}`, f]));
    };
    const openBulletinsOf = async (machine: string): Promise<string[]> => {
      const res = await expectApi<{ items: FindingWire[] }>(
        server,
        'GET',
        `/findings?machine=${machine}&limit=1000`,
        200,
      );
      return res.items
        .filter((f) => f.status === 'missing' || f.status === 'affected')
        .map((f) => f.bulletinId)
        .sort();
    };
    const sync = (id: string) => expectApi<SyncRecordWire>(server, 'POST', `/sources/${id}/sync`, 200);

    beforeAll(async () => {
      feed = await new FeedServer().start();
      proxy = await new TestProxy(PROXY_LOGIN).start();
      server = (await startTestServer({
        database,
        listen: true,
        now: clock.now,
        config: { proxy: proxy.url(PROXY_LOGIN), feedRetries: 0, feedTimeoutSeconds: 10 },
      }))!;
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      for (const [name, status] of Object.entries(MACHINES)) {
        await expectApi(server, 'POST', '/machines/import', 201, {
          body: { inventory: await debianInventory(status, name, clock.now()) },
        });
      }
    });
    afterAll(async () => {
      await server?.destroy();
      await feed?.close().catch(() => undefined);
      await proxy?.close();
      await removeInventoryRoots();
    });

    it('syncs a new http source through the proxy: updated, with every bulletin added and its machines counted', async () => {
      feed.put('/catalog.json', nativeCatalog('inhouse', V1));
      const created = await expectApi<SourceWire>(server, 'POST', '/sources', 201, {
        body: { name: 'inhouse', url: feed.url('/catalog.json'), format: 'native', allowUnsigned: true },
      });
      sourceId = created.id;
      expect(created).toMatchObject({
        name: 'inhouse',
        signed: false,
        allowUnsigned: true,
        bulletins: 0,
        lastSync: null,
        lastGoodAt: null,
      });

      const seenBefore = proxy.seen;
      const record = await sync(sourceId);
      expect(record).toMatchObject({
        sourceId,
        result: 'updated',
        message: null,
        bytes: feed.files.get('/catalog.json')!.body.length,
      });
      expect(record.diff).toEqual({
        added: [
          { id: 'PH-APT', affectedMachines: 2 },
          { id: 'PH-SSL', affectedMachines: 1 },
          { id: 'PH-TAR', affectedMachines: 3 },
          { id: 'PH-ZLIB', affectedMachines: 0 },
        ],
        revised: [],
        withdrawn: [],
      });
      expect(proxy.seen).toBeGreaterThan(seenBefore); // the feed request went through the proxy
      expect(proxy.authorizations.at(-1)).toBe(
        `Basic ${Buffer.from(`${PROXY_LOGIN.user}:${PROXY_LOGIN.password}`).toString('base64')}`,
      );
      expect(feed.requestsFor('/catalog.json')).toEqual([
        expect.objectContaining({ status: 200, ifNoneMatch: undefined }),
      ]);

      expect(await openBulletinsOf('web-node')).toEqual(['PH-APT', 'PH-SSL', 'PH-TAR']);
      expect(await openBulletinsOf('mini-old')).toEqual(['PH-APT', 'PH-TAR']);
      expect(await openBulletinsOf('mini-new')).toEqual(['PH-TAR']);
      const bulletins = await expectApi(server, 'GET', '/bulletins?source=inhouse', 200);
      expect(
        Object.fromEntries(
          bulletins.items.map((b: { id: string; affectedMachines: number }) => [b.id, b.affectedMachines]),
        ),
      ).toEqual({
        'PH-APT': 2,
        'PH-SSL': 1,
        'PH-TAR': 3,
        'PH-ZLIB': 0,
      });
      const source = await expectApi<SourceWire>(server, 'GET', `/sources/${sourceId}`, 200);
      expect(source).toMatchObject({
        bulletins: 4,
        lastSync: { id: record.id, result: 'updated' },
        lastGoodAt: expect.any(String),
      });
    });

    it('a second sync is not-modified: a conditional request, no body sent, nothing changed', async () => {
      const bodyBytes = feed.bodyBytesSent;
      const findings = await allFindings();
      clock.advance(60_000); // sync history is ordered by start time
      const record = await sync(sourceId);
      expect(record).toMatchObject({ result: 'not-modified', bytes: 0, diff: null });
      const last = feed.requestsFor('/catalog.json').at(-1)!;
      expect(last).toMatchObject({ status: 304, bodyBytes: 0, ifNoneMatch: feed.files.get('/catalog.json')!.etag });
      expect(feed.bodyBytesSent).toBe(bodyBytes);
      expect(await allFindings()).toEqual(findings);
    });

    it('a revised catalog: the diff lists added / revised / withdrawn with affected machines, and only those findings change', async () => {
      const before = await allFindings();
      const t1 = before.get('web-node|PH-APT')!.firstSeenAt;
      const t2 = clock.advance(3_600_000).toISOString();
      feed.put('/catalog.json', nativeCatalog('inhouse', V2));
      const record = await sync(sourceId);
      expect(record.result).toBe('updated');
      expect(record.diff).toEqual({
        added: [{ id: 'PH-CURL', affectedMachines: 1 }],
        revised: [{ id: 'PH-APT', affectedMachines: 3 }],
        withdrawn: [{ id: 'PH-TAR', affectedMachines: 3 }],
      });

      const after = await allFindings();
      // Bulletins the sync did not touch: their findings are exactly as they were.
      for (const key of ['web-node|PH-SSL', 'web-node|PH-ZLIB', 'mini-old|PH-ZLIB', 'mini-new|PH-ZLIB']) {
        expect(after.get(key), key).toEqual(before.get(key));
      }
      // Revised and still missing: open since the first sync, seen again now, with the new fix.
      for (const m of ['web-node', 'mini-old']) {
        expect(after.get(`${m}|PH-APT`)).toMatchObject({
          status: 'missing',
          firstSeenAt: t1,
          lastSeenAt: t2,
          fixedVersion: '2.6.3',
          resolvedAt: null,
        });
      }
      // Revised and newly missing: the open period starts now.
      expect(before.get('mini-new|PH-APT')).toMatchObject({ status: 'installed' });
      expect(after.get('mini-new|PH-APT')).toMatchObject({ status: 'missing', firstSeenAt: t2, resolvedAt: null });
      // Added.
      expect(after.get('web-node|PH-CURL')).toMatchObject({
        status: 'missing',
        firstSeenAt: t2,
        fixedVersion: '7.88.1-10+deb12u15',
      });
      expect([...after.keys()].filter((k) => k.endsWith('|PH-CURL'))).toEqual(['web-node|PH-CURL']);
      // Withdrawn: resolved everywhere, first-seen kept.
      for (const m of Object.keys(MACHINES)) {
        expect(after.get(`${m}|PH-TAR`)).toMatchObject({ status: 'not-applicable', firstSeenAt: t1, resolvedAt: t2 });
      }
      expect(await expectApi(server, 'GET', '/bulletins/PH-TAR', 200)).toMatchObject({
        withdrawnAt: t2,
        affectedMachines: 0,
      });
      const live = await expectApi(server, 'GET', '/bulletins?source=inhouse', 200);
      expect(live.items.map((b: { id: string }) => b.id).sort()).toEqual(['PH-APT', 'PH-CURL', 'PH-SSL', 'PH-ZLIB']);
      expect(await openBulletinsOf('web-node')).toEqual(['PH-APT', 'PH-CURL', 'PH-SSL']);
      expect(await openBulletinsOf('mini-new')).toEqual(['PH-APT']);
    });

    it('feed down: failed, the last good copy stays in use, recorded in the sync history', async () => {
      const source = await expectApi<SourceWire>(server, 'GET', `/sources/${sourceId}`, 200);
      const bulletins = await expectApi(server, 'GET', '/bulletins?limit=1000', 200);
      const findings = await allFindings();
      await feed.close();

      clock.advance(60_000);
      const record = await sync(sourceId);
      expect(record).toMatchObject({ result: 'failed', bytes: 0, diff: null, errorCode: 'E_FEED_UNREACHABLE' });
      expect(record.message).toMatch(/^feed unreachable \(.+\); still using the last good copy from /);
      expect(record.message).toContain(`still using the last good copy from ${source.lastGoodAt}`);
      expect(record.message).not.toContain(PROXY_LOGIN.password);

      const history = await expectApi<{ items: SyncRecordWire[] }>(server, 'GET', `/sources/${sourceId}/syncs`, 200);
      expect(history.items.map((r) => r.result)).toEqual(['failed', 'updated', 'not-modified', 'updated']);
      expect(history.items[0]).toEqual(record);
      expect(await expectApi<SourceWire>(server, 'GET', `/sources/${sourceId}`, 200)).toMatchObject({
        bulletins: 4,
        lastGoodAt: source.lastGoodAt,
        lastSync: { id: record.id, result: 'failed' },
      });
      expect(await expectApi(server, 'GET', '/bulletins?limit=1000', 200)).toEqual(bulletins);
      expect(await allFindings()).toEqual(findings);

      // A machine that arrives now is assessed against the last good copy (V2).
      await expectApi(server, 'POST', '/machines/import', 201, {
        body: { inventory: await debianInventory('status-host-node-image.txt', 'late-node', clock.now()) },
      });
      expect(await openBulletinsOf('late-node')).toEqual(['PH-APT', 'PH-CURL', 'PH-SSL']);
    });

    it('a signed source: the first copy is accepted, a tampered copy is refused and the previous bulletins stay', async () => {
      const signedFeed = await new FeedServer().start();
      try {
        const keys = generateKeyPair();
        const good = nativeCatalog('signed', [
          { id: 'PH-SIG-BASH', pkg: 'bash', fixed: '5.2.15-2+b14' }, // missing on all four machines
          { id: 'PH-SIG-LIBC', pkg: 'libc6', fixed: '2.36-9+deb12u14' }, // installed on all four
        ]);
        signedFeed.put('/signed.json', good);
        signedFeed.put('/signed.json.sig', signCatalog(good, keys.privateKeyPem));
        const created = await expectApi<SourceWire>(server, 'POST', '/sources', 201, {
          body: {
            name: 'signed',
            url: signedFeed.url('/signed.json'),
            format: 'native',
            signingKey: keys.publicKeyPem,
          },
        });
        expect(created.signed).toBe(true);

        const seenBefore = proxy.seen;
        const first = await sync(created.id);
        expect(first).toMatchObject({ result: 'updated', message: null });
        expect(first.diff).toEqual({
          added: [
            { id: 'PH-SIG-BASH', affectedMachines: 4 },
            { id: 'PH-SIG-LIBC', affectedMachines: 0 },
          ],
          revised: [],
          withdrawn: [],
        });
        expect(proxy.seen).toBeGreaterThan(seenBefore);
        expect(signedFeed.requestsFor('/signed.json.sig')).toEqual([expect.objectContaining({ status: 200 })]);

        const bulletins = await expectApi(server, 'GET', '/bulletins?source=signed', 200);
        const findings = await allFindings();
        // One byte changed: libc6's fixed version, which would open a finding on every machine.
        const tampered = Buffer.from(good.toString('utf8').replace('2.36-9+deb12u14', '2.36-9+deb12u19'));
        expect(tampered.length).toBe(good.length);
        signedFeed.put('/signed.json', tampered); // the old signature stays beside it
        clock.advance(60_000);
        const refused = await sync(created.id);
        expect(refused).toMatchObject({ result: 'refused', diff: null, errorCode: 'E_SIGNATURE_INVALID' });
        expect(refused.message).toMatch(/signature does not match .*\[E_SIGNATURE_INVALID\]$/);
        expect(signedFeed.requestsFor('/signed.json').at(-1)).toMatchObject({ status: 200 }); // it was fetched, then refused

        expect(await expectApi(server, 'GET', '/bulletins?source=signed', 200)).toEqual(bulletins);
        expect(await allFindings()).toEqual(findings);
        expect(await openBulletinsOf('mini-new')).toEqual(['PH-APT', 'PH-SIG-BASH']);
        const history = await expectApi<{ items: SyncRecordWire[] }>(
          server,
          'GET',
          `/sources/${created.id}/syncs`,
          200,
        );
        expect(history.items.map((r) => r.result)).toEqual(['refused', 'updated']);
        expect(await expectApi<SourceWire>(server, 'GET', `/sources/${created.id}`, 200)).toMatchObject({
          bulletins: 2,
          lastSync: { result: 'refused', errorCode: 'E_SIGNATURE_INVALID' },
        });
        for (const url of ['/sources', `/sources/${sourceId}/syncs`, `/sources/${created.id}/syncs`]) {
          expect(JSON.stringify(await expectApi(server, 'GET', url, 200))).not.toContain(PROXY_LOGIN.password);
        }
      } finally {
        await signedFeed.close();
      }
    });

    it('an unsigned native catalog is refused as `patchhive scan` refuses it, until an admin allows unsigned catalogs', async () => {
      const unsignedFeed = await new FeedServer().start(); // the first feed server is down since 'feed down'
      onTestFinished(() => unsignedFeed.close());
      unsignedFeed.put(
        '/unsigned.json',
        nativeCatalog('unsigned', [{ id: 'PH-UNSIGNED', pkg: 'bash', fixed: '5.2.15-2+b14' }]),
      );
      const url = unsignedFeed.url('/unsigned.json');
      const created = await expectApi<SourceWire>(server, 'POST', '/sources', 201, {
        body: { name: 'unsigned', url, format: 'native' },
      });
      expect(created).toMatchObject({ signed: false, allowUnsigned: false });
      clock.advance(60_000);
      const refused = await sync(created.id);
      expect(refused).toMatchObject({ result: 'refused', diff: null });
      expect(refused.message).toBe(
        `catalog ${url} is not signed (no catalog.sig beside it): sign it with "patchhive catalog sign --key KEY ${url}", or pass --allow-unsigned to load it unverified [E_SIGNATURE_MISSING]`,
      );
      expect((await expectApi(server, 'GET', '/bulletins?source=unsigned', 200)).total).toBe(0);

      const operator = await server.tokenFor('operator');
      await expectApi(server, 'PATCH', `/sources/${created.id}`, 403, {
        token: operator,
        body: { allowUnsigned: true },
      });
      expect(
        await expectApi<SourceWire>(server, 'PATCH', `/sources/${created.id}`, 200, { body: { allowUnsigned: true } }),
      ).toMatchObject({ allowUnsigned: true });
      clock.advance(60_000);
      expect(await sync(created.id)).toMatchObject({
        result: 'updated',
        diff: { added: [{ id: 'PH-UNSIGNED', affectedMachines: expect.any(Number) }] },
      });
    });
  });
}
