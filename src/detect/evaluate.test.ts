import { describe, expect, it } from 'vitest';
import type { Bulletin, Catalog, Criterion, Fix } from '../catalog/model.js';
import { emptyCatalog } from '../catalog/model.js';
import { constNode, entity, kbTest, state, test, testNode } from '../catalog/import/criteria-builders.js';
import type { Inventory } from '../inventory/model.js';
import { evaluate } from './evaluate.js';
import { checkResult } from './evaluate-test.js';
import { combine, type Result } from './tri.js';

const T: Result = 'true';
const F: Result = 'false';
const U: Result = 'unknown';

describe('three-valued operators', () => {
  it.each([
    ['AND', [T, T], T],
    ['AND', [T, F], F],
    ['AND', [T, U], U],
    ['AND', [F, U], F],
    ['OR', [F, F], F],
    ['OR', [F, T], T],
    ['OR', [F, U], U],
    ['OR', [T, U], T],
    ['ONE', [T, F], T],
    ['ONE', [T, T], F],
    ['ONE', [T, U], U],
    ['ONE', [F, F], F],
    ['XOR', [T, T], F],
    ['XOR', [T, F], T],
    ['XOR', [T, U], U],
  ] as const)('%s %j = %s', (op, rs, want) => {
    expect(combine(op, [...rs])).toBe(want);
  });

  it.each([
    ['all', [T, T], T],
    ['all', [T, F], F],
    ['all', [T, U], U],
    ['at least one', [F, T], T],
    ['at least one', [F, U], U],
    ['at least one', [F, F], F],
    ['none satisfy', [F, F], T],
    ['none satisfy', [T, F], F],
    ['none satisfy', [F, U], U],
    ['only one', [T, F], T],
    ['only one', [T, T], F],
    ['only one', [F, F], F],
  ] as const)('check %s over %j = %s', (check, rs, want) => {
    expect(checkResult(check, [...rs])).toBe(want);
  });
});

function debian(packages: [string, string][], extra: Partial<Inventory> = {}): Inventory {
  return {
    schema: 'patchhive.inventory/1',
    machine: { name: 'm1' },
    collectedAt: '2026-11-21T00:00:00Z',
    os: { family: 'unix', platform: 'debian', release: '12', codename: 'bookworm' },
    packages: { manager: 'dpkg', items: packages.map(([name, version]) => ({ name, version, source: name })) },
    ...extra,
  };
}

function dpkgBelow(id: string, name: string, fixed: string): Criterion {
  return testNode(
    test({
      id: `tst:${id}`,
      object: { id: `obj:${name}`, type: 'dpkginfo', fields: { name: entity(name) } },
      states: [state(`ste:${id}`, 'dpkginfo', { evr: entity(fixed, 'less than', 'debian_evr_string') })],
    }),
  );
}

function present(name: string): Criterion {
  return testNode(
    test({ id: `tst:has:${name}`, object: { id: `obj:${name}`, type: 'dpkginfo', fields: { name: entity(name) } } }),
  );
}

function bulletin(
  id: string,
  fix: Partial<Fix> & Pick<Fix, 'applicability' | 'installed'>,
  extra: Partial<Bulletin> = {},
): Bulletin {
  return {
    id,
    source: 'test',
    title: id,
    severity: 'important',
    cves: [],
    kbs: [],
    references: [],
    supersedes: [],
    class: 'patch',
    fixes: [{ id: `${id}/fix`, available: true, ...fix }],
    ...extra,
  };
}

function catalogOf(bulletins: Bulletin[]): Catalog {
  const c = emptyCatalog('test', 'test');
  c.bulletins = bulletins;
  return c;
}

/** A bulletin fixed in `fixed` of package `name`: applicable when installed, installed when not older. */
function pkgBulletin(id: string, name: string, fixed: string, extra: Partial<Bulletin> = {}): Bulletin {
  const below = dpkgBelow(id, name, fixed);
  return bulletin(
    id,
    {
      applicability: present(name),
      installed: { ...below, negate: true } as Criterion,
      package: { manager: 'dpkg', name, version: fixed },
    },
    extra,
  );
}

const statusOf = (cat: Catalog, inv: Inventory) =>
  Object.fromEntries(evaluate(cat, inv).map((f) => [f.bulletin, f.status]));

describe('fix verdicts', () => {
  const cat = catalogOf([pkgBulletin('B1', 'libssl3', '3.0.22-1~deb12u2')]);
  it.each([
    ['3.0.20-1~deb12u2', 'missing'],
    ['3.0.22-1~deb12u2', 'installed'],
    ['3.0.22-1~deb12u3', 'installed'],
    ['1:1.0', 'installed'],
  ])('libssl3 %s → %s', (version, want) => {
    expect(statusOf(cat, debian([['libssl3', version]]))).toEqual({ B1: want });
  });

  it('a machine without the package gets no finding', () => {
    expect(evaluate(cat, debian([['bash', '5.2']]))).toEqual([]);
  });

  it('says why, in a sentence', () => {
    const [f] = evaluate(cat, debian([['libssl3', '3.0.20-1~deb12u2']]));
    expect(f!.evidence.map((e) => e.message)).toEqual([
      'libssl3 3.0.20-1~deb12u2 is earlier than the fixed 3.0.22-1~deb12u2',
    ]);
  });

  it('a fix not available yet makes an installed product affected', () => {
    const c = catalogOf([
      bulletin('B2', { applicability: present('tar'), installed: constNode(false), available: false }),
    ]);
    expect(statusOf(c, debian([['tar', '1.34']]))).toEqual({ B2: 'affected' });
  });

  it('an unsupported test is unknown, never false', () => {
    const odd = testNode(test({ id: 'tst:odd', object: { id: 'obj:odd', type: 'win-def:wmi57', fields: {} } }));
    const c = catalogOf([bulletin('B3', { applicability: odd, installed: odd })]);
    const [f] = evaluate(c, debian([]));
    expect(f!.status).toBe('unknown');
    expect(f!.evidence[0]!.message).toMatch(/not supported/);
  });
});

describe('supersedence', () => {
  const cat = catalogOf([
    pkgBulletin('OLD', 'openssl', '3.0.10'),
    pkgBulletin('MID', 'openssl', '3.0.15', { supersedes: ['OLD'] }),
    pkgBulletin('NEW', 'openssl', '3.0.20', { supersedes: ['MID'] }),
  ]);
  it('only the newest missing bulletin is reported missing', () => {
    const got = evaluate(cat, debian([['openssl', '3.0.1']]));
    expect(Object.fromEntries(got.map((f) => [f.bulletin, [f.status, f.supersededBy]]))).toEqual({
      OLD: ['superseded', 'NEW'],
      MID: ['superseded', 'NEW'],
      NEW: ['missing', undefined],
    });
  });
  it('an installed newer bulletin does not hide an older missing one', () => {
    const c = catalogOf([
      pkgBulletin('A', 'zlib1g', '1.3'),
      pkgBulletin('B', 'libz-other', '1.0', { supersedes: ['A'] }),
    ]);
    expect(
      statusOf(
        c,
        debian([
          ['zlib1g', '1.2'],
          ['libz-other', '1.0'],
        ]),
      ),
    ).toEqual({ A: 'missing', B: 'installed' });
  });
});

describe('classic checker warnings', () => {
  const win = (files: Inventory['files'], kbs: string[]): Inventory => ({
    schema: 'patchhive.inventory/1',
    machine: { name: 'w1' },
    collectedAt: '2026-11-21T00:00:00Z',
    os: { family: 'windows', platform: 'windows', arch: 'x86' },
    kbs,
    files,
    registry: [],
  });
  const path = 'C:\\WINDOWS\\system32\\netapi32.dll';
  const fileTest = test({
    id: 'tst:netapi',
    object: { id: 'obj:netapi', type: 'file', fields: { filepath: entity(path) } },
    states: [state('ste:netapi', 'file', { version: entity('5.1.2600.3462', 'less than', 'version') })],
  });
  const fileExists = test({
    id: 'tst:netapi-exists',
    object: { id: 'obj:netapi', type: 'file', fields: { filepath: entity(path) } },
  });
  const cat = catalogOf([
    bulletin('MS08-067', {
      applicability: testNode(fileExists),
      installed: testNode(fileTest, { negate: true }),
      installedMarker: testNode(kbTest({ id: 'tst:kb', objectId: 'obj:kb', kb: 'KB958644' })),
      knownFileHashes: [{ path, sha256: ['a'.repeat(64)] }],
    }),
  ]);
  it('registered as installed but the file is older: reinstall needed', () => {
    const [f] = evaluate(
      cat,
      win([{ path, exists: true, version: '5.1.2600.2180', sha256: 'b'.repeat(64) }], ['KB958644']),
    );
    expect(f!.status).toBe('missing');
    expect(f!.evidence[0]!.message).toBe('netapi32.dll version 5.1.2600.2180 is less than 5.1.2600.3462');
    expect(f!.warnings.join('\n')).toMatch(/reinstall needed/);
  });
  it('file version fine but checksum unknown', () => {
    const [f] = evaluate(cat, win([{ path, exists: true, version: '5.1.2600.3462', sha256: 'c'.repeat(64) }], []));
    expect(f!.status).toBe('installed');
    expect(f!.warnings.join('\n')).toMatch(/version is fine but checksum .* is unknown/);
  });
  it('no warning when the checksum is a known build', () => {
    const [f] = evaluate(cat, win([{ path, exists: true, version: '5.1.2600.3462', sha256: 'a'.repeat(64) }], []));
    expect(f!.warnings).toEqual([]);
  });
});
