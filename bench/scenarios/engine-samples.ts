/**
 * Child process, scenario 2 (in-process side): one OVAL catalog against the three real status
 * files — import, prepare, inventory collection and evaluate() timed separately.
 * argv: <catalog file>
 */
import { createReadStream } from 'node:fs';
import { importOval } from '../../src/catalog/import/oval.js';
import { evaluate, prepareCatalog } from '../../src/detect/evaluate.js';
import { collectDpkgInventory } from '../../src/inventory/collect-dpkg.js';
import { ENGINE_REPEATS } from '../config.js';
import { BENCH_NOW, STATUS_FILES } from '../fixtures.js';
import { median, reportToParent, timed } from '../measure.js';

export interface EngineSampleRow {
  status: string;
  collectMs: number;
  /** Median of ENGINE_REPEATS evaluate() calls on the same prepared catalog and inventory. */
  evaluateMedianMs: number;
  /** The first evaluate() call (cold JIT for the first status file). */
  evaluateFirstMs: number;
  findings: Record<string, number>;
}

export interface EngineSamplesResult {
  bulletins: number;
  importMs: number;
  prepareMs: number;
  rows: EngineSampleRow[];
}

const file = process.argv[2]!;
const imported = await timed(() => importOval(createReadStream(file, { highWaterMark: 1 << 20 }), { file }));
const prepared = await timed(() => prepareCatalog(imported.value));
const rows: EngineSampleRow[] = [];
for (const s of STATUS_FILES) {
  const inv = await timed(() => collectDpkgInventory({ statusFile: s.file, now: BENCH_NOW, machineName: s.label }));
  const first = await timed(() => evaluate(prepared.value, inv.value));
  const times: number[] = [];
  for (let i = 0; i < ENGINE_REPEATS; i++) times.push((await timed(() => evaluate(prepared.value, inv.value))).ms);
  const findings: Record<string, number> = {};
  for (const f of first.value) findings[f.status] = (findings[f.status] ?? 0) + 1;
  rows.push({
    status: s.label,
    collectMs: inv.ms,
    evaluateMedianMs: median(times),
    evaluateFirstMs: first.ms,
    findings,
  });
}
reportToParent<EngineSamplesResult>({
  bulletins: imported.value.bulletins.length,
  importMs: imported.ms,
  prepareMs: prepared.ms,
  rows,
});
