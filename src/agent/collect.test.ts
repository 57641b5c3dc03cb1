import { describe, expect, it } from 'vitest';
import type { Inventory } from '../inventory/model.js';
import { detectPackageManager, mergeProbeResults } from './collect.js';

describe('detectPackageManager', () => {
  it.each<[string[], string | undefined]>([
    [['/r/var/lib/dpkg/status'], 'dpkg'],
    [['/r/var/lib/dpkg/status', '/r/var/lib/rpm'], 'dpkg'],
    [['/r/var/lib/rpm'], 'rpm'],
    [['/r/usr/lib/sysimage/rpm'], 'rpm'],
    [[], undefined],
  ])('%j → %s', (present, manager) => {
    expect(detectPackageManager('/r', (p) => present.includes(p))).toBe(manager);
  });
});

describe('mergeProbeResults', () => {
  const inv: Inventory = {
    schema: 'patchhive.inventory/1',
    machine: { name: 'h' },
    collectedAt: '2026-05-01T10:00:00.000Z',
    os: { family: 'unix', platform: 'debian' },
    textFiles: [{ path: '/etc/os-release', exists: true, content: 'ID=debian\n' }],
  };

  it("adds probed files and text files; the collector's own text file wins over a probe of it", () => {
    const merged = mergeProbeResults(inv, {
      files: [{ path: '/usr/bin/x', exists: false }],
      textFiles: [
        { path: '/etc/os-release', exists: true, content: 'ID=other\n' },
        { path: '/etc/issue', exists: false },
      ],
    });
    expect(merged.files).toEqual([{ path: '/usr/bin/x', exists: false }]);
    expect(merged.textFiles).toEqual([inv.textFiles![0], { path: '/etc/issue', exists: false }]);
  });

  it('no probes: the inventory is unchanged (so its hash is too)', () => {
    expect(mergeProbeResults(inv, { files: [], textFiles: [] })).toEqual(inv);
  });
});
