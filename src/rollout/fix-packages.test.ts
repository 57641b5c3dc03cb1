import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { importOval } from '../catalog/import/oval.js';
import type { Fix } from '../catalog/model.js';
import { fixPackages } from './fix-packages.js';

const NS =
  'xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:linux-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"';

/** A Debian-style OVAL definition: "NAME is earlier than EVR" for each package. */
function ovalDoc(pkgs: [string, string, string?][]): string {
  const crit = pkgs.map((_, i) => `<criterion test_ref="oval:t:tst:${i}" comment="pkg ${i}"/>`).join('');
  const tests = pkgs
    .map(
      (_, i) =>
        `<linux-def:dpkginfo_test id="oval:t:tst:${i}" version="1" check="all" check_existence="at_least_one_exists" comment="t"><linux-def:object object_ref="oval:t:obj:${i}"/><linux-def:state state_ref="oval:t:ste:${i}"/></linux-def:dpkginfo_test>`,
    )
    .join('');
  const objects = pkgs
    .map(
      ([name], i) =>
        `<linux-def:dpkginfo_object id="oval:t:obj:${i}" version="1"><linux-def:name>${name}</linux-def:name></linux-def:dpkginfo_object>`,
    )
    .join('');
  const states = pkgs
    .map(
      ([, evr, op], i) =>
        `<linux-def:dpkginfo_state id="oval:t:ste:${i}" version="1"><linux-def:evr datatype="debian_evr_string" operation="${op ?? 'less than'}">${evr}</linux-def:evr></linux-def:dpkginfo_state>`,
    )
    .join('');
  return `<?xml version="1.0"?><oval_definitions ${NS}><generator><schema_version>5.11</schema_version><timestamp>2026-01-01T00:00:00</timestamp></generator>
<definitions><definition id="oval:t:def:1" version="1" class="patch"><metadata><title>t</title><description>d</description></metadata>
<criteria operator="OR">${crit}</criteria></definition></definitions>
<tests>${tests}</tests><objects>${objects}</objects><states>${states}</states></oval_definitions>`;
}

async function ovalFix(pkgs: [string, string, string?][]): Promise<Fix> {
  const catalog = await importOval(Readable.from([ovalDoc(pkgs)]), { file: 't.xml' });
  return catalog.bulletins[0]!.fixes[0]!;
}

describe('fixPackages', () => {
  it('takes package and version from a fix that names them', () => {
    const fix = {
      id: 'f',
      package: { manager: 'dpkg', name: 'openssl', version: '3.0.17-1~deb12u3' },
      available: true,
      applicability: { kind: 'const', value: true },
      installed: { kind: 'const', value: false },
    } as Fix;
    expect(fixPackages(fix, 'dpkg')).toEqual([{ name: 'openssl', version: '3.0.17-1~deb12u3' }]);
    expect(fixPackages(fix, 'rpm')).toEqual([]);
  });

  it('reads "earlier than" tests of an OVAL definition, dropping a zero epoch and keeping another', async () => {
    const fix = await ovalFix([
      ['apt', '0:2.6.2'],
      ['libapt-pkg6.0', '0:2.6.2'],
      ['perl-base', '1:5.36.0-7+deb12u4'],
    ]);
    expect(fixPackages(fix, 'dpkg')).toEqual([
      { name: 'apt', version: '2.6.2' },
      { name: 'libapt-pkg6.0', version: '2.6.2' },
      { name: 'perl-base', version: '1:5.36.0-7+deb12u4' },
    ]);
    expect(fixPackages(fix, 'rpm')).toEqual([]);
  });

  it('ignores tests that do not say "less than" a version', async () => {
    const fix = await ovalFix([
      ['tzdata', '0:2026f-0+deb12u1', 'greater than or equal'],
      ['apt', '0:2.6.2'],
    ]);
    expect(fixPackages(fix, 'dpkg').map((p) => p.name)).toEqual(['apt']);
  });
});
