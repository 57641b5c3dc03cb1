import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../inventory/model.js';
import { evaluate } from '../../detect/evaluate.js';
import { importOval } from './oval.js';

const NS =
  'xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:lin="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent" xmlns:unix="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix" xmlns:win="http://oval.mitre.org/XMLSchema/oval-definitions-5#windows"';

/** A one-definition OVAL document around the given criteria and items. */
function doc(
  criteria: string,
  items: { tests?: string; objects?: string; states?: string; variables?: string } = {},
): string {
  return `<?xml version="1.0"?><oval_definitions ${NS}>
<generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2026-01-01T00:00:00</oval:timestamp></generator>
<definitions><definition id="oval:t:def:1" version="1" class="vulnerability"><metadata><title>T</title><description/>
<reference source="CVE" ref_id="CVE-2026-0001"/><advisory><severity>Important</severity><issued date="2026-01-02"/></advisory></metadata>
${criteria}</definition></definitions>
<tests>${items.tests ?? ''}</tests><objects>${items.objects ?? ''}</objects><states>${items.states ?? ''}</states>${items.variables ? `<variables>${items.variables}</variables>` : ''}
</oval_definitions>`;
}

const dpkg = (id: number, name: string, op: string, evr: string) => ({
  tests: `<lin:dpkginfo_test id="oval:t:tst:${id}" version="1" check="all"><lin:object object_ref="oval:t:obj:${id}"/><lin:state state_ref="oval:t:ste:${id}"/></lin:dpkginfo_test>`,
  objects: `<lin:dpkginfo_object id="oval:t:obj:${id}" version="1"><lin:name>${name}</lin:name></lin:dpkginfo_object>`,
  states: `<lin:dpkginfo_state id="oval:t:ste:${id}" version="1"><lin:evr datatype="debian_evr_string" operation="${op}">${evr}</lin:evr></lin:dpkginfo_state>`,
});

function merge(...parts: { tests?: string; objects?: string; states?: string; variables?: string }[]) {
  const out = { tests: '', objects: '', states: '', variables: '' };
  for (const p of parts) for (const k of Object.keys(out) as (keyof typeof out)[]) out[k] += p[k] ?? '';
  return out;
}

const machine = (packages: [string, string][], extra: Partial<Inventory> = {}): Inventory => ({
  schema: 'patchhive.inventory/1',
  machine: { name: 'm' },
  collectedAt: '2026-01-01T00:00:00Z',
  os: { family: 'unix', platform: 'debian', kernel: { name: 'Linux', release: '6.1.0', machine: 'x86_64' } },
  packages: { manager: 'dpkg', items: packages.map(([name, version]) => ({ name, version })) },
  ...extra,
});

async function verdict(xml: string, inv: Inventory): Promise<string> {
  const catalog = await importOval(Readable.from([xml]), { file: 't.xml' });
  return evaluate(catalog, inv).find((f) => f.bulletin === 'oval:t:def:1')?.status ?? 'not-applicable';
}

describe('OVAL import and evaluation', () => {
  it('reads metadata: CVEs, severity, dates', async () => {
    const c = await importOval(
      Readable.from([
        doc('<criteria><criterion test_ref="oval:t:tst:1"/></criteria>', dpkg(1, 'a', 'less than', '0:2')),
      ]),
      { file: 't.xml' },
    );
    expect(c.bulletins[0]).toMatchObject({
      id: 'oval:t:def:1',
      cves: ['CVE-2026-0001'],
      severity: 'important',
      published: '2026-01-02',
      class: 'vulnerability',
    });
  });

  const ab = merge(dpkg(1, 'a', 'less than', '0:2'), dpkg(2, 'b', 'less than', '0:2'));
  it.each([
    [
      'AND both old',
      '<criteria operator="AND"><criterion test_ref="oval:t:tst:1"/><criterion test_ref="oval:t:tst:2"/></criteria>',
      [
        ['a', '1'],
        ['b', '1'],
      ],
      'missing',
    ],
    [
      'AND one new',
      '<criteria operator="AND"><criterion test_ref="oval:t:tst:1"/><criterion test_ref="oval:t:tst:2"/></criteria>',
      [
        ['a', '1'],
        ['b', '3'],
      ],
      'installed',
    ],
    [
      'OR one old',
      '<criteria operator="OR"><criterion test_ref="oval:t:tst:1"/><criterion test_ref="oval:t:tst:2"/></criteria>',
      [
        ['a', '3'],
        ['b', '1'],
      ],
      'missing',
    ],
    [
      'OR none installed',
      '<criteria operator="OR"><criterion test_ref="oval:t:tst:1"/><criterion test_ref="oval:t:tst:2"/></criteria>',
      [['c', '1']],
      'not-applicable',
    ],
    [
      'negated criterion',
      '<criteria><criterion test_ref="oval:t:tst:1" negate="true"/></criteria>',
      [['a', '3']],
      'missing',
    ],
    // a false negated or ONE/XOR root says nothing about presence: not-applicable, never missing
    [
      'negated criteria, false',
      '<criteria negate="true"><criterion test_ref="oval:t:tst:1"/></criteria>',
      [['a', '1']],
      'not-applicable',
    ],
    [
      'negated criteria, true',
      '<criteria negate="true"><criterion test_ref="oval:t:tst:1"/></criteria>',
      [['a', '3']],
      'missing',
    ],
    [
      'ONE of two, both true',
      '<criteria operator="ONE"><criterion test_ref="oval:t:tst:1"/><criterion test_ref="oval:t:tst:2"/></criteria>',
      [
        ['a', '1'],
        ['b', '1'],
      ],
      'not-applicable',
    ],
    [
      'ONE of two, one true',
      '<criteria operator="ONE"><criterion test_ref="oval:t:tst:1"/><criterion test_ref="oval:t:tst:2"/></criteria>',
      [
        ['a', '1'],
        ['b', '3'],
      ],
      'missing',
    ],
    [
      'XOR of two',
      '<criteria operator="XOR"><criterion test_ref="oval:t:tst:1"/><criterion test_ref="oval:t:tst:2"/></criteria>',
      [
        ['a', '1'],
        ['b', '3'],
      ],
      'missing',
    ],
  ] as const)('%s', async (_name, criteria, pkgs, want) => {
    expect(await verdict(doc(criteria, ab), machine(pkgs.map(([n, v]) => [n, v])))).toBe(want);
  });

  it('a test type Patchhive cannot evaluate is unknown, not false', async () => {
    const xml = doc('<criteria><criterion test_ref="oval:t:tst:9"/></criteria>', {
      tests:
        '<ind:environmentvariable58_test id="oval:t:tst:9" version="1"><ind:object object_ref="oval:t:obj:9"/></ind:environmentvariable58_test>',
      objects:
        '<ind:environmentvariable58_object id="oval:t:obj:9" version="1"><ind:pid xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/><ind:name>PATH</ind:name></ind:environmentvariable58_object>',
    });
    expect(await verdict(xml, machine([]))).toBe('unknown');
  });

  it('uname, constant variables and extend_definition', async () => {
    const xml = doc(
      '<criteria><extend_definition definition_ref="oval:t:def:2"/><criterion test_ref="oval:t:tst:1"/></criteria></definition><definition id="oval:t:def:2" version="1" class="inventory"><metadata><title>x86_64 kernel</title><description/></metadata><criteria><criterion test_ref="oval:t:tst:3"/></criteria>',
      merge(
        {
          tests:
            '<lin:dpkginfo_test id="oval:t:tst:1" version="1" check="all"><lin:object object_ref="oval:t:obj:1"/><lin:state state_ref="oval:t:ste:1"/></lin:dpkginfo_test>',
          objects:
            '<lin:dpkginfo_object id="oval:t:obj:1" version="1"><lin:name var_ref="oval:t:var:1"/></lin:dpkginfo_object>',
          states:
            '<lin:dpkginfo_state id="oval:t:ste:1" version="1"><lin:evr datatype="debian_evr_string" operation="less than">0:2</lin:evr></lin:dpkginfo_state>',
          variables:
            '<constant_variable id="oval:t:var:1" version="1" datatype="string" comment="c"><value>a</value></constant_variable>',
        },
        {
          tests:
            '<unix:uname_test id="oval:t:tst:3" version="1" check="all"><unix:object object_ref="oval:t:obj:3"/><unix:state state_ref="oval:t:ste:3"/></unix:uname_test>',
          objects: '<unix:uname_object id="oval:t:obj:3" version="1"/>',
          states:
            '<unix:uname_state id="oval:t:ste:3" version="1"><unix:machine_class>x86_64</unix:machine_class></unix:uname_state>',
        },
      ),
    );
    expect(await verdict(xml, machine([['a', '1']]))).toBe('missing');
    expect(
      await verdict(
        xml,
        machine([['a', '1']], {
          os: { family: 'unix', platform: 'debian', kernel: { name: 'Linux', release: '6', machine: 'aarch64' } },
        }),
      ),
    ).toBe('not-applicable');
  });

  it('filehash58 compares the collected SHA-256', async () => {
    const sha = 'ab'.repeat(32);
    const xml = doc('<criteria><criterion test_ref="oval:t:tst:5"/></criteria>', {
      tests:
        '<ind:filehash58_test id="oval:t:tst:5" version="1" check="all"><ind:object object_ref="oval:t:obj:5"/><ind:state state_ref="oval:t:ste:5"/></ind:filehash58_test>',
      objects:
        '<ind:filehash58_object id="oval:t:obj:5" version="1"><ind:filepath>C:\\Windows\\x.dll</ind:filepath><ind:hash_type>SHA-256</ind:hash_type></ind:filehash58_object>',
      states: `<ind:filehash58_state id="oval:t:ste:5" version="1"><ind:hash operation="not equal">${sha}</ind:hash></ind:filehash58_state>`,
    });
    const win = (hash: string): Inventory => ({
      schema: 'patchhive.inventory/1',
      machine: { name: 'w' },
      collectedAt: '2026-01-01T00:00:00Z',
      os: { family: 'windows', platform: 'windows' },
      files: [{ path: 'C:\\Windows\\x.dll', exists: true, sha256: hash }],
    });
    expect(await verdict(xml, win('cd'.repeat(32)))).toBe('missing');
    expect(await verdict(xml, win(sha))).toBe('installed');
  });

  it.each([
    ['dangling test_ref', doc('<criteria><criterion test_ref="oval:t:tst:404"/></criteria>'), /test oval:t:tst:404/],
    ['empty criteria', doc('<criteria></criteria>'), /has no criterion/],
    [
      'bad version',
      doc('<criteria><criterion test_ref="oval:t:tst:1"/></criteria>', dpkg(1, 'a', 'less than', 'not a version')),
      /version/,
    ],
    ['extend cycle', doc('<criteria><extend_definition definition_ref="oval:t:def:1"/></criteria>'), /cycle/],
    ['not OVAL', '<?xml version="1.0"?><html/>', /not an OVAL/],
    [
      'truncated',
      doc('<criteria><criterion test_ref="oval:t:tst:1"/></criteria>', dpkg(1, 'a', 'less than', '0:2')).slice(0, 600),
      /not well-formed|unclosed/,
    ],
  ])('refuses %s with a located error', async (_name, xml, message) => {
    await expect(importOval(Readable.from([xml]), { file: 't.xml' })).rejects.toMatchObject({
      message: expect.stringMatching(message),
      location: expect.objectContaining({ file: 't.xml' }),
    });
  });
});
