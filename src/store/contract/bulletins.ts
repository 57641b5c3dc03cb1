/** Contract of BulletinStore: replacement per source with withdrawal, and filtered lists. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BulletinStore } from '../ports.js';
import { at, bulletin, uid, type ContractContext } from './builders.js';

type Filter = Parameters<BulletinStore['list']>[0];

/** Defines the BulletinStore tests for one adapter. */
export function bulletinContract(ctx: ContractContext): void {
  describe('bulletins', () => {
    it('replaces a source: upserts, withdraws the missing ones, restores a returning one', async () => {
      const s = ctx.store();
      const src = uid('src');
      const other = uid('src');
      const [a, b, c] = [bulletin(src), bulletin(src, { cves: [], kbs: ['KB5001'], published: null }), bulletin(src)];
      const foreign = bulletin(other);
      await s.bulletins.replaceForSource(other, [foreign], at(0));
      await s.bulletins.replaceForSource(src, [a, b, c], at(1));
      expect(await s.bulletins.listForSource(src)).toEqual([a, b, c].sort((x, y) => (x.id < y.id ? -1 : 1)));
      expect(await s.bulletins.get(b.id)).toEqual(b);

      const revisedA = {
        ...a,
        title: 'Revised',
        revised: '2026-02-01',
        contentHash: 'h2',
        severity: 'critical' as const,
      };
      await s.bulletins.replaceForSource(src, [revisedA], at(2));
      expect(await s.bulletins.get(a.id)).toEqual(revisedA);
      expect(await s.bulletins.get(b.id)).toEqual({ ...b, withdrawnAt: at(2) });
      expect(await s.bulletins.get(c.id)).toEqual({ ...c, withdrawnAt: at(2) });

      await s.bulletins.replaceForSource(src, [revisedA, c], at(3));
      expect(await s.bulletins.get(b.id)).toEqual({ ...b, withdrawnAt: at(2) });
      expect(await s.bulletins.get(c.id)).toEqual(c);
      expect(await s.bulletins.get(foreign.id)).toEqual(foreign);
      expect(await s.bulletins.get(uid('missing'))).toBeUndefined();

      await s.bulletins.replaceForSource(src, [], at(4));
      expect((await s.bulletins.listForSource(src)).every((x) => x.withdrawnAt !== null)).toBe(true);
      expect(await s.bulletins.listForSource(uid('none'))).toEqual([]);
    });

    describe('list', () => {
      const src = uid('src');
      const ids = {
        newest: `${src}-DSA-3`,
        middle: `${src}-DSA-2`,
        oldest: `${src}-DSA-1`,
        undated: `${src}-USN-9`,
        gone: `${src}-DSA-0`,
      };
      beforeAll(async () => {
        const s = ctx.store();
        await s.bulletins.replaceForSource(
          src,
          [
            bulletin(src, { id: ids.oldest, published: '2025-01-01', severity: 'low', title: 'OpenSSL 100% fix' }),
            bulletin(src, {
              id: ids.middle,
              published: '2025-06-01',
              severity: 'critical',
              title: 'linux kernel',
              cves: ['CVE-2025-1111'],
              kbs: ['KB5034441'],
            }),
            bulletin(src, {
              id: ids.newest,
              published: '2026-01-01T07:00:00Z',
              severity: 'important',
              title: 'curl',
              cves: ['CVE-2026-2222'],
            }),
            bulletin(src, { id: ids.undated, published: null, severity: 'critical', title: 'OpenSSH' }),
            bulletin(src, { id: ids.gone, published: '2026-02-01', severity: 'critical', title: 'withdrawn one' }),
          ],
          at(1),
        );
        const kept = (await s.bulletins.listForSource(src)).filter((b) => b.id !== ids.gone);
        await s.bulletins.replaceForSource(src, kept, at(2));
      });

      it.each<{ name: string; filter: Omit<Filter, 'sourceId'>; expected: (keyof typeof ids)[] }>([
        {
          name: 'newest first, undated last, withdrawn hidden',
          filter: {},
          expected: ['newest', 'middle', 'oldest', 'undated'],
        },
        {
          name: 'with withdrawn',
          filter: { includeWithdrawn: true },
          expected: ['gone', 'newest', 'middle', 'oldest', 'undated'],
        },
        {
          name: 'severity set',
          filter: { severities: ['critical', 'low'] },
          expected: ['middle', 'oldest', 'undated'],
        },
        { name: 'q in title, any case', filter: { q: 'openss' }, expected: ['oldest', 'undated'] },
        { name: 'q in id', filter: { q: 'usn-9' }, expected: ['undated'] },
        { name: 'q in a CVE', filter: { q: 'cve-2025-11' }, expected: ['middle'] },
        { name: 'q with a LIKE wildcard taken literally', filter: { q: '100%' }, expected: ['oldest'] },
        { name: 'q with an underscore taken literally', filter: { q: 'open_sl' }, expected: [] },
        {
          name: 'ids',
          filter: { ids: [ids.oldest, ids.gone, uid('x')], includeWithdrawn: true },
          expected: ['gone', 'oldest'],
        },
        { name: 'empty ids', filter: { ids: [] }, expected: [] },
        { name: 'published from a day', filter: { publishedFrom: '2025-06-01' }, expected: ['newest', 'middle'] },
        {
          name: 'published up to a day, whatever its time',
          filter: { publishedFrom: '2025-06-02', publishedTo: '2026-01-01' },
          expected: ['newest'],
        },
        { name: 'published up to a day', filter: { publishedTo: '2025-06-01' }, expected: ['middle', 'oldest'] },
        { name: 'CVE exact, any case', filter: { cve: 'cve-2025-1111' }, expected: ['middle'] },
        { name: 'CVE prefix is not a match', filter: { cve: 'CVE-2025-111' }, expected: [] },
        { name: 'KB with prefix', filter: { kb: 'KB5034441' }, expected: ['middle'] },
        { name: 'KB digits only', filter: { kb: '5034441' }, expected: ['middle'] },
        { name: 'KB prefix is not a match', filter: { kb: '503444' }, expected: [] },
        {
          name: 'oldest first, undated last',
          filter: { sort: 'published' },
          expected: ['oldest', 'middle', 'newest', 'undated'],
        },
        {
          name: 'most severe first, then newest',
          filter: { sort: '-severity' },
          expected: ['middle', 'undated', 'newest', 'oldest'],
        },
        {
          name: 'least severe first',
          filter: { sort: 'severity' },
          expected: ['oldest', 'newest', 'middle', 'undated'],
        },
        { name: 'by id', filter: { sort: 'id' }, expected: ['oldest', 'middle', 'newest', 'undated'] },
        { name: 'by id descending', filter: { sort: '-id' }, expected: ['undated', 'newest', 'middle', 'oldest'] },
      ])('filters: $name', async ({ filter, expected }) => {
        const { items, total } = await ctx.store().bulletins.list({ sourceId: src, ...filter });
        expect(items.map((b) => b.id)).toEqual(expected.map((k) => ids[k]));
        expect(total).toBe(expected.length);
      });

      it('pages with a total for the whole filter', async () => {
        const s = ctx.store();
        const page1 = await s.bulletins.list({ sourceId: src, limit: 3 });
        const page2 = await s.bulletins.list({ sourceId: src, limit: 3, offset: 3 });
        expect([page1.total, page2.total]).toEqual([4, 4]);
        expect([...page1.items, ...page2.items].map((b) => b.id)).toEqual([
          ids.newest,
          ids.middle,
          ids.oldest,
          ids.undated,
        ]);
        expect((await s.bulletins.list({ sourceId: src, offset: 2 })).items.map((b) => b.id)).toEqual([
          ids.oldest,
          ids.undated,
        ]);
      });
    });
  });
}
