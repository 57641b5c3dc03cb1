import { describe, expect, it } from 'vitest';
import { PatchhiveError } from '../../errors.js';
import { importNativeCatalog } from './import.js';

const FIX = { id: 'f', applicability: { always: true }, installed: { always: true } };

function bulletin(id: string, extra: Record<string, unknown> = {}) {
  return { id, title: `bulletin ${id}`, severity: 'important', fixes: [FIX], ...extra };
}

function catalog(bulletins: unknown[], extra: Record<string, unknown> = {}) {
  return { format: 'patchhive.catalog/1', name: 'cat', bulletins, ...extra };
}

/** Imports (unsigned allowed) and returns the error it throws. */
function errorOf(doc: unknown, text?: string): PatchhiveError {
  const bytes = Buffer.from(text ?? JSON.stringify(doc, null, 2));
  try {
    importNativeCatalog(bytes, { file: 'bad.json', trustedKeys: [], allowUnsigned: true });
  } catch (err) {
    expect(err).toBeInstanceOf(PatchhiveError);
    return err as PatchhiveError;
  }
  throw new Error('expected the import to fail');
}

function withInstalled(installed: unknown) {
  return catalog([bulletin('A'), bulletin('B'), bulletin('C', { fixes: [{ ...FIX, installed }] })]);
}

describe('invalid catalogs give located messages', () => {
  it.each([
    [
      'severity of the wrong type',
      catalog([bulletin('A', { severity: 3 })]),
      '$.bulletins[0].severity',
      /expected one of/,
    ],
    [
      'unknown bulletin field',
      catalog([bulletin('A', { sevrity: 'low' })]),
      '$.bulletins[0]',
      /Unrecognized key: "sevrity"/,
    ],
    ['bad id characters', catalog([bulletin('A B')]), '$.bulletins[0].id', /letters, digits/],
    ['bad CVE', catalog([bulletin('A', { cves: ['CVE-24-1'] })]), '$.bulletins[0].cves[0]', /CVE id/],
    ['bad date', catalog([bulletin('A', { published: '2026-13-01' })]), '$.bulletins[0].published', /ISO date/],
    ['bad KB', catalog([bulletin('A', { kbs: ['4015549'] })]), '$.bulletins[0].kbs[0]', /KB number/],
    [
      'version comparison with a number',
      withInstalled({ dpkg: { name: 'x', version: { lt: 3 } } }),
      '$.bulletins[2].fixes[0].installed.dpkg.version.lt',
      /expected string/,
    ],
    [
      'version comparison with no operator',
      withInstalled({ dpkg: { name: 'x', version: {} } }),
      '$.bulletins[2].fixes[0].installed.dpkg.version',
      /needs an operator/,
    ],
    [
      'unknown operator',
      withInstalled({ dpkg: { name: 'x', version: { lessthan: '1' } } }),
      '$.bulletins[2].fixes[0].installed.dpkg.version',
      /unknown operator "lessthan"; expected lt, le, eq, ne, ge, gt/,
    ],
    [
      'unknown criterion',
      withInstalled({ dkpg: { name: 'x' } }),
      '$.bulletins[2].fixes[0].installed',
      /unknown criterion "dkpg"/,
    ],
    [
      'two keys in one criterion',
      withInstalled({ kb: 'KB1', always: true }),
      '$.bulletins[2].fixes[0].installed',
      /exactly one key; combine kb and always with "all" or "any"/,
    ],
    ['empty criterion', withInstalled({}), '$.bulletins[2].fixes[0].installed', /needs exactly one of all, any, not/],
    ['empty all', withInstalled({ all: [] }), '$.bulletins[2].fixes[0].installed.all', /expected array to have >=1/],
    [
      'dpkg with both name and source',
      withInstalled({ dpkg: { name: 'a', source: 'b' } }),
      '$.bulletins[2].fixes[0].installed.dpkg',
      /exactly one of "name".*or "source"/,
    ],
    [
      'file absent with a version',
      withInstalled({ file: { path: 'C:\\a.dll', exists: false, version: { lt: '1.0' } } }),
      '$.bulletins[2].fixes[0].installed.file',
      /cannot be combined/,
    ],
    [
      'registry hive misspelt',
      withInstalled({ registry: { hive: 'HKLM', key: 'K', name: 'N' } }),
      '$.bulletins[2].fixes[0].installed.registry.hive',
      /HKEY_LOCAL_MACHINE/,
    ],
    ['empty os', withInstalled({ os: {} }), '$.bulletins[2].fixes[0].installed.os', /at least one fact/],
    ['missing fixes', catalog([{ id: 'A', title: 't', severity: 'low' }]), '$.bulletins[0].fixes', /expected array/],
    ['missing top-level name', { format: 'patchhive.catalog/1', bulletins: [] }, '$.name', /expected string/],
  ])('%s', (_label, doc, path, message) => {
    const err = errorOf(doc);
    expect(err.code).toBe('E_INPUT_MALFORMED');
    expect(err.location).toMatchObject({ file: 'bad.json', path });
    expect(err.message).toMatch(message);
  });

  it.each([
    [
      'dpkg version with a space',
      { dpkg: { source: 'openssl', version: { lt: '3.0.22 -1' } } },
      '.dpkg.version.lt',
      /invalid dpkg version "3.0.22 -1"/,
    ],
    [
      'dpkg version without leading digit',
      { dpkg: { name: 'x', version: { ge: 'abc' } } },
      '.dpkg.version.ge',
      /invalid dpkg version/,
    ],
    [
      'rpm evr with a bad character',
      { rpm: { name: 'x', evr: { lt: '1:3.0/7-1' } } },
      '.rpm.evr.lt',
      /invalid rpm EVR/,
    ],
    [
      'file version not dotted',
      { file: { path: 'C:\\a.dll', version: { lt: '5.1.2600.x' } } },
      '.file.version.lt',
      /dotted numbers/,
    ],
    ['os version not dotted', { os: { version: { ge: '10.0 (22H2)' } } }, '.os.version.ge', /dotted numbers/],
  ])('bad version: %s', (_label, installed, suffix, message) => {
    const err = errorOf(withInstalled(installed));
    expect(err.code).toBe('E_VERSION_INVALID');
    expect(err.location).toMatchObject({ file: 'bad.json', path: `$.bulletins[2].fixes[0].installed${suffix}` });
    expect(err.message).toMatch(message);
  });

  it('bad package version is located too', () => {
    const err = errorOf(
      catalog([bulletin('A', { fixes: [{ ...FIX, package: { manager: 'dpkg', name: 'x', version: '1.0 beta' } }] })]),
    );
    expect(err.code).toBe('E_VERSION_INVALID');
    expect(err.location?.path).toBe('$.bulletins[0].fixes[0].package.version');
  });

  it.each([
    [
      'registry ordering needs a number',
      { registry: { hive: 'HKEY_LOCAL_MACHINE', key: 'K', name: 'N', value: { ge: 'x' } } },
      '.registry.value.ge',
      /whole numbers/,
    ],
    [
      'registry value without a name',
      { registry: { hive: 'HKEY_LOCAL_MACHINE', key: 'K', value: { eq: '1' } } },
      '.registry.value',
      /needs a value "name"/,
    ],
    [
      'bad regular expression',
      { registry: { hive: 'HKEY_LOCAL_MACHINE', key: 'K', name: 'N', value: { match: '(' } } },
      '.registry.value.match',
      /invalid regular expression/,
    ],
    [
      'textfile value needs one group',
      { textfile: { path: '/etc/x', pattern: '^a(b)(c)', value: { eq: 'b' } } },
      '.textfile.pattern',
      /exactly one capture group \(it has 2\)/,
    ],
  ])('semantic criterion rule: %s', (_label, installed, suffix, message) => {
    const err = errorOf(withInstalled(installed));
    expect(err.code).toBe('E_INPUT_MALFORMED');
    expect(err.location?.path).toBe(`$.bulletins[2].fixes[0].installed${suffix}`);
    expect(err.message).toMatch(message);
  });

  it.each([
    [
      'duplicate bulletin ids',
      catalog([bulletin('A'), bulletin('B'), bulletin('A')]),
      '$.bulletins[2].id',
      /duplicate bulletin id "A" \(also at \$\.bulletins\[0\]\)/,
    ],
    [
      'duplicate fix ids',
      catalog([bulletin('A', { fixes: [FIX, FIX] })]),
      '$.bulletins[0].fixes[1].id',
      /duplicate fix id "f"/,
    ],
    [
      'no fixes and no remediation',
      catalog([bulletin('A', { fixes: [] })]),
      '$.bulletins[0].fixes',
      /at least one fix, or "manualRemediation"/,
    ],
    [
      'supersedes an unknown id',
      catalog([bulletin('A', { supersedes: ['MS17-010'] })]),
      '$.bulletins[0].supersedes[0]',
      /not in this catalog; if it is in another catalog, write \{ "id": "MS17-010", "external": true \}/,
    ],
    [
      'supersedes itself',
      catalog([bulletin('A', { supersedes: ['A'] })]),
      '$.bulletins[0].supersedes[0]',
      /supersedes itself/,
    ],
    [
      'supersedence cycle',
      catalog([
        bulletin('A', { supersedes: ['C'] }),
        bulletin('B', { supersedes: ['A'] }),
        bulletin('C', { supersedes: ['B'] }),
      ]),
      '$.bulletins[0].supersedes',
      /supersedence cycle: A -> C -> B -> A/,
    ],
  ])('cross-reference rule: %s', (_label, doc, path, message) => {
    const err = errorOf(doc);
    expect(err.code).toBe('E_INPUT_MALFORMED');
    expect(err.location).toMatchObject({ file: 'bad.json', path });
    expect(err.message).toMatch(message);
  });

  it('counts the further problems', () => {
    const err = errorOf(catalog([bulletin('A'), bulletin('A'), bulletin('A')]));
    expect(err.message).toMatch(/\(and 1 more problem\)$/);
  });

  it('accepts what the rules allow: external supersedes, remediation-only bulletin without fixes', () => {
    const ok = catalog([
      bulletin('A', { supersedes: [{ id: 'MS17-010', external: true }] }),
      bulletin('B', { fixes: [], manualRemediation: 'Set X to Y.' }),
      bulletin('C', { supersedes: ['A'] }),
    ]);
    const cat = importNativeCatalog(Buffer.from(JSON.stringify(ok)), {
      file: 'ok.json',
      trustedKeys: [],
      allowUnsigned: true,
    });
    expect(cat.bulletins.map((b) => [b.id, b.supersedes])).toEqual([
      ['A', ['MS17-010']],
      ['B', []],
      ['C', ['A']],
    ]);
  });

  it('JSON syntax errors carry line and column', () => {
    const err = errorOf(undefined, '{\n  "format": "patchhive.catalog/1",\n  "name": "cat",\n  "bulletins": [,]\n}\n');
    expect(err.code).toBe('E_INPUT_MALFORMED');
    expect(err.location).toMatchObject({ file: 'bad.json', line: 4, column: 17 });
    expect(err.toOneLine()).toMatch(/^bad\.json:4:17: invalid JSON/);
  });

  it('truncated JSON points at the end', () => {
    const err = errorOf(undefined, '{\n  "format": "patchhive.catalog/1",\n  "bulletins": [');
    expect(err.location).toMatchObject({ line: 3, column: 17 });
  });

  it('unsupported format versions and foreign JSON are told apart', () => {
    const newer = errorOf({ format: 'patchhive.catalog/2', name: 'x', bulletins: [] });
    expect(newer.code).toBe('E_INPUT_MALFORMED');
    expect(newer.message).toMatch(
      /format "patchhive.catalog\/2" is not supported; this Patchhive reads patchhive.catalog\/1/,
    );
    expect(errorOf({ schema: 'patchhive.inventory/1' }).code).toBe('E_INPUT_UNKNOWN_FORMAT');
    expect(errorOf(undefined, '[1, 2]').code).toBe('E_INPUT_UNKNOWN_FORMAT');
  });

  it('invalid UTF-8 is refused', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"format": "patchhive.catalog/1", "name": "'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    expect(() => importNativeCatalog(bytes, { file: 'bad.json', trustedKeys: [], allowUnsigned: true })).toThrow(
      /not valid UTF-8/,
    );
  });
});
