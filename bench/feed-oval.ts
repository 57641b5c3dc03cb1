/**
 * Generates a Debian-OVAL-shaped feed (the layout of test/fixtures/debian/oval-bookworm-sample.xml):
 * each definition is AND(Debian 12 release test, OR(AND(uname "all" test, dpkginfo test(s)), ...))
 * with `evr less than` states, many definitions per package over a Zipf-like name distribution.
 */
import { createRng, shuffled, zipfSampler, type Rng } from './prng.js';
import type { Universe } from './universe.js';
import { drawFixKind, evr, fixedFor, randomVersion } from './versions.js';
import { FileWriter } from './xml-writer.js';
import {
  definitionXml,
  FIXED_OBJECTS,
  FIXED_STATES,
  FIXED_TESTS,
  HEADER,
  objectXml,
  stateXml,
  testXml,
  type DefSpec,
  type PkgTest,
  type Shape,
} from './feed-oval-xml.js';

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
        const p =
          first.installed !== undefined && rng.chance(0.7)
            ? pick()
            : { name: sibling, installed: u.installed.get(sibling) };
        tests.push({ num: testNum++, name: p.name, evr: versionOf(p), arch: false });
      }
    }
    if (shape === 'arch') tests.push({ num: testNum++, name: first.name, evr: versionOf(first), arch: true });
    stats.shapes[shape]++;
    const year = 2005 + rng.int(21);
    const digits = String(1e9 + rng.int(9e9)) + String(1e9 + rng.int(9e9));
    defs.push({
      id: `oval:org.debian:def:${i + 1}${digits}`,
      cve: `CVE-${year}-${10000 + i}`,
      product: first.name,
      shape,
      tests,
      ...(rng.chance(0.1) ? { dsa: 5000 + rng.int(900) } : {}),
    });
  }
  return defs;
}

/** Writes the feed to `path` and returns what it contains. */
export function writeOvalFeed(path: string, u: Universe, o: OvalFeedOptions): OvalFeedStats {
  const stats: OvalFeedStats = {
    definitions: 0,
    tests: 3,
    objects: 2,
    states: 2,
    bytes: 0,
    packageNames: 0,
    shapes: { single: 0, multi: 0, arch: 0 },
    fixKinds: {},
  };
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
  for (const d of defs) for (const t of d.tests) out.write(testXml(t, objOf.get(t.name)!));
  out.write('  </tests>\n  <objects>\n');
  out.write(FIXED_OBJECTS);
  for (const [name, num] of objOf) out.write(objectXml(name, num));
  out.write('  </objects>\n  <states>\n');
  out.write(FIXED_STATES);
  for (const d of defs) for (const t of d.tests) out.write(stateXml(t));
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
