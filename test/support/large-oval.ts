/**
 * A large Debian-layout OVAL feed for load tests, written straight to a file: `definitions`
 * definitions, each about one package (one dpkginfo test, object and state), with an advisory
 * text of `textKb` KB (real advisories run from a few lines to several KB).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const NS = 'oval:org.debian.oval';
const HEADER = `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:linux-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5">
  <generator>
    <oval:product_name>Patchhive test generator</oval:product_name>
    <oval:schema_version>5.11.2</oval:schema_version>
    <oval:timestamp>2026-11-21T00:00:00</oval:timestamp>
  </generator>
`;
const SENTENCE =
  'A flaw was found in the handling of crafted input that may lead to a denial of service or the execution of arbitrary code. ';

function definition(i: number, text: string): string {
  const cve = `CVE-2026-${String(10000 + i)}`;
  return `    <definition id="${NS}:def:${i}" version="1" class="vulnerability">
      <metadata>
        <title>${cve} pkg${i}</title>
        <affected family="unix"><platform>Debian GNU/Linux 12</platform><product>pkg${i}</product></affected>
        <reference source="CVE" ref_id="${cve}" ref_url="https://cve.mitre.org/cgi-bin/cvename.cgi?name=${cve}"/>
        <description>${text}</description>
      </metadata>
      <criteria operator="AND"><criterion test_ref="${NS}:tst:${i}" comment="pkg${i} DPKG is earlier than 1.0-${i}"/></criteria>
    </definition>
`;
}

const test = (
  i: number,
) => `    <linux-def:dpkginfo_test id="${NS}:tst:${i}" version="1" check="all" check_existence="at_least_one_exists" comment="pkg${i}">
      <linux-def:object object_ref="${NS}:obj:${i}"/><linux-def:state state_ref="${NS}:ste:${i}"/>
    </linux-def:dpkginfo_test>
`;
const object = (
  i: number,
) => `    <linux-def:dpkginfo_object id="${NS}:obj:${i}" version="1"><linux-def:name>pkg${i}</linux-def:name></linux-def:dpkginfo_object>
`;
const state = (
  i: number,
) => `    <linux-def:dpkginfo_state id="${NS}:ste:${i}" version="1"><linux-def:evr datatype="debian_evr_string" operation="less than">0:1.0-${i}</linux-def:evr></linux-def:dpkginfo_state>
`;

/** Writes the feed to `file` and resolves with its size in bytes. */
export async function writeLargeOval(file: string, definitions: number, textKb = 1): Promise<number> {
  const text = SENTENCE.repeat(Math.max(1, Math.round((textKb * 1024) / SENTENCE.length)));
  const out = createWriteStream(file);
  let bytes = 0;
  const write = async (s: string) => {
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(HEADER);
  for (const [open, close, part] of [
    ['  <definitions>\n', '  </definitions>\n', (i: number) => definition(i, text)],
    ['  <tests>\n', '  </tests>\n', test],
    ['  <objects>\n', '  </objects>\n', object],
    ['  <states>\n', '  </states>\n', state],
  ] as const) {
    await write(open);
    for (let i = 1; i <= definitions; i++) await write(part(i));
    await write(close);
  }
  await write('</oval_definitions>\n');
  out.end();
  await once(out, 'finish');
  return bytes;
}
