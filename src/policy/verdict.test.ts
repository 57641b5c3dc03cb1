import { describe, expect, it } from 'vitest';
import type { Severity } from '../catalog/model.js';
import { DEFAULT_DEADLINE_POLICY, resolveDeadlinePolicy } from './deadlines.js';
import type { DeadlinePolicy, RiskException, TriageDecision, TriageState } from './model.js';
import { emptyTriageDecision } from './triage.js';
import { activeException, findingVerdict, type FindingVerdict, type GroupPolicyView } from './verdict.js';

const BULLETIN = 'DSA-1';
const MACHINE = 'm1';
const UTC = DEFAULT_DEADLINE_POLICY;
// Berlin, critical P7D: from 2026-03-01 00:00 CET (2026-02-28T23:00Z) → 2026-03-07T23:00Z.
const BERLIN_7D: DeadlinePolicy = resolveDeadlinePolicy(UTC, {
  timeZone: 'Europe/Berlin',
  tested: { critical: 'P7D' },
});

function decision(state: TriageState, over: Partial<TriageDecision> = {}): TriageDecision {
  return {
    ...emptyTriageDecision({ bulletinId: BULLETIN, groupId: 'g' }, '2026-03-01T00:00:00.000Z'),
    state,
    version: 1,
    ...over,
  };
}

/** A group view: id, decision state (or none), optional decision fields and policy. */
function group(
  groupId: string,
  state: TriageState | null,
  over: Partial<TriageDecision> = {},
  policy = UTC,
): GroupPolicyView {
  return { groupId, decision: state === null ? undefined : decision(state, { groupId, ...over }), policy };
}

function exception(over: Partial<RiskException>): RiskException {
  return {
    id: 'x1',
    bulletinId: BULLETIN,
    machineId: MACHINE,
    groupId: null,
    owner: 'ciso',
    reason: 'accepted',
    until: '2026-12-31T00:00:00.000Z',
    createdAt: '2026-02-01T00:00:00.000Z',
    createdBy: 'alice',
    revokedAt: null,
    ...over,
  };
}

interface Row {
  name: string;
  groups: GroupPolicyView[];
  exceptions?: RiskException[];
  open?: boolean;
  severity?: Severity;
  published?: string | null;
  now?: string;
  expected: FindingVerdict;
}

const DUE = '2026-03-15T00:00:00.000Z'; // critical P14D from 2026-03-01 in UTC
const ON_TRACK_NOW = '2026-03-02T00:00:00.000Z';

const rows: Row[] = [
  {
    name: 'machine in no group: new under the default policy',
    groups: [],
    expected: { triage: 'new', sla: 'on-track', dueAt: DUE, producesWork: false },
  },
  {
    name: 'no decision yet counts as new',
    groups: [group('web', null)],
    expected: { triage: 'new', sla: 'on-track', dueAt: DUE, producesWork: false },
  },
  {
    name: 'approved produces work',
    groups: [group('web', 'approved')],
    expected: { triage: 'approved', sla: 'on-track', dueAt: DUE, producesWork: true },
  },
  {
    name: 'resolved beats everything',
    groups: [group('web', 'declined')],
    open: false,
    exceptions: [exception({})],
    expected: { triage: 'declined', sla: 'resolved', dueAt: null, producesWork: false },
  },
  {
    name: 'resolved approved finding keeps its deadline, no work',
    groups: [group('web', 'approved')],
    open: false,
    expected: { triage: 'approved', sla: 'resolved', dueAt: DUE, producesWork: false },
  },
  {
    name: 'declined in one group beats approved in another',
    groups: [group('web', 'approved'), group('db', 'declined')],
    expected: { triage: 'declined', sla: 'declined', dueAt: DUE, producesWork: false },
  },
  {
    name: 'ignored in one group beats approved in another',
    groups: [group('web', 'approved'), group('db', 'ignored')],
    expected: { triage: 'ignored', sla: 'ignored', dueAt: DUE, producesWork: false },
  },
  {
    name: 'declined beats ignored; no deadline left',
    groups: [group('web', 'ignored'), group('db', 'declined')],
    expected: { triage: 'declined', sla: 'declined', dueAt: null, producesWork: false },
  },
  {
    name: 'new in one group holds back approved in another',
    groups: [group('web', 'approved'), group('db', 'new')],
    expected: { triage: 'new', sla: 'on-track', dueAt: DUE, producesWork: false },
  },
  {
    name: 'awaiting holds back approved',
    groups: [group('web', 'approved'), group('db', 'awaiting-second-approval')],
    expected: { triage: 'awaiting-second-approval', sla: 'on-track', dueAt: DUE, producesWork: false },
  },
  {
    name: 'new is more restrictive than awaiting',
    groups: [group('web', 'awaiting-second-approval'), group('db', null)],
    expected: { triage: 'new', sla: 'on-track', dueAt: DUE, producesWork: false },
  },
  {
    name: 'an ignore that has run out counts as new',
    groups: [group('web', 'ignored', { ignoreUntil: '2026-03-02T00:00:00.000Z' })],
    expected: { triage: 'new', sla: 'on-track', dueAt: DUE, producesWork: false },
  },
  {
    name: 'an ignore still running',
    groups: [group('web', 'ignored', { ignoreUntil: '2026-03-02T00:00:00.001Z' })],
    expected: { triage: 'ignored', sla: 'ignored', dueAt: null, producesWork: false },
  },
  {
    name: 'declined beats an active exception',
    groups: [group('web', 'declined')],
    exceptions: [exception({})],
    expected: { triage: 'declined', sla: 'declined', dueAt: null, producesWork: false },
  },
  {
    name: 'machine exception relieves the deadline but not the work',
    groups: [group('web', 'approved')],
    exceptions: [exception({})],
    now: '2026-04-01T00:00:00Z',
    expected: { triage: 'approved', sla: 'excepted', dueAt: DUE, producesWork: true },
  },
  {
    name: "exception on one of the machine's groups",
    groups: [group('web', 'approved'), group('db', 'approved')],
    exceptions: [exception({ machineId: null, groupId: 'db' })],
    expected: { triage: 'approved', sla: 'excepted', dueAt: DUE, producesWork: true },
  },
  {
    name: 'exception on a group the machine is not in',
    groups: [group('web', 'approved')],
    exceptions: [exception({ machineId: null, groupId: 'db' })],
    expected: { triage: 'approved', sla: 'on-track', dueAt: DUE, producesWork: true },
  },
  {
    name: 'exception on another machine',
    groups: [group('web', 'approved')],
    exceptions: [exception({ machineId: 'm2' })],
    expected: { triage: 'approved', sla: 'on-track', dueAt: DUE, producesWork: true },
  },
  {
    name: 'exception for another bulletin',
    groups: [group('web', 'approved')],
    exceptions: [exception({ bulletinId: 'DSA-2' })],
    expected: { triage: 'approved', sla: 'on-track', dueAt: DUE, producesWork: true },
  },
  {
    name: 'expired exception (until == now)',
    groups: [group('web', 'approved')],
    exceptions: [exception({ until: '2026-04-01T00:00:00.000Z' })],
    now: '2026-04-01T00:00:00.000Z',
    expected: { triage: 'approved', sla: 'overdue', dueAt: DUE, producesWork: true },
  },
  {
    name: 'revoked exception',
    groups: [group('web', 'approved')],
    exceptions: [exception({ revokedAt: '2026-03-01T10:00:00Z' })],
    now: '2026-03-14T00:00:00Z',
    expected: { triage: 'approved', sla: 'due-soon', dueAt: DUE, producesWork: true },
  },
  {
    name: 'low severity has no deadline',
    groups: [group('web', 'approved')],
    severity: 'low',
    expected: { triage: 'approved', sla: 'no-deadline', dueAt: null, producesWork: true },
  },
  {
    name: 'overdue exactly at the deadline',
    groups: [group('web', 'approved')],
    now: DUE,
    expected: { triage: 'approved', sla: 'overdue', dueAt: DUE, producesWork: true },
  },
  {
    name: 'unpublished bulletin runs from first sighting',
    groups: [group('web', 'approved')],
    published: null,
    expected: { triage: 'approved', sla: 'on-track', dueAt: '2026-03-16T06:00:00.000Z', producesWork: true },
  },
  {
    name: 'emergency approval: the emergency track (PT24H, last quarter is due-soon)',
    groups: [group('web', 'approved', { emergency: true })],
    now: '2026-03-01T18:00:00Z',
    expected: { triage: 'approved', sla: 'due-soon', dueAt: '2026-03-02T00:00:00.000Z', producesWork: true },
  },
  {
    name: 'emergency approval: overdue after 24 hours',
    groups: [group('web', 'approved', { emergency: true })],
    now: '2026-03-02T00:00:00Z',
    expected: { triage: 'approved', sla: 'overdue', dueAt: '2026-03-02T00:00:00.000Z', producesWork: true },
  },
  {
    name: 'earliest deadline over groups: emergency group wins',
    groups: [group('web', 'approved'), group('db', 'approved', { emergency: true })],
    now: '2026-03-01T01:00:00Z',
    expected: { triage: 'approved', sla: 'on-track', dueAt: '2026-03-02T00:00:00.000Z', producesWork: true },
  },
  {
    name: 'earliest deadline over groups: stricter group policy in its own zone',
    groups: [group('web', 'approved'), group('db', 'approved', {}, BERLIN_7D)],
    expected: { triage: 'approved', sla: 'on-track', dueAt: '2026-03-07T23:00:00.000Z', producesWork: true },
  },
  {
    name: 'due-soon measured against the group that sets the deadline',
    groups: [group('web', 'approved'), group('db', 'approved', {}, BERLIN_7D)],
    now: '2026-03-06T05:00:00Z',
    expected: { triage: 'approved', sla: 'due-soon', dueAt: '2026-03-07T23:00:00.000Z', producesWork: true },
  },
  {
    name: 'an ignoring group does not set the deadline',
    groups: [group('web', 'new'), group('db', 'ignored', {}, BERLIN_7D)],
    expected: { triage: 'ignored', sla: 'ignored', dueAt: DUE, producesWork: false },
  },
];

describe('findingVerdict', () => {
  it.each(rows)('$name', (row) => {
    const finding = {
      open: row.open ?? true,
      severity: row.severity ?? 'critical',
      firstSeenAt: '2026-03-02T06:00:00.000Z',
      machineId: MACHINE,
      bulletinId: BULLETIN,
    };
    const published = row.published === undefined ? '2026-03-01' : row.published;
    const verdict = findingVerdict(
      finding,
      { published },
      row.groups,
      row.exceptions ?? [],
      UTC,
      row.now ?? ON_TRACK_NOW,
    );
    expect(verdict).toEqual(row.expected);
  });

  it('a machine in no group follows the default policy it is given', () => {
    const finding = {
      open: true,
      severity: 'critical' as const,
      firstSeenAt: '2026-03-01T00:00:00Z',
      machineId: MACHINE,
      bulletinId: BULLETIN,
    };
    expect(findingVerdict(finding, { published: '2026-03-01' }, [], [], BERLIN_7D, ON_TRACK_NOW).dueAt).toBe(
      '2026-03-07T23:00:00.000Z',
    );
  });
});

describe('activeException', () => {
  const NOW = '2026-06-01T00:00:00.000Z';
  it('finds machine and group exceptions, not others', () => {
    const onMachine = exception({ id: 'a' });
    const onGroup = exception({ id: 'b', machineId: null, groupId: 'web' });
    expect(activeException([onMachine], MACHINE, [], BULLETIN, NOW)).toBe(onMachine);
    expect(activeException([onGroup], MACHINE, ['db', 'web'], BULLETIN, NOW)).toBe(onGroup);
    expect(activeException([onGroup], MACHINE, ['db'], BULLETIN, NOW)).toBeUndefined();
    expect(activeException([onMachine], 'm2', ['web'], BULLETIN, NOW)).toBeUndefined();
    expect(activeException([onMachine, onGroup], MACHINE, ['web'], 'DSA-9', NOW)).toBeUndefined();
  });

  it('skips revoked and run-out exceptions and prefers the longest-lasting one', () => {
    const revoked = exception({ id: 'r', until: '2027-12-31T00:00:00Z', revokedAt: '2026-05-01T00:00:00Z' });
    const runOut = exception({ id: 'o', until: NOW });
    const shorter = exception({ id: 's', until: '2026-07-01T00:00:00Z' });
    const longer = exception({ id: 'l', machineId: null, groupId: 'web', until: '2026-09-01T00:00:00Z' });
    expect(activeException([revoked, runOut], MACHINE, ['web'], BULLETIN, NOW)).toBeUndefined();
    expect(activeException([revoked, shorter, runOut, longer], MACHINE, ['web'], BULLETIN, NOW)?.id).toBe('l');
  });
});
