/**
 * Child process, scenario 1: imports the generated feed (OVAL through importOval, tracker JSON
 * through importDebianTracker), prepares it, and evaluates the generated fleet on one thread.
 * argv: <cache dir>
 */
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mergeCatalogs } from '../../src/catalog/model.js';
import { importOval } from '../../src/catalog/import/oval.js';
import { importDebianTracker } from '../../src/catalog/import/debian-tracker.js';
import { evaluate, prepareCatalog } from '../../src/detect/evaluate.js';
import { FEED, SEED } from '../config.js';
import { baseInventories } from '../fixtures.js';
import { DEFAULT_FLEET, fleetMachine, type FleetOptions } from '../fleet.js';
import { collectGarbage, reportToParent, retainedHeapMb, timed } from '../measure.js';
import { evaluateFleet, compareWithoutIndex, type FleetRun, type BypassRun } from '../fleet-eval.js';

export interface FeedScaleResult {
  bulletins: { oval: number; tracker: number; total: number };
  importOvalMs: number;
  ovalBytes: number;
  importTrackerMs: number;
  prepareMs: number;
  index: { keys: number; always: number };
  heapAfterPrepareMb: number;
  /** The process's peak RSS so far (KiB) after the imports and after prepare: where the peak was reached. */
  maxRssAfterImportKb: number;
  maxRssAfterPrepareKb: number;
  maxRssAfterFleetKb: number;
  bases: { label: string; packages: number }[];
  fleet: FleetRun;
  bypass: BypassRun;
}

const dir = process.argv[2]!;
const log = (s: string): void => void process.stderr.write(`  [feed-scale] ${s}\n`);

const ovalFile = join(dir, 'feed.xml');
let ovalBytes = 0;
const oval = await timed(() =>
  importOval(createReadStream(ovalFile, { highWaterMark: 1 << 20 }), {
    file: ovalFile,
    onBytes: (n) => (ovalBytes += n),
  }),
);
log(`imported feed.xml: ${oval.value.bulletins.length} bulletins in ${(oval.ms / 1000).toFixed(2)} s`);
const trackerText = readFileSync(join(dir, 'tracker.json'), 'utf8');
const tracker = await timed(() => importDebianTracker(trackerText, { file: 'tracker.json', release: 'bookworm' }));
log(`imported tracker.json: ${tracker.value.bulletins.length} bulletins in ${(tracker.ms / 1000).toFixed(2)} s`);
const maxRssAfterImportKb = process.resourceUsage().maxRSS;
const catalog = mergeCatalogs([oval.value, tracker.value]);
collectGarbage();
const prepared = await timed(() => prepareCatalog(catalog));
const maxRssAfterPrepareKb = process.resourceUsage().maxRSS;
const heapAfterPrepareMb = retainedHeapMb();
log(
  `prepared ${catalog.bulletins.length} bulletins in ${prepared.ms.toFixed(0)} ms; heap ${heapAfterPrepareMb.toFixed(0)} MiB`,
);

const bases = await baseInventories();
const fleetOptions: FleetOptions = { ...DEFAULT_FLEET, seed: SEED + 10 };
// warm-up on machines outside the measured range, so the JIT has seen the engine's code
for (let i = 0; i < FEED.warmupMachines; i++)
  evaluate(prepared.value, fleetMachine(bases, FEED.machines + i, fleetOptions));
collectGarbage();
const fleet = evaluateFleet(prepared.value, bases, fleetOptions, FEED.machines, log);
const maxRssAfterFleetKb = process.resourceUsage().maxRSS;
const bypass = compareWithoutIndex(prepared.value, bases, fleetOptions, FEED.machines, FEED.bypassEvery, log);

const result: FeedScaleResult = {
  bulletins: {
    oval: oval.value.bulletins.length,
    tracker: tracker.value.bulletins.length,
    total: catalog.bulletins.length,
  },
  importOvalMs: oval.ms,
  ovalBytes,
  importTrackerMs: tracker.ms,
  prepareMs: prepared.ms,
  index: { keys: prepared.value.index.byKey.size, always: prepared.value.index.always.length },
  heapAfterPrepareMb,
  maxRssAfterImportKb,
  maxRssAfterPrepareKb,
  maxRssAfterFleetKb,
  bases: bases.map((b) => ({ label: b.machine.name, packages: b.packages?.items.length ?? 0 })),
  fleet,
  bypass,
};
reportToParent(result);
