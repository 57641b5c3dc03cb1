// Builds an OVAL 5.11 document (Debian's OVAL layout) from a Debian "Packages" index:
// one class="patch" definition per binary package, true when an older version is installed.
import { execFileSync } from 'node:child_process';
import { compareDpkgVersions } from '../../src/versions/index.js';

/** One binary package of the index, at the highest version found for its name. */
export interface IndexPackage {
  name: string;
  version: string;
  architecture: string;
}

/** The parsed index: packages sorted by name, plus how many stanzas repeated a name. */
export interface ParsedIndex {
  packages: IndexPackage[];
  stanzas: number;
  duplicateNames: string[];
}

/** Decompresses an .xz file with `xz -dc` and returns its text. */
export function readXz(path: string): string {
  return execFileSync('xz', ['-dc', path], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** Writes a version as OVAL debian_evr_string `<epoch>:<version>` (epoch 0 when none). */
export function toDebianEvr(version: string): string {
  return /^\d+:/.test(version) ? version : `0:${version}`;
}

/** Parses a Packages index, keeping the highest version per package name, sorted by name. */
export function parsePackagesIndex(text: string): ParsedIndex {
  const best = new Map<string, IndexPackage>();
  const dup = new Set<string>();
  let stanzas = 0;
  for (const block of text.split(/\n\s*\n/)) {
    const field = (f: string): string | undefined => new RegExp(`^${f}:[ \\t]*(.+)$`, 'm').exec(block)?.[1]?.trim();
    const name = field('Package');
    if (name === undefined) continue;
    const version = field('Version');
    if (version === undefined) throw new Error(`Packages index: ${name} has no Version field`);
    stanzas++;
    const pkg: IndexPackage = { name, version, architecture: field('Architecture') ?? '' };
    const seen = best.get(name);
    if (seen !== undefined) dup.add(name);
    if (seen === undefined || compareDpkgVersions(version, seen.version) > 0) best.set(name, pkg);
  }
  const packages = [...best.values()].sort((p, q) => (p.name < q.name ? -1 : p.name > q.name ? 1 : 0));
  return { packages, stanzas, duplicateNames: [...dup].sort() };
}

/** Escapes text for XML element content and attribute values. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Options of buildIndexOval; timestamp defaults to a fixed value so the output is deterministic. */
export interface IndexOvalOptions {
  release: '12';
  timestamp?: string;
}

const NS = 'oval:org.patchhive.index';
const SOURCE = 'bookworm-security';

/** The definition id of the n-th (1-based, name-sorted) package of the index. */
export function indexDefinitionId(n: number): string {
  return `${NS}:def:${n}`;
}

function definitionXml(p: IndexPackage, n: number, release: string): string {
  const name = xmlEscape(p.name);
  const version = xmlEscape(p.version);
  const earlier = `${name} DPKG is earlier than ${version}`;
  return `    <definition id="${indexDefinitionId(n)}" version="1" class="patch">
      <metadata>
        <title>${name} ${version} from ${SOURCE}</title>
        <affected family="unix">
          <platform>Debian GNU/Linux ${release}</platform>
          <product>${name}</product>
        </affected>
        <description>${name} ${version} (${xmlEscape(p.architecture)}) is published in ${SOURCE}; true when an earlier version is installed.</description>
      </metadata>
      <criteria comment="Release section" operator="AND">
        <criterion test_ref="${NS}:tst:1" comment="Debian ${release} is installed"/>
        <criterion test_ref="${NS}:tst:${n + 1}" comment="${earlier}"/>
      </criteria>
    </definition>
`;
}

function testXml(p: IndexPackage, n: number): string {
  const id = n + 1;
  return `    <linux-def:dpkginfo_test id="${NS}:tst:${id}" version="1" check="all" check_existence="at_least_one_exists" comment="${xmlEscape(p.name)} DPKG is earlier than ${xmlEscape(p.version)}">
      <linux-def:object object_ref="${NS}:obj:${id}"/>
      <linux-def:state state_ref="${NS}:ste:${id}"/>
    </linux-def:dpkginfo_test>
`;
}

function objectXml(p: IndexPackage, n: number): string {
  return `    <linux-def:dpkginfo_object id="${NS}:obj:${n + 1}" version="1">
      <linux-def:name>${xmlEscape(p.name)}</linux-def:name>
    </linux-def:dpkginfo_object>
`;
}

function stateXml(p: IndexPackage, n: number): string {
  return `    <linux-def:dpkginfo_state id="${NS}:ste:${n + 1}" version="1">
      <linux-def:evr datatype="debian_evr_string" operation="less than">${xmlEscape(toDebianEvr(p.version))}</linux-def:evr>
    </linux-def:dpkginfo_state>
`;
}

const HEADER = `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:ind-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent" xmlns:linux-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent independent-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-definitions-5#linux linux-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-definitions-5 oval-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-common-5 oval-common-schema.xsd">
`;

/** Builds the OVAL document: one "patch" definition per package name (highest version), sorted by name. */
export function buildIndexOval(packagesText: string, opts: IndexOvalOptions): string {
  const { packages } = parsePackagesIndex(packagesText);
  if (packages.length === 0) throw new Error('Packages index has no package stanza');
  const release = opts.release;
  const ts = xmlEscape(opts.timestamp ?? '1970-01-01T00:00:00');
  const each = (f: (p: IndexPackage, n: number) => string): string => packages.map((p, i) => f(p, i + 1)).join('');
  return `${HEADER}  <generator>
    <oval:product_name>Patchhive build-index-oval (Debian ${release} ${SOURCE} Packages index)</oval:product_name>
    <oval:schema_version>5.11.2</oval:schema_version>
    <oval:timestamp>${ts}</oval:timestamp>
  </generator>
  <definitions>
${each((p, n) => definitionXml(p, n, release))}  </definitions>
  <tests>
    <ind-def:textfilecontent54_test id="${NS}:tst:1" version="1" check="all" check_existence="at_least_one_exists" comment="Debian GNU/Linux ${release} is installed">
      <ind-def:object object_ref="${NS}:obj:1"/>
      <ind-def:state state_ref="${NS}:ste:1"/>
    </ind-def:textfilecontent54_test>
${each(testXml)}  </tests>
  <objects>
    <ind-def:textfilecontent54_object id="${NS}:obj:1" version="1">
      <ind-def:path>/etc</ind-def:path>
      <ind-def:filename>debian_version</ind-def:filename>
      <ind-def:pattern operation="pattern match">(\\d+)\\.\\d</ind-def:pattern>
      <ind-def:instance datatype="int">1</ind-def:instance>
    </ind-def:textfilecontent54_object>
${each(objectXml)}  </objects>
  <states>
    <ind-def:textfilecontent54_state id="${NS}:ste:1" version="1">
      <ind-def:subexpression operation="equals">${release}</ind-def:subexpression>
    </ind-def:textfilecontent54_state>
${each(stateXml)}  </states>
</oval_definitions>
`;
}
