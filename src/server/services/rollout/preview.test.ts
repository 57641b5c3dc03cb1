import { describe, expect, it } from 'vitest';
import type { DeploymentMachineRecord, DeploymentRecord } from '../../../store/ports.js';
import type { PlannedDeployment } from './planner.js';
import { previewDeployment, type PreviewMachine } from './preview.js';

const NOW = '2026-11-21T10:00:00.000Z';
const DEFAULT_REBOOT = { mode: 'if-required', onlyInWindow: true, maxDeferrals: 2 } as const;
const NIGHTLY = { cron: '0 22 * * *', durationMinutes: 120, timeZone: 'UTC' };

function row(machineId: string, ringIndex: number, state: DeploymentMachineRecord['state']): DeploymentMachineRecord {
  const installs = state === 'pending';
  return {
    deploymentId: 'd1',
    machineId,
    ringIndex,
    state,
    plan: {
      manager: 'apt',
      bulletinIds: installs ? ['PH-SSL'] : [],
      packages: installs ? [{ name: 'openssl', version: '3.0.15', previousVersion: '3.0.11' }] : [],
      notInstallable: state === 'failed' ? [{ bulletinId: 'PH-SSL', reason: 'openssl is not installed' }] : [],
    },
    jobId: null,
    rebootDeferrals: 0,
    rollbackState: null,
    rollbackJobId: null,
    message: state === 'failed' ? 'nothing installable' : null,
    updatedAt: NOW,
    finishedAt: installs ? null : NOW,
  };
}

function planned(rows: DeploymentMachineRecord[], opts: { deadline?: string; unplaced?: string[] } = {}) {
  const gate = { minSuccessRatio: 1, maxFailures: 0 };
  const record = {
    id: 'd1',
    name: 'n',
    spec: {
      rings: [
        { name: 'lab', members: { kind: 'percent', percent: 10 }, soakSeconds: 60, gate },
        { name: 'broad', members: { kind: 'percent', percent: 100 }, soakSeconds: 0, gate },
        { name: 'late', members: { kind: 'percent', percent: 100 }, soakSeconds: 0, gate },
      ],
      bulletinIds: ['PH-SSL'],
      deadline: opts.deadline ?? null,
      rebootPolicy: null,
      rollbackOnHalt: true,
      target: { groupIds: [], machineIds: [] },
      preHook: null,
      postHook: null,
      seed: 's',
    },
  } as unknown as DeploymentRecord;
  return { record, rows, unplaced: opts.unplaced ?? [], skipped: [] } satisfies PlannedDeployment;
}

const machines = new Map<string, PreviewMachine>([
  ['a', { name: 'alpha', windows: [], rebootPolicies: [] }],
  [
    'b',
    { name: 'bravo', windows: [NIGHTLY], rebootPolicies: [{ mode: 'never', onlyInWindow: false, maxDeferrals: 0 }] },
  ],
  ['c', { name: 'charlie', windows: [], rebootPolicies: [null] }],
  ['u', { name: 'uniform', windows: [], rebootPolicies: [] }],
]);

describe('previewDeployment', () => {
  it("describes each ring's machines with their window and reboot policy, and warns in plain words", () => {
    const p = previewDeployment(
      planned([row('b', 1, 'pending'), row('a', 0, 'pending'), row('c', 1, 'failed')], {
        deadline: '2026-11-21T21:00:00.000Z',
        unplaced: ['u'],
      }),
      machines,
      { now: NOW, defaultRebootPolicy: DEFAULT_REBOOT },
    );
    expect(p.rings.map((r) => [r.name, r.machines.map((m) => m.machineName)])).toEqual([
      ['lab', ['alpha']],
      ['broad', ['bravo', 'charlie']],
      ['late', []],
    ]);
    const [alpha, bravo] = [p.rings[0]!.machines[0]!, p.rings[1]!.machines[0]!];
    expect(alpha).toMatchObject({ window: { status: 'none', nextOpening: null }, rebootPolicy: DEFAULT_REBOOT });
    expect(bravo).toMatchObject({
      window: { status: 'closed', nextOpening: '2026-11-21T22:00:00.000Z' },
      rebootPolicy: { mode: 'never', onlyInWindow: false, maxDeferrals: 0 },
      packages: [{ name: 'openssl', version: '3.0.15', previousVersion: '3.0.11' }],
    });
    expect(p.unplaced).toEqual([{ machineId: 'u', machineName: 'uniform' }]);
    expect(p.warnings).toEqual([
      'ring late has no machines',
      '1 machine of the target is in no ring and will not be patched: uniform',
      "1 machine will fail at once, nothing they miss is installable (this counts against their ring's gate): charlie",
      '1 machine will be missed: their next window opens after the deadline: bravo',
    ]);
  });

  it('a window open now is open; no warning when all goes as expected', () => {
    const p = previewDeployment(
      planned([row('b', 0, 'pending'), row('a', 1, 'pending'), row('c', 2, 'pending')]),
      machines,
      {
        now: '2026-11-21T22:30:00.000Z',
        defaultRebootPolicy: DEFAULT_REBOOT,
      },
    );
    expect(p.rings[0]!.machines[0]!.window).toEqual({ status: 'open', nextOpening: null });
    expect(p.warnings).toEqual([]);
  });
});
