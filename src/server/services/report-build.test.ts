import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatchhiveError } from '../../errors.js';
import { DEFAULT_DEADLINE_POLICY } from '../../policy/deadlines.js';
import type { GroupRecord, Store } from '../../store/ports.js';
import { createTestPostgresStore, createTestSqliteStore } from '../../store/test-support.js';
import { buildComplianceReport } from './report-build.js';
import { seedFleet, type FleetSpec } from '../../report/test-fleet.js';

const NOW = '2024-06-30T12:00:00.000Z';
const T = (day: string) => `2024-${day}T12:00:00.000Z`;

/**
 * Default policy (UTC; critical 14 days, important 60, moderate 180, low none; due soon 7 days);
 * the db group shortens critical to 7 days. Expected verdicts on NOW:
 * w1 CRIT-1 overdue (web, due 06-15), IMP-1 on-track; w2 CRIT-2 due-soon (web, due 07-03), LOW-1
 * no deadline awaiting triage; d1 CRIT-2 overdue (db, due 06-26), IMP-1 declined; wd CRIT-1 ignored
 * (db ignores it), MOD-1 excepted (machine exception); solo NODATE-1 on-track (no group: new, due
 * first seen + 60 days); quiet CRIT-1 ignored (its only open finding: fully patched).
 */
const FLEET: FleetSpec = {
  machines: [
    { id: 'w1', name: 'web-1', owner: 'alice' },
    { id: 'w2', name: 'web-2', owner: null },
    { id: 'd1', name: 'db-1', owner: 'bob' },
    { id: 'wd', name: 'web-db', owner: 'alice' },
    { id: 'solo', name: 'solo', owner: null },
    { id: 'quiet', name: 'quiet', owner: 'bob' },
  ],
  groups: [
    { id: 'g-web', name: 'web', owner: 'web-team@example.org', members: ['w1', 'w2', 'wd'] },
    {
      id: 'g-db',
      name: 'db',
      owner: 'dba@example.org',
      members: ['d1', 'wd', 'quiet'],
      deadlinePolicy: { tested: { critical: 'P7D' } },
    },
  ],
  bulletins: [
    { id: 'CRIT-1', severity: 'critical', published: '2024-06-01T00:00:00Z' },
    { id: 'CRIT-2', severity: 'critical', published: '2024-06-19T00:00:00Z' },
    { id: 'IMP-1', severity: 'important', published: '2024-06-01T00:00:00Z' },
    { id: 'MOD-1', severity: 'moderate', published: '2024-01-01T00:00:00Z' },
    { id: 'LOW-1', severity: 'low', published: '2024-06-01T00:00:00Z' },
    { id: 'NODATE-1', severity: 'important', published: null },
  ],
  findings: [
    { machine: 'w1', bulletin: 'CRIT-1', firstSeenAt: T('06-02') },
    { machine: 'w1', bulletin: 'IMP-1', firstSeenAt: T('06-02') },
    { machine: 'w1', bulletin: 'MOD-1', firstSeenAt: T('06-01'), resolvedAt: T('06-11') },
    { machine: 'w2', bulletin: 'CRIT-2', firstSeenAt: T('06-21') },
    { machine: 'w2', bulletin: 'LOW-1', firstSeenAt: T('06-02') },
    { machine: 'w2', bulletin: 'IMP-1', firstSeenAt: T('04-01'), resolvedAt: T('05-01') },
    { machine: 'd1', bulletin: 'CRIT-2', firstSeenAt: T('06-21') },
    { machine: 'd1', bulletin: 'IMP-1', firstSeenAt: T('06-02') },
    { machine: 'd1', bulletin: 'LOW-1', firstSeenAt: T('06-10'), resolvedAt: T('06-14') },
    { machine: 'wd', bulletin: 'CRIT-1', firstSeenAt: T('06-02') },
    { machine: 'wd', bulletin: 'MOD-1', firstSeenAt: T('03-01') },
    { machine: 'solo', bulletin: 'NODATE-1', firstSeenAt: T('06-25') },
    { machine: 'quiet', bulletin: 'CRIT-1', firstSeenAt: T('06-02') },
  ],
  decisions: [
    { bulletin: 'CRIT-1', group: 'g-web', state: 'approved' },
    { bulletin: 'CRIT-2', group: 'g-web', state: 'approved' },
    { bulletin: 'IMP-1', group: 'g-web', state: 'approved' },
    { bulletin: 'MOD-1', group: 'g-web', state: 'approved' },
    { bulletin: 'LOW-1', group: 'g-web', state: 'new' },
    { bulletin: 'CRIT-1', group: 'g-db', state: 'ignored' },
    { bulletin: 'CRIT-2', group: 'g-db', state: 'approved' },
    { bulletin: 'IMP-1', group: 'g-db', state: 'declined' },
    { bulletin: 'MOD-1', group: 'g-db', state: 'approved' },
  ],
  exceptions: [
    { bulletin: 'MOD-1', machine: 'wd', until: '2024-12-31T00:00:00Z' },
    { bulletin: 'CRIT-2', machine: 'd1', until: '2024-06-01T00:00:00Z' }, // expired: no effect
  ],
  snapshots: [
    { machineId: 'w1', day: '2024-06-28', counts: { missing: 2 }, openBySeverity: { critical: 1, important: 1 } },
    {
      machineId: 'd1',
      day: '2024-06-28',
      counts: { missing: 1, affected: 1, installed: 3 },
      openBySeverity: { critical: 2 },
    },
    { machineId: 'w1', day: '2024-06-29', counts: { missing: 2 }, openBySeverity: { critical: 1, important: 1 } },
    { machineId: 'w1', day: '2024-05-01', counts: { missing: 9 }, openBySeverity: { low: 9 } },
  ],
};

const STORES: [string, () => Promise<{ store: Store; cleanup(): Promise<void> } | undefined>][] = [
  ['sqlite', createTestSqliteStore],
  ['postgres', createTestPostgresStore],
];

describe.each(STORES)('buildComplianceReport on %s', (kind, open) => {
  let env: { store: Store; cleanup(): Promise<void> } | undefined;
  let groups: { record: GroupRecord; memberIds: string[] }[];
  const build = (over: { scopeGroupId?: string; batchSize?: number; cacheVerdicts?: boolean } = {}) =>
    buildComplianceReport(env!.store, { now: NOW, groups, defaultPolicy: DEFAULT_DEADLINE_POLICY, ...over });

  beforeAll(async () => {
    env = await open();
    if (env) groups = await seedFleet(env.store, FLEET);
  });
  afterAll(async () => env?.cleanup());

  it('summary and MTTR over the last 30 days', async (t) => {
    if (!env) return t.skip(`${kind} not reachable`);
    const r = await build();
    expect(r.period).toEqual({ from: '2024-05-31T12:00:00.000Z', to: NOW });
    expect(r.scope).toBe('all');
    expect(r.summary).toEqual({
      machines: 6,
      compliantMachines: 4,
      compliancePercent: 66.7,
      fullyPatchedMachines: 1,
      openFindings: 10,
      overdue: 2,
      dueSoon: 1,
      excepted: 1,
      ignored: 2,
      declined: 1,
      resolvedInPeriod: 2,
      mttrDays: 7,
    });
    expect(r.mttr.bySeverity.moderate).toEqual({ resolved: 1, meanDays: 10 });
    expect(r.mttr.bySeverity.low).toEqual({ resolved: 1, meanDays: 4 });
  });

  it('groups, owners and severities', async (t) => {
    if (!env) return t.skip(`${kind} not reachable`);
    const r = await build();
    expect(r.byGroup).toEqual([
      {
        group: 'db',
        owner: 'dba@example.org',
        machines: 3,
        compliant: 2,
        compliancePercent: 66.7,
        open: 5,
        overdue: 1,
        dueSoon: 0,
        mttrDays: 4,
      },
      {
        group: 'web',
        owner: 'web-team@example.org',
        machines: 3,
        compliant: 2,
        compliancePercent: 66.7,
        open: 6,
        overdue: 1,
        dueSoon: 1,
        mttrDays: 10,
      },
    ]);
    expect(r.byOwner).toEqual([
      {
        owner: '(no owner)',
        machines: 2,
        compliant: 2,
        compliancePercent: 100,
        open: 3,
        overdue: 0,
        dueSoon: 1,
        mttrDays: null,
      },
      {
        owner: 'alice',
        machines: 2,
        compliant: 1,
        compliancePercent: 50,
        open: 4,
        overdue: 1,
        dueSoon: 0,
        mttrDays: 10,
      },
      { owner: 'bob', machines: 2, compliant: 1, compliancePercent: 50, open: 3, overdue: 1, dueSoon: 0, mttrDays: 4 },
    ]);
    expect(r.bySeverity.map((s) => [s.severity, s.open, s.overdue, s.dueSoon, s.resolvedInPeriod])).toEqual([
      ['critical', 5, 2, 1, 0],
      ['important', 3, 0, 0, 0],
      ['moderate', 1, 0, 0, 1],
      ['low', 1, 0, 0, 1],
      ['unknown', 0, 0, 0, 0],
    ]);
  });

  it('bulletins, overdue list and trends', async (t) => {
    if (!env) return t.skip(`${kind} not reachable`);
    const r = await build({ batchSize: 2 });
    expect(r.byBulletin.map((b) => [b.bulletinId, b.machines, b.overdue, b.earliestDueAt])).toEqual([
      ['CRIT-1', 3, 1, '2024-06-15T00:00:00.000Z'],
      ['CRIT-2', 2, 1, '2024-06-26T00:00:00.000Z'],
      ['IMP-1', 2, 0, '2024-07-31T00:00:00.000Z'],
      ['LOW-1', 1, 0, null],
      ['MOD-1', 1, 0, '2024-06-29T00:00:00.000Z'],
      ['NODATE-1', 1, 0, '2024-08-24T12:00:00.000Z'],
    ]);
    expect(r.overdue).toEqual([
      {
        machine: 'web-1',
        bulletinId: 'CRIT-1',
        title: 'Title of CRIT-1',
        severity: 'critical',
        dueAt: '2024-06-15T00:00:00.000Z',
        daysOverdue: 15,
        groups: ['web'],
      },
      {
        machine: 'db-1',
        bulletinId: 'CRIT-2',
        title: 'Title of CRIT-2',
        severity: 'critical',
        dueAt: '2024-06-26T00:00:00.000Z',
        daysOverdue: 4,
        groups: ['db'],
      },
    ]);
    expect(r.trends).toEqual([
      {
        day: '2024-06-28',
        openFindings: 4,
        machinesWithOpen: 2,
        openBySeverity: { critical: 3, important: 1, moderate: 0, low: 0, unknown: 0 },
      },
      {
        day: '2024-06-29',
        openFindings: 2,
        machinesWithOpen: 1,
        openBySeverity: { critical: 1, important: 1, moderate: 0, low: 0, unknown: 0 },
      },
    ]);
  });

  it('a report scoped to one group counts only its members', async (t) => {
    if (!env) return t.skip(`${kind} not reachable`);
    const r = await build({ scopeGroupId: 'g-db' });
    expect(r.scope).toBe('db');
    expect(r.summary).toMatchObject({
      machines: 3,
      compliantMachines: 2,
      openFindings: 5,
      overdue: 1,
      dueSoon: 0,
      ignored: 2,
      declined: 1,
      excepted: 1,
      resolvedInPeriod: 1,
      mttrDays: 4,
    });
    // web appears because web-db is in both; only web-db is counted there.
    expect(r.byGroup.map((g) => [g.group, g.machines, g.open, g.overdue])).toEqual([
      ['db', 3, 5, 1],
      ['web', 1, 2, 0],
    ]);
    expect(r.overdue.map((o) => o.machine)).toEqual(['db-1']);
    expect(r.trends.map((p) => [p.day, p.openFindings])).toEqual([['2024-06-28', 2]]);
  });

  it('caching verdicts on their inputs changes nothing', async (t) => {
    if (!env) return t.skip(`${kind} not reachable`);
    expect(await build({ cacheVerdicts: false })).toEqual(await build());
    expect(await build({ scopeGroupId: 'g-db', cacheVerdicts: false })).toEqual(await build({ scopeGroupId: 'g-db' }));
  });

  it('refuses an unknown scope group and a bad period', async (t) => {
    if (!env) return t.skip(`${kind} not reachable`);
    await expect(build({ scopeGroupId: 'nope' })).rejects.toMatchObject({ code: 'E_GROUP_NOT_FOUND' });
    await expect(
      buildComplianceReport(env.store, { now: NOW, groups, defaultPolicy: DEFAULT_DEADLINE_POLICY, periodDays: 0 }),
    ).rejects.toBeInstanceOf(PatchhiveError);
    await expect(
      buildComplianceReport(env.store, { now: 'yesterday', groups, defaultPolicy: DEFAULT_DEADLINE_POLICY }),
    ).rejects.toMatchObject({ code: 'E_BAD_REQUEST' });
  });
});
