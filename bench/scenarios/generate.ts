/**
 * Child process: generates every input the benchmarks need into the cache directory (argv[2]):
 * feed.xml + tracker.json (scenario 1), index.xml (scenario 2), big.xml (scenario 3).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildIndexOval, readXz } from '../../test/support/index-oval.js';
import { BIG_OVAL_MIN_BYTES, FEED, SEED } from '../config.js';
import { baseInventories, PACKAGES_XZ } from '../fixtures.js';
import { writeOvalFeed, type OvalFeedStats } from '../feed-oval.js';
import { trackerFeedJson, type TrackerFeedStats } from '../feed-tracker.js';
import { reportToParent, timed } from '../measure.js';
import { createRng } from '../prng.js';
import { buildUniverse } from '../universe.js';

export interface GenerateResult {
  universe: { installedNames: number; installedSources: number; absentNames: number; absentSources: number };
  feed: OvalFeedStats & { ms: number };
  tracker: TrackerFeedStats & { bytes: number };
  indexBytes: number;
  big: OvalFeedStats & { ms: number };
}

const dir = process.argv[2]!;
const log = (s: string): void => void process.stderr.write(`  [generate] ${s}\n`);

const bases = await baseInventories();
const universe = buildUniverse(bases, FEED.absentNames, createRng(SEED));
log(`universe: ${universe.installed.size} installed names, ${universe.absent.length} absent names`);

const feed = await timed(() =>
  writeOvalFeed(join(dir, 'feed.xml'), universe, {
    definitions: FEED.ovalDefinitions,
    seed: SEED + 1,
    installedShare: FEED.installedShare,
  }),
);
log(
  `feed.xml: ${feed.value.definitions} definitions, ${(feed.value.bytes / 2 ** 20).toFixed(1)} MiB in ${(feed.ms / 1000).toFixed(1)} s`,
);

const tracker = trackerFeedJson(universe, {
  cves: FEED.trackerCves,
  seed: SEED + 2,
  installedShare: FEED.installedShare,
});
writeFileSync(join(dir, 'tracker.json'), tracker.text);
log(`tracker.json: ${tracker.stats.cves} CVEs, ${tracker.stats.pairs} (source, CVE) pairs`);

const index = buildIndexOval(readXz(PACKAGES_XZ), { release: '12' });
writeFileSync(join(dir, 'index.xml'), index);

// scale the feed generator so the big document clears the size floor with a 5% margin
const perDefinition = feed.value.bytes / feed.value.definitions;
const bigDefinitions = Math.ceil((BIG_OVAL_MIN_BYTES * 1.05) / perDefinition);
const big = await timed(() =>
  writeOvalFeed(join(dir, 'big.xml'), universe, {
    definitions: bigDefinitions,
    seed: SEED + 3,
    installedShare: FEED.installedShare,
  }),
);
if (big.value.bytes < BIG_OVAL_MIN_BYTES) throw new Error(`big.xml is only ${big.value.bytes} bytes`);
log(
  `big.xml: ${big.value.definitions} definitions, ${(big.value.bytes / 2 ** 20).toFixed(1)} MiB in ${(big.ms / 1000).toFixed(1)} s`,
);

const result: GenerateResult = {
  universe: {
    installedNames: universe.installed.size,
    installedSources: universe.installedSources.size,
    absentNames: universe.absent.length,
    absentSources: universe.absentSources.length,
  },
  feed: { ...feed.value, ms: feed.ms },
  tracker: { ...tracker.stats, bytes: Buffer.byteLength(tracker.text) },
  indexBytes: Buffer.byteLength(index),
  big: { ...big.value, ms: big.ms },
};
reportToParent(result);
