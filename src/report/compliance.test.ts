import { describe, expect, it } from 'vitest';
import type { Severity } from '../catalog/model.js';
import type { FindingVerdict } from '../policy/verdict.js';
import type { DailySnapshot, FindingFact } from '../store/ports.js';
import {
  createComplianceAccumulator,
  type BulletinView,
  type ComplianceContext,
  type MachineView,
  type VerdictFn,
} from './compliance.js';

const NOW = '2024-06-30T00:00:00.000Z';
const FROM = '2024-05-31T00:00:00.000Z';

const GROUPS = [
  { id: 'g-web', name: 'web', owner: 'alice@example.org' },
  { id: 'g-db', name: 'db', owner: 'bob@example.org' },
  { id: 'g-empty', name: 'empty', owner: null },
];

const MACHINES: MachineView[] = [
  { id: 'm1', name: 'web-1', owner: 'ops', groupIds: ['g-web'] },
  { id: 'm2', name: 'web-2', owner: null, groupIds: ['g-web'] },
  { id: 'm3', name: 'db-1', owner: 'ops', groupIds: ['g-db'] },
  { id: 'm4', name: 'both-1', owner: 'dba', groupIds: ['g-web', 'g-db'] },
  { id: 'm5', name: 'lone', owner: null, groupIds: [] },
];

const bulletin = (id: string, severity: Severity, published: string | null = '2024-05-01T00:00:00Z'): BulletinView => ({
  id,
  title: `Title of ${id}`,
  severity,
  published,
});
const BULLETINS = new Map(
  [
    bulletin('B1', 'critical'),
    bulletin('B2', 'important'),
    bulletin('B3', 'moderate'),
    bulletin('B4', 'low'),
    bulletin('B5', 'unknown', null),
    bulletin('B6', 'low'),
  ].map((b) => [b.id, b]),
);

const v = (
  sla: FindingVerdict['sla'],
  dueAt: string | null,
  producesWork: boolean,
  triage: FindingVerdict['triage'] = 'approved',
): FindingVerdict => ({ sla, dueAt, producesWork, triage });

/** The verdicts of the open findings, by machine:bulletin (consistent per group set, as the real ones are). */
const VERDICTS: Record<string, FindingVerdict> = {
  'm1:B1': v('overdue', '2024-06-10T00:00:00.000Z', true),
  'm1:B2': v('due-soon', '2024-07-05T00:00:00.000Z', true),
  'm2:B6': v('ignored', null, false, 'ignored'),
  'm3:B2': v('declined', null, false, 'declined'),
  'm3:B3': v('excepted', null, true),
  'm3:B5': v('on-track', '2024-08-01T00:00:00.000Z', true),
  'm4:B1': v('overdue', '2024-06-15T12:00:00.000Z', true),
  'm5:B4': v('no-deadline', null, false, 'new'),
};
const tableVerdict: VerdictFn = (f) => {
  const found = VERDICTS[`${f.machineId}:${f.bulletinId}`];
  if (!found) throw new Error(`no verdict for ${f.machineId}:${f.bulletinId}`);
  return found;
};

const open = (machineId: string, bulletinId: string, firstSeenAt = '2024-06-01T00:00:00Z'): FindingFact => ({
  machineId,
  bulletinId,
  status: 'missing',
  severity: BULLETINS.get(bulletinId)?.severity ?? 'unknown',
  firstSeenAt,
  resolvedAt: null,
});
const resolved = (machineId: string, bulletinId: string, firstSeenAt: string, resolvedAt: string): FindingFact => ({
  ...open(machineId, bulletinId, firstSeenAt),
  status: 'installed',
  resolvedAt,
});

const FACTS: FindingFact[] = [
  open('m1', 'B1'),
  open('m1', 'B2'),
  resolved('m1', 'B3', '2024-06-01T00:00:00Z', '2024-06-10T00:00:00Z'), // 9 days
  open('m2', 'B6'),
  resolved('m2', 'B3', '2024-04-01T00:00:00Z', '2024-05-01T00:00:00Z'), // before the period
  open('m3', 'B2'),
  open('m3', 'B3'),
  open('m3', 'B5'),
  open('m4', 'B1'),
  resolved('m4', 'B2', '2024-06-15T00:00:00Z', '2024-06-20T00:00:00Z'), // 5 days
  open('m5', 'B4'),
  { ...open('m5', 'B6'), status: 'installed' }, // closed and never resolved: not counted
  open('m-other', 'B1'), // not in scope
];

const snap = (
  machineId: string,
  day: string,
  counts: DailySnapshot['counts'],
  openBySeverity: DailySnapshot['openBySeverity'],
): DailySnapshot => ({ machineId, day, counts, openBySeverity });
const SNAPSHOTS: DailySnapshot[] = [
  snap('m1', '2024-06-28', { missing: 1 }, { critical: 1 }),
  snap('m3', '2024-06-28', { missing: 1, installed: 7 }, { moderate: 1 }),
  snap('m1', '2024-06-29', { missing: 2, affected: 1 }, { critical: 2, important: 1 }),
  snap('m2', '2024-06-29', { installed: 4 }, {}),
  snap('m-other', '2024-06-29', { missing: 5 }, { low: 5 }),
];

function context(over: Partial<ComplianceContext> = {}): ComplianceContext {
  return {
    now: NOW,
    scope: 'all',
    period: { from: FROM, to: NOW },
    machines: MACHINES,
    groups: GROUPS,
    bulletins: BULLETINS,
    exceptionBulletinIds: new Set(['B3']),
    verdict: tableVerdict,
    ...over,
  };
}

function build(batchSize: number, over: Partial<ComplianceContext> = {}) {
  const acc = createComplianceAccumulator(context(over));
  for (let i = 0; i < FACTS.length; i += batchSize) acc.add(FACTS.slice(i, i + batchSize));
  for (let i = 0; i < SNAPSHOTS.length; i += batchSize) acc.addSnapshots(SNAPSHOTS.slice(i, i + batchSize));
  return acc.finish();
}

describe('compliance aggregator over a hand-built fleet', () => {
  const report = build(100);

  it('summary', () => {
    expect(report.generatedAt).toBe(NOW);
    expect(report.period).toEqual({ from: FROM, to: NOW });
    expect(report.summary).toEqual({
      machines: 5,
      compliantMachines: 3, // web-2, db-1, lone
      compliancePercent: 60,
      fullyPatchedMachines: 1, // web-2: its only open finding is ignored; lone awaits triage
      openFindings: 8,
      overdue: 2,
      dueSoon: 1,
      excepted: 1,
      ignored: 1,
      declined: 1,
      resolvedInPeriod: 2,
      mttrDays: 7,
    });
  });

  it('per group, a machine in two groups counting in both', () => {
    expect(report.byGroup).toEqual([
      {
        group: 'db',
        owner: 'bob@example.org',
        machines: 2,
        compliant: 1,
        compliancePercent: 50,
        open: 4,
        overdue: 1,
        dueSoon: 0,
        mttrDays: 5,
      },
      {
        group: 'empty',
        owner: null,
        machines: 0,
        compliant: 0,
        compliancePercent: null,
        open: 0,
        overdue: 0,
        dueSoon: 0,
        mttrDays: null,
      },
      {
        group: 'web',
        owner: 'alice@example.org',
        machines: 3,
        compliant: 1,
        compliancePercent: 33.3,
        open: 4,
        overdue: 2,
        dueSoon: 1,
        mttrDays: 7,
      },
    ]);
  });

  it('per owner', () => {
    expect(report.byOwner).toEqual([
      {
        owner: '(no owner)',
        machines: 2,
        compliant: 2,
        compliancePercent: 100,
        open: 2,
        overdue: 0,
        dueSoon: 0,
        mttrDays: null,
      },
      { owner: 'dba', machines: 1, compliant: 0, compliancePercent: 0, open: 1, overdue: 1, dueSoon: 0, mttrDays: 5 },
      { owner: 'ops', machines: 2, compliant: 1, compliancePercent: 50, open: 5, overdue: 1, dueSoon: 1, mttrDays: 9 },
    ]);
  });

  it('per severity, every severity listed', () => {
    expect(report.bySeverity).toEqual([
      { severity: 'critical', open: 2, overdue: 2, dueSoon: 0, resolvedInPeriod: 0, mttrDays: null },
      { severity: 'important', open: 2, overdue: 0, dueSoon: 1, resolvedInPeriod: 1, mttrDays: 5 },
      { severity: 'moderate', open: 1, overdue: 0, dueSoon: 0, resolvedInPeriod: 1, mttrDays: 9 },
      { severity: 'low', open: 2, overdue: 0, dueSoon: 0, resolvedInPeriod: 0, mttrDays: null },
      { severity: 'unknown', open: 1, overdue: 0, dueSoon: 0, resolvedInPeriod: 0, mttrDays: null },
    ]);
  });

  it('per bulletin, by overdue then machines', () => {
    expect(report.byBulletin.map((b) => [b.bulletinId, b.machines, b.overdue, b.earliestDueAt])).toEqual([
      ['B1', 2, 2, '2024-06-10T00:00:00.000Z'],
      ['B2', 2, 0, '2024-07-05T00:00:00.000Z'],
      ['B3', 1, 0, null],
      ['B4', 1, 0, null],
      ['B5', 1, 0, '2024-08-01T00:00:00.000Z'],
      ['B6', 1, 0, null],
    ]);
    expect(report.byBulletin[0]).toMatchObject({ title: 'Title of B1', severity: 'critical' });
  });

  it('overdue list by deadline', () => {
    expect(report.overdue).toEqual([
      {
        machine: 'web-1',
        bulletinId: 'B1',
        title: 'Title of B1',
        severity: 'critical',
        dueAt: '2024-06-10T00:00:00.000Z',
        daysOverdue: 20,
        groups: ['web'],
      },
      {
        machine: 'both-1',
        bulletinId: 'B1',
        title: 'Title of B1',
        severity: 'critical',
        dueAt: '2024-06-15T12:00:00.000Z',
        daysOverdue: 14,
        groups: ['db', 'web'],
      },
    ]);
    expect(report.overdueOmitted).toBe(0);
  });

  it('trends from the scope machines snapshots', () => {
    expect(report.trends).toEqual([
      {
        day: '2024-06-28',
        openFindings: 2,
        machinesWithOpen: 2,
        openBySeverity: { critical: 1, important: 0, moderate: 1, low: 0, unknown: 0 },
      },
      {
        day: '2024-06-29',
        openFindings: 3,
        machinesWithOpen: 1,
        openBySeverity: { critical: 2, important: 1, moderate: 0, low: 0, unknown: 0 },
      },
    ]);
  });

  it('MTTR over the period', () => {
    expect(report.mttr.resolved).toBe(2);
    expect(report.mttr.meanDays).toBe(7);
    expect(report.mttr.bySeverity.important).toEqual({ resolved: 1, meanDays: 5 });
    expect(report.mttr.bySeverity.moderate).toEqual({ resolved: 1, meanDays: 9 });
    expect(report.mttr.bySeverity.critical).toEqual({ resolved: 0, meanDays: null });
  });

  it('does not depend on the batch size', () => {
    expect(build(1)).toEqual(report);
    expect(build(3)).toEqual(report);
  });

  it('is JSON-serialisable as it is', () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('an empty scope has no compliance percentage (null, not 100 %) and null MTTR', () => {
    const empty = createComplianceAccumulator(context({ machines: [], groups: [] })).finish();
    expect(empty.summary).toMatchObject({ machines: 0, compliancePercent: null, openFindings: 0, mttrDays: null });
    expect(empty.bySeverity).toHaveLength(5);
    expect(empty.trends).toEqual([]);
  });
});

describe('overdue row limit', () => {
  const many = Array.from({ length: 9 }, (_, i) => ({ id: `x${i}`, name: `x-${i}`, owner: null, groupIds: [] }));
  const due = (i: number) => `2024-06-0${9 - i}T00:00:00.000Z`; // x8 has the earliest deadline
  const ctx = (maxOverdueRows: number): ComplianceContext =>
    context({
      machines: many,
      maxOverdueRows,
      exceptionBulletinIds: new Set(),
      verdict: (f) => v('overdue', due(Number(f.machineId.slice(1))), true),
    });

  it.each([1, 2, 4])('keeps the %i earliest and counts the rest as omitted', (limit) => {
    const acc = createComplianceAccumulator(ctx(limit));
    for (const m of many) acc.add([{ ...open(m.id, 'B5') }]); // B5 has no publication date: one verdict per fact
    const r = acc.finish();
    expect(r.overdue.map((o) => o.machine)).toEqual(['x-8', 'x-7', 'x-6', 'x-5'].slice(0, limit));
    expect(r.overdueOmitted).toBe(9 - limit);
    expect(r.summary.overdue).toBe(9);
  });
});

describe('verdict memo', () => {
  const fleet: MachineView[] = [
    { id: 'a', name: 'a', owner: null, groupIds: ['g-web'] },
    { id: 'b', name: 'b', owner: null, groupIds: ['g-web'] },
    { id: 'c', name: 'c', owner: null, groupIds: ['g-web', 'g-db'] },
    { id: 'd', name: 'd', owner: null, groupIds: ['g-db', 'g-web'] },
  ];
  function run(bulletinId: string, exceptions: string[], verdict: VerdictFn) {
    let calls = 0;
    const acc = createComplianceAccumulator(
      context({
        machines: fleet,
        exceptionBulletinIds: new Set(exceptions),
        verdict: (f, m, b) => (calls++, verdict(f, m, b)),
      }),
    );
    acc.add(fleet.map((m) => open(m.id, bulletinId)));
    return { calls, report: acc.finish(), stats: acc.stats() };
  }
  const onTrack: VerdictFn = () => v('on-track', '2024-09-01T00:00:00.000Z', true);

  it('computes once per group set for a published bulletin without exceptions', () => {
    const r = run('B1', [], onTrack);
    expect(r.calls).toBe(2); // {web} and {db, web} in either order
    expect(r.stats).toEqual({ facts: 4, verdictsComputed: 2 });
  });

  it('computes per fact when the bulletin has no publication date', () => {
    expect(run('B5', [], onTrack).calls).toBe(4);
  });

  it('computes per fact when an exception names the bulletin, so a machine exception stays per machine', () => {
    const r = run('B2', ['B2'], (f) =>
      f.machineId === 'a' ? v('excepted', null, false) : v('overdue', '2024-06-01T00:00:00.000Z', true),
    );
    expect(r.calls).toBe(4);
    expect(r.report.summary).toMatchObject({ excepted: 1, overdue: 3, compliantMachines: 1 });
  });
});
