import { describe, expect, it } from 'vitest';
import type { MachinePlan } from '../../../store/ports.js';
import type { PlanFinding } from './plan.js';
import { notInstallableAnywhere } from './planner.js';

const approved = (bulletinId: string): PlanFinding => ({ bulletinId, approved: true, triage: 'approved' });
const plan = (bulletinIds: string[], notInstallable: [string, string][]): MachinePlan => ({
  manager: 'apt',
  bulletinIds,
  packages: bulletinIds.map((b) => ({ name: b.toLowerCase(), version: '1', previousVersion: '0' })),
  notInstallable: notInstallable.map(([bulletinId, reason]) => ({ bulletinId, reason })),
});

describe('notInstallableAnywhere: approved bulletins no target machine can install', () => {
  it('lists a bulletin no machine installs, with the reasons of the machines that need it', () => {
    const findings = new Map([
      ['m1', [approved('APT'), approved('NOFIX')]],
      ['m2', [approved('NOFIX')]],
    ]);
    const plans = new Map([
      ['m1', plan(['APT'], [['NOFIX', 'no dpkg package and version fixes it in the catalog']])],
      ['m2', plan([], [['NOFIX', 'no dpkg package and version fixes it in the catalog']])],
    ]);
    expect(notInstallableAnywhere(findings, plans)).toEqual([
      { bulletinId: 'NOFIX', reason: 'no dpkg package and version fixes it in the catalog' },
    ]);
  });

  it('a bulletin one machine can install is not listed, even if another cannot', () => {
    const findings = new Map([
      ['m1', [approved('SSL')]],
      ['m2', [approved('SSL')]],
    ]);
    const plans = new Map([
      ['m1', plan(['SSL'], [])],
      ['m2', plan([], [['SSL', 'libssl3 is not installed']])],
    ]);
    expect(notInstallableAnywhere(findings, plans)).toEqual([]);
  });

  it('unapproved findings are not its business (the triage says why)', () => {
    const findings = new Map([['m1', [{ bulletinId: 'X', approved: false, triage: 'new' }]]]);
    const plans = new Map([['m1', plan([], [['X', 'not approved for this machine (triage: new)']])]]);
    expect(notInstallableAnywhere(findings, plans)).toEqual([]);
  });
});
