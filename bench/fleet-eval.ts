/** Evaluates a generated fleet against a prepared catalog and counts what came out. */
import type { Inventory } from '../src/inventory/model.js';
import type { Finding, FindingStatus } from '../src/detect/model.js';
import { evaluate, type PreparedCatalog } from '../src/detect/evaluate.js';
import { candidateBulletins } from '../src/detect/catalog-index.js';
import { buildInventoryView } from '../src/detect/inventory-view.js';
import { baseOf, fleetMachine, type FleetOptions } from './fleet.js';
import { median, percentile } from './measure.js';

export interface FleetRun {
  machines: number;
  /** Sum of the evaluate() calls only (building each machine's inventory is not timed). */
  evaluateMs: number;
  machinesPerSecond: number;
  perMachineMs: { p50: number; p95: number; max: number };
  findingsByStatus: Record<string, number>;
  findingsTotal: number;
  /** Machines per base status file. */
  perBase: number[];
  avgPackages: number;
  /** Bulletins the index hands to the engine per machine, averaged (min–max). */
  candidates: { avg: number; min: number; max: number };
}

export interface BypassRun {
  machines: number;
  withIndexMs: number;
  withoutIndexMs: number;
  /** Findings other than not-applicable are the same with and without the index. */
  sameVerdicts: boolean;
  notApplicableWith: number;
  notApplicableWithout: number;
}

/** Evaluates machines 0..n-1 one after the other; logs progress every 200 machines. */
export function evaluateFleet(
  p: PreparedCatalog,
  bases: Inventory[],
  o: FleetOptions,
  n: number,
  log: (s: string) => void,
): FleetRun {
  const times: number[] = [];
  const byStatus: Record<string, number> = {};
  const perBase = bases.map(() => 0);
  const cands: number[] = [];
  let findingsTotal = 0;
  let packages = 0;
  for (let i = 0; i < n; i++) {
    const inv = fleetMachine(bases, i, o);
    const t0 = performance.now();
    const findings = evaluate(p, inv);
    times.push(performance.now() - t0);
    for (const f of findings) byStatus[f.status] = (byStatus[f.status] ?? 0) + 1;
    findingsTotal += findings.length;
    perBase[baseOf(i, o)]!++;
    packages += inv.packages?.items.length ?? 0;
    cands.push(candidateBulletins(p.index, buildInventoryView(inv).keys).length);
    if ((i + 1) % 200 === 0)
      log(`evaluated ${i + 1}/${n} machines (${((i + 1) / (sum(times) / 1000)).toFixed(1)} machines/s)`);
  }
  const evaluateMs = sum(times);
  return {
    machines: n,
    evaluateMs,
    machinesPerSecond: n / (evaluateMs / 1000),
    perMachineMs: { p50: median(times), p95: percentile(times, 95), max: Math.max(...times) },
    findingsByStatus: byStatus,
    findingsTotal,
    perBase,
    avgPackages: packages / n,
    candidates: { avg: sum(cands) / n, min: Math.min(...cands), max: Math.max(...cands) },
  };
}

/** Same machines (every `every`-th) with the index and with it bypassed: every bulletin is evaluated. */
export function compareWithoutIndex(
  p: PreparedCatalog,
  bases: Inventory[],
  o: FleetOptions,
  n: number,
  every: number,
  log: (s: string) => void,
): BypassRun {
  // PreparedCatalog is a plain structure: an index whose "always" list holds every bulletin is the bypass
  const all = p.catalog.bulletins.map((_, i) => i);
  const bypassed: PreparedCatalog = { ...p, index: { byKey: new Map(), always: all } };
  let withMs = 0;
  let withoutMs = 0;
  let same = true;
  let naWith = 0;
  let naWithout = 0;
  let machines = 0;
  for (let i = 0; i < n; i += every) {
    const inv = fleetMachine(bases, i, o);
    let t0 = performance.now();
    const a = evaluate(p, inv);
    withMs += performance.now() - t0;
    t0 = performance.now();
    const b = evaluate(bypassed, inv);
    withoutMs += performance.now() - t0;
    naWith += a.filter((f) => f.status === 'not-applicable').length;
    naWithout += b.filter((f) => f.status === 'not-applicable').length;
    if (verdicts(a) !== verdicts(b)) same = false;
    machines++;
  }
  log(`index bypass on ${machines} machines: ${(withoutMs / withMs).toFixed(1)}× slower without the index`);
  return {
    machines,
    withIndexMs: withMs,
    withoutIndexMs: withoutMs,
    sameVerdicts: same,
    notApplicableWith: naWith,
    notApplicableWithout: naWithout,
  };
}

function verdicts(fs: Finding[]): string {
  const applicable = fs.filter((f) => f.status !== ('not-applicable' satisfies FindingStatus));
  return applicable
    .map((f) => `${f.bulletin}=${f.status}`)
    .sort()
    .join('\n');
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
