/** Contract of SourceStore: sources, sync state and sync history. */
import { describe, expect, it } from 'vitest';
import type { SourceSyncState, SyncRecord } from '../ports.js';
import { at, expectStoreError, source, uid, type ContractContext } from './builders.js';

function syncRecord(sourceId: string, minute: number, over: Partial<SyncRecord> = {}): SyncRecord {
  return {
    id: uid('sync'),
    sourceId,
    startedAt: at(minute),
    finishedAt: at(minute + 1),
    result: 'updated',
    message: null,
    bytes: 3_000_000_000,
    diff: null,
    ...over,
  };
}

/** Defines the SourceStore tests for one adapter. */
export function sourceContract(ctx: ContractContext): void {
  describe('sources', () => {
    it('creates and reads sources by id and name, listed by name', async () => {
      const s = ctx.store();
      const tag = uid('feeds');
      const a = source({
        name: `${tag}-b`,
        enabled: false,
        format: null,
        release: null,
        schedule: null,
        signingKey: '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----',
      });
      const b = source({ name: `${tag}-a`, format: 'native', allowUnsigned: true });
      await s.sources.create(a);
      await s.sources.create(b);
      expect(await s.sources.get(a.id)).toEqual(a);
      expect(await s.sources.getByName(b.name)).toEqual(b);
      expect(await s.sources.get(uid('missing'))).toBeUndefined();
      expect((await s.sources.list()).filter((x) => x.name.startsWith(tag))).toEqual([b, a]);
      await expectStoreError(s.sources.create(source({ name: a.name })), 'E_CONFLICT');
    });

    it('updates the fields a patch names; an unknown source is E_SOURCE_NOT_FOUND', async () => {
      const s = ctx.store();
      const src = source();
      await s.sources.create(src);
      await s.sources.update(src.id, { enabled: false, schedule: null, url: 'file:///srv/feed.json' });
      expect(await s.sources.get(src.id)).toEqual({
        ...src,
        enabled: false,
        schedule: null,
        url: 'file:///srv/feed.json',
      });
      await s.sources.update(src.id, { allowUnsigned: true });
      expect(await s.sources.get(src.id)).toEqual({
        ...src,
        enabled: false,
        schedule: null,
        url: 'file:///srv/feed.json',
        allowUnsigned: true,
      });
      await s.sources.update(src.id, { allowUnsigned: false });
      expect((await s.sources.get(src.id))?.allowUnsigned).toBe(false);
      await s.sources.update(src.id, {});
      const id = uid('missing');
      await expectStoreError(s.sources.update(id, { enabled: true }), 'E_SOURCE_NOT_FOUND');
      await expectStoreError(s.sources.update(id, {}), 'E_SOURCE_NOT_FOUND');
      await expectStoreError(s.sources.delete(id), 'E_SOURCE_NOT_FOUND');
    });

    it('keeps one sync state per source', async () => {
      const s = ctx.store();
      const src = source();
      await s.sources.create(src);
      expect(await s.sources.getSyncState(src.id)).toBeUndefined();
      const first: SourceSyncState = {
        sourceId: src.id,
        etag: '"abc"',
        lastModified: 'Tue, 03 Mar 2026 10:00:00 GMT',
        goodPath: 'feeds/a.json',
        goodSha256: 'ff'.repeat(32),
        goodAt: at(1),
      };
      await s.sources.putSyncState(first);
      expect(await s.sources.getSyncState(src.id)).toEqual(first);
      const second: SourceSyncState = {
        sourceId: src.id,
        etag: null,
        lastModified: null,
        goodPath: null,
        goodSha256: null,
        goodAt: null,
      };
      await s.sources.putSyncState(second);
      expect(await s.sources.getSyncState(src.id)).toEqual(second);
      await expectStoreError(s.sources.putSyncState({ ...second, sourceId: uid('missing') }), 'E_SOURCE_NOT_FOUND');
    });

    it('records syncs and lists them newest first, up to a limit', async () => {
      const s = ctx.store();
      const src = source();
      await s.sources.create(src);
      const diff = {
        added: [{ id: 'DSA-1', affectedMachines: 2 }],
        revised: [],
        withdrawn: [{ id: 'DSA-0', affectedMachines: 0 }],
      };
      const r1 = syncRecord(src.id, 1, { diff });
      const r2 = syncRecord(src.id, 5, { result: 'failed', message: 'E_FEED_UNREACHABLE', bytes: 0 });
      const r3 = syncRecord(src.id, 3, { result: 'not-modified', bytes: 0 });
      for (const r of [r1, r2, r3]) await s.sources.recordSync(r);
      expect(await s.sources.listSyncs(src.id, 10)).toEqual([r2, r3, r1]);
      expect(await s.sources.listSyncs(src.id, 2)).toEqual([r2, r3]);
      expect(await s.sources.listSyncs(uid('missing'), 10)).toEqual([]);
      await expectStoreError(s.sources.recordSync(syncRecord(uid('missing'), 1)), 'E_SOURCE_NOT_FOUND');
    });

    it('deletes a source with its sync state and history', async () => {
      const s = ctx.store();
      const src = source();
      await s.sources.create(src);
      await s.sources.putSyncState({
        sourceId: src.id,
        etag: 'e',
        lastModified: null,
        goodPath: null,
        goodSha256: null,
        goodAt: null,
      });
      await s.sources.recordSync(syncRecord(src.id, 1));
      await s.sources.delete(src.id);
      expect(await s.sources.get(src.id)).toBeUndefined();
      expect(await s.sources.getSyncState(src.id)).toBeUndefined();
      expect(await s.sources.listSyncs(src.id, 10)).toEqual([]);
    });
  });
}
