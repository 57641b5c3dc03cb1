/** The XML text of the generated Debian-layout OVAL feed: definitions, tests, objects, states. */
import type { Rng } from './prng.js';
import { advisoryText } from './text.js';
import { esc } from './xml-writer.js';

/** single: one dpkginfo test; multi: an OR of binaries; arch: plus an amd64-only section. */
export type Shape = 'single' | 'multi' | 'arch';
/** One dpkginfo test: its number (test and state id), the package and the fixed evr. */
export interface PkgTest {
  num: number;
  name: string;
  evr: string;
  arch: boolean;
}
/** One definition before it is written. */
export interface DefSpec {
  id: string;
  cve: string;
  product: string;
  shape: Shape;
  tests: PkgTest[];
  dsa?: number;
}

export const NS = 'oval:org.debian.oval';

function testRef(t: PkgTest): string {
  return `<criterion test_ref="${NS}:tst:${t.num}" comment="${esc(t.name)} DPKG is earlier than ${esc(t.evr.replace(/^0:/, ''))}"/>`;
}

function criteriaXml(d: DefSpec): string {
  const pkgTests = d.tests.filter((t) => !t.arch);
  const inner =
    pkgTests.length === 1
      ? testRef(pkgTests[0]!)
      : `<criteria comment="Binary packages" operator="OR">${pkgTests.map(testRef).join('')}</criteria>`;
  const indep = `<criteria comment="Architecture independent section" operator="AND"><criterion test_ref="${NS}:tst:2" comment="all architecture"/>${inner}</criteria>`;
  const archTest = d.tests.find((t) => t.arch);
  const dep = archTest
    ? `<criteria comment="Architecture dependent section" operator="AND"><criterion test_ref="${NS}:tst:3" comment="amd64 architecture"/>${testRef(archTest)}</criteria>`
    : '';
  return `      <criteria comment="Release section" operator="AND">
        <criterion test_ref="${NS}:tst:1" comment="Debian 12 is installed"/>
        <criteria comment="Architecture section" operator="OR">${indep}${dep}</criteria>
      </criteria>
`;
}

/** One <definition> with Debian's metadata and criteria layout. */
export function definitionXml(d: DefSpec, rng: Rng): string {
  const p = esc(d.product);
  const debian =
    d.dsa !== undefined ? `\n        <debian><dsa>DSA-${d.dsa}-1</dsa><moreinfo>no info</moreinfo></debian>` : '';
  return `    <definition id="${d.id}" version="1" class="vulnerability">
      <metadata>
        <title>${d.cve} ${p}</title>
        <affected family="unix">
          <platform>Debian GNU/Linux 12</platform>
          <product>${p}</product>
        </affected>
        <reference source="CVE" ref_id="${d.cve}" ref_url="https://cve.mitre.org/cgi-bin/cvename.cgi?name=${d.cve}"/>
        <description>${esc(advisoryText(d.product, rng))}</description>${debian}
      </metadata>
${criteriaXml(d)}    </definition>
`;
}

export const HEADER = `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:ind-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent" xmlns:linux-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:unix-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent independent-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-definitions-5#linux linux-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-definitions-5#unix unix-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-definitions-5 oval-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-common-5 oval-common-schema.xsd">
  <generator>
    <oval:product_name>Patchhive bench generator (Debian OVAL layout)</oval:product_name>
    <oval:schema_version>5.11.2</oval:schema_version>
    <oval:timestamp>2026-11-21T00:00:00</oval:timestamp>
  </generator>
`;

export const FIXED_TESTS = `    <ind-def:textfilecontent54_test id="${NS}:tst:1" version="1" check="all" check_existence="at_least_one_exists" comment="Debian GNU/Linux 12 is installed">
      <ind-def:object object_ref="${NS}:obj:1"/>
      <ind-def:state state_ref="${NS}:ste:1"/>
    </ind-def:textfilecontent54_test>
    <unix-def:uname_test id="${NS}:tst:2" version="1" check="all" check_existence="at_least_one_exists" comment="Installed architecture is all">
      <unix-def:object object_ref="${NS}:obj:2"/>
    </unix-def:uname_test>
    <unix-def:uname_test id="${NS}:tst:3" version="1" check="all" check_existence="at_least_one_exists" comment="Installed architecture is amd64">
      <unix-def:object object_ref="${NS}:obj:2"/>
      <unix-def:state state_ref="${NS}:ste:2"/>
    </unix-def:uname_test>
`;

export const FIXED_OBJECTS = `    <ind-def:textfilecontent54_object id="${NS}:obj:1" version="1">
      <ind-def:path>/etc</ind-def:path>
      <ind-def:filename>debian_version</ind-def:filename>
      <ind-def:pattern operation="pattern match">(\\d+)\\.\\d</ind-def:pattern>
      <ind-def:instance datatype="int">1</ind-def:instance>
    </ind-def:textfilecontent54_object>
    <unix-def:uname_object id="${NS}:obj:2" version="1"/>
`;

export const FIXED_STATES = `    <ind-def:textfilecontent54_state id="${NS}:ste:1" version="1">
      <ind-def:subexpression operation="equals">12</ind-def:subexpression>
    </ind-def:textfilecontent54_state>
    <unix-def:uname_state id="${NS}:ste:2" version="1">
      <unix-def:machine_class operation="equals">x86_64</unix-def:machine_class>
    </unix-def:uname_state>
`;

/** One dpkginfo_test referring to the package's object and the test's own state. */
export function testXml(t: PkgTest, objectNum: number): string {
  return `    <linux-def:dpkginfo_test id="${NS}:tst:${t.num}" version="1" check="all" check_existence="at_least_one_exists" comment="${esc(t.name)} is earlier than ${esc(t.evr.replace(/^0:/, ''))}">
      <linux-def:object object_ref="${NS}:obj:${objectNum}"/>
      <linux-def:state state_ref="${NS}:ste:${t.num}"/>
    </linux-def:dpkginfo_test>
`;
}

/** One dpkginfo_object naming a package. */
export function objectXml(name: string, num: number): string {
  return `    <linux-def:dpkginfo_object id="${NS}:obj:${num}" version="1">
      <linux-def:name>${esc(name)}</linux-def:name>
    </linux-def:dpkginfo_object>
`;
}

/** One dpkginfo_state: evr less than the fixed version. */
export function stateXml(t: PkgTest): string {
  return `    <linux-def:dpkginfo_state id="${NS}:ste:${t.num}" version="1">
      <linux-def:evr datatype="debian_evr_string" operation="less than">${esc(t.evr)}</linux-def:evr>
    </linux-def:dpkginfo_state>
`;
}
