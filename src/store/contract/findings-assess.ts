/** Contract of FindingStore.applyAssessment: lifecycle of findings across assessments. */
import { describe, expect, it } from 'vitest';
import type { FindingRecord, Store } from '../ports.js';
import { at, expectStoreError, finding, machine, uid, type ContractContext } from './builders.js';

async function newMachine(s: Store): Promise<string> {
  const m = machine();
  await s.machines.create(m);
  return m.id;
}

async function byBulletin(s: Store, machineId: string): Promise<Map<string, FindingRecord>> {
  const { items } = await s.findings.list({ machineIds: [machineId] });
  return new Map(items.map((f) => [f.bulletinId, f]));
}

/** Defines the applyAssessment tests for one adapter. */
export function findingAssessmentContract(ctx: ContractContext): void {
  describe('findings: applyAssessment', () => {
    it('inserts new findings with first and last seen at the assessment time', async () => {
      const s = ctx.store();
      const m = await newMachine(s);
      const inputs = [
        finding('B-1'),
        finding('B-2', { status: 'affected', fixedVersion: null }),
        finding('B-3', { status: 'installed' }),
      ];
      expect(await s.findings.applyAssessment(m, inputs, at(1))).toEqual({ opened: ['B-1', 'B-2'], resolved: [] });
      const stored = await byBulletin(s, m);
      for (const f of inputs) {
        expect(stored.get(f.bulletinId)).toEqual({
          ...f,
          machineId: m,
          firstSeenAt: at(1),
          lastSeenAt: at(1),
          resolvedAt: null,
        });
      }
    });

    it('resolves an open finding, then reopens it with a new first-seen time', async () => {
      const s = ctx.store();
      const m = await newMachine(s);
      await s.findings.applyAssessment(m, [finding('B-1')], at(1));
      const again = finding('B-1', { evidence: [], reason: 'still missing' });
      expect(await s.findings.applyAssessment(m, [again], at(2))).toEqual({ opened: [], resolved: [] });
      expect((await byBulletin(s, m)).get('B-1')).toMatchObject({
        firstSeenAt: at(1),
        lastSeenAt: at(2),
        resolvedAt: null,
        evidence: [],
        reason: 'still missing',
      });

      const fixed = finding('B-1', { status: 'installed', reason: 'fixed' });
      expect(await s.findings.applyAssessment(m, [fixed], at(3))).toEqual({ opened: [], resolved: ['B-1'] });
      expect((await byBulletin(s, m)).get('B-1')).toMatchObject({
        status: 'installed',
        firstSeenAt: at(1),
        lastSeenAt: at(3),
        resolvedAt: at(3),
      });

      expect(await s.findings.applyAssessment(m, [fixed], at(4))).toEqual({ opened: [], resolved: [] });
      expect((await byBulletin(s, m)).get('B-1')).toMatchObject({ lastSeenAt: at(4), resolvedAt: at(3) });

      expect(await s.findings.applyAssessment(m, [finding('B-1', { status: 'affected' })], at(5))).toEqual({
        opened: ['B-1'],
        resolved: [],
      });
      expect((await byBulletin(s, m)).get('B-1')).toMatchObject({
        status: 'affected',
        firstSeenAt: at(5),
        lastSeenAt: at(5),
        resolvedAt: null,
      });
    });

    it('marks stored findings absent from the assessment not-applicable, resolving the open ones', async () => {
      const s = ctx.store();
      const m = await newMachine(s);
      await s.findings.applyAssessment(
        m,
        [
          finding('B-open'),
          finding('B-inst', { status: 'installed' }),
          finding('B-na', { status: 'not-applicable' }),
          finding('B-keep'),
        ],
        at(1),
      );
      const result = await s.findings.applyAssessment(m, [finding('B-keep')], at(2));
      expect(result).toEqual({ opened: [], resolved: ['B-open'] });
      const stored = await byBulletin(s, m);
      expect(stored.get('B-open')).toMatchObject({
        status: 'not-applicable',
        resolvedAt: at(2),
        firstSeenAt: at(1),
        evidence: [],
      });
      expect(stored.get('B-inst')).toMatchObject({ status: 'not-applicable', resolvedAt: null });
      expect(stored.get('B-na')).toMatchObject({ status: 'not-applicable', resolvedAt: null, lastSeenAt: at(1) });
      expect(stored.get('B-keep')).toMatchObject({ status: 'missing', lastSeenAt: at(2) });
    });

    it('touches only the bulletins in scope when a scope is given', async () => {
      const s = ctx.store();
      const m = await newMachine(s);
      await s.findings.applyAssessment(m, [finding('B-1'), finding('B-2'), finding('B-3')], at(1));
      const result = await s.findings.applyAssessment(
        m,
        [finding('B-1', { status: 'installed' }), finding('B-4')],
        at(2),
        { bulletinIds: ['B-1', 'B-2', 'B-4'] },
      );
      expect(result.opened).toEqual(['B-4']);
      expect([...result.resolved].sort()).toEqual(['B-1', 'B-2']);
      const stored = await byBulletin(s, m);
      expect(stored.get('B-2')).toMatchObject({ status: 'not-applicable', resolvedAt: at(2) });
      expect(stored.get('B-3')).toMatchObject({ status: 'missing', lastSeenAt: at(1), resolvedAt: null });
      expect(await s.findings.applyAssessment(m, [], at(3), { bulletinIds: [] })).toEqual({ opened: [], resolved: [] });
      expect((await byBulletin(s, m)).get('B-3')).toMatchObject({ status: 'missing' });
    });

    it('counts a bulletin given twice once, the last input winning', async () => {
      const s = ctx.store();
      const m = await newMachine(s);
      const result = await s.findings.applyAssessment(
        m,
        [finding('B-1'), finding('B-1', { status: 'installed' })],
        at(1),
      );
      expect(result).toEqual({ opened: [], resolved: [] });
      expect((await byBulletin(s, m)).get('B-1')?.status).toBe('installed');
    });

    it('refuses an unknown machine (E_MACHINE_NOT_FOUND) and writes nothing', async () => {
      const s = ctx.store();
      const id = uid('missing');
      await expectStoreError(s.findings.applyAssessment(id, [finding('B-1')], at(1)), 'E_MACHINE_NOT_FOUND');
      expect((await s.findings.list({ machineIds: [id] })).total).toBe(0);
    });

    it('applies 3,000 findings per machine and a follow-up that resolves half of them', async () => {
      const s = ctx.store();
      const m = await newMachine(s);
      const ids = Array.from({ length: 3000 }, (_, i) => `BIG-${String(i).padStart(4, '0')}`);
      const first = await s.findings.applyAssessment(
        m,
        ids.map((id, i) => finding(id, { status: i % 3 === 0 ? 'installed' : 'missing' })),
        at(1),
      );
      expect(first.opened).toHaveLength(2000);
      const second = await s.findings.applyAssessment(
        m,
        ids.slice(0, 1500).map((id) => finding(id, { status: 'installed' })),
        at(2),
      );
      expect(second.opened).toEqual([]);
      expect(second.resolved).toHaveLength(2000);
      expect((await s.findings.countOpenByMachine([m])).get(m)).toBe(0);
      expect((await s.findings.list({ machineIds: [m], statuses: ['not-applicable'], limit: 1 })).total).toBe(1500);
      const third = await s.findings.applyAssessment(
        m,
        ids.map((id) => finding(id)),
        at(3),
      );
      expect(third.opened).toHaveLength(3000);
      expect((await s.findings.countOpenByMachine([m])).get(m)).toBe(3000);
    });
  });
}
