/**
 * The CIS Windows OVAL sample (MS08-067, KB4015549) against Windows inventories in the
 * collector's output format. No Windows host exists for the tests: the inventories are made in
 * the collector's format (test/fixtures/windows/README-collector.md); the OVAL is real.
 */
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOval } from '../src/catalog/import/oval.js';
import { evaluate, prepareCatalog, type PreparedCatalog } from '../src/detect/index.js';
import type { Inventory } from '../src/inventory/model.js';
import { parseWindowsCollectorOutput } from '../src/inventory/windows.js';

const DIR = path.resolve(import.meta.dirname, 'fixtures/windows');
const MS08_067 = 'oval:org.mitre.oval:def:6093';
const KB4015549 = 'oval:org.cisecurity:def:2615';

function machine(name: string): Inventory {
  const file = path.join(DIR, `collector-output-${name}.json`);
  return parseWindowsCollectorOutput(readFileSync(file, 'utf8'), file);
}

/** A copy of an inventory with one file's version changed. */
function withFileVersion(inv: Inventory, fileName: string, version: string): Inventory {
  const files = inv.files!.map((f) => (f.path.toLowerCase().endsWith(fileName.toLowerCase()) ? { ...f, version } : f));
  return { ...inv, files };
}

/** A copy without Internet Explorer 11 (svcVersion absent). */
function withoutIe11(inv: Inventory): Inventory {
  return {
    ...inv,
    registry: inv.registry!.map((r) => (r.name === 'svcVersion' ? { ...r, exists: false, value: undefined } : r)),
  };
}

let catalog: PreparedCatalog;
beforeAll(async () => {
  const file = path.join(DIR, 'oval-cis-sample.xml');
  catalog = prepareCatalog(await importOval(createReadStream(file), { file }));
});

function verdict(inv: Inventory, bulletin: string) {
  const f = evaluate(catalog, inv).find((x) => x.bulletin === bulletin);
  return { status: f?.status ?? 'not-applicable', evidence: (f?.evidence ?? []).map((e) => e.message) };
}

describe('CIS Windows OVAL sample', () => {
  it('imports both bulletins and the 21 inventory definitions they extend', () => {
    expect(catalog.catalog.bulletins.map((b) => b.id).sort()).toEqual([KB4015549, MS08_067].sort());
    expect(catalog.catalog.definitions.size).toBe(23);
  });

  const cases: { name: string; inv: () => Inventory; bulletin: string; status: string; evidence?: RegExp }[] = [
    {
      name: 'XP SP2, unpatched netapi32.dll',
      inv: () => machine('xp-sp2-x86-netapi32-unpatched'),
      bulletin: MS08_067,
      status: 'missing',
      evidence: /netapi32\.dll version 5\.1\.2600\.2180 is less than 5\.1\.2600\.3462/,
    },
    {
      name: 'XP SP2, patched netapi32.dll',
      inv: () => machine('xp-sp2-x86-netapi32-patched'),
      bulletin: MS08_067,
      status: 'installed',
      evidence: /netapi32\.dll version 5\.1\.2600\.3462 is not less than 5\.1\.2600\.3462/,
    },
    {
      name: 'XP SP2, netapi32.dll not probed',
      inv: () => machine('xp-sp2-x86-no-file-probe'),
      bulletin: MS08_067,
      status: 'unknown',
      evidence: /netapi32\.dll was not probed/,
    },
    {
      name: 'XP SP2 is not a KB4015549 machine',
      inv: () => machine('xp-sp2-x86-netapi32-unpatched'),
      bulletin: KB4015549,
      status: 'not-applicable',
    },
    {
      name: 'Windows 7 SP1 x64, old files',
      inv: () => machine('win7-sp1-x64-ie11-kb4015549-missing'),
      bulletin: KB4015549,
      status: 'missing',
      evidence: /Quartz\.dll version 6\.6\.7601\.23644 is less than 6\.6\.7601\.23709/,
    },
    {
      name: 'Windows 7 SP1 x64, patched',
      inv: () => machine('win7-sp1-x64-ie11-kb4015549-installed'),
      bulletin: KB4015549,
      status: 'installed',
      evidence: /Quartz\.dll version 6\.6\.7601\.23709 is not less than/,
    },
    {
      name: 'Windows 7 SP1 x64, patched but for an old mshtml.dll with IE11: the nested IE11 branch',
      inv: () => withFileVersion(machine('win7-sp1-x64-ie11-kb4015549-installed'), 'mshtml.dll', '11.0.9600.18500'),
      bulletin: KB4015549,
      status: 'missing',
      evidence: /mshtml\.dll version 11\.0\.9600\.18500 is less than 11\.0\.9600\.18639/,
    },
    {
      name: 'the same old mshtml.dll without IE11 installed does not count',
      inv: () =>
        withoutIe11(withFileVersion(machine('win7-sp1-x64-ie11-kb4015549-installed'), 'mshtml.dll', '11.0.9600.18500')),
      bulletin: KB4015549,
      status: 'installed',
    },
    {
      name: 'Windows 7 SP1 x64 without the Quartz.dll probe: other files decide',
      inv: () => {
        const inv = machine('win7-sp1-x64-ie11-kb4015549-missing');
        return { ...inv, files: inv.files!.filter((f) => !/quartz/i.test(f.path)) };
      },
      bulletin: KB4015549,
      status: 'missing',
    },
    {
      name: 'patched Windows 7 without the Quartz.dll probe is unknown, not installed',
      inv: () => {
        const inv = machine('win7-sp1-x64-ie11-kb4015549-installed');
        return { ...inv, files: inv.files!.filter((f) => !/quartz/i.test(f.path)) };
      },
      bulletin: KB4015549,
      status: 'unknown',
      evidence: /Quartz\.dll was not probed/i,
    },
  ];

  it.each(cases)('$name → $status', ({ inv, bulletin, status, evidence }) => {
    const v = verdict(inv(), bulletin);
    expect(v.status).toBe(status);
    if (evidence) expect(v.evidence.join('\n')).toMatch(evidence);
  });

  it('a Debian machine gets no Windows findings at all', () => {
    const inv: Inventory = {
      schema: 'patchhive.inventory/1',
      machine: { name: 'deb' },
      collectedAt: '2026-11-21T00:00:00Z',
      os: { family: 'unix', platform: 'debian' },
      packages: { manager: 'dpkg', items: [] },
    };
    expect(evaluate(catalog, inv)).toEqual([]);
  });
});
