/**
 * Generates a Debian-OVAL-shaped feed (the layout of test/fixtures/debian/oval-bookworm-sample.xml):
 * each definition is AND(Debian 12 release test, OR(AND(uname "all" test, dpkginfo test(s)), ...))
 * with `evr less than` states, many definitions per package over a Zipf-like name distribution.
 */
import { createRng, shuffled, zipfSampler, type Rng } from './prng.js';
import type { Universe } from './universe.js';
import { drawFixKind, evr, fixedFor, randomVersion } from './versions.js';
import { advisoryText } from './text.js';
import { esc, FileWriter } from './xml-writer.js';

export interface OvalFeedOptions {
  definitions: number;
  seed: number;
  /** Share of definitions about packages some status file has (the rest: packages none has). */
  installedShare: number;
}

export interface OvalFeedStats {
  definitions: number;
  tests: number;
  objects: number;
  states: number;
  bytes: number;
  /** Distinct package names the feed's dpkginfo objects name. */
  packageNames: number;
  /** Definitions by shape: single test, OR of several binaries, independent + amd64 sections. */
  shapes: Record<Shape, number>;
  /** Definitions about installed names whose fixed version is 0 / older / same / newer than the base status. */
  fixKinds: Record<string, number>;
}

type Shape = 'single' | 'multi' | 'arch';
interface PkgTest { num: number; name: string; evr: string; arch: boolean }
interface DefSpec { id: string; cve: string; product: string; shape: Shape; tests: PkgTest[]; dsa?: number }

const NS = 'oval:org.debian.oval';

/** Draws package names: installed ones with probability `installedShare`, Zipf-distributed within each group. */
function namePicker(u: Universe, share: number, rng: Rng): () => { name: string; installed: string | undefined } {
  const inst = [...u.installed.keys()].sort();
  const instZipf = zipfSampler(inst.length, 0.9, rng);
  const absZipf = zipfSampler(u.absent.length, 0.9, rng);
  const order = shuffled(inst, rng);
  return () => {
    if (rng.chance(share)) {
      const name = order[instZipf()]!;
      return { name, installed: u.installed.get(name) };
    }
    return { name: u.absent[absZipf()]!, installed: undefined };
  };
}

function planDefinitions(u: Universe, o: OvalFeedOptions, stats: OvalFeedStats): DefSpec[] {
  const rng = createRng(o.seed);
  const pick = namePicker(u, o.installedShare, rng);
  const defs: DefSpec[] = [];
  let testNum = 4;
  const versionOf = (p: { installed: string | undefined }): string => {
    if (p.installed === undefined) return evr(randomVersion(rng));
    const kind = drawFixKind(rng);
    stats.fixKinds[kind] = (stats.fixKinds[kind] ?? 0) + 1;
    return evr(fixedFor(p.installed, kind, rng));
  };
  for (let i = 0; i < o.definitions; i++) {
    const first = pick();
    const x = rng.next();
    const shape: Shape = x < 0.7 ? 'single' : x < 0.9 ? 'multi' : 'arch';
    const tests: PkgTest[] = [{ num: testNum++, name: first.name, evr: versionOf(first), arch: false }];
    if (shape === 'multi') {
      for (let k = 1 + rng.int(3); k > 0; k--) {
        const sibling = `${first.name}-${rng.pick(['dev', 'common', 'data', 'utils'])}`;
        const p = first.installed !== undefined && rng.chance(0.7) ? pick() : { name: sibling, installed: u.installed.get(sibling) };
        tests.push({ num: testNum++, name: p.name, evr: versionOf(p), arch: false });
      }
    }
    if (shape === 'arch') tests.push({ num: testNum++, name: first.name, evr: versionOf(first), arch: true });
    stats.shapes[shape]++;
    const year = 2005 + rng.int(21);
    const digits = String(1e9 + rng.int(9e9)) + String(1e9 + rng.int(9e9));
    defs.push({ id: `oval:org.debian:def:${i + 1}${digits}`, cve: `CVE-${year}-${10000 + i}`, product: first.name, shape, tests, ...(rng.chance(0.1) ? { dsa: 5000 + rng.int(900) } : {}) });
  }
  return defs;
}

function testRef(t: PkgTest): string {
  return `<criterion test_ref="${NS}:tst:${t.num}" comment="${esc(t.name)} DPKG is earlier than ${esc(t.evr.replace(/^0:/, ''))}"/>`;
}

function criteriaXml(d: DefSpec): string {
  const pkgTests = d.tests.filter((t) => !t.arch);
  const inner = pkgTests.length === 1 ? testRef(pkgTests[0]!) : `<criteria comment="Binary packages" operator="OR">${pkgTests.map(testRef).join('')}</criteria>`;
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

function definitionXml(d: DefSpec, rng: Rng): string {
  const p = esc(d.product);
  const debian = d.dsa !== undefined ? `\n        <debian><dsa>DSA-${d.dsa}-1</dsa><moreinfo>no info</moreinfo></debian>` : '';
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

const HEADER = `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:ind-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent" xmlns:linux-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:unix-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent independent-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-definitions-5#linux linux-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-definitions-5#unix unix-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-definitions-5 oval-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-common-5 oval-common-schema.xsd">
  <generator>
    <oval:product_name>Patchhive bench generator (Debian OVAL layout)</oval:product_name>
    <oval:schema_version>5.11.2</oval:schema_version>
    <oval:timestamp>2026-11-21T00:00:00</oval:timestamp>
  </generator>
`;

const FIXED_TESTS = `    <ind-def:textfilecontent54_test id="${NS}:tst:1" version="1" check="all" check_existence="at_least_one_exists" comment="Debian GNU/Linux 12 is installed">
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

const FIXED_OBJECTS = `    <ind-def:textfilecontent54_object id="${NS}:obj:1" version="1">
      <ind-def:path>/etc</ind-def:path>
      <ind-def:filename>debian_version</ind-def:filename>
      <ind-def:pattern operation="pattern match">(\\d+)\\.\\d</ind-def:pattern>
      <ind-def:instance datatype="int">1</ind-def:instance>
    </ind-def:textfilecontent54_object>
    <unix-def:uname_object id="${NS}:obj:2" version="1"/>
`;

const FIXED_STATES = `    <ind-def:textfilecontent54_state id="${NS}:ste:1" version="1">
      <ind-def:subexpression operation="equals">12</ind-def:subexpression>
    </ind-def:textfilecontent54_state>
    <unix-def:uname_state id="${NS}:ste:2" version="1">
      <unix-def:machine_class operation="equals">x86_64</unix-def:machine_class>
    </unix-def:uname_state>
`;

/** Writes the feed to `path` and returns what it contains. */
export function writeOvalFeed(path: string, u: Universe, o: OvalFeedOptions): OvalFeedStats {
  const stats: OvalFeedStats = { definitions: 0, tests: 3, objects: 2, states: 2, bytes: 0, packageNames: 0, shapes: { single: 0, multi: 0, arch: 0 }, fixKinds: {} };
  const defs = planDefinitions(u, o, stats);
  const objOf = new Map<string, number>();
  for (const d of defs) for (const t of d.tests) if (!objOf.has(t.name)) objOf.set(t.name, objOf.size + 3);
  const out = new FileWriter(path);
  const textRng = createRng(o.seed ^ 0x9e3779b9);
  out.write(HEADER);
  out.write('  <definitions>\n');
  for (const d of defs) out.write(definitionXml(d, textRng));
  out.write('  </definitions>\n  <tests>\n');
  out.write(FIXED_TESTS);
  for (const d of defs) {
    for (const t of d.tests) {
      out.write(`    <linux-def:dpkginfo_test id="${NS}:tst:${t.num}" version="1" check="all" check_existence="at_least_one_exists" comment="${esc(t.name)} is earlier than ${esc(t.evr.replace(/^0:/, ''))}">
      <linux-def:object object_ref="${NS}:obj:${objOf.get(t.name)}"/>
      <linux-def:state state_ref="${NS}:ste:${t.num}"/>
    </linux-def:dpkginfo_test>
`);
    }
  }
  out.write('  </tests>\n  <objects>\n');
  out.write(FIXED_OBJECTS);
  for (const [name, num] of objOf) {
    out.write(`    <linux-def:dpkginfo_object id="${NS}:obj:${num}" version="1">
      <linux-def:name>${esc(name)}</linux-def:name>
    </linux-def:dpkginfo_object>
`);
  }
  out.write('  </objects>\n  <states>\n');
  out.write(FIXED_STATES);
  for (const d of defs) {
    for (const t of d.tests) {
      out.write(`    <linux-def:dpkginfo_state id="${NS}:ste:${t.num}" version="1">
      <linux-def:evr datatype="debian_evr_string" operation="less than">${esc(t.evr)}</linux-def:evr>
    </linux-def:dpkginfo_state>
`);
    }
  }
  out.write('  </states>\n</oval_definitions>\n');
  stats.bytes = out.close();
  stats.definitions = defs.length;
  const nTests = defs.reduce((n, d) => n + d.tests.length, 0);
  stats.tests += nTests;
  stats.states += nTests;
  stats.objects += objOf.size;
  stats.packageNames = objOf.size;
  return stats;
}
