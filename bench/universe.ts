/**
 * The package names a generated feed covers: every binary and source package of the three real
 * status files (with their real versions), the names of the real bookworm-security Packages
 * index, and synthetic names, because a real feed covers far more packages than any machine has.
 */
import type { Inventory } from '../src/inventory/model.js';
import { parsePackagesIndex, readXz } from '../test/support/index-oval.js';
import { PACKAGES_XZ } from './fixtures.js';
import { shuffled, type Rng } from './prng.js';

export interface Universe {
  /** Installed binary package name → version (first status file that has it wins). */
  installed: Map<string, string>;
  /** Installed source package name → source version. */
  installedSources: Map<string, string>;
  /** Binary names no status file has (index names, then synthetic ones), shuffled. */
  absent: string[];
  /** Source names no status file has, shuffled. */
  absentSources: string[];
}

const PREFIXES = ['lib', 'python3-', 'node-', 'golang-', 'ruby-', 'r-cran-', 'libjs-', 'php-', 'gir1.2-', ''];
const SUFFIXES = ['', '-dev', '-utils', '-common', '-tools', '-data', '-doc', '2', '-bin', '6'];

/** Builds the universe with `absentTarget` not-installed binary names (sources: a half as many). */
export function buildUniverse(bases: Inventory[], absentTarget: number, rng: Rng): Universe {
  const installed = new Map<string, string>();
  const installedSources = new Map<string, string>();
  for (const inv of bases) {
    for (const p of inv.packages?.items ?? []) {
      if (!installed.has(p.name)) installed.set(p.name, p.version);
      const src = p.source ?? p.name;
      if (!installedSources.has(src)) installedSources.set(src, p.sourceVersion ?? p.version);
    }
  }
  const indexNames = parsePackagesIndex(readXz(PACKAGES_XZ)).packages.map((p) => p.name);
  const taken = new Set<string>([...installed.keys(), ...installedSources.keys()]);
  const absent: string[] = [];
  const add = (name: string): void => {
    if (absent.length < absentTarget && !taken.has(name)) {
      taken.add(name);
      absent.push(name);
    }
  };
  for (const n of indexNames) add(n);
  const stems = [...indexNames, ...installed.keys()].map((n) =>
    n.replace(/^(lib|python3-|node-)/, '').replace(/[0-9.-]+$/, ''),
  );
  for (let i = 0; absent.length < absentTarget && i < absentTarget * 20; i++) {
    add(`${rng.pick(PREFIXES)}${rng.pick(stems)}${rng.pick(SUFFIXES)}${rng.chance(0.3) ? rng.int(40) : ''}`);
  }
  const absentSources = shuffled(absent, rng)
    .slice(0, Math.ceil(absentTarget / 2))
    .map((n) => n.replace(/-(dev|utils|common|tools|data|doc|bin)$/, ''));
  const freeSources = [...new Set(absentSources)].filter((n) => !installedSources.has(n) && !installed.has(n));
  return { installed, installedSources, absent: shuffled(absent, rng), absentSources: freeSources };
}
