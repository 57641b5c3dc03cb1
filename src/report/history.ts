/**
 * Figures over a chosen range of days, for the console's charts: the open findings per day (from
 * the daily snapshots) and the time to remediate (from resolved findings' first-seen and resolved
 * times). Pure: batches in, figures out; no I/O, no clock. Memory: one point per day, and one
 * number per resolved finding in the range (the median needs them all).
 *
 * Definitions (also in docs/REPORTS.md):
 * - A trend point sums, over the chosen machines, each machine's latest snapshot at or before that
 *   day (a snapshot is written when the machine is assessed; its state holds until the next one).
 * - A finding counts towards time to remediate when its resolvedAt falls within [from, to] (whole
 *   UTC days); its time is resolvedAt − firstSeenAt in days. Mean and median are null when none did.
 */
import { SEVERITIES, type Severity } from '../catalog/model.js';
import type { DailySnapshot, FindingFact, TrendPoint } from './model.js';

const DAY_MS = 86_400_000;

/** Time to remediate over some resolved findings. */
export interface RemediationFigure {
  resolved: number;
  meanDays: number | null;
  medianDays: number | null;
}

/** Time to remediate over a range, overall and per severity. */
export interface RemediationTimes extends RemediationFigure {
  bySeverity: Record<Severity, RemediationFigure>;
}

const zeroBySeverity = (): Record<Severity, number> =>
  Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;

/** Days from `from` to `to` (YYYY-MM-DD, inclusive), in order. */
function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00.000Z`), end = Date.parse(`${to}T00:00:00.000Z`); t <= end; t += DAY_MS)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/**
 * Open findings per day over [fromDay, lastDay]. A machine is counted on a day with its latest
 * snapshot at or before that day: snapshots are written when a machine is assessed, and its state
 * holds until the next assessment. Give it the snapshots from some days before `fromDay` on (the
 * caller's lookback) so machines not assessed within the range still count; batches must come in
 * (day, machineId) order, as FindingStore.scanSnapshots streams them. Days before any snapshot
 * of the chosen machines are absent.
 */
export function createTrendAccumulator(range: { fromDay: string; lastDay: string }, machineIds?: ReadonlySet<string>) {
  const latest = new Map<string, Partial<Record<Severity, number>>>();
  const points: TrendPoint[] = [];
  const days = daysBetween(range.fromDay, range.lastDay);
  let next = 0; // index in `days` of the first day not emitted yet
  const emitBefore = (day: string) => {
    while (next < days.length && days[next]! < day) {
      if (latest.size > 0) points.push(pointOf(days[next]!, latest.values()));
      next++;
    }
  };
  return {
    add(batch: readonly DailySnapshot[]): void {
      for (const s of batch) {
        if (machineIds && !machineIds.has(s.machineId)) continue;
        emitBefore(s.day);
        latest.set(s.machineId, s.openBySeverity);
      }
    },
    finish(): TrendPoint[] {
      emitBefore('\uffff');
      return points;
    },
  };
}

function pointOf(day: string, machines: Iterable<Partial<Record<Severity, number>>>): TrendPoint {
  const p: TrendPoint = { day, openFindings: 0, openBySeverity: zeroBySeverity(), machinesWithOpen: 0 };
  for (const bySeverity of machines) {
    let open = 0;
    for (const sev of SEVERITIES) {
      const n = bySeverity[sev] ?? 0;
      p.openBySeverity[sev] += n;
      open += n;
    }
    p.openFindings += open;
    if (open > 0) p.machinesWithOpen++;
  }
  return p;
}

/** Rounds to one decimal, as every day figure of the reports. */
const oneDecimal = (x: number): number => Math.round(x * 10) / 10;

function figureOf(days: number[]): RemediationFigure {
  if (days.length === 0) return { resolved: 0, meanDays: null, medianDays: null };
  const sorted = [...days].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    resolved: days.length,
    meanDays: oneDecimal(days.reduce((a, b) => a + b, 0) / days.length),
    medianDays: oneDecimal(median),
  };
}

/**
 * Collects the findings resolved within [fromDay, toDay] (YYYY-MM-DD, whole UTC days; only of
 * `machineIds` when given) and gives mean and median days from first seen to resolved.
 */
export function createRemediationAccumulator(
  range: { fromDay: string; toDay: string },
  machineIds?: ReadonlySet<string>,
) {
  const from = Date.parse(`${range.fromDay}T00:00:00.000Z`);
  const until = Date.parse(`${range.toDay}T00:00:00.000Z`) + DAY_MS;
  const bySeverity = new Map<Severity, number[]>(SEVERITIES.map((s) => [s, []]));
  return {
    add(batch: readonly FindingFact[]): void {
      for (const f of batch) {
        if (f.resolvedAt === null || (machineIds && !machineIds.has(f.machineId))) continue;
        const resolved = Date.parse(f.resolvedAt);
        const seen = Date.parse(f.firstSeenAt);
        if (!(resolved >= from && resolved < until) || Number.isNaN(seen)) continue;
        bySeverity.get(f.severity)?.push(Math.max(0, resolved - seen) / DAY_MS);
      }
    },
    finish(): RemediationTimes {
      const all = [...bySeverity.values()].flat();
      return {
        ...figureOf(all),
        bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, figureOf(bySeverity.get(s)!)])) as Record<
          Severity,
          RemediationFigure
        >,
      };
    },
  };
}
