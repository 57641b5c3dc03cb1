/** Small counters the compliance aggregator keeps per summary, group, owner and severity. */
import { SEVERITIES, type Severity } from '../catalog/model.js';
import type { MttrFigure } from './model.js';

const DAY_MS = 86_400_000;

/** Open / overdue / due-soon counts and the resolved findings' total time to remediate. */
export interface Tally {
  open: number;
  overdue: number;
  dueSoon: number;
  resolved: number;
  resolvedDays: number;
}

/** A zeroed tally. */
export function newTally(): Tally {
  return { open: 0, overdue: 0, dueSoon: 0, resolved: 0, resolvedDays: 0 };
}

/** Machines and compliant machines of a row. */
export interface MachineCount {
  machines: number;
  compliant: number;
}

/** Rounds to one decimal (the precision every report figure is given in). */
export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Compliant share in percent, one decimal; null for a row without machines (nothing to be compliant: "no machines"). */
export function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : round1((100 * part) / whole);
}

/** Mean days to remediate of a tally, one decimal (null when nothing was resolved). */
export function meanDays(t: Pick<Tally, 'resolved' | 'resolvedDays'>): number | null {
  return t.resolved === 0 ? null : round1(t.resolvedDays / t.resolved);
}

/** The MTTR figure of a tally. */
export function mttrOf(t: Tally): MttrFigure {
  return { resolved: t.resolved, meanDays: meanDays(t) };
}

/** Days between two ISO times (b − a), fractional. */
export function daysBetween(a: string, b: string): number {
  return (Date.parse(b) - Date.parse(a)) / DAY_MS;
}

/** A zero count for every severity. */
export function zeroBySeverity(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

/** A tally for every severity. */
export function tallyBySeverity(): Record<Severity, Tally> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, newTally()])) as Record<Severity, Tally>;
}

/** The tally under `key`, created on first use. */
export function tallyFor<K>(map: Map<K, Tally>, key: K): Tally {
  let t = map.get(key);
  if (!t) map.set(key, (t = newTally()));
  return t;
}
