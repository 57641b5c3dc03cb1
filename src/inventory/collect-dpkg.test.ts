import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectDpkgInventory } from './collect-dpkg.js';
import { inventorySchema } from './model.js';
import { DEBIAN_12_OS_RELEASE, fakeMachine, fixture, makeRoot, removeRoots } from './test-support.js';

afterAll(removeRoots);

const now = new Date('2026-11-21T12:00:00Z');
const STATUS = fixture('debian', 'status-minbase-12-point-release.txt');
const statusText = readFileSync(STATUS, 'utf8');
const KERNEL = fakeMachine('/').uname();

/** A Debian 12 system root holding the minbase status file. */
const debianRoot = (extra: Record<string, string> = {}) =>
  makeRoot({
    'etc/os-release': DEBIAN_12_OS_RELEASE,
    'etc/debian_version': '12.15\n',
    'var/lib/dpkg/status': statusText,
    ...extra,
  });

describe('collectDpkgInventory', () => {
  it('a chroot/image root: everything from the root, no kernel, name from etc/hostname', async () => {
    const root = await debianRoot({ 'etc/hostname': 'minbase-chroot\n' });
    const inv = await collectDpkgInventory({ root, now, local: fakeMachine('/elsewhere') });
    expect(inventorySchema.parse(inv)).toEqual(inv);
    expect(inv).toMatchObject({
      schema: 'patchhive.inventory/1',
      machine: { name: 'minbase-chroot' },
      collectedAt: '2026-11-21T12:00:00.000Z',
      collector: 'dpkg',
      os: {
        family: 'unix',
        platform: 'debian',
        name: 'Debian GNU/Linux 12 (bookworm)',
        release: '12',
        codename: 'bookworm',
        version: '12.15',
        arch: 'amd64',
      },
      packages: { manager: 'dpkg' },
      textFiles: [
        { path: '/etc/os-release', exists: true, content: DEBIAN_12_OS_RELEASE },
        { path: '/etc/debian_version', exists: true, content: '12.15\n' },
      ],
    });
    expect(inv.os.kernel).toBeUndefined();
    expect(inv.packages?.items).toHaveLength(88);
    expect(inv.packages?.items.find((p) => p.name === 'libapt-pkg6.0')).toMatchObject({
      version: '2.6.1',
      source: 'apt',
    });
  });

  it('a root without etc/hostname is named after its directory', async () => {
    const root = await debianRoot();
    const inv = await collectDpkgInventory({ root, now, local: fakeMachine('/elsewhere') });
    expect(inv.machine.name).toBe(path.basename(root));
  });

  it('the running machine: host name and kernel facts', async () => {
    const root = await debianRoot();
    const inv = await collectDpkgInventory({ now, local: fakeMachine(root) });
    expect(inv.machine.name).toBe('testhost');
    expect(inv.os.kernel).toEqual(KERNEL);
    expect(inv.packages?.items).toHaveLength(88);
  });

  it('a saved status file: packages from it, OS facts from this machine (as oscap does), arch from its dpkg', async () => {
    const local = await makeRoot({
      'etc/os-release': DEBIAN_12_OS_RELEASE,
      'etc/debian_version': '12.11\n',
      'var/lib/dpkg/arch-native': 'arm64\n',
    });
    const inv = await collectDpkgInventory({ statusFile: STATUS, now, local: fakeMachine(local, 'arm64') });
    expect(inv.machine.name).toBe('status-minbase-12-point-release');
    expect(inv.os).toMatchObject({
      platform: 'debian',
      release: '12',
      codename: 'bookworm',
      version: '12.11',
      arch: 'amd64',
      kernel: KERNEL,
    });
    expect(inv.textFiles?.find((t) => t.path === '/etc/debian_version')?.content).toBe('12.11\n');
  });

  it('a saved status file with --root: OS facts from that root instead', async () => {
    const root = await makeRoot({ 'etc/os-release': 'ID=ubuntu\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\n' });
    const inv = await collectDpkgInventory({
      statusFile: STATUS,
      root,
      machineName: 'web01',
      now,
      local: fakeMachine('/elsewhere'),
    });
    expect(inv.machine.name).toBe('web01');
    expect(inv.os).toMatchObject({ platform: 'ubuntu', release: '22.04', codename: 'jammy', arch: 'amd64' });
    expect(inv.os.kernel).toBeUndefined();
  });

  it('overrides naming the same OS keep the collected facts', async () => {
    const root = await debianRoot();
    const inv = await collectDpkgInventory({
      root,
      now,
      overrides: { release: '12', codename: 'bookworm', arch: 'i386' },
      local: fakeMachine('/x'),
    });
    expect(inv.os).toMatchObject({
      release: '12',
      codename: 'bookworm',
      version: '12.15',
      name: 'Debian GNU/Linux 12 (bookworm)',
      arch: 'i386',
    });
    expect(inv.textFiles).toHaveLength(2);
  });

  it('overrides naming another release drop the facts that described this one', async () => {
    const local = await debianRoot();
    const inv = await collectDpkgInventory({
      statusFile: STATUS,
      now,
      overrides: { release: '11', codename: 'bullseye' },
      local: fakeMachine(local),
    });
    expect(inv.os).toMatchObject({ platform: 'debian', release: '11', codename: 'bullseye' });
    expect(inv.os.version).toBeUndefined();
    expect(inv.os.name).toBeUndefined();
    expect(inv.textFiles).toEqual([]);
  });

  it('a missing status file is E_INPUT_NOT_FOUND naming it', async () => {
    const root = await makeRoot({});
    await expect(collectDpkgInventory({ root, now, local: fakeMachine('/x') })).rejects.toMatchObject({
      code: 'E_INPUT_NOT_FOUND',
      location: { file: path.join(root, 'var/lib/dpkg/status') },
    });
  });

  it('a malformed status file is E_INPUT_MALFORMED at its line', async () => {
    const root = await makeRoot({ 'var/lib/dpkg/status': 'Package: a\nStatus: install ok installed\n' });
    await expect(collectDpkgInventory({ root, now, local: fakeMachine('/x') })).rejects.toMatchObject({
      code: 'E_INPUT_MALFORMED',
      location: { file: path.join(root, 'var/lib/dpkg/status'), line: 1 },
    });
  });
});
