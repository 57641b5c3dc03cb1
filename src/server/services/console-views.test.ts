import { describe, expect, it } from 'vitest';
import { DEFAULT_DEADLINE_POLICY } from '../../policy/deadlines.js';
import type { TriageDecision } from '../../policy/model.js';
import type { TriageDecisionWire } from '../../protocol/policy-api.js';
import type { BulletinRecord, GroupRecord } from '../../store/ports.js';
import { groupRows, NO_GROUP } from './bulletin-views.js';
import { queueItem } from './triage-queue.js';

const group = (id: string, name: string) => ({ id, name }) as GroupRecord;
const row = (machineId: string, name: string) => ({
  machineId,
  name,
  status: 'missing' as const,
  reason: null,
  package: 'openssl',
  fixedVersion: '3.0.15',
  firstSeenAt: '2026-11-01T00:00:00.000Z',
  resolvedAt: null,
  dueAt: null,
  sla: 'no-deadline' as const,
});

describe('groupRows', () => {
  const rows = [row('m3', 'web2'), row('m1', 'db1'), row('m2', 'web1'), row('m4', 'lone')];
  const groups = [
    { record: group('g-web', 'web'), memberIds: ['m2', 'm3', 'm9'] },
    { record: group('g-db', 'db'), memberIds: ['m1', 'm2'] },
    { record: group('g-empty', 'empty'), memberIds: ['m9'] },
  ];
  const decisions = new Map([
    ['g-web', { state: 'approved', version: 3, updatedAt: 'T', updatedBy: 'alice' } as TriageDecision],
  ]);

  it('splits machines by group (in each of theirs), groups and machines by name, no-group last', () => {
    const out = groupRows(rows, groups, decisions, { limit: 10, offset: 0, withUngrouped: true });
    expect(out.map((g) => [g.group, g.total, g.items.map((m) => m.name), g.triage?.state ?? null])).toEqual([
      ['db', 2, ['db1', 'web1'], null],
      ['web', 2, ['web1', 'web2'], 'approved'],
      [NO_GROUP, 1, ['lone'], null],
    ]);
  });

  it('pages within each group and leaves the no-group row out when not asked', () => {
    const out = groupRows(rows, groups, decisions, { limit: 1, offset: 1, withUngrouped: false });
    expect(out.map((g) => [g.group, g.total, g.items.map((m) => m.name)])).toEqual([
      ['db', 2, ['web1']],
      ['web', 2, ['web2']],
    ]);
  });
});

describe('queueItem', () => {
  const decision = (over: Partial<TriageDecisionWire>): TriageDecisionWire => ({
    bulletinId: 'B1',
    groupId: 'g',
    group: 'web',
    state: 'new',
    owner: null,
    notes: null,
    reason: null,
    ignoreUntil: null,
    emergency: false,
    approvals: [],
    createdAt: '2026-11-05T12:00:00.000Z',
    updatedAt: '2026-11-05T12:00:00.000Z',
    updatedBy: 'system',
    version: 1,
    ...over,
  });
  const bulletin = (over: Partial<BulletinRecord>): BulletinRecord => ({
    id: 'B1',
    sourceId: 's',
    title: 'OpenSSL',
    severity: 'critical',
    published: '2026-10-01',
    revised: null,
    cves: [],
    kbs: [],
    contentHash: 'h',
    withdrawnAt: null,
    ...over,
  });

  it.each([
    { name: 'critical, tested: 14 days from publication', d: {}, b: {}, due: '2026-10-15T00:00:00.000Z' },
    { name: 'critical, emergency: 24 hours', d: { emergency: true }, b: {}, due: '2026-10-02T00:00:00.000Z' },
    { name: 'undated: from when it was queued', d: {}, b: { published: null }, due: '2026-11-19T12:00:00.000Z' },
    { name: 'low: no deadline', d: {}, b: { severity: 'low' as const }, due: null },
    { name: 'ignored: none', d: { state: 'ignored' as const }, b: {}, due: null },
    { name: 'declined: none', d: { state: 'declined' as const }, b: {}, due: null },
  ])('$name', ({ d, b, due }) => {
    const item = queueItem(decision(d), bulletin(b), DEFAULT_DEADLINE_POLICY, 7);
    expect([item.dueAt, item.affectedMachines, item.title]).toEqual([due, 7, 'OpenSSL']);
  });

  it('a bulletin gone from the store reads by its id, severity unknown', () => {
    const item = queueItem(decision({}), undefined, DEFAULT_DEADLINE_POLICY, 0);
    expect([item.title, item.severity, item.published]).toEqual(['B1', 'unknown', null]);
  });
});
