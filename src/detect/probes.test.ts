import { createReadStream, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOval } from '../catalog/import/oval.js';
import { entity, state, test, testNode } from '../catalog/import/criteria-builders.js';
import { loadCatalogFile } from '../catalog/load.js';
import {
  emptyCatalog,
  mergeCatalogs,
  type Bulletin,
  type Criterion,
  type Fix,
  type ObjectSpec,
} from '../catalog/model.js';
import { bundledCatalogs, bundledTrustedKeys } from '../cli/bundled.js';
import { parseDpkgStatus } from '../inventory/dpkg-status.js';
import type { Inventory, ProbeRequest } from '../inventory/model.js';
import { fixture } from '../inventory/test-support.js';
import { parseWindowsCollectorOutput } from '../inventory/windows.js';
import { evaluate, prepareCatalog, type PreparedCatalog } from './evaluate.js';
import { normalisePath, registryKey } from './inventory-view.js';
import { probesNeeded } from './probes.js';

const NONE: ProbeRequest = { files: [], registry: [], textFiles: [] };
const MS08_067 = 'oval:org.mitre.oval:def:6093';
const KB4015549 = 'oval:org.cisecurity:def:2615';
const HKLM = 'HKEY_LOCAL_MACHINE';
const NT = 'SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion';
const reg = (key: string, name: string | null, view?: '32_bit') => ({
  hive: HKLM,
  key,
  name,
  ...(view ? { view } : {}),
});
const WINDOWS_BASICS = [
  reg('SOFTWARE\\Microsoft\\Internet Explorer', 'svcVersion'),
  reg(NT, 'CSDVersion'),
  reg(NT, 'CurrentVersion'),
  reg(NT, 'ProductName'),
  reg(NT, 'SystemRoot'),
];
const ENVIRONMENT = reg('SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment', 'PROCESSOR_ARCHITECTURE');

function windowsMachine(name: string): Inventory {
  const file = fixture('windows', `collector-output-${name}.json`);
  return parseWindowsCollectorOutput(readFileSync(file, 'utf8'), file);
}

/** The same machine before any probe was answered. */
function unprobed(inv: Inventory): Inventory {
  return { ...inv, files: [], registry: [], textFiles: [] };
}

/**
 * A machine that answers probes from a recorded inventory, as the collector would: a file or
 * value the recording does not have does not exist on it.
 */
function answer(recorded: Inventory, inv: Inventory, req: ProbeRequest): Inventory {
  const file = (p: string) => {
    const hit = recorded.files?.find((f) => normalisePath(f.path) === normalisePath(p));
    return hit ? { ...hit, path: p, requested: undefined } : { path: p, exists: false };
  };
  const text = (p: string) => recorded.textFiles?.find((t) => t.path === p) ?? { path: p, exists: false };
  const value = (r: ProbeRequest['registry'][number]) =>
    recorded.registry?.find(
      (x) => registryKey(x.hive, x.key, x.name, x.view) === registryKey(r.hive, r.key, r.name, r.view),
    ) ?? { ...r, exists: false };
  return {
    ...inv,
    files: [...(inv.files ?? []), ...req.files.map(file)],
    registry: [...(inv.registry ?? []), ...req.registry.map(value)],
    textFiles: [...(inv.textFiles ?? []), ...req.textFiles.map(text)],
  };
}

/** Check-ins until the server needs nothing more: each round's request, and the final inventory. */
function converge(
  prepared: PreparedCatalog,
  recorded: Inventory,
  start: Inventory,
): { rounds: ProbeRequest[]; inv: Inventory } {
  const rounds: ProbeRequest[] = [];
  let inv = start;
  for (let i = 0; i < 10; i++) {
    const req = probesNeeded(prepared, inv);
    if (req.files.length + req.registry.length + req.textFiles.length === 0) return { rounds, inv };
    rounds.push(req);
    inv = answer(recorded, inv, req);
  }
  throw new Error('probe requests did not converge');
}

const statuses = (prepared: PreparedCatalog, inv: Inventory) =>
  Object.fromEntries(evaluate(prepared, inv).map((f) => [f.bulletin, f.status]));

describe('Windows OVAL (CIS sample: MS08-067, KB4015549)', () => {
  let cis: PreparedCatalog;
  beforeAll(async () => {
    const file = fixture('windows', 'oval-cis-sample.xml');
    cis = prepareCatalog(await importOval(createReadStream(file), { file }));
  });

  it.each([
    'xp-sp2-x86-netapi32-unpatched',
    'xp-sp2-x86-netapi32-patched',
    'win7-sp1-x64-ie11-kb4015549-missing',
    'win7-sp1-x64-ie11-kb4015549-installed',
  ])('%s: the recorded inventory already answers everything', (name) => {
    expect(probesNeeded(cis, windowsMachine(name))).toEqual(NONE);
  });

  it('XP without the file probe: asks for netapi32.dll under its SystemRoot, and then decides MS08-067', () => {
    const inv = windowsMachine('xp-sp2-x86-no-file-probe');
    expect(statuses(cis, inv)[MS08_067]).toBe('unknown');
    const req = probesNeeded(cis, inv);
    expect(req).toEqual({ files: ['C:\\WINDOWS\\System32\\netapi32.dll'], registry: [], textFiles: [] });
    const probed = answer(windowsMachine('xp-sp2-x86-netapi32-unpatched'), inv, req);
    expect(probesNeeded(cis, probed)).toEqual(NONE);
    expect(statuses(cis, probed)[MS08_067]).toBe('missing');
  });

  it('Windows 7 without the Quartz.dll probe: asks for exactly that file', () => {
    const full = windowsMachine('win7-sp1-x64-ie11-kb4015549-installed');
    const inv = { ...full, files: full.files!.filter((f) => !/quartz/i.test(f.path)) };
    expect(probesNeeded(cis, inv)).toEqual({
      files: ['C:\\Windows\\System32\\Quartz.dll'],
      registry: [],
      textFiles: [],
    });
  });

  it('a probe answered under its requested (unexpanded) name is not asked again', () => {
    const full = windowsMachine('xp-sp2-x86-netapi32-unpatched');
    const inv = {
      ...full,
      files: full.files!.map((f) => ({
        ...f,
        path: 'C:\\WINNT\\System32\\netapi32.dll',
        requested: 'C:\\WINDOWS\\System32\\netapi32.dll',
      })),
    };
    expect(probesNeeded(cis, inv)).toEqual(NONE);
  });

  // 32-bit XP has one registry view: ProgramFilesDir (windows_view="32_bit") is read natively
  const XP_ROUND1 = [
    ...WINDOWS_BASICS,
    reg('SOFTWARE\\Microsoft\\Windows\\CurrentVersion', 'ProgramFilesDir'),
    ENVIRONMENT,
  ];
  // once CurrentVersion says XP, KB4015549 (Windows 7) no longer applies: only netapi32.dll
  const XP_FILES = ['C:\\WINDOWS\\System32\\netapi32.dll'];
  const WIN7_ROUND1 = [
    ...WINDOWS_BASICS,
    reg('SOFTWARE\\Microsoft\\Windows\\CurrentVersion', 'ProgramFilesDir', '32_bit'),
    ENVIRONMENT,
  ];
  const WIN7_FILES = [
    'C:\\Program Files (x86)\\Windows NT\\Accessories\\wordpad.exe',
    ...[
      'drivers\\Storvsp.sys',
      'gdi32.dll',
      'mshtml.dll',
      'ntdsai.dll',
      'Ntoskrnl.exe',
      'Quartz.dll',
      'win32k.sys',
    ].map((f) => `C:\\Windows\\System32\\${f}`),
  ];
  const rounds = [
    {
      name: 'xp-sp2-x86-netapi32-unpatched',
      round1: XP_ROUND1,
      files: XP_FILES,
      verdicts: { [MS08_067]: 'missing', [KB4015549]: 'not-applicable' },
    },
    {
      name: 'xp-sp2-x86-netapi32-patched',
      round1: XP_ROUND1,
      files: XP_FILES,
      verdicts: { [MS08_067]: 'installed', [KB4015549]: 'not-applicable' },
    },
    {
      name: 'win7-sp1-x64-ie11-kb4015549-missing',
      round1: WIN7_ROUND1,
      files: WIN7_FILES,
      verdicts: { [KB4015549]: 'missing', [MS08_067]: 'not-applicable' },
    },
    {
      name: 'win7-sp1-x64-ie11-kb4015549-installed',
      round1: WIN7_ROUND1,
      files: WIN7_FILES,
      verdicts: { [KB4015549]: 'installed', [MS08_067]: 'not-applicable' },
    },
  ];

  it.each(rounds)(
    '$name from nothing: registry values first, then the files they locate',
    ({ name, round1, files, verdicts }) => {
      const recorded = windowsMachine(name);
      const start = unprobed(recorded);
      expect(Object.values(statuses(cis, start))).toContain('unknown');
      const { rounds: got, inv } = converge(cis, recorded, start);
      expect(got).toEqual([
        { files: [], registry: round1, textFiles: [] },
        { files, registry: [], textFiles: [] },
      ]);
      expect(statuses(cis, inv)).toEqual(verdicts);
      expect(statuses(cis, inv)).toEqual(statuses(cis, recorded));
    },
  );

  it.each([
    ['xp-sp2-x86-netapi32-unpatched', 'probe-request-ms08-067.json'],
    ['win7-sp1-x64-ie11-kb4015549-missing', 'probe-request-kb4015549.json'],
  ])('%s: every file asked for is one the committed %s names (once expanded)', (name, requestFile) => {
    const recorded = windowsMachine(name);
    const committed = JSON.parse(readFileSync(fixture('windows', requestFile), 'utf8')) as ProbeRequest;
    const expanded = new Set(
      recorded.files!.filter((f) => committed.files.includes(f.requested ?? f.path)).map((f) => normalisePath(f.path)),
    );
    const asked = converge(cis, recorded, unprobed(recorded)).rounds.flatMap((r) => r.files);
    expect(asked.length).toBeGreaterThan(0);
    for (const f of asked) expect(expanded, f).toContain(normalisePath(f));
  });

  it('a Debian machine is asked nothing by a Windows catalog', () => {
    const deb: Inventory = {
      schema: 'patchhive.inventory/1',
      machine: { name: 'deb' },
      collectedAt: '2026-11-21T00:00:00Z',
      os: { family: 'unix', platform: 'debian' },
      packages: { manager: 'dpkg', items: [] },
    };
    expect(probesNeeded(cis, deb)).toEqual(NONE);
  });
});

function debianMachine(extra: { name: string; version: string }[] = []): Inventory {
  const items = parseDpkgStatus(readFileSync(fixture('debian', 'status-minbase-12-point-release.txt'), 'utf8'));
  return {
    schema: 'patchhive.inventory/1',
    machine: { name: 'deb12' },
    collectedAt: '2026-11-21T00:00:00Z',
    os: { family: 'unix', platform: 'debian', release: '12', codename: 'bookworm', arch: 'amd64' },
    packages: { manager: 'dpkg', items: [...items, ...extra] },
  };
}

/** What the collector reads on a Debian 12 machine; sshd_config forbids root logins. */
const DEBIAN_FILES: Inventory = {
  ...debianMachine(),
  os: { ...debianMachine().os, kernel: { name: 'Linux', release: '6.1.0-28-amd64', machine: 'x86_64' } },
  textFiles: [
    { path: '/etc/debian_version', exists: true, content: '12.15\n' },
    { path: '/etc/ssh/sshd_config', exists: true, content: 'Port 22\nPermitRootLogin no\n' },
  ],
};

describe('Debian OVAL (bookworm sample)', () => {
  let oval: PreparedCatalog;
  beforeAll(async () => {
    const file = fixture('debian', 'oval-bookworm-sample.xml');
    oval = prepareCatalog(await importOval(createReadStream(file), { file }));
  });

  it('asks for /etc/debian_version, which the release test reads; once read, no test is unknown', () => {
    const inv = { ...debianMachine(), os: DEBIAN_FILES.os };
    expect(Object.values(statuses(oval, inv))).toContain('unknown');
    const { rounds, inv: probed } = converge(oval, DEBIAN_FILES, inv);
    expect(rounds).toEqual([{ files: [], registry: [], textFiles: ['/etc/debian_version'] }]);
    expect(Object.values(statuses(oval, probed))).not.toContain('unknown');
  });

  it('a machine without any candidate package is asked nothing', () => {
    const empty: Inventory = { ...debianMachine(), packages: { manager: 'dpkg', items: [] } };
    expect(probesNeeded(oval, empty)).toEqual(NONE);
  });
});

describe('bundled catalogs (catalogs/)', () => {
  let bundled: PreparedCatalog;
  beforeAll(async () => {
    const trustedKeys = await bundledTrustedKeys();
    const catalogs = await Promise.all(
      bundledCatalogs().map((f) => loadCatalogFile(f, { release: 'bookworm', trustedKeys, allowUnsigned: false })),
    );
    bundled = prepareCatalog(mergeCatalogs(catalogs));
  });

  it('Debian 12 with openssh-server: the release file and sshd_config (in-house PH-2026-003)', () => {
    const inv = debianMachine([{ name: 'openssh-server', version: '1:9.2p1-2+deb12u3' }]);
    expect(probesNeeded(bundled, inv)).toEqual({
      files: [],
      registry: [],
      textFiles: ['/etc/debian_version', '/etc/ssh/sshd_config'],
    });
    const probed = answer(DEBIAN_FILES, inv, probesNeeded(bundled, inv));
    expect(probesNeeded(bundled, probed)).toEqual(NONE);
    expect(statuses(bundled, probed)['PH-2026-003']).toBe('installed');
  });

  it('Debian 12 without openssh-server is not asked for sshd_config', () => {
    expect(probesNeeded(bundled, debianMachine()).textFiles).toEqual(['/etc/debian_version']);
  });

  it('Windows XP: the in-house SMB1 value and XP SP3 markers; netapi32.dll is already probed (paths ignore case)', () => {
    const inv = windowsMachine('xp-sp2-x86-netapi32-unpatched');
    const req = probesNeeded(bundled, inv);
    expect(req).toEqual({
      files: [],
      registry: [reg('SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters', 'SMB1')],
      textFiles: [],
    });
    const probed = answer(inv, inv, req);
    expect(probesNeeded(bundled, probed)).toEqual(NONE);
    expect(evaluate(bundled, probed).find((f) => f.bulletin === 'PH-2026-002')?.status).toBe('missing');
  });
});

// ---- behaviours on small hand-made catalogs ----

const WIN7: Inventory = {
  schema: 'patchhive.inventory/1',
  machine: { name: 'w' },
  collectedAt: '2026-11-21T00:00:00Z',
  os: { family: 'windows', platform: 'windows', arch: 'amd64', windows: { build: 7601 } },
};
const DEB: Inventory = {
  schema: 'patchhive.inventory/1',
  machine: { name: 'd' },
  collectedAt: '2026-11-21T00:00:00Z',
  os: { family: 'unix', platform: 'debian' },
  packages: { manager: 'dpkg', items: [{ name: 'tool', version: '1.0-1' }] },
};

const obj = (id: string, type: string, fields: ObjectSpec['fields'], extra: Partial<ObjectSpec> = {}): ObjectSpec => ({
  id,
  type,
  fields,
  ...extra,
});
const exists = (o: ObjectSpec): Criterion => testNode(test({ id: `tst:${o.id}`, object: o }));
const file = (id: string, filepath: string) => exists(obj(id, 'file', { filepath: entity(filepath) }));
const regValue = (id: string, key: string, name: string | undefined, extra: Partial<ObjectSpec> = {}) =>
  exists(
    obj(
      id,
      'registry',
      { hive: entity(HKLM), key: entity(key), ...(name === undefined ? {} : { name: entity(name) }) },
      extra,
    ),
  );
const tool = exists(obj('obj:tool', 'dpkginfo', { name: entity('tool') }));
const windows = exists(obj('obj:family', 'family', {}));
const never: Criterion = { kind: 'const', value: false };

function catalogOf(
  fixes: (Partial<Fix> & Pick<Fix, 'applicability' | 'installed'>)[],
  setup?: (c: ReturnType<typeof emptyCatalog>) => void,
): PreparedCatalog {
  const c = emptyCatalog('t', 't');
  c.bulletins = fixes.map((fix, i): Bulletin => ({
    id: `B${i}`,
    source: 't',
    title: `B${i}`,
    severity: 'low',
    cves: [],
    kbs: [],
    references: [],
    supersedes: [],
    class: 'patch',
    fixes: [{ id: `F${i}`, available: true, ...fix }],
  }));
  setup?.(c);
  return prepareCatalog(c);
}

describe('probesNeeded on hand-made criteria', () => {
  const and = (...children: Criterion[]): Criterion => ({ kind: 'criteria', operator: 'AND', children });
  const cases: { name: string; catalog: () => PreparedCatalog; inv: Inventory; want: Partial<ProbeRequest> }[] = [
    {
      name: 'files are deduplicated ignoring Windows case and sorted',
      catalog: () =>
        catalogOf([
          {
            applicability: windows,
            installed: and(file('o1', 'C:\\b.dll'), file('o2', 'c:\\B.DLL'), file('o3', 'C:\\a.dll')),
          },
        ]),
      inv: WIN7,
      want: { files: ['C:\\a.dll', 'C:\\b.dll'] },
    },
    {
      name: 'path + filename are joined with the separator of the path',
      catalog: () =>
        catalogOf([
          {
            applicability: tool,
            installed: exists(
              obj('o', 'textfilecontent54', {
                path: entity('/etc/tool/'),
                filename: entity('tool.conf'),
                pattern: entity('x', 'pattern match'),
              }),
            ),
          },
        ]),
      inv: DEB,
      want: { textFiles: ['/etc/tool/tool.conf'] },
    },
    {
      name: 'pattern-match paths are skipped',
      catalog: () =>
        catalogOf([
          {
            applicability: windows,
            installed: exists(
              obj('o', 'file', { path: entity('C:\\Windows', 'pattern match'), filename: entity('x.dll') }),
            ),
          },
        ]),
      inv: WIN7,
      want: {},
    },
    {
      name: 'a nil registry name asks for the key itself',
      catalog: () => catalogOf([{ applicability: windows, installed: regValue('o', 'SOFTWARE\\Vendor', undefined) }]),
      inv: WIN7,
      want: { registry: [reg('SOFTWARE\\Vendor', null)] },
    },
    {
      name: 'windows_view 32_bit on 64-bit Windows asks for the 32-bit view; 64_bit is the native view',
      catalog: () =>
        catalogOf([
          {
            applicability: windows,
            installed: and(
              regValue('o1', 'SOFTWARE\\A', 'v', { behaviors: { windows_view: '32_bit' } }),
              regValue('o2', 'SOFTWARE\\B', 'v', { behaviors: { windows_view: '64_bit' } }),
            ),
          },
        ]),
      inv: WIN7,
      want: { registry: [reg('SOFTWARE\\A', 'v', '32_bit'), reg('SOFTWARE\\B', 'v')] },
    },
    {
      name: 'unsupported objects are skipped',
      catalog: () =>
        catalogOf([
          {
            applicability: windows,
            installed: exists(obj('o', 'file', { filepath: entity('C:\\x.dll') }, { unsupported: 'has a <set>' })),
          },
        ]),
      inv: WIN7,
      want: {},
    },
    {
      name: 'a fix whose applicability is false needs nothing',
      catalog: () => catalogOf([{ applicability: and(windows, never), installed: file('o', 'C:\\x.dll') }]),
      inv: WIN7,
      want: {},
    },
    {
      name: 'a fix that is not available yet needs only its applicability',
      catalog: () =>
        catalogOf([
          {
            available: false,
            applicability: and(windows, regValue('r', 'SOFTWARE\\P', 'Version')),
            installed: file('o', 'C:\\x.dll'),
          },
        ]),
      inv: WIN7,
      want: { registry: [reg('SOFTWARE\\P', 'Version')] },
    },
    {
      name: 'installed marker and known file hashes are asked for too',
      catalog: () =>
        catalogOf([
          {
            applicability: windows,
            installed: file('o', 'C:\\x.dll'),
            installedMarker: regValue('m', 'SOFTWARE\\Marker', 'Installed'),
            knownFileHashes: [{ path: 'C:\\y.dll', sha256: ['0'.repeat(64)] }],
          },
        ]),
      inv: WIN7,
      want: { files: ['C:\\x.dll', 'C:\\y.dll'], registry: [reg('SOFTWARE\\Marker', 'Installed')] },
    },
    {
      name: 'a bulletin whose package is absent is not a candidate',
      catalog: () =>
        catalogOf([
          {
            applicability: exists(obj('obj:other', 'dpkginfo', { name: entity('other') })),
            installed: exists(
              obj('o', 'textfilecontent54', { filepath: entity('/etc/other'), pattern: entity('x', 'pattern match') }),
            ),
          },
        ]),
      inv: DEB,
      want: {},
    },
    {
      name: 'extend_definition is followed, and a cycle ends',
      catalog: () =>
        catalogOf([{ applicability: windows, installed: { kind: 'extend', definition: 'def:a' } }], (c) => {
          c.definitions.set('def:a', {
            id: 'def:a',
            title: 'a',
            criteria: and(file('o1', 'C:\\a.dll'), { kind: 'extend', definition: 'def:b' }),
          });
          c.definitions.set('def:b', {
            id: 'def:b',
            title: 'b',
            criteria: and(file('o2', 'C:\\b.dll'), { kind: 'extend', definition: 'def:a' }),
          });
        }),
      inv: WIN7,
      want: { files: ['C:\\a.dll', 'C:\\b.dll'] },
    },
    {
      name: 'a state compared with a variable over a registry value asks for that value',
      catalog: () =>
        catalogOf(
          [
            {
              applicability: windows,
              installed: testNode(
                test({
                  id: 't',
                  object: obj('o', 'file', { filepath: entity('C:\\x.dll') }),
                  states: [
                    state('s', 'file', { version: { operation: 'less than', datatype: 'version', varRef: 'var:min' } }),
                  ],
                }),
              ),
            },
          ],
          (c) =>
            c.variables.set('var:min', {
              kind: 'local',
              id: 'var:min',
              datatype: 'version',
              component: {
                kind: 'object',
                itemField: 'value',
                object: obj('o-min', 'registry', {
                  hive: entity(HKLM),
                  key: entity('SOFTWARE\\P'),
                  name: entity('Min'),
                }),
              },
            }),
        ),
      inv: WIN7,
      want: { files: ['C:\\x.dll'], registry: [reg('SOFTWARE\\P', 'Min')] },
    },
    {
      name: 'a path from an external variable cannot be resolved and is not asked for',
      catalog: () =>
        catalogOf(
          [
            {
              applicability: windows,
              installed: exists(
                obj('o', 'file', { filepath: { operation: 'equals', datatype: 'string', varRef: 'var:ext' } }),
              ),
            },
          ],
          (c) => c.variables.set('var:ext', { kind: 'external', id: 'var:ext', datatype: 'string' }),
        ),
      inv: WIN7,
      want: {},
    },
    {
      name: 'a path from a constant variable is asked for, each value',
      catalog: () =>
        catalogOf(
          [
            {
              applicability: windows,
              installed: exists(
                obj('o', 'file', {
                  path: { operation: 'equals', datatype: 'string', varRef: 'var:dirs' },
                  filename: entity('x.dll'),
                }),
              ),
            },
          ],
          (c) =>
            c.variables.set('var:dirs', {
              kind: 'constant',
              id: 'var:dirs',
              datatype: 'string',
              values: ['D:\\app', 'C:\\app'],
            }),
        ),
      inv: WIN7,
      want: { files: ['C:\\app\\x.dll', 'D:\\app\\x.dll'] },
    },
  ];

  it.each(cases)('$name', ({ catalog, inv, want }) => {
    expect(probesNeeded(catalog(), inv)).toEqual({ ...NONE, ...want });
  });

  it('probes already in the inventory (present or absent) are not asked again', () => {
    const prepared = catalogOf([
      {
        applicability: windows,
        installed: and(
          file('o1', 'C:\\a.dll'),
          file('o2', 'C:\\b.dll'),
          regValue('r', 'SOFTWARE\\P', 'V', { behaviors: { windows_view: '32_bit' } }),
        ),
      },
    ]);
    const inv: Inventory = {
      ...WIN7,
      files: [{ path: 'c:/A.DLL', exists: false }],
      registry: [{ hive: HKLM, key: 'SOFTWARE\\P', name: 'V', view: '32_bit', exists: true, value: '1' }],
    };
    expect(probesNeeded(prepared, inv)).toEqual({ ...NONE, files: ['C:\\b.dll'] });
    // the native view is a different value: asking for the 32-bit one is not answered by it
    const native = { ...inv, registry: [{ hive: HKLM, key: 'SOFTWARE\\P', name: 'V', exists: true, value: '1' }] };
    expect(probesNeeded(prepared, native).registry).toEqual([reg('SOFTWARE\\P', 'V', '32_bit')]);
  });
});
