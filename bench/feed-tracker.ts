/**
 * Generates Debian Security Tracker JSON (the official feed's shape, as in
 * test/fixtures/debian/tracker-bookworm.json) for the bookworm release; importDebianTracker turns
 * it into bulletins whose tests name source packages.
 */
import { createRng, shuffled, zipfSampler } from './prng.js';
import type { Universe } from './universe.js';
import { drawFixKind, fixedFor, randomVersion } from './versions.js';
import { advisoryText } from './text.js';

export interface TrackerFeedOptions {
  cves: number;
  seed: number;
  installedShare: number;
}

export interface TrackerFeedStats {
  cves: number;
  /** (source, CVE) pairs. */
  pairs: number;
  sources: number;
  byStatus: Record<string, number>;
}

const URGENCIES = ['not yet assigned', 'not yet assigned', 'not yet assigned', 'unimportant', 'low', 'medium', 'high'];

/** Builds the tracker JSON text and its statistics. */
export function trackerFeedJson(u: Universe, o: TrackerFeedOptions): { text: string; stats: TrackerFeedStats } {
  const rng = createRng(o.seed);
  const inst = shuffled([...u.installedSources.keys()].sort(), rng);
  const instZipf = zipfSampler(inst.length, 0.9, rng);
  const absZipf = zipfSampler(u.absentSources.length, 0.9, rng);
  const root: Record<string, Record<string, unknown>> = {};
  const stats: TrackerFeedStats = { cves: o.cves, pairs: 0, sources: 0, byStatus: {} };
  for (let i = 0; i < o.cves; i++) {
    const cve = `CVE-${2015 + rng.int(11)}-${50000 + i}`;
    const description = rng.chance(0.9) ? advisoryText('the package', rng) : undefined;
    const n = rng.chance(0.15) ? 2 : 1;
    const seen = new Set<string>();
    for (let k = 0; k < n; k++) {
      const installed = rng.chance(o.installedShare);
      const source = installed ? inst[instZipf()]! : u.absentSources[absZipf()]!;
      if (seen.has(source)) continue;
      seen.add(source);
      const base = u.installedSources.get(source) ?? randomVersion(rng);
      const x = rng.next();
      const status = x < 0.6 ? 'resolved' : x < 0.92 ? 'open' : x < 0.96 ? 'undetermined' : 'not-affected';
      const release: Record<string, unknown> = {
        status: status === 'not-affected' ? 'resolved' : status,
        repositories: { bookworm: base },
        urgency: rng.pick(URGENCIES),
      };
      if (status === 'resolved')
        release.fixed_version = installed ? fixedFor(base, drawFixKind(rng), rng) : randomVersion(rng);
      if (status === 'not-affected') release.fixed_version = '0';
      if (rng.chance(0.2)) release.nodsa = 'Minor issue';
      const entry = {
        ...(description ? { description } : {}),
        scope: rng.chance(0.5) ? 'local' : 'remote',
        releases: { bookworm: release },
      };
      (root[source] ??= {})[cve] = entry;
      stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    }
  }
  stats.sources = Object.keys(root).length;
  stats.pairs = Object.values(root).reduce((sum, cves) => sum + Object.keys(cves).length, 0);
  return { text: JSON.stringify(root), stats };
}
