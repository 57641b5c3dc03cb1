import { describe, expect, it } from 'vitest';
import type { Criterion, TestNode } from '../model.js';
import { compileNativeCatalog } from './compile.js';
import { nativeCatalogSchema, type NativeCatalogInput } from './schema.js';

/** Compiles a one-bulletin catalog whose fix has `installed` = the given criterion. */
function compileInstalled(installed: unknown): Criterion {
  const input: NativeCatalogInput = {
    format: 'patchhive.catalog/1',
    name: 'cat',
    bulletins: [
      {
        id: 'B-1',
        title: 't',
        severity: 'low',
        fixes: [{ id: 'f', applicability: { always: true }, installed: installed }],
      },
    ],
  };
  return compileNativeCatalog(nativeCatalogSchema.parse(input)).bulletins[0]!.fixes[0]!.installed;
}

const ID = 'cat:B-1:f:installed';
const s = (value: string, operation = 'equals', datatype = 'string') => ({ value, operation, datatype });

function state(field: string, entity: object, i = 0, id = ID, type?: string) {
  return { id: `${id}:ste${i}`, ...(type ? { type } : {}), fields: { [field]: entity }, operator: 'AND' };
}

describe('compile: criterion forms → model', () => {
  it.each([
    [
      'dpkg by source with a version (epoch 0 added, source_evr compared)',
      { dpkg: { source: 'openssl', version: { lt: '3.0.22-1~deb12u2' } } },
      'dpkginfo',
      { source: s('openssl') },
      [state('source_evr', s('0:3.0.22-1~deb12u2', 'less than', 'debian_evr_string'))],
      'at_least_one_exists',
    ],
    [
      'dpkg by name, epoch kept',
      { dpkg: { name: 'openssh-server', version: { ge: '1:9.2p1-2+deb12u9' } } },
      'dpkginfo',
      { name: s('openssh-server') },
      [state('evr', s('1:9.2p1-2+deb12u9', 'greater than or equal', 'debian_evr_string'))],
      'at_least_one_exists',
    ],
    [
      'dpkg installed at all',
      { dpkg: { name: 'libssl3' } },
      'dpkginfo',
      { name: s('libssl3') },
      [],
      'at_least_one_exists',
    ],
    [
      'rpm with evr',
      { rpm: { name: 'openssl', evr: { lt: '1:3.0.7-27.el9' } } },
      'rpminfo',
      { name: s('openssl') },
      [state('evr', s('1:3.0.7-27.el9', 'less than', 'evr_string'))],
      'at_least_one_exists',
    ],
    [
      'rpm evr without epoch gets 0:',
      { rpm: { name: 'bash', evr: { eq: '5.1.8-9.el9' } } },
      'rpminfo',
      { name: s('bash') },
      [state('evr', s('0:5.1.8-9.el9', 'equals', 'evr_string'))],
      'at_least_one_exists',
    ],
    [
      'file version',
      { file: { path: 'C:\\Windows\\System32\\netapi32.dll', version: { ge: '5.1.2600.3462' } } },
      'file',
      { filepath: s('C:\\Windows\\System32\\netapi32.dll') },
      [state('version', s('5.1.2600.3462', 'greater than or equal', 'version'))],
      'at_least_one_exists',
    ],
    [
      'file absent',
      { file: { path: '/etc/hosts.equiv', exists: false } },
      'file',
      { filepath: s('/etc/hosts.equiv') },
      [],
      'none_exist',
    ],
    [
      'registry value as text',
      { registry: { hive: 'HKEY_LOCAL_MACHINE', key: 'SYSTEM\\X', name: 'SMB1', value: { eq: '0' } } },
      'registry',
      { hive: s('HKEY_LOCAL_MACHINE'), key: s('SYSTEM\\X'), name: s('SMB1') },
      [state('value', s('0'))],
      'at_least_one_exists',
    ],
    [
      'registry value as number and pattern',
      { registry: { hive: 'HKEY_LOCAL_MACHINE', key: 'K', name: 'N', value: { ge: '2', match: '^[0-9]+$' } } },
      'registry',
      { hive: s('HKEY_LOCAL_MACHINE'), key: s('K'), name: s('N') },
      [state('value', s('2', 'greater than or equal', 'int')), state('value', s('^[0-9]+$', 'pattern match'), 1)],
      'at_least_one_exists',
    ],
    [
      'registry key itself (no name: nil entity)',
      { registry: { hive: 'HKEY_LOCAL_MACHINE', key: 'SOFTWARE\\Contoso' } },
      'registry',
      { hive: s('HKEY_LOCAL_MACHINE'), key: s('SOFTWARE\\Contoso'), name: { operation: 'equals', datatype: 'string' } },
      [],
      'at_least_one_exists',
    ],
    [
      'os facts: one state per condition',
      { os: { family: 'windows', build: { ge: 19045 }, version: { lt: '10.0.19045.6216' } } },
      'os',
      {},
      [
        state('family', s('windows')),
        state('build', s('19045', 'greater than or equal', 'int'), 1),
        state('version', s('10.0.19045.6216', 'less than', 'version'), 2),
      ],
      'at_least_one_exists',
    ],
    ['kb', { kb: 'KB4015549' }, 'kb', { kb: s('KB4015549') }, [], 'at_least_one_exists'],
    [
      'product with version range',
      { product: { name: 'Contoso Agent', version: { ge: '4.0', lt: '4.2.1' } } },
      'product',
      { name: s('Contoso Agent') },
      // operators compile in a fixed order (lt, le, eq, ne, ge, gt, match), not as written
      [
        state('version', s('4.2.1', 'less than', 'version')),
        state('version', s('4.0', 'greater than or equal', 'version'), 1),
      ],
      'at_least_one_exists',
    ],
    [
      'textfile with value (textfilecontent54)',
      { textfile: { path: '/etc/ssh/sshd_config', pattern: '^PermitRootLogin\\s+(\\S+)', value: { eq: 'no' } } },
      'textfilecontent54',
      {
        filepath: s('/etc/ssh/sshd_config'),
        pattern: s('^PermitRootLogin\\s+(\\S+)', 'pattern match'),
        instance: s('1', 'greater than or equal', 'int'),
      },
      [state('subexpression', s('no'))],
      'at_least_one_exists',
    ],
    [
      'textfile: no matching line, one instance',
      { textfile: { path: '/etc/x', pattern: '^bad', instance: 2, exists: false } },
      'textfilecontent54',
      { filepath: s('/etc/x'), pattern: s('^bad', 'pattern match'), instance: s('2', 'equals', 'int') },
      [],
      'none_exist',
    ],
  ])('%s', (_label, written, type, objectFields, states, existence) => {
    const c = compileInstalled(written) as TestNode;
    expect(c.kind).toBe('test');
    expect(c.negate).toBeUndefined();
    expect(c.test).toMatchObject({
      id: ID,
      check: 'all',
      checkExistence: existence,
      stateOperator: 'AND',
      object: { id: `${ID}:obj`, type, fields: objectFields },
    });
    expect(c.test.object.fields).toEqual(objectFields);
    expect(c.test.states).toEqual(states.map((st) => ({ ...st, type })));
    expect(c.test.comment).toBeTruthy();
  });

  it('all / any become AND / OR criteria with path ids', () => {
    const c = compileInstalled({ all: [{ kb: 'KB1' }, { any: [{ kb: 'KB2' }, { always: false }] }] });
    expect(c).toMatchObject({
      kind: 'criteria',
      operator: 'AND',
      children: [
        { kind: 'test', test: { id: `${ID}.all[0]` } },
        {
          kind: 'criteria',
          operator: 'OR',
          children: [
            { kind: 'test', test: { id: `${ID}.all[1].any[0]` } },
            { kind: 'const', value: false },
          ],
        },
      ],
    });
  });

  it('not negates a test, double not cancels, not of a constant flips it', () => {
    expect(compileInstalled({ not: { kb: 'KB1' } })).toMatchObject({
      kind: 'test',
      negate: true,
      test: { id: `${ID}.not` },
    });
    const twice = compileInstalled({ not: { not: { kb: 'KB1' } } });
    expect(twice.kind).toBe('test');
    expect((twice as TestNode).negate).toBeUndefined();
    expect(compileInstalled({ not: { always: true } })).toMatchObject({ kind: 'const', value: false });
    expect(compileInstalled({ not: { all: [{ kb: 'KB1' }] } })).toMatchObject({ kind: 'criteria', negate: true });
  });

  it('always is a constant', () => {
    expect(compileInstalled({ always: true })).toEqual({ kind: 'const', value: true, comment: 'always' });
  });

  it('is deterministic', () => {
    const c = {
      all: [{ dpkg: { source: 'openssl', version: { ge: '3.0.22-1~deb12u2' } } }, { os: { codename: 'bookworm' } }],
    };
    expect(compileInstalled(c)).toEqual(compileInstalled(c));
  });

  it('bulletin fields: source native, defaults, fix KBs merged into the bulletin', () => {
    const doc = nativeCatalogSchema.parse({
      format: 'patchhive.catalog/1',
      name: 'cat',
      bulletins: [
        {
          id: 'A',
          title: 'a',
          severity: 'low',
          fixes: [{ id: 'f', applicability: { always: true }, installed: { always: true } }],
        },
        {
          id: 'B',
          title: 'b',
          severity: 'critical',
          kbs: ['KB1'],
          supersedes: ['A', { id: 'MS17-010', external: true }],
          fixes: [
            {
              id: 'f',
              kb: 'KB2',
              available: false,
              applicability: { always: true },
              installed: { always: false },
              knownFileHashes: [{ path: 'C:\\x.dll', sha256: ['AB'.repeat(32)] }],
            },
          ],
        },
      ],
    });
    const cat = compileNativeCatalog(doc);
    expect(cat).toMatchObject({ name: 'cat', format: 'patchhive.catalog/1' });
    expect(cat.bulletins[0]).toMatchObject({ source: 'native', class: 'patch', cves: [], kbs: [], supersedes: [] });
    expect(cat.bulletins[1]).toMatchObject({ kbs: ['KB1', 'KB2'], supersedes: ['A', 'MS17-010'] });
    expect(cat.bulletins[1]!.fixes[0]).toMatchObject({
      id: 'f',
      available: false,
      knownFileHashes: [{ path: 'C:\\x.dll', sha256: ['ab'.repeat(32)] }],
    });
  });
});
