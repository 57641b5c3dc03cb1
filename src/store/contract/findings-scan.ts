/** Contract of FindingStore's streaming reads for reports: scanFacts and scanSnapshots. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DailySnapshot, FindingFact } from '../ports.js';
import { at, finding, machine, uid, type ContractContext } from './builders.js';

async function collect<T>(stream: AsyncIterable<T[]>): Promise<T[][]> {
  const batches: T[][] = [];
  for await (const b of stream) batches.push(b);
  return batches;
}

/** Defines the scan tests for one adapter. */
export function findingScanContract(ctx: ContractContext): void {
  describe('findings: scans', () => {
    // Three machines (sorted ids), four bulletins each. On m2, b3 is resolved at at(5) and b4 at
    // at(9); on m3, b4 is installed from the start (never open, never resolved): 9 open findings.
    const x = uid('scan');
    const ms = [machine({ id: `${x}-m1` }), machine({ id: `${x}-m2` }), machine({ id: `${x}-m3` })];
    const bs = ['b1', 'b2', 'b3', 'b4'].map((b) => `${x}-${b}`);
    const ids = ms.map((m) => m.id);
    const key = (f: FindingFact) => `${f.machineId.slice(x.length + 1)}:${f.bulletinId.slice(x.length + 1)}`;

    beforeAll(async () => {
      const s = ctx.store();
      for (const m of ms) await s.machines.create(m);
      for (const [n, m] of ms.entries()) {
        const status = (i: number) => (n === 2 && i === 3 ? 'installed' : i % 2 ? 'affected' : 'missing');
        await s.findings.applyAssessment(
          m.id,
          bs.map((b, i) => finding(b, { severity: i === 0 ? 'critical' : 'important', status: status(i) })),
          at(1),
        );
      }
      const m2 = ms[1]!.id;
      await s.findings.applyAssessment(m2, [finding(bs[2]!, { status: 'installed' })], at(5), {
        bulletinIds: [bs[2]!],
      });
      await s.findings.applyAssessment(m2, [finding(bs[3]!, { status: 'installed' })], at(9), {
        bulletinIds: [bs[3]!],
      });
    });

    it('streams open findings in (machine, bulletin) order, in batches of the given size', async () => {
      const s = ctx.store();
      const batches = await collect(s.findings.scanFacts({ machineIds: ids, batchSize: 3 }));
      expect(batches.map((b) => b.length)).toEqual([3, 3, 3]);
      expect(batches.flat().map(key)).toEqual([
        'm1:b1',
        'm1:b2',
        'm1:b3',
        'm1:b4',
        'm2:b1',
        'm2:b2',
        'm3:b1',
        'm3:b2',
        'm3:b3',
      ]);
      expect(batches[0]![0]).toEqual({
        machineId: ids[0],
        bulletinId: bs[0],
        status: 'missing',
        severity: 'critical',
        firstSeenAt: at(1),
        resolvedAt: null,
      });
      expect(batches[0]![1]).toEqual({
        machineId: ids[0],
        bulletinId: bs[1],
        status: 'affected',
        severity: 'important',
        firstSeenAt: at(1),
        resolvedAt: null,
      });
    });

    it('adds findings resolved at or after resolvedSince', async () => {
      const s = ctx.store();
      const since = async (resolvedSince: string) =>
        (await collect(s.findings.scanFacts({ machineIds: ids, resolvedSince }))).flat();
      expect((await since(at(5))).filter((f) => f.resolvedAt !== null).map(key)).toEqual(['m2:b3', 'm2:b4']);
      const later = await since(at(6));
      expect(later.filter((f) => f.resolvedAt !== null)).toEqual([
        {
          machineId: ids[1],
          bulletinId: bs[3],
          status: 'installed',
          severity: 'important',
          firstSeenAt: at(1),
          resolvedAt: at(9),
        },
      ]);
      expect(later).toHaveLength(10);
      expect(await since(at(10))).toHaveLength(9);
    });

    it('restricts to machine ids; no machines or no rows mean no batches', async () => {
      const s = ctx.store();
      const batches = await collect(
        s.findings.scanFacts({ machineIds: [ids[1]!, ids[2]!], resolvedSince: at(0), batchSize: 5 }),
      );
      expect(batches.map((b) => b.length)).toEqual([5, 2]);
      expect(batches.flat().map(key)).toEqual(['m2:b1', 'm2:b2', 'm2:b3', 'm2:b4', 'm3:b1', 'm3:b2', 'm3:b3']);
      expect(await collect(s.findings.scanFacts({ machineIds: [] }))).toEqual([]);
      expect(await collect(s.findings.scanFacts({ machineIds: [uid('none')] }))).toEqual([]);
    });

    it('pages 12 findings with batchSize 5 as 5, 5, 2; an exact multiple ends without an empty batch', async () => {
      const s = ctx.store();
      const m = machine();
      await s.machines.create(m);
      const twelve = Array.from({ length: 12 }, (_, i) => `${x}-many-${String(i).padStart(2, '0')}`);
      await s.findings.applyAssessment(
        m.id,
        twelve.map((b) => finding(b)),
        at(1),
      );
      const batches = await collect(s.findings.scanFacts({ machineIds: [m.id], batchSize: 5 }));
      expect(batches.map((b) => b.length)).toEqual([5, 5, 2]);
      expect(batches.flat().map((f) => f.bulletinId)).toEqual(twelve);
      expect((await collect(s.findings.scanFacts({ machineIds: [m.id], batchSize: 4 }))).map((b) => b.length)).toEqual([
        4, 4, 4,
      ]);
      expect((await collect(s.findings.scanFacts({ machineIds: [m.id] }))).map((b) => b.length)).toEqual([12]);
      const all = (await collect(s.findings.scanFacts({ batchSize: 7 }))).flat();
      expect(all.filter((f) => f.machineId === m.id)).toHaveLength(12);
      const order = all.map((f) => [f.machineId, f.bulletinId] as const);
      expect(
        order.every(
          (p, i) => i === 0 || order[i - 1]![0] < p[0] || (order[i - 1]![0] === p[0] && order[i - 1]![1] < p[1]),
        ),
      ).toBe(true);
    });

    it('refuses a batch size that is not a positive integer (E_INTERNAL)', async () => {
      const s = ctx.store();
      await expect(collect(s.findings.scanFacts({ batchSize: 0 }))).rejects.toMatchObject({ code: 'E_INTERNAL' });
      await expect(collect(s.findings.scanSnapshots('2026-01-01', '2026-01-02', 1.5))).rejects.toMatchObject({
        code: 'E_INTERNAL',
      });
    });

    it('streams snapshots of all machines in (day, machine) order within the days asked', async () => {
      const s = ctx.store();
      const snap = (m: number, day: string): DailySnapshot => ({
        machineId: ids[m]!,
        day,
        counts: { missing: m + 1 },
        openBySeverity: { critical: m },
      });
      const days = ['2031-05-01', '2031-05-02', '2031-05-03'];
      const all = days.flatMap((day) => [snap(2, day), snap(0, day), snap(1, day)]);
      for (const sn of all) await s.findings.putSnapshot(sn);
      await s.findings.putSnapshot(snap(0, '2031-05-04'));
      const batches = await collect(s.findings.scanSnapshots('2031-05-01', '2031-05-03', 4));
      expect(batches.map((b) => b.length)).toEqual([4, 4, 1]);
      const expected = days.flatMap((day) => [snap(0, day), snap(1, day), snap(2, day)]);
      expect(batches.flat()).toEqual(expected);
      expect((await collect(s.findings.scanSnapshots('2031-05-02', '2031-05-02'))).flat()).toEqual(
        expected.slice(3, 6),
      );
      expect(await collect(s.findings.scanSnapshots('2031-06-01', '2031-06-30'))).toEqual([]);
    });
  });
}
