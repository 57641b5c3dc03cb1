/**
 * `npm run bench`: generates the inputs, runs each scenario in its own Node process, times the
 * Patchhive CLI beside `oscap`, loads a server with simulated agents (scenarios 4 and 5), builds
 * the compliance report over a large fleet (scenario 6), plans, signs and rolls out jobs (section 7),
 * measures check-ins with the audit trail on and off (section 8), and writes docs/BENCHMARKS.md.
 * BENCH_ONLY=report runs scenario 6 alone, BENCH_ONLY=rollout section 7 alone; either merges its
 * figures into the previous full run's results. BENCH_ONLY=audit runs section 8 alone and
 * rewrites only that section of docs/BENCHMARKS.md; BENCH_ONLY=web does the same for section 9
 * (the web console in Chromium).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { ENGINE_REPEATS, rolloutBenchConfig, RUNS } from './config.js';
import { REPO, SAMPLE_OVAL, STATUS_FILES } from './fixtures.js';
import { machineInfo } from './machine.js';
import { GNU_TIME, runScenario } from './measure.js';
import { cliStartupMs, comparePair, comparePairOnce, type PeerRow } from './peer.js';
import { writeReport } from './report.js';
import { databaseVersions } from './bench-db.js';
import { runServerBench } from './checkins.js';
import { auditBenchConfig, serverBenchConfig } from './server-config.js';
import { runAuditBench } from './audit.js';
import { auditSection, spliceAuditSection } from './report-audit.js';
import { reportBenchConfig, runReportBench } from './compliance-report.js';
import { runRolloutBench } from './rollout.js';
import type { BenchResults } from './results.js';
import type { GenerateResult } from './scenarios/generate.js';
import type { FeedScaleResult } from './scenarios/feed-scale.js';
import type { EngineSamplesResult } from './scenarios/engine-samples.js';
import type { BigImportResult } from './scenarios/big-import.js';
import { runWebBench, webBenchConfig } from './web-console.js';
import { spliceWebSection, webSection } from './report-web.js';

const t0 = performance.now();
const say = (s: string): void =>
  console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${s}`);
const cache = join(REPO, '.cache/bench');
mkdirSync(cache, { recursive: true });
const machine = machineInfo(GNU_TIME);
const loadStart = loadavg();
say(
  `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, oscap ${machine.oscap}; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')}`,
);

const doc = join(REPO, 'docs/BENCHMARKS.md');
const resultsFile = join(cache, 'results.json');

/** Runs one section alone and merges it into the previous full run's results (the others keep their figures). */
async function runOnly<K extends 'report' | 'rollout'>(
  key: K,
  label: string,
  run: () => Promise<NonNullable<BenchResults[K]>>,
): Promise<never> {
  say(`BENCH_ONLY=${key}: ${label} alone`);
  const value = await run();
  writeFileSync(join(cache, `${key}-results.json`), JSON.stringify(value, null, 2));
  if (existsSync(resultsFile)) {
    // The other sections keep the previous full run's figures; the section says when it was measured.
    const merged: BenchResults = { ...(JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults), [key]: value };
    writeFileSync(resultsFile, JSON.stringify(merged, null, 2));
    writeFileSync(doc, writeReport(merged));
    say(`wrote ${relative(REPO, doc)} with the new ${label}`);
  } else {
    say(
      `no previous full run in ${relative(REPO, resultsFile)}: figures only in ${relative(REPO, join(cache, `${key}-results.json`))}`,
    );
  }
  process.exit(0);
}

/** Section 8 on the small sample catalog: the comparison is between servers, not catalogs. */
const auditRun = () =>
  runAuditBench(auditBenchConfig(), SAMPLE_OVAL, `the OVAL sample of scenario 2 (${relative(REPO, SAMPLE_OVAL)})`, say);

if (process.env.BENCH_ONLY === 'audit') {
  say(
    'BENCH_ONLY=audit: section 8 alone (sizes: BENCH_AUDIT_AGENTS, BENCH_AUDIT_CHECKIN_SECONDS, BENCH_CONCURRENCY, BENCH_POSTGRES)',
  );
  const audit = await auditRun();
  writeFileSync(join(cache, 'audit-results.json'), JSON.stringify(audit, null, 2));
  if (existsSync(resultsFile)) {
    const merged: BenchResults = { ...(JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults), audit };
    writeFileSync(resultsFile, JSON.stringify(merged, null, 2));
  }
  // Only section 8 changes: the other sections keep their text and figures.
  writeFileSync(doc, spliceAuditSection(readFileSync(doc, 'utf8'), auditSection(audit)));
  say(`wrote section 8 of ${relative(REPO, doc)}`);
  process.exit(0);
}
if (process.env.BENCH_ONLY === 'web') {
  say('BENCH_ONLY=web: section 9 alone (sizes: BENCH_WEB_MACHINES, BENCH_WEB_SCROLL_MACHINES, BENCH_WEB_RUNS)');
  const web = await runWebBench(webBenchConfig(), say);
  writeFileSync(join(cache, 'web-results.json'), JSON.stringify(web, null, 2));
  if (existsSync(resultsFile)) {
    const merged: BenchResults = { ...(JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults), web };
    writeFileSync(resultsFile, JSON.stringify(merged, null, 2));
  }
  // Only section 9 changes: the other sections keep their text and figures.
  writeFileSync(doc, spliceWebSection(readFileSync(doc, 'utf8'), webSection(web)));
  say(`wrote section 9 of ${relative(REPO, doc)}`);
  process.exit(0);
}
if (process.env.BENCH_ONLY === 'report')
  await runOnly('report', 'section 6', () => runReportBench(reportBenchConfig(), say));
if (process.env.BENCH_ONLY === 'rollout')
  await runOnly('rollout', 'section 7', () => runRolloutBench(rolloutBenchConfig(), say));

say('generating inputs into .cache/bench');
const generate = await runScenario<GenerateResult>('generate', [cache]);

say('scenario 1: feed-scale import + 1,000 machines (one process)');
const feed = await runScenario<FeedScaleResult>('feed-scale', [cache]);
say(
  `scenario 1: ${feed.result.fleet.machinesPerSecond.toFixed(1)} machines/s, peak RSS ${(feed.maxRssKb / 1024).toFixed(0)} MiB`,
);

const catalogs = [
  { label: 'oval-bookworm-sample.xml', file: SAMPLE_OVAL },
  { label: 'index OVAL (bookworm-security)', file: join(cache, 'index.xml') },
];
const engine: BenchResults['engine'] = [];
for (const c of catalogs) {
  say(`scenario 2: in-process engine on ${c.label}`);
  engine.push({ ...c, report: await runScenario<EngineSamplesResult>('engine-samples', [c.file]) });
}
const peer: PeerRow[] = [];
for (const c of catalogs) {
  for (const s of STATUS_FILES) {
    const row = await comparePair(c, s, RUNS);
    say(
      `scenario 2: ${c.label} × ${s.label}: patchhive ${row.patchhiveMedianMs.toFixed(0)} ms, oscap ${row.oscapMedianMs.toFixed(0)} ms`,
    );
    peer.push(row);
  }
}
const startup = await cliStartupMs(RUNS);
say('scenario 2: feed.xml (27,000 definitions) × host-node-image, one run of each tool');
const peerFeed = await comparePairOnce(
  { label: 'feed.xml (scenario 1, OVAL part)', file: join(cache, 'feed.xml') },
  STATUS_FILES[0],
);
say(`scenario 2: feed.xml: patchhive ${peerFeed.patchhiveMs.toFixed(0)} ms, oscap ${peerFeed.oscapMs.toFixed(0)} ms`);

say('scenario 3: import of the large OVAL document');
const big = await runScenario<BigImportResult>('big-import', [join(cache, 'big.xml')]);

const serverCfg = serverBenchConfig();
say(
  `scenarios 4 and 5: server with ${serverCfg.agents} agents, ${serverCfg.concurrency} in flight, ${serverCfg.checkinSeconds} s steady phase (sizes: BENCH_AGENTS, BENCH_CONCURRENCY, BENCH_CHECKIN_SECONDS)`,
);
const serverT0 = performance.now();
const versions = await databaseVersions();
const serverRuns = await runServerBench(serverCfg, join(cache, 'index.xml'), say);
const server = {
  ...serverRuns,
  config: serverCfg,
  versions,
  catalogBulletins: engine[1]?.report.result.bulletins ?? 0,
  totalMs: performance.now() - serverT0,
};

say(
  'scenario 6: compliance report over a large fleet (sizes: BENCH_REPORT_MACHINES, BENCH_REPORT_FINDINGS, BENCH_REPORT_RUNS)',
);
const report = await runReportBench(reportBenchConfig(), say);

say(
  'section 7: rollout — plan and sign jobs for a large fleet, simulated agents through three rings (sizes: BENCH_ROLLOUT_MACHINES, BENCH_ROLLOUT_AGENTS, BENCH_ROLLOUT_CHECKIN_SECONDS)',
);
const rollout = await runRolloutBench(rolloutBenchConfig(), say);

say('section 8: check-ins with the audit trail off, on, and on for every check-in');
const audit = await auditRun();

say('section 9: the web console — first-page JavaScript, the machines list in Chromium');
const web = await runWebBench(webBenchConfig(), say);

const results: BenchResults = {
  machine,
  cacheDir: relative(REPO, cache),
  totalMs: performance.now() - t0,
  generate,
  feed,
  engine,
  peer,
  peerFeed,
  cliStartupMs: startup,
  runs: RUNS,
  engineRepeats: ENGINE_REPEATS,
  big,
  server,
  report,
  rollout,
  audit,
  web,
  loadAverage: { start: loadStart, end: loadavg() },
};
writeFileSync(resultsFile, JSON.stringify(results, null, 2));
writeFileSync(doc, writeReport(results));
say(`wrote ${relative(REPO, doc)} (raw figures: ${relative(REPO, resultsFile)})`);
