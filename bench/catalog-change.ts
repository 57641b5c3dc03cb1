/**
 * Scenario 5's catalog change: the index OVAL with the fixed version of some definitions bumped
 * (as when bookworm-security publishes new updates of those packages). A bumped definition about a
 * package the machines have becomes "missing" on every machine that has it.
 */
import {
  parsePackagesIndex,
  readXz,
  toDebianEvr,
  xmlEscape,
  indexDefinitionId,
  type IndexPackage,
} from '../test/support/index-oval.js';
import { PACKAGES_XZ } from './fixtures.js';
import { createRng, shuffled } from './prng.js';

const STATE_ID = (n: number): string => `id="oval:org.patchhive.index:ste:${n + 1}"`;
const EVR_CLOSE = '</linux-def:evr>';

/** What was changed: the definition ids, and how many are about a package the machines have. */
export interface CatalogChange {
  xml: string;
  bulletinIds: string[];
  aboutInstalled: number;
  aboutOthers: number;
}

/** The newer fixed version a bumped definition asks for (sorts after the published one for dpkg). */
export function bumpedVersion(version: string): string {
  return `${version}+bench1`;
}

/** Replaces the evr of state `n` (the n-th definition's "less than" state) in the OVAL text. */
function bumpState(xml: string, n: number, p: IndexPackage): string {
  const at = xml.indexOf(STATE_ID(n));
  if (at < 0) throw new Error(`index OVAL: no state for definition ${n}`);
  const close = xml.indexOf(EVR_CLOSE, at);
  const old = xmlEscape(toDebianEvr(p.version));
  const from = close - old.length;
  if (xml.slice(from, close) !== old) throw new Error(`index OVAL: state ${n} does not hold ${old}`);
  return xml.slice(0, from) + xmlEscape(toDebianEvr(bumpedVersion(p.version))) + xml.slice(close);
}

/**
 * Bumps `count` definitions: `installed` of them (at most as many as exist) about packages in
 * `installedNames`, the rest about other packages, both drawn with a seeded PRNG.
 */
export function changeIndexOval(
  xml: string,
  installedNames: Set<string>,
  count: number,
  installed: number,
  seed: number,
): CatalogChange {
  const { packages } = parsePackagesIndex(readXz(PACKAGES_XZ));
  const numbered = packages.map((p, i) => ({ p, n: i + 1 }));
  const rng = createRng(seed);
  const mine = shuffled(
    numbered.filter((x) => installedNames.has(x.p.name)),
    rng,
  ).slice(0, Math.min(installed, count));
  const others = shuffled(
    numbered.filter((x) => !installedNames.has(x.p.name)),
    rng,
  ).slice(0, count - mine.length);
  let out = xml;
  for (const { p, n } of [...mine, ...others]) out = bumpState(out, n, p);
  return {
    xml: out,
    bulletinIds: [...mine, ...others].map(({ n }) => indexDefinitionId(n)),
    aboutInstalled: mine.length,
    aboutOthers: others.length,
  };
}
