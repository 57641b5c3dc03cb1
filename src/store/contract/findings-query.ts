/** Contract of FindingStore queries: list filters and pages, open counts, snapshots, deletion. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FindingFilter } from '../ports.js';
import { at, finding, machine, uid, type ContractContext } from './builders.js';

/** Defines the FindingStore query tests for one adapter. */
export function findingQueryContract(ctx: ContractContext): void {
  describe('findings: queries', () => {
    // Two machines: m1 with B-crit (missing), B-imp (affected), B-mod (installed after being
    // missing: resolved), B-low (unknown); m2 with B-crit (missing), B-imp (not-applicable).
    const m1 = machine();
    const m2 = machine();
    const x = uid('B');
    const [crit, imp, mod, low] = ['crit', 'imp', 'mod', 'low'].map((s) => `${x}-${s}`) as [
      string,
      string,
      string,
      string,
    ];

    beforeAll(async () => {
      const s = ctx.store();
      await s.machines.create(m1);
      await s.machines.create(m2);
      await s.findings.applyAssessment(m1.id, [finding(mod, { severity: 'moderate' })], at(1));
      await s.findings.applyAssessment(
        m1.id,
        [
          finding(crit, { severity: 'critical' }),
          finding(imp, { severity: 'important', status: 'affected' }),
          finding(mod, { severity: 'moderate', status: 'installed' }),
          finding(low, { severity: 'low', status: 'unknown' }),
        ],
        at(2),
      );
      await s.findings.applyAssessment(
        m2.id,
        [finding(crit, { severity: 'critical' }), finding(imp, { status: 'not-applicable' })],
        at(2),
      );
    });

    const both = () => [m1.id, m2.id];
    const key = (f: { machineId: string; bulletinId: string }) =>
      `${f.machineId === m1.id ? 'm1' : 'm2'}:${f.bulletinId.slice(x.length + 1)}`;

    it.each<{ name: string; filter: Omit<FindingFilter, 'machineIds'>; expected: string[] }>([
      {
        name: 'no filter, ordered by severity then bulletin then machine',
        filter: {},
        expected: ['m1:crit', 'm2:crit', 'm1:imp', 'm2:imp', 'm1:mod', 'm1:low'],
      },
      { name: 'statuses', filter: { statuses: ['missing', 'affected'] }, expected: ['m1:crit', 'm2:crit', 'm1:imp'] },
      { name: 'bulletin ids', filter: { bulletinIds: [imp, mod] }, expected: ['m1:imp', 'm2:imp', 'm1:mod'] },
      {
        name: 'minimum severity',
        filter: { severities: ['important'] },
        expected: ['m1:crit', 'm2:crit', 'm1:imp', 'm2:imp'],
      },
      {
        name: 'severities as a list from the top',
        filter: { severities: ['critical', 'important', 'moderate'] },
        expected: ['m1:crit', 'm2:crit', 'm1:imp', 'm2:imp', 'm1:mod'],
      },
      { name: 'no severities', filter: { severities: [] }, expected: [] },
      { name: 'resolved', filter: { resolved: true }, expected: ['m1:mod'] },
      { name: 'unresolved', filter: { resolved: false, statuses: ['unknown', 'installed'] }, expected: ['m1:low'] },
      { name: 'empty bulletin list', filter: { bulletinIds: [] }, expected: [] },
    ])('lists with a filter: $name', async ({ filter, expected }) => {
      const { items, total } = await ctx.store().findings.list({ machineIds: both(), ...filter });
      expect(items.map(key)).toEqual(expected);
      expect(total).toBe(expected.length);
    });

    it('pages through the list with a total for the whole filter', async () => {
      const s = ctx.store();
      const all = (await s.findings.list({ machineIds: both() })).items.map(key);
      const pages: string[] = [];
      for (let offset = 0; offset < all.length; offset += 4) {
        const page = await s.findings.list({ machineIds: both(), limit: 4, offset });
        expect(page.total).toBe(6);
        pages.push(...page.items.map(key));
      }
      expect(pages).toEqual(all);
      expect((await s.findings.list({ machineIds: both(), offset: 5 })).items.map(key)).toEqual(all.slice(5));
      expect(await s.findings.list({ machineIds: both(), limit: 2, offset: 10 })).toEqual({ items: [], total: 6 });
    });

    it('counts open findings per bulletin and per machine, zero for the others', async () => {
      const s = ctx.store();
      const byBulletin = await s.findings.countOpenByBulletin([crit, imp, mod, low, uid('none')]);
      expect([crit, imp, mod, low].map((b) => byBulletin.get(b))).toEqual([2, 1, 0, 0]);
      expect(byBulletin.size).toBe(5);
      const onM2 = await s.findings.countOpenByBulletin([crit, imp], [m2.id]);
      expect([onM2.get(crit), onM2.get(imp)]).toEqual([1, 0]);
      expect([...(await s.findings.countOpenByBulletin([crit], [])).values()]).toEqual([0]);
      const byMachine = await s.findings.countOpenByMachine([m1.id, m2.id]);
      expect([byMachine.get(m1.id), byMachine.get(m2.id)]).toEqual([2, 1]);
      expect((await s.findings.countOpenByMachine([])).size).toBe(0);
    });

    it('keeps one snapshot per machine and day, the last put winning', async () => {
      const s = ctx.store();
      const m = machine();
      await s.machines.create(m);
      const snap = (day: string, missing: number) => ({
        machineId: m.id,
        day,
        counts: { missing, installed: 3 },
        openBySeverity: { critical: missing },
      });
      await s.findings.putSnapshot(snap('2026-03-02', 5));
      await s.findings.putSnapshot(snap('2026-03-01', 4));
      await s.findings.putSnapshot(snap('2026-03-03', 1));
      await s.findings.putSnapshot(snap('2026-03-02', 7));
      expect(await s.findings.listSnapshots(m.id, '2026-03-01', '2026-03-02')).toEqual([
        snap('2026-03-01', 4),
        snap('2026-03-02', 7),
      ]);
      expect(await s.findings.listSnapshots(m.id, '2026-03-04', '2026-03-09')).toEqual([]);
    });

    it("deletes one machine's findings and snapshots only", async () => {
      const s = ctx.store();
      const [gone, kept] = [machine(), machine()];
      await s.machines.create(gone);
      await s.machines.create(kept);
      for (const m of [gone, kept]) {
        await s.findings.applyAssessment(m.id, [finding('B-1'), finding('B-2')], at(1));
        await s.findings.putSnapshot({
          machineId: m.id,
          day: '2026-03-01',
          counts: { missing: 2 },
          openBySeverity: { important: 2 },
        });
      }
      await s.findings.deleteForMachine(gone.id);
      expect((await s.findings.list({ machineIds: [gone.id] })).total).toBe(0);
      expect(await s.findings.listSnapshots(gone.id, '2026-01-01', '2026-12-31')).toEqual([]);
      expect((await s.findings.list({ machineIds: [kept.id] })).total).toBe(2);
      expect(await s.findings.listSnapshots(kept.id, '2026-01-01', '2026-12-31')).toHaveLength(1);
      expect(await s.machines.get(gone.id)).toBeDefined();
    });
  });
}
