/** Paths of the real inputs the benchmarks start from, and the three real dpkg status files. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Inventory } from '../src/inventory/model.js';
import { collectDpkgInventory } from '../src/inventory/collect-dpkg.js';

/** The repository root (bench/ compiles to dist-bench/bench/, so walk up until package.json's level). */
export const REPO = fileURLToPath(
  new URL(import.meta.url.includes('/dist-bench/') ? '../../' : '../', import.meta.url),
);

export const DEBIAN_FIXTURES = join(REPO, 'test/fixtures/debian');
export const SAMPLE_OVAL = join(DEBIAN_FIXTURES, 'oval-bookworm-sample.xml');
export const PACKAGES_XZ = join(DEBIAN_FIXTURES, 'bookworm-security-main-amd64-Packages.xz');

/** The three real status files, largest first. */
export const STATUS_FILES = [
  { label: 'host-node-image', file: join(DEBIAN_FIXTURES, 'status-host-node-image.txt') },
  { label: 'minbase-12-point-release', file: join(DEBIAN_FIXTURES, 'status-minbase-12-point-release.txt') },
  { label: 'minbase-12-security-upgraded', file: join(DEBIAN_FIXTURES, 'status-minbase-12-security-upgraded.txt') },
] as const;

/** A fixed collection time, so inventories do not depend on the clock. */
export const BENCH_NOW = new Date('2026-11-21T00:00:00Z');

/** Parses the three status files with the real dpkg collector (OS facts come from this machine). */
export async function baseInventories(): Promise<Inventory[]> {
  return Promise.all(
    STATUS_FILES.map((s) => collectDpkgInventory({ statusFile: s.file, now: BENCH_NOW, machineName: s.label })),
  );
}
