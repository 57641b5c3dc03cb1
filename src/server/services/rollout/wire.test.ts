import { describe, expect, it } from 'vitest';
import type { DeploymentMachineRecord, DeploymentRecord } from '../../../store/ports.js';
import { countsByRing, deploymentToWire, gateStateOf, ringProgressOf } from './wire.js';

const gate = { minSuccessRatio: 1, maxFailures: 0 };
const dep = (over: Partial<DeploymentRecord>): DeploymentRecord => ({
  id: 'd1',
  name: 'd',
  status: 'running',
  spec: {
    rings: [
      { name: 'lab', members: { kind: 'explicit', machineIds: ['a'] }, soakSeconds: 0, gate },
      { name: 'pilot', members: { kind: 'percent', percent: 50 }, soakSeconds: 60, gate },
      { name: 'broad', members: { kind: 'percent', percent: 100 }, soakSeconds: 0, gate },
    ],
    bulletinIds: ['B'],
    deadline: null,
    rebootPolicy: null,
    rollbackOnHalt: true,
    target: { groupIds: [], machineIds: [] },
    preHook: null,
    postHook: null,
    seed: 's',
  },
  currentRing: 1,
  ringStartedAt: ['2026-11-21T10:00:00.000Z', '2026-11-21T11:00:00.000Z', null],
  statusReason: null,
  createdBy: 'u',
  createdAt: '2026-11-21T10:00:00.000Z',
  updatedAt: '2026-11-21T10:00:00.000Z',
  finishedAt: null,
  version: 1,
  ...over,
});
const row = (
  machineId: string,
  ringIndex: number,
  state: DeploymentMachineRecord['state'],
): DeploymentMachineRecord => ({
  deploymentId: 'd1',
  machineId,
  ringIndex,
  state,
  plan: { manager: 'apt', bulletinIds: ['B'], packages: [], notInstallable: [] },
  jobId: null,
  rebootDeferrals: 0,
  rollbackState: null,
  rollbackJobId: null,
  message: null,
  updatedAt: '2026-11-21T10:00:00.000Z',
  finishedAt: state === 'succeeded' ? '2026-11-21T10:30:00.000Z' : null,
});

describe('ring progress and status', () => {
  const rows = [row('a', 0, 'succeeded'), row('b', 1, 'validating'), row('c', 1, 'succeeded'), row('d', 2, 'pending')];

  it('the gate sees validating as running, and each ring its own members', () => {
    expect(gateStateOf('validating')).toBe('running');
    const p = ringProgressOf(dep({}), rows);
    expect(p.map((r) => r.machineIds)).toEqual([['a'], ['b', 'c'], ['d']]);
    expect(p[1]!.results.map((r) => r.state)).toEqual(['running', 'succeeded']);
    expect(p[2]!.startedAt).toBeNull();
  });

  it('statuses: passed before the current ring, running while members are unfinished, waiting after', () => {
    const w = deploymentToWire(dep({}), countsByRing(rows), []);
    expect(w.rings.map((r) => r.status)).toEqual(['passed', 'running', 'waiting']);
    expect(w.currentRing).toBe('pilot');
    expect(w.rings[1]).toMatchObject({
      members: 2,
      successRatio: 0.5,
      counts: expect.objectContaining({ validating: 1, succeeded: 1, failed: 0 }),
    });
    expect(w.counts).toMatchObject({ succeeded: 2, validating: 1, pending: 1 });
  });

  it('a current ring whose members all finished is soaking; a halted one is halted; completed passes all', () => {
    const done = [row('a', 0, 'succeeded'), row('b', 1, 'succeeded'), row('c', 1, 'succeeded')];
    expect(deploymentToWire(dep({}), countsByRing(done), []).rings[1]!.status).toBe('soaking');
    expect(deploymentToWire(dep({ status: 'halted' }), countsByRing(done), []).rings[1]!.status).toBe('halted');
    const completed = dep({
      status: 'completed',
      currentRing: 3,
      ringStartedAt: ['2026-11-21T10:00:00.000Z', '2026-11-21T11:00:00.000Z', '2026-11-21T12:00:00.000Z'],
    });
    const w = deploymentToWire(completed, countsByRing(done), []);
    expect(w.rings.map((r) => r.status)).toEqual(['passed', 'passed', 'passed']);
    expect(w.currentRing).toBeNull();
  });

  it('counts from the store (with a count column) add up the same', () => {
    expect(
      countsByRing([
        { ringIndex: 1, state: 'failed', count: 3 },
        { ringIndex: 1, state: 'failed', count: 2 },
      ]).get(1),
    ).toEqual({ failed: 5 });
  });
});
