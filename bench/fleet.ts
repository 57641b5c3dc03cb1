/**
 * A fleet of machines derived from the three real status files: each machine starts from one of
 * them and has some packages older, some newer and some removed, drawn from a seeded PRNG.
 */
import type { InstalledPackage, Inventory } from '../src/inventory/model.js';
import { createRng } from './prng.js';
import { newerThan, olderThan } from './versions.js';

export interface FleetOptions {
  seed: number;
  /** Probability that a package is removed / older / newer on a machine. */
  removed: number;
  older: number;
  newer: number;
  /** Weight of each base inventory (same order as the bases). */
  weights: number[];
}

export const DEFAULT_FLEET: Omit<FleetOptions, 'seed'> = {
  removed: 0.03,
  older: 0.05,
  newer: 0.05,
  weights: [2, 1, 1],
};

/** The base index machine `i` derives from, by weight. */
export function baseOf(i: number, o: FleetOptions): number {
  const rng = createRng(o.seed + i * 7919);
  const total = o.weights.reduce((a, b) => a + b, 0);
  let x = rng.next() * total;
  for (let b = 0; b < o.weights.length; b++) {
    x -= o.weights[b]!;
    if (x < 0) return b;
  }
  return o.weights.length - 1;
}

/** Machine `i` of the fleet: deterministic for (bases, i, options). */
export function fleetMachine(bases: Inventory[], i: number, o: FleetOptions): Inventory {
  const base = bases[baseOf(i, o)]!;
  const rng = createRng((o.seed ^ 0x51ed) + i * 104729);
  const items: InstalledPackage[] = [];
  for (const p of base.packages?.items ?? []) {
    const x = rng.next();
    if (x < o.removed) continue;
    if (x < o.removed + o.older) {
      const v = olderThan(p.version, rng);
      items.push({
        ...p,
        version: v,
        ...(p.sourceVersion !== undefined ? { sourceVersion: olderThan(p.sourceVersion, rng) } : {}),
      });
    } else if (x < o.removed + o.older + o.newer) {
      const v = newerThan(p.version, rng);
      items.push({
        ...p,
        version: v,
        ...(p.sourceVersion !== undefined ? { sourceVersion: newerThan(p.sourceVersion, rng) } : {}),
      });
    } else {
      items.push(p);
    }
  }
  return { ...base, machine: { name: `fleet-${String(i).padStart(4, '0')}` }, packages: { manager: 'dpkg', items } };
}
