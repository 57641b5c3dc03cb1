import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Inventory } from './model.js';
import { fixture } from './test-support.js';
import { normaliseWindowsInventory, parseWindowsCollectorOutput, windowsVersion } from './windows.js';

const load = (name: string): Inventory => {
  const file = fixture('windows', name);
  return parseWindowsCollectorOutput(readFileSync(file, 'utf8'), file);
};
const raw = (name: string): Record<string, any> => JSON.parse(readFileSync(fixture('windows', name), 'utf8'));
const fileVersion = (inv: Inventory, name: string) =>
  inv.files?.find((f) => f.path.toLowerCase().endsWith('\\' + name.toLowerCase()));

const XP_UNPATCHED = 'collector-output-xp-sp2-x86-netapi32-unpatched.json';
const XP_PATCHED = 'collector-output-xp-sp2-x86-netapi32-patched.json';
const XP_NO_PROBE = 'collector-output-xp-sp2-x86-no-file-probe.json';
const W7_MISSING = 'collector-output-win7-sp1-x64-ie11-kb4015549-missing.json';
const W7_INSTALLED = 'collector-output-win7-sp1-x64-ie11-kb4015549-installed.json';
const W10 = 'collector-output-win10-22h2-x64.json';

describe('parseWindowsCollectorOutput on the collector-output fixtures', () => {
  it.each([
    [XP_UNPATCHED, '5.1', '5.1.2600', 'x86', 'Service Pack 2', 1],
    [XP_PATCHED, '5.1', '5.1.2600', 'x86', 'Service Pack 2', 1],
    [XP_NO_PROBE, '5.1', '5.1.2600', 'x86', 'Service Pack 2', 0],
    [W7_MISSING, '6.1', '6.1.7601', 'amd64', 'Service Pack 1', 9],
    [W7_INSTALLED, '6.1', '6.1.7601', 'amd64', 'Service Pack 1', 9],
    [W10, '10.0', '10.0.19045.6216', 'amd64', undefined, 1],
  ])('%s: release %s, version %s, %s, %s, %i file probes', (name, release, version, arch, sp, files) => {
    const inv = load(name);
    expect(inv.os).toMatchObject({ family: 'windows', platform: 'windows', release, version, arch });
    expect(inv.os.windows?.csdVersion).toBe(sp);
    expect(inv.files).toHaveLength(files);
    // The fixtures are written normalised: parsing must not change them.
    expect(inv).toEqual(raw(name));
  });

  it('MS08-067 machine: netapi32.dll unpatched, patched, not collected', () => {
    expect(fileVersion(load(XP_UNPATCHED), 'netapi32.dll')).toMatchObject({
      exists: true,
      version: '5.1.2600.2180',
      requested: '%SystemRoot%\\System32\\netapi32.dll',
    });
    expect(fileVersion(load(XP_PATCHED), 'netapi32.dll')?.version).toBe('5.1.2600.3462');
    expect(load(XP_PATCHED).kbs).toContain('KB958644');
    expect(load(XP_UNPATCHED).kbs).not.toContain('KB958644');
    expect(fileVersion(load(XP_NO_PROBE), 'netapi32.dll')).toBeUndefined();
  });

  it.each([
    ['Quartz.dll', '6.6.7601.23644', '6.6.7601.23709'],
    ['win32k.sys', '6.1.7601.23677', '6.1.7601.23717'],
    ['gdi32.dll', '6.1.7601.23688', '6.1.7601.23739'],
    ['Ntoskrnl.exe', '6.1.7601.23677', '6.1.7601.23714'],
    ['mshtml.dll', '11.0.9600.18618', '11.0.9600.18639'],
  ])('KB4015549 machine: %s %s before, %s after', (name, before, after) => {
    expect(fileVersion(load(W7_MISSING), name)?.version).toBe(before);
    expect(fileVersion(load(W7_INSTALLED), name)?.version).toBe(after);
  });

  it('KB4015549 machine: server-only files are recorded as absent, not left out', () => {
    for (const name of ['Storvsp.sys', 'ntdsai.dll'])
      expect(fileVersion(load(W7_MISSING), name)).toMatchObject({ exists: false });
  });

  it('Windows 10 22H2: raw facts kept, version from CurrentMajorVersionNumber, not the frozen 6.3', () => {
    const inv = load(W10);
    expect(inv.os.windows).toMatchObject({
      currentVersion: '6.3',
      majorVersion: 10,
      minorVersion: 0,
      build: 19045,
      ubr: 6216,
      displayVersion: '22H2',
    });
    expect(inv.kbs).toEqual(['KB5011048', 'KB5015684', 'KB5063709']);
  });
});

/** The OVAL objects of the CIS sample, so the fixtures are checked against what the catalog really asks. */
describe('the fixtures answer every object of oval-cis-sample.xml', () => {
  const xml = readFileSync(fixture('windows', 'oval-cis-sample.xml'), 'utf8');
  const fileObjects = [
    ...xml.matchAll(
      /<file_object [^>]*id="([^"]+)"[^>]*>\s*<path var_check="all" var_ref="([^"]+)" \/>\s*<filename>([^<]+)<\/filename>/g,
    ),
  ].map((m) => ({ id: m[1]!, varRef: m[2]!, filename: m[3]! }));
  const registryObjects = [
    ...xml.matchAll(
      /<registry_object [^>]*id="([^"]+)"[^>]*>\s*(<behaviors windows_view="(\w+)" \/>)?\s*<hive>([^<]+)<\/hive>\s*<key>([^<]+)<\/key>\s*<name>([^<]+)<\/name>/g,
    ),
  ].map((m) => ({ id: m[1]!, view: m[3], hive: m[4]!, key: m[5]!, name: m[6]! }));

  it('finds the 9 file and 7 registry objects', () => {
    expect(fileObjects).toHaveLength(9);
    expect(registryObjects).toHaveLength(7);
  });

  /** Rebuilds var:200/201/215 from the inventory's own registry probes, as an OVAL evaluator would. */
  function ovalPath(inv: Inventory, varRef: string, filename: string): string {
    const value = (name: string, view?: string) => inv.registry?.find((r) => r.name === name && r.view === view)?.value;
    const dir: Record<string, string | undefined> = {
      'oval:org.mitre.oval:var:200': `${value('SystemRoot')}\\System32`,
      'oval:org.mitre.oval:var:201': `${value('SystemRoot')}\\System32\\drivers`,
      'oval:org.mitre.oval:var:215': `${value('ProgramFilesDir', '32_bit')}\\Windows NT\\Accessories`,
    };
    return `${dir[varRef]}\\${filename}`.toLowerCase();
  }

  it.each([W7_MISSING, W7_INSTALLED])('%s: every file and registry object of KB4015549 is probed', (name) => {
    const inv = load(name);
    const paths = new Set(inv.files?.map((f) => f.path.toLowerCase()));
    for (const o of fileObjects.filter((f) => f.filename !== 'netapi32.dll'))
      expect(paths, o.id).toContain(ovalPath(inv, o.varRef, o.filename));
    for (const o of registryObjects) {
      expect(
        inv.registry?.find(
          (r) => r.hive === o.hive && r.key === o.key && r.name === o.name && r.view === o.view && r.exists,
        ),
        o.id,
      ).toBeDefined();
    }
  });

  it.each([XP_UNPATCHED, XP_PATCHED])(
    '%s: netapi32.dll (obj:160) and the MS08-067 registry objects are probed',
    (name) => {
      const inv = load(name);
      expect(inv.files?.map((f) => f.path.toLowerCase())).toContain(
        ovalPath(inv, 'oval:org.mitre.oval:var:200', 'netapi32.dll'),
      );
      for (const id of ['obj:219', 'obj:419', 'obj:717', 'obj:1576', 'obj:5590']) {
        const o = registryObjects.find((r) => r.id.endsWith(id))!;
        expect(inv.registry?.find((r) => r.key === o.key && r.name === o.name)?.exists, id).toBe(true);
      }
    },
  );
});

describe('normalisation', () => {
  it('lower-cases hashes and arch, upper-cases and de-duplicates KBs, makes build/UBR numbers, rebuilds os.version', () => {
    const r = raw(W10);
    r.kbs = ['kb5063709', '5015684', 'KB5011048', 'KB5063709'];
    r.files[0].sha256 = r.files[0].sha256.toUpperCase();
    r.os.windows.build = '19045';
    r.os.windows.ubr = '6216';
    r.os.arch = 'AMD64';
    r.os.version = '10.0.19045';
    const inv = normaliseWindowsInventory(r, 'w10.json');
    expect(inv.kbs).toEqual(['KB5011048', 'KB5015684', 'KB5063709']);
    expect(inv.files?.[0]?.sha256).toBe(raw(W10).files[0].sha256);
    expect(inv.os).toMatchObject({ arch: 'amd64', version: '10.0.19045.6216', windows: { build: 19045, ubr: 6216 } });
    expect(r.kbs[0]).toBe('kb5063709'); // the caller's object is not modified
  });

  it.each([
    [
      { currentVersion: '5.1', build: 2600 },
      { release: '5.1', version: '5.1.2600' },
    ],
    [
      { currentVersion: '6.3', majorVersion: 10, minorVersion: 0, build: 22631, ubr: 4169 },
      { release: '10.0', version: '10.0.22631.4169' },
    ],
    [
      { majorVersion: 10, build: 20348 },
      { release: '10.0', version: '10.0.20348' },
    ],
    [{ build: 1 }, {}],
  ])('windowsVersion(%j) = %j', (w, expected) => {
    expect(windowsVersion(w)).toEqual(expected);
  });
});

describe('errors are located', () => {
  it.each([
    ['bad JSON', '{\n  "schema": "patchhive.inventory/1",\n  "os": {,\n', 'E_INPUT_MALFORMED', { line: 3, column: 10 }],
    ['not an inventory', '{"files": []}', 'E_INPUT_UNKNOWN_FORMAT', { path: '$.schema' }],
  ])('%s', (_what, text, code, location) => {
    expect(() => parseWindowsCollectorOutput(text, 'w.json')).toThrow(
      expect.objectContaining({ code, location: { file: 'w.json', ...location } }),
    );
  });

  it.each([
    ['files[0].exists', (r: any) => (r.files[0].exists = 'yes'), '$.files[0].exists', /expected boolean/],
    ['a KB that is no KB', (r: any) => (r.kbs = ['Q123456']), '$.kbs[0]', /KB/],
    ['a Linux family', (r: any) => (r.os.family = 'unix'), '$.os.family', /windows/],
    ['a sha256 that is no hash', (r: any) => (r.files[0].sha256 = 'abc'), '$.files[0].sha256', /./],
    ['build that is no number', (r: any) => (r.os.windows.build = '19045a'), '$.os.windows.build', /expected number/],
  ])('%s', (_what, mutate, path, message) => {
    const r = raw(W10);
    mutate(r);
    expect(() => normaliseWindowsInventory(r, 'w.json')).toThrow(
      expect.objectContaining({
        code: 'E_INPUT_MALFORMED',
        location: { file: 'w.json', path },
        message: expect.stringMatching(message),
      }),
    );
  });
});
