import { describe, expect, it } from 'vitest';
import type { Bulletin, Fix } from '../../../catalog/model.js';
import type { Inventory } from '../../../inventory/model.js';
import { initialRunState, planMachine, WINDOWS_NOT_BUILT, type PlanFinding } from './plan.js';

const always = { kind: 'const', value: true } as unknown as Fix['applicability'];
const fix = (manager: 'dpkg' | 'rpm' | 'windows', name: string, version?: string): Fix => ({
  id: `${name}-${version ?? 'x'}`,
  package: { manager, name, ...(version !== undefined ? { version } : {}) },
  available: true,
  applicability: always,
  installed: always,
});
const bulletin = (id: string, ...fixes: Fix[]): Bulletin => ({
  id,
  source: 'native',
  title: id,
  severity: 'important',
  cves: [],
  kbs: [],
  references: [],
  supersedes: [],
  class: 'patch',
  fixes,
});

const debian = (
  items: Inventory['packages'] extends infer P ? (P extends { items: infer I } ? I : never) : never,
): Pick<Inventory, 'os' | 'packages'> => ({
  os: { family: 'unix', platform: 'debian', release: '12' },
  packages: { manager: 'dpkg', items },
});

const catalog = new Map<string, Bulletin>([
  ['DSA-1', bulletin('DSA-1', fix('dpkg', 'openssl', '3.0.15-1~deb12u1'))],
  ['DSA-2', bulletin('DSA-2', fix('dpkg', 'libssl3', '3.0.16-1~deb12u1'))],
  ['DSA-SRC', bulletin('DSA-SRC', fix('dpkg', 'glibc', '2.36-9+deb12u9'))],
  ['DSA-NOVER', bulletin('DSA-NOVER', fix('dpkg', 'curl'))],
  ['DSA-ABSENT', bulletin('DSA-ABSENT', fix('dpkg', 'nginx', '1.22.1-9+deb12u1'))],
  ['RHSA-1', bulletin('RHSA-1', fix('rpm', 'openssl', '1:3.0.7-27.el9'))],
  ['MS-1', bulletin('MS-1', fix('windows', 'KB5034441', '10.0.19041.3930'))],
]);
const approved = (...ids: string[]): PlanFinding[] =>
  ids.map((bulletinId) => ({ bulletinId, approved: true, triage: 'approved' }));

describe('planMachine', () => {
  const inv = debian([
    { name: 'openssl', version: '3.0.13-1~deb12u1', source: 'openssl' },
    { name: 'libssl3', version: '3.0.13-1~deb12u1', source: 'openssl' },
    { name: 'libc6', version: '2.36-9+deb12u4', source: 'glibc' },
    { name: 'libc-bin', version: '2.36-9+deb12u4', source: 'glibc' },
    { name: 'curl', version: '7.88.1-10+deb12u5' },
  ]);

  it('targets each installed package below the fix at the exact fix version, with the version it replaces', () => {
    const plan = planMachine({ inventory: inv, findings: approved('DSA-2'), bulletins: catalog });
    expect(plan).toEqual({
      manager: 'apt',
      bulletinIds: ['DSA-2'],
      packages: [{ name: 'libssl3', version: '3.0.16-1~deb12u1', previousVersion: '3.0.13-1~deb12u1' }],
      notInstallable: [],
    });
  });

  it('a name that is a binary and a source takes the binary and every binary built from the source', () => {
    const plan = planMachine({ inventory: inv, findings: approved('DSA-1'), bulletins: catalog });
    expect(plan.packages).toEqual([
      { name: 'openssl', version: '3.0.15-1~deb12u1', previousVersion: '3.0.13-1~deb12u1' },
      { name: 'libssl3', version: '3.0.15-1~deb12u1', previousVersion: '3.0.13-1~deb12u1' },
    ]);
  });

  it('a fix naming a source package upgrades every installed binary built from it', () => {
    const plan = planMachine({ inventory: inv, findings: approved('DSA-SRC'), bulletins: catalog });
    expect(plan.packages).toEqual([
      { name: 'libc6', version: '2.36-9+deb12u9', previousVersion: '2.36-9+deb12u4' },
      { name: 'libc-bin', version: '2.36-9+deb12u9', previousVersion: '2.36-9+deb12u4' },
    ]);
  });

  it('several fixes of one package collapse into the newest version; every bulletin is kept', () => {
    const plan = planMachine({ inventory: inv, findings: approved('DSA-1', 'DSA-2'), bulletins: catalog });
    // DSA-1 names source openssl (both binaries at 3.0.15), DSA-2 names libssl3 at 3.0.16: libssl3 takes the newer.
    expect(plan.packages).toEqual([
      { name: 'openssl', version: '3.0.15-1~deb12u1', previousVersion: '3.0.13-1~deb12u1' },
      { name: 'libssl3', version: '3.0.16-1~deb12u1', previousVersion: '3.0.13-1~deb12u1' },
    ]);
    expect(plan.bulletinIds.sort()).toEqual(['DSA-1', 'DSA-2']);
  });

  it.each([
    [
      'not approved',
      [{ bulletinId: 'DSA-1', approved: false, triage: 'new' }],
      /not approved for this machine \(triage: new\)/,
    ],
    ['no version in the fix', approved('DSA-NOVER'), /no dpkg package and version fixes it/],
    ['package not installed', approved('DSA-ABSENT'), /nginx is not installed/],
    ['not in the catalog', approved('NOPE-1'), /not in the current catalog/],
    ['only an rpm fix on a dpkg machine', approved('RHSA-1'), /no dpkg package and version fixes it/],
  ] as const)('not installable: %s', (_name, findings, reason) => {
    const plan = planMachine({ inventory: inv, findings, bulletins: catalog });
    expect(plan.packages).toEqual([]);
    expect(plan.bulletinIds).toEqual([]);
    expect(plan.notInstallable).toHaveLength(1);
    expect(plan.notInstallable[0]!.reason).toMatch(reason);
  });

  it('a package already at the fix version is not installed again', () => {
    const up = debian([{ name: 'openssl', version: '3.0.15-1~deb12u1' }]);
    const plan = planMachine({ inventory: up, findings: approved('DSA-1'), bulletins: catalog });
    expect(plan.packages).toEqual([]);
    expect(plan.notInstallable[0]!.reason).toMatch(/already at the fix version/);
  });

  it('rpm machines get dnf with exact EVRs', () => {
    const rhel: Pick<Inventory, 'os' | 'packages'> = {
      os: { family: 'unix', platform: 'rhel', release: '9' },
      packages: { manager: 'rpm', items: [{ name: 'openssl', version: '3.0.7', release: '24.el9', epoch: '1' }] },
    };
    const plan = planMachine({ inventory: rhel, findings: approved('RHSA-1'), bulletins: catalog });
    expect(plan).toMatchObject({
      manager: 'dnf',
      packages: [{ name: 'openssl', version: '1:3.0.7-27.el9', previousVersion: '1:3.0.7-24.el9' }],
    });
  });

  it('Windows machines: nothing installable yet, and why', () => {
    const win: Pick<Inventory, 'os' | 'packages'> = { os: { family: 'windows', platform: 'windows' } };
    const plan = planMachine({ inventory: win, findings: approved('MS-1'), bulletins: catalog });
    expect(plan).toEqual({
      manager: 'windows',
      bulletinIds: [],
      packages: [],
      notInstallable: [{ bulletinId: 'MS-1', reason: WINDOWS_NOT_BUILT }],
    });
  });

  it('a machine without an inventory has no package manager', () => {
    const plan = planMachine({ inventory: undefined, findings: approved('DSA-1'), bulletins: catalog });
    expect(plan.manager).toBe('none');
    expect(plan.notInstallable[0]!.reason).toMatch(/no package manager/);
  });
});

describe('initialRunState', () => {
  const base = { manager: 'apt' as const, bulletinIds: [], packages: [], notInstallable: [] };
  it('pending with packages to install', () => {
    expect(
      initialRunState(
        { ...base, packages: [{ name: 'a1', version: '1', previousVersion: '0' }], bulletinIds: ['B'] },
        approved('B'),
      ),
    ).toEqual({ state: 'pending', message: null });
  });
  it('succeeded at once when nothing it targets is open', () => {
    expect(initialRunState(base, [])).toEqual({ state: 'succeeded', message: 'nothing to install' });
    expect(
      initialRunState({ ...base, notInstallable: [{ bulletinId: 'B', reason: 'not approved' }] }, [
        { bulletinId: 'B', approved: false, triage: 'new' },
      ]).state,
    ).toBe('succeeded');
  });
  it('failed when approved findings cannot be installed, naming them', () => {
    const r = initialRunState(
      { ...base, notInstallable: [{ bulletinId: 'B', reason: 'nginx is not installed' }] },
      approved('B'),
    );
    expect(r).toEqual({ state: 'failed', message: 'nothing installable: B (nginx is not installed)' });
  });
});
